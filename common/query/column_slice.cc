#include "common/query/column_slice.h"

#include <cstring>

namespace backtrace::query {
namespace {

template <typename T>
void GatherValues(const T* values, const uint32_t* indices, size_t count, T* out) {
  for (size_t i = 0; i < count; ++i) out[i] = values[indices[i]];
}

}  // namespace

ColumnSlice ColumnSlice::Of(const ColumnVector& vector) {
  ColumnSlice slice;
  slice.type = vector.type();
  slice.rows = vector.size();
  switch (vector.type()) {
    case ColumnType::kInt64:
    case ColumnType::kTimestamp:
      slice.values = vector.int64s().data();
      break;
    case ColumnType::kUInt64:
      slice.values = vector.uint64s().data();
      break;
    case ColumnType::kFloat64:
      slice.values = vector.float64s().data();
      break;
    case ColumnType::kString:
      slice.offsets = vector.strings().offsets.data();
      slice.bytes = vector.strings().bytes.data();
      break;
  }
  return slice;
}

ColumnSlice Gather(const ColumnSlice& source, const Selection& selection, GatherBuffer* buffer) {
  if (selection.all) return source;
  const size_t count = selection.indices.size();
  const uint32_t* indices = selection.indices.data();
  ColumnSlice result;
  result.type = source.type;
  result.rows = count;
  if (source.type == ColumnType::kString) {
    StringValues& strings = buffer->strings;
    strings.clear();
    strings.offsets.reserve(count + 1);
    for (size_t i = 0; i < count; ++i) strings.push_back(source.string(indices[i]));
    result.offsets = strings.offsets.data();
    result.bytes = strings.bytes.data();
    return result;
  }
  buffer->words.resize(count);
  void* out = buffer->words.data();
  switch (source.type) {
    case ColumnType::kFloat64:
      GatherValues(source.data<double>(), indices, count, static_cast<double*>(out));
      break;
    case ColumnType::kUInt64:
      GatherValues(source.data<uint64_t>(), indices, count, static_cast<uint64_t*>(out));
      break;
    default:
      GatherValues(source.data<int64_t>(), indices, count, static_cast<int64_t*>(out));
      break;
  }
  result.values = out;
  return result;
}

void AppendSlice(const ColumnSlice& source, ColumnVector* out) {
  switch (out->type()) {
    case ColumnType::kInt64:
    case ColumnType::kTimestamp: {
      auto& target = out->int64s();
      target.insert(target.end(), source.data<int64_t>(), source.data<int64_t>() + source.rows);
      break;
    }
    case ColumnType::kUInt64: {
      auto& target = out->uint64s();
      target.insert(target.end(), source.data<uint64_t>(), source.data<uint64_t>() + source.rows);
      break;
    }
    case ColumnType::kFloat64: {
      auto& target = out->float64s();
      target.insert(target.end(), source.data<double>(), source.data<double>() + source.rows);
      break;
    }
    case ColumnType::kString: {
      StringValues& target = out->strings();
      if (source.rows == 0) break;
      uint32_t first = source.offsets[0];
      uint32_t base = static_cast<uint32_t>(target.bytes.size());
      target.bytes.append(source.bytes + first, source.offsets[source.rows] - first);
      size_t old = target.offsets.size();
      target.offsets.resize(old + source.rows);
      for (size_t i = 0; i < source.rows; ++i) {
        target.offsets[old + i] = base + (source.offsets[i + 1] - first);
      }
      break;
    }
  }
}

}  // namespace backtrace::query
