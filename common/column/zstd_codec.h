// zstd compression of granule and dictionary bytes. A ZstdCompressor owns one
// compression context and is used by one thread at a time (one per file
// being written). Decompression uses a context per calling thread, so
// ZstdDecompress may be called from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "common/base/status.h"

namespace backtrace::column {

class ZstdCompressor {
 public:
  explicit ZstdCompressor(int level);
  ~ZstdCompressor();
  ZstdCompressor(const ZstdCompressor&) = delete;
  ZstdCompressor& operator=(const ZstdCompressor&) = delete;

  // Replaces *out with the zstd frame of data[0, size). Fails only when zstd
  // does (out of memory): kResourceExhausted.
  Status Compress(const void* data, size_t size, std::string* out);

 private:
  void* context_;  // ZSTD_CCtx
  int level_;
};

// True when `level` is a zstd compression level this build accepts.
bool IsValidZstdLevel(int level);

// Decompresses the single zstd frame data[0, size) into
// destination[0, destination_size). Anything but a frame of exactly
// destination_size bytes is kCorruption (allocation failure inside zstd is
// kResourceExhausted).
Status ZstdDecompress(const uint8_t* data, size_t size, uint8_t* destination,
                      size_t destination_size);

}  // namespace backtrace::column
