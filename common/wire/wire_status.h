// Status on the wire: the Error message's code and text to and from a
// Status, and the checks shared by every message kind (file identifier,
// alignment, FlatBuffers verification).
//
// Stateless; callable from any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/base/status.h"
#include "common/wire/wire_format.h"
#include "common/wire/wire_types_generated.h"

namespace backtrace::wire {

// The wire code of a status code (the numbers are equal).
fb::ErrorCode ErrorCodeFromStatusCode(StatusCode code);

// Writes an Error for a non-OK status into builder. An OK status is written
// as Internal: sending an Error means something failed.
flatbuffers::Offset<fb::Error> BuildError(flatbuffers::FlatBufferBuilder& builder,
                                          uint64_t sequence, const Status& status);

// The Status that a received Error describes. A code this build does not
// know becomes Internal with the code in the message; a missing or OK code
// becomes Internal too (an Error always means failure).
Status StatusFromError(const fb::Error& error);

// Checks that `payload` (one frame's payload) is a FlatBuffers message with
// file identifier `identifier` whose root table T verifies, and returns the
// root. `what` names the message kind for error messages ("ingest request").
//
// Errors (InvalidArgument) say which check failed: too short, a different
// file identifier (naming it when it is one of the protocol's), or
// verification. Any of them means the peer does not speak the protocol:
// the connection is to be closed. A payload not aligned to
// kFramePayloadAlignment is a caller bug (Internal); FrameDecoder never
// yields one.
template <typename T>
[[nodiscard]] Result<const T*> VerifyMessage(std::string_view payload, const char* identifier,
                                             std::string_view what);

// The non-template part of VerifyMessage: everything but the Verifier run.
[[nodiscard]] Status CheckMessageEnvelope(std::string_view payload, const char* identifier,
                                          std::string_view what);

// The verifier options that every message is checked with.
flatbuffers::Verifier::Options MessageVerifierOptions();

template <typename T>
Result<const T*> VerifyMessage(std::string_view payload, const char* identifier,
                               std::string_view what) {
  RETURN_IF_ERROR(CheckMessageEnvelope(payload, identifier, what));
  const auto* bytes = reinterpret_cast<const uint8_t*>(payload.data());
  flatbuffers::Verifier verifier(bytes, payload.size(), MessageVerifierOptions());
  if (!verifier.VerifyBuffer<T>(identifier)) {
    return Status::InvalidArgument(std::string(what) + " of " + std::to_string(payload.size()) +
                                   " bytes fails FlatBuffers verification");
  }
  return flatbuffers::GetRoot<T>(bytes);
}

}  // namespace backtrace::wire
