#include "common/query/query_engine.h"

#include "common/query/aggregation.h"
#include "common/query/binder.h"
#include "common/query/explain.h"
#include "common/query/memory_budget.h"
#include "common/query/parser.h"
#include "common/query/projection.h"
#include "common/query/result_writer.h"
#include "common/query/table_scan.h"

namespace backtrace::query {
namespace {

QueryStatistics StatisticsOf(const ScanCounters& counters) {
  QueryStatistics statistics;
  statistics.rows_scanned = counters.rows_scanned;
  statistics.blocks_total = counters.blocks_total;
  statistics.blocks_scanned = counters.blocks_scanned;
  statistics.blocks_pruned = counters.blocks_total - counters.blocks_scanned;
  statistics.granules_total = counters.granules_total;
  statistics.granules_skipped = counters.granules_skipped;
  return statistics;
}

Status WriteExplain(const std::vector<std::string>& lines, ResultSink& sink, size_t batch_rows,
                    uint64_t* rows_returned) {
  RETURN_IF_ERROR(sink.Begin({ResultColumn{"plan", ColumnType::kString}}));
  batch_rows = std::max<size_t>(1, batch_rows);
  for (size_t first = 0; first < lines.size(); first += batch_rows) {
    std::vector<ColumnVector> batch;
    batch.emplace_back(ColumnType::kString);
    for (size_t i = first; i < std::min(lines.size(), first + batch_rows); ++i) {
      batch[0].strings().push_back(lines[i]);
    }
    RETURN_IF_ERROR(sink.Write(batch));
  }
  *rows_returned = lines.size();
  return Status::Ok();
}

}  // namespace

Result<QueryStatistics> ExecuteQuery(std::string_view sql, Catalogue& catalogue, ResultSink& sink,
                                     const QueryLimits& limits) {
  const auto start = std::chrono::steady_clock::now();
  ASSIGN_OR_RETURN(ast::Statement statement, ParseStatement(sql));
  ASSIGN_OR_RETURN(std::unique_ptr<TableSource> source,
                   catalogue.OpenTable(statement.select.table.text));
  if (source == nullptr) return Status::Internal("Catalogue::OpenTable returned no table");
  ASSIGN_OR_RETURN(QueryPlan plan, Bind(std::move(statement), source->schema(), sql));

  MemoryBudget budget(limits.memory_bytes);
  TableScan scan(plan, *source, start, limits.deadline);
  uint64_t rows_returned = 0;
  if (plan.explain) {
    RETURN_IF_ERROR(scan.Run(nullptr));
    RETURN_IF_ERROR(WriteExplain(ExplainPlan(plan, scan.counters()), sink, limits.batch_rows,
                                 &rows_returned));
  } else {
    ResultWriter writer(plan, sink, limits, budget);
    RETURN_IF_ERROR(writer.Begin());
    const bool nothing_wanted = plan.limit && *plan.limit == 0;
    if (plan.aggregate) {
      Aggregation aggregation(plan, budget);
      if (!nothing_wanted) RETURN_IF_ERROR(scan.Run(&aggregation));
      ASSIGN_OR_RETURN(std::vector<ColumnVector> result, aggregation.Finish());
      RETURN_IF_ERROR(writer.Add(result));
    } else {
      Projection projection(plan, writer);
      if (!nothing_wanted) RETURN_IF_ERROR(scan.Run(&projection));
    }
    RETURN_IF_ERROR(writer.Finish());
    rows_returned = writer.rows_returned();
  }
  QueryStatistics statistics = StatisticsOf(scan.counters());
  statistics.rows_returned = rows_returned;
  statistics.elapsed_nanos = static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start)
          .count());
  return statistics;
}

}  // namespace backtrace::query
