// Constants of the ingest and query wire protocols (docs/wire_protocol.md):
// frame layout, limits and the FlatBuffers file identifiers that tell the
// four message kinds apart. Changing any value here changes the protocol.
//
// Plain constants; usable from any thread.
#pragma once

#include <cstddef>
#include <cstdint>

namespace backtrace::wire {

// A frame is a 4-byte little-endian payload length followed by the payload,
// one FlatBuffers message.
inline constexpr size_t kFrameHeaderBytes = 4;

// The default largest payload accepted (the daemon's max_frame_bytes).
inline constexpr size_t kDefaultMaxFrameBytes = size_t{16} << 20;

// The largest max_frame_bytes that may be configured: FlatBuffers messages
// use 32-bit signed offsets, so they stay below 2 GiB.
inline constexpr size_t kLargestMaxFrameBytes = size_t{1} << 30;

// FrameDecoder hands out payloads that start at an address that is a
// multiple of this, so that FlatBuffers may read 8-byte fields in place.
inline constexpr size_t kFramePayloadAlignment = 8;

// How many bytes FrameDecoder offers for one read (libuv suggests 64 KiB).
inline constexpr size_t kDefaultReadChunkBytes = size_t{64} << 10;

// FlatBuffers file identifiers (bytes 4..7 of each message).
inline constexpr char kIngestRequestIdentifier[] = "BIRQ";
inline constexpr char kIngestResponseIdentifier[] = "BIRS";
inline constexpr char kQueryRequestIdentifier[] = "BQRQ";
inline constexpr char kQueryResponseIdentifier[] = "BQRS";

// Verifier limits. The deepest legal message nests about 8 tables and
// vectors (Response → TableList → [TableSchema] → TableSchema → [string] →
// string); 32 leaves room to grow. The table limit bounds the verifier's
// work: an Append costs two tables per column.
inline constexpr uint32_t kVerifierMaxDepth = 32;
inline constexpr uint32_t kVerifierMaxTables = 1u << 20;

}  // namespace backtrace::wire
