#include "common/wire/frame.h"

#include <algorithm>
#include <cstring>
#include <new>

#include "common/base/coding.h"

namespace backtrace::wire {

std::array<char, kFrameHeaderBytes> EncodeFrameHeader(uint32_t payload_bytes) {
  std::array<char, kFrameHeaderBytes> header;
  coding::EncodeFixed32(reinterpret_cast<uint8_t*>(header.data()), payload_bytes);
  return header;
}

Status CheckPayloadSize(size_t payload_bytes, size_t max_frame_bytes) {
  if (payload_bytes == 0) return Status::InvalidArgument("a frame payload may not be empty");
  if (payload_bytes > max_frame_bytes || payload_bytes > UINT32_MAX) {
    return Status::InvalidArgument("frame payload of " + std::to_string(payload_bytes) +
                                   " bytes is over max_frame_bytes " +
                                   std::to_string(max_frame_bytes));
  }
  return Status::Ok();
}

Status AppendFrame(std::string_view payload, size_t max_frame_bytes, std::string* out) {
  RETURN_IF_ERROR(CheckPayloadSize(payload.size(), max_frame_bytes));
  auto header = EncodeFrameHeader(static_cast<uint32_t>(payload.size()));
  out->reserve(out->size() + header.size() + payload.size());
  out->append(header.data(), header.size());
  out->append(payload);
  return Status::Ok();
}

FrameDecoder::FrameDecoder(size_t max_frame_bytes, size_t read_chunk_bytes)
    : max_frame_bytes_(std::clamp<size_t>(max_frame_bytes, 1, kLargestMaxFrameBytes)),
      read_chunk_bytes_(std::max<size_t>(read_chunk_bytes, 1)),
      capacity_limit_(kFront + kFrameHeaderBytes + max_frame_bytes_ + read_chunk_bytes_) {}

void FrameDecoder::Reallocate(size_t new_capacity) {
  size_t words = (new_capacity + sizeof(uint64_t) - 1) / sizeof(uint64_t);
  std::unique_ptr<uint64_t[]> storage(new (std::nothrow) uint64_t[words]);
  if (storage == nullptr) {
    status_ = Status::ResourceExhausted("cannot allocate " + std::to_string(new_capacity) +
                                        " bytes for a frame buffer");
    return;
  }
  size_t buffered = end_ - begin_;
  if (buffered > 0) {
    std::memcpy(reinterpret_cast<char*>(storage.get()) + kFront, data() + begin_, buffered);
  }
  storage_ = std::move(storage);
  capacity_ = words * sizeof(uint64_t);
  begin_ = kFront;
  end_ = kFront + buffered;
}

std::span<char> FrameDecoder::WritableSpace() {
  writable_ = 0;
  if (!status_.ok()) return {};
  if (begin_ == end_) begin_ = end_ = kFront;
  if (end_ + read_chunk_bytes_ > capacity_) {
    size_t buffered = end_ - begin_;
    // Move the unconsumed bytes to the front first: a partial frame is
    // moved at most once this way, when its header arrived behind others.
    if (begin_ != kFront) {
      std::memmove(data() + kFront, data() + begin_, buffered);
      begin_ = kFront;
      end_ = kFront + buffered;
    }
    if (end_ + read_chunk_bytes_ > capacity_ && capacity_ < capacity_limit_) {
      // Grow geometrically rather than to the declared frame length, so a
      // peer that announces large frames and stalls costs only what it sent.
      size_t wanted = std::max(end_ + read_chunk_bytes_, 2 * capacity_);
      Reallocate(std::min(wanted, capacity_limit_));
      if (!status_.ok()) return {};
    }
  }
  writable_ = std::min(read_chunk_bytes_, capacity_ - end_);
  return {data() + end_, writable_};
}

void FrameDecoder::CommitWrite(size_t bytes) {
  end_ += std::min(bytes, writable_);
  writable_ = 0;
}

Result<std::optional<std::string_view>> FrameDecoder::Next() {
  if (!status_.ok()) return status_;
  size_t buffered = end_ - begin_;
  if (buffered < kFrameHeaderBytes) return std::optional<std::string_view>();
  uint32_t payload_bytes = coding::DecodeFixed32(reinterpret_cast<const uint8_t*>(data() + begin_));
  if (payload_bytes == 0) {
    status_ = Status::InvalidArgument("frame at byte " + std::to_string(stream_offset_) +
                                      " of the stream declares an empty payload");
    return status_;
  }
  if (payload_bytes > max_frame_bytes_) {
    status_ = Status::InvalidArgument(
        "frame at byte " + std::to_string(stream_offset_) + " of the stream declares " +
        std::to_string(payload_bytes) + " payload bytes, over max_frame_bytes " +
        std::to_string(max_frame_bytes_));
    return status_;
  }
  if (buffered < kFrameHeaderBytes + payload_bytes) return std::optional<std::string_view>();

  size_t payload = begin_ + kFrameHeaderBytes;
  size_t misalignment = payload % kFramePayloadAlignment;  // data() itself is aligned
  if (misalignment != 0) {
    // Slide the payload back over its own header and already consumed bytes.
    std::memmove(data() + payload - misalignment, data() + payload, payload_bytes);
    payload -= misalignment;
  }
  begin_ += kFrameHeaderBytes + payload_bytes;
  stream_offset_ += kFrameHeaderBytes + payload_bytes;
  return std::optional<std::string_view>(std::string_view(data() + payload, payload_bytes));
}

Status FrameDecoder::Feed(std::string_view bytes,
                          const std::function<Status(std::string_view payload)>& on_payload) {
  while (!bytes.empty()) {
    std::span<char> space = WritableSpace();
    if (space.empty()) {
      if (!status_.ok()) return status_;
      return Status::Internal("frame decoder has no space although every frame was drained");
    }
    size_t bytes_copied = std::min(space.size(), bytes.size());
    std::memcpy(space.data(), bytes.data(), bytes_copied);
    CommitWrite(bytes_copied);
    bytes.remove_prefix(bytes_copied);
    while (true) {
      ASSIGN_OR_RETURN(std::optional<std::string_view> payload, Next());
      if (!payload.has_value()) break;
      RETURN_IF_ERROR(on_payload(*payload));
    }
  }
  return status_;
}

void FrameDecoder::ReleaseMemoryIfIdle() {
  if (begin_ != end_) return;
  storage_.reset();
  capacity_ = 0;
  begin_ = end_ = kFront;
  writable_ = 0;
}

}  // namespace backtrace::wire
