// `dsptsync` commands about the change log (docs/cli.md): history, conflicts, resolve.
#include "cli_commands.h"

#include <sstream>

namespace dsptsync::client {
namespace {

Result<Output> history_output(Workspace& workspace, const std::string& id) {
  auto entries = workspace.history(id);
  if (!entries) return entries.error();
  json list = json::array();
  std::ostringstream text;
  for (const auto& entry : *entries) {
    list.push_back(service::to_json(entry, JsonStyle::cli));
    text << format_timestamp(entry.at) << "  " << entry.user << "  " << entry.target << " " << entry.field << ": "
         << value_text(entry.before) << " -> " << value_text(entry.after) << "\n";
  }
  if (entries->empty()) text << "No changes to " << id << " yet\n";
  return Output{{{"id", id}, {"history", list}}, text.str()};
}

void add_history(BranchCli& cli) {
  auto& id = cli.line.keep<std::string>();
  auto* cmd = cli.line.app().add_subcommand("history",
                                            "every change of an item, assertion, incident or the profile: who, when, before, after");
  cmd->add_option("ITEM", id, "item id, assertion id, incident id (INC-...), or 'profile'")->required();
  cli.on_store_run(cmd, [&id](Workspace& workspace) { return history_output(workspace, id); });
}

void conflict_value_line(std::ostream& text, const ConflictValue& value, const std::string& this_device) {
  text << "  " << (value.winner ? "* " : "  ") << value_text(value.value) << "  by " << value.user
       << (value.device == this_device ? " (this device)" : "") << " at " << format_timestamp(value.at);
  for (const auto& head : value.also) text << ", and by " << head.user << (head.device == this_device ? " (this device)" : "");
  text << "\n";
}

Result<Output> conflicts_output(Workspace& workspace) {
  auto open_conflicts = workspace.conflicts();
  if (!open_conflicts) return open_conflicts.error();
  const std::string this_device = workspace.device_id();
  json list = json::array();
  std::ostringstream text;
  for (const auto& conflict : *open_conflicts) {
    list.push_back(service::to_json(conflict, JsonStyle::cli));
    text << conflict.summary << ":\n";
    for (const auto& value : conflict.values) conflict_value_line(text, value, this_device);
  }
  if (open_conflicts->empty()) text << "No open conflicts\n";
  else text << "* is the value shown meanwhile. Resolve with: dsptsync resolve ITEM --keep mine|theirs, or --value V\n";
  return Output{{{"conflicts", list}, {"count", open_conflicts->size()}}, text.str()};
}

void add_resolve(BranchCli& cli) {
  struct Options {
    std::string id, keep, value, field;
    CLI::Option *keep_option = nullptr, *value_option = nullptr, *field_option = nullptr;
  };
  auto& o = cli.line.keep<Options>();
  auto* cmd = cli.line.app().add_subcommand("resolve", "resolve a conflict: keep mine or theirs, or give the agreed value");
  cmd->add_option("ITEM", o.id, "item or assertion id")->required();
  o.keep_option = cmd->add_option("--keep", o.keep, "mine or theirs")->check(CLI::IsMember({"mine", "theirs"}));
  o.value_option = cmd->add_option("--value", o.value, "the agreed value instead");
  o.field_option = cmd->add_option("--field", o.field, "which field, when several are in conflict");
  cli.on_store_run(cmd, [&o](Workspace& workspace) -> Result<Output> {
    std::optional<Keep> keep;
    if (o.keep_option->count()) keep = o.keep == "mine" ? Keep::mine : Keep::theirs;
    std::optional<std::string> value;
    if (o.value_option->count()) value = o.value;
    std::optional<std::string> field;
    if (o.field_option->count()) field = o.field;
    auto change = workspace.resolve(o.id, field, keep, value);
    if (!change) return change.error();
    return changes_output({*change}, "Resolved " + o.id + " " + std::string(to_string(change->key.field)) + ": " +
                                         value_text(change->value) + " (syncs like any edit)\n");
  });
}

}  // namespace

void add_change_commands(BranchCli& cli) {
  add_history(cli);
  cli.on_store_run(cli.line.app().add_subcommand("conflicts", "list open conflicts: concurrent edits kept side by side"),
                   conflicts_output);
  add_resolve(cli);
}

}  // namespace dsptsync::client
