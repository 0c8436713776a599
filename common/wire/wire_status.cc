#include "common/wire/wire_status.h"

#include <cstring>
#include <string>

#include "common/wire/message_text.h"

namespace backtrace::wire {

fb::ErrorCode ErrorCodeFromStatusCode(StatusCode code) {
  return static_cast<fb::ErrorCode>(static_cast<uint16_t>(code));
}

flatbuffers::Offset<fb::Error> BuildError(flatbuffers::FlatBufferBuilder& builder,
                                          uint64_t sequence, const Status& status) {
  fb::ErrorCode code =
      status.ok() ? fb::ErrorCode::Internal : ErrorCodeFromStatusCode(status.code());
  auto message = builder.CreateString(status.ok() ? std::string("error without a cause")
                                                  : status.message());
  return fb::CreateError(builder, sequence, code, message);
}

Status StatusFromError(const fb::Error& error) {
  uint16_t raw = static_cast<uint16_t>(error.code());
  std::string message(View(error.message()));
  if (raw == 0 || raw > static_cast<uint16_t>(fb::ErrorCode::MAX)) {
    return Status::Internal("error code " + std::to_string(raw) + ": " + message);
  }
  return Status(static_cast<StatusCode>(raw), std::move(message));
}

Status CheckMessageEnvelope(std::string_view payload, const char* identifier,
                            std::string_view what) {
  if (reinterpret_cast<uintptr_t>(payload.data()) % kFramePayloadAlignment != 0) {
    return Status::Internal(std::string(what) + " buffer is not " +
                            std::to_string(kFramePayloadAlignment) + "-byte aligned");
  }
  // A root offset and a file identifier.
  constexpr size_t kShortest = sizeof(flatbuffers::uoffset_t) + flatbuffers::kFileIdentifierLength;
  if (payload.size() < kShortest) {
    return Status::InvalidArgument(std::string(what) + " of " + std::to_string(payload.size()) +
                                   " bytes is too short to be a message");
  }
  if (payload.size() >= FLATBUFFERS_MAX_BUFFER_SIZE) {
    return Status::InvalidArgument(std::string(what) + " of " + std::to_string(payload.size()) +
                                   " bytes is larger than any FlatBuffers message");
  }
  std::string_view found = payload.substr(sizeof(flatbuffers::uoffset_t),
                                          flatbuffers::kFileIdentifierLength);
  if (found == identifier) return Status::Ok();
  struct Known {
    const char* identifier;
    const char* name;
  };
  static constexpr Known kKnown[] = {
      {kIngestRequestIdentifier, "an ingest request"},
      {kIngestResponseIdentifier, "an ingest response"},
      {kQueryRequestIdentifier, "a query request"},
      {kQueryResponseIdentifier, "a query response"},
  };
  std::string message = std::string(what) + " has file identifier " + QuoteForMessage(found) +
                        ", expected " + QuoteForMessage(identifier);
  for (const Known& known : kKnown) {
    if (found == known.identifier) {
      message += std::string(" (it is ") + known.name + ")";
    }
  }
  return Status::InvalidArgument(std::move(message));
}

flatbuffers::Verifier::Options MessageVerifierOptions() {
  flatbuffers::Verifier::Options options;
  options.max_depth = kVerifierMaxDepth;
  options.max_tables = kVerifierMaxTables;
  options.check_alignment = true;
  options.check_nested_flatbuffers = true;
  return options;
}

}  // namespace backtrace::wire
