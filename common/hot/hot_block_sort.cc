#include "common/hot/hot_block_sort.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <numeric>
#include <string_view>

namespace backtrace::hot {
namespace {

constexpr uint64_t kSignBit = uint64_t{1} << 63;

// Keys that order like the float64 comparison of the header: -0.0 as +0.0,
// every NaN the largest key.
uint64_t Float64Key(double value) {
  if (std::isnan(value)) return UINT64_MAX;
  if (value == 0) return kSignBit;  // the key of +0.0
  uint64_t bits = std::bit_cast<uint64_t>(value);
  return (bits & kSignBit) != 0 ? ~bits : bits | kSignBit;
}

constexpr uint64_t kHashMultiplier = 0x9E3779B97F4A7C15ull;

uint64_t Load32(const char* bytes) {
  uint32_t word;
  std::memcpy(&word, bytes, sizeof(word));
  return word;
}

// A string of at most 7 bytes as one integer: its bytes (little-endian) and
// its length in the top byte; distinct strings get distinct integers.
uint64_t ShortStringKey(const char* bytes, size_t length) {
  uint64_t value = 0;
  if (length >= 4) {
    // Two overlapping 4-byte loads cover every byte.
    value = Load32(bytes) | ((Load32(bytes + length - 4) >> (8 * (8 - length))) << 32);
  } else if (length > 0) {
    auto byte = [&](size_t at) { return static_cast<uint64_t>(static_cast<uint8_t>(bytes[at])); };
    value = byte(0) | (byte(length / 2) << (8 * (length / 2))) |
            (byte(length - 1) << (8 * (length - 1)));
  }
  return value | (static_cast<uint64_t>(length) << 56);
}

uint64_t HashBytes(std::string_view value) {
  uint64_t hash = value.size() * kHashMultiplier;
  size_t at = 0;
  for (; at + 8 <= value.size(); at += 8) {
    uint64_t word;
    std::memcpy(&word, value.data() + at, 8);
    hash = (hash ^ word) * kHashMultiplier;
    hash ^= hash >> 29;
  }
  for (; at < value.size(); ++at) {
    hash = (hash ^ static_cast<uint8_t>(value[at])) * kHashMultiplier;
  }
  return hash ^ (hash >> 29);
}

// Numbers the distinct strings of a column in order of first appearance.
// Strings of up to 7 bytes are found by their ShortStringKey alone; longer
// ones by a hash and a comparison.
class StringDictionary {
 public:
  StringDictionary() { slots_.resize(256); }

  // The code of the string at bytes[0, length); `readable` bytes from
  // `bytes` on may be read (at least length).
  uint32_t CodeOf(const char* bytes, size_t length, size_t readable) {
    if (length <= 7) {
      uint64_t key;
      if (readable >= 8) {
        // One 8-byte load, the bytes past the string masked off.
        uint64_t word;
        std::memcpy(&word, bytes, 8);
        key = (word & ((uint64_t{1} << (8 * length)) - 1)) | (static_cast<uint64_t>(length) << 56);
      } else {
        key = ShortStringKey(bytes, length);
      }
      return Find(key, /*short_key=*/true, std::string_view(bytes, length));
    }
    std::string_view value(bytes, length);
    return Find(HashBytes(value), /*short_key=*/false, value);
  }

  // rank[code]: the position of the code's string among the distinct
  // strings in bytewise order.
  std::vector<uint32_t> Ranks() const {
    std::vector<uint32_t> by_value(values_.size());
    std::iota(by_value.begin(), by_value.end(), 0u);
    std::sort(by_value.begin(), by_value.end(),
              [&](uint32_t left, uint32_t right) { return values_[left] < values_[right]; });
    std::vector<uint32_t> ranks(values_.size());
    for (size_t position = 0; position < by_value.size(); ++position) {
      ranks[by_value[position]] = static_cast<uint32_t>(position);
    }
    return ranks;
  }

 private:
  static constexpr uint32_t kEmpty = UINT32_MAX;
  struct Slot {
    uint64_t key = 0;  // the short-string key, or the hash of a long string
    uint32_t code = kEmpty;
    bool short_key = false;
  };

  uint32_t Find(uint64_t key, bool short_key, std::string_view value) {
    size_t mask = slots_.size() - 1;
    for (size_t slot = (key * kHashMultiplier) >> 32 & mask;; slot = (slot + 1) & mask) {
      Slot& entry = slots_[slot];
      if (entry.code == kEmpty) {
        auto code = static_cast<uint32_t>(values_.size());
        entry = Slot{key, code, short_key};
        values_.push_back(value);
        if (values_.size() * 4 > slots_.size()) Grow();
        return code;
      }
      if (entry.key == key && entry.short_key == short_key &&
          (short_key || values_[entry.code] == value)) {
        return entry.code;
      }
    }
  }

