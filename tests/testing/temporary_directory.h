// TemporaryDirectory: a fresh directory under $TMPDIR (or /tmp) for one test,
// removed with everything in it when the object is destroyed. Tests use real
// files in it, never mocks of the file system.
//
// Owned by the test that creates it; single-threaded use.
#pragma once

#include <string>
#include <string_view>

namespace backtrace::testing {

class TemporaryDirectory {
 public:
  TemporaryDirectory();
  ~TemporaryDirectory();
  TemporaryDirectory(const TemporaryDirectory&) = delete;
  TemporaryDirectory& operator=(const TemporaryDirectory&) = delete;

  const std::string& path() const { return path_; }
  // path()/name
  std::string Join(std::string_view name) const;
  // Whether a file or directory exists at path.
  static bool Exists(const std::string& path);

 private:
  std::string path_;
};

}  // namespace backtrace::testing
