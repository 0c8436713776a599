// Catalog: the source of truth for what exists in a data directory — table
// schemas, persisted blocks with their statistics, the WAL checkpoint and the
// producers' sequence high-water marks — kept in a RocksDB database
// (<data_dir>/catalog). docs/catalog_format.md specifies every key and value.
//
// Versioning. Every write is one RocksDB WriteBatch that also increments the
// catalog sequence held under the version key, so a sequence names one exact
// catalog state. A block entry records the sequence that committed it and,
// once a merge, retention or drop retires it, the sequence that did so. A
// reader "as of S" sees exactly the blocks with committed <= S < retired; a
// retired entry stays until PurgeBlocks removes it, which the caller does
// only once no reader holds a sequence below its retirement.
//
// Atomicity and durability. Committing blocks together with the WAL
// checkpoint and producer marks that they cover is one batch; so is
// replacing blocks by their merge. Batches are written with WriteOptions.sync
// (CatalogOptions::sync_writes): the catalog commit is what makes a block
// exist, so it is on disk before any write returns OK. After a crash each
// batch is either wholly present or absent.
//
// Processes. One process opens the catalog as primary (the only writer; a
// second primary gets kFailedPrecondition from RocksDB's LOCK). Any number of
// processes open it as secondaries, each with its own secondary directory;
// a secondary sees the primary's writes after CatchUp().
//
// Threads. A Catalog object is used by one thread at a time: calls on one
// object must not overlap (writes keep cached state; CatchUp may reopen the
// database). Distinct Catalog objects, in one process or many, may be used
// concurrently. Reads are consistent per call because the MVCC filter makes
// them independent of later writes.
//
// Errors. Every failure names the catalog path. RocksDB's errors are mapped
// by FromRocksDBStatus (full disk -> kNoSpace, ...); a stored value that
// fails its checks is kCorruption naming the key; a write on a secondary is
// kFailedPrecondition. A failed write changes nothing.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/status.h"
#include "common/catalog/block_meta.h"
#include "common/catalog/catalog_records.h"
#include "common/schema/table_schema.h"

namespace rocksdb {
class DB;
class Iterator;
}  // namespace rocksdb

namespace backtrace {

struct CatalogOptions {
  // WriteOptions.sync for every batch. Only tests that need thousands of
  // commits quickly turn it off.
  bool sync_writes = true;
  // CatchUp: TryCatchUpWithPrimary attempts before reopening the secondary
  // (waiting 1 ms, doubling to at most 64 ms, between them), and again after
  // the reopen.
  int catch_up_attempts = 8;
};

// Counters of work done by this Catalog object, for tests and metrics.
struct CatalogStatistics {
  uint64_t block_keys_visited = 0;  // block entries stepped on by listings
  uint64_t block_seeks = 0;         // iterator seeks into block keys
  uint64_t catch_up_attempts = 0;   // TryCatchUpWithPrimary calls
  uint64_t secondary_reopens = 0;   // last-resort reopens in CatchUp
};

class Catalog {
 public:
  // Opens (creating if missing) the catalog at `path` as the only writer.
  // kFailedPrecondition if another primary holds it; kCorruption if `path`
  // is a RocksDB database that is not a catalog; kNotSupported for another
  // format version.
  [[nodiscard]] static Result<std::unique_ptr<Catalog>> OpenPrimary(
      const std::string& path, const CatalogOptions& options = {});

  // Opens the catalog at `path` read-only as a RocksDB secondary whose own
  // files (info log) go to `secondary_path` (created if missing; one per
  // secondary). The catalog must have been created by a primary.
  [[nodiscard]] static Result<std::unique_ptr<Catalog>> OpenSecondary(
      const std::string& path, const std::string& secondary_path,
      const CatalogOptions& options = {});

  ~Catalog();
  Catalog(const Catalog&) = delete;
  Catalog& operator=(const Catalog&) = delete;

  bool is_primary() const { return secondary_path_.empty(); }
  const std::string& path() const { return path_; }
  CatalogStatistics statistics() const;

  // ---- Reads (primary and secondary) ----

  // The sequence of the last batch this catalog object can see.
  [[nodiscard]] Result<uint64_t> CurrentSequence() const;
  // "Replay the WAL from this LSN"; 0 before the first commit.
  [[nodiscard]] Result<uint64_t> GetWalCheckpoint() const;
  // producer id -> highest acknowledged batch sequence.
  [[nodiscard]] Result<std::map<uint64_t, uint64_t>> GetProducerMarks() const;
  // Live tables, ordered by name.
  [[nodiscard]] Result<std::vector<TableInfo>> ListTables() const;
  // The live table of that name; kNotFound naming it otherwise.
  [[nodiscard]] Result<TableInfo> GetTable(std::string_view name) const;
  // A table by id, dropped ones included; kNotFound otherwise.
  [[nodiscard]] Result<TableInfo> GetTableById(uint64_t table_id) const;
  // A block entry by id, live or retired; kNotFound once purged.
  [[nodiscard]] Result<BlockMeta> GetBlock(uint64_t block_id) const;

