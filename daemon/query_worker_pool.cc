#include "daemon/query_worker_pool.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>

#include "common/base/log.h"

namespace backtrace::daemon {

struct QueryWorkerPool::Slot {
  QueryWorkerPool* pool = nullptr;
  size_t index = 0;
  pid_t pid = -1;
  std::unique_ptr<ipc::MessageChannel> channel;
  uv_poll_t* poll = nullptr;  // one per channel; freed by its close callback
  uv_timer_t restart_timer{};
  uv_timer_t deadline_timer{};
  std::chrono::milliseconds backoff{100};
  bool busy = false;
  QueryJob job;
  DoneCallback done;
  bool output_started = false;
  bool killed_for_deadline = false;
};

namespace {

constexpr int kControlDescriptor = 3;

std::string DescribeExit(int status) {
  if (WIFSIGNALED(status)) {
    return std::string("killed by signal ") + std::to_string(WTERMSIG(status)) + " (" +
           ::strsignal(WTERMSIG(status)) + ")";
  }
  if (WIFEXITED(status)) return "exited with code " + std::to_string(WEXITSTATUS(status));
  return "ended";
}

void ClosePoll(uv_poll_t* poll) {
  uv_poll_stop(poll);
  uv_close(reinterpret_cast<uv_handle_t*>(poll),
           [](uv_handle_t* handle) { delete reinterpret_cast<uv_poll_t*>(handle); });
}

}  // namespace

QueryWorkerPool::QueryWorkerPool(uv_loop_t* loop, QueryWorkerPoolOptions options,
                                 IdleCallback idle)
    : loop_(loop), options_(std::move(options)), idle_(std::move(idle)) {}

QueryWorkerPool::~QueryWorkerPool() = default;

Status QueryWorkerPool::Start() {
  size_t count = options_.workers == 0 ? 1 : options_.workers;
  for (size_t index = 0; index < count; ++index) {
    auto slot = std::make_unique<Slot>();
    slot->pool = this;
    slot->index = index;
    uv_timer_init(loop_, &slot->restart_timer);
    slot->restart_timer.data = slot.get();
    uv_timer_init(loop_, &slot->deadline_timer);
    slot->deadline_timer.data = slot.get();
    Slot* raw = slot.get();
    slots_.push_back(std::move(slot));
    RETURN_IF_ERROR(Spawn(raw));
  }
  return Status::Ok();
}

Status QueryWorkerPool::Spawn(Slot* slot) {
  int daemon_end = -1, child_end = -1;
  RETURN_IF_ERROR(ipc::MessageChannel::CreatePair(&daemon_end, &child_end));
  std::vector<std::string> arguments = {
      options_.worker_binary, "--role",         "query",
      "--control-fd",         std::to_string(kControlDescriptor),
      "--data-dir",           options_.data_dir, "--worker-index",
      std::to_string(slot->index), "--log-level", options_.log_level};
  std::vector<char*> argv;
  for (auto& argument : arguments) argv.push_back(argument.data());
  argv.push_back(nullptr);
  pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid < 0) {
    int error = errno;
    ::close(daemon_end);
    ::close(child_end);
    return Status::FromErrno(error, "fork query worker");
  }
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(1);
    if (child_end == kControlDescriptor) {
      ::fcntl(child_end, F_SETFD, 0);
    } else if (::dup2(child_end, kControlDescriptor) < 0) {
      ::_exit(127);
    }
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(child_end);
  slot->pid = pid;
  slot->channel = std::make_unique<ipc::MessageChannel>(daemon_end);
  slot->poll = new uv_poll_t();
  uv_poll_init(loop_, slot->poll, daemon_end);
  // uv_poll_init made the socket non-blocking; the channel reads a whole
  // message once the poll says it is readable, and sends block.
  int flags = ::fcntl(daemon_end, F_GETFL);
  if (flags >= 0) ::fcntl(daemon_end, F_SETFL, flags & ~O_NONBLOCK);
  slot->poll->data = slot;
  uv_poll_start(slot->poll, UV_READABLE, [](uv_poll_t* handle, int, int) {
    auto* readable = static_cast<Slot*>(handle->data);
    readable->pool->OnReadable(readable);
  });
  LogDebug("started query worker " + std::to_string(slot->index) + " (pid " + std::to_string(pid) +
           ")");
  return Status::Ok();
}

