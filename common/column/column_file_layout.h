// Serialisation and validation of the metadata regions of a column file: the
// header, the index (file summary, dictionary location, one entry per
// granule) and the footer. Granule and dictionary payloads are elsewhere
// (granule_encoder.h, granule_decoder.h). docs/column_file_format.md is the
// specification these functions implement.
//
// Parsing functions check everything a region's bytes can say about itself
// and the file's layout; their errors are kCorruption (kNotSupported for a
// newer format version) with messages that name the region but not the
// file, which the caller adds. Stateless; callable from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/base/status.h"
#include "common/column/column_file.h"
#include "common/column/column_file_format.h"
#include "common/schema/column_type.h"

namespace backtrace::column {

struct ColumnFileHeader {
  ColumnType type = ColumnType::kInt64;
  FileEncoding file_encoding = FileEncoding::kPlain;
  uint32_t granule_rows = kDefaultGranuleRows;
};

struct ColumnFileFooter {
  uint64_t index_offset = 0;
  uint64_t index_bytes = 0;
  uint32_t index_checksum = 0;  // CRC32C of the index bytes (unmasked)
};

// Where the string dictionary of a kDictionary file is stored.
struct DictionaryLocation {
  uint64_t offset = kHeaderBytes;
  uint32_t stored_bytes = 0;
  uint32_t decoded_bytes = 0;
  uint32_t entries = 0;
  GranuleCodec codec = GranuleCodec::kNone;
  uint32_t checksum = 0;  // CRC32C of the stored bytes (unmasked)
};

struct ColumnFileIndex {
  uint64_t rows = 0;
  uint64_t raw_bytes = 0;
  std::optional<Value> min;
  std::optional<Value> max;
  bool has_nan = false;
  bool min_truncated = false;
  bool max_truncated = false;
  std::optional<DictionaryLocation> dictionary;
  std::vector<GranuleInfo> granules;
};

void AppendHeader(const ColumnFileHeader& header, std::string* out);
// `data` holds at least kHeaderBytes.
Status ParseHeader(const uint8_t* data, ColumnFileHeader* header);

void AppendFooter(const ColumnFileFooter& footer, std::string* out);
// `data` holds the last kFooterBytes of a file of `file_size` bytes; checks
// that the index lies between the header and the footer.
Status ParseFooter(const uint8_t* data, uint64_t file_size, ColumnFileFooter* footer);

void AppendIndex(const ColumnFileHeader& header, const ColumnFileIndex& index, std::string* out);
// Parses the index bytes data[0, size) of a file whose index starts at
// `index_offset`, checking that the dictionary and granules tile
// [kHeaderBytes, index_offset) exactly, that row counts add up, and that
// every encoding, codec and flag is valid for the column type.
Status ParseIndex(const ColumnFileHeader& header, const uint8_t* data, size_t size,
                  uint64_t index_offset, ColumnFileIndex* index);

// The most bytes a granule of `rows` rows of `type` may decode to; larger
// declared sizes are corruption.
uint64_t MaxDecodedGranuleBytes(ColumnType type, uint64_t rows);

// True when `encoding` may appear in a granule of a file with `header`.
bool IsValidGranuleEncoding(const ColumnFileHeader& header, GranuleEncoding encoding);

}  // namespace backtrace::column
