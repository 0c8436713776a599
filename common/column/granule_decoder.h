// Decoding of one granule's payload (its bytes after the codec has been
// undone) into column values. The reader checks the granule's checksum and
// decompresses it before calling these; they still validate every length and
// value they read, so malformed bytes give kCorruption, never a crash or a
// read out of bounds. (Well-formed but altered bytes decode to other values:
// catching those is the checksum's job.)
//
// Stateless apart from per-thread scratch buffers; callable from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "common/base/status.h"
#include "common/column/column_file_format.h"
#include "common/schema/column_vector.h"

namespace backtrace::column {

// A file's string dictionary as the decoder uses it: the entries, and their
// bytes again followed by kPadding zero bytes so that entries of up to
// kPadding bytes are copied with one fixed-size move.
struct DecodingDictionary {
  static constexpr size_t kPadding = 16;

  explicit DecodingDictionary(StringValues values);

  StringValues entries;
  std::string padded_bytes;
  size_t longest = 0;  // bytes of the longest entry
};

// Appends the `rows` values held by payload[0, size) to *out, whose type is
// the column's. `dictionary` is the file's dictionary for kDictionary
// granules (nullptr otherwise). Errors: kCorruption naming what was wrong,
// kResourceExhausted when string bytes would pass 4 GiB; on error *out is
// unchanged.
Status DecodeGranulePayload(GranuleEncoding encoding, const uint8_t* payload, size_t size,
                            size_t rows, const DecodingDictionary* dictionary,
                            ColumnVector* out);

// Appends the dictionary codes of a kDictionary granule to *codes, checking
// each against the dictionary size. On error *codes is unchanged.
Status DecodeDictionaryCodes(const uint8_t* payload, size_t size, size_t rows,
                             size_t dictionary_entries, std::vector<uint32_t>* codes);

}  // namespace backtrace::column