bool QueryWorkerPool::HasIdleWorker() const {
  for (const auto& slot : slots_) {
    if (slot->channel && !slot->busy) return true;
  }
  return false;
}

size_t QueryWorkerPool::alive() const {
  size_t count = 0;
  for (const auto& slot : slots_) count += slot->channel ? 1 : 0;
  return count;
}

std::vector<int> QueryWorkerPool::worker_pids() const {
  std::vector<int> pids;
  for (const auto& slot : slots_) pids.push_back(slot->pid);
  return pids;
}

Status QueryWorkerPool::Assign(QueryJob job, DoneCallback done) {
  Slot* slot = nullptr;
  for (auto& candidate : slots_) {
    if (candidate->channel && !candidate->busy) {
      slot = candidate.get();
      break;
    }
  }
  if (slot == nullptr) return Status::Busy("no query worker is free");
  std::vector<int> descriptors;
  job.assignment.blocks.clear();
  for (const SnapshotBlock& block : job.snapshot.blocks) {
    job.assignment.blocks.push_back({block.row_count, block.block->block_sequence()});
    descriptors.push_back(block.block->descriptor());
  }
  auto now = std::chrono::steady_clock::now();
  job.assignment.remaining = job.deadline == std::chrono::steady_clock::time_point::max()
                                 ? std::chrono::nanoseconds(0)
                                 : std::max(std::chrono::nanoseconds(1),
                                            std::chrono::nanoseconds(job.deadline - now));
  Status sent =
      ipc::SendQueryAssignment(*slot->channel, job.assignment, job.client_descriptor, descriptors);
  if (!sent.ok()) {
    WorkerDied(slot, "cannot hand it a query: " + sent.ToString());
    return sent;
  }
  slot->busy = true;
  slot->output_started = false;
  slot->killed_for_deadline = false;
  if (job.deadline != std::chrono::steady_clock::time_point::max()) {
    auto until = std::chrono::duration_cast<std::chrono::milliseconds>(job.deadline - now) +
                 options_.overrun_grace;
    uv_timer_start(&slot->deadline_timer, [](uv_timer_t* timer) {
      auto* late = static_cast<Slot*>(timer->data);
      if (!late->busy || late->pid <= 0) return;
      LogWarning("query worker " + std::to_string(late->index) + " (pid " +
                 std::to_string(late->pid) + ") is still running query " +
                 std::to_string(late->job.assignment.request_id) + " " +
                 std::to_string(late->pool->options_.overrun_grace.count()) +
                 " ms past its deadline; killing it");
      late->killed_for_deadline = true;
      ::kill(late->pid, SIGKILL);
    }, static_cast<uint64_t>(std::max<int64_t>(0, until.count())), 0);
  }
  slot->job = std::move(job);
  slot->done = std::move(done);
  return Status::Ok();
}

void QueryWorkerPool::OnReadable(Slot* slot) {
  if (!slot->channel) return;
  auto message = slot->channel->Receive();
  if (!message.ok()) {
    WorkerDied(slot, message.status().ToString());
    return;
  }
  auto report = ipc::DecodeWorkerReport(message->payload);
  if (!report.ok()) {
    WorkerDied(slot, report.status().ToString());
    return;
  }
  uint64_t expected = slot->job.assignment.request_id;
  if (const auto* started = std::get_if<ipc::QueryOutputStarted>(&*report)) {
    if (slot->busy && started->request_id == expected) slot->output_started = true;
    return;
  }
  auto& finished = std::get<ipc::QueryFinished>(*report);
  if (!slot->busy || finished.request_id != expected) {
    WorkerDied(slot, "reported the end of query " + std::to_string(finished.request_id) +
                         ", which it was not running");
    return;
  }
  QueryOutcome outcome;
  outcome.request_id = finished.request_id;
  outcome.status = std::move(finished.status);
  outcome.timed_out = finished.timed_out;
  outcome.output_started = slot->output_started;
  outcome.answer_complete = finished.answer_complete;
  outcome.statistics = finished.statistics;
  outcome.worker_pid = slot->pid;
  slot->backoff = std::chrono::milliseconds(100);
  Finish(slot, std::move(outcome));
  if (idle_ && !stopped_) idle_();
}

