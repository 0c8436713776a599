// ByteSource: where a streaming text reader (such as CsvReader) gets its
// bytes, one read-sized piece at a time. FileByteSource reads an open file,
// pipe or terminal (stdin included) through the file layer; StringByteSource
// serves bytes already in memory.
//
// A source is used by one thread at a time.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "common/base/file.h"
#include "common/base/status.h"

namespace backtrace {

class ByteSource {
 public:
  virtual ~ByteSource() = default;

  // Copies up to `capacity` (> 0) bytes into `buffer` and returns how many;
  // 0 means the end of the input. An error (a Status naming the source and
  // the system's reason) leaves the source unusable.
  [[nodiscard]] virtual Result<size_t> Read(char* buffer, size_t capacity) = 0;

  // What the source reads, for messages: a path, "<stdin>", "<memory>".
  virtual const std::string& name() const = 0;
};

// Reads an open file, pipe or terminal from its current offset. Owns the
// File and closes it when destroyed. For standard input pass
// io::File(dup(STDIN_FILENO), "<stdin>") (or STDIN_FILENO itself when closing
// it at the end is fine).
class FileByteSource final : public ByteSource {
 public:
  explicit FileByteSource(io::File file) : file_(std::move(file)) {}

  Result<size_t> Read(char* buffer, size_t capacity) override;
  const std::string& name() const override { return file_.path(); }

 private:
  io::File file_;
};

// Serves a block of memory that the caller owns and keeps alive for the
// source's life.
class StringByteSource final : public ByteSource {
 public:
  explicit StringByteSource(std::string_view data) : data_(data) {}

  Result<size_t> Read(char* buffer, size_t capacity) override;
  const std::string& name() const override { return name_; }

 private:
  std::string_view data_;
  size_t position_ = 0;
  std::string name_ = "<memory>";
};

}  // namespace backtrace