  // Blocks of a table visible as of `as_of_sequence` whose time range
  // intersects [min_time, max_time] (both inclusive), ordered by
  // (min_time, block_id). Walks the block keys in key order: per span class
  // one seek and only keys whose max_time lies within [min_time, max_time +
  // the class's widest span]. kFailedPrecondition when as_of_sequence is
  // beyond CurrentSequence() (a secondary must CatchUp first);
  // kInvalidArgument when min_time > max_time.
  [[nodiscard]] Result<std::vector<BlockMeta>> ListBlocks(uint64_t table_id, int64_t min_time,
                                                          int64_t max_time,
                                                          uint64_t as_of_sequence) const;
  // Every block of a table visible as of `as_of_sequence`, ordered as above.
  [[nodiscard]] Result<std::vector<BlockMeta>> AllBlocks(uint64_t table_id,
                                                         uint64_t as_of_sequence) const;
  // Retired, not yet purged blocks with retired_sequence <= `up_to_sequence`,
  // ordered by (retired_sequence, block_id).
  [[nodiscard]] Result<std::vector<BlockMeta>> ListRetiredBlocks(uint64_t up_to_sequence) const;

  // ---- Writes (primary only; each is one synced batch) ----

  // Creates a table with a fresh id. The same schema again returns the
  // existing table; a different schema under a live name is kAlreadyExists
  // naming the table and the first difference. kInvalidArgument when the
  // schema does not validate.
  [[nodiscard]] Result<TableInfo> CreateTable(const TableSchema& schema);
  // Drops a live table: removes its name and retires its live blocks in one
  // batch. Its entry and blocks stay readable as of earlier sequences.
  [[nodiscard]] Status DropTable(std::string_view name);

  // Reserves `count` consecutive block ids (persisted, never handed out
  // again) and returns the first.
  [[nodiscard]] Result<uint64_t> AllocateBlockIds(uint64_t count = 1);

  // Commits blocks (ids from AllocateBlockIds, each committed once) and, in
  // the same batch, the WAL checkpoint and producer marks that they cover.
  // The catalog sets committed_sequence and retired_sequence itself. A
  // checkpoint below the stored one is kInvalidArgument; a producer mark
  // below the stored one leaves the stored (higher) mark. Blocks are checked
  // with CheckBlockMeta against their table's schema.
  [[nodiscard]] Status CommitBlock(const BlockMeta& block, uint64_t wal_checkpoint,
                                   const std::map<uint64_t, uint64_t>& producer_marks);
  [[nodiscard]] Status CommitBlocks(const std::vector<BlockMeta>& blocks, uint64_t wal_checkpoint,
                                    const std::map<uint64_t, uint64_t>& producer_marks);

  // One batch: retires the live blocks `old_block_ids` of the table and
  // commits `replacement` (a merge). kNotFound / kFailedPrecondition name a
  // block that is unknown, of another table or already retired.
  [[nodiscard]] Status ReplaceBlocks(uint64_t table_id, const std::vector<uint64_t>& old_block_ids,
                                     const BlockMeta& replacement);
  // One batch: retires live blocks without a replacement (retention).
  [[nodiscard]] Status RetireBlocks(uint64_t table_id, const std::vector<uint64_t>& block_ids);
  // One batch: deletes the entries of retired blocks. kFailedPrecondition
  // for a live block, kNotFound for an unknown one; nothing is deleted then.
  [[nodiscard]] Status PurgeBlocks(const std::vector<uint64_t>& block_ids);

  // ---- Secondary ----

  // Catches up with the primary until CurrentSequence() >= min_sequence:
  // calls TryCatchUpWithPrimary, retrying on NotFound and IOError (the
  // primary may delete a file being read) and on a sequence still below
  // min_sequence (a catch-up may report success before the data is
  // visible), then reopens the secondary as the last resort. kBusy naming
  // the sequences if it is still behind. On a primary: OK if its sequence
  // is >= min_sequence, else kFailedPrecondition.
  [[nodiscard]] Status CatchUp(uint64_t min_sequence);

 private:
  class WriteTransaction;

  Catalog(std::string path, std::string secondary_path, const CatalogOptions& options,
          std::unique_ptr<rocksdb::DB> db);

  [[nodiscard]] Status InitializeOrCheckFormat();
  [[nodiscard]] Status ReopenSecondary();
  [[nodiscard]] Status RequirePrimary(std::string_view operation) const;
  // Reads one key; nullopt when absent.
  [[nodiscard]] Result<std::optional<std::string>> Get(const std::string& key,
                                                       std::string_view what) const;
  [[nodiscard]] Result<CatalogState> ReadState() const;
  [[nodiscard]] Status CheckReadableAt(uint64_t as_of_sequence) const;
  [[nodiscard]] Result<BlockMeta> DecodeBlockAt(const rocksdb::Iterator& iterator) const;
  [[nodiscard]] Status AddVisibleBlocks(const std::string& start, const std::string& end,
                                        int64_t stop_after_max_time, int64_t min_time,
                                        int64_t max_time, uint64_t as_of_sequence,
                                        std::vector<BlockMeta>* blocks) const;
  [[nodiscard]] Status AddBlock(WriteTransaction* transaction, const BlockMeta& block);
  [[nodiscard]] Status Retire(WriteTransaction* transaction, uint64_t table_id,
                              const std::vector<uint64_t>& block_ids);
  // "catalog <path>: <what>: <cause>" keeping the cause's code.
  Status WithPath(std::string_view what, const Status& cause) const;
  std::string Context(std::string_view operation) const;

  const std::string path_;
  const std::string secondary_path_;  // empty for a primary
  const CatalogOptions options_;
  std::unique_ptr<rocksdb::DB> db_;
  CatalogState state_;  // primary: the last committed state

  mutable std::atomic<uint64_t> block_keys_visited_{0};
  mutable std::atomic<uint64_t> block_seeks_{0};
  std::atomic<uint64_t> catch_up_attempts_{0};
  std::atomic<uint64_t> secondary_reopens_{0};
};

}  // namespace backtrace
