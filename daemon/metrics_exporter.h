// MetricsExporter: the Prometheus endpoint of backtraced (GET /metrics on
// metrics_listen, default 127.0.0.1:9470). It serves the latest
// MetricsSnapshot that the loop thread published, in the Prometheus text
// format, under names following Prometheus conventions (backtrace_ prefix,
// base units, _total counters, _seconds histograms). Symbols are never
// labels; tables and rejection reasons are.
//
// Publish runs on the loop thread; Collect on the HTTP server's threads.
// The exporter owns its HTTP server.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <prometheus/collectable.h>
#include <prometheus/exposer.h>

#include "common/base/status.h"
#include "daemon/metrics_snapshot.h"

namespace backtrace::daemon {

class MetricsExporter : public prometheus::Collectable {
 public:
  // Listens on `address` ("host:port"; "[::1]:port" for IPv6). Errors: the
  // address is malformed or cannot be bound (in use, no permission), named.
  static Result<std::shared_ptr<MetricsExporter>> Start(const std::string& address);

  void Publish(MetricsSnapshot snapshot);
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  MetricsExporter() = default;
  std::unique_ptr<prometheus::Exposer> exposer_;
  mutable std::mutex mutex_;
  MetricsSnapshot snapshot_;
};

}  // namespace backtrace::daemon
