// SAMPLE BY buckets: a timestamp's bucket is the start of the interval of
// `width` nanoseconds containing it, intervals being aligned to the Unix
// epoch (floor division, so negative timestamps fall into the bucket that
// starts at or before them). A bucket start below the timestamp range is
// reported as the smallest timestamp.
//
// Header-only, stateless; callable from any thread.
#pragma once

#include <cstdint>
#include <limits>

namespace backtrace::query {

inline int64_t BucketStart(int64_t time, int64_t width) {
  int64_t quotient = time / width;
  if (time % width < 0) --quotient;
  __int128 start = static_cast<__int128>(quotient) * width;
  if (start < std::numeric_limits<int64_t>::min()) return std::numeric_limits<int64_t>::min();
  return static_cast<int64_t>(start);
}

// Fills buckets[i] = BucketStart(times[i], width), remembering the last
// bucket so that runs of close timestamps cost one comparison each.
inline void ComputeBuckets(const int64_t* times, size_t rows, int64_t width, uint64_t* buckets,
                           size_t stride) {
  int64_t start = 0;
  int64_t end = 0;  // exclusive; start == end means no bucket yet
  for (size_t i = 0; i < rows; ++i) {
    int64_t time = times[i];
    if (!(time >= start && time < end)) {
      start = BucketStart(time, width);
      __int128 next = static_cast<__int128>(start) + width;
      end = next > std::numeric_limits<int64_t>::max() ? std::numeric_limits<int64_t>::max()
                                                       : static_cast<int64_t>(next);
      if (end <= time) end = start;  // the last bucket: no caching
    }
    buckets[i * stride] = static_cast<uint64_t>(start);
  }
}

}  // namespace backtrace::query
