// sqlite_runner: measures SQLite as a peer of BacktraceDB on the orders
// workloads (bulk load, streaming load with a durable commit every N rows,
// the six queries cold and warm, bytes on disk, peak memory), through
// libsqlite3 (Debian's libsqlite3-dev), one file database.
//
// Storage choices: a rowid table with ts INTEGER, symbol TEXT, price REAL,
// qty INTEGER, and indexes on (ts) and (symbol, ts). SQLite's defaults
// otherwise (page size, 2 MB page cache, no mmap), with these journals:
//   bulk load    one transaction of prepared inserts (the CSV parsed by this
//                runner), the default rollback journal with synchronous=FULL;
//                then the two indexes and ANALYZE
//   stream load  journal_mode=WAL, synchronous=FULL (every commit fsyncs the
//                WAL), the indexes present from the start (the table is live
//                and queryable while rows arrive; --no-indexes leaves them out)
#include <sqlite3.h>

#include <string>
#include <vector>

#include "tools/peers/orders_csv.h"
#include "tools/peers/peer_engine.h"
#include "tools/peers/peer_report.h"

namespace backtrace::peers {
namespace {

constexpr const char* kCreateTable =
    "CREATE TABLE orders (ts INTEGER NOT NULL, symbol TEXT NOT NULL, price REAL NOT NULL, "
    "qty INTEGER NOT NULL)";
constexpr const char* kCreateTimeIndex = "CREATE INDEX orders_ts ON orders (ts)";
constexpr const char* kCreateSymbolTimeIndex = "CREATE INDEX orders_symbol_ts ON orders (symbol, ts)";
constexpr const char* kInsert = "INSERT INTO orders (ts, symbol, price, qty) VALUES (?1, ?2, ?3, ?4)";

// Q4: the bars' high, low and volume by GROUP BY; open and close are the
// prices of the bar's first and last row by ts, found through the
// (symbol, ts) index. LIMIT 1 keeps one row should two rows share a ts.
const PeerQuery kQueryTemplates[] = {
    {"Q1", "SELECT count(*) AS count FROM orders WHERE symbol = 'BTC' AND qty > 100 AND price > 45000"},
    {"Q2",
     "SELECT count(*) AS count, sum(qty) AS sum_qty FROM orders "
     "WHERE ts >= {hour_start} AND ts < {hour_end}"},
    {"Q3",
     "SELECT symbol, count(*) AS count, min(price) AS min_price, max(price) AS max_price, "
     "avg(price) AS avg_price FROM orders GROUP BY symbol ORDER BY symbol"},
    {"Q4",
     "WITH bars AS (SELECT ts - ts % 60000000000 AS bucket, min(ts) AS first_ts, max(ts) AS last_ts, "
     "max(price) AS high, min(price) AS low, sum(qty) AS volume "
     "FROM orders WHERE symbol = 'BTC' GROUP BY bucket) "
     "SELECT bucket, "
     "(SELECT price FROM orders WHERE symbol = 'BTC' AND ts = bars.first_ts LIMIT 1) AS open, "
     "high, low, "
     "(SELECT price FROM orders WHERE symbol = 'BTC' AND ts = bars.last_ts LIMIT 1) AS close, "
     "volume FROM bars ORDER BY bucket"},
    {"Q5", "SELECT sum(price * qty) AS notional FROM orders"},
    {"Q6",
     "SELECT ts, symbol, price, qty FROM orders WHERE symbol = 'ETH' "
     "AND ts >= {hour_start} AND ts < {ten_minutes_end} ORDER BY ts"},
};

class SqliteEngine final : public PeerEngine {
 public:
  std::string_view system() const override { return "sqlite"; }

  bool Load(const std::string& library, std::string* error) override {
    if (!library.empty()) {
      *error = "sqlite_runner links libsqlite3; --library is not used";
      return false;
    }
    return true;
  }

  std::string version() const override { return sqlite3_libversion(); }

  std::vector<std::string> DatabaseFiles(const std::string& database) const override {
    return {database, database + "-wal", database + "-shm", database + "-journal"};
  }

  std::vector<std::pair<std::string, std::string>> Settings() override {
    std::vector<std::pair<std::string, std::string>> settings;
    for (const char* pragma : {"journal_mode", "synchronous", "page_size", "cache_size", "mmap_size", "temp_store"}) {
      ResultTable table;
      std::string error;
      std::string value = Run(std::string("PRAGMA ") + pragma, &table, &error) && table.cells.size() == 1
                              ? CanonicalText(table.cells[0])
                              : "error: " + error;
      settings.emplace_back(pragma, value);
    }
    return settings;
  }

