// Fuzz target "process_message": the messages between backtraced and its
// compactors (common/ipc/compaction.fbs, docs/process_protocol.md) as the
// two sides verify and read them, and the encodings they carry: the block
// entry value of the response (common/catalog/block_meta.h) and the table
// schema of the request (common/schema/table_schema_codec.h).
//
// Input: byte 0 chooses what the rest is:
//   0: a CompactBlockRequest, read as worker/compactor.cc reads it;
//   1: a CompactBlockResponse, read as daemon/compactor_pool.cc reads it;
//   2: a block entry value without its CRC trailer (the target seals it, so
//      that the decoder's field checks are reached);
//   3: a serialised TableSchema.
#include <cmath>
#include <string>

#include "common/catalog/block_meta.h"
#include "common/catalog/record_coding.h"
#include "common/ipc/compaction_generated.h"
#include "common/schema/table_schema_codec.h"
#include "tests/fuzz/fuzz_support.h"
#include "tests/fuzz/fuzz_target.h"

namespace backtrace::fuzz {
namespace {

bool HasNan(const Value& value) {
  return std::holds_alternative<double>(value) && std::isnan(std::get<double>(value));
}

// A decoded block entry encodes to bytes that decode to the same block.
void CheckBlockMeta(const Result<BlockMeta>& block, const TableSchema* schema) {
  if (!block.ok()) return;
  auto again = DecodeBlockMeta(EncodeBlockMeta(*block));
  FUZZ_CHECK(again.ok());
  bool nan = false;
  for (const ColumnStats& stats : block->columns) nan = nan || HasNan(stats.min) || HasNan(stats.max);
  if (!nan) FUZZ_CHECK(*again == *block);
  if (schema != nullptr) (void)CheckBlockMeta(*block, *schema);
}

// A schema that decoded validates, and survives a round trip.
void CheckSchema(const Result<TableSchema>& schema) {
  if (!schema.ok()) return;
  FUZZ_CHECK(schema->Validate().ok());
  auto again = DeserializeTableSchema(SerializeTableSchema(*schema));
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(SerializeTableSchema(*again) == SerializeTableSchema(*schema));
}

template <typename Message>
const Message* Verify(std::string_view bytes) {
  flatbuffers::Verifier verifier(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  if (!verifier.VerifyBuffer<Message>(nullptr)) return nullptr;
  return flatbuffers::GetRoot<Message>(bytes.data());
}

void ReadRequest(std::string_view bytes) {
  const auto* request = Verify<fb::CompactBlockRequest>(bytes);
  if (request == nullptr || request->schema() == nullptr) return;
  auto schema = TableSchemaFromFlatBuffer(*request->schema());
  CheckSchema(schema);
  if (request->staging_path() != nullptr) (void)request->staging_path()->str();
  if (request->destination_path() != nullptr) (void)request->destination_path()->str();
}

void ReadResponse(std::string_view bytes) {
  const auto* response = Verify<fb::CompactBlockResponse>(bytes);
  if (response == nullptr) return;
  if (response->error_code() != 0) {
    Status status(static_cast<StatusCode>(response->error_code()),
                  response->error_message() == nullptr ? "compaction failed"
                                                        : response->error_message()->str());
    (void)status.ToString();
    return;
  }
  if (response->block_meta() == nullptr) return;
  CheckBlockMeta(DecodeBlockMeta(std::string_view(
                     reinterpret_cast<const char*>(response->block_meta()->data()),
                     response->block_meta()->size())),
                 nullptr);
}

}  // namespace

void FuzzProcessMessages(const uint8_t* data, size_t size) {
  InputCursor input(data, size);
  uint8_t kind = input.Byte() % 4;
  // FlatBuffers are read in place: give them an 8-aligned copy, as the
  // channel's std::string payload is.
  std::string bytes(input.rest());
  switch (kind) {
    case 0: ReadRequest(bytes); break;
    case 1: ReadResponse(bytes); break;
    case 2: {
      catalog_record::Seal(&bytes);
      auto schema = ParseTableSchema("t", "ts:timestamp,symbol:string,price:float64,qty:uint64",
                                     "ts");
      FUZZ_CHECK(schema.ok());
      CheckBlockMeta(DecodeBlockMeta(bytes), &*schema);
      break;
    }
    case 3: CheckSchema(DeserializeTableSchema(bytes)); break;
  }
}

}  // namespace backtrace::fuzz

BACKTRACE_FUZZ_TARGET(backtrace::fuzz::FuzzProcessMessages)
