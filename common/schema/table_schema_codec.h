// FlatBuffers encoding of a TableSchema (common/schema/schema.fbs): the form
// in which schemas live in the catalog and travel in the ingest protocol's
// CreateTable. See docs/catalog_format.md for the field rules.
//
// Decoding never trusts its input: the buffer is checked with the FlatBuffers
// Verifier, every field is converted with range checks, and the result must
// pass TableSchema::Validate(). Bad bytes give an error, never a crash.
//
// Stateless; callable from any thread.
#pragma once

#include <string>
#include <string_view>

#include <flatbuffers/flatbuffers.h>

#include "common/base/status.h"
#include "common/schema/schema_generated.h"
#include "common/schema/table_schema.h"

namespace backtrace {

// Serialises a schema into a finished FlatBuffers buffer (root type
// backtrace.fb.TableSchema). The schema should validate; this function does
// not check it.
std::string SerializeTableSchema(const TableSchema& schema);

// Parses and validates a buffer written by SerializeTableSchema. Any failure
// (verification, a missing field, an unknown column type, a rule of
// Validate) is kInvalidArgument whose message starts with "table schema" and
// says what was wrong; callers reading stored bytes re-label it as
// corruption.
[[nodiscard]] Result<TableSchema> DeserializeTableSchema(std::string_view bytes);

// Adds a schema to a builder, for messages that embed a TableSchema table.
flatbuffers::Offset<fb::TableSchema> BuildTableSchema(flatbuffers::FlatBufferBuilder& builder,
                                                      const TableSchema& schema);

// Converts an embedded, already verified fb::TableSchema and validates it.
// Errors as for DeserializeTableSchema.
[[nodiscard]] Result<TableSchema> TableSchemaFromFlatBuffer(const fb::TableSchema& message);

}  // namespace backtrace
