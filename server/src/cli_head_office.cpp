// The server CLI's commands for head office's own assessment (docs/cli.md, docs/head-office.md):
// answer shared items, confirm assertions, keep the improvement plan, decide what is shared, roll
// the organisation forward to the next year.
#include "cli_support.h"
#include "dsptsync/library_links.h"

#include "dsptsync/assessment.h"
#include "dsptsync/cli/profile_options.h"
#include "dsptsync/plan_batch.h"

#include <sstream>

namespace dsptsync::server {
namespace {

// The options every editing command takes: who acts, which year, and (some) which branch.
struct EditOptions {
  std::string as, year, branch;

  void add_year(CLI::App* command) {
    command->add_option("--year", year, "assessment year (default: the organisation's current year)");
  }
  std::optional<std::string> branch_given() const {
    return branch.empty() ? std::nullopt : std::optional<std::string>(branch);
  }
};

Result<AssessmentYear> year_or_current(HeadOffice& office, const std::string& text) {
  if (text.empty()) return office.year();
  return parse_assessment_year(text);
}

std::string scope_name(const HeadOffice& office, const std::string& scope) {
  return scope == office.hq().code ? "head office" : scope;
}

json changes_json(const std::vector<Change>& changes) {
  json list = json::array();
  for (const auto& change : changes)
    list.push_back({{"id", change.id},
                    {"scope", change.key.scope},
                    {"year", change.key.year},
                    {"kind", to_string(change.key.kind)},
                    {"target", change.key.target},
                    {"field", to_string(change.key.field)},
                    {"value", change.value ? json(change.value->text) : json(nullptr)},
                    {"user", change.user}});
  return list;
}

Output recorded_output(const std::vector<Change>& changes, const std::string& text) {
  return Output{{{"recorded", changes_json(changes)}}, text};
}

std::optional<FieldValue> text_value(const std::string& text) {
  return text.empty() ? std::nullopt : std::optional<FieldValue>(FieldValue{text, ""});
}

struct AnswerOptions : EditOptions {
  std::string item, value, location, comment, document;
  CLI::Option* comment_option = nullptr;
};

Result<Output> answer_output(HeadOffice& office, const User& user, const AnswerOptions& o) {
  auto year = year_or_current(office, o.year);
  if (!year) return year.error();
  auto catalogue = office.catalogue_for(*year);
  if (!catalogue) return catalogue.error();
  const CatalogueItem* item = catalogue->find_item(o.item);
  if (!item)
    return invalid_input("there is no evidence item '" + o.item + "' in the " + year->label() +
                         " question set; 'dsptsync items' lists them");
  auto normalised = normalise_answer(*item, o.value, o.document.empty() ? o.location : library_location(o.document));
  if (!normalised) return normalised.error();
  const std::string scope = office.hq().code;
  std::vector<Edit> edits{{FieldKey{scope, year->label(), TargetKind::item, item->id, Field::answer}, *normalised}};
  if (o.comment_option->count())
    edits.push_back({FieldKey{scope, year->label(), TargetKind::item, item->id, Field::comment}, text_value(o.comment)});
  auto recorded = office.edit_as(user, edits);
  if (!recorded) return recorded.error();
  auto head_office_view = office.effective_view(scope, *year);
  if (!head_office_view) return head_office_view.error();
  const bool shared = head_office_view->shared_items.count(item->id) > 0;
  return recorded_output(*recorded, "Answered " + item->id + " for " + office.name() + ": " + normalised->text +
                                        (shared ? " (shared: every branch that has not overridden it sees it "
                                                  "at its next sync)\n"
                                                : " (head office's own assessment: the item is per branch)\n"));
}

void add_answer(ServerCli& cli) {
  auto& o = cli.line.keep<AnswerOptions>();
  auto* cmd = cli.line.app().add_subcommand("answer", "answer an item of head office's assessment (shared items "
                                                      "reach every branch that has not overridden them)");
  cmd->add_option("ITEM", o.item, "evidence item id, e.g. 1.1.1")->required();
  cmd->add_option("VALUE", o.value, "the answer: yes/no, text, a document name, a date or a number")->required();
  auto* location = cmd->add_option("--location", o.location, "documents: where the document is kept (path or link)");
  cmd->add_option("--document", o.document, "documents: the library document that answers it, e.g. DOC-3F9A2C1B")
      ->excludes(location);
  o.comment_option = cmd->add_option("--comment", o.comment, "also set the item's comment");
  add_as_option(cmd, o.as, "user making the change");
  o.add_year(cmd);
  cli.on_acting_run(cmd, o.as, [&o](HeadOffice& office, const User& user) { return answer_output(office, user, o); });
}

struct ConfirmOptions : EditOptions {
  std::string assertion;
};

// A confirmation of an assertion with items still unanswered is recorded, and says so. `view` is the
// assessment as it was read before the confirmation, which changes no item.
Output with_unanswered_warning(const Catalogue& catalogue, const AssessmentView& view, const std::string& assertion,
                               bool confirm, Output output) {
  json warnings = json::array();
  if (auto warning = unanswered_warning(assertion, unanswered_items(catalogue, view, assertion));
      confirm && !warning.empty()) {
    warnings.push_back(warning);
    output.text += "Warning: " + warning + "\n";
  }
  output.data["warnings"] = std::move(warnings);
  return output;
}

Result<Output> confirm_output(HeadOffice& office, const User& user, const ConfirmOptions& o, bool confirm) {
  auto year = year_or_current(office, o.year);
  if (!year) return year.error();
  auto scope = office.scope_of(o.branch_given());
  if (!scope) return scope.error();
  auto catalogue = office.catalogue_for(*year);
  if (!catalogue) return catalogue.error();
  if (!catalogue->find_assertion(o.assertion))
    return invalid_input("there is no assertion '" + o.assertion + "' in the " + year->label() +
                         " question set; assertions are numbered like 1.1");
  auto view = office.effective_view(*scope, *year);
  if (!view) return view.error();
  // A branch's assertion all of whose items head office answers is confirmed once by head office;
  // recording it in the branch would have no effect, so say so instead.
  if (*scope != office.hq().code) {
    const FieldKey key{*scope, year->label(), TargetKind::assertion, o.assertion, Field::confirmed};
    if (auto used = check_not_shared(*view, key); !used)
      return refused(used.error().message + "; run without --branch to confirm it there");
  }
  std::optional<FieldValue> mark;
  if (confirm) mark = FieldValue{"yes", ""};
  auto recorded =
      office.edit_as(user, {{FieldKey{*scope, year->label(), TargetKind::assertion, o.assertion, Field::confirmed}, mark}});
  if (!recorded) return recorded.error();
  Output output =
      recorded_output(*recorded, std::string(confirm ? "Confirmed" : "Withdrew the confirmation of") + " assertion " +
                                     o.assertion + " for " + scope_name(office, *scope) + "\n");
  return with_unanswered_warning(*catalogue, *view, o.assertion, confirm, std::move(output));
}

void add_confirm(ServerCli& cli, bool confirm) {
  auto& o = cli.line.keep<ConfirmOptions>();
  auto* cmd = cli.line.app().add_subcommand(confirm ? "confirm" : "unconfirm",
                                            confirm ? "confirm an assertion (\"the evidence entered is correct\"): "
                                                      "head office's, or a branch's with --branch"
                                                    : "withdraw an assertion's confirmation");
  cmd->add_option("ASSERTION", o.assertion, "assertion id, e.g. 1.1")->required();
  cmd->add_option("--branch", o.branch, "confirm for this branch (its own assertions), not head office's");
  add_as_option(cmd, o.as, "administrator");
  o.add_year(cmd);
  cli.on_acting_run(cmd, o.as, [&o, confirm](HeadOffice& office, const User& user) {
    return confirm_output(office, user, o, confirm);
  });
}

struct PlanOptions : EditOptions {
  std::vector<std::string> items;
  std::string action, owner, due, state;
  CLI::Option *action_option = nullptr, *owner_option = nullptr, *due_option = nullptr, *state_option = nullptr;

