// Errors and results used across every layer.
//
// Every fallible call returns Result<T> (or Status): the error says what was wrong in words a
// branch manager can act on, and its kind decides the CLI exit code and the wire error code.
#pragma once

#include <boost/assert/source_location.hpp>
#include <boost/system/result.hpp>

#include <stdexcept>
#include <string>
#include <string_view>

namespace dsptsync {

enum class ErrorKind {
  invalid_input,  // a value, code, item, file or frame that is wrong; nothing was changed
  not_found,      // the thing named does not exist (no store, no such branch)
  refused,        // valid, but the rules or permissions refuse it (viewer edit, publish not ready)
  store,          // the local or server database could not be used
  corrupt,        // stored or received data failed an integrity check
  io,             // a file could not be read or written
  network,        // the server could not be reached or the connection failed
  protocol,       // the peer broke the sync protocol
  internal,       // a bug: report it
};

std::string_view to_string(ErrorKind kind);

struct Error {
  ErrorKind kind = ErrorKind::internal;
  std::string message;
};

// Lets boost::system::result<T, Error>::value() throw something readable.
class ErrorException : public std::runtime_error {
 public:
  explicit ErrorException(Error error) : std::runtime_error(error.message), error_(std::move(error)) {}
  const Error& error() const { return error_; }

 private:
  Error error_;
};
[[noreturn]] void throw_exception_from_error(const Error& error, const boost::source_location& where);

template <class T>
using Result = boost::system::result<T, Error>;
using Status = Result<void>;

inline Error make_error(ErrorKind kind, std::string message) { return Error{kind, std::move(message)}; }
inline Error invalid_input(std::string message) { return {ErrorKind::invalid_input, std::move(message)}; }
inline Error not_found(std::string message) { return {ErrorKind::not_found, std::move(message)}; }
inline Error refused(std::string message) { return {ErrorKind::refused, std::move(message)}; }
inline Error store_error(std::string message) { return {ErrorKind::store, std::move(message)}; }
inline Error corrupt(std::string message) { return {ErrorKind::corrupt, std::move(message)}; }
inline Error io_error(std::string message) { return {ErrorKind::io, std::move(message)}; }

// The exit code a command-line tool returns for an error of this kind (docs/cli.md).
int exit_code_for(ErrorKind kind);

}  // namespace dsptsync
