// Tests of the daemon configuration: defaults, the shipped
// config/backtraced.toml, overrides, and every kind of bad setting refused
// with a message naming the key and its line.
#include "common/config/daemon_config.h"

#include <gtest/gtest.h>

#include <string>

#include "common/base/file.h"
#include "tests/testing/temporary_directory.h"

namespace backtrace {
namespace {

using std::chrono::milliseconds;
using std::chrono::nanoseconds;
using std::chrono::seconds;

void ExpectInvalid(const Status& status, std::initializer_list<std::string_view> fragments) {
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << status.ToString();
  for (std::string_view fragment : fragments) {
    EXPECT_NE(status.message().find(fragment), std::string::npos)
        << "'" << fragment << "' missing from: " << status.message();
  }
}

Status ParseStatus(std::string_view text) {
  return ParseDaemonConfig(text, "test.toml").status();
}

TEST(DaemonConfig, DefaultsAreTheDocumentedValues) {
  DaemonConfig config;
  EXPECT_EQ(config.data_dir, "./var/data");
  EXPECT_EQ(config.run_dir, "./var/run");
  EXPECT_EQ(config.socket_mode, 0660u);
  EXPECT_EQ(config.socket_group, "");
  EXPECT_EQ(config.metrics_listen, "127.0.0.1:9470");
  EXPECT_EQ(config.max_frame_bytes, 16u << 20);
  EXPECT_EQ(config.max_connections, 1024u);
  EXPECT_EQ(config.wal_sync, WalSyncMode::kFdatasync);
  EXPECT_EQ(config.wal_segment_bytes, 64u << 20);
  EXPECT_EQ(config.max_block_rows, 1'048'576u);
  EXPECT_EQ(config.max_block_age, seconds(60));
  EXPECT_EQ(config.max_hot_bytes, uint64_t{1} << 30);
  EXPECT_EQ(config.max_frozen_blocks, 16u);
  EXPECT_EQ(config.compactors, 1u);
  EXPECT_EQ(config.zstd_level, 3);
  EXPECT_EQ(config.query_workers, 0u);
  EXPECT_EQ(config.max_queued_queries, 64u);
  EXPECT_EQ(config.query_timeout, seconds(60));
  EXPECT_EQ(config.query_memory_bytes, uint64_t{1} << 30);
  EXPECT_EQ(config.shutdown_timeout, seconds(30));
  EXPECT_EQ(config.log_level, "info");
  EXPECT_TRUE(ValidateDaemonConfig(config).ok());
}

TEST(DaemonConfig, ShippedFileEqualsTheDefaults) {
  std::string path = std::string(BACKTRACE_SOURCE_DIRECTORY) + "/config/backtraced.toml";
  Result<DaemonConfig> loaded = LoadDaemonConfig(path);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_TRUE(*loaded == DaemonConfig());
}

TEST(DaemonConfig, ShippedFileListsEverySetting) {
  // Each setting appears as an uncommented key: changing one default in the
  // file is then caught by ShippedFileEqualsTheDefaults.
  Result<std::string> text =
      io::ReadWholeFile(std::string(BACKTRACE_SOURCE_DIRECTORY) + "/config/backtraced.toml");
  ASSERT_TRUE(text.ok());
  for (const char* key :
       {"data_dir", "run_dir", "socket_mode", "socket_group", "metrics_listen", "max_frame_bytes",
        "max_connections", "wal_sync", "wal_segment_bytes", "max_block_rows", "max_block_age",
        "max_hot_bytes", "max_frozen_blocks", "compactors", "zstd_level", "query_workers",
        "max_queued_queries", "query_timeout", "query_memory_bytes", "shutdown_timeout",
        "log_level"}) {
    std::string line = std::string("\n").append(key).append(" = ");
    EXPECT_NE(text->find(line), std::string::npos) << key;
  }
}

TEST(DaemonConfig, EmptyFileGivesTheDefaults) {
  Result<DaemonConfig> config = ParseDaemonConfig("# nothing\n", "empty.toml");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_TRUE(*config == DaemonConfig());
}

TEST(DaemonConfig, EverySettingCanBeOverridden) {
  Result<DaemonConfig> config = ParseDaemonConfig(R"(
data_dir = "/srv/backtrace/data"
run_dir = "/run/backtrace"
socket_mode = 0o600
socket_group = "traders"
metrics_listen = "[::1]:9999"
max_frame_bytes = "4MiB"
max_connections = 10
wal_sync = "none"
wal_segment_bytes = 8388608
max_block_rows = 100_000
max_block_age = "1m30s"
max_hot_bytes = "256MiB"
max_frozen_blocks = 4
compactors = 3
zstd_level = -2
query_workers = 8
max_queued_queries = 0
query_timeout = "0s"
query_memory_bytes = "512MB"
shutdown_timeout = "500ms"
log_level = "debug"
)",
                                                  "overrides.toml");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->data_dir, "/srv/backtrace/data");
  EXPECT_EQ(config->run_dir, "/run/backtrace");
  EXPECT_EQ(config->socket_mode, 0600u);
  EXPECT_EQ(config->socket_group, "traders");
  EXPECT_EQ(config->metrics_listen, "[::1]:9999");
  EXPECT_EQ(config->max_frame_bytes, 4u << 20);
  EXPECT_EQ(config->max_connections, 10u);
  EXPECT_EQ(config->wal_sync, WalSyncMode::kNone);
  EXPECT_EQ(config->wal_segment_bytes, 8u << 20);
  EXPECT_EQ(config->max_block_rows, 100'000u);
  EXPECT_EQ(config->max_block_age, seconds(90));
  EXPECT_EQ(config->max_hot_bytes, 256u << 20);
  EXPECT_EQ(config->max_frozen_blocks, 4u);
  EXPECT_EQ(config->compactors, 3u);
  EXPECT_EQ(config->zstd_level, -2);
  EXPECT_EQ(config->query_workers, 8u);
  EXPECT_EQ(config->max_queued_queries, 0u);
  EXPECT_EQ(config->query_timeout, nanoseconds(0));
  EXPECT_EQ(config->query_memory_bytes, 512'000'000u);
  EXPECT_EQ(config->shutdown_timeout, milliseconds(500));
  EXPECT_EQ(config->log_level, "debug");
}

TEST(DaemonConfig, SocketModeMayBeAnOctalString) {
  Result<DaemonConfig> config = ParseDaemonConfig("socket_mode = \"0640\"\n", "t.toml");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->socket_mode, 0640u);
  ExpectInvalid(ParseStatus("socket_mode = \"0680\"\n"), {"'socket_mode'", "octal"});
  ExpectInvalid(ParseStatus("socket_mode = 0o1777\n"), {"'socket_mode'", "0o777"});
}