  bool BulkLoad(const std::string& database, const std::string& csv, LoadReport* report,
                std::string* error) override {
    OrdersCsvReader reader;
    if (!reader.Open(csv, error)) return false;  // before creating anything
    Stopwatch create;
    if (!OpenDatabase(database, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, error) ||
        !Execute("PRAGMA synchronous = FULL", error) || !Execute(kCreateTable, error)) {
      return false;
    }
    report->phases.emplace_back("create", create.Seconds());

    Stopwatch insert;
    if (!Prepare(kInsert, &insert_, error) || !Execute("BEGIN", error)) return false;
    OrderRow row;
    while (true) {
      OrdersCsvReader::Outcome outcome = reader.Read(&row, error);
      if (outcome == OrdersCsvReader::Outcome::kError) return false;
      if (outcome == OrdersCsvReader::Outcome::kEnd) break;
      if (!Insert(row, error)) return false;
    }
    if (!Execute("COMMIT", error)) return false;
    Finalize(&insert_);
    report->rows = reader.rows_read();
    report->phases.emplace_back("insert", insert.Seconds());

    Stopwatch time_index;
    if (!Execute(kCreateTimeIndex, error)) return false;
    report->phases.emplace_back("index_ts", time_index.Seconds());
    Stopwatch symbol_time_index;
    if (!Execute(kCreateSymbolTimeIndex, error)) return false;
    report->phases.emplace_back("index_symbol_ts", symbol_time_index.Seconds());
    Stopwatch analyze;
    if (!Execute("ANALYZE", error)) return false;
    report->phases.emplace_back("analyze", analyze.Seconds());
    Stopwatch close;
    if (!Close(error)) return false;
    report->phases.emplace_back("close", close.Seconds());
    return true;
  }

  bool StreamBegin(const std::string& database, const StreamOptions& options, std::string* error) override {
    if (!OpenDatabase(database, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, error)) return false;
    ResultTable mode;
    if (!Run("PRAGMA journal_mode = WAL", &mode, error)) return false;
    if (mode.cells.size() != 1 || CanonicalText(mode.cells[0]) != "wal") {
      *error = database + ": could not switch to journal_mode=WAL";
      return false;
    }
    if (!Execute("PRAGMA synchronous = FULL", error) || !Execute(kCreateTable, error)) return false;
    if (options.create_indexes &&
        (!Execute(kCreateTimeIndex, error) || !Execute(kCreateSymbolTimeIndex, error))) {
      return false;
    }
    return Prepare(kInsert, &insert_, error) && Prepare("BEGIN", &begin_, error) &&
           Prepare("COMMIT", &commit_, error);
  }

  bool StreamAppend(const OrderRow& row, std::string* error) override {
    if (!in_transaction_) {
      if (!StepOnce(begin_, "BEGIN", error)) return false;
      in_transaction_ = true;
    }
    return Insert(row, error);
  }

  bool StreamCommit(std::string* error) override {
    if (!in_transaction_) return true;
    if (!StepOnce(commit_, "COMMIT", error)) return false;
    in_transaction_ = false;
    return true;
  }

  bool StreamEnd(std::string* error) override {
    if (!StreamCommit(error)) return false;
    Finalize(&insert_);
    Finalize(&begin_);
    Finalize(&commit_);
    return true;
  }

  std::string StreamIndexes(const StreamOptions& options) const override {
    return options.create_indexes ? "orders_ts (ts), orders_symbol_ts (symbol, ts)" : "none";
  }

  bool Open(const std::string& database, std::string* error) override {
    return OpenDatabase(database, SQLITE_OPEN_READWRITE, error);
  }

  bool Close(std::string* error) override {
    Finalize(&insert_);
    Finalize(&begin_);
    Finalize(&commit_);
    in_transaction_ = false;
    if (database_ == nullptr) return true;
    int code = sqlite3_close(database_);  // the last connection checkpoints and removes the WAL
    if (code != SQLITE_OK) {
      *error = std::string("sqlite3_close: ") + sqlite3_errstr(code);
      return false;
    }
    database_ = nullptr;
    return true;
  }

  std::vector<PeerQuery> Queries(int64_t window_start) const override {
    std::vector<PeerQuery> queries;
    for (const PeerQuery& query : kQueryTemplates) queries.push_back({query.name, BindWindow(query.sql, window_start)});
    return queries;
  }

