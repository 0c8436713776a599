#include "common/column/column_file_writer.h"

#include <fcntl.h>

#include <cmath>
#include <limits>
#include <optional>

#include "common/base/crc32c.h"
#include "common/base/file.h"
#include "common/column/column_file_layout.h"
#include "common/column/granule_encoder.h"
#include "common/column/string_encoding.h"
#include "common/column/zstd_codec.h"

namespace backtrace::column {
namespace {

Status ValidateOptions(const ColumnFileOptions& options) {
  if (options.granule_rows == 0 || options.granule_rows > kMaxGranuleRows) {
    return Status::InvalidArgument("granule_rows " + std::to_string(options.granule_rows) +
                                   " is outside 1.." + std::to_string(kMaxGranuleRows));
  }
  if (!IsValidZstdLevel(options.zstd_level)) {
    return Status::InvalidArgument("zstd_level " + std::to_string(options.zstd_level) +
                                   " is not a zstd level");
  }
  if (!(options.zstd_minimum_saving >= 0.0)) {
    return Status::InvalidArgument("zstd_minimum_saving must be at least 0");
  }
  return Status::Ok();
}

Status ValidateStrings(const StringValues& strings) {
  for (size_t row = 0; row < strings.size(); ++row) {
    size_t length = strings.offsets[row + 1] - strings.offsets[row];
    if (length > kMaxStringBytes) {
      return Status::InvalidArgument("row " + std::to_string(row) + " holds a string of " +
                                     std::to_string(length) + " bytes, more than " +
                                     std::to_string(kMaxStringBytes));
    }
  }
  return Status::Ok();
}

// Orders zone-map values of one type; for float64 -0.0 comes before +0.0.
bool ValueLess(const Value& a, const Value& b) {
  if (const double* x = std::get_if<double>(&a)) {
    double y = std::get<double>(b);
    return *x < y || (*x == y && std::signbit(*x) && !std::signbit(y));
  }
  return a < b;
}

// Folds the granules' zone maps into the file's. Truncated string bounds
// are prefixes, and prefixes keep the order of the strings, so the smallest
// min prefix belongs to the smallest value; on equal prefixes an exact min
// is smaller than a truncated one, and a truncated max larger than an exact
// one.
void SummariseZoneMaps(const std::vector<GranuleInfo>& granules, ColumnFileIndex* index) {
  for (const GranuleInfo& granule : granules) {
    index->has_nan = index->has_nan || granule.has_nan;
    if (granule.all_nan) continue;
    if (!index->min.has_value()) {
      index->min = granule.min;
      index->max = granule.max;
      index->min_truncated = granule.min_truncated;
      index->max_truncated = granule.max_truncated;
      continue;
    }
    if (ValueLess(granule.min, *index->min) ||
        (granule.min == *index->min && index->min_truncated && !granule.min_truncated)) {
      index->min = granule.min;
      index->min_truncated = granule.min_truncated;
    }
    if (ValueLess(*index->max, granule.max) ||
        (granule.max == *index->max && !index->max_truncated && granule.max_truncated)) {
      index->max = granule.max;
      index->max_truncated = granule.max_truncated;
    }
  }
}

}  // namespace

Result<std::string> EncodeColumnFile(const ColumnVector& values, const ColumnFileOptions& options,
                                     ColumnFileSummary* summary) {
  RETURN_IF_ERROR(ValidateOptions(options));
  const ColumnType type = values.type();
  std::optional<StringDictionary> dictionary;
  if (type == ColumnType::kString) {
    RETURN_IF_ERROR(ValidateStrings(values.strings()));
    dictionary = BuildStringDictionary(values.strings());
  }

  ColumnFileHeader header;
  header.type = type;
  header.file_encoding = dictionary ? FileEncoding::kDictionary : FileEncoding::kPlain;
  header.granule_rows = options.granule_rows;
  ColumnFileIndex index;
  index.rows = values.size();
  index.raw_bytes = values.ByteSize();

  std::string file;
  file.reserve(index.raw_bytes / 4 + 4096);
  AppendHeader(header, &file);
  GranuleEncoder encoder(type, options, dictionary ? &*dictionary : nullptr);
  if (dictionary) {
    DictionaryLocation location;
    RETURN_IF_ERROR(encoder.EncodeDictionary(dictionary->entries, &file, &location));
    index.dictionary = location;
  }
  const size_t rows = values.size();
  const uint64_t granule_count = (rows + options.granule_rows - 1) / options.granule_rows;
  if (granule_count > std::numeric_limits<uint32_t>::max()) {
    return Status::InvalidArgument(std::to_string(rows) + " rows need more than 2^32 granules");
  }
  index.granules.reserve(granule_count);
  for (size_t begin = 0; begin < rows; begin += options.granule_rows) {
    size_t end = std::min<size_t>(rows, begin + options.granule_rows);
    GranuleInfo granule;
    granule.first_row = begin;
    RETURN_IF_ERROR(encoder.Encode(values, begin, end, &file, &granule));
    index.granules.push_back(std::move(granule));
  }
  SummariseZoneMaps(index.granules, &index);

  ColumnFileFooter footer;
  footer.index_offset = file.size();
  AppendIndex(header, index, &file);
  footer.index_bytes = file.size() - footer.index_offset;
  footer.index_checksum =
      crc32c::Value(file.data() + footer.index_offset, footer.index_bytes);
  AppendFooter(footer, &file);

  if (summary != nullptr) {
    summary->type = type;
    summary->rows = index.rows;
    summary->file_bytes = file.size();
    summary->raw_bytes = index.raw_bytes;
    summary->granules = static_cast<uint32_t>(index.granules.size());
    summary->min = index.min;
    summary->max = index.max;
    summary->has_nan = index.has_nan;
    summary->min_truncated = index.min_truncated;
    summary->max_truncated = index.max_truncated;
    summary->file_encoding = header.file_encoding;
    summary->dictionary_entries =
        dictionary ? static_cast<uint32_t>(dictionary->entries.size()) : 0;
  }
  return file;
}

Result<ColumnFileSummary> WriteColumnFile(const std::string& path, const ColumnVector& values,
                                          const ColumnFileOptions& options) {
  ColumnFileSummary summary;
  ASSIGN_OR_RETURN(std::string bytes, EncodeColumnFile(values, options, &summary));
  ASSIGN_OR_RETURN(io::File file, io::OpenFile(path, O_WRONLY | O_CREAT | O_TRUNC));
  RETURN_IF_ERROR(io::WriteAll(file, bytes.data(), bytes.size()));
  RETURN_IF_ERROR(io::SyncAll(file));
  RETURN_IF_ERROR(file.Close());
  return summary;
}

}  // namespace backtrace::column
