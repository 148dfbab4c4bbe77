// What a command-line command produces, and how both CLIs report it (docs/cli.md): text for
// people, JSON with --json, errors as "PROGRAM: message" on stderr (and {"error": {kind, message}}
// on stdout with --json), and the exit code of the error's kind.
#pragma once

#include "dsptsync/error.h"

#include <nlohmann/json.hpp>

#include <functional>
#include <iosfwd>
#include <string>
#include <string_view>

namespace dsptsync {

struct CommandOutput {
  nlohmann::json data;  // printed with --json (nothing when null)
  std::string text;     // printed otherwise
};

// Runs a parsed command, prints its output or its error, and returns the exit code. An exception
// escaping the command is reported as an internal error (exit 1), never as a crash.
int report_command(std::string_view program, const std::function<Result<CommandOutput>()>& run, bool as_json,
                   std::ostream& out, std::ostream& err);

}  // namespace dsptsync
