#include "daemon/frame_reader.h"

#include <algorithm>
#include <cstring>
#include <new>
#include <string>

#include "common/base/coding.h"
#include "common/wire/wire_format.h"

namespace backtrace::daemon {

FrameReader::FrameReader(size_t max_frame_bytes)
    : max_frame_bytes_(std::clamp<size_t>(max_frame_bytes, 1, wire::kLargestMaxFrameBytes)) {}

std::span<char> FrameReader::WritableSpace() {
  last_space_direct_ = false;
  if (!status_.ok()) return {};
  if (in_payload_ && frame_.payload_size() - frame_filled_ >= kStagingBytes) {
    last_space_direct_ = true;
    return {frame_.payload() + frame_filled_, frame_.payload_size() - frame_filled_};
  }
  if (staging_ == nullptr) {
    staging_.reset(new (std::nothrow) char[kStagingBytes]);
    if (staging_ == nullptr) {
      status_ = Status::ResourceExhausted("cannot allocate a read buffer of " +
                                          std::to_string(kStagingBytes) + " bytes");
      return {};
    }
  }
  return {staging_.get(), kStagingBytes};
}

bool FrameReader::StartFrame() {
  uint32_t payload_bytes = coding::DecodeFixed32(reinterpret_cast<const uint8_t*>(header_));
  if (payload_bytes == 0) {
    status_ = Status::InvalidArgument("frame at byte " + std::to_string(stream_offset_) +
                                      " of the stream declares an empty payload");
    return false;
  }
  if (payload_bytes > max_frame_bytes_) {
    status_ = Status::InvalidArgument(
        "frame at byte " + std::to_string(stream_offset_) + " of the stream declares " +
        std::to_string(payload_bytes) + " payload bytes, over max_frame_bytes " +
        std::to_string(max_frame_bytes_));
    return false;
  }
  frame_ = FrameBuffer::Allocate(payload_bytes);
  if (frame_.empty()) {
    status_ = Status::ResourceExhausted("cannot allocate " + std::to_string(payload_bytes) +
                                        " bytes for the frame at byte " +
                                        std::to_string(stream_offset_) + " of the stream");
    return false;
  }
  in_payload_ = true;
  frame_filled_ = 0;
  return true;
}

Status FrameReader::CommitWrite(size_t bytes, const std::function<bool(FrameBuffer)>& on_frame) {
  if (!status_.ok()) return status_;
  if (last_space_direct_) {
    last_space_direct_ = false;
    frame_filled_ += std::min(bytes, frame_.payload_size() - frame_filled_);
    if (frame_filled_ == frame_.payload_size()) {
      // Only a frame still missing kStagingBytes or more is read directly,
      // so this read completed it and nothing of the next one is here.
      in_payload_ = false;
      header_filled_ = 0;
      stream_offset_ += sizeof(header_) + frame_.payload_size();
      on_frame(std::move(frame_));
    }
    return Status::Ok();
  }
  Consume(staging_.get(), std::min(bytes, kStagingBytes), on_frame);
  return status_;
}

bool FrameReader::Consume(const char* data, size_t size,
                          const std::function<bool(FrameBuffer)>& on_frame) {
  while (size > 0) {
    if (!in_payload_) {
      size_t take = std::min(sizeof(header_) - header_filled_, size);
      std::memcpy(header_ + header_filled_, data, take);
      header_filled_ += take;
      data += take;
      size -= take;
      if (header_filled_ < sizeof(header_)) return true;
      if (!StartFrame()) return false;
    }
    size_t take = std::min(frame_.payload_size() - frame_filled_, size);
    std::memcpy(frame_.payload() + frame_filled_, data, take);
    frame_filled_ += take;
    data += take;
    size -= take;
    if (frame_filled_ < frame_.payload_size()) return true;
    in_payload_ = false;
    header_filled_ = 0;
    stream_offset_ += sizeof(header_) + frame_.payload_size();
    if (!on_frame(std::move(frame_))) return false;
  }
  return true;
}

void FrameReader::ReleaseMemoryIfIdle() {
  if (!in_payload_ && header_filled_ == 0) staging_.reset();
}

}  // namespace backtrace::daemon
