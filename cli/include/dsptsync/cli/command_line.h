// The one entry both command lines share (docs/cli.md): parse with CLI11, run the one command chosen,
// and report it: text for people, JSON with --json, errors as "PROGRAM: message" on stderr (and
// {"error": {kind, message}} on stdout with --json), and the exit code of the error's kind (2 for a
// command line CLI11 refuses). Each command is parse -> call -> present: its options are kept here,
// its work is one function returning a CommandOutput.
#pragma once

#include "dsptsync/error.h"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dsptsync::cli {

struct CommandOutput {
  nlohmann::json data;  // printed with --json (nothing when null)
  std::string text;     // printed otherwise
  // Set when the command ran but what it reports is a failure (a publish refused with every
  // problem listed): the output above is printed, the error's message goes to stderr, and the
  // exit code is the error kind's.
  std::optional<Error> failure;
};

using CommandWork = std::function<Result<CommandOutput>()>;

// Runs a parsed command, prints its output or its error, and returns the exit code. An exception
// escaping the command is reported as an internal error (exit 1), never as a crash.
int report_command(std::string_view program, const CommandWork& work, bool as_json, std::ostream& out,
                   std::ostream& err);

// Parses the command line into `app`, whose chosen command sets `chosen` while it is parsed, then
// reports it as above; help, a command line CLI11 refuses and no command at all are answered here.
int parse_and_run(CLI::App& app, std::string_view program, const CommandWork& chosen, const bool& as_json, int argc,
                  const char* const* argv, std::ostream& out, std::ostream& err);

class CommandLine {
 public:
  CommandLine(std::string program, const std::string& description);
  CommandLine(const CommandLine&) = delete;
  CommandLine& operator=(const CommandLine&) = delete;

  CLI::App& app() { return app_; }
  // --json, a global flag of both programs.
  bool as_json() const { return as_json_; }

  // A command's options, kept as long as this command line: CLI11 writes into them while it parses,
  // after the function that declared the command has returned.
  template <typename Options>
  Options& keep() {
    auto options = std::make_shared<Options>();
    kept_.push_back(options);
    return *options;
  }

  // What `command` does once the command line is parsed, if it is the one chosen.
  void on_run(CLI::App* command, CommandWork work);

  // Parses, runs the command chosen and reports it; returns the exit code.
  int run(int argc, const char* const* argv, std::ostream& out, std::ostream& err);

 private:
  std::string program_;
  CLI::App app_;
  bool as_json_ = false;
  CommandWork chosen_;
  std::vector<std::shared_ptr<void>> kept_;
};

}  // namespace dsptsync::cli
