#include "worker/compactor.h"

#include <fcntl.h>
#include <malloc.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <future>
#include <span>
#include <system_error>

#include "common/base/crash_point.h"
#include "common/base/file.h"
#include "common/base/log.h"
#include "common/column/column_file_writer.h"
#include "common/hot/hot_block_sort.h"
#include "common/hot/hot_block_view.h"
#include "common/ipc/message_channel.h"
#include "common/schema/table_schema_codec.h"

namespace backtrace::worker {
namespace {

// Appends source[order[i]] for every i to *target (reserved first, so that
// the values are written once, not zeroed and then overwritten).
template <typename T>
void GatherValues(std::span<const T> source, const std::vector<uint32_t>& order,
                  std::vector<T>* target) {
  target->reserve(order.size());
  for (uint32_t row : order) target->push_back(source[row]);
}

ColumnVector Gather(const hot::HotBlockView& view, size_t column,
                    const std::vector<uint32_t>& order) {
  ColumnVector values(view.type(column));
  switch (view.type(column)) {
    case ColumnType::kInt64:
    case ColumnType::kTimestamp:
      GatherValues(view.Int64s(column), order, &values.int64s());
      break;
    case ColumnType::kUInt64:
      GatherValues(view.UInt64s(column), order, &values.uint64s());
      break;
    case ColumnType::kFloat64:
      GatherValues(view.Float64s(column), order, &values.float64s());
      break;
    case ColumnType::kString: {
      auto offsets = view.StringOffsets(column);
      const char* bytes = view.StringBytes(column);
      auto& target = values.strings();
      target.bytes.resize(offsets[order.size()] - offsets[0]);
      target.offsets.resize(order.size() + 1);
      char* out = target.bytes.data();
      uint32_t end = 0;
      for (size_t row = 0; row < order.size(); ++row) {
        uint32_t begin = offsets[order[row]];
        uint32_t length = offsets[order[row] + 1] - begin;
        std::memcpy(out + end, bytes + begin, length);
        end += length;
        target.offsets[row + 1] = end;
      }
      break;
    }
  }
  return values;
}

// fsyncs and closes `file` on a thread of its own; synchronously if no
// thread can be started.
std::future<Status> SyncAndCloseLater(io::File file) {
  auto sync = [](io::File owned) -> Status {
    RETURN_IF_ERROR(io::SyncAll(owned));
    return owned.Close();
  };
  try {
    return std::async(std::launch::async, sync, std::move(file));
  } catch (const std::system_error&) {
    std::promise<Status> done;
    done.set_value(sync(std::move(file)));
    return done.get_future();
  }
}

Result<BlockMeta> CompactInto(const fb::CompactBlockRequest& request, const TableSchema& schema,
                              int block_descriptor, const std::string& staging) {
  ASSIGN_OR_RETURN(auto view, hot::HotBlockView::Map(block_descriptor, request.row_count()));
  if (view->column_count() != schema.columns.size()) {
    return Status::Corruption("hot block has " + std::to_string(view->column_count()) +
                              " columns but table " + schema.name + " has " +
                              std::to_string(schema.columns.size()));
  }
  for (size_t column = 0; column < schema.columns.size(); ++column) {
    if (view->type(column) != schema.columns[column].type) {
      return Status::Corruption("hot block column " + std::to_string(column) +
                                " does not have the schema's type");
    }
  }
  std::vector<size_t> key;
  for (const auto& name : schema.SortKeyColumns()) key.push_back(*schema.ColumnIndex(name));
  std::vector<uint32_t> order = hot::SortedRowOrder(*view, key);

  RETURN_IF_ERROR(io::RemoveTree(staging));
  RETURN_IF_ERROR(io::CreateDirectories(staging));
  column::ColumnFileOptions options;
  options.zstd_level = request.zstd_level();
  BlockMeta meta;
  meta.table_id = request.table_id();
  meta.block_id = request.block_id();
  meta.row_count = request.row_count();
  size_t time_column = *schema.ColumnIndex(schema.time_column);
  // Each column file is fsynced on a thread of its own while the next column
  // is encoded; all are synced before the staging directory is.
  std::vector<std::future<Status>> syncs;
  for (size_t column = 0; column < schema.columns.size(); ++column) {
    ColumnVector values = Gather(*view, column, order);
    std::string path = io::JoinPath(staging, schema.columns[column].name + ".col");
    column::ColumnFileSummary summary;
    ASSIGN_OR_RETURN(std::string encoded, column::EncodeColumnFile(values, options, &summary));
    ASSIGN_OR_RETURN(io::File file, io::OpenFile(path, O_WRONLY | O_CREAT | O_TRUNC));
    RETURN_IF_ERROR(io::WriteAll(file, encoded.data(), encoded.size()));
    syncs.push_back(SyncAndCloseLater(std::move(file)));
    CRASH_POINT("compactor_during_column_files");
    ColumnStats stats;
    stats.column_index = static_cast<uint32_t>(column);
    stats.has_nan = summary.has_nan;
    stats.file_bytes = summary.file_bytes;
    stats.raw_bytes = summary.raw_bytes;
    if (summary.min && summary.max) {
      stats.min = *summary.min;
      stats.max = *summary.max;
    } else {
      // Only NaN in a float64 column.
      stats.min = std::numeric_limits<double>::quiet_NaN();
      stats.max = std::numeric_limits<double>::quiet_NaN();
    }
    if (column == time_column) {
      meta.min_time = std::get<int64_t>(stats.min);
      meta.max_time = std::get<int64_t>(stats.max);
    }
    meta.columns.push_back(std::move(stats));
  }
  for (auto& sync : syncs) RETURN_IF_ERROR(sync.get());
  RETURN_IF_ERROR(io::SyncDirectory(staging));
  std::string destination = request.destination_path()->str();
  std::string parent = std::filesystem::path(destination).parent_path().string();
  RETURN_IF_ERROR(io::CreateDirectories(parent));
  RETURN_IF_ERROR(io::RemoveTree(destination));
  RETURN_IF_ERROR(io::RenameFile(staging, destination));
  CRASH_POINT("compactor_after_rename");
  RETURN_IF_ERROR(io::SyncDirectory(parent));
  RETURN_IF_ERROR(io::SyncDirectory(std::filesystem::path(parent).parent_path().string()));
  meta.created_unix_nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(
                                std::chrono::system_clock::now().time_since_epoch())
                                .count();
  return meta;
}

std::string EncodeResponse(uint64_t block_id, const Result<BlockMeta>& result) {
  flatbuffers::FlatBufferBuilder builder(1024);
  flatbuffers::Offset<flatbuffers::Vector<uint8_t>> meta;
  flatbuffers::Offset<flatbuffers::String> message;
  if (result.ok()) {
    std::string encoded = EncodeBlockMeta(*result);
    meta = builder.CreateVector(reinterpret_cast<const uint8_t*>(encoded.data()), encoded.size());
  } else {
    message = builder.CreateString(result.status().message());
  }
  fb::CompactBlockResponseBuilder response(builder);
  response.add_block_id(block_id);
  if (result.ok()) {
    response.add_block_meta(meta);
  } else {
    response.add_error_code(static_cast<uint16_t>(result.status().code()));
    response.add_error_message(message);
  }
  builder.Finish(response.Finish());
  return std::string(reinterpret_cast<const char*>(builder.GetBufferPointer()), builder.GetSize());
}

}  // namespace

Result<BlockMeta> CompactBlock(const fb::CompactBlockRequest& request, int block_descriptor) {
  if (request.schema() == nullptr || request.staging_path() == nullptr ||
      request.destination_path() == nullptr) {
    return Status::InvalidArgument("compaction request lacks a schema or a path");
  }
  ASSIGN_OR_RETURN(TableSchema schema, TableSchemaFromFlatBuffer(*request.schema()));
  std::string staging = request.staging_path()->str();
  Result<BlockMeta> result = CompactInto(request, schema, block_descriptor, staging);
  if (!result.ok()) {
    (void)io::RemoveTree(staging);
    return result.status().WithContext("block " + std::to_string(request.block_id()) +
                                       " of table " + schema.name);
  }
  return result;
}

Status RunCompactor(int control_descriptor) {
  // Every block needs the same large buffers again (sort keys, gathered
  // columns, encoded files): keep them on the heap between blocks rather
  // than mapping fresh pages, each of which faults in, for every block.
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
  ipc::MessageChannel channel(control_descriptor);
  while (true) {
    auto message = channel.Receive();
    if (!message.ok()) {
      if (message.status().code() == StatusCode::kAborted) return Status::Ok();
      return message.status();
    }
    flatbuffers::Verifier verifier(reinterpret_cast<const uint8_t*>(message->payload.data()),
                                   message->payload.size());
    if (!verifier.VerifyBuffer<fb::CompactBlockRequest>(nullptr) ||
        message->descriptors.size() != 1) {
      return Status::Corruption("the daemon sent an unreadable compaction request");
    }
    const auto* request = flatbuffers::GetRoot<fb::CompactBlockRequest>(message->payload.data());
    Result<BlockMeta> result = CompactBlock(*request, message->descriptors[0].get());
    if (!result.ok()) LogError(result.status().ToString());
    RETURN_IF_ERROR(channel.Send(EncodeResponse(request->block_id(), result)));
  }
}

}  // namespace backtrace::worker
