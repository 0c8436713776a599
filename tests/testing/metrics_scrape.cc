#include "tests/testing/metrics_scrape.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <sstream>
#include <thread>

namespace backtrace::testing {

int FreeLoopbackPort() {
  int descriptor = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(descriptor, reinterpret_cast<sockaddr*>(&address), sizeof(address));
  socklen_t length = sizeof(address);
  ::getsockname(descriptor, reinterpret_cast<sockaddr*>(&address), &length);
  ::close(descriptor);
  return ntohs(address.sin_port);
}

std::string ScrapeMetrics(int port) {
  int descriptor = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<uint16_t>(port));
  if (::connect(descriptor, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    ::close(descriptor);
    return "";
  }
  std::string request = "GET /metrics HTTP/1.0\r\nHost: localhost\r\n\r\n";
  ::send(descriptor, request.data(), request.size(), MSG_NOSIGNAL);
  std::string response;
  char buffer[8192];
  ssize_t got;
  while ((got = ::recv(descriptor, buffer, sizeof(buffer), 0)) > 0) response.append(buffer, got);
  ::close(descriptor);
  size_t body = response.find("\r\n\r\n");
  return body == std::string::npos ? "" : response.substr(body + 4);
}

std::map<std::string, double> ParseMetrics(const std::string& text) {
  std::map<std::string, double> samples;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty() || line[0] == '#') continue;
    size_t space = line.rfind(' ');
    if (space == std::string::npos) continue;
    samples[line.substr(0, space)] = std::stod(line.substr(space + 1));
  }
  return samples;
}

std::map<std::string, double> ScrapeMetricsUntil(
    int port, const std::function<bool(std::map<std::string, double>&)>& ready) {
  std::map<std::string, double> samples;
  for (int attempt = 0; attempt < 200; ++attempt) {
    samples = ParseMetrics(ScrapeMetrics(port));
    if (ready(samples)) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return samples;
}

}  // namespace backtrace::testing
