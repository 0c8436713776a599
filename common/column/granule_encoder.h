// GranuleEncoder turns runs of a column's values into stored granules: it
// computes the zone map and sums, picks the type-fit encoding with the
// smallest result, and keeps zstd on top only where it saves at least
// ColumnFileOptions::zstd_minimum_saving. It also stores the string
// dictionary of a dictionary-encoded file.
//
// One encoder serves one file being written; it owns a zstd context and
// scratch buffers and is used by one thread at a time.
#pragma once

#include <cstddef>
#include <string>

#include "common/base/status.h"
#include "common/column/column_file.h"
#include "common/column/column_file_layout.h"
#include "common/column/string_encoding.h"
#include "common/column/zstd_codec.h"
#include "common/schema/column_vector.h"

namespace backtrace::column {

class GranuleEncoder {
 public:
  // `dictionary` (for string columns of a kDictionary file) must outlive the
  // encoder; nullptr otherwise.
  GranuleEncoder(ColumnType type, const ColumnFileOptions& options,
                 const StringDictionary* dictionary);

  // Appends the stored bytes of rows [begin, end) of `values` to *file and
  // describes them in *granule (all fields but first_row). A granule of more
  // than 4 GiB is kInvalidArgument; zstd failures are kResourceExhausted.
  // On error *file may hold part of the granule.
  Status Encode(const ColumnVector& values, size_t begin, size_t end, std::string* file,
                GranuleInfo* granule);

  // Appends the stored dictionary (the plain string encoding of its entries,
  // zstd-compressed where that pays) to *file and describes it in *location.
  Status EncodeDictionary(const StringValues& entries, std::string* file,
                          DictionaryLocation* location);

 private:
  // Picks the codec for payload_ (leaving a zstd frame in compressed_ when
  // zstd is chosen).
  Result<GranuleCodec> ChooseCodec();
  // Appends payload_ or compressed_ to *file and fills sizes and checksum.
  Status Store(GranuleCodec codec, std::string* file, uint32_t* stored_bytes,
               uint32_t* decoded_bytes, uint32_t* checksum);

  void EncodeIntegers(const ColumnVector& values, size_t begin, size_t end, GranuleInfo* granule);
  void EncodeFloats(const ColumnVector& values, size_t begin, size_t end, GranuleInfo* granule);
  void EncodeStrings(const ColumnVector& values, size_t begin, size_t end, GranuleInfo* granule);

  ColumnType type_;
  ColumnFileOptions options_;
  const StringDictionary* dictionary_;
  ZstdCompressor compressor_;
  std::string payload_;
  std::string compressed_;
};

// A string's zone-map form: itself, or its first kMaxZoneMapStringBytes
// bytes with *truncated set.
std::string ZoneMapString(std::string_view value, bool* truncated);

}  // namespace backtrace::column
