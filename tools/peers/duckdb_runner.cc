// duckdb_runner: measures DuckDB as a peer of BacktraceDB on the orders
// workloads (bulk load, streaming load with a durable commit every N rows,
// the six queries cold and warm, bytes on disk, peak memory). DuckDB runs
// natively: libduckdb.so (as shipped in the npm package
// @duckdb/node-bindings-linux-x64) is dlopen()ed and driven through its C API,
// declared in duckdb_api.h. Its path comes from --library or the environment
// variable BACKTRACE_DUCKDB_LIBRARY.
//
// Storage choices: one file-backed database, DuckDB's default settings
// (threads = cores, memory limit, checkpoint threshold); ts is stored as
// BIGINT nanoseconds, the same int64 that TIMESTAMP_NS would store, so the
// queries compare and bucket plain integers exactly as written for every
// system. No index: DuckDB prunes by its per-row-group min/max (zone maps),
// and rows arrive in ts order.
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "tools/peers/duckdb_api.h"
#include "tools/peers/peer_engine.h"
#include "tools/peers/peer_report.h"

namespace backtrace::peers {
namespace {

constexpr const char* kLibraryEnvironment = "BACKTRACE_DUCKDB_LIBRARY";

constexpr const char* kCreateTable =
    "CREATE TABLE orders (ts BIGINT NOT NULL, symbol VARCHAR NOT NULL, price DOUBLE NOT NULL, "
    "qty BIGINT NOT NULL)";

const PeerQuery kQueryTemplates[] = {
    {"Q1", "SELECT count(*) AS count FROM orders WHERE symbol = 'BTC' AND qty > 100 AND price > 45000"},
    {"Q2",
     "SELECT count(*) AS count, sum(qty)::BIGINT AS sum_qty FROM orders "
     "WHERE ts >= {hour_start} AND ts < {hour_end}"},
    {"Q3",
     "SELECT symbol, count(*) AS count, min(price) AS min_price, max(price) AS max_price, "
     "avg(price) AS avg_price FROM orders GROUP BY symbol ORDER BY symbol"},
    {"Q4",
     "SELECT ts - ts % 60000000000 AS bucket, arg_min(price, ts) AS open, max(price) AS high, "
     "min(price) AS low, arg_max(price, ts) AS close, sum(qty)::BIGINT AS volume "
     "FROM orders WHERE symbol = 'BTC' GROUP BY bucket ORDER BY bucket"},
    {"Q5", "SELECT sum(price * qty) AS notional FROM orders"},
    {"Q6",
     "SELECT ts, symbol, price, qty FROM orders WHERE symbol = 'ETH' "
     "AND ts >= {hour_start} AND ts < {ten_minutes_end} ORDER BY ts"},
};

std::string SqlString(std::string_view text) {
  std::string quoted = "'";
  for (char c : text) {
    if (c == '\'') quoted += '\'';
    quoted += c;
  }
  return quoted + "'";
}

class DuckDbEngine final : public PeerEngine {
 public:
  std::string_view system() const override { return "duckdb"; }

  bool Load(const std::string& library, std::string* error) override {
    std::string path = library;
    if (path.empty()) {
      const char* from_environment = std::getenv(kLibraryEnvironment);
      if (from_environment != nullptr) path = from_environment;
    }
    if (path.empty()) {
      *error = std::string("no libduckdb.so given: pass --library PATH or set ") + kLibraryEnvironment +
               " (tools/install-peers.sh installs it and prints its path)";
      return false;
    }
    if (!duckdb::LoadApi(path, &api_, error)) return false;
    version_ = api_.library_version();
    return true;
  }

  std::string version() const override { return version_; }

  std::vector<std::string> DatabaseFiles(const std::string& database) const override {
    return {database, database + ".wal"};
  }

  std::vector<std::pair<std::string, std::string>> Settings() override {
    std::vector<std::pair<std::string, std::string>> settings;
    ResultTable table;
    std::string error;
    if (!Run("SELECT name, value FROM duckdb_settings() WHERE name IN ('threads', 'memory_limit', "
             "'checkpoint_threshold', 'preserve_insertion_order', 'default_block_size') ORDER BY name",
             &table, &error)) {
      settings.emplace_back("error", error);
      return settings;
    }
    for (size_t row = 0; row < table.row_count(); ++row) {
      settings.emplace_back(CanonicalText(table.cells[row * 2]), CanonicalText(table.cells[row * 2 + 1]));
    }
    return settings;
  }