  void Grow() {
    std::vector<Slot> old(slots_.size() * 2);
    old.swap(slots_);
    size_t mask = slots_.size() - 1;
    for (const Slot& entry : old) {
      if (entry.code == kEmpty) continue;
      size_t slot = (entry.key * kHashMultiplier) >> 32 & mask;
      while (slots_[slot].code != kEmpty) slot = (slot + 1) & mask;
      slots_[slot] = entry;
    }
  }

  std::vector<Slot> slots_;
  std::vector<std::string_view> values_;
};

// The order-preserving 64-bit key of every row of one column.
std::vector<uint64_t> ColumnKeys(const HotBlockView& view, size_t column) {
  const size_t rows = view.row_count();
  std::vector<uint64_t> keys(rows);
  switch (view.type(column)) {
    case ColumnType::kInt64:
    case ColumnType::kTimestamp: {
      auto values = view.Int64s(column);
      for (size_t row = 0; row < rows; ++row) {
        keys[row] = static_cast<uint64_t>(values[row]) ^ kSignBit;
      }
      break;
    }
    case ColumnType::kUInt64: {
      auto values = view.UInt64s(column);
      std::copy(values.begin(), values.end(), keys.begin());
      break;
    }
    case ColumnType::kFloat64: {
      auto values = view.Float64s(column);
      for (size_t row = 0; row < rows; ++row) keys[row] = Float64Key(values[row]);
      break;
    }
    case ColumnType::kString: {
      auto offsets = view.StringOffsets(column);
      const char* bytes = view.StringBytes(column);
      StringDictionary dictionary;
      for (size_t row = 0; row < rows; ++row) {
        keys[row] = dictionary.CodeOf(bytes + offsets[row], offsets[row + 1] - offsets[row],
                                      offsets[rows] - offsets[row]);
      }
      std::vector<uint32_t> ranks = dictionary.Ranks();
      for (size_t row = 0; row < rows; ++row) keys[row] = ranks[keys[row]];
      break;
    }
  }
  return keys;
}

// Whether rows 0..n-1 are already in order by the key columns [first, end).
bool InOrderBySuffix(const std::vector<std::vector<uint64_t>>& keys, size_t first) {
  const size_t rows = keys.front().size();
  for (size_t row = 1; row < rows; ++row) {
    for (size_t column = first; column < keys.size(); ++column) {
      uint64_t previous = keys[column][row - 1];
      uint64_t current = keys[column][row];
      if (previous < current) break;
      if (previous > current) return false;
    }
  }
  return true;
}

// Rows in more runs than this are radix-sorted.
constexpr size_t kMaxMergedRuns = 256;

// Buffers of the radix passes, reused from column to column.
struct RadixScratch {
  std::vector<uint64_t> current;
  std::vector<uint64_t> next;
  std::vector<uint32_t> next_order;
};

// Stable merge sort of `order` by `current` (its keys, in the same order)
// that starts from the runs already in order: ceil(log2(runs)) sequential
// passes. run_starts holds the first index of every run.
void MergeRuns(std::vector<size_t> run_starts, std::vector<uint64_t>* current,
               std::vector<uint32_t>* order, RadixScratch* scratch) {
  const size_t rows = order->size();
  scratch->next.resize(rows);
  scratch->next_order.resize(rows);
  run_starts.push_back(rows);
  while (run_starts.size() > 2) {
    const uint64_t* keys = current->data();
    const uint32_t* rows_in = order->data();
    uint64_t* keys_out = scratch->next.data();
    uint32_t* rows_out = scratch->next_order.data();
    std::vector<size_t> merged_starts;
    size_t run = 0;
    for (; run + 2 < run_starts.size(); run += 2) {
      size_t left = run_starts[run], middle = run_starts[run + 1], end = run_starts[run + 2];
      size_t right = middle, out = left;
      merged_starts.push_back(left);
      while (left < middle && right < end) {
        // Stable: on equal keys the left run's row comes first.
        bool take_right = keys[right] < keys[left];
        size_t from = take_right ? right++ : left++;
        keys_out[out] = keys[from];
        rows_out[out++] = rows_in[from];
      }
      for (; left < middle; ++left, ++out) {
        keys_out[out] = keys[left];
        rows_out[out] = rows_in[left];
      }
      for (; right < end; ++right, ++out) {
        keys_out[out] = keys[right];
        rows_out[out] = rows_in[right];
      }
    }
    if (run + 1 < run_starts.size()) {
      // An odd run out: copied as it is.
      size_t first = run_starts[run];
      merged_starts.push_back(first);
      std::copy(keys + first, keys + rows, keys_out + first);
      std::copy(rows_in + first, rows_in + rows, rows_out + first);
    }
    merged_starts.push_back(rows);
    current->swap(scratch->next);
    order->swap(scratch->next_order);
    run_starts.swap(merged_starts);
  }
}

// Stable sort of *order by keys[*order]: a merge of the runs in which the
// rows already are when they are few (rows appended by a few producers,
// each in time order), else an LSD radix sort, 11 bits a pass, skipping the
// digits that are equal in every key.
void StableSortByKeys(const std::vector<uint64_t>& keys, std::vector<uint32_t>* order,
                      RadixScratch* scratch) {
  constexpr int kDigitBits = 11;
  constexpr int kPasses = (64 + kDigitBits - 1) / kDigitBits;
  constexpr size_t kBuckets = size_t{1} << kDigitBits;
  constexpr uint64_t kDigitMask = kBuckets - 1;
  const size_t rows = order->size();
  std::vector<uint64_t>& current = scratch->current;
  current.resize(rows);
  uint64_t varying = 0;
  {
    const uint64_t* key_of = keys.data();
    const uint32_t* source = order->data();
    uint64_t* out = current.data();
    const uint64_t first = key_of[source[0]];
    for (size_t row = 0; row < rows; ++row) {
      uint64_t key = key_of[source[row]];
      out[row] = key;
      varying |= key ^ first;
    }
  }
  std::vector<size_t> run_starts = {0};
  for (size_t row = 1; row < rows && run_starts.size() <= kMaxMergedRuns; ++row) {
    if (current[row] < current[row - 1]) run_starts.push_back(row);
  }
  if (run_starts.size() == 1) return;  // sorted
  // The digit positions in which keys differ, and their counts in one scan.
  int shifts[kPasses];
  int passes = 0;
  for (int shift = 0; shift < 64; shift += kDigitBits) {
    if (((varying >> shift) & kDigitMask) != 0) shifts[passes++] = shift;
  }
  // A merge pass reads and writes in order; a radix pass scatters, which
  // costs several times as much.
  if (run_starts.size() <= kMaxMergedRuns &&
      static_cast<int>(std::bit_width(run_starts.size() - 1)) <= 2 * passes) {
    MergeRuns(std::move(run_starts), &current, order, scratch);
    return;
  }
  std::vector<size_t> counts(static_cast<size_t>(passes) * kBuckets);
  for (size_t row = 0; row < rows; ++row) {
    uint64_t key = current[row];
    for (int pass = 0; pass < passes; ++pass) {
      ++counts[pass * kBuckets + ((key >> shifts[pass]) & kDigitMask)];
    }
  }
  scratch->next.resize(rows);
  scratch->next_order.resize(rows);
  for (int pass = 0; pass < passes; ++pass) {
    const int shift = shifts[pass];
    size_t* bucket = &counts[pass * kBuckets];
    size_t position = 0;
    for (size_t digit = 0; digit < kBuckets; ++digit) {
      size_t here = bucket[digit];
      bucket[digit] = position;
      position += here;
    }
    uint64_t* next = scratch->next.data();
    uint32_t* next_order = scratch->next_order.data();
    const uint32_t* source_order = order->data();
    if (pass + 1 == passes) {
      // The last pass: the keys are not needed in order afterwards.
      for (size_t row = 0; row < rows; ++row) {
        next_order[bucket[(current[row] >> shift) & kDigitMask]++] = source_order[row];
      }
    } else {
      for (size_t row = 0; row < rows; ++row) {
        size_t destination = bucket[(current[row] >> shift) & kDigitMask]++;
        next[destination] = current[row];
        next_order[destination] = source_order[row];
      }
      current.swap(scratch->next);
    }
    order->swap(scratch->next_order);
  }
}

}  // namespace

std::vector<uint32_t> SortedRowOrder(const HotBlockView& view,
                                     std::span<const size_t> key_columns) {
  const size_t rows = view.row_count();
  std::vector<uint32_t> order(rows);
  std::iota(order.begin(), order.end(), 0u);
  if (rows < 2 || key_columns.empty()) return order;

  std::vector<std::vector<uint64_t>> keys;
  keys.reserve(key_columns.size());
  for (size_t column : key_columns) keys.push_back(ColumnKeys(view, column));

  // Rows already in order by a suffix of the key are as the stable sorts by
  // those columns would leave them: start the passes before it.
  size_t first_sorted = key_columns.size();
  for (size_t first = key_columns.size(); first-- > 0;) {
    if (InOrderBySuffix(keys, first)) first_sorted = first;
  }
  RadixScratch scratch;
  for (size_t column = first_sorted; column-- > 0;) {
    StableSortByKeys(keys[column], &order, &scratch);
  }
  return order;
}

}  // namespace backtrace::hot
