#include "tests/testing/temporary_directory.h"

#include <cstdlib>
#include <filesystem>
#include <stdexcept>

namespace backtrace::testing {

TemporaryDirectory::TemporaryDirectory() {
  const char* base = std::getenv("TMPDIR");
  std::string pattern = std::string(base != nullptr && *base != '\0' ? base : "/tmp") +
                        "/backtrace-test-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) {
    throw std::runtime_error("mkdtemp failed for " + pattern);
  }
  path_ = pattern;
}

TemporaryDirectory::~TemporaryDirectory() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

bool TemporaryDirectory::Exists(const std::string& path) {
  std::error_code ignored;
  return std::filesystem::exists(path, ignored);
}

std::string TemporaryDirectory::Join(std::string_view name) const {
  return path_ + "/" + std::string(name);
}

}  // namespace backtrace::testing
