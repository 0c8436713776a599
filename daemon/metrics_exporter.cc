#include "daemon/metrics_exporter.h"

#include <exception>
#include <limits>

#include <prometheus/client_metric.h>
#include <prometheus/metric_family.h>
#include <prometheus/metric_type.h>

namespace backtrace::daemon {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

MetricFamily Family(std::string name, std::string help, MetricType type) {
  MetricFamily family;
  family.name = std::move(name);
  family.help = std::move(help);
  family.type = type;
  return family;
}

void AddValue(MetricFamily* family, double value, std::vector<ClientMetric::Label> labels = {}) {
  ClientMetric metric;
  metric.label = std::move(labels);
  if (family->type == MetricType::Counter) {
    metric.counter.value = value;
  } else {
    metric.gauge.value = value;
  }
  family->metric.push_back(std::move(metric));
}

MetricFamily Single(std::string name, std::string help, MetricType type, double value) {
  MetricFamily family = Family(std::move(name), std::move(help), type);
  AddValue(&family, value);
  return family;
}

MetricFamily Histogram(std::string name, std::string help, const HistogramCounts& counts) {
  MetricFamily family = Family(std::move(name), std::move(help), MetricType::Histogram);
  ClientMetric metric;
  metric.histogram.sample_count = counts.count;
  metric.histogram.sample_sum = counts.sum;
  uint64_t cumulative = 0;
  for (size_t bucket = 0; bucket < counts.bucket_counts.size(); ++bucket) {
    cumulative += counts.bucket_counts[bucket];
    ClientMetric::Bucket entry;
    entry.cumulative_count = cumulative;
    entry.upper_bound = bucket < counts.upper_bounds.size()
                            ? counts.upper_bounds[bucket]
                            : std::numeric_limits<double>::infinity();
    metric.histogram.bucket.push_back(entry);
  }
  family.metric.push_back(std::move(metric));
  return family;
}

template <typename Field>
MetricFamily PerTable(std::string name, std::string help, MetricType type,
                      const MetricsSnapshot& snapshot, Field field) {
  MetricFamily family = Family(std::move(name), std::move(help), type);
  for (const auto& [table, metrics] : snapshot.tables) {
    AddValue(&family, static_cast<double>(metrics.*field), {{"table", table}});
  }
  return family;
}

void AddQueryFamilies(const QueryMetrics& q, std::vector<MetricFamily>* families) {
  MetricFamily outcomes = Family("backtrace_queries_total", "Queries answered, by outcome",
                                 MetricType::Counter);
  for (const char* outcome : {"ok", "error", "timeout", "memory", "rejected", "worker_crash"}) {
    auto found = q.outcomes.find(outcome);
    AddValue(&outcomes, found == q.outcomes.end() ? 0 : static_cast<double>(found->second),
             {{"outcome", outcome}});
  }
  families->push_back(std::move(outcomes));
  families->push_back(Histogram("backtrace_query_duration_seconds",
                                "Time from receipt of a query to the end of its answer",
                                q.duration_seconds));
  MetricFamily blocks = Family("backtrace_query_blocks_total",
                               "Blocks that queries skipped by their min/max or read",
                               MetricType::Counter);
  AddValue(&blocks, static_cast<double>(q.blocks_pruned), {{"kind", "pruned"}});
  AddValue(&blocks, static_cast<double>(q.blocks_scanned), {{"kind", "scanned"}});
  families->push_back(std::move(blocks));
  MetricFamily granules = Family("backtrace_query_granules_total",
                                 "Granules of read blocks that queries skipped by their zone "
                                 "maps or read",
                                 MetricType::Counter);
  AddValue(&granules, static_cast<double>(q.granules_skipped), {{"kind", "skipped"}});
  AddValue(&granules, static_cast<double>(q.granules_scanned), {{"kind", "scanned"}});
  families->push_back(std::move(granules));
  families->push_back(Single("backtrace_query_rows_scanned_total", "Rows that queries read",
                             MetricType::Counter, static_cast<double>(q.rows_scanned)));
  families->push_back(Single("backtrace_queries_queued", "Queries waiting for a free worker",
                             MetricType::Gauge, static_cast<double>(q.queued)));
  families->push_back(Single("backtrace_query_workers", "Query worker processes running",
                             MetricType::Gauge, static_cast<double>(q.workers_alive)));
  families->push_back(Single("backtrace_query_worker_restarts_total",
                             "Query worker processes restarted after they died",
                             MetricType::Counter, static_cast<double>(q.worker_restarts)));
  families->push_back(Single("backtrace_query_connections", "Open query connections",
                             MetricType::Gauge, static_cast<double>(q.connections)));
}

}  // namespace

Result<std::shared_ptr<MetricsExporter>> MetricsExporter::Start(const std::string& address) {
  std::shared_ptr<MetricsExporter> exporter(new MetricsExporter());
  try {
    exporter->exposer_ = std::make_unique<prometheus::Exposer>(address, 1);
  } catch (const std::exception& error) {
    return Status::IoError("metrics_listen " + address + ": cannot listen (" + error.what() +
                           "); choose another address or set metrics_listen = \"\"");
  }
  exporter->exposer_->RegisterCollectable(exporter, "/metrics");
  return exporter;
}

