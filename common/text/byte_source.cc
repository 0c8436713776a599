#include "common/text/byte_source.h"

#include <algorithm>
#include <cstring>

namespace backtrace {

Result<size_t> FileByteSource::Read(char* buffer, size_t capacity) {
  size_t bytes_read = 0;
  RETURN_IF_ERROR(io::Read(file_, buffer, capacity, &bytes_read));
  return bytes_read;
}

Result<size_t> StringByteSource::Read(char* buffer, size_t capacity) {
  size_t count = std::min(capacity, data_.size() - position_);
  if (count > 0) std::memcpy(buffer, data_.data() + position_, count);
  position_ += count;
  return count;
}

}  // namespace backtrace
