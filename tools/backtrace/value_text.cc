#include "tools/backtrace/value_text.h"

#include <charconv>
#include <cmath>

#include "common/text/timestamp_format.h"

namespace backtrace::cli {
namespace {

constexpr char kHexDigits[] = "0123456789abcdef";

// Length of the well-formed UTF-8 sequence at the start of `text` (RFC
// 3629: no overlong forms, no surrogates, nothing above U+10FFFF), or 0.
size_t Utf8SequenceLength(std::string_view text) {
  auto byte = [&](size_t index) { return static_cast<unsigned char>(text[index]); };
  unsigned char lead = byte(0);
  if (lead < 0x80) return 1;
  size_t length = 0;
  unsigned char low = 0x80;
  unsigned char high = 0xbf;  // bounds of the second byte
  if (lead >= 0xc2 && lead <= 0xdf) {
    length = 2;
  } else if (lead >= 0xe0 && lead <= 0xef) {
    length = 3;
    if (lead == 0xe0) low = 0xa0;
    if (lead == 0xed) high = 0x9f;
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    length = 4;
    if (lead == 0xf0) low = 0x90;
    if (lead == 0xf4) high = 0x8f;
  } else {
    return 0;
  }
  if (text.size() < length) return 0;
  if (byte(1) < low || byte(1) > high) return 0;
  for (size_t index = 2; index < length; ++index) {
    if (byte(index) < 0x80 || byte(index) > 0xbf) return 0;
  }
  return length;
}

template <typename T>
void AppendInteger(T value, std::string* out) {
  char buffer[24];
  auto result = std::to_chars(buffer, buffer + sizeof(buffer), value);
  out->append(buffer, result.ptr);
}

}  // namespace

bool IsNumeric(ColumnType type) {
  return type == ColumnType::kInt64 || type == ColumnType::kUInt64 ||
         type == ColumnType::kFloat64;
}

void AppendFloat(double value, std::string* out) {
  // to_chars writes "nan", "-nan", "inf", "-inf" for the special values;
  // a NaN is shown as "nan" whatever its sign bit.
  if (std::isnan(value)) {
    out->append("nan");
    return;
  }
  char buffer[32];
  auto result = std::to_chars(buffer, buffer + sizeof(buffer), value);
  out->append(buffer, result.ptr);
}

void AppendTrimmedTimestamp(int64_t nanos, std::string* out) {
  char text[kTimestampTextBytes];
  FormatTimestampTo(nanos, text);
  // text: "YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ"; the fraction is at 20..28.
  constexpr size_t kFraction = 20;
  size_t digits = 9;
  while (digits > 0 && text[kFraction + digits - 1] == '0') --digits;
  size_t kept = digits == 0 ? 0 : (digits + 2) / 3 * 3;
  out->append(text, kFraction - 1);  // up to the seconds
  if (kept > 0) {
    out->push_back('.');
    out->append(text + kFraction, kept);
  }
  out->push_back('Z');
}

void AppendTableString(std::string_view value, std::string* out) {
  for (char c : value) {
    auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x20 && byte != 0x7f && c != '\\') {
      out->push_back(c);
      continue;
    }
    out->push_back('\\');
    switch (c) {
      case '\\': out->push_back('\\'); break;
      case '\n': out->push_back('n'); break;
      case '\r': out->push_back('r'); break;
      case '\t': out->push_back('t'); break;
      default:
        out->push_back('x');
        out->push_back(kHexDigits[byte >> 4]);
        out->push_back(kHexDigits[byte & 0xf]);
    }
  }
}

void AppendCsvField(std::string_view value, std::string* out, bool quote_empty) {
  bool quote = (quote_empty && value.empty()) ||
               value.find_first_of(",\"\r\n") != std::string_view::npos;
  if (!quote) {
    out->append(value);
    return;
  }
  out->push_back('"');
  for (char c : value) {
    if (c == '"') out->push_back('"');
    out->push_back(c);
  }
  out->push_back('"');
}

void AppendJsonString(std::string_view value, std::string* out) {
  out->push_back('"');
  size_t index = 0;
  while (index < value.size()) {
    auto byte = static_cast<unsigned char>(value[index]);
    if (byte >= 0x80) {
      size_t length = Utf8SequenceLength(value.substr(index));
      if (length == 0) {
        out->append("\\ufffd");
        ++index;
      } else {
        out->append(value.substr(index, length));
        index += length;
      }
      continue;
    }
    ++index;
    switch (byte) {
      case '"': out->append("\\\""); break;
      case '\\': out->append("\\\\"); break;
      case '\b': out->append("\\b"); break;
      case '\f': out->append("\\f"); break;
      case '\n': out->append("\\n"); break;
      case '\r': out->append("\\r"); break;
      case '\t': out->append("\\t"); break;
      default:
        if (byte < 0x20) {
          out->append("\\u00");
          out->push_back(kHexDigits[byte >> 4]);
          out->push_back(kHexDigits[byte & 0xf]);
        } else {
          out->push_back(static_cast<char>(byte));
        }
    }
  }
  out->push_back('"');
}

void AppendValue(const ColumnVector& column, size_t row, TextStyle style, std::string* out,
                 bool quote_empty) {
  switch (column.type()) {
    case ColumnType::kInt64:
      AppendInteger(column.int64s()[row], out);
      return;
    case ColumnType::kUInt64:
      AppendInteger(column.uint64s()[row], out);
      return;
    case ColumnType::kFloat64: {
      double value = column.float64s()[row];
      if (style == TextStyle::kJson && !std::isfinite(value)) {
        out->append("null");
      } else {
        AppendFloat(value, out);
      }
      return;
    }
    case ColumnType::kTimestamp:
      // Machine-readable formats keep the exact integer; people get ISO 8601.
      if (style == TextStyle::kTable) {
        AppendTrimmedTimestamp(column.int64s()[row], out);
      } else {
        AppendInteger(column.int64s()[row], out);
      }
      return;
    case ColumnType::kString: {
      std::string_view value = column.strings().at(row);
      switch (style) {
        case TextStyle::kTable: AppendTableString(value, out); return;
        case TextStyle::kCsv: AppendCsvField(value, out, quote_empty); return;
        case TextStyle::kJson: AppendJsonString(value, out); return;
      }
    }
  }
}

size_t DisplayWidth(std::string_view text) {
  size_t width = 0;
  for (char c : text) {
    if ((static_cast<unsigned char>(c) & 0xc0) != 0x80) ++width;
  }
  return width;
}

}  // namespace backtrace::cli
