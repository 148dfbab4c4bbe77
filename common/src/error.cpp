#include "dsptsync/error.h"

namespace dsptsync {

std::string_view to_string(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::invalid_input: return "invalid_input";
    case ErrorKind::not_found: return "not_found";
    case ErrorKind::refused: return "refused";
    case ErrorKind::store: return "store";
    case ErrorKind::corrupt: return "corrupt";
    case ErrorKind::io: return "io";
    case ErrorKind::network: return "network";
    case ErrorKind::protocol: return "protocol";
    case ErrorKind::internal: return "internal";
  }
  return "internal";
}

void throw_exception_from_error(const Error& error, const boost::source_location&) { throw ErrorException(error); }

int exit_code_for(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::refused: return 3;
    case ErrorKind::invalid_input: return 4;
    case ErrorKind::not_found: return 4;
    case ErrorKind::store: return 5;
    case ErrorKind::corrupt: return 5;
    case ErrorKind::io: return 5;
    case ErrorKind::network: return 6;
    case ErrorKind::protocol: return 6;
    case ErrorKind::internal: return 1;
  }
  return 1;
}

}  // namespace dsptsync
