// ColumnFileReader: read access to one column file (docs/column_file_format.md).
// Open maps the file and validates its header, footer, index and (for
// dictionary-encoded strings) dictionary; granules are checksummed and
// decoded only when asked for. A damaged file yields kCorruption naming the
// file and, where it applies, the granule; it never crashes the reader or
// yields wrong values.
//
// Column files are immutable: a mapped file must not be truncated while a
// reader has it open (reading a page past the new end raises SIGBUS).
//
// The reader owns its mapping (or buffer) and releases it when destroyed.
// After Open it is immutable: any number of threads may call its const
// methods concurrently.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/base/file.h"
#include "common/base/status.h"
#include "common/column/column_file.h"
#include "common/column/column_file_layout.h"
#include "common/column/granule_decoder.h"
#include "common/schema/column_vector.h"

namespace backtrace::column {

class ColumnFileReader {
 public:
  // Maps `path` and validates it. Errors: those of the file layer (kNotFound,
  // kResourceExhausted for ENOMEM from mmap, ...) and kCorruption or
  // kNotSupported (a newer format version) naming the file.
  [[nodiscard]] static Result<std::unique_ptr<ColumnFileReader>> Open(const std::string& path);

  // Reads a column file held in memory; `name` stands for the file in
  // messages. Errors as for Open.
  [[nodiscard]] static Result<std::unique_ptr<ColumnFileReader>> FromBuffer(std::string bytes,
                                                                           std::string name);

  ColumnFileReader(const ColumnFileReader&) = delete;
  ColumnFileReader& operator=(const ColumnFileReader&) = delete;

  const std::string& name() const { return name_; }
  ColumnType type() const { return header_.type; }
  uint64_t rows() const { return index_.rows; }
  size_t granule_count() const { return index_.granules.size(); }
  // Requires index < granule_count().
  const GranuleInfo& granule(size_t index) const { return index_.granules[index]; }
  const std::vector<GranuleInfo>& granules() const { return index_.granules; }
  ColumnFileSummary summary() const;

  // The sorted dictionary of a dictionary-encoded string file, else nullptr.
  const StringValues* dictionary() const {
    return dictionary_.has_value() ? &dictionary_->entries : nullptr;
  }

  // Appends the values of granule `index` to *out, whose type must be the
  // file's (kInvalidArgument otherwise, and for an index out of range). A
  // checksum mismatch or undecodable granule is kCorruption, e.g.
  // "column file t/b/price.col: granule 3 checksum mismatch". On error *out
  // is unchanged.
  [[nodiscard]] Status ReadGranule(size_t index, ColumnVector* out) const;

  // Appends every value of the file to *out; errors as for ReadGranule (on
  // error *out may hold the granules before the bad one).
  [[nodiscard]] Status ReadAll(ColumnVector* out) const;

  // For dictionary-encoded string files: appends the dictionary codes of
  // granule `index` to *codes (kFailedPrecondition for other files).
  [[nodiscard]] Status ReadGranuleCodes(size_t index, std::vector<uint32_t>* codes) const;

 private:
  ColumnFileReader(std::string name, const uint8_t* data, size_t size);
  Status Validate();
  Status LoadDictionary();
  // Checks the checksum of granule `index` and returns its payload, either
  // in the file or decompressed into a per-thread buffer.
  Result<const uint8_t*> GranulePayload(size_t index) const;
  Status GranuleError(size_t index, const Status& status) const;

  std::string name_;
  io::MappedFile mapping_;
  std::string buffer_;
  const uint8_t* data_;
  size_t size_;
  ColumnFileHeader header_;
  ColumnFileIndex index_;
  std::optional<DecodingDictionary> dictionary_;
};

}  // namespace backtrace::column