void MetricsExporter::Publish(MetricsSnapshot snapshot) {
  std::lock_guard<std::mutex> lock(mutex_);
  snapshot_ = std::move(snapshot);
}

std::vector<MetricFamily> MetricsExporter::Collect() const {
  MetricsSnapshot s;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    s = snapshot_;
  }
  std::vector<MetricFamily> families;
  families.push_back(PerTable("backtrace_ingest_rows_total", "Rows acknowledged, per table",
                              MetricType::Counter, s, &TableMetrics::rows_ingested));
  families.push_back(PerTable("backtrace_ingest_bytes_total",
                              "Bytes of acknowledged batches as received, per table",
                              MetricType::Counter, s, &TableMetrics::bytes_ingested));
  families.push_back(PerTable("backtrace_hot_rows",
                              "Rows held in memory (hot and frozen blocks), per table",
                              MetricType::Gauge, s, &TableMetrics::memory_rows));
  families.push_back(PerTable("backtrace_hot_bytes",
                              "Bytes held in memory (hot and frozen blocks), per table",
                              MetricType::Gauge, s, &TableMetrics::memory_bytes));
  families.push_back(PerTable("backtrace_blocks", "Committed blocks on disk, per table",
                              MetricType::Gauge, s, &TableMetrics::blocks));
  families.push_back(PerTable("backtrace_disk_bytes", "Bytes of column files on disk, per table",
                              MetricType::Gauge, s, &TableMetrics::disk_bytes));
  families.push_back(Single("backtrace_ingest_batches_acknowledged_total",
                            "Append batches acknowledged as durable", MetricType::Counter,
                            static_cast<double>(s.batches_acknowledged)));
  families.push_back(Single("backtrace_ingest_batches_duplicate_total",
                            "Append batches acknowledged again without being applied",
                            MetricType::Counter, static_cast<double>(s.batches_duplicate)));
  MetricFamily rejected = Family("backtrace_ingest_batches_rejected_total",
                                 "Requests answered with an error, by reason", MetricType::Counter);
  for (const auto& [reason, count] : s.batches_rejected) {
    AddValue(&rejected, static_cast<double>(count), {{"reason", reason}});
  }
  families.push_back(std::move(rejected));
  families.push_back(Single("backtrace_wal_bytes_written_total", "WAL bytes made durable",
                            MetricType::Counter, static_cast<double>(s.wal_bytes_written)));
  families.push_back(Single("backtrace_wal_records_written_total", "WAL records made durable",
                            MetricType::Counter, static_cast<double>(s.wal_records_written)));
  families.push_back(Single("backtrace_wal_syncs_total", "WAL fdatasync calls that succeeded",
                            MetricType::Counter, static_cast<double>(s.wal_syncs)));
  families.push_back(Histogram("backtrace_wal_sync_duration_seconds",
                               "Time to write and sync one WAL group", s.wal_sync_seconds));
  families.push_back(Histogram("backtrace_wal_group_commit_records",
                               "Records made durable by one WAL sync", s.group_commit_records));
  families.push_back(Single("backtrace_frozen_blocks", "Frozen blocks waiting for compaction or commit",
                            MetricType::Gauge, static_cast<double>(s.frozen_blocks)));
  families.push_back(Single("backtrace_compactions_total", "Blocks compacted into column files",
                            MetricType::Counter, static_cast<double>(s.compactions)));
  families.push_back(Single("backtrace_compaction_failures_total",
                            "Compactions that answered with an error", MetricType::Counter,
                            static_cast<double>(s.compaction_failures)));
  families.push_back(Histogram("backtrace_compaction_duration_seconds",
                               "Time to compact one block", s.compaction_seconds));
  families.push_back(Single("backtrace_compactor_restarts_total",
                            "Compactor processes restarted after they died", MetricType::Counter,
                            static_cast<double>(s.compactor_restarts)));
  families.push_back(Single("backtrace_ingest_connections", "Open ingest connections",
                            MetricType::Gauge, static_cast<double>(s.connections)));
  families.push_back(Single("backtrace_wal_replay_duration_seconds",
                            "Time the last start-up spent replaying the WAL", MetricType::Gauge,
                            s.wal_replay_seconds));
  families.push_back(Single("backtrace_ingest_paused",
                            "1 while ingestion is paused by backpressure", MetricType::Gauge,
                            s.ingest_paused ? 1 : 0));
  families.push_back(Single("backtrace_writes_stopped",
                            "1 once a WAL failure stopped all writes until restart",
                            MetricType::Gauge, s.writes_stopped ? 1 : 0));
  AddQueryFamilies(s.queries, &families);
  families.push_back(Single("backtrace_wal_failed",
                            "1 once a WAL sync failed: the WAL is not trusted again and "
                            "backtraced must be restarted",
                            MetricType::Gauge, s.wal_failed ? 1 : 0));
  return families;
}

}  // namespace backtrace::daemon
