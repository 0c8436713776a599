#include "tests/testing/stored_rows.h"

#include <algorithm>

#include "common/base/coding.h"
#include "common/catalog/catalog.h"
#include "common/column/column_file_reader.h"
#include "common/wal/wal_replay.h"
#include "common/wire/ingest_messages.h"

namespace backtrace::testing {

Result<StoredRows> ReadStoredTimes(const std::string& data_dir, const std::string& table) {
  StoredRows rows;
  ASSIGN_OR_RETURN(auto catalog, Catalog::OpenPrimary(data_dir + "/catalog"));
  ASSIGN_OR_RETURN(TableInfo info, catalog->GetTable(table));
  ASSIGN_OR_RETURN(uint64_t sequence, catalog->CurrentSequence());
  ASSIGN_OR_RETURN(auto blocks, catalog->AllBlocks(info.table_id, sequence));
  for (const auto& block : blocks) {
    std::string path = data_dir + "/tables/" + std::to_string(info.table_id) + "/" +
                       std::to_string(block.block_id) + "/" + info.schema.time_column + ".col";
    ASSIGN_OR_RETURN(auto reader, column::ColumnFileReader::Open(path));
    ColumnVector times(ColumnType::kTimestamp);
    RETURN_IF_ERROR(reader->ReadAll(&times));
    if (times.size() != block.row_count) {
      return Status::Corruption(path + " holds " + std::to_string(times.size()) +
                                " rows; the catalog says " + std::to_string(block.row_count));
    }
    rows.persisted.insert(rows.persisted.end(), times.int64s().begin(), times.int64s().end());
    ++rows.blocks;
  }
  ASSIGN_OR_RETURN(uint64_t checkpoint, catalog->GetWalCheckpoint());
  std::string aligned;
  auto visit = [&](uint64_t lsn, uint8_t type, std::string_view payload) -> Status {
    if (type != 1 || payload.size() < 8) return Status::Ok();
    uint64_t table_id = coding::DecodeFixed64(reinterpret_cast<const uint8_t*>(payload.data()));
    if (table_id != info.table_id || lsn <= info.wal_watermark) return Status::Ok();
    aligned.assign(payload.substr(8));
    ASSIGN_OR_RETURN(const fb::Request* request, wire::VerifyRequest(aligned));
    const fb::Append* append = request->body_as_Append();
    if (append == nullptr) return Status::Corruption("WAL record is not an Append");
    for (const fb::ColumnData* column : *append->columns()) {
      if (column->name()->str() != info.schema.time_column) continue;
      const auto* values = column->values_as_Int64Vector()->values();
      rows.in_wal.insert(rows.in_wal.end(), values->begin(), values->end());
    }
    ++rows.wal_records;
    return Status::Ok();
  };
  wal::ReplayReport report;
  RETURN_IF_ERROR(wal::Replay(data_dir + "/wal", std::max<uint64_t>(checkpoint, 1), visit,
                              /*repair_torn_tail=*/false, &report));
  return rows;
}

}  // namespace backtrace::testing
