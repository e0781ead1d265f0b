#pragma once
// Status and Result<T>: the error values that cross every module boundary.
//
// A Status is ok or carries a code, a message a user can act on, and whether the
// failure is retryable (a transient I/O error) or not (bad input, a bug in the
// topology). Result<T> is a T or a non-ok Status. Neither throws.
//
// Thread-safety: values; no shared state.

#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace topo {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,  // bad input from the user: topology, expression, record
  kNotFound,
  kAlreadyExists,
  kFailedPrecondition,
  kOutOfRange,
  kUnimplemented,
  kIoError,
  kInternal,
  kAborted,  // processing must stop: a node's `fail` error policy ran (message names the node)
  // This instance lost ownership of its work: a newer producer with its
  // transactional id, or a newer group generation, took over (Kafka's
  // ProducerFenced / TaskMigrated). Close the tasks without committing and rejoin.
  kFenced,
};

class [[nodiscard]] Status {
 public:
  Status() = default;
  static Status Ok() { return Status(); }
  static Status Invalid(std::string msg) { return Status(StatusCode::kInvalidArgument, std::move(msg)); }
  static Status NotFound(std::string msg) { return Status(StatusCode::kNotFound, std::move(msg)); }
  static Status AlreadyExists(std::string msg) { return Status(StatusCode::kAlreadyExists, std::move(msg)); }
  static Status FailedPrecondition(std::string msg) {
    return Status(StatusCode::kFailedPrecondition, std::move(msg));
  }
  static Status OutOfRange(std::string msg) { return Status(StatusCode::kOutOfRange, std::move(msg)); }
  static Status Unimplemented(std::string msg) { return Status(StatusCode::kUnimplemented, std::move(msg)); }
  static Status IoError(std::string msg, bool retryable = true) {
    Status s(StatusCode::kIoError, std::move(msg));
    s.retryable_ = retryable;
    return s;
  }
  static Status Internal(std::string msg) { return Status(StatusCode::kInternal, std::move(msg)); }
  static Status Aborted(std::string msg) { return Status(StatusCode::kAborted, std::move(msg)); }
  static Status Fenced(std::string msg) { return Status(StatusCode::kFenced, std::move(msg)); }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return msg_; }
  // Whether trying the same operation again may succeed (transient I/O).
  bool retryable() const { return retryable_; }

  // Returns a copy whose message is "<prefix>: <message>".
  Status WithContext(std::string_view prefix) const {
    if (ok()) return *this;
    Status s = *this;
    s.msg_ = std::string(prefix) + ": " + msg_;
    return s;
  }
  // Marks an ignored status as intentionally ignored (write why at the call site).
  void IgnoreError() const {}

  std::string ToString() const;

 private:
  Status(StatusCode code, std::string msg) : code_(code), msg_(std::move(msg)) {}
  StatusCode code_ = StatusCode::kOk;
  bool retryable_ = false;
  std::string msg_;
};

template <typename T>
class [[nodiscard]] Result {
 public:
  // Two overloads rather than one by value: a by-value parameter costs a
  // second move of T on every `return value;` (a Record on the per-record path).
  Result(const T& value) : v_(std::in_place_index<0>, value) {}        // NOLINT: implicit by design
  Result(T&& value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {                      // NOLINT: implicit by design
    if (std::get<Status>(v_).ok()) std::abort();                       // a Result never holds an ok Status
  }
  bool ok() const { return v_.index() == 0; }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Status> v_;
};

#define TOPO_CONCAT_INNER(a, b) a##b
#define TOPO_CONCAT(a, b) TOPO_CONCAT_INNER(a, b)

#define RETURN_IF_ERROR(expr)    \
  do {                           \
    ::topo::Status _st = (expr); \
    if (!_st.ok()) return _st;   \
  } while (0)

#define ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                          \
  if (!tmp.ok()) return tmp.status();         \
  lhs = std::move(tmp).value()

#define ASSIGN_OR_RETURN(lhs, expr) ASSIGN_OR_RETURN_IMPL(TOPO_CONCAT(_res_, __LINE__), lhs, expr)

}  // namespace topo
