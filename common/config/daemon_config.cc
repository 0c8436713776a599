#include "common/config/daemon_config.h"

#include <zstd.h>

#include <algorithm>
#include <exception>
#include <functional>
#include <limits>
#include <new>
#include <tuple>
#include <toml++/toml.h>
#include <vector>

#include "common/base/file.h"
#include "common/wire/wire_format.h"

namespace backtrace {
namespace {

using std::chrono::nanoseconds;

// Ranges. Lower bounds keep a setting meaningful; upper bounds catch a unit
// mistake (a size in KiB where bytes were meant) before it does harm.
constexpr uint64_t kKiB = uint64_t{1} << 10;
constexpr uint64_t kMiB = uint64_t{1} << 20;
constexpr uint64_t kGiB = uint64_t{1} << 30;
constexpr uint64_t kTiB = uint64_t{1} << 40;
constexpr int32_t kFastestZstdLevel = -7;
constexpr nanoseconds kOneMillisecond = std::chrono::milliseconds(1);
constexpr nanoseconds kOneHour = std::chrono::hours(1);
constexpr nanoseconds kOneWeek = std::chrono::hours(24 * 7);

// One problem found in the file, ordered by where it is.
struct Problem {
  uint32_t line = 0;
  uint32_t column = 0;
  std::string message;
};

// Reading context for one key.
struct Entry {
  std::string_view key;
  const toml::node& node;
};

std::string Quoted(std::string_view text) {
  std::string quoted(1, '\'');
  quoted.append(text);
  quoted.push_back('\'');
  return quoted;
}

std::string_view TypeName(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::table: return "table";
    case toml::node_type::array: return "array";
    case toml::node_type::string: return "string";
    case toml::node_type::integer: return "integer";
    case toml::node_type::floating_point: return "floating-point";
    case toml::node_type::boolean: return "boolean";
    case toml::node_type::date: return "date";
    case toml::node_type::time: return "time";
    case toml::node_type::date_time: return "date-time";
    case toml::node_type::none: break;
  }
  return "nothing";
}

Status Expected(const Entry& entry, std::string_view expectation) {
  return Status::InvalidArgument("setting " + Quoted(entry.key) + " expects " +
                                 std::string(expectation) + ", got " +
                                 std::string(TypeName(entry.node)));
}

Status OutOfRange(std::string_view key, const std::string& value, const std::string& range) {
  return Status::InvalidArgument("setting " + Quoted(key) + " is " + value + ", expected " +
                                 range);
}

Result<std::string> ReadString(const Entry& entry) {
  const auto* value = entry.node.as_string();
  if (value == nullptr) return Expected(entry, "a string");
  return value->get();
}

Result<int64_t> ReadInteger(const Entry& entry, int64_t minimum, int64_t maximum) {
  const auto* value = entry.node.as_integer();
  if (value == nullptr) return Expected(entry, "an integer");
  int64_t number = value->get();
  if (number < minimum || number > maximum) {
    return OutOfRange(entry.key, std::to_string(number),
                      "an integer from " + std::to_string(minimum) + " to " +
                          std::to_string(maximum));
  }
  return number;
}

std::string SizeRange(uint64_t minimum, uint64_t maximum) {
  return "a size from " + FormatByteSize(minimum) + " to " + FormatByteSize(maximum);
}

Result<uint64_t> ReadByteSize(const Entry& entry, uint64_t minimum, uint64_t maximum) {
  uint64_t bytes;
  if (const auto* integer = entry.node.as_integer()) {
    if (integer->get() < 0) {
      return OutOfRange(entry.key, std::to_string(integer->get()), SizeRange(minimum, maximum));
    }
    bytes = static_cast<uint64_t>(integer->get());
  } else if (const auto* text = entry.node.as_string()) {
    Result<uint64_t> parsed = ParseByteSize(text->get());
    if (!parsed.ok()) return parsed.status().WithContext("setting " + Quoted(entry.key));
    bytes = *parsed;
  } else {
    return Expected(entry, "a byte size (an integer, or a string such as \"16MiB\")");
  }
  if (bytes < minimum || bytes > maximum) {
    return OutOfRange(entry.key, FormatByteSize(bytes), SizeRange(minimum, maximum));
  }
  return bytes;
}

std::string DurationRange(nanoseconds minimum, nanoseconds maximum) {
  return "a duration from " + FormatDuration(minimum) + " to " + FormatDuration(maximum);
}

Result<nanoseconds> ReadDuration(const Entry& entry, nanoseconds minimum, nanoseconds maximum) {
  const auto* text = entry.node.as_string();
  if (text == nullptr) return Expected(entry, "a duration string such as \"60s\" or \"500ms\"");
  Result<nanoseconds> parsed = ParseDuration(text->get());
  if (!parsed.ok()) return parsed.status().WithContext("setting " + Quoted(entry.key));
  if (*parsed < minimum || *parsed > maximum) {
    return OutOfRange(entry.key, FormatDuration(*parsed), DurationRange(minimum, maximum));
  }
  return *parsed;
}

Result<std::string> ReadChoice(const Entry& entry, std::initializer_list<std::string_view> choices) {
  ASSIGN_OR_RETURN(std::string value, ReadString(entry));
  std::string listed;
  for (std::string_view choice : choices) {
    if (value == choice) return value;
    listed += (listed.empty() ? "" : ", ") + std::string("\"") + std::string(choice) + "\"";
  }
  return OutOfRange(entry.key, "\"" + value + "\"", "one of " + listed);
}

Result<uint32_t> ReadSocketMode(const Entry& entry) {
  constexpr int64_t kMaximum = 0777;
  int64_t mode;
  if (const auto* integer = entry.node.as_integer()) {
    mode = integer->get();
  } else if (const auto* text = entry.node.as_string()) {
    const std::string& digits = text->get();
    if (digits.empty() || digits.size() > 4 ||
        !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '7'; })) {
      return OutOfRange(entry.key, "\"" + digits + "\"", "octal permission bits such as 0o660");
    }
    mode = std::stoll(digits, nullptr, 8);
  } else {
    return Expected(entry, "octal permission bits such as 0o660");
  }
  if (mode < 0 || mode > kMaximum) {
    return OutOfRange(entry.key, std::to_string(mode), "permission bits from 0o000 to 0o777");
  }
  return static_cast<uint32_t>(mode);
}

