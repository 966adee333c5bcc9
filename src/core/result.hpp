// Error values with context, and Result<T>: a value or an Error.
//
// Pure parsers and stores return Result instead of throwing, so callers must look at the
// failure (there is no implicit conversion from Result to T). `Error::kind` tells callers how to
// react (an SMTP reply class, a retry); `message` is the private reason with context for logs.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace stsrelay::core {

enum class ErrorKind {
  invalid,    // bad input: syntax, out-of-range value
  not_found,  // the thing asked for does not exist
  temporary,  // try again later (I/O, timeout, lock)
  permanent,  // will not succeed if retried
  no_space,   // the disk (or a quota) is full: SMTP 452 4.3.1
};

std::string_view to_string(ErrorKind kind);

struct Error {
  ErrorKind kind = ErrorKind::invalid;
  std::string message;

  static Error invalid(std::string m) { return {ErrorKind::invalid, std::move(m)}; }
  static Error not_found(std::string m) { return {ErrorKind::not_found, std::move(m)}; }
  static Error temporary(std::string m) { return {ErrorKind::temporary, std::move(m)}; }
  static Error permanent(std::string m) { return {ErrorKind::permanent, std::move(m)}; }
  static Error no_space(std::string m) { return {ErrorKind::no_space, std::move(m)}; }
};

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}
  Result(Error error) : v_(std::in_place_index<1>, std::move(error)) {}

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

// Result of an operation that yields nothing but can fail.
struct Ok {};
using Status = Result<Ok>;

}  // namespace stsrelay::core