TEST(DaemonConfig, UnknownKeyIsAnErrorWithASuggestion) {
  Status status = ParseStatus("log_level = \"info\"\ndata_dri = \"/tmp\"\n");
  ExpectInvalid(status, {"test.toml:2:1", "unknown setting 'data_dri'", "did you mean 'data_dir'"});
}

TEST(DaemonConfig, FarOffUnknownKeyGetsNoSuggestion) {
  Status status = ParseStatus("replication_factor = 3\n");
  ExpectInvalid(status, {"unknown setting 'replication_factor'"});
  EXPECT_EQ(status.message().find("did you mean"), std::string::npos) << status.message();
}

TEST(DaemonConfig, SectionsAreUnknownKeys) {
  ExpectInvalid(ParseStatus("[wal]\nwal_sync = \"none\"\n"),
                {"test.toml:1", "unknown setting 'wal'", "every setting is a top-level key"});
}

TEST(DaemonConfig, EveryProblemIsReportedInLineOrder) {
  Status status = ParseStatus("compactors = 0\nlog_level = \"loud\"\nmax_block_age = 60\n");
  ExpectInvalid(status, {"test.toml:1:1: setting 'compactors' is 0, expected an integer from 1",
                         "test.toml:2:1: setting 'log_level' is \"loud\", expected one of",
                         "test.toml:3:1: setting 'max_block_age' expects a duration"});
  EXPECT_LT(status.message().find("compactors"), status.message().find("log_level"));
  EXPECT_LT(status.message().find("log_level"), status.message().find("max_block_age"));
}

