#include "common/query/table_scan.h"

#include <limits>

#include "common/column/column_file_format.h"
#include "common/query/block_reader.h"
#include "common/query/filter_kernels.h"

namespace backtrace::query {
namespace {

std::string DescribeSeconds(std::chrono::steady_clock::duration elapsed) {
  double seconds = std::chrono::duration<double>(elapsed).count();
  char text[32];
  std::snprintf(text, sizeof(text), "%.3fs", seconds);
  return text;
}

}  // namespace

Result<const column::GranuleInfo*> ScanBatch::Granule(size_t column) {
  if (block_ == nullptr) return static_cast<const column::GranuleInfo*>(nullptr);
  ASSIGN_OR_RETURN(const column::ColumnFileReader* reader, block_->Reader(column));
  return &reader->granule(granule_);
}

Result<ColumnSlice> ScanBatch::Column(size_t column) {
  if (block_ != nullptr) return block_->Decode(column, granule_);
  ColumnSlice slice;
  slice.type = view_->type(column);
  slice.rows = rows_;
  switch (slice.type) {
    case ColumnType::kInt64:
    case ColumnType::kTimestamp:
      slice.values = view_->Int64s(column).data() + first_row_;
      break;
    case ColumnType::kUInt64:
      slice.values = view_->UInt64s(column).data() + first_row_;
      break;
    case ColumnType::kFloat64:
      slice.values = view_->Float64s(column).data() + first_row_;
      break;
    case ColumnType::kString:
      slice.offsets = view_->StringOffsets(column).data() + first_row_;
      slice.bytes = view_->StringBytes(column);
      break;
  }
  return slice;
}

Result<std::optional<ScanBatch::Codes>> ScanBatch::DictionaryCodes(size_t column) {
  if (block_ == nullptr) return std::optional<Codes>();
  Codes codes;
  RETURN_IF_ERROR(block_->Codes(column, granule_, &codes.codes, &codes.dictionary, &codes.file_serial));
  if (codes.codes == nullptr) return std::optional<Codes>();
  return std::optional<Codes>(codes);
}

TableScan::TableScan(const QueryPlan& plan, TableSource& source,
                     std::chrono::steady_clock::time_point start,
                     std::chrono::steady_clock::time_point deadline)
    : plan_(plan),
      source_(source),
      start_(start),
      deadline_(deadline),
      dictionary_matches_(plan.predicates.size()) {}

TableScan::~TableScan() = default;

Status TableScan::CheckDeadline() const {
  auto now = std::chrono::steady_clock::now();
  if (now > deadline_) {
    return Status::Aborted("query timeout after " + DescribeSeconds(now - start_) +
                           " (the query's deadline passed)");
  }
  return Status::Ok();
}

Status TableScan::Run(BatchConsumer* consumer) {
  const TableSchema& schema = plan_.schema;
  std::vector<const hot::HotBlockView*> in_memory;
  for (const auto* view : source_.InMemoryBlocks()) {
    if (view == nullptr) continue;
    if (view->column_count() != schema.columns.size()) {
      return Status::Corruption("in-memory block " + std::to_string(view->block_sequence()) +
                                " of table " + schema.name + " has " +
                                std::to_string(view->column_count()) + " columns, the schema " +
                                std::to_string(schema.columns.size()));
    }
    for (size_t column = 0; column < schema.columns.size(); ++column) {
      if (view->type(column) != schema.columns[column].type) {
        return Status::Corruption("in-memory block " + std::to_string(view->block_sequence()) +
                                  " of table " + schema.name + ": column " +
                                  schema.columns[column].name + " has another type than the schema");
      }
    }
    in_memory.push_back(view);
  }

  uint64_t persisted_total = 0;
  std::vector<BlockMeta> blocks;
  if (plan_.empty_time_range) {
    auto listed = source_.ListBlocks(INT64_MIN, INT64_MIN, &persisted_total);
    if (!listed.ok()) return listed.status();
  } else {
    ASSIGN_OR_RETURN(blocks, source_.ListBlocks(plan_.min_time, plan_.max_time, &persisted_total));
  }
  counters_.blocks_total = persisted_total + in_memory.size();
  counters_.blocks_outside_range =
      persisted_total > blocks.size() ? persisted_total - blocks.size() : 0;
  counters_.in_memory_blocks = in_memory.size();

  bool stop = false;
  for (const BlockMeta& block : blocks) {
    RETURN_IF_ERROR(CheckDeadline());
    RETURN_IF_ERROR(ScanBlock(block, consumer, &stop));
    if (stop) return Status::Ok();
  }
  if (plan_.empty_time_range) return Status::Ok();
  for (const auto* view : in_memory) {
    RETURN_IF_ERROR(ScanInMemory(*view, consumer, &stop));
    if (stop) return Status::Ok();
  }
  return Status::Ok();
}

Status TableScan::ScanBlock(const BlockMeta& block, BatchConsumer* consumer, bool* stop) {
  const TableSchema& schema = plan_.schema;
  const size_t predicate_count = plan_.predicates.size();
  // Per predicate: decided for the whole block (kAll), or to be looked at
  // per granule (kSome).
  std::vector<ZoneMatch> block_match(predicate_count, ZoneMatch::kSome);
  bool have_stats = block.columns.size() == schema.columns.size();
  for (size_t i = 0; i < predicate_count && have_stats; ++i) {
    std::optional<size_t> column = plan_.predicates[i].column();
    if (!column || block.columns[*column].column_index != *column) continue;
    block_match[i] = EvaluateZone(plan_.predicates[i], schema.columns[*column].type,
                                  ZoneMap::FromBlock(block.columns[*column]));
    if (block_match[i] == ZoneMatch::kNone) {
      ++counters_.blocks_pruned_by_stats;
      return Status::Ok();
    }
  }
  ++counters_.blocks_scanned;

  BlockReader reader(source_, block, schema, &next_file_serial_);
  // The granule layout comes from the first column the scan needs: that of
  // a predicate still undecided, else any column read, else the time column.
  size_t layout_column = plan_.scan_columns.empty() ? plan_.time_column : plan_.scan_columns.front();
  for (size_t i = 0; i < predicate_count; ++i) {
    if (block_match[i] != ZoneMatch::kAll && plan_.predicates[i].column()) {
      layout_column = *plan_.predicates[i].column();
      break;
    }
  }
  RETURN_IF_ERROR(reader.Reader(layout_column).status());
  const size_t granules = reader.granule_count();
  counters_.granules_total += granules;

  ScanBatch batch;
  batch.block_ = &reader;
  std::vector<size_t> pending;  // predicates still to apply in this granule
  for (size_t granule = 0; granule < granules; ++granule) {
    RETURN_IF_ERROR(CheckDeadline());
    bool skip = false;
    pending.clear();
    for (size_t i = 0; i < predicate_count && !skip; ++i) {
      if (block_match[i] == ZoneMatch::kAll) continue;
      std::optional<size_t> column = plan_.predicates[i].column();
      if (!column) {
        pending.push_back(i);
        continue;
      }
      ASSIGN_OR_RETURN(const column::ColumnFileReader* file, reader.Reader(*column));
      ZoneMatch match = EvaluateZone(plan_.predicates[i], schema.columns[*column].type,
                                     ZoneMap::FromGranule(file->granule(granule)));
      if (match == ZoneMatch::kNone) skip = true;
      if (match == ZoneMatch::kSome) pending.push_back(i);
    }
    if (skip) {
      ++counters_.granules_skipped;
      continue;
    }
    const uint32_t rows = reader.granule_rows(granule);
    counters_.rows_scanned += rows;
    if (pending.empty()) ++counters_.granules_fully_matching;
    if (consumer == nullptr) continue;

    batch.granule_ = granule;
    batch.first_row_ = reader.granule_first_row(granule);
    batch.rows_ = rows;
    batch.fully_matching_ = pending.empty();
    batch.selection_.Reset(rows);
    for (size_t i : pending) {
      RETURN_IF_ERROR(ApplyPredicate(i, &batch));
      if (batch.selection_.count() == 0) break;
    }
    if (batch.selection_.count() == 0) continue;
    RETURN_IF_ERROR(consumer->Consume(batch, stop));
    if (*stop) return Status::Ok();
  }
  return Status::Ok();
}

Status TableScan::ScanInMemory(const hot::HotBlockView& view, BatchConsumer* consumer, bool* stop) {
  ++counters_.blocks_scanned;
  counters_.in_memory_rows += view.row_count();
  const uint64_t chunk = column::kDefaultGranuleRows;
  ScanBatch batch;
  batch.view_ = &view;
  for (uint64_t first = 0; first < view.row_count(); first += chunk) {
    RETURN_IF_ERROR(CheckDeadline());
    const size_t rows = static_cast<size_t>(std::min<uint64_t>(chunk, view.row_count() - first));
    ++counters_.granules_total;
    counters_.rows_scanned += rows;
    if (consumer == nullptr) continue;
    batch.first_row_ = first;
    batch.rows_ = rows;
    batch.fully_matching_ = plan_.predicates.empty();
    batch.selection_.Reset(rows);
    for (size_t i = 0; i < plan_.predicates.size(); ++i) {
      RETURN_IF_ERROR(ApplyPredicate(i, &batch));
      if (batch.selection_.count() == 0) break;
    }
    if (batch.selection_.count() == 0) continue;
    RETURN_IF_ERROR(consumer->Consume(batch, stop));
    if (*stop) return Status::Ok();
  }
  return Status::Ok();
}

Status TableScan::ApplyPredicate(size_t index, ScanBatch* batch) {
  const BoundPredicate& predicate = plan_.predicates[index];
  Selection* selection = &batch->selection_;
  if (std::optional<size_t> column = predicate.column()) {
    if (predicate.subject.type == ColumnType::kString) {
      ASSIGN_OR_RETURN(std::optional<ScanBatch::Codes> codes, batch->DictionaryCodes(*column));
      if (codes) {
        DictionaryMatches& matches = dictionary_matches_[index];
        if (matches.file_serial != codes->file_serial) {
          matches.matches = MatchDictionary(predicate, *codes->dictionary);
          matches.file_serial = codes->file_serial;
        }
        FilterCodes(codes->codes, matches.matches, selection);
        return Status::Ok();
      }
    }
    ASSIGN_OR_RETURN(ColumnSlice values, batch->Column(*column));
    FilterRows(predicate, values, selection);
    return Status::Ok();
  }
  // An expression: evaluate it over the selected rows, then filter.
  std::vector<size_t> slots;
  predicate.subject.CollectSlots(&slots);
  std::vector<ColumnSlice> inputs(plan_.schema.columns.size());
  if (gather_buffers_.size() < plan_.schema.columns.size()) {
    gather_buffers_.resize(plan_.schema.columns.size());
  }
  for (size_t slot : slots) {
    ASSIGN_OR_RETURN(ColumnSlice values, batch->Column(slot));
    inputs[slot] = Gather(values, *selection, &gather_buffers_[slot]);
  }
  evaluator_.Reset();
  ASSIGN_OR_RETURN(ColumnSlice values, evaluator_.Evaluate(predicate.subject, inputs,
                                                           selection->count()));
  FilterCompacted(predicate, values, selection);
  return Status::Ok();
}

}  // namespace backtrace::query
