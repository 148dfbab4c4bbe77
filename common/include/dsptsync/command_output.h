// What a command-line command produces, and how both CLIs report it (docs/cli.md): text for
// people, JSON with --json, errors as "PROGRAM: message" on stderr (and {"error": {kind, message}}
// on stdout with --json), and the exit code of the error's kind.
#pragma once

#include "dsptsync/error.h"

#include <nlohmann/json.hpp>

#include <functional>
#include <optional>
#include <iosfwd>
#include <string>
#include <string_view>

namespace dsptsync {

struct CommandOutput {
  nlohmann::json data;  // printed with --json (nothing when null)
  std::string text;     // printed otherwise
  // Set when the command ran but what it reports is a failure (a publish refused with every
  // problem listed): the output above is printed, the error's message goes to stderr, and the
  // exit code is the error kind's.
  std::optional<Error> failure;
};

// Runs a parsed command, prints its output or its error, and returns the exit code. An exception
// escaping the command is reported as an internal error (exit 1), never as a crash.
int report_command(std::string_view program, const std::function<Result<CommandOutput>()>& run, bool as_json,
                   std::ostream& out, std::ostream& err);

}  // namespace dsptsync
