// What the `dsptsync` command files share (docs/cli.md): the global options, opening the store once
// for every command, and the small formatting helpers. Each command is parse -> call -> present:
// options kept by the command line, one call on the Workspace (or sync), one Output.
#pragma once

#include "dsptsync/cli/command_line.h"
#include "dsptsync/client/workspace.h"
#include "dsptsync/service/json.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

namespace dsptsync::client {

using nlohmann::json;

// What a command produced: JSON for --json, text for people.
using Output = cli::CommandOutput;

struct GlobalOptions {
  std::string store_dir;
  std::string user;
};

std::optional<std::string> passphrase_from_environment();
std::filesystem::path store_dir(const GlobalOptions& global);
// The store opened as every command opens it: --store, the passphrase, --user or $DSPTSYNC_USER.
Result<std::unique_ptr<Workspace>> open_workspace(const GlobalOptions& global);

// The command line being built, with the global options every command reads and the streams the
// long-running commands (sync --watch, ui) write to as they go.
struct BranchCli {
  cli::CommandLine& line;
  const GlobalOptions& global;
  std::ostream& out;
  std::ostream& err;

  // `command` runs `work` on the local store, opened once for it.
  void on_store_run(CLI::App* command, std::function<Result<Output>(Workspace&)> work);
};

// Opens the store and runs `work` on it: for commands that check their own options first.
Result<Output> with_workspace(const GlobalOptions& global, const std::function<Result<Output>(Workspace&)>& work);

using service::value_json;
std::string value_text(const std::optional<FieldValue>& value);
// An edit's output: {"changes": [...]} for --json, `text` otherwise.
Output changes_output(const std::vector<Change>& changes, const std::string& text);

// The command groups, one file each.
void add_init_command(BranchCli& cli);        // init (cli_store.cpp)
void add_sync_commands(BranchCli& cli);       // enrol, sync, status, ui (cli_store.cpp)
// items, show, answer, comment, clear, confirm, unconfirm, owner, assertions, override (cli_answers.cpp)
void add_answer_commands(BranchCli& cli);
void add_profile_commands(BranchCli& cli);    // profile, plan (cli_profile.cpp)
void add_report_commands(BranchCli& cli);     // progress, export, rollforward (cli_reports.cpp)
void add_change_commands(BranchCli& cli);     // history, conflicts, resolve (cli_changes.cpp)
void add_catalogue_commands(BranchCli& cli);  // catalogue import, show (cli_catalogue.cpp)
void add_incident_commands(BranchCli& cli);   // incident add, list, show, edit, close (cli_incidents.cpp)
void add_document_commands(BranchCli& cli);   // doc list, show, get, open, ack, attach, version (cli_documents.cpp)

}  // namespace dsptsync::client
