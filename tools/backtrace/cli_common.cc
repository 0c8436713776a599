#include "tools/backtrace/cli_common.h"

#include <cstdio>

namespace backtrace::cli {

namespace {

std::string RunDirPath(const Context& context, std::string_view name) {
  // Built by appending: g++ 12 warns falsely (-Wrestrict) on assigning a
  // literal to a string in Release builds.
  std::string path(context.run_dir.empty() ? std::string_view(".") : context.run_dir);
  if (path.back() != '/') path.push_back('/');
  path.append(name);
  return path;
}

}  // namespace

std::string IngestSocketPath(const Context& context) { return RunDirPath(context, "ingest.sock"); }

std::string QuerySocketPath(const Context& context) { return RunDirPath(context, "query.sock"); }

int PrintError(std::string_view message) {
  std::string line = "backtrace: ";
  for (size_t i = 0; i < message.size(); ++i) {
    char c = message[i];
    if (c == '\r') continue;
    if (c == '\n') {
      if (i + 1 < message.size()) line += "; ";
      continue;
    }
    line += c;
  }
  line += '\n';
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
  return kExitFailure;
}

int PrintError(const Status& status) { return PrintError(status.message()); }

Result<std::unique_ptr<client::IngestClient>> ConnectToDaemon(const Context& context,
                                                              client::IngestClientOptions options) {
  options.socket_path = IngestSocketPath(context);
  return client::IngestClient::Connect(std::move(options));
}

Result<TableSchema> FindTable(client::IngestClient* client, std::string_view name) {
  ASSIGN_OR_RETURN(std::vector<TableSchema> tables, client->ListTables());
  for (auto& table : tables) {
    if (table.name == name) return std::move(table);
  }
  return Status::NotFound("table " + std::string(name) +
                          " does not exist (list tables with `backtrace tables`; create one with "
                          "`backtrace create-table " +
                          std::string(name) + " --columns ...`)");
}

std::string WithThousands(uint64_t value) {
  std::string digits = std::to_string(value);
  std::string out;
  out.reserve(digits.size() + digits.size() / 3);
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

}  // namespace backtrace::cli
