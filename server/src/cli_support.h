// What the server CLI's command files share: global options, opening the data folder, and the
// small formatting helpers (docs/cli.md describes the commands).
#pragma once

#include "dsptsync/cli/command_line.h"
#include "dsptsync/server/head_office.h"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <functional>
#include <map>
#include <optional>
#include <string>

namespace dsptsync::server {

using nlohmann::json;

// What a command produced: JSON for --json, text for people.
using Output = cli::CommandOutput;

struct GlobalOptions {
  std::string data_dir;
  bool as_json = false;
};

// Invites live a week unless told otherwise; longer than a quarter leaves a working secret lying
// around in someone's email for too long.
inline constexpr int kDefaultValidDays = 7;
inline constexpr int kMaxValidDays = 90;

inline std::optional<std::string> passphrase_from_environment() {
  if (const char* value = std::getenv("DSPTSYNC_SERVER_PASSPHRASE"); value && *value) return std::string(value);
  return std::nullopt;
}

inline std::filesystem::path data_dir(const GlobalOptions& global) {
  if (!global.data_dir.empty()) return global.data_dir;
  if (const char* env = std::getenv("DSPTSYNC_SERVER_DATA"); env && *env) return env;
  return std::filesystem::path("dsptsync-data");
}

inline Result<std::unique_ptr<HeadOffice>> open_head_office(const GlobalOptions& global) {
  return HeadOffice::open(data_dir(global), passphrase_from_environment());
}

inline json optional_time(const std::optional<TimestampMs>& at) {
  return at ? json(format_timestamp(*at)) : json(nullptr);
}

// Head office staff have no branch: null in JSON, "head office" in text.
inline json branch_json(const std::string& branch) { return branch.empty() ? json(nullptr) : json(branch); }

inline std::string branch_text(const std::string& branch, const std::map<std::string, std::string>& names) {
  if (branch.empty()) return "head office";
  auto found = names.find(branch);
  return found == names.end() ? branch : found->second + " (" + branch + ")";
}

inline Result<std::map<std::string, std::string>> branch_names(HeadOffice& office) {
  auto branches = office.directory().branches();
  if (!branches) return branches.error();
  std::map<std::string, std::string> names;
  for (const auto& branch : *branches) names[branch.ods] = branch.name;
  return names;
}

// Who is acting: --as, else $DSPTSYNC_SERVER_USER.
inline std::string acting_name(const std::string& as) {
  if (!as.empty()) return as;
  if (const char* env = std::getenv("DSPTSYNC_SERVER_USER"); env && *env) return env;
  return {};
}

// Opens the data folder and names the acting user in one step, as every editing command needs.
struct Acting {
  std::unique_ptr<HeadOffice> office;
  User user;
};
inline Result<Acting> open_acting(const GlobalOptions& global, const std::string& as) {
  auto office = open_head_office(global);
  if (!office) return office.error();
  auto user = office.value()->acting_user(acting_name(as));
  if (!user) return user.error();
  return Acting{std::move(*office), std::move(*user)};
}

// Where each subcommand puts the work it does once the command line has been parsed.
using CommandRun = std::function<Result<Output>()>;

// Head office's own work: answer, confirm, plan, sharing, overrides, publish, publications,
// export, certificate, rollforward, user add (cli_head_office.cpp).
void add_head_office_commands(CLI::App& app, GlobalOptions& global, CommandRun& run);
// The question set in force: catalogue import, show, list (cli_catalogue.cpp).
void add_catalogue_commands(CLI::App& app, GlobalOptions& global, CommandRun& run);

}  // namespace dsptsync::server
