#include "tools/peers/orders_csv.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>

namespace backtrace::peers {
namespace {

constexpr size_t kBufferBytes = size_t{4} << 20;
constexpr std::string_view kHeader = "ts,symbol,price,qty";

template <typename Number>
bool ParseNumber(std::string_view text, Number* value) {
  if (text.empty()) return false;
  const char* first = text.data();
  // from_chars rejects a leading '+'; accept it as CSV writers may emit one.
  if (*first == '+') ++first;
  auto [end, error] = std::from_chars(first, text.data() + text.size(), *value);
  return error == std::errc() && end == text.data() + text.size();
}

}  // namespace

OrdersCsvReader::~OrdersCsvReader() {
  if (fd_ >= 0) ::close(fd_);
}

bool OrdersCsvReader::Open(const std::string& path, std::string* error) {
  path_ = path;
  fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) {
    *error = path + ": " + std::strerror(errno);
    return false;
  }
  ::posix_fadvise(fd_, 0, 0, POSIX_FADV_SEQUENTIAL);
  buffer_.resize(kBufferBytes);
  std::string_view header;
  bool failed = false;
  if (!NextLine(&header, error, &failed)) {
    if (!failed) *error = path + ": empty file, expected the header '" + std::string(kHeader) + "'";
    return false;
  }
  if (!header.empty() && header.back() == '\r') header.remove_suffix(1);
  if (header != kHeader) {
    *error = path + ": line 1: header is '" + std::string(header) + "', expected '" +
             std::string(kHeader) + "'";
    return false;
  }
  return true;
}

bool OrdersCsvReader::Fill(std::string* error) {
  if (begin_ > 0) {
    std::memmove(buffer_.data(), buffer_.data() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  if (end_ == buffer_.size()) buffer_.resize(buffer_.size() * 2);  // a line longer than the buffer
  while (true) {
    ssize_t got = ::read(fd_, buffer_.data() + end_, buffer_.size() - end_);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      *error = path_ + ": read: " + std::strerror(errno);
      return false;
    }
    if (got == 0) end_of_file_ = true;
    end_ += static_cast<size_t>(got);
    return true;
  }
}

bool OrdersCsvReader::NextLine(std::string_view* line, std::string* error, bool* failed) {
  while (true) {
    const char* start = buffer_.data() + begin_;
    const void* newline = std::memchr(start, '\n', end_ - begin_);
    if (newline != nullptr) {
      size_t length = static_cast<size_t>(static_cast<const char*>(newline) - start);
      *line = std::string_view(start, length);
      begin_ += length + 1;
      ++line_number_;
      return true;
    }
    if (end_of_file_) {
      if (begin_ == end_) return false;
      *line = std::string_view(start, end_ - begin_);  // last line without a newline
      begin_ = end_;
      ++line_number_;
      return true;
    }
    if (!Fill(error)) {
      *failed = true;
      return false;
    }
  }
}

OrdersCsvReader::Outcome OrdersCsvReader::Read(OrderRow* row, std::string* error) {
  std::string_view line;
  bool failed = false;
  do {
    if (!NextLine(&line, error, &failed)) return failed ? Outcome::kError : Outcome::kEnd;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  } while (line.empty());

  std::string_view fields[4];
  size_t count = 0;
  size_t start = 0;
  while (count < 4) {
    size_t comma = line.find(',', start);
    if (comma == std::string_view::npos) {
      fields[count++] = line.substr(start);
      start = line.size() + 1;
      break;
    }
    fields[count++] = line.substr(start, comma - start);
    start = comma + 1;
  }
  auto bad = [&](std::string_view what) {
    *error = path_ + ": line " + std::to_string(line_number_) + ": " + std::string(what) + " in '" +
             std::string(line.substr(0, 200)) + "'";
    return Outcome::kError;
  };
  if (count != 4 || start <= line.size()) return bad("expected 4 fields ts,symbol,price,qty");
  if (!ParseNumber(fields[0], &row->ts)) return bad("ts is not an integer");
  if (fields[1].empty()) return bad("symbol is empty");
  row->symbol = fields[1];
  if (!ParseNumber(fields[2], &row->price)) return bad("price is not a number");
  if (!ParseNumber(fields[3], &row->qty)) return bad("qty is not an integer");
  ++rows_read_;
  return Outcome::kRow;
}

}  // namespace backtrace::peers
