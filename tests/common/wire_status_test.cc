// The daemon-status messages of the ingest protocol: GetStatus and
// DaemonStatus survive encoding, and a TableList whose statistics do not
// match its tables is refused.
#include <gtest/gtest.h>

#include "common/schema/table_schema_codec.h"
#include "common/wire/ingest_messages.h"
#include "common/wire/status_messages.h"

namespace backtrace::wire {
namespace {

TableStatus SampleTable(const std::string& name) {
  TableStatus table;
  table.name = name;
  table.blocks = 3;
  table.rows_on_disk = 3000000;
  table.file_bytes = 12345678;
  table.raw_bytes = 98765432;
  table.min_time = -5;
  table.max_time = 1700000000000000000;
  table.memory_rows = 17;
  table.memory_bytes = 4096;
  table.rows_ingested = 3000017;
  table.bytes_ingested = 99999999;
  return table;
}

TEST(WireStatus, DaemonStatusSurvivesEncoding) {
  DaemonStatus status;
  status.version = "1.2.3";
  status.pid = 4242;
  status.uptime_seconds = 12.5;
  status.data_dir = "/var/lib/backtracedb";
  status.ingest_socket = "/run/backtracedb/ingest.sock";
  status.query_socket = "/run/backtracedb/query.sock";
  status.metrics_listen = "127.0.0.1:9470";
  status.connections = 2;
  status.memory_rows = 17;
  status.memory_bytes = 4096;
  status.frozen_blocks = 1;
  status.compactors = 2;
  status.compactions = 9;
  status.compactor_restarts = 1;
  status.ingest_paused = true;
  status.writes_stopped = true;
  status.write_error = "IO error: fdatasync wal/000001.log";
  status.batches_acknowledged = 300;
  status.wal_bytes_written = 1 << 20;
  status.tables = {SampleTable("orders"), SampleTable("quotes")};
  status.query_workers = 2;
  status.query_connections = 3;
  status.queries_queued = 4;
  status.queries_answered = 50;
  status.queries_failed = 6;

  flatbuffers::FlatBufferBuilder builder;
  FinishDaemonStatusResponse(builder, 7, status);
  auto response = VerifyResponse(MessageBytes(builder));
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  ASSERT_TRUE(ValidateResponse(**response).ok());
  EXPECT_EQ((*response)->request_id(), 7u);
  ASSERT_NE((*response)->body_as_DaemonStatus(), nullptr);
  EXPECT_EQ(DaemonStatusFromFlatBuffer(*(*response)->body_as_DaemonStatus()), status);
}

TEST(WireStatus, GetStatusIsAValidRequest) {
  flatbuffers::FlatBufferBuilder builder;
  FinishGetStatusRequest(builder, 9);
  auto request = VerifyRequest(MessageBytes(builder));
  ASSERT_TRUE(request.ok()) << request.status().ToString();
  EXPECT_EQ((*request)->body_type(), fb::RequestBody::GetStatus);
  EXPECT_TRUE(ValidateRequest(**request).ok());
}

TEST(WireStatus, TableListWithStatisticsForOtherTablesIsRefused) {
  TableSchema schema;
  schema.name = "orders";
  schema.columns = {{"ts", ColumnType::kTimestamp}};
  schema.time_column = "ts";
  flatbuffers::FlatBufferBuilder builder;
  std::vector<flatbuffers::Offset<fb::TableSchema>> tables{BuildTableSchema(builder, schema)};
  std::vector<flatbuffers::Offset<fb::TableStatus>> statistics{
      BuildTableStatus(builder, SampleTable("orders")),
      BuildTableStatus(builder, SampleTable("quotes"))};
  FinishTableListResponse(builder, 1, tables, statistics);
  auto response = VerifyResponse(MessageBytes(builder));
  ASSERT_TRUE(response.ok());
  Status valid = ValidateResponse(**response);
  EXPECT_EQ(valid.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(valid.message().find("2 statistics entries for 1 tables"), std::string::npos)
      << valid.ToString();
}

}  // namespace
}  // namespace backtrace::wire
