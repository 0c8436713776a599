#include "common/text/csv_reader.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <limits>

#include "common/text/number_parse.h"
#include "common/text/timestamp_format.h"

namespace backtrace {
namespace {

constexpr size_t kShownTextBytes = 60;

// Appends `text` in double quotes for a message: control bytes escaped, at
// most kShownTextBytes of it, and its length when cut.
void AppendQuoted(std::string* out, std::string_view text) {
  out->push_back('"');
  for (size_t i = 0; i < text.size() && i < kShownTextBytes; ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == '"' || c == '\\') {
      out->push_back('\\');
      out->push_back(static_cast<char>(c));
    } else if (c == '\n') {
      out->append("\\n");
    } else if (c == '\r') {
      out->append("\\r");
    } else if (c == '\t') {
      out->append("\\t");
    } else if (c < 0x20 || c == 0x7f) {
      char escaped[8];
      std::snprintf(escaped, sizeof(escaped), "\\x%02x", c);
      out->append(escaped);
    } else {
      out->push_back(static_cast<char>(c));
    }
  }
  if (text.size() > kShownTextBytes) {
    out->append("...\" (" + std::to_string(text.size()) + " bytes)");
  } else {
    out->push_back('"');
  }
}

// Appends a field's text with each "" pair as one '"'.
void AppendUnescaped(std::string* out, std::string_view text) {
  while (!text.empty()) {
    size_t quote = text.find('"');
    if (quote == std::string_view::npos) {
      out->append(text);
      return;
    }
    out->append(text.substr(0, quote + 1));
    text.remove_prefix(std::min(text.size(), quote + 2));
  }
}

std::string Unescaped(const CsvField& field) {
  std::string text;
  std::string_view raw(field.data, field.size);
  if (field.has_escaped_quotes) {
    AppendUnescaped(&text, raw);
  } else {
    text.assign(raw);
  }
  return text;
}

size_t UnescapedSize(const CsvField& field) {
  if (!field.has_escaped_quotes) return field.size;
  return field.size - static_cast<size_t>(std::count(field.data, field.data + field.size, '"')) / 2;
}

const char* ProblemText(CsvProblem problem) {
  switch (problem) {
    case CsvProblem::kNone: return "no problem";
    case CsvProblem::kQuoteInUnquotedField:
      return "a quote inside an unquoted field (quote the whole field and double the quote)";
    case CsvProblem::kTextAfterClosingQuote: return "text after the closing quote of a field";
    case CsvProblem::kLoneCarriageReturn: return "a carriage return not followed by a line feed";
    case CsvProblem::kUnterminatedQuote: return "a quoted field is not closed before the end of the input";
  }
  return "unknown problem";
}

const char* TypeNameWithArticle(ColumnType type) {
  switch (type) {
    case ColumnType::kInt64: return "an int64";
    case ColumnType::kUInt64: return "a uint64";
    case ColumnType::kFloat64: return "a float64";
    case ColumnType::kString: return "a string";
    case ColumnType::kTimestamp: return "a timestamp";
  }
  return "a value";
}

}  // namespace

CsvReader::CsvReader(Columns columns, std::unique_ptr<ByteSource> source,
                     CsvReaderOptions options)
    : columns_(std::move(columns)), source_(std::move(source)), options_(options) {
  options_.read_bytes = std::max<size_t>(options_.read_bytes, 1);
  // Every field at its longest, fully quoted with every byte a doubled
  // quote, plus its separator; and slack for the line end. At most 1 GiB,
  // which also keeps field sizes within 32 bits.
  max_record_bytes_ = std::min<size_t>(columns_.size() * (2 * kMaxStringBytes + 3) + 1024,
                                       size_t{1} << 30);
  // Room for one read after a partial record of up to read_bytes.
  buffer_.assign(2 * options_.read_bytes + kCsvPadding, kCsvSentinel);
}

