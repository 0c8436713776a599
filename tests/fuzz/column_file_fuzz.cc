// Fuzz target "column_file": the column file reader
// (common/column/column_file_reader.h) on arbitrary files, and the granule
// decoder (common/column/granule_decoder.h) on arbitrary payloads.
//
// Input: byte 0 chooses the mode, the rest is its input:
//   0: a column file, read as it is;
//   1: a column file whose header, footer and index checksums the target
//      rewrites, so that the index parser is reached;
//   2: as 1, and the index is parsed and written again with the checksums
//      of the dictionary and granules it places, so that decoding is
//      reached;
//   3: one granule payload: type byte, encoding byte, row count (u16),
//      dictionary size byte, then the payload, decoded directly.
// The reader must refuse or read every granule consistently with its index.
#include <string>
#include <vector>

#include "common/base/coding.h"
#include "common/base/crc32c.h"
#include "common/column/column_file_format.h"
#include "common/column/column_file_layout.h"
#include "common/column/column_file_reader.h"
#include "common/column/granule_decoder.h"
#include "tests/fuzz/fuzz_support.h"
#include "tests/fuzz/fuzz_target.h"

namespace backtrace::fuzz {
namespace {

using column::ColumnFileReader;

ColumnType TypeFromByte(uint8_t byte) {
  constexpr ColumnType kTypes[] = {ColumnType::kInt64, ColumnType::kUInt64, ColumnType::kFloat64,
                                   ColumnType::kString, ColumnType::kTimestamp};
  return kTypes[byte % 5];
}

void PutMaskedCrc(std::string* file, size_t at, const char* data, size_t size) {
  coding::EncodeFixed32(reinterpret_cast<uint8_t*>(file->data()) + at,
                        crc32c::Mask(crc32c::Value(data, size)));
}

// Rewrites the header and footer checksums, and the index checksum when the
// footer places the index inside the file.
void FixFrameChecksums(std::string* file) {
  if (file->size() < column::kHeaderBytes + column::kFooterBytes) return;
  PutMaskedCrc(file, column::kHeaderCrcOffset, file->data(), column::kHeaderCrcOffset);
  size_t footer = file->size() - column::kFooterBytes;
  const auto* bytes = reinterpret_cast<const uint8_t*>(file->data());
  uint64_t index_offset = coding::DecodeFixed64(bytes + footer);
  uint64_t index_bytes = coding::DecodeFixed64(bytes + footer + 8);
  if (index_offset <= footer && index_bytes <= footer - index_offset) {
    PutMaskedCrc(file, footer + 16, file->data() + index_offset, index_bytes);
  }
  PutMaskedCrc(file, footer + column::kFooterCrcOffset, file->data() + footer,
               column::kFooterCrcOffset);
}

// Parses the index and writes it again with the checksums of the regions
// it places; leaves the file as it is when the index does not parse.
void FixAllChecksums(std::string* file) {
  FixFrameChecksums(file);
  if (file->size() < column::kHeaderBytes + column::kFooterBytes) return;
  const auto* bytes = reinterpret_cast<const uint8_t*>(file->data());
  column::ColumnFileHeader header;
  column::ColumnFileFooter footer;
  column::ColumnFileIndex index;
  if (!column::ParseHeader(bytes, &header).ok() ||
      !column::ParseFooter(bytes + file->size() - column::kFooterBytes, file->size(), &footer)
           .ok() ||
      !column::ParseIndex(header, bytes + footer.index_offset, footer.index_bytes,
                          footer.index_offset, &index)
           .ok()) {
    return;
  }
  auto region_crc = [&](uint64_t offset, uint32_t size) {
    return crc32c::Value(file->data() + offset, size);
  };
  if (index.dictionary.has_value()) {
    index.dictionary->checksum = region_crc(index.dictionary->offset, index.dictionary->stored_bytes);
  }
  for (column::GranuleInfo& granule : index.granules) {
    granule.checksum = region_crc(granule.offset, granule.stored_bytes);
  }
  std::string rebuilt = file->substr(0, footer.index_offset);
  std::string encoded_index;
  column::AppendIndex(header, index, &encoded_index);
  rebuilt += encoded_index;
  footer.index_bytes = encoded_index.size();
  footer.index_checksum = crc32c::Value(encoded_index.data(), encoded_index.size());
  column::AppendFooter(footer, &rebuilt);
  *file = std::move(rebuilt);
}

void ReadFile(std::string file) {
  auto reader = ColumnFileReader::FromBuffer(std::move(file), "fuzz.col");
  if (!reader.ok()) return;
  const ColumnFileReader& opened = **reader;
  column::ColumnFileSummary summary = opened.summary();
  FUZZ_CHECK(summary.granules == opened.granule_count());
  uint64_t rows = 0;
  bool all_read = true;
  ColumnVector all(opened.type());
  for (size_t index = 0; index < opened.granule_count(); ++index) {
    const column::GranuleInfo& granule = opened.granule(index);
    FUZZ_CHECK(granule.first_row == rows);
    rows += granule.rows;
    ColumnVector values(opened.type());
    Status status = opened.ReadGranule(index, &values);
    if (!status.ok()) {
      FUZZ_CHECK(values.size() == 0);  // unchanged on error
      all_read = false;
      continue;
    }
    FUZZ_CHECK(values.size() == granule.rows);
    for (size_t row = 0; row < values.size(); ++row) all.Append(values.ValueAt(row));
    if (opened.dictionary() != nullptr) {
      std::vector<uint32_t> codes;
      FUZZ_CHECK(opened.ReadGranuleCodes(index, &codes).ok());
      FUZZ_CHECK(codes.size() == granule.rows);
      for (size_t row = 0; row < codes.size(); ++row) {
        FUZZ_CHECK(codes[row] < opened.dictionary()->size());
        FUZZ_CHECK(opened.dictionary()->at(codes[row]) == values.strings().at(row));
      }
    }
  }
  FUZZ_CHECK(rows == opened.rows());
  ColumnVector whole(opened.type());
  Status status = opened.ReadAll(&whole);
  FUZZ_CHECK(status.ok() == all_read);
  if (all_read) FUZZ_CHECK(SameColumn(whole, all));
  ColumnVector wrong(opened.type() == ColumnType::kString ? ColumnType::kInt64
                                                           : ColumnType::kString);
  if (opened.granule_count() > 0) FUZZ_CHECK(!opened.ReadGranule(0, &wrong).ok());
  FUZZ_CHECK(!opened.ReadGranule(opened.granule_count(), &whole).ok());
}

void DecodePayload(InputCursor& input) {
  ColumnType type = TypeFromByte(input.Byte());
  auto encoding = static_cast<column::GranuleEncoding>(input.Byte() % 8);
  size_t rows = input.Word() % 4097;
  size_t dictionary_entries = input.Byte();
  std::string payload(input.rest());
  const auto* bytes = reinterpret_cast<const uint8_t*>(payload.data());

  StringValues entries;
  for (size_t entry = 0; entry < dictionary_entries; ++entry) {
    entries.push_back("v" + std::to_string(1000 + entry));
  }
  column::DecodingDictionary dictionary(entries);
  ColumnVector values(type);
  Status status = column::DecodeGranulePayload(encoding, bytes, payload.size(), rows,
                                               &dictionary, &values);
  if (status.ok()) {
    FUZZ_CHECK(values.size() == rows);
  } else {
    FUZZ_CHECK(values.size() == 0);
  }
  std::vector<uint32_t> codes;
  status = column::DecodeDictionaryCodes(bytes, payload.size(), rows, dictionary_entries, &codes);
  if (status.ok()) {
    FUZZ_CHECK(codes.size() == rows);
    for (uint32_t code : codes) FUZZ_CHECK(code < dictionary_entries);
  } else {
    FUZZ_CHECK(codes.empty());
  }
}

}  // namespace

void FuzzColumnFile(const uint8_t* data, size_t size) {
  InputCursor input(data, size);
  uint8_t mode = input.Byte() % 4;
  if (mode == 3) {
    DecodePayload(input);
    return;
  }
  std::string file(input.rest());
  if (mode == 1) FixFrameChecksums(&file);
  if (mode == 2) FixAllChecksums(&file);
  ReadFile(std::move(file));
}

}  // namespace backtrace::fuzz

BACKTRACE_FUZZ_TARGET(backtrace::fuzz::FuzzColumnFile)
