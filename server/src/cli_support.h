// What the `dsptsync-server` command files share (docs/cli.md): the global options, opening the data
// folder once for every command (and naming who acts, for the editing ones), and the small formatting
// helpers. Each command is parse -> call -> present: options kept by the command line, one call on
// HeadOffice, one Output.
#pragma once

#include "dsptsync/cli/command_line.h"
#include "dsptsync/server/head_office.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <functional>
#include <iosfwd>
#include <map>
#include <optional>
#include <string>

namespace dsptsync::server {

using nlohmann::json;

// What a command produced: JSON for --json, text for people.
using Output = cli::CommandOutput;

struct GlobalOptions {
  std::string data_dir;
};

// Invites live a week unless told otherwise; longer than a quarter leaves a working secret lying
// around in someone's email for too long.
inline constexpr int kDefaultValidDays = 7;
inline constexpr int kMaxValidDays = 90;

std::optional<std::string> passphrase_from_environment();  // $DSPTSYNC_SERVER_PASSPHRASE
std::filesystem::path data_dir(const GlobalOptions& global);
Result<std::unique_ptr<HeadOffice>> open_head_office(const GlobalOptions& global);
// Who is acting: --as, else $DSPTSYNC_SERVER_USER; empty when neither says.
std::string acting_name(const std::string& as);

// The command line being built, with the global options every command reads and the stream `serve`
// reports on as it starts.
struct ServerCli {
  cli::CommandLine& line;
  const GlobalOptions& global;
  std::ostream& out;

  // `command` runs `work` on the data folder, opened once for it.
  void on_office_run(CLI::App* command, std::function<Result<Output>(HeadOffice&)> work);
  // The same for a command made by a head office user (--as NAME or $DSPTSYNC_SERVER_USER), who is
  // looked up before `work` runs.
  void on_acting_run(CLI::App* command, const std::string& as,
                     std::function<Result<Output>(HeadOffice&, const User&)> work);
};

// Opens the data folder and runs `work`: for commands that check their own options first.
Result<Output> with_head_office(const GlobalOptions& global, const std::function<Result<Output>(HeadOffice&)>& work);
Result<Output> with_acting_user(const GlobalOptions& global, const std::string& as,
                                const std::function<Result<Output>(HeadOffice&, const User&)>& work);

// --as for a command made by a head office user; `who` says which ("user making the change").
void add_as_option(CLI::App* command, std::string& as, const std::string& who);

json optional_time(const std::optional<TimestampMs>& at);
// Head office staff have no branch: null in JSON, "head office" in text.
json branch_json(const std::string& branch);
std::string branch_text(const std::string& branch, const std::map<std::string, std::string>& names);
Result<std::map<std::string, std::string>> branch_names(HeadOffice& office);

// The command groups, one file each.
void add_organisation_commands(ServerCli& cli);  // init, branch, invite (cli_organisation.cpp)
void add_people_commands(ServerCli& cli);        // user list|revoke|reinstate|add|passwd (cli_people.cpp)
void add_report_commands(ServerCli& cli);        // progress, conflicts, overrides, audit (cli_reports.cpp)
void add_operations_commands(ServerCli& cli);    // backup, restore, serve (cli_organisation.cpp)
// Head office's own work: answer, confirm, unconfirm, plan, sharing, rollforward (cli_head_office.cpp).
void add_head_office_commands(ServerCli& cli);
void add_publishing_commands(ServerCli& cli);    // publish, publications, export, certificate (cli_publishing.cpp)
void add_catalogue_commands(ServerCli& cli);     // catalogue import|show|list (cli_catalogue.cpp)
void add_incident_commands(ServerCli& cli);      // incidents, incident add|show|edit|close (cli_incidents.cpp)
void add_document_commands(ServerCli& cli);      // doc add|version|edit|pin|list|show|get|acks (cli_documents.cpp)

}  // namespace dsptsync::server
