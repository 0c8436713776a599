// Status and Result<T>: how every fallible function in BacktraceDB reports
// failure across module boundaries. Errors are values; exceptions never cross
// a module, thread or process boundary.
//
// A Status is either OK or carries a code and a message that names what went
// wrong (the file, the column, the offset...). Result<T> holds either a value
// or a non-OK Status. Both are cheap to move and are [[nodiscard]]: ignoring
// one is a compile warning.
//
// Thread safety: plain values; distinct objects may be used from any thread.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace backtrace {

// Kinds of failure. A resource error (kNoSpace, kResourceExhausted) is never
// reported as kCorruption: callers decide what to do by the code.
enum class StatusCode : int {
  kOk = 0,
  kInvalidArgument = 1,   // the caller asked for something malformed
  kNotFound = 2,          // a named thing does not exist
  kAlreadyExists = 3,     // a named thing exists and differs
  kCorruption = 4,        // stored bytes fail their checks
  kIoError = 5,           // the operating system refused an I/O operation
  kNoSpace = 6,           // ENOSPC / EDQUOT
  kResourceExhausted = 7, // ENOMEM, EMFILE, limits such as query memory
  kFailedPrecondition = 8,// the object is in a state that forbids the call
  kAborted = 9,           // the operation was cut short (shutdown, timeout)
  kNotSupported = 10,     // a valid request this build cannot serve
  kInternal = 11,         // a broken invariant: a bug
  kBusy = 12,             // try again later (backpressure, full queue)
};

// Returns the stable lower-case name of a code, e.g. "corruption".
std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(StatusCode code, std::string message)
      : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }
  static Status InvalidArgument(std::string m) { return {StatusCode::kInvalidArgument, std::move(m)}; }
  static Status NotFound(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
  static Status AlreadyExists(std::string m) { return {StatusCode::kAlreadyExists, std::move(m)}; }
  static Status Corruption(std::string m) { return {StatusCode::kCorruption, std::move(m)}; }
  static Status IoError(std::string m) { return {StatusCode::kIoError, std::move(m)}; }
  static Status NoSpace(std::string m) { return {StatusCode::kNoSpace, std::move(m)}; }
  static Status ResourceExhausted(std::string m) { return {StatusCode::kResourceExhausted, std::move(m)}; }
  static Status FailedPrecondition(std::string m) { return {StatusCode::kFailedPrecondition, std::move(m)}; }
  static Status Aborted(std::string m) { return {StatusCode::kAborted, std::move(m)}; }
  static Status NotSupported(std::string m) { return {StatusCode::kNotSupported, std::move(m)}; }
  static Status Internal(std::string m) { return {StatusCode::kInternal, std::move(m)}; }
  static Status Busy(std::string m) { return {StatusCode::kBusy, std::move(m)}; }

  // Maps an errno value from a failed system call to a Status whose message is
  // "<context>: <strerror>". ENOSPC/EDQUOT become kNoSpace; ENOMEM, EMFILE,
  // ENFILE become kResourceExhausted; ENOENT becomes kNotFound; the rest
  // kIoError.
  static Status FromErrno(int error_number, std::string_view context);

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  bool IsCorruption() const { return code_ == StatusCode::kCorruption; }
  bool IsNotFound() const { return code_ == StatusCode::kNotFound; }

  // "OK" or "<code name>: <message>".
  std::string ToString() const;

  // Returns a copy whose message is prefixed with "<context>: ".
  Status WithContext(std::string_view context) const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

// Either a value of type T or a non-OK Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : storage_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : storage_(std::move(status)) {  // NOLINT
    assert(!std::get<Status>(storage_).ok() && "Result from an OK Status");
    if (std::get<Status>(storage_).ok()) {
      storage_ = Status::Internal("Result constructed from an OK status");
    }
  }

  bool ok() const { return std::holds_alternative<T>(storage_); }
  const Status& status() const {
    static const Status kOkStatus;
    return ok() ? kOkStatus : std::get<Status>(storage_);
  }

  T& value() & { return std::get<T>(storage_); }
  const T& value() const& { return std::get<T>(storage_); }
  T&& value() && { return std::get<T>(std::move(storage_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Status> storage_;
};

}  // namespace backtrace

#define BACKTRACE_CONCAT_INNER(a, b) a##b
#define BACKTRACE_CONCAT(a, b) BACKTRACE_CONCAT_INNER(a, b)

// Returns the Status from the enclosing function if `expression` is not OK.
#define RETURN_IF_ERROR(expression)                          \
  do {                                                       \
    ::backtrace::Status backtrace_status_ = (expression);    \
    if (!backtrace_status_.ok()) return backtrace_status_;   \
  } while (false)

// `ASSIGN_OR_RETURN(auto x, MakeX());` declares x from a Result or returns its
// Status from the enclosing function.
#define ASSIGN_OR_RETURN(declaration, expression)                            \
  auto BACKTRACE_CONCAT(backtrace_result_, __LINE__) = (expression);         \
  if (!BACKTRACE_CONCAT(backtrace_result_, __LINE__).ok())                   \
    return BACKTRACE_CONCAT(backtrace_result_, __LINE__).status();           \
  declaration = std::move(BACKTRACE_CONCAT(backtrace_result_, __LINE__)).value()
