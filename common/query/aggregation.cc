#include "common/query/aggregation.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "common/query/row_sorter.h"
#include "common/query/sample_by.h"

namespace backtrace::query {
namespace {

uint64_t FloatKey(double value) {
  if (value == 0.0) value = 0.0;  // -0.0 and +0.0 are one group
  if (std::isnan(value)) value = std::numeric_limits<double>::quiet_NaN();
  uint64_t bits;
  std::memcpy(&bits, &value, 8);
  return bits;
}

// Rows [first, first + count) of a slice.
ColumnSlice SliceRows(const ColumnSlice& slice, size_t first, size_t count) {
  ColumnSlice part = slice;
  part.rows = count;
  if (slice.type == ColumnType::kString) {
    if (slice.offsets != nullptr) part.offsets = slice.offsets + first;
  } else if (slice.values != nullptr) {
    part.values = static_cast<const char*>(slice.values) + first * 8;
  }
  return part;
}

double FloatFromKey(uint64_t bits) {
  double value;
  std::memcpy(&value, &bits, 8);
  return value;
}

}  // namespace

Aggregation::Aggregation(const QueryPlan& plan, MemoryBudget& budget)
    : plan_(plan),
      budget_(budget),
      table_(std::max<size_t>(1, plan.keys.size())),
      inputs_(plan.schema.columns.size()),
      buffers_(plan.schema.columns.size()),
      key_caches_(plan.keys.size()) {
  bool needs_time = false;
  for (const auto& aggregate : plan.aggregates) {
    ColumnType argument_type = aggregate.kind == AggregateKind::kCountStar
                                   ? ColumnType::kInt64
                                   : aggregate.argument.type;
    states_.push_back(MakeAggregateState(aggregate, argument_type));
    statistics_possible_ &= UsesStatistics(aggregate);
    if (aggregate.kind != AggregateKind::kCountStar) aggregate.argument.CollectSlots(&value_columns_);
    needs_time |= aggregate.kind == AggregateKind::kFirst || aggregate.kind == AggregateKind::kLast;
  }
  for (const auto& key : plan.keys) {
    if (key.is_bucket) needs_time = true;
    else if (key.type != ColumnType::kString) value_columns_.push_back(key.column);
  }
  if (needs_time) value_columns_.push_back(plan.time_column);
  std::sort(value_columns_.begin(), value_columns_.end());
  value_columns_.erase(std::unique(value_columns_.begin(), value_columns_.end()),
                       value_columns_.end());
  if (plan.keys.empty()) {
    for (auto& state : states_) state->Resize(1);
    state_groups_ = 1;
  }
}

Status Aggregation::ResizeStates() {
  size_t groups = GroupCount();
  if (groups != state_groups_) {
    for (auto& state : states_) state->Resize(groups);
    state_groups_ = groups;
  }
  uint64_t bytes = table_.MemoryBytes() + strings_.MemoryBytes();
  for (const auto& state : states_) bytes += state->BytesPerGroup() * groups + state->ExtraBytes();
  return budget_.Set(&account_, bytes,
                     "GROUP BY state of " + std::to_string(groups) + " groups");
}

Result<bool> Aggregation::ConsumeStatistics(ScanBatch& batch) {
  const size_t width = plan_.keys.size();
  uint64_t key[64];
  std::vector<uint64_t> long_key;
  uint64_t* words = key;
  if (width > 64) {
    long_key.resize(width);
    words = long_key.data();
  }
  for (size_t k = 0; k < width; ++k) {
    const GroupKey& group_key = plan_.keys[k];
    ASSIGN_OR_RETURN(const column::GranuleInfo* granule, batch.Granule(group_key.column));
    if (granule == nullptr) return false;
    switch (group_key.type) {
      case ColumnType::kInt64:
      case ColumnType::kTimestamp: {
        int64_t low = std::get<int64_t>(granule->min);
        int64_t high = std::get<int64_t>(granule->max);
        if (group_key.is_bucket) {
          low = BucketStart(low, plan_.bucket_nanos);
          high = BucketStart(high, plan_.bucket_nanos);
        }
        if (low != high) return false;
        words[k] = static_cast<uint64_t>(low);
        break;
      }
      case ColumnType::kUInt64:
        if (granule->min != granule->max) return false;
        words[k] = std::get<uint64_t>(granule->min);
        break;
      case ColumnType::kFloat64: {
        if (granule->has_nan || granule->all_nan) return false;
        double low = std::get<double>(granule->min);
        if (low != std::get<double>(granule->max)) return false;
        words[k] = FloatKey(low);
        break;
      }
      case ColumnType::kString:
        if (granule->min_truncated || granule->max_truncated || granule->min != granule->max) {
          return false;
        }
        words[k] = strings_.Intern(std::get<std::string>(granule->min));
        break;
    }
  }
  std::vector<const column::GranuleInfo*> granules(plan_.aggregates.size(), nullptr);
  for (size_t i = 0; i < plan_.aggregates.size(); ++i) {
    const BoundAggregate& aggregate = plan_.aggregates[i];
    if (aggregate.kind == AggregateKind::kCountStar || aggregate.kind == AggregateKind::kCount) {
      continue;
    }
    ASSIGN_OR_RETURN(granules[i], batch.Granule(aggregate.argument.slot));
    if (granules[i] == nullptr || !StatisticsUsable(aggregate, *granules[i])) return false;
  }
  uint32_t group = width == 0 ? 0 : table_.FindOrAdd(words);
  RETURN_IF_ERROR(ResizeStates());
  for (size_t i = 0; i < states_.size(); ++i) {
    states_[i]->UpdateFromStatistics(granules[i], batch.rows(), group);
  }
  any_rows_ = true;
  ++granules_from_statistics_;
  return true;
}

Status Aggregation::ComputeGroups(ScanBatch& batch, size_t rows) {
  const size_t width = plan_.keys.size();
  const Selection& selection = batch.selection();
  key_words_.resize(rows * width);
  for (size_t k = 0; k < width; ++k) {
    const GroupKey& key = plan_.keys[k];
    uint64_t* words = key_words_.data() + k;
    if (key.is_bucket) {
      ComputeBuckets(inputs_[key.column].data<int64_t>(), rows, plan_.bucket_nanos, words, width);
      continue;
    }
    switch (key.type) {
      case ColumnType::kInt64:
      case ColumnType::kTimestamp:
      case ColumnType::kUInt64: {
        const uint64_t* values = inputs_[key.column].data<uint64_t>();
        for (size_t i = 0; i < rows; ++i) words[i * width] = values[i];
        break;
      }
      case ColumnType::kFloat64: {
        const double* values = inputs_[key.column].data<double>();
        for (size_t i = 0; i < rows; ++i) words[i * width] = FloatKey(values[i]);
        break;
      }
      case ColumnType::kString: {
        ASSIGN_OR_RETURN(std::optional<ScanBatch::Codes> codes, batch.DictionaryCodes(key.column));
        if (codes) {
          KeyCache& cache = key_caches_[k];
          if (cache.file_serial != codes->file_serial) {
            cache.file_serial = codes->file_serial;
            cache.ids.assign(codes->dictionary->size(), -1);
          }
          for (size_t i = 0; i < rows; ++i) {
            uint32_t code = codes->codes[selection.all ? i : selection.indices[i]];
            int64_t& id = cache.ids[code];
            if (id < 0) id = static_cast<int64_t>(strings_.Intern(codes->dictionary->at(code)));
            words[i * width] = static_cast<uint64_t>(id);
          }
          break;
        }
        ASSIGN_OR_RETURN(ColumnSlice values, batch.Column(key.column));
        std::string_view previous;
        uint64_t previous_id = 0;
        for (size_t i = 0; i < rows; ++i) {
          std::string_view value = values.string(selection.all ? i : selection.indices[i]);
          if (i == 0 || value != previous) {
            previous_id = strings_.Intern(value);
            previous = value;
          }
          words[i * width] = previous_id;
        }
        break;
      }
    }
  }
  group_ids_.resize(rows);
  uint32_t previous_group = 0;
  for (size_t i = 0; i < rows; ++i) {
    const uint64_t* key = key_words_.data() + i * width;
    if (i > 0 && std::memcmp(key, key - width, width * 8) == 0) {
      group_ids_[i] = previous_group;
      continue;
    }
    previous_group = table_.FindOrAdd(key);
    group_ids_[i] = previous_group;
  }
  return ResizeStates();
}

Status Aggregation::Consume(ScanBatch& batch, bool* stop) {
  *stop = false;
  if (statistics_possible_ && batch.fully_matching() && !batch.in_memory()) {
    ASSIGN_OR_RETURN(bool answered, ConsumeStatistics(batch));
    if (answered) return Status::Ok();
  }
  const Selection& selection = batch.selection();
  const size_t rows = selection.count();
  for (size_t column : value_columns_) {
    ASSIGN_OR_RETURN(ColumnSlice values, batch.Column(column));
    inputs_[column] = Gather(values, selection, &buffers_[column]);
  }
  const uint32_t* groups = nullptr;
  if (!plan_.keys.empty()) {
    RETURN_IF_ERROR(ComputeGroups(batch, rows));
    groups = group_ids_.data();
  }
  any_rows_ = true;
  // Rows of sorted tables come in long runs of one group: feed each run to
  // the single-group loops.
  runs_.clear();
  if (groups != nullptr) {
    for (size_t i = 0; i < rows && runs_.size() * 32 <= rows; ++i) {
      if (i == 0 || groups[i] != groups[i - 1]) runs_.push_back(i);
    }
    if (runs_.size() * 32 > rows) runs_.clear();
  }
  evaluator_.Reset();
  const int64_t* times = nullptr;
  for (size_t i = 0; i < states_.size(); ++i) {
    const BoundAggregate& aggregate = plan_.aggregates[i];
    ColumnSlice values;
    if (aggregate.kind != AggregateKind::kCountStar) {
      ASSIGN_OR_RETURN(values, evaluator_.Evaluate(aggregate.argument, inputs_, rows));
    }
    if (aggregate.kind == AggregateKind::kFirst || aggregate.kind == AggregateKind::kLast) {
      times = inputs_[plan_.time_column].data<int64_t>();
    }
    if (runs_.empty()) {
      states_[i]->Update(values, times, groups, 0, rows);
      continue;
    }
    for (size_t run = 0; run < runs_.size(); ++run) {
      size_t first = runs_[run];
      size_t count = (run + 1 < runs_.size() ? runs_[run + 1] : rows) - first;
      states_[i]->Update(SliceRows(values, first, count), times ? times + first : nullptr, nullptr,
                         groups[first], count);
    }
  }
  return Status::Ok();
}

Result<std::vector<ColumnVector>> Aggregation::Finish() {
  size_t groups = plan_.keys.empty() ? ((any_rows_ || plan_.single_row_when_empty) ? 1 : 0)
                                     : table_.size();
  RETURN_IF_ERROR(ResizeStates());
  // Slots: the keys, then the aggregates.
  std::vector<ColumnVector> slots;
  for (size_t k = 0; k < plan_.keys.size(); ++k) {
    const GroupKey& key = plan_.keys[k];
    ColumnVector column(key.is_bucket ? ColumnType::kTimestamp : key.type);
    column.Reserve(groups);
    for (size_t g = 0; g < groups; ++g) {
      uint64_t word = table_.key(g)[k];
      switch (column.type()) {
        case ColumnType::kInt64:
        case ColumnType::kTimestamp:
          column.int64s().push_back(static_cast<int64_t>(word));
          break;
        case ColumnType::kUInt64:
          column.uint64s().push_back(word);
          break;
        case ColumnType::kFloat64:
          column.float64s().push_back(FloatFromKey(word));
          break;
        case ColumnType::kString:
          column.strings().push_back(strings_.at(word));
          break;
      }
    }
    slots.push_back(std::move(column));
  }
  for (size_t i = 0; i < states_.size(); ++i) {
    ColumnVector column(plan_.aggregates[i].result_type);
    RETURN_IF_ERROR(states_[i]->Finish(groups, &column));
    slots.push_back(std::move(column));
  }
  std::vector<ColumnSlice> inputs;
  for (const auto& slot : slots) inputs.push_back(ColumnSlice::Of(slot));
  std::vector<ColumnVector> outputs;
  evaluator_.Reset();
  for (const auto& output : plan_.outputs) {
    ColumnVector column(output.expression.type);
    ASSIGN_OR_RETURN(ColumnSlice values, evaluator_.Evaluate(output.expression, inputs, groups));
    AppendSlice(values, &column);
    outputs.push_back(std::move(column));
  }
  if (plan_.order_by.empty() && !plan_.keys.empty() && groups > 1) {
    std::vector<const ColumnVector*> key_columns;
    std::vector<SortKey> keys;
    for (size_t k = 0; k < plan_.keys.size(); ++k) {
      key_columns.push_back(&slots[k]);
      keys.push_back(SortKey{k, false});
    }
    PermuteColumns(SortRows(key_columns, keys, groups, groups), &outputs);
  }
  return outputs;
}

}  // namespace backtrace::query
