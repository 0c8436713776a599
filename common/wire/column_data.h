// Columns on the wire: conversion between the FlatBuffers ColumnData of
// Append and ResultBatch messages and the in-memory ColumnVector, and the
// checks that a received ColumnData is well formed.
//
// A received ColumnData must have passed the FlatBuffers Verifier (see
// ingest_messages.h) before any function here sees it; the checks here are
// what the Verifier does not know: that `type` matches the union member,
// that string offsets describe the bytes, that strings are at most
// kMaxStringBytes, that columns are named once and have equal lengths.
// Every error is InvalidArgument and names the column (and row).
//
// Stateless; callable from any thread. Results own their memory.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

#include "common/base/status.h"
#include "common/schema/column_type.h"
#include "common/schema/column_vector.h"
#include "common/wire/wire_types_generated.h"

namespace backtrace::wire {

using ColumnDataVector = flatbuffers::Vector<flatbuffers::Offset<fb::ColumnData>>;

// The union member that carries the values of a column of `type`.
fb::ColumnValues ColumnValuesTypeFor(ColumnType type);

// Writes `column` under `name` into builder (values are copied in bulk).
flatbuffers::Offset<fb::ColumnData> BuildColumnData(flatbuffers::FlatBufferBuilder& builder,
                                                    std::string_view name,
                                                    const ColumnVector& column);

// Checks one verified ColumnData, the `index`th of its message: a non-empty
// name, a known type, the union member that the type requires, its vectors
// present and, for strings, offsets with rows + 1 entries that start at 0,
// never decrease, end at the length of bytes and are at most kMaxStringBytes
// apart. Returns the column's row count.
[[nodiscard]] Result<size_t> ValidateColumnData(const fb::ColumnData& column, size_t index);

// Whether two columns of one message may share a name: never in an Append;
// in a query result they may (SELECT price, price ...).
enum class DuplicateNames { kReject, kAllow };

// Checks the columns of an Append or ResultBatch: at least one, each valid
// (ValidateColumnData), no name twice unless allowed, all of the same
// length. Returns the row count.
[[nodiscard]] Result<size_t> ValidateColumns(const ColumnDataVector* columns,
                                             DuplicateNames duplicates = DuplicateNames::kReject);

// The column's type as a ColumnType; only for a column that passed
// ValidateColumnData.
ColumnType ColumnTypeOf(const fb::ColumnData& column);

// Appends the rows of a validated ColumnData to *column, whose type must be
// ColumnTypeOf(data) (else InvalidArgument). Strings are rebased onto the
// bytes already in *column; if that would exceed 4 GiB of string bytes
// (32-bit offsets) the call returns ResourceExhausted and *column is
// unchanged.
[[nodiscard]] Status AppendColumnData(const fb::ColumnData& data, ColumnVector* column);

// Validates one ColumnData (index as for ValidateColumnData) and copies it
// into a new ColumnVector.
[[nodiscard]] Result<ColumnVector> ColumnVectorFromData(const fb::ColumnData& data, size_t index);

}  // namespace backtrace::wire
