#include "dsptsync/server/cli.h"

#include "cli_support.h"

#include <cstdlib>

namespace dsptsync::server {

std::optional<std::string> passphrase_from_environment() {
  if (const char* value = std::getenv("DSPTSYNC_SERVER_PASSPHRASE"); value && *value) return std::string(value);
  return std::nullopt;
}

std::filesystem::path data_dir(const GlobalOptions& global) {
  if (!global.data_dir.empty()) return global.data_dir;
  if (const char* env = std::getenv("DSPTSYNC_SERVER_DATA"); env && *env) return env;
  return std::filesystem::path("dsptsync-data");
}

Result<std::unique_ptr<HeadOffice>> open_head_office(const GlobalOptions& global) {
  return HeadOffice::open(data_dir(global), passphrase_from_environment());
}

std::string acting_name(const std::string& as) {
  if (!as.empty()) return as;
  if (const char* env = std::getenv("DSPTSYNC_SERVER_USER"); env && *env) return env;
  return {};
}

Result<Output> with_head_office(const GlobalOptions& global, const std::function<Result<Output>(HeadOffice&)>& work) {
  auto office = open_head_office(global);
  if (!office) return office.error();
  return work(**office);
}

Result<Output> with_acting_user(const GlobalOptions& global, const std::string& as,
                                const std::function<Result<Output>(HeadOffice&, const User&)>& work) {
  return with_head_office(global, [&](HeadOffice& office) -> Result<Output> {
    auto user = office.acting_user(acting_name(as));
    if (!user) return user.error();
    return work(office, *user);
  });
}

void ServerCli::on_office_run(CLI::App* command, std::function<Result<Output>(HeadOffice&)> work) {
  line.on_run(command, [&global = global, work = std::move(work)] { return with_head_office(global, work); });
}

void ServerCli::on_acting_run(CLI::App* command, const std::string& as,
                              std::function<Result<Output>(HeadOffice&, const User&)> work) {
  line.on_run(command,
              [&global = global, &as, work = std::move(work)] { return with_acting_user(global, as, work); });
}

void add_as_option(CLI::App* command, std::string& as, const std::string& who) {
  command->add_option("--as", as, "the head office " + who + " (default $DSPTSYNC_SERVER_USER)");
}

json optional_time(const std::optional<TimestampMs>& at) { return at ? json(format_timestamp(*at)) : json(nullptr); }

json branch_json(const std::string& branch) { return branch.empty() ? json(nullptr) : json(branch); }

std::string branch_text(const std::string& branch, const std::map<std::string, std::string>& names) {
  if (branch.empty()) return "head office";
  auto found = names.find(branch);
  return found == names.end() ? branch : found->second + " (" + branch + ")";
}

Result<std::map<std::string, std::string>> branch_names(HeadOffice& office) {
  auto branches = office.directory().branches();
  if (!branches) return branches.error();
  std::map<std::string, std::string> names;
  for (const auto& branch : *branches) names[branch.ods] = branch.name;
  return names;
}

int run_server_cli(int argc, const char* const* argv, std::ostream& out, std::ostream& err) {
  cli::CommandLine line("dsptsync-server",
                        "dsptsync-server: the head office server of dsptsync (branches, people, progress, sync)");
  GlobalOptions global;
  line.app().add_option("--data", global.data_dir, "data folder (default $DSPTSYNC_SERVER_DATA, else ./dsptsync-data)");
  ServerCli cli{line, global, out};
  add_organisation_commands(cli);
  add_people_commands(cli);
  add_report_commands(cli);
  add_operations_commands(cli);
  add_head_office_commands(cli);
  add_publishing_commands(cli);
  add_catalogue_commands(cli);
  add_incident_commands(cli);
  add_document_commands(cli);
  return line.run(argc, argv, out, err);
}

}  // namespace dsptsync::server
