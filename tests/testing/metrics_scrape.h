// Scraping backtraced's Prometheus endpoint over real HTTP, for tests.
//
// Stateless functions; any thread.
#pragma once

#include <functional>
#include <map>
#include <string>

namespace backtrace::testing {

// A TCP port on 127.0.0.1 that was free a moment ago.
int FreeLoopbackPort();
// GET /metrics; the body, or "" if the endpoint does not answer.
std::string ScrapeMetrics(int port);
// Sample lines "name{labels} value" → value.
std::map<std::string, double> ParseMetrics(const std::string& text);
// Scrapes until `ready` holds (the daemon publishes every 200 ms) or 20 s
// pass; returns the last samples.
std::map<std::string, double> ScrapeMetricsUntil(
    int port, const std::function<bool(std::map<std::string, double>&)>& ready);

}  // namespace backtrace::testing