Result<CsvReader> CsvReader::Open(Columns columns, std::unique_ptr<ByteSource> source,
                                  CsvReaderOptions options) {
  if (columns.empty()) return Status::InvalidArgument("CSV reader: no target columns");
  for (size_t i = 0; i < columns.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      if (columns[i].first == columns[j].first) {
        return Status::InvalidArgument("CSV reader: target column \"" + columns[i].first +
                                       "\" is listed twice");
      }
    }
  }
  if (source == nullptr) return Status::InvalidArgument("CSV reader: no source");
  CsvReader reader(std::move(columns), std::move(source), options);
  RETURN_IF_ERROR(reader.ReadHeader());
  return reader;
}

Status CsvReader::Refill() {
  const size_t pending = end_ - position_;
  if (pending > max_record_bytes_) {
    return Status::InvalidArgument(
        "line " + std::to_string(next_line_) + ": a record longer than " +
        std::to_string(max_record_bytes_) +
        " bytes (is a quoted field missing its closing quote?)");
  }
  if (position_ > 0) {
    std::memmove(buffer_.data(), buffer_.data() + position_, pending);
    bytes_before_buffer_ += position_;
    position_ = 0;
    end_ = pending;
  }
  const size_t needed = end_ + options_.read_bytes + kCsvPadding;
  if (buffer_.size() < needed) buffer_.resize(std::max(needed, buffer_.size() * 2));
  Result<size_t> got = source_->Read(buffer_.data() + end_, options_.read_bytes);
  if (!got.ok()) return got.status().WithContext("reading CSV from " + source_->name());
  if (*got == 0) at_end_ = true;
  end_ += *got;
  buffer_[end_] = kCsvSentinel;
  return Status::Ok();
}

Result<CsvScan> CsvReader::ScanNext() {
  while (true) {
    CsvScan scan = ScanCsvRecord(buffer_.data() + position_, end_ - position_, at_end_, &record_);
    if (scan != CsvScan::kNeedMore) return scan;
    RETURN_IF_ERROR(Refill());
  }
}

std::string CsvReader::ColumnLabel(size_t field) const {
  if (field < target_of_field_.size()) {
    return "column \"" + columns_[target_of_field_[field]].first + "\"";
  }
  return "field " + std::to_string(field + 1);
}

Status CsvReader::ReadHeader() {
  // A UTF-8 byte order mark before the header is dropped.
  while (end_ - position_ < 3 && !at_end_) RETURN_IF_ERROR(Refill());
  if (end_ >= 3 && std::memcmp(buffer_.data(), "\xEF\xBB\xBF", 3) == 0) position_ = 3;

  std::string expected;
  for (const auto& [name, type] : columns_) {
    if (!expected.empty()) expected += ", ";
    expected += name;
  }
  while (true) {
    ASSIGN_OR_RETURN(CsvScan scan, ScanNext());
    if (scan == CsvScan::kEnd) {
      return Status::InvalidArgument("empty CSV input: expected a header line naming the columns " +
                                     expected);
    }
    if (scan == CsvScan::kRecord) break;
    position_ += record_.bytes;
    ++next_line_;
  }
  const std::string where = "CSV header (line " + std::to_string(next_line_) + "): ";
  if (record_.problem != CsvProblem::kNone) {
    return Status::InvalidArgument(where + ProblemText(record_.problem) + " in field " +
                                   std::to_string(record_.problem_field + 1));
  }
  std::vector<std::string> names;
  for (const CsvField& field : record_.fields) names.push_back(Unescaped(field));
  position_ += record_.bytes;
  next_line_ += 1 + record_.inner_newlines;

  target_of_field_.assign(names.size(), 0);
  std::vector<size_t> field_of_target(columns_.size(), names.size());
  std::string unknown, repeated, missing;
  for (size_t i = 0; i < names.size(); ++i) {
    auto found = std::find_if(columns_.begin(), columns_.end(),
                              [&](const auto& column) { return column.first == names[i]; });
    if (found == columns_.end()) {
      if (!unknown.empty()) unknown += ", ";
      AppendQuoted(&unknown, names[i]);
      continue;
    }
    const size_t target = static_cast<size_t>(found - columns_.begin());
    if (field_of_target[target] != names.size()) {
      if (!repeated.empty()) repeated += ", ";
      AppendQuoted(&repeated, names[i]);
      continue;
    }
    field_of_target[target] = i;
    target_of_field_[i] = target;
  }
  for (size_t target = 0; target < columns_.size(); ++target) {
    if (field_of_target[target] != names.size()) continue;
    if (!missing.empty()) missing += ", ";
    AppendQuoted(&missing, columns_[target].first);
  }
  if (!unknown.empty()) {
    return Status::InvalidArgument(where + "unknown column " + unknown +
                                   " (the columns are " + expected + ")");
  }
  if (!repeated.empty()) {
    return Status::InvalidArgument(where + "column " + repeated + " appears more than once");
  }
  if (!missing.empty()) {
    return Status::InvalidArgument(where + "missing column " + missing +
                                   " (the columns are " + expected + ")");
  }
  sinks_.resize(names.size());
  return Status::Ok();
}