void QueryWorkerPool::Finish(Slot* slot, QueryOutcome outcome) {
  uv_timer_stop(&slot->deadline_timer);
  slot->busy = false;
  // The worker has unmapped the blocks: release them before anything else
  // runs, so that the ingest engine may reuse them.
  QueryJob job = std::move(slot->job);
  slot->job = QueryJob();
  job.snapshot.blocks.clear();
  DoneCallback done = std::move(slot->done);
  slot->done = nullptr;
  if (done) done(std::move(outcome));
}

void QueryWorkerPool::WorkerDied(Slot* slot, const std::string& reason) {
  if (slot->poll != nullptr) {
    ClosePoll(slot->poll);
    slot->poll = nullptr;
  }
  std::string how = reason;
  pid_t pid = slot->pid;
  if (pid > 0) {
    ::kill(pid, SIGKILL);
    int status = 0;
    if (::waitpid(pid, &status, 0) == pid) how = DescribeExit(status);
    slot->pid = -1;
  }
  slot->channel.reset();
  ++restarts_;
  LogWarning("query worker " + std::to_string(slot->index) + " (pid " + std::to_string(pid) +
             ") " + how + "; restarting it in " + std::to_string(slot->backoff.count()) + " ms");
  ScheduleRestart(slot);
  if (slot->busy) {
    QueryOutcome outcome;
    outcome.request_id = slot->job.assignment.request_id;
    outcome.worker_died = true;
    outcome.timed_out = slot->killed_for_deadline;
    outcome.output_started = slot->output_started;
    outcome.worker_pid = pid;
    outcome.status = Status::Aborted("the query worker (pid " + std::to_string(pid) + ") " + how +
                                     " while running the query");
    Finish(slot, std::move(outcome));
  }
}

void QueryWorkerPool::ScheduleRestart(Slot* slot) {
  if (stopped_) return;
  uint64_t delay = static_cast<uint64_t>(slot->backoff.count());
  slot->backoff = std::min(slot->backoff * 2, std::chrono::milliseconds(10000));
  uv_timer_start(&slot->restart_timer, [](uv_timer_t* timer) {
    auto* restarting = static_cast<Slot*>(timer->data);
    QueryWorkerPool* pool = restarting->pool;
    if (pool->stopped_ || restarting->channel) return;
    Status spawned = pool->Spawn(restarting);
    if (!spawned.ok()) {
      LogError("cannot restart query worker " + std::to_string(restarting->index) + ": " +
               spawned.ToString());
      pool->ScheduleRestart(restarting);
      return;
    }
    if (pool->idle_) pool->idle_();
  }, delay, 0);
}

void QueryWorkerPool::Stop() {
  if (stopped_) return;
  stopped_ = true;
  // Closing a channel ends an idle worker cleanly (it removes its catalog
  // secondary directory); a worker still busy after a second is killed.
  for (auto& slot : slots_) {
    if (slot->poll != nullptr) {
      ClosePoll(slot->poll);
      slot->poll = nullptr;
    }
    slot->channel.reset();
  }
  auto patience = std::chrono::steady_clock::now() + std::chrono::seconds(1);
  for (auto& slot : slots_) {
    if (slot->pid <= 0) continue;
    int status = 0;
    while (::waitpid(slot->pid, &status, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() >= patience) {
        ::kill(slot->pid, SIGKILL);
        ::waitpid(slot->pid, &status, 0);
        break;
      }
      ::usleep(5000);
    }
    slot->pid = -1;
  }
  for (auto& slot : slots_) {
    slot->busy = false;
    slot->job = QueryJob();
    slot->done = nullptr;
    uv_timer_stop(&slot->restart_timer);
    uv_timer_stop(&slot->deadline_timer);
    uv_close(reinterpret_cast<uv_handle_t*>(&slot->restart_timer), nullptr);
    uv_close(reinterpret_cast<uv_handle_t*>(&slot->deadline_timer), nullptr);
  }
}

}  // namespace backtrace::daemon
