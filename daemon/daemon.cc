#include "daemon/daemon.h"

#include <algorithm>
#include <csignal>
#include <thread>

#include "common/base/file.h"
#include "common/base/log.h"
#include "daemon/daemon_status.h"

namespace backtrace::daemon {

Daemon::Daemon(DaemonConfig config, std::string worker_binary)
    : config_(std::move(config)), worker_binary_(std::move(worker_binary)) {}

Daemon::~Daemon() = default;

Status Daemon::Run() {
  ASSIGN_OR_RETURN(DataDirectory directory, DataDirectory::Open(config_.data_dir));
  directory_ = std::make_unique<DataDirectory>(std::move(directory));
  RETURN_IF_ERROR(io::CreateDirectories(config_.run_dir));
  ::signal(SIGPIPE, SIG_IGN);

  uv_loop_init(&loop_);
  engine_ = std::make_unique<IngestEngine>(&loop_, config_, directory_.get());
  LogInfo("recovering " + config_.data_dir);
  notifier_.Status("Recovering: replaying the WAL of " + config_.data_dir);
  Status recovered = engine_->Recover(worker_binary_);
  if (!recovered.ok()) {
    engine_->Stop();
    uv_run(&loop_, UV_RUN_NOWAIT);
    uv_loop_close(&loop_);
    return recovered;
  }

  IngestServerOptions options;
  options.socket_path = io::JoinPath(config_.run_dir, "ingest.sock");
  options.socket_mode = config_.socket_mode;
  options.socket_group = config_.socket_group;
  options.max_frame_bytes = config_.max_frame_bytes;
  options.max_connections = config_.max_connections;
  server_ = std::make_unique<IngestServer>(&loop_, engine_.get(), options);
  engine_->SetPressureCallback([this](bool pressure) {
    if (shutting_down_) return;
    if (pressure) {
      server_->PauseReading();
    } else {
      server_->ResumeReading();
    }
  });
  engine_->SetStatusProvider([this] {
    MetricsSnapshot snapshot = engine_->Snapshot();
    snapshot.connections = server_->connection_count();
    return MakeDaemonStatus(snapshot, config_, started_);
  });
  Status listening = server_->Listen();
  if (!listening.ok()) return AbortStartup(listening);
  Status queries = StartQueries();
  if (!queries.ok()) return AbortStartup(queries);

  if (!config_.metrics_listen.empty()) {
    auto exporter = MetricsExporter::Start(config_.metrics_listen);
    if (!exporter.ok()) return AbortStartup(exporter.status());
    metrics_ = std::move(*exporter);
    PublishMetrics();
    LogInfo("metrics: http://" + config_.metrics_listen + "/metrics");
  }

  uv_signal_init(&loop_, &terminate_signal_);
  terminate_signal_.data = this;
  uv_signal_start(&terminate_signal_, &Daemon::OnSignal, SIGTERM);
  uv_signal_init(&loop_, &interrupt_signal_);
  interrupt_signal_.data = this;
  uv_signal_start(&interrupt_signal_, &Daemon::OnSignal, SIGINT);
  uv_timer_init(&loop_, &tick_);
  tick_.data = this;
  uv_timer_start(&tick_, &Daemon::OnTick, 200, 200);

  notifier_.StartWatchdog(&loop_);
  std::string sockets = "ingest socket " + options.socket_path + ", query socket " +
                        io::JoinPath(config_.run_dir, "query.sock");
  LogInfo("ready: " + sockets);
  notifier_.Ready("Ready: " + sockets);
  uv_run(&loop_, UV_RUN_DEFAULT);
  int closed = uv_loop_close(&loop_);
  if (closed != 0) LogWarning(std::string("event loop closed with handles open: ") + uv_strerror(closed));
  LogInfo("stopped");
  return Status::Ok();
}

Status Daemon::StartQueries() {
  QueryWorkerPoolOptions pool_options;
  pool_options.worker_binary = worker_binary_;
  pool_options.data_dir = config_.data_dir;
  pool_options.workers = config_.query_workers != 0
                             ? config_.query_workers
                             : std::max<size_t>(1, std::thread::hardware_concurrency());
  pool_options.log_level = config_.log_level;
  query_pool_ = std::make_unique<QueryWorkerPool>(&loop_, pool_options, [this] {
    if (query_server_) query_server_->Pump();
  });
  RETURN_IF_ERROR(query_pool_->Start());

  QueryServerOptions options;
  options.socket = {io::JoinPath(config_.run_dir, "query.sock"), config_.socket_mode,
                    config_.socket_group};
  options.max_frame_bytes = config_.max_frame_bytes;
  options.max_connections = config_.max_connections;
  options.max_queued_queries = config_.max_queued_queries;
  options.query_timeout = config_.query_timeout;
  options.query_memory_bytes = config_.query_memory_bytes;
  query_server_ = std::make_unique<QueryServer>(
      &loop_, options, query_pool_.get(),
      [this](std::string_view table) { return engine_->HasTable(table); },
      [this](std::string_view table) { return engine_->SnapshotForQuery(table); });
  return query_server_->Listen();
}

Status Daemon::AbortStartup(Status status) {
  engine_->Stop();
  server_->CloseAll();
  if (query_server_) query_server_->CloseAll();
  if (query_pool_) query_pool_->Stop();
  uv_run(&loop_, UV_RUN_DEFAULT);
  uv_loop_close(&loop_);
  return status;
}

void Daemon::OnSignal(uv_signal_t* handle, int signal_number) {
  auto* self = static_cast<Daemon*>(handle->data);
  if (self->shutting_down_) {
    LogWarning("second signal: exiting now; the WAL holds every acknowledged row");
    std::_Exit(0);
  }
  LogInfo(std::string("received ") + (signal_number == SIGTERM ? "SIGTERM" : "SIGINT") +
          ", shutting down");
  self->BeginShutdown();
}

void Daemon::OnTick(uv_timer_t* handle) {
  auto* self = static_cast<Daemon*>(handle->data);
  if (self->shutting_down_) {
    self->ContinueShutdown();
    return;
  }
  self->engine_->FreezeOldBlocks();
  self->PublishMetrics();
}

void Daemon::PublishMetrics() {
  if (!metrics_) return;
  MetricsSnapshot snapshot = engine_->Snapshot();
  snapshot.connections = server_->connection_count();
  if (query_server_) snapshot.queries = query_server_->Metrics();
  metrics_->Publish(std::move(snapshot));
}

void Daemon::BeginShutdown() {
  shutting_down_ = true;
  notifier_.Stopping();
  shutdown_started_ = std::chrono::steady_clock::now();
  server_->StopAccepting();
  server_->PauseReading();
  query_server_->StopAccepting();
  ContinueShutdown();
}

void Daemon::ContinueShutdown() {
  // Answer every batch already received before freezing.
  if (engine_->HasAppendsInFlight()) return;
  if (!frozen_for_shutdown_) {
    frozen_for_shutdown_ = true;
    engine_->FreezeAll();
  }
  engine_->FreezeOldBlocks();
  bool timed_out = std::chrono::steady_clock::now() - shutdown_started_ >= config_.shutdown_timeout;
  if (engine_->HasUncommittedBlocks() && !timed_out) return;
  if (timed_out && engine_->HasUncommittedBlocks()) {
    LogWarning("shutdown_timeout passed with blocks not yet compacted; they stay in the WAL");
  }
  FinishShutdown();
}

void Daemon::FinishShutdown() {
  notifier_.StopWatchdog();
  uv_timer_stop(&tick_);
  uv_close(reinterpret_cast<uv_handle_t*>(&tick_), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&terminate_signal_), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&interrupt_signal_), nullptr);
  server_->CloseAll();
  query_server_->CloseAll();
  query_pool_->Stop();
  engine_->Stop();
}

}  // namespace backtrace::daemon