TEST(DaemonConfig, WrongTypeNamesTheKeyAndWhatIsExpected) {
  ExpectInvalid(ParseStatus("max_connections = \"many\"\n"),
                {"'max_connections' expects an integer, got string"});
  ExpectInvalid(ParseStatus("data_dir = 5\n"), {"'data_dir' expects a string, got integer"});
  ExpectInvalid(ParseStatus("max_frame_bytes = 1.5\n"),
                {"'max_frame_bytes' expects a byte size", "got floating-point"});
  ExpectInvalid(ParseStatus("wal_sync = true\n"), {"'wal_sync' expects a string, got boolean"});
}

TEST(DaemonConfig, BadDurationIsRefused) {
  ExpectInvalid(ParseStatus("query_timeout = \"60\"\n"),
                {"test.toml:1:1", "setting 'query_timeout'", "a unit is missing"});
  ExpectInvalid(ParseStatus("max_block_age = \"1 minute\"\n"), {"'max_block_age'"});
  ExpectInvalid(ParseStatus("max_block_age = \"0s\"\n"),
                {"'max_block_age' is 0s", "a duration from 1ms to 168h"});
  ExpectInvalid(ParseStatus("shutdown_timeout = \"2h\"\n"), {"'shutdown_timeout' is 2h"});
}

TEST(DaemonConfig, BadSizeIsRefused) {
  ExpectInvalid(ParseStatus("max_hot_bytes = \"1 GB of RAM\"\n"),
                {"setting 'max_hot_bytes'", "unknown unit"});
  ExpectInvalid(ParseStatus("max_frame_bytes = \"2GiB\"\n"),
                {"'max_frame_bytes' is 2GiB", "a size from 4KiB to 1GiB"});
  ExpectInvalid(ParseStatus("query_memory_bytes = -1\n"), {"'query_memory_bytes' is -1"});
}

TEST(DaemonConfig, BadListenAddressIsRefused) {
  for (const char* address : {"localhost", "127.0.0.1:", ":9470", "127.0.0.1:70000", "::1:9470",
                              "host:port"}) {
    ExpectInvalid(ParseStatus("metrics_listen = \"" + std::string(address) + "\"\n"),
                  {"'metrics_listen'", "host:port"});
  }
  Result<DaemonConfig> disabled = ParseDaemonConfig("metrics_listen = \"\"\n", "t.toml");
  ASSERT_TRUE(disabled.ok());
  EXPECT_EQ(disabled->metrics_listen, "");
}

TEST(DaemonConfig, InconsistentSettingsAreRefused) {
  ExpectInvalid(ParseStatus("max_frame_bytes = \"64MiB\"\nwal_segment_bytes = \"32MiB\"\n"),
                {"test.toml", "'wal_segment_bytes' (32MiB) must be at least max_frame_bytes"});
  ExpectInvalid(ParseStatus("max_frame_bytes = \"64MiB\"\nwal_segment_bytes = \"64MiB\"\n"
                            "max_hot_bytes = \"32MiB\"\n"),
                {"'max_hot_bytes' (32MiB) must be at least max_frame_bytes"});
}

TEST(DaemonConfig, TomlSyntaxErrorNamesFileLineAndColumn) {
  ExpectInvalid(ParseStatus("log_level = \"info\"\nmax_connections = = 3\n"),
                {"test.toml:2:", "TOML syntax error"});
  ExpectInvalid(ParseStatus("data_dir = \"a\"\ndata_dir = \"b\"\n"),
                {"test.toml:2:", "TOML syntax error"});
}

TEST(DaemonConfig, MissingFileIsNotFound) {
  testing::TemporaryDirectory directory;
  Result<DaemonConfig> config = LoadDaemonConfig(io::JoinPath(directory.path(), "absent.toml"));
  EXPECT_EQ(config.status().code(), StatusCode::kNotFound) << config.status().ToString();
}

TEST(DaemonConfig, LoadReadsTheFileAndNamesItInErrors) {
  testing::TemporaryDirectory directory;
  std::string path = io::JoinPath(directory.path(), "backtraced.toml");
  ASSERT_TRUE(io::WriteFileDurably(path, "compactors = 2\nquery_workers = \"all\"\n").ok());
  ExpectInvalid(LoadDaemonConfig(path).status(), {path + ":2:1", "'query_workers'"});
  ASSERT_TRUE(io::WriteFileDurably(path, "compactors = 2\n").ok());
  Result<DaemonConfig> config = LoadDaemonConfig(path);
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->compactors, 2u);
}

