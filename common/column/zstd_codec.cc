#include "common/column/zstd_codec.h"

#include <zstd.h>
#include <zstd_errors.h>

#include <memory>

namespace backtrace::column {

ZstdCompressor::ZstdCompressor(int level) : context_(ZSTD_createCCtx()), level_(level) {}

ZstdCompressor::~ZstdCompressor() { ZSTD_freeCCtx(static_cast<ZSTD_CCtx*>(context_)); }

Status ZstdCompressor::Compress(const void* data, size_t size, std::string* out) {
  if (context_ == nullptr) return Status::ResourceExhausted("zstd: cannot create a context");
  out->resize(ZSTD_compressBound(size));
  size_t written = ZSTD_compressCCtx(static_cast<ZSTD_CCtx*>(context_), out->data(), out->size(),
                                     data, size, level_);
  if (ZSTD_isError(written)) {
    out->clear();
    return Status::ResourceExhausted(std::string("zstd compression failed: ") +
                                     ZSTD_getErrorName(written));
  }
  out->resize(written);
  return Status::Ok();
}

bool IsValidZstdLevel(int level) { return level >= ZSTD_minCLevel() && level <= ZSTD_maxCLevel(); }

Status ZstdDecompress(const uint8_t* data, size_t size, uint8_t* destination,
                      size_t destination_size) {
  struct ContextDeleter {
    void operator()(ZSTD_DCtx* context) const { ZSTD_freeDCtx(context); }
  };
  thread_local std::unique_ptr<ZSTD_DCtx, ContextDeleter> context(ZSTD_createDCtx());
  if (context == nullptr) return Status::ResourceExhausted("zstd: cannot create a context");
  // A frame that declares its content size must declare exactly ours.
  unsigned long long declared = ZSTD_getFrameContentSize(data, size);
  if (declared == ZSTD_CONTENTSIZE_ERROR) return Status::Corruption("not a zstd frame");
  if (declared != ZSTD_CONTENTSIZE_UNKNOWN && declared != destination_size) {
    return Status::Corruption("zstd frame holds " + std::to_string(declared) +
                              " bytes, expected " + std::to_string(destination_size));
  }
  size_t produced = ZSTD_decompressDCtx(context.get(), destination, destination_size, data, size);
  if (ZSTD_isError(produced)) {
    if (ZSTD_getErrorCode(produced) == ZSTD_error_memory_allocation) {
      return Status::ResourceExhausted("zstd: out of memory while decompressing");
    }
    return Status::Corruption(std::string("zstd: ") + ZSTD_getErrorName(produced));
  }
  if (produced != destination_size) {
    return Status::Corruption("zstd frame holds " + std::to_string(produced) +
                              " bytes, expected " + std::to_string(destination_size));
  }
  return Status::Ok();
}

}  // namespace backtrace::column