Status CheckListenAddress(std::string_view address) {
  if (address.empty()) return Status::Ok();
  auto error = [address] {
    return Status::InvalidArgument("setting 'metrics_listen' is \"" + std::string(address) +
                                   "\", expected host:port (e.g. \"127.0.0.1:9470\", "
                                   "\"[::1]:9470\") or \"\" to disable metrics");
  };
  size_t colon = address.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return error();
  std::string_view host = address.substr(0, colon);
  std::string_view port = address.substr(colon + 1);
  if (host.front() == '[' && host.back() != ']') return error();
  if (host.front() != '[' && host.find(':') != std::string_view::npos) return error();
  if (port.empty() || port.size() > 5 ||
      !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return error();
  }
  int number = std::stoi(std::string(port));
  if (number < 1 || number > 65535) return error();
  return Status::Ok();
}

using Apply = std::function<Status(const Entry&, DaemonConfig*)>;

template <typename Field>
Apply Assign(Field DaemonConfig::*field, std::function<Result<Field>(const Entry&)> read) {
  return [field, read](const Entry& entry, DaemonConfig* config) -> Status {
    Result<Field> value = read(entry);
    if (!value.ok()) return value.status();
    config->*field = std::move(value).value();
    return Status::Ok();
  };
}

template <typename Field>
Apply Integer(Field DaemonConfig::*field, int64_t minimum, int64_t maximum) {
  return Assign<Field>(field, [minimum, maximum](const Entry& entry) -> Result<Field> {
    ASSIGN_OR_RETURN(int64_t value, ReadInteger(entry, minimum, maximum));
    return static_cast<Field>(value);
  });
}

Apply Size(uint64_t DaemonConfig::*field, uint64_t minimum, uint64_t maximum) {
  return Assign<uint64_t>(field, [minimum, maximum](const Entry& entry) {
    return ReadByteSize(entry, minimum, maximum);
  });
}

Apply Duration(nanoseconds DaemonConfig::*field, nanoseconds minimum, nanoseconds maximum) {
  return Assign<nanoseconds>(field, [minimum, maximum](const Entry& entry) {
    return ReadDuration(entry, minimum, maximum);
  });
}