void CsvReader::PrepareBatch(std::vector<ColumnVector>* columns) {
  bool fits = columns->size() == columns_.size();
  for (size_t i = 0; fits && i < columns_.size(); ++i) {
    fits = (*columns)[i].type() == columns_[i].second;
  }
  if (!fits) {
    columns->clear();
    for (const auto& column : columns_) columns->emplace_back(column.second);
  }
  string_sinks_.clear();
  for (ColumnVector& column : *columns) {
    column.Clear();
    if (column.type() == ColumnType::kString) string_sinks_.push_back(&column.strings());
  }
  for (size_t field = 0; field < sinks_.size(); ++field) {
    ColumnVector& column = (*columns)[target_of_field_[field]];
    Sink& sink = sinks_[field];
    sink = Sink();
    sink.type = column.type();
    switch (sink.type) {
      case ColumnType::kInt64:
      case ColumnType::kTimestamp: sink.int64s = &column.int64s(); break;
      case ColumnType::kUInt64: sink.uint64s = &column.uint64s(); break;
      case ColumnType::kFloat64: sink.float64s = &column.float64s(); break;
      case ColumnType::kString: sink.strings = &column.strings(); break;
    }
  }
}

CsvReader::Failure CsvReader::Convert() {
  const size_t count = record_.fields.size();
  for (size_t i = 0; i < count; ++i) {
    const CsvField& field = record_.fields[i];
    const std::string_view text(field.data, field.size);
    Sink& sink = sinks_[i];
    NumberParse outcome = NumberParse::kOk;
    switch (sink.type) {
      case ColumnType::kInt64: {
        int64_t value;
        outcome = ParseInt64(text, &value);
        if (outcome == NumberParse::kOk) sink.int64s->push_back(value);
        break;
      }
      case ColumnType::kTimestamp: {
        int64_t value;
        if (TryParseTimestamp(text, &value)) {
          sink.int64s->push_back(value);
        } else {
          outcome = NumberParse::kInvalid;
        }
        break;
      }
      case ColumnType::kUInt64: {
        uint64_t value;
        outcome = ParseUInt64(text, &value);
        if (outcome == NumberParse::kOk) sink.uint64s->push_back(value);
        break;
      }
      case ColumnType::kFloat64: {
        double value;
        outcome = ParseFloat64(text, &value);
        if (outcome == NumberParse::kOk) sink.float64s->push_back(value);
        break;
      }
      case ColumnType::kString: {
        if (UnescapedSize(field) > kMaxStringBytes) {
          RemoveLastValues(i);
          return {Failure::kStringTooLong, i};
        }
        if (field.has_escaped_quotes) {
          AppendUnescaped(&sink.strings->bytes, text);
          sink.strings->offsets.push_back(static_cast<uint32_t>(sink.strings->bytes.size()));
        } else {
          sink.strings->push_back(text);
        }
        break;
      }
    }
    if (outcome != NumberParse::kOk) {
      RemoveLastValues(i);
      return {outcome == NumberParse::kOutOfRange ? Failure::kValueOutOfRange : Failure::kValue, i};
    }
  }
  return {};
}

