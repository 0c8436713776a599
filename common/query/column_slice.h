// ColumnSlice and Selection: how the executor sees a run of rows. A slice is
// a non-owning, contiguous view of one column's values (decoded granule,
// in-memory block or a scratch buffer); a selection says which of a batch's
// rows passed the filters so far.
//
// Plain values; used by one thread at a time. A slice is valid while what it
// points into is (the batch or evaluator that produced it).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "common/schema/column_type.h"
#include "common/schema/column_vector.h"

namespace backtrace::query {

struct ColumnSlice {
  ColumnType type = ColumnType::kInt64;
  size_t rows = 0;
  // int64 and timestamp: int64_t; uint64: uint64_t; float64: double.
  const void* values = nullptr;
  // Strings: rows + 1 offsets into bytes; value i is bytes[offsets[i],
  // offsets[i + 1]).
  const uint32_t* offsets = nullptr;
  const char* bytes = nullptr;

  template <typename T>
  const T* data() const {
    return static_cast<const T*>(values);
  }
  std::string_view string(size_t row) const {
    return std::string_view(bytes + offsets[row], offsets[row + 1] - offsets[row]);
  }

  static ColumnSlice Of(const ColumnVector& vector);
};

// The rows of a batch still selected. `all` means rows 0..rows-1 without a
// materialised index list; otherwise `indices` holds them ascending.
struct Selection {
  size_t rows = 0;
  bool all = true;
  std::vector<uint32_t> indices;

  size_t count() const { return all ? rows : indices.size(); }
  void Reset(size_t batch_rows) {
    rows = batch_rows;
    all = true;
    indices.clear();
  }
};

// Scratch storage for gathered values, reused from batch to batch.
struct GatherBuffer {
  std::vector<uint64_t> words;
  StringValues strings;
};

// The selected values of `source` as a contiguous slice: `source` itself
// when every row is selected, else a copy in *buffer.
ColumnSlice Gather(const ColumnSlice& source, const Selection& selection, GatherBuffer* buffer);

// Appends the values of `source` (all of its rows) to *out, converting
// nothing: out's type must store the same Value alternative.
void AppendSlice(const ColumnSlice& source, ColumnVector* out);

}  // namespace backtrace::query
