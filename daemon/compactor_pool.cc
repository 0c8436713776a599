#include "daemon/compactor_pool.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>

#include "common/base/log.h"
#include "common/catalog/block_meta.h"
#include "common/ipc/compaction_generated.h"
#include "common/ipc/message_channel.h"
#include "common/schema/table_schema_codec.h"

namespace backtrace::daemon {

struct CompactorPool::Slot {
  size_t index = 0;
  pid_t pid = -1;
  std::unique_ptr<ipc::MessageChannel> channel;
  std::thread thread;
  std::chrono::milliseconds backoff{100};
};

namespace {

constexpr int kControlDescriptor = 3;

std::string EncodeRequest(const CompactionJob& job) {
  flatbuffers::FlatBufferBuilder builder(1024);
  auto schema = BuildTableSchema(builder, job.schema);
  auto staging = builder.CreateString(job.staging_path);
  auto destination = builder.CreateString(job.destination_path);
  fb::CompactBlockRequestBuilder request(builder);
  request.add_table_id(job.table_id);
  request.add_block_id(job.block_id);
  request.add_row_count(job.row_count);
  request.add_schema(schema);
  request.add_staging_path(staging);
  request.add_destination_path(destination);
  request.add_zstd_level(job.zstd_level);
  builder.Finish(request.Finish());
  return std::string(reinterpret_cast<const char*>(builder.GetBufferPointer()), builder.GetSize());
}

Result<BlockMeta> DecodeResponse(const std::string& payload) {
  flatbuffers::Verifier verifier(reinterpret_cast<const uint8_t*>(payload.data()), payload.size());
  if (!verifier.VerifyBuffer<fb::CompactBlockResponse>(nullptr)) {
    return Status::Corruption("compactor sent an unreadable response");
  }
  const auto* response = flatbuffers::GetRoot<fb::CompactBlockResponse>(payload.data());
  if (response->error_code() != 0) {
    return Status(static_cast<StatusCode>(response->error_code()),
                  response->error_message() == nullptr ? "compaction failed"
                                                        : response->error_message()->str());
  }
  if (response->block_meta() == nullptr) return Status::Corruption("compactor sent no metadata");
  return DecodeBlockMeta(std::string_view(
      reinterpret_cast<const char*>(response->block_meta()->data()), response->block_meta()->size()));
}

}  // namespace

CompactorPool::CompactorPool(uv_loop_t* loop, CompactorPoolOptions options, DoneCallback done)
    : loop_(loop), options_(std::move(options)), done_(std::move(done)) {}

CompactorPool::~CompactorPool() { Stop(); }

Status CompactorPool::Start() {
  uv_async_init(loop_, &async_, &CompactorPool::OnAsync);
  async_.data = this;
  async_initialized_ = true;
  size_t count = options_.compactors == 0 ? 1 : options_.compactors;
  for (size_t index = 0; index < count; ++index) {
    auto slot = std::make_unique<Slot>();
    slot->index = index;
    RETURN_IF_ERROR(Spawn(slot.get()));
    slots_.push_back(std::move(slot));
  }
  for (auto& slot : slots_) {
    Slot* raw = slot.get();
    slot->thread = std::thread([this, raw] { RunSlot(raw); });
  }
  return Status::Ok();
}

Status CompactorPool::Spawn(Slot* slot) {
  int daemon_end = -1, child_end = -1;
  RETURN_IF_ERROR(ipc::MessageChannel::CreatePair(&daemon_end, &child_end));
  std::string control = std::to_string(kControlDescriptor);
  std::vector<std::string> arguments = {options_.worker_binary, "--role",      "compactor",
                                        "--control-fd",         control,       "--data-dir",
                                        options_.data_dir,      "--log-level", options_.log_level};
  std::vector<char*> argv;
  for (auto& argument : arguments) argv.push_back(argument.data());
  argv.push_back(nullptr);
  pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid < 0) {
    int error = errno;
    ::close(daemon_end);
    ::close(child_end);
    return Status::FromErrno(error, "fork compactor");
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
  LogDebug("started compactor " + std::to_string(slot->index) + " (pid " + std::to_string(pid) + ")");
  return Status::Ok();
}

void CompactorPool::Reap(Slot* slot) {
  if (slot->pid > 0) {
    ::kill(slot->pid, SIGKILL);
    int status = 0;
    ::waitpid(slot->pid, &status, 0);
    slot->pid = -1;
  }
  slot->channel.reset();
}

void CompactorPool::RunSlot(Slot* slot) {
  while (true) {
    CompactionJob job;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      job = std::move(queue_.front());
      queue_.pop_front();
      ++in_progress_;
    }
    if (!slot->channel) {
      Status spawned = Spawn(slot);
      if (!spawned.ok()) LogError("cannot start a compactor: " + spawned.ToString());
    }
    auto started = std::chrono::steady_clock::now();
    Status sent = slot->channel ? slot->channel->Send(EncodeRequest(job), {job.block->descriptor()})
                                : Status::Aborted("no compactor");
    Result<ipc::ReceivedMessage> reply = sent.ok() ? slot->channel->Receive() : Result<ipc::ReceivedMessage>(sent);
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if (!reply.ok()) {
      // The compactor is gone (crashed, killed) or its channel broke: hand
      // the block again, to a new compactor after a pause.
      std::chrono::milliseconds backoff;
      {
        std::lock_guard<std::mutex> lock(mutex_);
        --in_progress_;
        if (stopping_) return;
        queue_.push_front(std::move(job));
        ++statistics_.restarts;
        backoff = slot->backoff;
      }
      LogWarning("compactor " + std::to_string(slot->index) + " (pid " + std::to_string(slot->pid) +
                 ") failed: " + reply.status().ToString() + "; restarting it in " +
                 std::to_string(backoff.count()) + " ms");
      Reap(slot);
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait_for(lock, backoff, [&] { return stopping_; });
      if (stopping_) return;
      slot->backoff = std::min(slot->backoff * 2, std::chrono::milliseconds(10000));
      lock.unlock();
      Status spawned = Spawn(slot);
      if (!spawned.ok()) LogError("cannot restart a compactor: " + spawned.ToString());
      wake_.notify_all();
      continue;
    }
    slot->backoff = std::chrono::milliseconds(100);
    Result<BlockMeta> result = DecodeResponse(reply->payload);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      --in_progress_;
      if (result.ok()) {
        ++statistics_.compactions;
        statistics_.last_duration_seconds = seconds;
      } else {
        ++statistics_.failures;
      }
      finished_.push_back({std::move(job), std::move(result), seconds});
    }
    uv_async_send(&async_);
  }
}

