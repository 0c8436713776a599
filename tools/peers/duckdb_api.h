// DuckDbApi: the few functions of DuckDB's C API that duckdb_runner calls,
// resolved at run time from a libduckdb.so with dlopen/dlsym, so the runner
// needs no DuckDB headers or link-time library. The types below restate the
// documented C API (duckdb.h) for exactly what is used: opaque handles are
// pointers to one-pointer structs, duckdb_state and duckdb_type are C enums
// (int), idx_t is uint64_t, and duckdb_result is a six-word struct passed by
// pointer (and by value to duckdb_fetch_chunk).
//
// Load once, then call from one thread at a time (the runner is
// single-threaded; DuckDB runs its own worker threads inside).
#pragma once

#include <cstdint>
#include <string>

namespace backtrace::peers::duckdb {

using idx_t = uint64_t;

enum State : int { kSuccess = 0, kError = 1 };

// duckdb_type codes of the result columns this runner reads (from duckdb.h).
enum Type : int {
  kTypeBoolean = 1,
  kTypeInteger = 4,
  kTypeBigint = 5,
  kTypeDouble = 11,
  kTypeHugeint = 16,
  kTypeVarchar = 17,
};

struct DatabaseHandle { void* internal; };
struct ConnectionHandle { void* internal; };
struct AppenderHandle { void* internal; };
struct DataChunkHandle { void* internal; };
struct VectorHandle { void* internal; };
using Database = DatabaseHandle*;
using Connection = ConnectionHandle*;
using Appender = AppenderHandle*;
using DataChunk = DataChunkHandle*;
using Vector = VectorHandle*;

// duckdb_result: every field but internal_data is deprecated; only the
// layout matters here.
struct Result {
  idx_t deprecated_column_count;
  idx_t deprecated_row_count;
  idx_t deprecated_rows_changed;
  void* deprecated_columns;
  char* deprecated_error_message;
  void* internal_data;
};

// duckdb_string_t: 16 bytes; a uint32 length first, then the bytes inlined
// when the length is at most 12, else a 4-byte prefix and a pointer.
struct StringT {
  uint32_t length;
  char rest[12];
};
static_assert(sizeof(StringT) == 16);

// duckdb_hugeint: value = upper * 2^64 + lower.
struct Hugeint {
  uint64_t lower;
  int64_t upper;
};

struct Api {
  const char* (*library_version)();
  State (*open)(const char* path, Database* out_database);
  void (*close)(Database* database);
  State (*connect)(Database database, Connection* out_connection);
  void (*disconnect)(Connection* connection);
  State (*query)(Connection connection, const char* sql, Result* out_result);
  void (*destroy_result)(Result* result);
  const char* (*result_error)(Result* result);
  idx_t (*column_count)(Result* result);
  const char* (*column_name)(Result* result, idx_t column);
  Type (*column_type)(Result* result, idx_t column);
  DataChunk (*fetch_chunk)(Result result);
  void (*destroy_data_chunk)(DataChunk* chunk);
  idx_t (*data_chunk_get_size)(DataChunk chunk);
  Vector (*data_chunk_get_vector)(DataChunk chunk, idx_t column);
  void* (*vector_get_data)(Vector vector);
  uint64_t* (*vector_get_validity)(Vector vector);
  const char* (*string_t_data)(StringT* string);
  State (*appender_create)(Connection connection, const char* schema, const char* table, Appender* out_appender);
  const char* (*appender_error)(Appender appender);
  State (*appender_flush)(Appender appender);
  State (*appender_destroy)(Appender* appender);
  State (*appender_end_row)(Appender appender);
  State (*append_int64)(Appender appender, int64_t value);
  State (*append_double)(Appender appender, double value);
  State (*append_varchar_length)(Appender appender, const char* value, idx_t length);
};

// dlopen()s `library_path` and resolves every function of Api. False with
// *error naming the library or the missing symbol.
bool LoadApi(const std::string& library_path, Api* api, std::string* error);

}  // namespace backtrace::peers::duckdb
