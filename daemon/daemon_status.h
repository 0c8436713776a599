// The daemon's figures as the ingest socket reports them: per-table
// TableStatus entries (ListTables, GetStatus) and the whole DaemonStatus
// (GetStatus, shown by `backtrace status`), made from a MetricsSnapshot.
//
// Stateless functions; loop thread (they only read their arguments).
#pragma once

#include <chrono>
#include <string>

#include "common/config/daemon_config.h"
#include "common/wire/status_messages.h"
#include "daemon/metrics_snapshot.h"

namespace backtrace::daemon {

wire::TableStatus MakeTableStatus(const std::string& name, const TableMetrics& metrics);

// started: when the daemon started, for the uptime.
wire::DaemonStatus MakeDaemonStatus(const MetricsSnapshot& snapshot, const DaemonConfig& config,
                                    std::chrono::steady_clock::time_point started);

}  // namespace backtrace::daemon