  bool BulkLoad(const std::string& database, const std::string& csv, LoadReport* report,
                std::string* error) override {
    Stopwatch create;
    if (!Open(database, error) || !Execute(kCreateTable, error)) return false;
    report->phases.emplace_back("create", create.Seconds());

    Stopwatch load;
    ResultTable inserted;
    std::string insert =
        "INSERT INTO orders SELECT * FROM read_csv(" + SqlString(csv) +
        ", header = true, columns = {'ts': 'BIGINT', 'symbol': 'VARCHAR', 'price': 'DOUBLE', 'qty': 'BIGINT'})";
    if (!Run(insert, &inserted, error)) return false;
    report->phases.emplace_back("insert_from_read_csv", load.Seconds());
    if (inserted.cells.size() != 1 || !std::holds_alternative<int64_t>(inserted.cells[0])) {
      *error = "INSERT did not report a row count";
      return false;
    }
    report->rows = static_cast<uint64_t>(std::get<int64_t>(inserted.cells[0]));

    Stopwatch checkpoint;
    if (!Execute("CHECKPOINT", error)) return false;
    report->phases.emplace_back("checkpoint", checkpoint.Seconds());
    Stopwatch close;
    if (!Close(error)) return false;
    report->phases.emplace_back("close", close.Seconds());
    return true;
  }

  bool StreamBegin(const std::string& database, const StreamOptions&, std::string* error) override {
    if (!Open(database, error) || !Execute(kCreateTable, error)) return false;
    if (api_.appender_create(connection_, nullptr, "orders", &appender_) != duckdb::kSuccess) {
      *error = "duckdb_appender_create: " + AppenderError();
      return false;
    }
    return true;
  }

  bool StreamAppend(const OrderRow& row, std::string* error) override {
    if (api_.append_int64(appender_, row.ts) != duckdb::kSuccess ||
        api_.append_varchar_length(appender_, row.symbol.data(), row.symbol.size()) != duckdb::kSuccess ||
        api_.append_double(appender_, row.price) != duckdb::kSuccess ||
        api_.append_int64(appender_, row.qty) != duckdb::kSuccess ||
        api_.appender_end_row(appender_) != duckdb::kSuccess) {
      *error = "appending a row: " + AppenderError();
      return false;
    }
    return true;
  }

  bool StreamCommit(std::string* error) override {
    if (api_.appender_flush(appender_) != duckdb::kSuccess) {
      *error = "duckdb_appender_flush: " + AppenderError();
      return false;
    }
    return true;
  }

  bool StreamEnd(std::string* error) override {
    if (appender_ == nullptr) return true;
    duckdb::State state = api_.appender_destroy(&appender_);
    appender_ = nullptr;
    if (state != duckdb::kSuccess) {
      *error = "duckdb_appender_destroy failed";
      return false;
    }
    return true;
  }

  std::string StreamIndexes(const StreamOptions&) const override { return "none (zone maps)"; }

  bool Open(const std::string& database, std::string* error) override {
    if (database_ != nullptr) {
      *error = "a database is already open";
      return false;
    }
    if (api_.open(database.c_str(), &database_) != duckdb::kSuccess) {
      database_ = nullptr;
      *error = database + ": duckdb_open failed";
      return false;
    }
    if (api_.connect(database_, &connection_) != duckdb::kSuccess) {
      connection_ = nullptr;
      *error = database + ": duckdb_connect failed";
      Close(error);
      return false;
    }
    return CheckTypeCodes(error);
  }

  bool Close(std::string* error) override {
    if (appender_ != nullptr) {
      std::string ignored;
      (void)StreamEnd(&ignored);
    }
    if (connection_ != nullptr) api_.disconnect(&connection_);
    if (database_ != nullptr) api_.close(&database_);  // checkpoints the WAL into the file
    connection_ = nullptr;
    database_ = nullptr;
    (void)error;
    return true;
  }

  std::vector<PeerQuery> Queries(int64_t window_start) const override {
    std::vector<PeerQuery> queries;
    for (const PeerQuery& query : kQueryTemplates) queries.push_back({query.name, BindWindow(query.sql, window_start)});
    return queries;
  }

  bool Run(const std::string& sql, ResultTable* table, std::string* error) override {
    table->Clear();
    duckdb::Result result{};
    if (api_.query(connection_, sql.c_str(), &result) != duckdb::kSuccess) {
      const char* message = api_.result_error(&result);
      *error = message != nullptr ? message : "duckdb_query failed";
      api_.destroy_result(&result);
      return false;
    }
    bool ok = ReadResult(&result, table, error);
    api_.destroy_result(&result);
    return ok;
  }

  std::string Explain(const std::string& sql) override {
    ResultTable table;
    std::string error;
    if (!Run("EXPLAIN " + sql, &table, &error)) return "EXPLAIN failed: " + error;
    std::string plan;
    for (size_t row = 0; row < table.row_count(); ++row) {
      plan += CanonicalText(table.cells[row * table.columns.size() + table.columns.size() - 1]);
    }
    return plan;
  }

 private:
  bool Execute(const std::string& sql, std::string* error) {
    ResultTable ignored;
    if (!Run(sql, &ignored, error)) {
      *error = sql.substr(0, 80) + ": " + *error;
      return false;
    }
    return true;
  }

  std::string AppenderError() {
    const char* message = appender_ != nullptr ? api_.appender_error(appender_) : nullptr;
    return message != nullptr ? message : "unknown appender error";
  }

