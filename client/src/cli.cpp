#include "dsptsync/client/cli.h"

#include "cli_commands.h"
#include "dsptsync/platform.h"

namespace dsptsync::client {

std::optional<std::string> passphrase_from_environment() { return platform::environment("DSPTSYNC_PASSPHRASE"); }

std::filesystem::path store_dir(const GlobalOptions& global) {
  return global.store_dir.empty() ? default_store_dir() : platform::path_from_utf8(global.store_dir);
}

Result<std::unique_ptr<Workspace>> open_workspace(const GlobalOptions& global) {
  std::optional<std::string> user;
  if (!global.user.empty()) user = global.user;
  else user = platform::environment("DSPTSYNC_USER");
  return Workspace::open(store_dir(global), passphrase_from_environment(), user);
}

Result<Output> with_workspace(const GlobalOptions& global, const std::function<Result<Output>(Workspace&)>& work) {
  auto workspace = open_workspace(global);
  if (!workspace) return workspace.error();
  return work(**workspace);
}

void BranchCli::on_store_run(CLI::App* command, std::function<Result<Output>(Workspace&)> work) {
  line.on_run(command, [&global = global, work = std::move(work)] { return with_workspace(global, work); });
}

std::string value_text(const std::optional<FieldValue>& value) {
  if (!value) return "(empty)";
  return value->location.empty() ? "\"" + value->text + "\"" : "\"" + value->text + "\" at " + value->location;
}

namespace {

json change_json(const Change& change) {
  return {{"id", change.id},
          {"target_kind", to_string(change.key.kind)},
          {"target", change.key.target},
          {"field", to_string(change.key.field)},
          {"value", value_json(change.value)},
          {"user", change.user},
          {"device", change.device},
          {"at", format_timestamp(hlc_wall_ms(change.hlc))},
          {"based_on", change.parents}};
}

}  // namespace

Output changes_output(const std::vector<Change>& changes, const std::string& text) {
  json list = json::array();
  for (const auto& change : changes) list.push_back(change_json(change));
  return {{{"changes", list}}, text};
}

int run_cli(int argc, const char* const* argv, std::ostream& out, std::ostream& err) {
  cli::CommandLine line("dsptsync",
                        "dsptsync: complete the NHS Data Security and Protection Toolkit offline, then sync with head office");
  GlobalOptions global;
  line.app().add_option("--store", global.store_dir, "folder of the local store (default $DSPTSYNC_STORE, or ~/.local/share/dsptsync; on Windows %LOCALAPPDATA%\\dsptsync)");
  line.app().add_option("--user", global.user, "attribute edits to this person (default: the user given at init)");
  BranchCli cli{line, global, out, err};
  add_init_command(cli);
  add_answer_commands(cli);
  add_profile_commands(cli);
  add_report_commands(cli);
  add_change_commands(cli);
  add_catalogue_commands(cli);
  add_incident_commands(cli);
  add_document_commands(cli);
  add_sync_commands(cli);
  return line.run(argc, argv, out, err);
}

}  // namespace dsptsync::client
