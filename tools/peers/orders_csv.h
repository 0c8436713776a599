// OrdersCsvReader: a small, fast reader of the orders CSV used by the peer
// runners' own loading paths (the streaming loads and SQLite's bulk load):
//   ts,symbol,price,qty            (this header line is required)
//   1704067200000000000,BTC,45000.12,17
// ts and qty are decimal int64, price a decimal double, symbol any text
// without commas or quotes (the generated data never quotes). A trailing
// '\r' is accepted. The file is read in large blocks with read(2).
//
// One reader is used by one thread. Not copyable.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace backtrace::peers {

struct OrderRow {
  int64_t ts = 0;
  std::string_view symbol;  // valid until the next Read
  double price = 0;
  int64_t qty = 0;
};

class OrdersCsvReader {
 public:
  OrdersCsvReader() = default;
  ~OrdersCsvReader();
  OrdersCsvReader(const OrdersCsvReader&) = delete;
  OrdersCsvReader& operator=(const OrdersCsvReader&) = delete;

  // Opens `path` and checks the header line. On failure returns false with
  // *error naming the file and what was wrong.
  bool Open(const std::string& path, std::string* error);

  enum class Outcome { kRow, kEnd, kError };
  // Reads the next row. kError sets *error with the file and line number of
  // the malformed or unreadable line.
  Outcome Read(OrderRow* row, std::string* error);

  uint64_t rows_read() const { return rows_read_; }

 private:
  // Finds the next complete line; false at end of file or on a read error.
  bool NextLine(std::string_view* line, std::string* error, bool* failed);
  bool Fill(std::string* error);

  std::string path_;
  int fd_ = -1;
  std::vector<char> buffer_;
  size_t begin_ = 0;
  size_t end_ = 0;
  bool end_of_file_ = false;
  uint64_t line_number_ = 0;
  uint64_t rows_read_ = 0;
};

}  // namespace backtrace::peers
