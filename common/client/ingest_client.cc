#include "common/client/ingest_client.h"

#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/schema/table_schema_codec.h"
#include "common/wire/ingest_messages.h"
#include "common/wire/wire_status.h"

namespace backtrace::client {
namespace {

std::string FrameOf(const flatbuffers::FlatBufferBuilder& builder) {
  std::string_view payload = wire::MessageBytes(builder);
  auto header = wire::EncodeFrameHeader(static_cast<uint32_t>(payload.size()));
  std::string frame(header.data(), header.size());
  frame.append(payload);
  return frame;
}

Status ErrorStatusOf(const fb::Response& response) {
  const fb::Error* error = response.body_as_Error();
  if (error == nullptr) return Status::Internal("the daemon sent an unexpected response");
  return wire::StatusFromError(*error);
}

}  // namespace

IngestClient::IngestClient(IngestClientOptions options) : options_(std::move(options)) {}

IngestClient::~IngestClient() {
  if (socket_ >= 0) ::close(socket_);
}

Result<std::unique_ptr<IngestClient>> IngestClient::Connect(IngestClientOptions options) {
  std::unique_ptr<IngestClient> client(new IngestClient(std::move(options)));
  RETURN_IF_ERROR(client->Open());
  return client;
}

Status IngestClient::Open() {
  if (socket_ >= 0) ::close(socket_);
  socket_ = -1;
  decoder_ = std::make_unique<wire::FrameDecoder>(options_.max_frame_bytes);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (options_.socket_path.size() >= sizeof(address.sun_path)) {
    return Status::InvalidArgument("socket path " + options_.socket_path +
                                   " is too long for a Unix socket");
  }
  std::memcpy(address.sun_path, options_.socket_path.data(), options_.socket_path.size());
  int descriptor = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (descriptor < 0) return Status::FromErrno(errno, "socket");
  if (::connect(descriptor, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    int error = errno;
    ::close(descriptor);
    if (error == ENOENT || error == ECONNREFUSED) {
      return Status::Aborted("backtraced is not running at " + options_.socket_path +
                             " (start it, or pass --run-dir)");
    }
    return Status::FromErrno(error, "connect " + options_.socket_path);
  }
  socket_ = descriptor;
  return Status::Ok();
}

Status IngestClient::SendFrame(std::string_view frame) {
  size_t sent = 0;
  while (sent < frame.size()) {
    ssize_t result = ::send(socket_, frame.data() + sent, frame.size() - sent, MSG_NOSIGNAL);
    if (result < 0) {
      if (errno == EINTR) continue;
      if (errno == EPIPE || errno == ECONNRESET) {
        return Status::Aborted("the connection to backtraced was closed");
      }
      return Status::FromErrno(errno, "send to " + options_.socket_path);
    }
    sent += static_cast<size_t>(result);
  }
  return Status::Ok();
}

Result<std::string> IngestClient::ReceivePayload() {
  while (true) {
    ASSIGN_OR_RETURN(auto frame, decoder_->Next());
    if (frame.has_value()) return std::string(*frame);
    std::span<char> space = decoder_->WritableSpace();
    if (space.empty()) return Status::Internal("response buffer full");
    ssize_t got = ::recv(socket_, space.data(), space.size(), 0);
    if (got < 0) {
      if (errno == EINTR) continue;
      if (errno == ECONNRESET) return Status::Aborted("the connection to backtraced was closed");
      return Status::FromErrno(errno, "receive from " + options_.socket_path);
    }
    if (got == 0) return Status::Aborted("backtraced closed the connection");
    decoder_->CommitWrite(static_cast<size_t>(got));
  }
}

Status IngestClient::ReceiveAck() {
  ASSIGN_OR_RETURN(std::string payload, ReceivePayload());
  ASSIGN_OR_RETURN(const fb::Response* response, wire::VerifyResponse(payload));
  if (in_flight_.empty()) return Status::Internal("the daemon answered a request never sent");
  InFlight front = std::move(in_flight_.front());
  in_flight_.pop_front();
  if (response->request_id() != front.request_id && response->request_id() != 0) {
    return Status::Internal("the daemon answered request " +
                            std::to_string(response->request_id()) + " but " +
                            std::to_string(front.request_id) + " was next");
  }
  if (const fb::Ack* ack = response->body_as_Ack()) {
    if (ack->duplicate()) {
      ++duplicate_batches_;
      duplicate_rows_ += front.rows;
    } else {
      acknowledged_rows_ += front.rows;
    }
    ++acknowledged_batches_;
    return Status::Ok();
  }
  Status error = ErrorStatusOf(*response);
  if (batch_error_.ok()) {
    batch_error_ = error.WithContext("batch " + std::to_string(front.sequence));
  }
  return Status::Ok();
}

Status IngestClient::Append(std::string_view table, const std::vector<NamedColumn>& columns,
                            uint64_t sequence) {
  if (!batch_error_.ok()) return batch_error_;
  if (socket_ < 0) return Status::Aborted("not connected");
  if (sequence == 0) sequence = next_sequence_;
  next_sequence_ = sequence + 1;
  size_t rows = columns.empty() ? 0 : columns.front().values->size();
  flatbuffers::FlatBufferBuilder builder(1024 + rows * 8 * columns.size());
  std::vector<flatbuffers::Offset<fb::ColumnData>> data;
  for (const auto& column : columns) {
    data.push_back(wire::BuildColumnData(builder, column.name, *column.values));
  }
  uint64_t request_id = next_request_id_++;
  wire::FinishAppendRequest(builder, request_id, table, {options_.producer_id, sequence}, data);
  if (builder.GetSize() > options_.max_frame_bytes) {
    return Status::InvalidArgument("batch of " + std::to_string(rows) + " rows encodes to " +
                                   std::to_string(builder.GetSize()) +
                                   " bytes, over max_frame_bytes; send fewer rows per batch");
  }
  while (in_flight_.size() >= options_.max_in_flight) RETURN_IF_ERROR(ReceiveAck());
  if (!batch_error_.ok()) return batch_error_;
  InFlight entry{request_id, sequence, rows, FrameOf(builder)};
  RETURN_IF_ERROR(SendFrame(entry.frame));
  in_flight_.push_back(std::move(entry));
  return Status::Ok();
}

Status IngestClient::Flush() {
  while (!in_flight_.empty()) RETURN_IF_ERROR(ReceiveAck());
  return batch_error_;
}

Status IngestClient::Reconnect() {
  RETURN_IF_ERROR(Open());
  batch_error_ = Status::Ok();
  for (const auto& entry : in_flight_) RETURN_IF_ERROR(SendFrame(entry.frame));
  return Status::Ok();
}

Result<std::string> IngestClient::Call(const std::string& frame) {
  RETURN_IF_ERROR(Flush());
  RETURN_IF_ERROR(SendFrame(frame));
  return ReceivePayload();
}

Status IngestClient::CreateTable(const TableSchema& schema) {
  flatbuffers::FlatBufferBuilder builder(1024);
  auto encoded = BuildTableSchema(builder, schema);
  wire::FinishCreateTableRequest(builder, next_request_id_++, encoded);
  ASSIGN_OR_RETURN(std::string payload, Call(FrameOf(builder)));
  ASSIGN_OR_RETURN(const fb::Response* response, wire::VerifyResponse(payload));
  if (response->body_as_Ok() != nullptr) return Status::Ok();
  return ErrorStatusOf(*response);
}

Status IngestClient::DropTable(std::string_view name) {
  flatbuffers::FlatBufferBuilder builder(256);
  wire::FinishDropTableRequest(builder, next_request_id_++, name);
  ASSIGN_OR_RETURN(std::string payload, Call(FrameOf(builder)));
  ASSIGN_OR_RETURN(const fb::Response* response, wire::VerifyResponse(payload));
  if (response->body_as_Ok() != nullptr) return Status::Ok();
  return ErrorStatusOf(*response);
}

Result<std::vector<TableSchema>> IngestClient::ListTables() {
  ASSIGN_OR_RETURN(std::vector<TableEntry> entries, ListTableEntries());
  std::vector<TableSchema> tables;
  for (TableEntry& entry : entries) tables.push_back(std::move(entry.schema));
  return tables;
}

Result<std::vector<TableEntry>> IngestClient::ListTableEntries() {
  flatbuffers::FlatBufferBuilder builder(64);
  wire::FinishListTablesRequest(builder, next_request_id_++);
  ASSIGN_OR_RETURN(std::string payload, Call(FrameOf(builder)));
  ASSIGN_OR_RETURN(const fb::Response* response, wire::VerifyResponse(payload));
  RETURN_IF_ERROR(wire::ValidateResponse(*response));
  const fb::TableList* list = response->body_as_TableList();
  if (list == nullptr) return ErrorStatusOf(*response);
  std::vector<TableEntry> tables;
  if (list->tables() != nullptr) {
    for (flatbuffers::uoffset_t i = 0; i < list->tables()->size(); ++i) {
      ASSIGN_OR_RETURN(TableSchema table, TableSchemaFromFlatBuffer(*list->tables()->Get(i)));
      TableEntry entry{std::move(table), std::nullopt};
      if (list->statistics() != nullptr) {
        entry.status = wire::TableStatusFromFlatBuffer(*list->statistics()->Get(i));
      }
      tables.push_back(std::move(entry));
    }
  }
  return tables;
}

Result<wire::DaemonStatus> IngestClient::GetStatus() {
  flatbuffers::FlatBufferBuilder builder(64);
  wire::FinishGetStatusRequest(builder, next_request_id_++);
  ASSIGN_OR_RETURN(std::string payload, Call(FrameOf(builder)));
  ASSIGN_OR_RETURN(const fb::Response* response, wire::VerifyResponse(payload));
  RETURN_IF_ERROR(wire::ValidateResponse(*response));
  const fb::DaemonStatus* status = response->body_as_DaemonStatus();
  if (status == nullptr) return ErrorStatusOf(*response);
  return wire::DaemonStatusFromFlatBuffer(*status);
}

BatchBuilder::BatchBuilder(const TableSchema& schema) : schema_(schema) {
  for (const auto& column : schema_.columns) values_.emplace_back(column.type);
}

Status BatchBuilder::AddRow(const std::vector<Value>& row) {
  if (row.size() != schema_.columns.size()) {
    return Status::InvalidArgument("row has " + std::to_string(row.size()) + " values; table " +
                                   schema_.name + " has " + std::to_string(schema_.columns.size()) +
                                   " columns");
  }
  for (size_t column = 0; column < row.size(); ++column) {
    size_t expected = 0;
    switch (schema_.columns[column].type) {
      case ColumnType::kInt64:
      case ColumnType::kTimestamp: expected = 0; break;
      case ColumnType::kUInt64: expected = 1; break;
      case ColumnType::kFloat64: expected = 2; break;
      case ColumnType::kString: expected = 3; break;
    }
    if (row[column].index() != expected) {
      return Status::InvalidArgument("value for column \"" + schema_.columns[column].name +
                                     "\" is not a " +
                                     std::string(ColumnTypeName(schema_.columns[column].type)));
    }
  }
  for (size_t column = 0; column < row.size(); ++column) values_[column].Append(row[column]);
  ++rows_;
  return Status::Ok();
}

void BatchBuilder::Clear() {
  for (auto& values : values_) values.Clear();
  rows_ = 0;
}

std::vector<NamedColumn> BatchBuilder::columns() const {
  std::vector<NamedColumn> columns;
  for (size_t column = 0; column < values_.size(); ++column) {
    columns.push_back({schema_.columns[column].name, &values_[column]});
  }
  return columns;
}

}  // namespace backtrace::client