void CompactorPool::OnAsync(uv_async_t* handle) {
  auto* self = static_cast<CompactorPool*>(handle->data);
  std::deque<Finished> finished;
  {
    std::lock_guard<std::mutex> lock(self->mutex_);
    finished.swap(self->finished_);
  }
  for (auto& item : finished) {
    // The compactor has unmapped the block: the job's reference goes first,
    // so that the daemon may reuse the block once it is committed.
    item.job.block.reset();
    self->done_(item.job, std::move(item.result), item.seconds);
  }
}

void CompactorPool::Enqueue(CompactionJob job) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    queue_.push_back(std::move(job));
  }
  wake_.notify_one();
}

void CompactorPool::Stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_ && slots_.empty()) return;
    stopping_ = true;
  }
  wake_.notify_all();
  for (auto& slot : slots_) {
    if (slot->channel) slot->channel->Shutdown();
  }
  for (auto& slot : slots_) {
    if (slot->thread.joinable()) slot->thread.join();
    Reap(slot.get());
  }
  slots_.clear();
  if (async_initialized_) {
    async_initialized_ = false;
    uv_close(reinterpret_cast<uv_handle_t*>(&async_), nullptr);
  }
}

size_t CompactorPool::queued() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return queue_.size();
}

size_t CompactorPool::in_progress() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return in_progress_;
}

CompactorPoolStatistics CompactorPool::statistics() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return statistics_;
}

std::vector<int> CompactorPool::compactor_pids() const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<int> pids;
  for (const auto& slot : slots_) pids.push_back(slot->pid);
  return pids;
}

}  // namespace backtrace::daemon