  bool Run(const std::string& sql, ResultTable* table, std::string* error) override {
    table->Clear();
    sqlite3_stmt* statement = nullptr;
    if (!Prepare(sql.c_str(), &statement, error)) return false;
    int columns = sqlite3_column_count(statement);
    for (int column = 0; column < columns; ++column) {
      const char* name = sqlite3_column_name(statement, column);
      table->columns.emplace_back(name != nullptr ? name : "");
    }
    int code;
    while ((code = sqlite3_step(statement)) == SQLITE_ROW) {
      for (int column = 0; column < columns; ++column) {
        switch (sqlite3_column_type(statement, column)) {
          case SQLITE_INTEGER:
            table->cells.emplace_back(static_cast<int64_t>(sqlite3_column_int64(statement, column)));
            break;
          case SQLITE_FLOAT:
            table->cells.emplace_back(sqlite3_column_double(statement, column));
            break;
          case SQLITE_NULL:
            table->cells.emplace_back(std::monostate{});
            break;
          default: {
            const unsigned char* text = sqlite3_column_text(statement, column);
            int bytes = sqlite3_column_bytes(statement, column);
            table->cells.emplace_back(std::string(reinterpret_cast<const char*>(text), static_cast<size_t>(bytes)));
          }
        }
      }
    }
    if (code != SQLITE_DONE) *error = sqlite3_errmsg(database_);
    sqlite3_finalize(statement);
    return code == SQLITE_DONE;
  }

  std::string Explain(const std::string& sql) override {
    ResultTable table;
    std::string error;
    if (!Run("EXPLAIN QUERY PLAN " + sql, &table, &error)) return "EXPLAIN failed: " + error;
    std::string plan;
    for (size_t row = 0; row < table.row_count(); ++row) {
      if (!plan.empty()) plan += "; ";
      plan += CanonicalText(table.cells[row * table.columns.size() + table.columns.size() - 1]);
    }
    return plan;
  }

 private:
  bool OpenDatabase(const std::string& database, int flags, std::string* error) {
    if (database_ != nullptr) {
      *error = "a database is already open";
      return false;
    }
    int code = sqlite3_open_v2(database.c_str(), &database_, flags, nullptr);
    if (code != SQLITE_OK) {
      *error = database + ": " + (database_ != nullptr ? sqlite3_errmsg(database_) : sqlite3_errstr(code));
      sqlite3_close(database_);
      database_ = nullptr;
      return false;
    }
    return true;
  }

  bool Prepare(const char* sql, sqlite3_stmt** statement, std::string* error) {
    if (sqlite3_prepare_v2(database_, sql, -1, statement, nullptr) != SQLITE_OK) {
      *error = std::string(sqlite3_errmsg(database_)) + " in: " + std::string(sql).substr(0, 200);
      *statement = nullptr;
      return false;
    }
    return true;
  }

  void Finalize(sqlite3_stmt** statement) {
    if (*statement != nullptr) sqlite3_finalize(*statement);
    *statement = nullptr;
  }

  bool StepOnce(sqlite3_stmt* statement, const char* what, std::string* error) {
    int code = sqlite3_step(statement);
    sqlite3_reset(statement);
    if (code != SQLITE_DONE) {
      *error = std::string(what) + ": " + sqlite3_errmsg(database_);
      return false;
    }
    return true;
  }

  bool Execute(const char* sql, std::string* error) {
    char* message = nullptr;
    if (sqlite3_exec(database_, sql, nullptr, nullptr, &message) != SQLITE_OK) {
      *error = std::string(sql) + ": " + (message != nullptr ? message : "failed");
      sqlite3_free(message);
      return false;
    }
    return true;
  }

  bool Insert(const OrderRow& row, std::string* error) {
    sqlite3_bind_int64(insert_, 1, row.ts);
    sqlite3_bind_text(insert_, 2, row.symbol.data(), static_cast<int>(row.symbol.size()), SQLITE_STATIC);
    sqlite3_bind_double(insert_, 3, row.price);
    sqlite3_bind_int64(insert_, 4, row.qty);
    return StepOnce(insert_, "INSERT", error);
  }

  sqlite3* database_ = nullptr;
  sqlite3_stmt* insert_ = nullptr;
  sqlite3_stmt* begin_ = nullptr;
  sqlite3_stmt* commit_ = nullptr;
  bool in_transaction_ = false;
};

}  // namespace
}  // namespace backtrace::peers

int main(int argc, char** argv) {
  backtrace::peers::SqliteEngine engine;
  return backtrace::peers::RunPeer(argc, argv, &engine);
}