  // An option given, even as "" (which clears that part); nullopt: left as it is.
  std::optional<std::string> given(const CLI::Option* option, const std::string& value) const {
    return option && option->count() ? std::optional<std::string>(value) : std::nullopt;
  }
  PlanParts parts(bool with_action) const {
    return PlanParts{with_action ? given(action_option, action) : std::nullopt, given(owner_option, owner),
                     given(due_option, due), given(state_option, state)};
  }
};

Result<Output> plan_set_output(HeadOffice& office, const User& user, const PlanOptions& o) {
  auto year = year_or_current(office, o.year);
  if (!year) return year.error();
  auto scope = office.scope_of(o.branch_given());
  if (!scope) return scope.error();
  const std::string& item = o.items.front();
  std::vector<Edit> edits;
  auto add = [&](const CLI::Option* given, Field field, const std::string& text) {
    if (given->count())
      edits.push_back({FieldKey{*scope, year->label(), TargetKind::plan, item, field}, text_value(text)});
  };
  auto due = normalise_plan_due(o.due);
  if (!due) return invalid_input("--due: " + due.error().message);
  add(o.action_option, Field::plan_action, o.action);
  add(o.owner_option, Field::plan_owner, o.owner);
  add(o.due_option, Field::plan_due, *due);
  add(o.state_option, Field::plan_state, o.state);
  auto recorded = office.edit_as(user, edits);
  if (!recorded) return recorded.error();
  return recorded_output(*recorded,
                         "Updated the improvement plan for " + item + " (" + scope_name(office, *scope) + ")\n");
}

// The shared operation names a part at fault ("due: ..."); the command line names its option.
Error as_option_error(Error error) {
  for (std::string_view part : {"due: ", "state: "})
    if (error.kind == ErrorKind::invalid_input && error.message.starts_with(part)) error.message = "--" + error.message;
  return error;
}

std::string item_list(const std::vector<std::string>& items) {
  std::string out;
  for (std::size_t index = 0; index < items.size(); ++index)
    out += (index == 0 ? "" : index + 1 == items.size() ? " and " : ", ") + items[index];
  return out;
}

// Several items (plan set ITEM ITEM...) or every mandatory item not provided without a line (plan
// generate): the edits from plan_batch.h, recorded at once with edit_as's checks.
Result<Output> plan_batch_output(HeadOffice& office, const User& user, const PlanOptions& o, bool generate) {
  auto year = year_or_current(office, o.year);
  if (!year) return year.error();
  auto scope = office.scope_of(o.branch_given());
  if (!scope) return scope.error();
  auto catalogue = office.catalogue_for(*year);
  if (!catalogue) return catalogue.error();
  Result<PlanBatch> batch = invalid_input("");
  if (generate) {
    auto view = office.effective_view(*scope, *year);
    if (!view) return view.error();
    batch = plan_generate_edits(*catalogue, *view, *scope, year->label(), o.branch_given().has_value(), o.parts(false));
  } else {
    batch = plan_set_edits(*catalogue, *scope, year->label(), o.items, o.parts(true));
  }
  if (!batch) return as_option_error(batch.error());
  std::vector<Change> recorded;
  if (!batch->edits.empty()) {
    auto changes = office.edit_as(user, batch->edits);
    if (!changes) return changes.error();
    recorded = std::move(*changes);
  }
  std::string text = batch->items.empty() ? "Every mandatory item not provided has a plan line already; nothing to add"
                     : generate           ? "Added plan lines for " + item_list(batch->items)
                                          : "Updated the improvement plan for " + item_list(batch->items);
  Output output = recorded_output(recorded, text + " (" + scope_name(office, *scope) + ")\n");
  output.data["items"] = batch->items;
  return output;
}

Result<Output> plan_list_output(HeadOffice& office, const EditOptions& o) {
  auto year = year_or_current(office, o.year);
  if (!year) return year.error();
  auto scope = office.scope_of(o.branch_given());
  if (!scope) return scope.error();
  auto view = office.effective_view(*scope, *year);
  if (!view) return view.error();
  json lines = json::array();
  std::ostringstream text;
  for (const auto& [id, line] : view->plan) {
    const bool shared = view->shared_items.count(id) > 0;
    lines.push_back({{"item", id}, {"action", line.action}, {"owner", line.owner}, {"due", line.due},
                     {"state", line.state.empty() ? "open" : line.state}, {"shared", shared}});
    text << id << (shared ? " [shared]" : "") << ": " << line.action << " (owner " << line.owner << ", due " << line.due
         << ", " << (line.state.empty() ? "open" : line.state) << ")\n";
  }
  if (view->plan.empty()) text << "No improvement plan lines yet\n";
  return Output{{{"scope", *scope}, {"year", year->label()}, {"plan", lines}}, text.str()};
}

void add_plan(ServerCli& cli) {
  auto* plan = cli.line.app().add_subcommand("plan", "the improvement plan: actions for items still missing");
  plan->require_subcommand(1);
  auto& o = cli.line.keep<PlanOptions>();
  auto* set = plan->add_subcommand("set", "set the improvement action, owner, due date or state of one or more items");
  set->add_option("ITEM", o.items, "evidence item ids, e.g. 1.1.1 9.5.2")->required();
  set->add_option("--branch", o.branch, "the branch's plan (default: head office's, for shared items)");
  o.action_option = set->add_option("--action", o.action, "what will be done");
  o.owner_option = set->add_option("--owner", o.owner, "who will do it");
  o.due_option = set->add_option("--due", o.due, "by when: 31/01/2027 or 2027-01-31");
  o.state_option = set->add_option("--state", o.state, "open, in_progress or done");
  add_as_option(set, o.as, "user making the change");
  o.add_year(set);
  cli.line.on_run(set, [&o, &global = cli.global]() -> Result<Output> {
    if (!o.action_option->count() && !o.owner_option->count() && !o.due_option->count() && !o.state_option->count())
      return invalid_input("say what to set: --action, --owner, --due and/or --state");
    return with_acting_user(global, o.as, [&o](HeadOffice& office, const User& user) {
      return o.items.size() == 1 ? plan_set_output(office, user, o) : plan_batch_output(office, user, o, false);
    });
  });

  auto& g = cli.line.keep<PlanOptions>();
  auto* generate =
      plan->add_subcommand("generate", "add a plan line for every mandatory item not provided that has none yet");
  generate->add_option("--branch", g.branch, "the branch's plan (default: head office's)");
  g.owner_option = generate->add_option("--owner", g.owner, "who will do them");
  g.due_option = generate->add_option("--due", g.due, "by when: 31/01/2027 or 2027-01-31");
  g.state_option = generate->add_option("--state", g.state, "open, in_progress or done");
  add_as_option(generate, g.as, "user making the change");
  g.add_year(generate);
  cli.line.on_run(generate, [&g, &global = cli.global]() -> Result<Output> {
    return with_acting_user(
        global, g.as, [&g](HeadOffice& office, const User& user) { return plan_batch_output(office, user, g, true); });
  });

  auto& l = cli.line.keep<EditOptions>();
  auto* list = plan->add_subcommand("list", "the improvement plan of head office or a branch");
  list->add_option("--branch", l.branch, "a branch's effective plan (its own lines and the shared ones)");
  l.add_year(list);
  cli.on_office_run(list, [&l](HeadOffice& office) { return plan_list_output(office, l); });
}

Result<Output> sharing_list_output(HeadOffice& office, const std::string& year_text) {
  auto year = year_or_current(office, year_text);
  if (!year) return year.error();
  auto catalogue = office.catalogue_for(*year);
  if (!catalogue) return catalogue.error();
  auto view = office.effective_view(office.hq().code, *year);
  if (!view) return view.error();
  json items = json::array();
  std::ostringstream text;
  for (const auto& item : catalogue->items()) {
    const bool shared = view->shared_items.count(item.id) > 0;
    const bool chosen = view->sharing.count(item.id) > 0;
    items.push_back({{"item", item.id}, {"group", item.group}, {"scope", shared ? "shared" : "branch"},
                     {"default", item.shared_by_default ? "shared" : "branch"}, {"chosen_by_head_office", chosen}});
    text << item.id << "  " << (shared ? "shared" : "branch") << (chosen ? "" : " (default)") << "  " << item.group
         << "\n";
  }
  return Output{{{"year", year->label()}, {"items", items}}, text.str()};
}

struct SharingOptions : EditOptions {
  std::string item, value;
};

Result<Output> sharing_set_output(HeadOffice& office, const User& user, const SharingOptions& o) {
  auto year = year_or_current(office, o.year);
  if (!year) return year.error();
  auto recorded = office.edit_as(
      user, {{FieldKey{office.hq().code, year->label(), TargetKind::item, o.item, Field::sharing}, FieldValue{o.value, ""}}});
  if (!recorded) return recorded.error();
  return recorded_output(*recorded, o.item + " is now " +
                                        (o.value == "shared" ? "shared: head office answers it for every branch\n"
                                                             : "answered by each branch\n"));
}

void add_sharing(ServerCli& cli) {
  auto* sharing = cli.line.app().add_subcommand("sharing", "which items head office answers for every branch");
  sharing->require_subcommand(1);
  auto& year = cli.line.keep<std::string>();
  auto* list = sharing->add_subcommand("list", "every item, shared or per branch");
  list->add_option("--year", year, "assessment year (default: the organisation's current year)");
  cli.on_office_run(list, [&year](HeadOffice& office) { return sharing_list_output(office, year); });

  auto& o = cli.line.keep<SharingOptions>();
  auto* set = sharing->add_subcommand("set", "make an item shared (head office answers it) or per branch");
  set->add_option("ITEM", o.item, "evidence item id")->required();
  set->add_option("SCOPE", o.value, "shared or branch")->required();
  add_as_option(set, o.as, "administrator");
  o.add_year(set);
  cli.on_acting_run(set, o.as, [&o](HeadOffice& office, const User& user) { return sharing_set_output(office, user, o); });
}

// Head office's own organisation profile, with the laptop's options (cli/profile_options.h).
void add_profile(ServerCli& cli) {
  auto* profile = cli.line.app().add_subcommand("profile", "show or change the organisation profile (head office's)");
  profile->require_subcommand(1);
  cli.on_office_run(profile->add_subcommand("show", "show the profile"), [](HeadOffice& office) -> Result<Output> {
    auto entries = office.profile();
    if (!entries) return entries.error();
    return Output{{{"profile", *entries}}, cli::profile_text(*entries)};
  });

  struct Options {
    cli::ProfileOptions profile;
    std::string as;
  };
  auto& o = cli.line.keep<Options>();
  auto* set = profile->add_subcommand("set", "change profile entries");
  o.profile.add_to(set);
  add_as_option(set, o.as, "administrator");
  cli.line.on_run(set, [&o, &global = cli.global]() -> Result<Output> {
    auto entries = o.profile.entries();
    if (!entries) return entries.error();
    return with_acting_user(global, o.as, [&entries](HeadOffice& office, const User& user) -> Result<Output> {
      auto recorded = office.set_profile(user, *entries);
      if (!recorded) return recorded.error();
      return recorded_output(*recorded, "Profile updated; every branch uses it unless it records its own\n");
    });
  });
}

Output roll_forward_output(const HeadOffice& office, const OrganisationRollForward& report) {
  std::ostringstream text;
  text << (report.applied ? "Moved " : "Would move ") << office.name() << " from " << report.from_year << " to "
       << report.to_year << "\n";
  for (const auto& line : describe(report)) text << "  " << line << "\n";
  if (report.applied)
    text << "Branch devices move to " << report.to_year << " at their next sync; edits they made offline are "
         << "carried too.\n";
  return Output{to_json(report), text.str()};
}

void add_roll_forward(ServerCli& cli) {
  struct Options {
    std::string to, as;
    bool dry_run = false;
  };
  auto& o = cli.line.keep<Options>();
  auto* cmd = cli.line.app().add_subcommand("rollforward", "move the whole organisation to the next year's question set");
  cmd->add_option("--to", o.to, "the new assessment year, e.g. 2023-24")->required();
  cmd->add_flag("--dry-run", o.dry_run, "show what would be carried; change nothing");
  add_as_option(cmd, o.as, "administrator");
  cli.line.on_run(cmd, [&o, &global = cli.global]() -> Result<Output> {
    auto to = parse_assessment_year(o.to);
    if (!to) return to.error();
    return with_acting_user(global, o.as, [&o, &to](HeadOffice& office, const User& user) -> Result<Output> {
      auto report = office.roll_forward(user, *to, o.dry_run);
      if (!report) return report.error();
      return roll_forward_output(office, *report);
    });
  });
}

}  // namespace

void add_head_office_commands(ServerCli& cli) {
  add_answer(cli);
  add_confirm(cli, true);
  add_confirm(cli, false);
  add_plan(cli);
  add_sharing(cli);
  add_roll_forward(cli);
  add_profile(cli);
}

}  // namespace dsptsync::server