Apply NonEmptyString(std::string DaemonConfig::*field) {
  return Assign<std::string>(field, [](const Entry& entry) -> Result<std::string> {
    ASSIGN_OR_RETURN(std::string value, ReadString(entry));
    if (value.empty()) return OutOfRange(entry.key, "\"\"", "a non-empty string");
    return value;
  });
}

struct Setting {
  std::string_view key;
  Apply apply;
};

const std::vector<Setting>& Settings() {
  static const std::vector<Setting> settings = {
      {"data_dir", NonEmptyString(&DaemonConfig::data_dir)},
      {"run_dir", NonEmptyString(&DaemonConfig::run_dir)},
      {"socket_mode", Assign<uint32_t>(&DaemonConfig::socket_mode, ReadSocketMode)},
      {"socket_group", Assign<std::string>(&DaemonConfig::socket_group, ReadString)},
      {"metrics_listen", Assign<std::string>(&DaemonConfig::metrics_listen,
                                             [](const Entry& entry) -> Result<std::string> {
                                               ASSIGN_OR_RETURN(std::string value,
                                                                ReadString(entry));
                                               RETURN_IF_ERROR(CheckListenAddress(value));
                                               return value;
                                             })},
      {"max_frame_bytes", Size(&DaemonConfig::max_frame_bytes, 4 * kKiB,
                               wire::kLargestMaxFrameBytes)},
      {"max_connections", Integer(&DaemonConfig::max_connections, 1, 1'000'000)},
      {"wal_sync", Assign<WalSyncMode>(&DaemonConfig::wal_sync,
                                       [](const Entry& entry) -> Result<WalSyncMode> {
                                         ASSIGN_OR_RETURN(std::string value,
                                                          ReadChoice(entry, {"fdatasync", "none"}));
                                         return value == "none" ? WalSyncMode::kNone
                                                                : WalSyncMode::kFdatasync;
                                       })},
      {"wal_segment_bytes", Size(&DaemonConfig::wal_segment_bytes, 1 * kMiB, 16 * kGiB)},
      {"max_block_rows", Integer(&DaemonConfig::max_block_rows, 1, int64_t{1} << 31)},
      {"max_block_age", Duration(&DaemonConfig::max_block_age, kOneMillisecond, kOneWeek)},
      {"max_hot_bytes", Size(&DaemonConfig::max_hot_bytes, 16 * kMiB, 1 * kTiB)},
      {"max_frozen_blocks", Integer(&DaemonConfig::max_frozen_blocks, 1, 100'000)},
      {"compactors", Integer(&DaemonConfig::compactors, 1, 256)},
      {"zstd_level", Integer(&DaemonConfig::zstd_level, kFastestZstdLevel, ZSTD_maxCLevel())},
      {"query_workers", Integer(&DaemonConfig::query_workers, 0, 1024)},
      {"max_queued_queries", Integer(&DaemonConfig::max_queued_queries, 0, 1'000'000)},
      {"query_timeout", Duration(&DaemonConfig::query_timeout, nanoseconds(0), kOneWeek)},
      {"query_memory_bytes", Size(&DaemonConfig::query_memory_bytes, 1 * kMiB, 1 * kTiB)},
      {"shutdown_timeout", Duration(&DaemonConfig::shutdown_timeout, kOneMillisecond, kOneHour)},
      {"log_level", Assign<std::string>(&DaemonConfig::log_level, [](const Entry& entry) {
         return ReadChoice(entry, {"debug", "info", "warn", "error"});
       })},
  };
  return settings;
}

size_t EditDistance(std::string_view left, std::string_view right) {
  std::vector<size_t> previous(right.size() + 1), current(right.size() + 1);
  for (size_t j = 0; j <= right.size(); ++j) previous[j] = j;
  for (size_t i = 1; i <= left.size(); ++i) {
    current[0] = i;
    for (size_t j = 1; j <= right.size(); ++j) {
      size_t substitution = previous[j - 1] + (left[i - 1] == right[j - 1] ? 0 : 1);
      current[j] = std::min({previous[j] + 1, current[j - 1] + 1, substitution});
    }
    std::swap(previous, current);
  }
  return previous[right.size()];
}

std::string UnknownKeyMessage(std::string_view key, const toml::node& node) {
  std::string message = "unknown setting " + Quoted(key);
  if (node.is_table()) {
    return message + " (a section; every setting is a top-level key)";
  }
  const Setting* closest = nullptr;
  size_t closest_distance = 3;  // suggest only near misses
  for (const Setting& setting : Settings()) {
    size_t distance = EditDistance(key, setting.key);
    if (distance < closest_distance) {
      closest_distance = distance;
      closest = &setting;
    }
  }
  if (closest != nullptr) message += " (did you mean " + Quoted(closest->key) + "?)";
  return message;
}

Result<DaemonConfig> ApplyTable(const toml::table& table, std::string_view source_name) {
  DaemonConfig config;
  std::vector<Problem> problems;
  for (auto&& [key, node] : table) {
    Status status;
    auto setting = std::find_if(Settings().begin(), Settings().end(),
                                [&](const Setting& s) { return s.key == key.str(); });
    if (setting == Settings().end()) {
      status = Status::InvalidArgument(UnknownKeyMessage(key.str(), node));
    } else {
      status = setting->apply(Entry{key.str(), node}, &config);
    }
    if (!status.ok()) {
      problems.push_back({key.source().begin.line, key.source().begin.column, status.message()});
    }
  }
  if (!problems.empty()) {
    std::sort(problems.begin(), problems.end(), [](const Problem& a, const Problem& b) {
      return std::tie(a.line, a.column) < std::tie(b.line, b.column);
    });
    std::string message;
    for (const Problem& problem : problems) {
      if (!message.empty()) message += "\n";
      message += std::string(source_name) + ":" + std::to_string(problem.line) + ":" +
                 std::to_string(problem.column) + ": " + problem.message;
    }
    return Status::InvalidArgument(std::move(message));
  }
  Status consistent = ValidateDaemonConfig(config);
  if (!consistent.ok()) return consistent.WithContext(source_name);
  return config;
}

}  // namespace

std::string_view WalSyncModeName(WalSyncMode mode) {
  return mode == WalSyncMode::kNone ? "none" : "fdatasync";
}

Status ValidateDaemonConfig(const DaemonConfig& config) {
  if (config.data_dir.empty()) return Status::InvalidArgument("setting 'data_dir' is empty");
  if (config.run_dir.empty()) return Status::InvalidArgument("setting 'run_dir' is empty");
  if (config.socket_mode > 0777) {
    return Status::InvalidArgument("setting 'socket_mode' has bits beyond 0o777");
  }
  RETURN_IF_ERROR(CheckListenAddress(config.metrics_listen));
  if (config.max_frame_bytes < 4 * kKiB || config.max_frame_bytes > wire::kLargestMaxFrameBytes) {
    return OutOfRange("max_frame_bytes", FormatByteSize(config.max_frame_bytes),
                      SizeRange(4 * kKiB, wire::kLargestMaxFrameBytes));
  }
  if (config.wal_segment_bytes < config.max_frame_bytes) {
    return Status::InvalidArgument(
        "setting 'wal_segment_bytes' (" + FormatByteSize(config.wal_segment_bytes) +
        ") must be at least max_frame_bytes (" + FormatByteSize(config.max_frame_bytes) +
        ") so that the largest batch fits in one WAL segment");
  }
  if (config.max_hot_bytes < config.max_frame_bytes) {
    return Status::InvalidArgument(
        "setting 'max_hot_bytes' (" + FormatByteSize(config.max_hot_bytes) +
        ") must be at least max_frame_bytes (" + FormatByteSize(config.max_frame_bytes) +
        ") so that the largest batch fits in memory");
  }
  return Status::Ok();
}

Result<DaemonConfig> ParseDaemonConfig(std::string_view text, std::string_view source_name) {
  try {
    toml::table table = toml::parse(text, source_name);
    return ApplyTable(table, source_name);
  } catch (const toml::parse_error& error) {
    const toml::source_position& where = error.source().begin;
    return Status::InvalidArgument(std::string(source_name) + ":" + std::to_string(where.line) +
                                   ":" + std::to_string(where.column) +
                                   ": TOML syntax error: " + std::string(error.description()));
  } catch (const std::bad_alloc&) {
    return Status::ResourceExhausted("out of memory parsing " + std::string(source_name));
  } catch (const std::exception& error) {
    return Status::Internal("parsing " + std::string(source_name) + ": " + error.what());
  }
}

Result<DaemonConfig> LoadDaemonConfig(const std::string& path) {
  ASSIGN_OR_RETURN(std::string text, io::ReadWholeFile(path));
  return ParseDaemonConfig(text, path);
}

}  // namespace backtrace