  // The duckdb_type codes this runner reads are restated in duckdb_api.h;
  // a library that numbers them differently is refused, not misread.
  bool CheckTypeCodes(std::string* error) {
    duckdb::Result result{};
    if (api_.query(connection_, "SELECT true, 1::INTEGER, 1::BIGINT, 1.5::DOUBLE, 1::HUGEINT, 'x'::VARCHAR",
                   &result) != duckdb::kSuccess) {
      *error = "type-code check query failed";
      api_.destroy_result(&result);
      return false;
    }
    const duckdb::Type expected[] = {duckdb::kTypeBoolean, duckdb::kTypeInteger, duckdb::kTypeBigint,
                                     duckdb::kTypeDouble,  duckdb::kTypeHugeint, duckdb::kTypeVarchar};
    bool ok = api_.column_count(&result) == 6;
    for (duckdb::idx_t column = 0; ok && column < 6; ++column) {
      ok = api_.column_type(&result, column) == expected[column];
    }
    api_.destroy_result(&result);
    if (!ok) *error = "libduckdb " + version_ + " numbers its C API types differently than duckdb_api.h";
    return ok;
  }

  bool ReadResult(duckdb::Result* result, ResultTable* table, std::string* error) {
    size_t columns = api_.column_count(result);
    std::vector<duckdb::Type> types(columns);
    for (size_t column = 0; column < columns; ++column) {
      const char* name = api_.column_name(result, column);
      table->columns.emplace_back(name != nullptr ? name : "");
      types[column] = api_.column_type(result, column);
      switch (types[column]) {
        case duckdb::kTypeBoolean:
        case duckdb::kTypeInteger:
        case duckdb::kTypeBigint:
        case duckdb::kTypeDouble:
        case duckdb::kTypeHugeint:
        case duckdb::kTypeVarchar:
          break;
        default:
          *error = "result column " + table->columns.back() + " has C API type " +
                   std::to_string(static_cast<int>(types[column])) + ", which this runner does not read";
          return false;
      }
    }
    if (columns == 0) return true;
    while (true) {
      duckdb::DataChunk chunk = api_.fetch_chunk(*result);
      if (chunk == nullptr) break;
      size_t rows = api_.data_chunk_get_size(chunk);
      if (rows == 0) {
        api_.destroy_data_chunk(&chunk);
        break;
      }
      size_t first_cell = table->cells.size();
      table->cells.resize(first_cell + rows * columns);
      for (size_t column = 0; column < columns; ++column) {
        duckdb::Vector vector = api_.data_chunk_get_vector(chunk, column);
        void* data = api_.vector_get_data(vector);
        const uint64_t* validity = api_.vector_get_validity(vector);
        for (size_t row = 0; row < rows; ++row) {
          Cell& cell = table->cells[first_cell + row * columns + column];
          if (validity != nullptr && ((validity[row / 64] >> (row % 64)) & 1) == 0) continue;  // NULL
          if (!ReadCell(types[column], data, row, &cell, error)) {
            api_.destroy_data_chunk(&chunk);
            return false;
          }
        }
      }
      api_.destroy_data_chunk(&chunk);
    }
    return true;
  }

  bool ReadCell(duckdb::Type type, void* data, size_t row, Cell* cell, std::string* error) {
    switch (type) {
      case duckdb::kTypeBoolean: *cell = int64_t{static_cast<const bool*>(data)[row] ? 1 : 0}; return true;
      case duckdb::kTypeInteger: *cell = int64_t{static_cast<const int32_t*>(data)[row]}; return true;
      case duckdb::kTypeBigint: *cell = static_cast<const int64_t*>(data)[row]; return true;
      case duckdb::kTypeDouble: *cell = static_cast<const double*>(data)[row]; return true;
      case duckdb::kTypeHugeint: {
        const duckdb::Hugeint& value = static_cast<const duckdb::Hugeint*>(data)[row];
        bool fits = (value.upper == 0 && value.lower <= static_cast<uint64_t>(INT64_MAX)) ||
                    (value.upper == -1 && value.lower > static_cast<uint64_t>(INT64_MAX));
        if (!fits) {
          *error = "a HUGEINT result does not fit in int64";
          return false;
        }
        *cell = static_cast<int64_t>(value.lower);
        return true;
      }
      case duckdb::kTypeVarchar: {
        auto* strings = static_cast<duckdb::StringT*>(data);
        *cell = std::string(api_.string_t_data(&strings[row]), strings[row].length);
        return true;
      }
    }
    *error = "unreadable type";
    return false;
  }

  duckdb::Api api_{};
  std::string version_;
  duckdb::Database database_ = nullptr;
  duckdb::Connection connection_ = nullptr;
  duckdb::Appender appender_ = nullptr;
};

}  // namespace
}  // namespace backtrace::peers

int main(int argc, char** argv) {
  backtrace::peers::DuckDbEngine engine;
  return backtrace::peers::RunPeer(argc, argv, &engine);
}
