#include "common/query/explain.h"

#include "common/query/aggregates.h"
#include "common/text/timestamp_format.h"

namespace backtrace::query {
namespace {

std::string Join(const std::vector<std::string>& parts, std::string_view separator) {
  std::string text;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) text += separator;
    text += parts[i];
  }
  return text;
}

std::string TimeText(int64_t nanos) { return FormatTimestamp(nanos); }

}  // namespace

std::vector<std::string> ExplainPlan(const QueryPlan& plan, const ScanCounters& counters) {
  std::vector<std::string> lines;
  const TableSchema& schema = plan.schema;
  lines.push_back("Scan " + schema.name);
  std::vector<std::string> columns;
  for (size_t column : plan.scan_columns) columns.push_back(schema.columns[column].name);
  lines.push_back("  columns read: " + (columns.empty() ? std::string("none") : Join(columns, ", ")));
  if (plan.empty_time_range) {
    lines.push_back("  time range: empty (no row can match)");
  } else if (plan.min_time == INT64_MIN && plan.max_time == INT64_MAX) {
    lines.push_back("  time range: all");
  } else {
    lines.push_back("  time range: " + schema.time_column + " from " +
                    (plan.min_time == INT64_MIN ? std::string("the beginning") : TimeText(plan.min_time)) +
                    " to " + (plan.max_time == INT64_MAX ? std::string("the end") : TimeText(plan.max_time)) +
                    " (inclusive)");
  }
  if (!plan.predicates.empty()) {
    std::vector<std::string> filters;
    for (const auto& predicate : plan.predicates) filters.push_back(predicate.text);
    lines.push_back("  filter: " + Join(filters, " AND "));
  }
  if (plan.aggregate) {
    std::vector<std::string> aggregates;
    bool statistics = true;
    for (const auto& aggregate : plan.aggregates) {
      aggregates.push_back(aggregate.text);
      statistics &= UsesStatistics(aggregate);
    }
    lines.push_back("Aggregate: " + (aggregates.empty() ? std::string("none") : Join(aggregates, ", ")));
    std::vector<std::string> keys;
    for (const auto& key : plan.keys) {
      keys.push_back(key.is_bucket ? "SAMPLE BY bucket of " + key.name + " (" +
                                         std::to_string(plan.bucket_nanos) + " ns)"
                                   : key.name);
    }
    if (!keys.empty()) lines.push_back("  group keys: " + Join(keys, ", "));
    if (statistics) {
      lines.push_back("  granules that match wholly with constant keys are read from their "
                      "statistics");
    }
  } else {
    lines.push_back("Project");
  }
  std::vector<std::string> outputs;
  for (const auto& output : plan.outputs) {
    outputs.push_back(output.name + " " + std::string(ColumnTypeName(output.expression.type)) +
                      (output.hidden ? " (for ORDER BY only)" : ""));
  }
  lines.push_back("  output: " + Join(outputs, ", "));
  if (!plan.order_by.empty()) {
    std::vector<std::string> keys;
    for (const auto& key : plan.order_by) {
      keys.push_back(plan.outputs[key.output].name + (key.descending ? " DESC" : " ASC"));
    }
    lines.push_back("Order by: " + Join(keys, ", ") + (plan.limit ? " (keeping the first " + std::to_string(*plan.limit) + ")" : ""));
  } else if (plan.aggregate && !plan.keys.empty()) {
    lines.push_back("Order by: the group keys");
  }
  if (plan.limit) lines.push_back("Limit: " + std::to_string(*plan.limit));
  lines.push_back("Pruning:");
  uint64_t persisted = counters.blocks_total - counters.in_memory_blocks;
  lines.push_back("  blocks: " + std::to_string(counters.blocks_total) + " total (" +
                  std::to_string(persisted) + " persisted, " +
                  std::to_string(counters.in_memory_blocks) + " in memory), " +
                  std::to_string(counters.blocks_outside_range) + " outside the time range, " +
                  std::to_string(counters.blocks_pruned_by_stats) + " pruned by column min/max, " +
                  std::to_string(counters.blocks_scanned) + " to scan");
  uint64_t filtered = counters.granules_total - counters.granules_skipped -
                      counters.granules_fully_matching;
  lines.push_back("  granules: " + std::to_string(counters.granules_total) +
                  " in the blocks to scan, " + std::to_string(counters.granules_skipped) +
                  " skipped by zone maps, " + std::to_string(counters.granules_fully_matching) +
                  " matching wholly, " + std::to_string(filtered) + " to filter row by row");
  lines.push_back("  rows: " + std::to_string(counters.rows_scanned) + " to scan (" +
                  std::to_string(counters.in_memory_rows) + " in memory)");
  return lines;
}

}  // namespace backtrace::query
