#include "common/catalog/record_coding.h"

#include "common/base/coding.h"
#include "common/base/crc32c.h"

namespace backtrace::catalog_record {

void Seal(std::string* value) {
  coding::PutFixed32(value, crc32c::Mask(crc32c::Value(value->data(), value->size())));
}

Result<std::string_view> Unseal(std::string_view value, std::string_view what) {
  if (value.size() < 4) {
    return Status::Corruption(std::string(what) + " is " + std::to_string(value.size()) +
                              " bytes, shorter than its checksum");
  }
  std::string_view body = value.substr(0, value.size() - 4);
  uint32_t stored = crc32c::Unmask(
      coding::DecodeFixed32(reinterpret_cast<const uint8_t*>(value.data() + body.size())));
  if (stored != crc32c::Value(body.data(), body.size())) {
    return Status::Corruption(std::string(what) + " fails its checksum");
  }
  return body;
}

bool Reader::GetByte(uint8_t* value) {
  if (remaining() < 1) return false;
  *value = *cursor_++;
  return true;
}

bool Reader::GetFixed32(uint32_t* value) {
  if (remaining() < 4) return false;
  *value = coding::DecodeFixed32(cursor_);
  cursor_ += 4;
  return true;
}

bool Reader::GetFixed64(uint64_t* value) {
  if (remaining() < 8) return false;
  *value = coding::DecodeFixed64(cursor_);
  cursor_ += 8;
  return true;
}

bool Reader::GetVarint(uint64_t* value) { return coding::GetVarint64(&cursor_, limit_, value); }

bool Reader::GetLengthPrefixed(size_t max_size, std::string_view* value) {
  uint64_t size = 0;
  if (!GetVarint(&size) || size > max_size || size > remaining()) return false;
  *value = std::string_view(reinterpret_cast<const char*>(cursor_), size);
  cursor_ += size;
  return true;
}

void PutLengthPrefixed(std::string* destination, std::string_view value) {
  coding::PutVarint64(destination, value.size());
  destination->append(value);
}

}  // namespace backtrace::catalog_record
