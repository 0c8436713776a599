#include "common/column/string_encoding.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <string_view>

#include "common/column/bit_packing.h"
#include "common/column/column_file_format.h"
#include "common/column/integer_encoding.h"
#include "common/schema/column_type.h"

namespace backtrace::column {
namespace {

std::vector<uint64_t>& Scratch(size_t count) {
  thread_local std::vector<uint64_t> scratch;
  if (scratch.size() < count) scratch.resize(count);
  return scratch;
}

// A fast hash of short strings: 8 bytes at a time, each folded in with a
// multiply; the final shift brings high bits down to the slot bits.
uint64_t HashString(std::string_view value) {
  const char* data = value.data();
  size_t size = value.size();
  uint64_t hash = 0x9e3779b97f4a7c15ull ^ size;
  while (size >= 8) {
    uint64_t word;
    std::memcpy(&word, data, 8);
    hash = (hash ^ word) * 0xff51afd7ed558ccdull;
    hash ^= hash >> 29;
    data += 8;
    size -= 8;
  }
  uint64_t tail = 0;
  for (size_t i = 0; i < size; ++i) {
    tail |= static_cast<uint64_t>(static_cast<uint8_t>(data[i])) << (8 * i);
  }
  hash = (hash ^ tail) * 0xc4ceb9fe1a85ec53ull;
  return hash ^ (hash >> 32);
}

// Byte equality without a library call for the short strings that
// dictionaries hold.
bool Equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  if (a.size() > 16) return std::memcmp(a.data(), b.data(), a.size()) == 0;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i] != b[i]) return false;
  }
  return true;
}

// Open-addressing set of the distinct strings seen so far; slots hold
// entry index + 1 (0 = empty).
class DistinctStrings {
 public:
  DistinctStrings() : slots_(1024, 0) {}

  // Returns the entry index of `value`, adding it if new, or nullopt when it
  // would be entry number kMaxDictionaryEntries + 1.
  std::optional<uint32_t> Insert(std::string_view value) {
    uint64_t hash = HashString(value);
    size_t mask = slots_.size() - 1;
    for (size_t slot = hash & mask;; slot = (slot + 1) & mask) {
      uint32_t occupant = slots_[slot];
      if (occupant == 0) break;
      if (hashes_[occupant - 1] == hash && Equal(entries_[occupant - 1], value)) {
        return occupant - 1;
      }
    }
    if (entries_.size() == kMaxDictionaryEntries) return std::nullopt;
    entries_.push_back(value);
    hashes_.push_back(hash);
    auto index = static_cast<uint32_t>(entries_.size() - 1);
    if (entries_.size() * 2 > slots_.size()) {
      Grow();
    } else {
      Place(index);
    }
    return index;
  }

  const std::vector<std::string_view>& entries() const { return entries_; }

 private:
  void Place(uint32_t index) {
    size_t mask = slots_.size() - 1;
    size_t slot = hashes_[index] & mask;
    while (slots_[slot] != 0) slot = (slot + 1) & mask;
    slots_[slot] = index + 1;
  }
  void Grow() {
    slots_.assign(slots_.size() * 2, 0);
    for (uint32_t index = 0; index < entries_.size(); ++index) Place(index);
  }

  std::vector<uint32_t> slots_;
  std::vector<std::string_view> entries_;
  std::vector<uint64_t> hashes_;
};

}  // namespace

void EncodePlainStrings(const StringValues& values, size_t begin, size_t end, std::string* out) {
  std::vector<uint64_t> lengths(end - begin);
  for (size_t row = begin; row < end; ++row) {
    lengths[row - begin] = values.offsets[row + 1] - values.offsets[row];
  }
  EncodeIntegerSequence(lengths.data(), lengths.size(), /*is_signed=*/false, out);
  out->append(values.bytes, values.offsets[begin], values.offsets[end] - values.offsets[begin]);
}

Status DecodePlainStrings(const uint8_t* data, size_t size, size_t count, StringValues* out) {
  const uint8_t* cursor = data;
  const uint8_t* limit = data + size;
  // A local pointer: the scratch vector is thread_local, and the compiler
  // would otherwise reload it through the thread pointer after every store.
  uint64_t* lengths = Scratch(count).data();
  RETURN_IF_ERROR(DecodeIntegerSequence(&cursor, limit, count, lengths));
  const size_t remaining = static_cast<size_t>(limit - cursor);
  size_t total = 0;
  for (size_t i = 0; i < count; ++i) {
    if (lengths[i] > kMaxStringBytes) {
      return Status::Corruption("string " + std::to_string(i) + " is " +
                                std::to_string(lengths[i]) + " bytes long, more than " +
                                std::to_string(kMaxStringBytes));
    }
    total += lengths[i];
  }
  if (total != remaining) {
    return Status::Corruption("string lengths add up to " + std::to_string(total) +
                              " bytes but " + std::to_string(remaining) + " bytes remain");
  }
  if (out->bytes.size() + total > std::numeric_limits<uint32_t>::max()) {
    return Status::ResourceExhausted("more than 4 GiB of string bytes in one column vector");
  }
  uint32_t offset = static_cast<uint32_t>(out->bytes.size());
  out->bytes.append(reinterpret_cast<const char*>(cursor), total);
  const size_t old_rows = out->size();
  out->offsets.resize(old_rows + 1 + count);
  uint32_t* offsets = out->offsets.data() + old_rows + 1;
  for (size_t i = 0; i < count; ++i) {
    offset += static_cast<uint32_t>(lengths[i]);
    offsets[i] = offset;
  }
  return Status::Ok();
}

std::optional<StringDictionary> BuildStringDictionary(const StringValues& values) {
  const size_t rows = values.size();
  if (rows == 0) return std::nullopt;
  DistinctStrings distinct;
  StringDictionary dictionary;
  dictionary.row_values.resize(rows);
  for (size_t row = 0; row < rows; ++row) {
    std::optional<uint32_t> index = distinct.Insert(values.at(row));
    if (!index) return std::nullopt;
    dictionary.row_values[row] = *index;
  }
  const std::vector<std::string_view>& entries = distinct.entries();
  // Estimated sizes: the dictionary's bytes and lengths plus bit-packed codes,
  // against the plain bytes plus bit-packed lengths.
  uint64_t distinct_bytes = 0;
  uint64_t longest = 0;
  for (std::string_view entry : entries) distinct_bytes += entry.size();
  for (size_t row = 0; row < rows; ++row) {
    longest = std::max<uint64_t>(longest, values.offsets[row + 1] - values.offsets[row]);
  }
  uint64_t dictionary_estimate = distinct_bytes + 2 * entries.size() +
                                 PackedBytes(rows, BitWidth(entries.size() - 1));
  uint64_t plain_estimate = values.bytes.size() + PackedBytes(rows, BitWidth(longest));
  if (dictionary_estimate >= plain_estimate) return std::nullopt;

  std::vector<uint32_t> order(entries.size());
  for (uint32_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(),
            [&entries](uint32_t a, uint32_t b) { return entries[a] < entries[b]; });
  dictionary.code_of_value.resize(entries.size());
  dictionary.entries.bytes.reserve(distinct_bytes);
  dictionary.entries.offsets.reserve(entries.size() + 1);
  for (uint32_t code = 0; code < order.size(); ++code) {
    dictionary.code_of_value[order[code]] = code;
    dictionary.entries.push_back(entries[order[code]]);
  }
  return dictionary;
}

}  // namespace backtrace::column
