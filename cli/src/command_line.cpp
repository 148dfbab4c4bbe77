#include "dsptsync/cli/command_line.h"

#include <algorithm>
#include <ostream>
#include <vector>

namespace dsptsync::cli {
namespace {

// How many single-letter insertions, deletions or substitutions turn one word into the other.
std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// The option `name` of the command reached or of one it falls through to, if there is one.
const CLI::Option* option_named(CLI::App* command, const std::string& name) {
  for (; command; command = command->get_parent())
    if (const CLI::Option* option = command->get_option_no_throw(name)) return option;
  return nullptr;
}

// The words typed up to the first one that should name a command and does not: "plan sett" for
// `dsptsync plan sett`; empty when every command word is known (the parse failed for another reason).
struct UnknownCommand {
  std::string typed;                     // the command words as typed, the wrong one last
  std::vector<std::string> suggestions;  // the known ones it is closest to, with the words before it
};

std::optional<UnknownCommand> unknown_command(CLI::App& app, int argc, const char* const* argv) {
  CLI::App* current = &app;
  std::string path;
  for (int i = 1; i < argc; ++i) {
    const std::string word = argv[i];
    if (word == "--") return std::nullopt;
    if (word.starts_with("-")) {
      const CLI::Option* option = word.find('=') == std::string::npos ? option_named(current, word) : nullptr;
      if (option && option->get_items_expected_max() > 0) ++i;  // the option's value
      continue;
    }
    const auto commands = current->get_subcommands(std::function<bool(CLI::App*)>{});
    auto known = std::find_if(commands.begin(), commands.end(), [&](CLI::App* c) { return c->check_name(word); });
    if (known != commands.end()) {
      current = *known;
      path += word + " ";
      continue;
    }
    // A word where the command takes arguments is one of them, not a command.
    if (commands.empty() || !current->get_options([](const CLI::Option* o) { return o->get_positional(); }).empty())
      return std::nullopt;
    std::vector<std::pair<std::size_t, std::string>> close;
    for (CLI::App* command : commands) {
      const std::string& name = command->get_name();
      const std::size_t distance = edit_distance(word, name);
      if (distance <= std::max<std::size_t>(1, name.size() / 3) || name.starts_with(word))
        close.emplace_back(distance, name);
    }
    std::sort(close.begin(), close.end());
    UnknownCommand unknown{path + word, {}};
    for (std::size_t k = 0; k < close.size() && k < 3; ++k) unknown.suggestions.push_back(path + close[k].second);
    return unknown;
  }
  return std::nullopt;
}

std::string quoted_list(const std::vector<std::string>& words) {
  std::string out;
  for (std::size_t i = 0; i < words.size(); ++i)
    out += (i == 0 ? "" : i + 1 == words.size() ? " or " : ", ") + ("'" + words[i] + "'");
  return out;
}

}  // namespace

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
  // The same options on every platform (docs/cli.md): on Windows CLI11 would also read `/name` as
  // an option, and take an argument such as the path /exports/leeds.xlsx for one. Subcommands
  // made after this inherit it.
  app_.allow_windows_style_options(false);
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
    if (auto unknown = unknown_command(app, argc, argv)) {
      err << program << ": unknown command '" << unknown->typed << "'";
      if (!unknown->suggestions.empty()) err << "; did you mean " << quoted_list(unknown->suggestions) << "?";
      err << "\nRun '" << program << " --help' for the commands.\n";
      return 2;
    }
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
