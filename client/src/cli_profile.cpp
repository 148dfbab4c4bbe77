// `dsptsync` commands for the organisation profile and the improvement plan (docs/cli.md): profile
// show|set, plan set|generate|list.
#include "cli_commands.h"

#include "dsptsync/cli/profile_options.h"

#include <sstream>

namespace dsptsync::client {
namespace {

Result<Output> profile_show_output(Workspace& workspace) {
  auto view = workspace.view();
  if (!view) return view.error();
  return Output{{{"profile", view->profile}}, cli::profile_text(view->profile)};
}

void add_profile(BranchCli& cli) {
  auto* profile = cli.line.app().add_subcommand("profile", "show or change the organisation profile");
  profile->require_subcommand(1);
  cli.on_store_run(profile->add_subcommand("show", "show the profile"), profile_show_output);

  auto& o = cli.line.keep<cli::ProfileOptions>();
  auto* set = profile->add_subcommand("set", "change profile entries");
  o.add_to(set);
  cli.line.on_run(set, [&o, &global = cli.global]() -> Result<Output> {
    auto entries = o.entries();
    if (!entries) return entries.error();
    return with_workspace(global, [&entries](Workspace& workspace) -> Result<Output> {
      auto changes = workspace.set_profile(*entries);
      if (!changes) return changes.error();
      return changes_output(*changes, "Profile updated\n");
    });
  });
}

struct PlanOptions {
  std::vector<std::string> items;
  std::string action, owner, due, state;
  CLI::Option *action_option = nullptr, *owner_option = nullptr, *due_option = nullptr, *state_option = nullptr;
};

// An option given on the command line, even as "" (which clears the field); nullopt: left as it is.
std::optional<std::string> given(const CLI::Option* option, const std::string& value) {
  return option->count() ? std::optional<std::string>(value) : std::nullopt;
}

Result<Output> plan_list_output(Workspace& workspace) {
  auto view = workspace.view();
  if (!view) return view.error();
  const auto evaluation = evaluate(workspace.catalogue(), *view, date_of(now_ms()));
  json lines = json::array();
  std::ostringstream text;
  for (const auto& item_id : evaluation.plan_required) {
    const auto* item = workspace.catalogue().find_item(item_id);
    auto line = view->plan.find(item_id);
    const PlanLine plan = line == view->plan.end() ? PlanLine{} : line->second;
    const bool complete = !plan.action.empty() && !plan.owner.empty() && !plan.due.empty();
    lines.push_back({{"item", item_id}, {"group", item ? item->group : ""}, {"action", plan.action},
                     {"owner", plan.owner}, {"due", plan.due}, {"state", plan.state.empty() ? "open" : plan.state},
                     {"complete", complete}});
    text << (complete ? "[planned] " : "[needs action, owner, due] ") << item_id << "  " << plan.action
         << (plan.owner.empty() ? "" : "  owner: " + plan.owner) << (plan.due.empty() ? "" : "  due: " + plan.due)
         << "\n";
  }
  return Output{{{"plan", lines}}, text.str()};
}

// The shared operation names a part at fault ("due: ..."); the command line names its option.
Error as_option_error(Error error) {
  for (std::string_view part : {"due: ", "state: "})
    if (error.kind == ErrorKind::invalid_input && error.message.starts_with(part)) error.message = "--" + error.message;
  return error;
}

Output plan_batch_output(const Workspace::PlanOutcome& outcome, const std::string& text) {
  Output output = changes_output(outcome.changes, text);
  output.data["items"] = outcome.items;
  return output;
}

std::string item_list(const std::vector<std::string>& items) {
  std::string out;
  for (std::size_t index = 0; index < items.size(); ++index)
    out += (index == 0 ? "" : index + 1 == items.size() ? " and " : ", ") + items[index];
  return out;
}

Result<Output> plan_set_run(Workspace& workspace, const PlanOptions& o) {
  const std::optional<std::string> action = given(o.action_option, o.action), owner = given(o.owner_option, o.owner),
                                   due = given(o.due_option, o.due), state = given(o.state_option, o.state);
  if (o.items.size() == 1) {  // one item: as it always was
    auto changes = workspace.set_plan(o.items.front(), action, owner, due, state);
    if (!changes) return changes.error();
    return changes_output(*changes, "Improvement plan for " + o.items.front() + " updated\n");
  }
  auto outcome = workspace.set_plans(o.items, PlanParts{action, owner, due, state});
  if (!outcome) return as_option_error(outcome.error());
  return plan_batch_output(*outcome, "Improvement plan for " + item_list(outcome->items) + " updated\n");
}

Result<Output> plan_generate_run(Workspace& workspace, const PlanOptions& o) {
  auto outcome = workspace.generate_plan(PlanParts{std::nullopt, given(o.owner_option, o.owner),
                                                   given(o.due_option, o.due), given(o.state_option, o.state)});
  if (!outcome) return as_option_error(outcome.error());
  if (outcome->items.empty())
    return plan_batch_output(*outcome, "Every mandatory item not provided has a plan line already; nothing to add\n");
  return plan_batch_output(*outcome, "Plan lines added for " + std::to_string(outcome->items.size()) + " item" +
                                         (outcome->items.size() == 1 ? "" : "s") + ": " + item_list(outcome->items) +
                                         "\n");
}

void add_plan(BranchCli& cli) {
  auto* plan = cli.line.app().add_subcommand("plan", "the improvement plan for items still missing");
  plan->require_subcommand(1);
  auto& o = cli.line.keep<PlanOptions>();
  auto* set = plan->add_subcommand("set", "set the plan line of one or more items (the same parts for each)");
  set->add_option("ITEM", o.items, "evidence item ids, e.g. 1.1.1 9.5.2")->required();
  o.action_option = set->add_option("--action", o.action, "what will be done");
  o.owner_option = set->add_option("--owner", o.owner, "who will do it");
  o.due_option = set->add_option("--due", o.due, "by when: 31/01/2027 or 2027-01-31");
  o.state_option = set->add_option("--state", o.state, "open, in_progress or done");
  cli.on_store_run(set, [&o](Workspace& workspace) { return plan_set_run(workspace, o); });

  auto& g = cli.line.keep<PlanOptions>();
  auto* generate =
      plan->add_subcommand("generate", "add a plan line for every mandatory item not provided that has none yet");
  g.owner_option = generate->add_option("--owner", g.owner, "who will do them");
  g.due_option = generate->add_option("--due", g.due, "by when: 31/01/2027 or 2027-01-31");
  g.state_option = generate->add_option("--state", g.state, "open, in_progress or done");
  cli.on_store_run(generate, [&g](Workspace& workspace) { return plan_generate_run(workspace, g); });
  cli.on_store_run(plan->add_subcommand("list", "list the plan, with the items it must still cover"), plan_list_output);
}

}  // namespace

void add_profile_commands(BranchCli& cli) {
  add_profile(cli);
  add_plan(cli);
}

}  // namespace dsptsync::client