void CsvReader::RemoveLastValues(size_t count) {
  for (size_t i = 0; i < count; ++i) {
    Sink& sink = sinks_[i];
    switch (sink.type) {
      case ColumnType::kInt64:
      case ColumnType::kTimestamp: sink.int64s->pop_back(); break;
      case ColumnType::kUInt64: sink.uint64s->pop_back(); break;
      case ColumnType::kFloat64: sink.float64s->pop_back(); break;
      case ColumnType::kString:
        sink.strings->offsets.pop_back();
        sink.strings->bytes.resize(sink.strings->offsets.back());
        break;
    }
  }
}

bool CsvReader::StringsNearlyFull() const {
  constexpr size_t kLimit = std::numeric_limits<uint32_t>::max();
  for (const StringValues* strings : string_sinks_) {
    if (strings->bytes.size() > kLimit - max_record_bytes_) return true;
  }
  return false;
}

std::string CsvReader::FailureMessage(const Failure& failure, uint64_t line) const {
  std::string message = "line " + std::to_string(line) + ": ";
  if (failure.kind == Failure::kStructure) {
    return message + ColumnLabel(failure.field) + ": " + ProblemText(record_.problem);
  }
  if (failure.kind == Failure::kFieldCount) {
    return message + "expected " + std::to_string(columns_.size()) + " fields, found " +
           std::to_string(record_.fields.size());
  }
  const CsvField& field = record_.fields[failure.field];
  const std::string_view text(field.data, field.size);
  const ColumnType type = columns_[target_of_field_[failure.field]].second;
  message += ColumnLabel(failure.field) + ": ";
  if (failure.kind == Failure::kStringTooLong) {
    return message + "a string of " + std::to_string(UnescapedSize(field)) +
           " bytes is longer than the limit of " + std::to_string(kMaxStringBytes) + " bytes";
  }
  AppendQuoted(&message, text);
  if (failure.kind == Failure::kValueOutOfRange) {
    return message + " is out of range for " + std::string(ColumnTypeName(type));
  }
  message += " is not ";
  message += TypeNameWithArticle(type);
  if (type == ColumnType::kTimestamp && text.size() <= kShownTextBytes) {
    message += ": " + TimestampParseProblem(text);
  }
  return message;
}

Result<size_t> CsvReader::ReadBatch(size_t max_rows, std::vector<ColumnVector>* columns) {
  if (max_rows == 0) return Status::InvalidArgument("CSV reader: a batch of 0 rows was asked for");
  PrepareBatch(columns);
  if (!stop_.ok()) return stop_;
  size_t rows = 0;
  while (rows < max_rows && !StringsNearlyFull()) {
    Result<CsvScan> scan = ScanNext();
    if (!scan.ok()) {
      stop_ = scan.status();
      break;
    }
    if (*scan == CsvScan::kEnd) break;
    const uint64_t line = next_line_;
    Failure failure;
    if (*scan == CsvScan::kEmptyLine) {
      // Not a record: nothing to convert.
    } else if (record_.problem != CsvProblem::kNone) {
      failure = {Failure::kStructure, record_.problem_field};
    } else if (record_.fields.size() != columns_.size()) {
      failure = {Failure::kFieldCount, 0};
    } else {
      failure = Convert();
      if (failure.kind == Failure::kNone) ++rows;
    }
    if (failure.kind != Failure::kNone) {
      if (!options_.skip_bad_lines) {
        stop_ = Status::InvalidArgument(FailureMessage(failure, line));
      } else {
        ++bad_lines_;
        if (bad_line_reasons_.size() < options_.kept_reasons) {
          bad_line_reasons_.push_back(FailureMessage(failure, line));
        }
      }
    }
    position_ += record_.bytes;
    next_line_ += 1 + record_.inner_newlines;
    if (!stop_.ok()) break;
  }
  rows_read_ += rows;
  if (rows == 0 && !stop_.ok()) return stop_;
  return rows;
}

}  // namespace backtrace
