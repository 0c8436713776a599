#include "tools/peers/duckdb_api.h"

#include <dlfcn.h>

namespace backtrace::peers::duckdb {
namespace {

template <typename Function>
bool Resolve(void* library, const char* name, Function* function, std::string* error) {
  void* symbol = ::dlsym(library, name);
  if (symbol == nullptr) {
    *error = std::string("libduckdb: missing symbol ") + name;
    return false;
  }
  *function = reinterpret_cast<Function>(symbol);
  return true;
}

}  // namespace

bool LoadApi(const std::string& library_path, Api* api, std::string* error) {
  // Never closed: the library stays loaded for the life of the process.
  void* library = ::dlopen(library_path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (library == nullptr) {
    const char* reason = ::dlerror();
    *error = library_path + ": dlopen: " + (reason != nullptr ? reason : "unknown error");
    return false;
  }
  return Resolve(library, "duckdb_library_version", &api->library_version, error) &&
         Resolve(library, "duckdb_open", &api->open, error) &&
         Resolve(library, "duckdb_close", &api->close, error) &&
         Resolve(library, "duckdb_connect", &api->connect, error) &&
         Resolve(library, "duckdb_disconnect", &api->disconnect, error) &&
         Resolve(library, "duckdb_query", &api->query, error) &&
         Resolve(library, "duckdb_destroy_result", &api->destroy_result, error) &&
         Resolve(library, "duckdb_result_error", &api->result_error, error) &&
         Resolve(library, "duckdb_column_count", &api->column_count, error) &&
         Resolve(library, "duckdb_column_name", &api->column_name, error) &&
         Resolve(library, "duckdb_column_type", &api->column_type, error) &&
         Resolve(library, "duckdb_fetch_chunk", &api->fetch_chunk, error) &&
         Resolve(library, "duckdb_destroy_data_chunk", &api->destroy_data_chunk, error) &&
         Resolve(library, "duckdb_data_chunk_get_size", &api->data_chunk_get_size, error) &&
         Resolve(library, "duckdb_data_chunk_get_vector", &api->data_chunk_get_vector, error) &&
         Resolve(library, "duckdb_vector_get_data", &api->vector_get_data, error) &&
         Resolve(library, "duckdb_vector_get_validity", &api->vector_get_validity, error) &&
         Resolve(library, "duckdb_string_t_data", &api->string_t_data, error) &&
         Resolve(library, "duckdb_appender_create", &api->appender_create, error) &&
         Resolve(library, "duckdb_appender_error", &api->appender_error, error) &&
         Resolve(library, "duckdb_appender_flush", &api->appender_flush, error) &&
         Resolve(library, "duckdb_appender_destroy", &api->appender_destroy, error) &&
         Resolve(library, "duckdb_appender_end_row", &api->appender_end_row, error) &&
         Resolve(library, "duckdb_append_int64", &api->append_int64, error) &&
         Resolve(library, "duckdb_append_double", &api->append_double, error) &&
         Resolve(library, "duckdb_append_varchar_length", &api->append_varchar_length, error);
}

}  // namespace backtrace::peers::duckdb
