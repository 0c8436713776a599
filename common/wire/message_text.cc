#include "common/wire/message_text.h"

namespace backtrace::wire {

std::string QuoteForMessage(std::string_view text) {
  constexpr size_t kLongestQuoted = 64;
  static constexpr char kHex[] = "0123456789abcdef";
  std::string quoted = "'";
  for (size_t i = 0; i < text.size() && i < kLongestQuoted; ++i) {
    unsigned char byte = static_cast<unsigned char>(text[i]);
    if (byte >= 0x20 && byte < 0x7f && byte != '\\' && byte != '\'') {
      quoted.push_back(static_cast<char>(byte));
    } else {
      quoted += "\\x";
      quoted.push_back(kHex[byte >> 4]);
      quoted.push_back(kHex[byte & 0xf]);
    }
  }
  if (text.size() > kLongestQuoted) quoted += "...";
  quoted.push_back('\'');
  return quoted;
}

}  // namespace backtrace::wire
