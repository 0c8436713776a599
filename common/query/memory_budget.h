// MemoryBudget: the per-query memory limit (QueryLimits::memory_bytes).
// Group-by tables, aggregate states and sort buffers report their size to
// an account; when the accounts together pass the limit the query fails
// with kResourceExhausted naming the limit and what used the memory.
//
// Used by one thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/base/status.h"

namespace backtrace::query {

class MemoryBudget {
 public:
  explicit MemoryBudget(uint64_t limit_bytes) : limit_(limit_bytes) {}

  // Sets an account's size to `bytes`; `what` describes its holder for the
  // error, e.g. "GROUP BY with 120000 groups".
  [[nodiscard]] Status Set(uint64_t* account, uint64_t bytes, std::string_view what) {
    used_ = used_ - *account + bytes;
    *account = bytes;
    if (used_ > limit_) {
      return Status::ResourceExhausted("query memory limit of " + std::to_string(limit_) +
                                       " bytes exceeded by " + std::string(what) + " (" +
                                       std::to_string(used_) + " bytes)");
    }
    return Status::Ok();
  }

  uint64_t used() const { return used_; }
  uint64_t limit() const { return limit_; }

 private:
  uint64_t limit_;
  uint64_t used_ = 0;
};

}  // namespace backtrace::query