TEST(DaemonConfig, ValidationCatchesBadOverrides) {
  DaemonConfig config;
  config.metrics_listen = "nowhere";
  ExpectInvalid(ValidateDaemonConfig(config), {"'metrics_listen'"});
  config = DaemonConfig();
  config.data_dir = "";
  ExpectInvalid(ValidateDaemonConfig(config), {"'data_dir'"});
}

TEST(ParseDuration, AcceptsEveryUnitAndSums) {
  EXPECT_EQ(*ParseDuration("60s"), seconds(60));
  EXPECT_EQ(*ParseDuration("500ms"), milliseconds(500));
  EXPECT_EQ(*ParseDuration("2m"), seconds(120));
  EXPECT_EQ(*ParseDuration("1h30m"), seconds(5400));
  EXPECT_EQ(*ParseDuration("7us"), nanoseconds(7000));
  EXPECT_EQ(*ParseDuration("9ns"), nanoseconds(9));
  EXPECT_EQ(*ParseDuration(" 1s "), seconds(1));
  EXPECT_EQ(*ParseDuration("0"), nanoseconds(0));
  EXPECT_EQ(*ParseDuration("0ms"), nanoseconds(0));
}

TEST(ParseDuration, RefusesWhatItCannotReadExactly) {
  for (const char* text : {"", "60", "1.5s", "-1s", "5 s", "1d", "s", "1h30", "ms5",
                           "99999999999999999999s", "3000000h"}) {
    Result<nanoseconds> parsed = ParseDuration(text);
    EXPECT_FALSE(parsed.ok()) << text;
    EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument) << text;
  }
  EXPECT_NE(ParseDuration("1d").status().message().find("unknown unit \"d\""), std::string::npos);
}

TEST(ParseByteSize, AcceptsBinaryAndDecimalUnits) {
  EXPECT_EQ(*ParseByteSize("4096"), 4096u);
  EXPECT_EQ(*ParseByteSize("100B"), 100u);
  EXPECT_EQ(*ParseByteSize("16MiB"), 16u << 20);
  EXPECT_EQ(*ParseByteSize("1GiB"), uint64_t{1} << 30);
  EXPECT_EQ(*ParseByteSize("512 KiB"), 512u << 10);
  EXPECT_EQ(*ParseByteSize("2TiB"), uint64_t{2} << 40);
  EXPECT_EQ(*ParseByteSize("100MB"), 100'000'000u);
  EXPECT_EQ(*ParseByteSize("3KB"), 3000u);
}

TEST(ParseByteSize, RefusesWhatItCannotReadExactly) {
  for (const char* text : {"", "MiB", "1.5GiB", "-5", "16mib", "16M", "16 MiB extra",
                           "99999999999999999999", "20000000TiB"}) {
    Result<uint64_t> parsed = ParseByteSize(text);
    EXPECT_FALSE(parsed.ok()) << text;
    EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument) << text;
  }
}

TEST(UnitFormatting, FormatsReadBackToTheSameValue) {
  for (nanoseconds duration : {nanoseconds(0), nanoseconds(1500), nanoseconds(milliseconds(1500)),
                               nanoseconds(seconds(60)), nanoseconds(seconds(5400))}) {
    EXPECT_EQ(*ParseDuration(FormatDuration(duration)), duration) << FormatDuration(duration);
  }
  EXPECT_EQ(FormatDuration(seconds(60)), "1m");
  EXPECT_EQ(FormatDuration(milliseconds(1500)), "1500ms");
  for (uint64_t bytes : {uint64_t{0}, uint64_t{1000}, uint64_t{16} << 20, uint64_t{3} << 40}) {
    EXPECT_EQ(*ParseByteSize(FormatByteSize(bytes)), bytes) << FormatByteSize(bytes);
  }
  EXPECT_EQ(FormatByteSize(16u << 20), "16MiB");
}

}  // namespace
}  // namespace backtrace
