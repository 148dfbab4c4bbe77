#include "dsptsync/cli/command_line.h"

#include <ostream>

namespace dsptsync::cli {

int report_command(std::string_view program, const CommandWork& work, bool as_json, std::ostream& out,
                   std::ostream& err) {
  Result<CommandOutput> result = [&]() -> Result<CommandOutput> {
    try {
      return work();
    } catch (const std::exception& e) {
      return make_error(ErrorKind::internal, std::string("unexpected failure: ") + e.what());
    }
  }();
  if (!result) {
    const Error& error = result.error();
    if (as_json)
      out << nlohmann::json{{"error", {{"kind", to_string(error.kind)}, {"message", error.message}}}}.dump(2) << "\n";
    err << program << ": " << error.message << "\n";
    return exit_code_for(error.kind);
  }
  if (as_json) {
    if (!result->data.is_null()) out << result->data.dump(2) << "\n";
  } else {
    out << result->text;
  }
  if (result->failure) {
    err << program << ": " << result->failure->message << "\n";
    return exit_code_for(result->failure->kind);
  }
  return 0;
}

CommandLine::CommandLine(std::string program, const std::string& description)
    : program_(std::move(program)), app_(description, program_) {
  // Global options may come after the command too: `dsptsync items --json`.
  app_.fallthrough(true);
  app_.require_subcommand(1);
}

void CommandLine::on_run(CLI::App* command, CommandWork work) {
  command->callback([this, work = std::move(work)] { chosen_ = work; });
}

int CommandLine::run(int argc, const char* const* argv, std::ostream& out, std::ostream& err) {
  // Added last, so --help lists it after each program's own global options, as it always has.
  app_.add_flag("--json", as_json_, "print JSON instead of text");
  return parse_and_run(app_, program_, chosen_, as_json_, argc, argv, out, err);
}

int parse_and_run(CLI::App& app, std::string_view program, const CommandWork& chosen, const bool& as_json, int argc,
                  const char* const* argv, std::ostream& out, std::ostream& err) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    out << app.help();
    return 0;
  } catch (const CLI::CallForAllHelp&) {
    out << app.help("", CLI::AppFormatMode::All);
    return 0;
  } catch (const CLI::ParseError& e) {
    err << program << ": " << e.what() << "\nRun '" << program << " --help' for the commands and their options.\n";
    return 2;
  }
  if (!chosen) {
    err << program << ": choose a command; '" << program << " --help' lists them\n";
    return 2;
  }
  return report_command(program, chosen, as_json, out, err);
}

}  // namespace dsptsync::cli
