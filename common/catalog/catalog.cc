// Catalog: opening and catching up. Reads are in catalog_read.cc, writes in
// catalog_write.cc.
#include "common/catalog/catalog.h"

#include <algorithm>
#include <chrono>
#include <thread>

#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/write_batch.h>

#include "common/base/file.h"
#include "common/catalog/rocksdb_status.h"

namespace backtrace {
namespace {

namespace record = catalog_record;

rocksdb::Options BaseOptions() {
  rocksdb::Options options;
  options.keep_log_file_num = 4;
  return options;
}

}  // namespace

Catalog::Catalog(std::string path, std::string secondary_path, const CatalogOptions& options,
                 std::unique_ptr<rocksdb::DB> db)
    : path_(std::move(path)),
      secondary_path_(std::move(secondary_path)),
      options_(options),
      db_(std::move(db)) {}

Catalog::~Catalog() {
  if (db_) db_->Close().PermitUncheckedError();
}

std::string Catalog::Context(std::string_view operation) const {
  std::string context = "catalog " + path_;
  if (!operation.empty()) {
    context += ": ";
    context += operation;
  }
  return context;
}

Status Catalog::WithPath(std::string_view what, const Status& cause) const {
  return cause.WithContext(Context(what));
}

CatalogStatistics Catalog::statistics() const {
  CatalogStatistics statistics;
  statistics.block_keys_visited = block_keys_visited_.load(std::memory_order_relaxed);
  statistics.block_seeks = block_seeks_.load(std::memory_order_relaxed);
  statistics.catch_up_attempts = catch_up_attempts_.load(std::memory_order_relaxed);
  statistics.secondary_reopens = secondary_reopens_.load(std::memory_order_relaxed);
  return statistics;
}

Result<std::unique_ptr<Catalog>> Catalog::OpenPrimary(const std::string& path,
                                                      const CatalogOptions& options) {
  if (path.empty()) return Status::InvalidArgument("catalog path is empty");
  RETURN_IF_ERROR(io::CreateDirectories(path));
  rocksdb::Options rocksdb_options = BaseOptions();
  rocksdb_options.create_if_missing = true;
  rocksdb::DB* raw = nullptr;
  RETURN_IF_ERROR(FromRocksDBStatus(rocksdb::DB::Open(rocksdb_options, path, &raw),
                                    "catalog " + path + ": opening as primary"));
  std::unique_ptr<Catalog> catalog(
      new Catalog(path, std::string(), options, std::unique_ptr<rocksdb::DB>(raw)));
  RETURN_IF_ERROR(catalog->InitializeOrCheckFormat());
  return catalog;
}

Result<std::unique_ptr<Catalog>> Catalog::OpenSecondary(const std::string& path,
                                                        const std::string& secondary_path,
                                                        const CatalogOptions& options) {
  if (path.empty() || secondary_path.empty()) {
    return Status::InvalidArgument("catalog path and secondary path must both be given");
  }
  if (!io::PathExists(path)) return Status::NotFound("catalog " + path + " does not exist");
  RETURN_IF_ERROR(io::CreateDirectories(secondary_path));
  std::unique_ptr<Catalog> catalog(new Catalog(path, secondary_path, options, nullptr));
  RETURN_IF_ERROR(catalog->ReopenSecondary());
  RETURN_IF_ERROR(catalog->InitializeOrCheckFormat());
  return catalog;
}

Status Catalog::ReopenSecondary() {
  if (db_) {
    db_->Close().PermitUncheckedError();
    db_.reset();
  }
  rocksdb::Options rocksdb_options = BaseOptions();
  rocksdb_options.max_open_files = -1;  // required by secondaries
  rocksdb::DB* raw = nullptr;
  RETURN_IF_ERROR(FromRocksDBStatus(
      rocksdb::DB::OpenAsSecondary(rocksdb_options, path_, secondary_path_, &raw),
      Context("opening as secondary in " + secondary_path_)));
  db_.reset(raw);
  return Status::Ok();
}

Status Catalog::InitializeOrCheckFormat() {
  ASSIGN_OR_RETURN(std::optional<std::string> format_value, Get(record::FormatKey(), "format key"));
  if (format_value) {
    Status format_status = record::CheckFormatValue(*format_value);
    if (!format_status.ok()) return WithPath("format key", format_status);
    if (is_primary()) {
      ASSIGN_OR_RETURN(std::optional<std::string> state_value, Get(record::StateKey(), "version key"));
      if (!state_value) return Status::Corruption(Context("the version key is missing"));
      Result<CatalogState> state = record::DecodeState(*state_value);
      if (!state.ok()) return WithPath("version key", state.status());
      state_ = *state;
    }
    return Status::Ok();
  }
  if (!is_primary()) {
    return Status::FailedPrecondition(Context("has no format key; the primary has not initialised it"));
  }
  std::unique_ptr<rocksdb::Iterator> iterator(db_->NewIterator(rocksdb::ReadOptions()));
  iterator->SeekToFirst();
  RETURN_IF_ERROR(FromRocksDBStatus(iterator->status(), Context("checking for an empty database")));
  if (iterator->Valid()) {
    return Status::Corruption(Context("holds keys but no format key; it is not a BacktraceDB catalog"));
  }
  CatalogState initial;
  initial.sequence = 1;
  rocksdb::WriteBatch batch;
  batch.Put(record::FormatKey(), record::EncodeFormatValue());
  batch.Put(record::StateKey(), record::EncodeState(initial));
  batch.Put(record::WalCheckpointKey(), record::EncodeFixed64Value(0));
  rocksdb::WriteOptions write_options;
  write_options.sync = options_.sync_writes;
  RETURN_IF_ERROR(FromRocksDBStatus(db_->Write(write_options, &batch), Context("initialising")));
  state_ = initial;
  return Status::Ok();
}

Status Catalog::RequirePrimary(std::string_view operation) const {
  if (is_primary()) return Status::Ok();
  return Status::FailedPrecondition(Context(operation) + ": opened as a read-only secondary");
}

Result<std::optional<std::string>> Catalog::Get(const std::string& key, std::string_view what) const {
  std::string value;
  rocksdb::Status status = db_->Get(rocksdb::ReadOptions(), key, &value);
  if (status.IsNotFound()) return std::optional<std::string>();
  RETURN_IF_ERROR(FromRocksDBStatus(status, Context(std::string("reading ") + std::string(what))));
  return std::optional<std::string>(std::move(value));
}

Result<CatalogState> Catalog::ReadState() const {
  if (is_primary()) return state_;
  ASSIGN_OR_RETURN(std::optional<std::string> value, Get(record::StateKey(), "version key"));
  if (!value) return Status::Corruption(Context("the version key is missing"));
  Result<CatalogState> state = record::DecodeState(*value);
  if (!state.ok()) return WithPath("version key", state.status());
  return state;
}

Result<uint64_t> Catalog::CurrentSequence() const {
  ASSIGN_OR_RETURN(CatalogState state, ReadState());
  return state.sequence;
}

Status Catalog::CatchUp(uint64_t min_sequence) {
  if (is_primary()) {
    if (state_.sequence >= min_sequence) return Status::Ok();
    return Status::FailedPrecondition(Context("") + " is the primary at sequence " +
                                      std::to_string(state_.sequence) + ", below " +
                                      std::to_string(min_sequence));
  }
  std::string last_problem = "no attempt made";
  for (int round = 0; round < 2; ++round) {
    if (round == 1) {
      secondary_reopens_.fetch_add(1, std::memory_order_relaxed);
      RETURN_IF_ERROR(ReopenSecondary());
    }
    auto wait = std::chrono::milliseconds(1);
    for (int attempt = 0; attempt < std::max(1, options_.catch_up_attempts); ++attempt) {
      if (attempt > 0) {
        std::this_thread::sleep_for(wait);
        wait = std::min(wait * 2, std::chrono::milliseconds(64));
      }
      catch_up_attempts_.fetch_add(1, std::memory_order_relaxed);
      rocksdb::Status caught_up = db_->TryCatchUpWithPrimary();
      if (!caught_up.ok()) {
        if (caught_up.IsNotFound() || caught_up.IsIOError()) {
          last_problem = caught_up.ToString();
          continue;
        }
        return FromRocksDBStatus(caught_up, Context("catching up with the primary"));
      }
      Result<CatalogState> state = ReadState();
      if (!state.ok()) {
        // A read racing the primary's file deletions may fail like the
        // catch-up itself; corruption is reported at once.
        if (state.status().code() != StatusCode::kNotFound &&
            state.status().code() != StatusCode::kIoError) {
          return state.status();
        }
        last_problem = state.status().ToString();
        continue;
      }
      if (state->sequence >= min_sequence) return Status::Ok();
      last_problem = "at sequence " + std::to_string(state->sequence);
    }
  }
  return Status::Busy(Context("secondary in " + secondary_path_) + " did not reach sequence " +
                      std::to_string(min_sequence) + " after " +
                      std::to_string(options_.catch_up_attempts) +
                      " catch-up attempts, a reopen and as many again (" + last_problem + ")");
}

}  // namespace backtrace
