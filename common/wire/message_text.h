// Helpers that put untrusted names (column and table names from the wire)
// into error messages safely: bounded length, non-printable bytes escaped.
//
// Stateless; callable from any thread.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "flatbuffers/flatbuffers.h"

namespace backtrace::wire {

// `text` in single quotes, bytes outside printable ASCII as \xNN, and cut at
// 64 bytes with "..." appended.
std::string QuoteForMessage(std::string_view text);

// A FlatBuffers string as a string_view; an absent string is empty.
inline std::string_view View(const flatbuffers::String* text) {
  return text == nullptr ? std::string_view() : std::string_view(text->c_str(), text->size());
}

}  // namespace backtrace::wire
