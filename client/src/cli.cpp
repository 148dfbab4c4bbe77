#include "dsptsync/client/cli.h"

#include "dsptsync/client/sync.h"
#include "dsptsync/client/ui_server.h"
#include "dsptsync/client/workspace.h"
#include "dsptsync/command_output.h"
#include "dsptsync/export.h"
#include "dsptsync/platform.h"
#include "dsptsync/report.h"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <functional>
#include <iostream>
#include <sstream>

namespace dsptsync::client {
namespace {

using nlohmann::json;

// What a command produced: JSON for --json, text for people.
using Output = CommandOutput;

struct GlobalOptions {
  std::string store_dir;
  std::string user;
  bool as_json = false;
};

json value_json(const std::optional<FieldValue>& value) {
  if (!value) return nullptr;
  json out = {{"text", value->text}};
  if (!value->location.empty()) out["location"] = value->location;
  return out;
}

std::string value_text(const std::optional<FieldValue>& value) {
  if (!value) return "(empty)";
  return value->location.empty() ? "\"" + value->text + "\"" : "\"" + value->text + "\" at " + value->location;
}

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

Output changes_output(const std::vector<Change>& changes, const std::string& text) {
  json list = json::array();
  for (const auto& change : changes) list.push_back(change_json(change));
  return {{{"changes", list}}, text};
}

std::optional<std::string> passphrase_from_environment() { return platform::environment("DSPTSYNC_PASSPHRASE"); }

std::filesystem::path store_dir(const GlobalOptions& global) {
  return global.store_dir.empty() ? default_store_dir() : platform::path_from_utf8(global.store_dir);
}

// Who `init` attributes edits to when no --user is given: --user before the command, else
// $DSPTSYNC_USER, else the login's full name, else the login name (platform::login_name). Empty when
// none of them says.
std::string default_init_user(const GlobalOptions& global) {
  if (!global.user.empty()) return global.user;
  if (auto env = platform::environment("DSPTSYNC_USER")) return *env;
  return platform::login_name();
}

Result<std::unique_ptr<Workspace>> open_workspace(const GlobalOptions& global) {
  std::optional<std::string> user;
  if (!global.user.empty()) user = global.user;
  else user = platform::environment("DSPTSYNC_USER");
  return Workspace::open(store_dir(global), passphrase_from_environment(), user);
}

json item_json(const CatalogueItem& item, const AssessmentView* view) {
  json out = {{"id", item.id},
              {"standard", item.standard},
              {"standard_name", standard_name(item.standard)},
              {"assertion", item.assertion},
              {"group", item.group},
              {"type", to_string(item.type)},
              {"required_for_met", item.required_for_met},
              {"approaching", to_string(item.approaching)},
              {"question", item.question},
              {"tooltip", item.tooltip},
              {"source", item.source},
              {"previous_id", item.previous_id}};
  if (view) {
    auto answer = view->answers.find(item.id);
    out["answer"] = answer == view->answers.end() ? json(nullptr) : value_json(answer->second.value);
    auto comment = view->comments.find(item.id);
    out["comment"] = comment == view->comments.end() ? json(nullptr) : json(comment->second.value.text);
    out["provided"] = item_provided(item, *view);
    bool in_conflict = false;
    for (const auto& [key, values] : view->conflicts) in_conflict |= key.kind == TargetKind::item && key.target == item.id;
    out["in_conflict"] = in_conflict;
    if (answer != view->answers.end())
      out["last_changed"] = {{"user", answer->second.by.user}, {"at", format_timestamp(answer->second.by.at)}};
    out["scope"] = view->shared_items.count(item.id) ? "shared" : "branch";
    auto reason = view->overrides.find(item.id);
    out["override"] = reason == view->overrides.end() ? json(nullptr) : json(reason->second.value.text);
    auto review = view->to_review.find(item.id);
    out["review"] = review == view->to_review.end()
                        ? json(nullptr)
                        : json{{"from", to_string(review->second.from)}, {"to", to_string(review->second.to)},
                               {"changed_at", format_timestamp(review->second.at)}};
  }
  return out;
}

// A queued change the question set in force no longer takes: kept here, not sent (docs/cli.md: sync).
json held_json(const std::vector<HeldChange>& held) {
  json list = json::array();
  for (const auto& change : held)
    list.push_back({{"change", change.change_id}, {"kind", to_string(change.key.kind)}, {"target", change.key.target},
                    {"field", to_string(change.key.field)}, {"year", change.key.year}, {"user", change.user},
                    {"at", format_timestamp(change.at)}, {"reason", change.reason}});
  return list;
}

std::string held_text(const std::vector<HeldChange>& held) {
  if (held.empty()) return {};
  std::string text = std::to_string(held.size()) + " change(s) kept on this device and not sent: the question set in "
                     "force no longer has their item (they go up if a later set has it again):\n";
  for (const auto& change : held)
    text += "  " + change.key.year + " " + change.key.target + " " + std::string(to_string(change.key.field)) + " (" +
            change.user + ", " + format_timestamp(change.at) + "): " + change.reason + "\n";
  return text;
}

Date today_or(const std::string& text) {
  if (!text.empty())
    if (auto parsed = parse_iso_date(text)) return *parsed;
  return date_of(now_ms());
}

std::string progress_text(const Workspace& workspace, const Evaluation& evaluation) {
  std::ostringstream text;
  text << workspace.organisation_name() << " (" << workspace.site().code << "), " << evaluation.year.label()
       << " assessment\n";
  text << "Would publish now: " << display_name(evaluation.status) << "\n";
  text << evaluation.mandatory_summary() << "\n" << evaluation.assertion_summary() << "\n";
  text << evaluation.approaching_provided << " of " << evaluation.approaching_total
       << " Approaching Standards items provided\n";
  if (evaluation.shared_items)
    text << evaluation.shared_items << " items answered by head office"
         << (evaluation.overrides ? ", " + std::to_string(evaluation.overrides) + " overridden here" : std::string())
         << "\n";
  if (evaluation.open_conflicts)
    text << evaluation.open_conflicts << (evaluation.open_conflicts == 1 ? " open conflict\n" : " open conflicts\n");
  if (evaluation.next_level && !evaluation.problems.empty()) {
    text << "\nTo reach " << display_name(*evaluation.next_level) << ":\n";
    for (const auto& problem : evaluation.problems) text << "  - " << problem.message << "\n";
  }
  for (const auto& warning : evaluation.warnings) text << "Note: " << warning << "\n";
  return text.str();
}

// A store that is not there: how to make one, for the command that needs it.
Error with_how_to_make_a_store(Error error) {
  if (error.kind == ErrorKind::not_found && error.message.rfind("there is no dsptsync store", 0) == 0) {
    const auto cut = error.message.find(';');
    const auto years = shipped_years();
    const std::string year = years.empty() ? std::string("YEAR") : years.back().label();
    error.message = error.message.substr(0, cut) +
                    ". Create one for this site with 'dsptsync init --ods CODE --name NAME --year " + year +
                    "', or enrol this computer with head office with 'dsptsync enrol URL CODE'; or "
                    "choose the folder of an existing store with --store";
  }
  return error;
}

std::atomic<bool> g_stop_watch{false};

}  // namespace

int run_cli(int argc, const char* const* argv, std::ostream& out, std::ostream& err) {
  CLI::App app{"dsptsync: complete the NHS Data Security and Protection Toolkit offline, then sync with head office",
               "dsptsync"};
  app.fallthrough(true);
  app.require_subcommand(1);
  GlobalOptions global;
  app.add_option("--store", global.store_dir, "folder of the local store (default $DSPTSYNC_STORE, or ~/.local/share/dsptsync; on Windows %LOCALAPPDATA%\\dsptsync)");
  app.add_option("--user", global.user, "attribute edits to this person (default: the user given at init)");
  app.add_flag("--json", global.as_json, "print JSON instead of text");

  // Each subcommand sets `run` to the work it does once the command line has been parsed.
  std::function<Result<Output>()> run;

  // init
  InitOptions init;
  auto* init_cmd = app.add_subcommand("init", "create the local store for one site or organisation");
  init_cmd->add_option("--ods", init.ods, "ODS code: site V****, head office A***/C***, or 8-code")->required();
  init_cmd->add_option("--name", init.name, "organisation or branch name")->required();
  init_cmd->add_option("--year", init.year, "assessment year, e.g. 2021-22")->required();
  auto* init_user_opt = init_cmd->add_option(
      "--user", init.user, "your name, recorded with every edit (default: your login's full name, or its user name)");
  init_cmd->callback([&] {
    run = [&]() -> Result<Output> {
      const bool user_given = init_user_opt->count() > 0;
      if (!user_given) init.user = default_init_user(global);
      if (init.user.empty())
        return invalid_input("your login has no name to attribute edits to; give one with --user \"YOUR NAME\"");
      init.dir = store_dir(global);
      init.passphrase = passphrase_from_environment();
      auto workspace = Workspace::create(init);
      if (!workspace) return workspace.error();
      const auto& w = **workspace;
      return Output{{{"store", w.dir().string()},
                     {"ods", w.site().code},
                     {"ods_kind", to_string(w.site().kind)},
                     {"name", w.organisation_name()},
                     {"year", w.year().label()},
                     {"items", w.catalogue().items().size()},
                     {"user", init.user},
                     {"key", init.passphrase ? "passphrase" : (w.dir() / "store.key").string()}},
                    "Created the " + w.year().label() + " assessment for " + w.organisation_name() + " (" +
                        w.site().code + ") in " + w.dir().string() + "\nEdits made here are attributed to " +
                        init.user + (user_given ? "" : " (your login; choose another name with --user)") +
                        ".\nKeep a backup of " +
                        (init.passphrase ? std::string("your passphrase") : (w.dir() / "store.key").string()) +
                        ": without it the answers cannot be read.\n"};
    };
  });

  // items
  std::string group_filter;
  bool only_mandatory = false, only_approaching = false, only_missing = false;
  auto* items_cmd = app.add_subcommand("items", "list the evidence items of the year, with answers and provenance");
  items_cmd->add_option("--group", group_filter, "only this topic group");
  items_cmd->add_flag("--mandatory", only_mandatory, "only items mandatory for Standards Met");
  items_cmd->add_flag("--approaching", only_approaching, "only items of the Approaching Standards set");
  items_cmd->add_flag("--missing", only_missing, "only items not yet provided");
  items_cmd->callback([&] {
    run = [&]() -> Result<Output> {
      auto workspace = open_workspace(global);
      if (!workspace) return workspace.error();
      auto view = (*workspace)->view();
      if (!view) return view.error();
      const Catalogue& catalogue = (*workspace)->catalogue();
      json list = json::array();
      std::ostringstream text;
      std::string last_group;
      for (const auto& item : catalogue.items()) {
        if (!group_filter.empty() && item.group != group_filter) continue;
        if (only_mandatory && !item.required_for_met) continue;
        if (only_approaching && item.approaching == ApproachingFlag::no) continue;
        const bool provided = item_provided(item, *view);
        if (only_missing && provided) continue;
        list.push_back(item_json(item, &*view));
        if (item.group != last_group) text << "\n" << item.group << "\n";
        last_group = item.group;
        bool item_in_conflict = false;
        for (const auto& [key, values] : view->conflicts)
          item_in_conflict |= (key.kind == TargetKind::item || key.kind == TargetKind::plan) && key.target == item.id;
        const bool to_review = view->to_review.count(item.id) > 0;
        text << "  "
             << (item_in_conflict ? "[CONFLICT]  "
                 : to_review      ? "[REVIEW]    "
                 : provided       ? "[completed] "
                                  : "[ ]         ")
             << item.id << "  "
             << (view->shared_items.count(item.id) ? "[shared] " : view->overrides.count(item.id) ? "[override] " : "")
             << item.question
             << (item.source.rfind("inferred", 0) == 0 ? "  (wording inferred)" : "") << "\n";
        if (to_review)
          text << "              answer type changed from " << to_string(view->to_review.at(item.id).from) << " to "
               << to_string(item.type) << ": review the answer and give it again\n";
      }
      return Output{{{"year", catalogue.year().label()}, {"origin", catalogue.origin()}, {"items", list}},
                    "Question set " + catalogue.year().label() + ": " + catalogue.origin() + "\n" + text.str()};
    };
  });

  // show
  std::string show_id;
  auto* show_cmd = app.add_subcommand("show", "show one item: question, guidance, answer, comment, plan");
  show_cmd->add_option("ITEM", show_id, "item id, e.g. 1.1.5")->required();
  show_cmd->callback([&] {
    run = [&]() -> Result<Output> {
      auto workspace = open_workspace(global);
      if (!workspace) return workspace.error();
      auto item = (*workspace)->item(show_id);
      if (!item) return item.error();
      auto view = (*workspace)->view();
      if (!view) return view.error();
      json data = item_json(**item, &*view);
      auto plan = view->plan.find(show_id);
      if (plan != view->plan.end())
        data["plan"] = {{"action", plan->second.action}, {"owner", plan->second.owner}, {"due", plan->second.due},
                        {"state", plan->second.state}};
      std::ostringstream text;
      text << (*item)->id << " (" << (*item)->group << ", " << to_string((*item)->type) << ")\n"
           << (*item)->question << "\n";
      if (!(*item)->tooltip.empty()) text << "Guidance: " << (*item)->tooltip << "\n";
      text << "Source: " << (*item)->source << "\n";
      auto answer = view->answers.find(show_id);
      text << "Answer: "
           << (answer == view->answers.end() ? std::string("(none)") : value_text(answer->second.value)) << "\n";
      auto comment = view->comments.find(show_id);
      if (comment != view->comments.end()) text << "Comment: " << comment->second.value.text << "\n";
      if (plan != view->plan.end())
        text << "Plan: " << plan->second.action << " (owner " << plan->second.owner << ", due " << plan->second.due
             << ")\n";
      return Output{data, text.str()};
    };
  });

  // answer
  std::string answer_item, answer_value, answer_location, answer_comment;
  auto* answer_cmd = app.add_subcommand("answer", "answer an evidence item");
  answer_cmd->add_option("ITEM", answer_item, "item id, e.g. 1.1.5")->required();
  answer_cmd->add_option("VALUE", answer_value, "yes/no, text, document name, YYYY-MM-DD, or a number")->required();
  answer_cmd->add_option("--location", answer_location, "document items: where the document is kept (path or link)");
  auto* answer_comment_opt = answer_cmd->add_option("--comment", answer_comment, "also set the item's comment");
  answer_cmd->callback([&] {
    run = [&]() -> Result<Output> {
      auto workspace = open_workspace(global);
      if (!workspace) return workspace.error();
      std::optional<std::string> comment;
      if (answer_comment_opt->count()) comment = answer_comment;
      auto changes = (*workspace)->answer(answer_item, answer_value, answer_location, comment);
      if (!changes) return changes.error();
      return changes_output(*changes, "Answered " + answer_item + ": " + value_text(changes->front().value) + "\n");
    };
  });

  // comment
  std::string comment_item, comment_text;
  auto* comment_cmd = app.add_subcommand("comment", "set an item's comment (empty text removes it)");
  comment_cmd->add_option("ITEM", comment_item)->required();
  comment_cmd->add_option("TEXT", comment_text)->required();
  comment_cmd->callback([&] {
    run = [&]() -> Result<Output> {
      auto workspace = open_workspace(global);
      if (!workspace) return workspace.error();
      auto change = (*workspace)->comment(comment_item, comment_text);
      if (!change) return change.error();
      return changes_output({*change}, "Comment on " + comment_item + " saved\n");
    };
  });

  // clear
  std::string clear_item;
  bool clear_comment = false;
  auto* clear_cmd = app.add_subcommand("clear", "remove an item's answer (or, with --comment, its comment)");
  clear_cmd->add_option("ITEM", clear_item)->required();
  clear_cmd->add_flag("--comment", clear_comment, "clear the comment instead of the answer");
  clear_cmd->callback([&] {
    run = [&]() -> Result<Output> {
      auto workspace = open_workspace(global);
      if (!workspace) return workspace.error();
      auto change = (*workspace)->clear(clear_item, clear_comment ? Field::comment : Field::answer);
      if (!change) return change.error();
      return changes_output({*change}, "Cleared the " + std::string(clear_comment ? "comment" : "answer") + " of " +
                                           clear_item + "\n");
    };
  });

  // confirm / unconfirm
  std::string confirm_id;
  bool confirm_value = true;
  for (const auto& [name, confirmed] : {std::pair{"confirm", true}, std::pair{"unconfirm", false}}) {
    auto* cmd = app.add_subcommand(name, confirmed ? "confirm that the evidence of an assertion is correct"
                                                   : "withdraw an assertion's confirmation");
    cmd->add_option("ASSERTION", confirm_id, "assertion id, e.g. 1.1")->required();
    const bool value = confirmed;
    cmd->callback([&, value] {
      confirm_value = value;
      run = [&]() -> Result<Output> {
        auto workspace = open_workspace(global);
        if (!workspace) return workspace.error();
        auto change = (*workspace)->confirm(confirm_id, confirm_value);
        if (!change) return change.error();
        return changes_output({*change}, std::string(confirm_value ? "Confirmed" : "Withdrew the confirmation of") +
                                             " assertion " + confirm_id + " (" + change->user + ")\n");
      };
    });
  }

  // owner
  std::string owner_assertion, owner_name;
  auto* owner_cmd = app.add_subcommand("owner", "name the owner of an assertion (empty name removes it)");
  owner_cmd->add_option("ASSERTION", owner_assertion)->required();
  owner_cmd->add_option("NAME", owner_name)->required();
  owner_cmd->callback([&] {
    run = [&]() -> Result<Output> {
      auto workspace = open_workspace(global);
      if (!workspace) return workspace.error();
      auto change = (*workspace)->set_owner(owner_assertion, owner_name);
      if (!change) return change.error();
      return changes_output({*change}, "Owner of assertion " + owner_assertion + " set\n");
    };
  });

  // assertions
  auto* assertions_cmd = app.add_subcommand("assertions", "list assertions with confirmation and owner");
  assertions_cmd->callback([&] {
    run = [&]() -> Result<Output> {
      auto workspace = open_workspace(global);
      if (!workspace) return workspace.error();
      auto view = (*workspace)->view();
      if (!view) return view.error();
      json list = json::array();
      std::ostringstream text;
      for (const auto& assertion : (*workspace)->catalogue().assertions()) {
        auto confirmed = view->confirmed.find(assertion.id);
        auto owner = view->owners.find(assertion.id);
        json entry = {{"id", assertion.id},
                      {"standard", assertion.standard},
                      {"standard_name", standard_name(assertion.standard)},
                      {"text", assertion.text},
                      {"confirmed", confirmed != view->confirmed.end()},
                      {"owner", owner == view->owners.end() ? json(nullptr) : json(owner->second)}};
        if (confirmed != view->confirmed.end())
          entry["confirmed_by"] = {{"user", confirmed->second.user}, {"at", format_timestamp(confirmed->second.at)}};
        list.push_back(entry);
        text << (confirmed != view->confirmed.end() ? "[confirmed] " : "[ ]         ") << assertion.id << "  "
             << standard_name(assertion.standard)
             << (owner != view->owners.end() ? "  owner: " + owner->second : std::string()) << "\n";
      }
      return Output{{{"assertions", list}}, text.str()};
    };
  });

  // profile
  auto* profile_cmd = app.add_subcommand("profile", "show or change the organisation profile");
  profile_cmd->require_subcommand(1);
  auto* profile_show = profile_cmd->add_subcommand("show", "show the profile");
  profile_show->callback([&] {
    run = [&]() -> Result<Output> {
      auto workspace = open_workspace(global);
      if (!workspace) return workspace.error();
      auto view = (*workspace)->view();
      if (!view) return view.error();
      std::ostringstream text;
      for (const auto& [name, value] : view->profile) text << name << ": " << value << "\n";
      return Output{{{"profile", view->profile}}, text.str()};
    };
  });
  std::string profile_name, profile_cyber, profile_nhsmail;
  std::vector<std::string> profile_roles;
  auto* profile_set = profile_cmd->add_subcommand("set", "change profile entries");
  profile_set->add_option("--name", profile_name, "organisation name");
  profile_set->add_option("--cyber-essentials-plus", profile_cyber, "yes, no or not-sure");
  profile_set->add_option("--nhsmail-only", profile_nhsmail, "yes or no: NHSmail is the only email system");
  profile_set->add_option("--role", profile_roles,
                          "ROLE=NAME, ROLE one of caldicott_guardian, siro, ig_lead, dpo (repeatable)");
  profile_set->callback([&] {
    run = [&]() -> Result<Output> {
      std::vector<std::pair<std::string, std::string>> entries;
      if (!profile_name.empty()) entries.emplace_back(profile::kName, profile_name);
      if (!profile_cyber.empty()) entries.emplace_back(profile::kCyberEssentialsPlus, profile_cyber);
      if (!profile_nhsmail.empty()) entries.emplace_back(profile::kNhsmailOnly, profile_nhsmail);
      for (const auto& role : profile_roles) {
        const auto eq = role.find('=');
        if (eq == std::string::npos)
          return invalid_input("--role takes ROLE=NAME, e.g. --role \"caldicott_guardian=Ann Lee\"");
        entries.emplace_back(std::string(profile::kRolePrefix) + role.substr(0, eq), role.substr(eq + 1));
      }
      auto workspace = open_workspace(global);
      if (!workspace) return workspace.error();
      auto changes = (*workspace)->set_profile(entries);
      if (!changes) return changes.error();
      return changes_output(*changes, "Profile updated\n");
    };
  });

  // plan
  auto* plan_cmd = app.add_subcommand("plan", "the improvement plan for items still missing");
  plan_cmd->require_subcommand(1);
  std::string plan_item, plan_action, plan_owner, plan_due, plan_state;
  auto* plan_set = plan_cmd->add_subcommand("set", "set the plan line of an item");
  plan_set->add_option("ITEM", plan_item)->required();
  auto* action_opt = plan_set->add_option("--action", plan_action, "what will be done");
  auto* owner_opt = plan_set->add_option("--owner", plan_owner, "who will do it");
  auto* due_opt = plan_set->add_option("--due", plan_due, "by when, YYYY-MM-DD");
  auto* state_opt = plan_set->add_option("--state", plan_state, "open, in_progress or done");
  plan_set->callback([&] {
    run = [&]() -> Result<Output> {
      auto optional_of = [](CLI::Option* option, const std::string& value) {
        return option->count() ? std::optional<std::string>(value) : std::nullopt;
      };
      auto workspace = open_workspace(global);
      if (!workspace) return workspace.error();
      auto changes = (*workspace)->set_plan(plan_item, optional_of(action_opt, plan_action),
                                            optional_of(owner_opt, plan_owner), optional_of(due_opt, plan_due),
                                            optional_of(state_opt, plan_state));
      if (!changes) return changes.error();
      return changes_output(*changes, "Improvement plan for " + plan_item + " updated\n");
    };
  });
  auto* plan_list = plan_cmd->add_subcommand("list", "list the plan, with the items it must still cover");
  plan_list->callback([&] {
    run = [&]() -> Result<Output> {
      auto workspace = open_workspace(global);
      if (!workspace) return workspace.error();
      auto view = (*workspace)->view();
      if (!view) return view.error();
      const auto evaluation = evaluate((*workspace)->catalogue(), *view, date_of(now_ms()));
      json lines = json::array();
      std::ostringstream text;
      for (const auto& item_id : evaluation.plan_required) {
        const auto* item = (*workspace)->catalogue().find_item(item_id);
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
    };
  });

  // progress
  std::string today_text;
  auto* progress_cmd = app.add_subcommand("progress", "the status this assessment would publish at now, and why");
  progress_cmd->add_option("--today", today_text, "evaluate as of this date (YYYY-MM-DD), for checking deadlines");
  progress_cmd->callback([&] {
    run = [&]() -> Result<Output> {
      if (!today_text.empty())
        if (auto parsed = parse_iso_date(today_text); !parsed) return parsed.error();
      auto workspace = open_workspace(global);
      if (!workspace) return workspace.error();
      auto evaluation = (*workspace)->progress(today_or(today_text));
      if (!evaluation) return evaluation.error();
      json data = to_json(*evaluation);
      data["ods"] = (*workspace)->site().code;
      data["name"] = (*workspace)->organisation_name();
      data["catalogue_origin"] = (*workspace)->catalogue().origin();
      auto published = (*workspace)->published();
      if (!published) return published.error();
      // The newest publication of this site, as head office said at the last sync.
      const protocol::PublishedStatus* latest = nullptr;
      for (const auto& entry : *published)
        if (entry.ods == (*workspace)->site().code) latest = &entry;
      data["published"] = latest ? json{{"public_status", latest->public_status},
                                        {"year", latest->year},
                                        {"publication", latest->publication_id},
                                        {"published_at", format_timestamp(latest->published_at_ms)}}
                                 : json(nullptr);
      std::string text = progress_text(**workspace, *evaluation);
      if (latest)
        text += "Published: " + latest->public_status + " on " + date_of(latest->published_at_ms).iso() +
                " (publication " + std::to_string(latest->publication_id) + ")\n";
      return Output{data, text};
    };
  });

  // override ITEM --reason T | --remove
  std::string override_id, override_reason;
  bool override_remove = false;
  auto* override_cmd = app.add_subcommand("override", "answer a shared item yourself because your branch's practice "
                                                      "differs (head office sees the reason)");
  override_cmd->add_option("ITEM", override_id, "evidence item id")->required();
  auto* reason_opt = override_cmd->add_option("--reason", override_reason, "why this branch's practice differs");
  auto* remove_opt = override_cmd->add_flag("--remove", override_remove, "go back to head office's shared answer");
  reason_opt->excludes(remove_opt);
  override_cmd->callback([&] {
    run = [&]() -> Result<Output> {
      if (!reason_opt->count() && !override_remove)
        return invalid_input("say why with --reason \"...\", or --remove to use head office's answer again");
      auto workspace = open_workspace(global);
      if (!workspace) return workspace.error();
      std::optional<std::string> reason;
      if (!override_remove) reason = override_reason;
      auto change = (*workspace)->set_override(override_id, reason);
      if (!change) return change.error();
      return Output{{{"item", override_id}, {"override", reason ? json(*reason) : json(nullptr)}, {"change", change->id}},
                    override_remove ? "Removed the override of " + override_id + ": head office's shared answer applies again\n"
                                    : "Recorded the override of " + override_id + "; answer it now with 'dsptsync answer " +
                                          override_id + " ...'. Head office sees the override after your next sync.\n"};
    };
  });

  // export --out FILE [--format F] [--plan]
  std::string export_out, export_format;
  bool export_plan = false;
  auto* export_cmd = app.add_subcommand("export", "export this assessment (effective: with head office's shared "
                                                  "answers) as .xlsx, .csv or .json");
  export_cmd->add_option("--out", export_out, "the file to write")->required();
  export_cmd->add_option("--format", export_format, "xlsx, csv or json (default: from the file's extension)");
  export_cmd->add_flag("--plan", export_plan, "export the improvement plan instead of the items");
  export_cmd->callback([&] {
    run = [&]() -> Result<Output> {
      auto format = export_format_for(platform::path_from_utf8(export_out), export_format.empty() ? std::nullopt
                                                                          : std::optional<std::string>(export_format));
      if (!format) return format.error();
      auto workspace = open_workspace(global);
      if (!workspace) return workspace.error();
      auto view = (*workspace)->view();
      if (!view) return view.error();
      const Catalogue& catalogue = (*workspace)->catalogue();
      auto hq = (*workspace)->head_office_code();
      if (!hq) return hq.error();
      const std::string hq_code = hq->value_or((*workspace)->site().code);
      const auto document =
          export_document(catalogue, *view, evaluate(catalogue, *view, date_of(now_ms())),
                          {(*workspace)->organisation_name(), hq_code, (*workspace)->site().code,
                           (*workspace)->organisation_name()});
      const ExportContent content = export_plan ? ExportContent::plan : ExportContent::assessment;
      if (auto written = write_export(document, content, *format, platform::path_from_utf8(export_out)); !written) return written.error();
      const std::size_t rows = export_plan ? document.plan.size() : document.items.size();
      return Output{{{"out", export_out}, {"format", to_string(*format)}, {"content", export_plan ? "plan" : "assessment"},
                     {"rows", rows}, {"year", catalogue.year().label()}},
                    "Wrote " + std::to_string(rows) + (export_plan ? " plan lines" : " items") + " to " + export_out +
                        "\n"};
    };
  });

  // history
  std::string history_id;
  auto* history_cmd = app.add_subcommand("history", "every change of an item, assertion or the profile: who, when, before, after");
  history_cmd->add_option("ITEM", history_id, "item id, assertion id, or 'profile'")->required();
  history_cmd->callback([&] {
    run = [&]() -> Result<Output> {
      auto workspace = open_workspace(global);
      if (!workspace) return workspace.error();
      auto entries = (*workspace)->history(history_id);
      if (!entries) return entries.error();
      json list = json::array();
      std::ostringstream text;
      for (const auto& entry : *entries) {
        list.push_back({{"change", entry.change_id}, {"target", entry.target}, {"field", entry.field},
                        {"user", entry.user}, {"device", entry.device}, {"at", format_timestamp(entry.at)},
                        {"before", value_json(entry.before)}, {"after", value_json(entry.after)}});
        text << format_timestamp(entry.at) << "  " << entry.user << "  " << entry.target << " " << entry.field << ": "
             << value_text(entry.before) << " -> " << value_text(entry.after) << "\n";
      }
      if (entries->empty()) text << "No changes to " << history_id << " yet\n";
      return Output{{{"id", history_id}, {"history", list}}, text.str()};
    };
  });

  // rollforward
  std::string roll_to;
  bool roll_dry_run = false;
  auto* roll_cmd = app.add_subcommand("rollforward", "start the next year's assessment from this one's answers");
  roll_cmd->add_option("--to", roll_to, "the new year, e.g. 2023-24")->required();
  roll_cmd->add_flag("--dry-run", roll_dry_run, "report what would be carried, change nothing");
  roll_cmd->callback([&] {
    run = [&]() -> Result<Output> {
      auto workspace = open_workspace(global);
      if (!workspace) return workspace.error();
      auto report = (*workspace)->roll_forward(roll_to, roll_dry_run);
      if (!report) return report.error();
      json carried = json::array();
      std::ostringstream text;
      text << (report->applied ? "Rolled forward " : "Would roll forward ") << report->from_year << " -> "
           << report->to_year << ": " << report->changes_recorded << " values carried\n";
      for (const auto& [from, to] : report->carried) {
        carried.push_back({{"from", from}, {"to", to}});
        if (from != to) text << "  " << from << " is now " << to << "\n";
      }
      json steps = json::array();
      for (const auto& step : report->steps) steps.push_back(to_json(step));
      if (report->steps.size() > 1)
        for (const auto& step : report->steps) text << "  step " << describe(step) << "\n";
      for (const auto& id : report->removed) text << "  removed: " << id << " (its answer stays in " << report->from_year << ")\n";
      for (const auto& id : report->added) text << "  new: " << id << "\n";
      for (const auto& note : report->notes) text << "  review: " << note << "\n";
      if (report->queued_from_previous_year > 0)
        text << "  " << report->queued_from_previous_year << " edit(s) of " << report->from_year
             << " have not reached head office yet: they stay queued and go up at the next sync\n";
      return Output{{{"from", report->from_year}, {"to", report->to_year}, {"applied", report->applied},
                     {"values_carried", report->changes_recorded}, {"carried", carried}, {"removed", report->removed},
                     {"added", report->added}, {"notes", report->notes}, {"steps", steps},
                     {"queued_from_previous_year", report->queued_from_previous_year}},
                    text.str()};
    };
  });

  // catalogue
  auto* catalogue_cmd = app.add_subcommand("catalogue", "the question set in force, and importing the official one");
  catalogue_cmd->require_subcommand(1);
  std::string import_file, import_year, import_category;
  bool import_dry_run = false;
  auto* import_cmd = catalogue_cmd->add_subcommand(
      "import", "import NHS England's list of evidence items (.xlsx as downloaded, or saved as CSV) on an offline store");
  import_cmd->add_option("FILE", import_file, "the .xlsx or CSV file")->required();
  import_cmd->add_option("--year", import_year, "the year it is for, e.g. 2026-27")->required();
  import_cmd->add_option("--category", import_category,
                         "the columns to read, e.g. \"Category 3\" (default: Social Care up to 2023-24, Category 3 after)");
  import_cmd->add_flag("--dry-run", import_dry_run, "show what the list changes against the set in force; import nothing");
  import_cmd->callback([&] {
    run = [&]() -> Result<Output> {
      auto workspace = open_workspace(global);
      if (!workspace) return workspace.error();
      auto imported = (*workspace)->import_catalogue(platform::path_from_utf8(import_file), import_year, import_category,
                                                     import_dry_run);
      if (!imported) return imported.error();
      const Catalogue& catalogue = imported->list.catalogue;
      int mandatory = 0;
      for (const auto& item : catalogue.items()) mandatory += item.required_for_met ? 1 : 0;
      std::ostringstream text;
      text << (imported->applied ? "Imported " : "Would import ") << catalogue.items().size() << " items (" << mandatory
           << " mandatory) for " << catalogue.year().label() << " from " << import_file << " ("
           << to_string(imported->list.format)
           << (imported->list.sheet.empty() ? std::string() : ", sheet '" + imported->list.sheet + "'") << ", "
           << imported->list.category << ")\n";
      for (const auto& line : describe(imported->diff)) text << line << "\n";
      if (!imported->applied) text << "Nothing was imported (--dry-run).\n";
      return Output{{{"year", catalogue.year().label()}, {"origin", catalogue.origin()},
                     {"items", catalogue.items().size()}, {"mandatory", mandatory},
                     {"assertions", catalogue.assertions().size()}, {"applied", imported->applied},
                     {"format", to_string(imported->list.format)}, {"sheet", imported->list.sheet},
                     {"category", imported->list.category}, {"diff", to_json(imported->diff)}},
                    text.str()};
    };
  });
  auto* catalogue_show = catalogue_cmd->add_subcommand("show", "which question set is in force");
  catalogue_show->callback([&] {
    run = [&]() -> Result<Output> {
      auto workspace = open_workspace(global);
      if (!workspace) return workspace.error();
      auto set = (*workspace)->question_set();
      if (!set) return set.error();
      json data = to_json(*set);
      std::string text;
      for (const auto& line : describe(*set)) text += line + "\n";
      // Checked again now, against the key this laptop pinned at enrolment.
      data["signature_checked"] = nullptr;
      if (set->is_signed()) {
        auto checked = (*workspace)->check_question_set(*set);
        data["signature_checked"] = checked.has_value();
        text += checked ? "  signature: good, by the head office this laptop enrolled with\n"
                        : "  signature: BAD: " + checked.error().message + "\n";
      }
      return Output{data, text};
    };
  });

  // conflicts
  auto* conflicts_cmd = app.add_subcommand("conflicts", "list open conflicts: concurrent edits kept side by side");
  conflicts_cmd->callback([&] {
    run = [&]() -> Result<Output> {
      auto workspace = open_workspace(global);
      if (!workspace) return workspace.error();
      auto open_conflicts = (*workspace)->conflicts();
      if (!open_conflicts) return open_conflicts.error();
      const std::string this_device = (*workspace)->device_id();
      json list = json::array();
      std::ostringstream text;
      for (const auto& conflict : *open_conflicts) {
        json values = json::array();
        text << conflict.summary << ":\n";
        for (const auto& value : conflict.values) {
          json also = json::array();
          for (const auto& head : value.also)
            also.push_back({{"change", head.change_id}, {"user", head.user}, {"device", head.device},
                            {"at", format_timestamp(hlc_wall_ms(head.hlc))}});
          values.push_back({{"change", value.change_id}, {"user", value.user}, {"device", value.device},
                            {"at", format_timestamp(value.at)}, {"value", value_json(value.value)},
                            {"mine", value.mine}, {"shown", value.winner}, {"also", also}});
          text << "  " << (value.winner ? "* " : "  ") << value_text(value.value) << "  by " << value.user
               << (value.device == this_device ? " (this device)" : "") << " at " << format_timestamp(value.at);
          for (const auto& head : value.also)
            text << ", and by " << head.user << (head.device == this_device ? " (this device)" : "");
          text << "\n";
        }
        list.push_back({{"target_kind", to_string(conflict.key.kind)}, {"target", conflict.key.target},
                        {"field", to_string(conflict.key.field)}, {"group", conflict.group},
                        {"summary", conflict.summary}, {"values", values}});
      }
      if (open_conflicts->empty()) text << "No open conflicts\n";
      else text << "* is the value shown meanwhile. Resolve with: dsptsync resolve ITEM --keep mine|theirs, or --value V\n";
      return Output{{{"conflicts", list}, {"count", open_conflicts->size()}}, text.str()};
    };
  });

  // resolve
  std::string resolve_id, resolve_keep, resolve_value, resolve_field;
  auto* resolve_cmd = app.add_subcommand("resolve", "resolve a conflict: keep mine or theirs, or give the agreed value");
  resolve_cmd->add_option("ITEM", resolve_id, "item or assertion id")->required();
  auto* keep_opt = resolve_cmd->add_option("--keep", resolve_keep, "mine or theirs")->check(CLI::IsMember({"mine", "theirs"}));
  auto* value_opt = resolve_cmd->add_option("--value", resolve_value, "the agreed value instead");
  auto* field_opt = resolve_cmd->add_option("--field", resolve_field, "which field, when several are in conflict");
  resolve_cmd->callback([&] {
    run = [&]() -> Result<Output> {
      auto workspace = open_workspace(global);
      if (!workspace) return workspace.error();
      std::optional<Keep> keep;
      if (keep_opt->count()) keep = resolve_keep == "mine" ? Keep::mine : Keep::theirs;
      std::optional<std::string> value;
      if (value_opt->count()) value = resolve_value;
      std::optional<std::string> field;
      if (field_opt->count()) field = resolve_field;
      auto change = (*workspace)->resolve(resolve_id, field, keep, value);
      if (!change) return change.error();
      return changes_output({*change}, "Resolved " + resolve_id + " " + std::string(to_string(change->key.field)) +
                                           ": " + value_text(change->value) + " (syncs like any edit)\n");
    };
  });

  // enrol
  std::string enrol_url, enrol_code, enrol_device_name;
  auto* enrol_cmd = app.add_subcommand("enrol", "enrol this device with the head office server, using a one-time code");
  enrol_cmd->add_option("URL", enrol_url, "the server, e.g. ws://hq.example:8443")->required();
  enrol_cmd->add_option("CODE", enrol_code, "the enrolment code from 'dsptsync-server invite'")->required();
  enrol_cmd->add_option("--device-name", enrol_device_name, "a name for this device (default: the host name)");
  enrol_cmd->callback([&] {
    run = [&]() -> Result<Output> {
      EnrolOptions options{store_dir(global), enrol_url, enrol_code, passphrase_from_environment(), enrol_device_name};
      auto enrolled = enrol(options);
      if (!enrolled) return enrolled.error();
      const auto& ready = enrolled->ready;
      return Output{{{"store", options.dir.string()},
                     {"organisation", ready.organisation},
                     {"hq_code", ready.hq_code},
                     {"branch", ready.branch},
                     {"scope", enrolled->scope},
                     {"user", ready.user},
                     {"role", protocol::to_string(ready.role)},
                     {"year", ready.year},
                     {"device", enrolled->device_id},
                     {"changes_received", enrolled->changes_received}},
                    "Enrolled this device for " + ready.user + " (" + std::string(protocol::to_string(ready.role)) +
                        ") at " + ready.organisation + ", " + (ready.branch.empty() ? "head office" : "branch " + ready.branch) +
                        "\nReceived " + std::to_string(enrolled->changes_received) + " change(s); the store is in " +
                        options.dir.string() + "\nWork offline as usual, then run 'dsptsync sync'.\n"};
    };
  });

  // sync
  bool sync_watch_mode = false;
  int sync_for_seconds = 0;
  auto* sync_cmd = app.add_subcommand("sync", "push queued changes and pull new ones from head office");
  sync_cmd->add_flag("--watch", sync_watch_mode, "stay connected: push edits as they happen, receive others' as they come");
  sync_cmd->add_option("--for", sync_for_seconds, "with --watch: stop after this many seconds");
  sync_cmd->callback([&] {
    run = [&]() -> Result<Output> {
      auto workspace = open_workspace(global);
      if (!workspace) return workspace.error();
      if (!sync_watch_mode) {
        auto result = sync_once(**workspace);
        if (!result) return result.error();
        std::string text = "Synced: " + std::to_string(result->pushed) + " change(s) sent, " +
                           std::to_string(result->received) + " received\n";
        for (const auto& year : result->question_sets)
          text += "Took head office's " + year + " question set (dsptsync catalogue show)\n";
        return Output{{{"pushed", result->pushed}, {"received", result->received}, {"cursor", result->cursor},
                       {"pending", result->pending}, {"question_sets", result->question_sets},
                       {"held", held_json(result->held)}},
                      text + held_text(result->held)};
      }
      platform::stop_on_request(g_stop_watch);
      WatchOptions options;
      options.stop = &g_stop_watch;
      if (sync_for_seconds > 0) options.run_for = std::chrono::seconds(sync_for_seconds);
      options.on_event = [&](std::string_view name, const std::string& detail) {
        if (global.as_json)
          out << json{{"event", name}, {"detail", detail}, {"at", format_timestamp(now_ms())}}.dump() << std::endl;
        else
          out << format_timestamp(now_ms()) << "  " << name << (detail.empty() ? "" : ": " + detail) << std::endl;
      };
      if (auto s = sync_watch(**workspace, options); !s) return s.error();
      auto status = sync_status(**workspace);
      if (!status) return status.error();
      return Output{{{"event", "stopped"}, {"pending", status->pending}, {"cursor", status->cursor},
                     {"held", held_json(status->held)}},
                    "Stopped watching; " + std::to_string(status->pending) + " change(s) waiting to go up\n" +
                        held_text(status->held)};
    };
  });

  // status
  auto* status_cmd = app.add_subcommand("status", "when this store last synced and how many changes wait to go up");
  status_cmd->callback([&] {
    run = [&]() -> Result<Output> {
      auto workspace = open_workspace(global);
      if (!workspace) return workspace.error();
      auto status = sync_status(**workspace);
      if (!status) return status.error();
      json data = {{"enrolled", status->enrolled},
                   {"server", status->url},
                   {"user", status->user},
                   {"role", status->role},
                   {"branch", status->branch},
                   {"scope", (*workspace)->site().code},
                   {"last_synced_at", status->last_synced_at ? json(format_timestamp(*status->last_synced_at)) : json()},
                   {"pending", status->pending},
                   {"cursor", status->cursor},
                   {"held", held_json(status->held)}};
      std::ostringstream text;
      text << (*workspace)->organisation_name() << " (" << (*workspace)->site().code << ")\n";
      if (!status->enrolled) text << "Offline store: not enrolled with a head office server\n";
      else
        text << "Server: " << status->url << " as " << status->user << " (" << status->role << ")\n"
             << "Last synced: "
             << (status->last_synced_at ? format_timestamp(*status->last_synced_at) : std::string("never")) << "\n";
      if (status->enrolled) text << status->pending << " change(s) waiting to go up\n" << held_text(status->held);
      return Output{data, text.str()};
    };
  });

  // ui
  int ui_port = 0;
  bool ui_no_open = false;
  auto* ui_cmd = app.add_subcommand("ui", "the web app on this computer, offline: serve it on 127.0.0.1 and open it "
                                          "in the browser");
  ui_cmd->add_option("--port", ui_port, "the port on 127.0.0.1 (default 0: any free one)")->check(CLI::Range(0, 65535));
  ui_cmd->add_flag("--no-open", ui_no_open, "print the sign-in link only; do not open a browser");
  ui_cmd->callback([&] {
    run = [&]() -> Result<Output> {
      auto workspace = open_workspace(global);
      if (!workspace) return with_how_to_make_a_store(workspace.error());
      UiServeOptions options;
      options.port = static_cast<std::uint16_t>(ui_port);
      options.on_listening = [&](std::uint16_t port, const std::string& link) {
        if (global.as_json) out << json{{"url", link}, {"port", port}}.dump() << std::endl;
        else out << "Open " << link << std::endl;
        if (!ui_no_open) platform::open_in_browser(link);
      };
      options.log = [&](const std::string& message) { err << "dsptsync ui: " << message << std::endl; };
      if (auto served = serve_ui(**workspace, options); !served) return served.error();
      return Output{nullptr, "Stopped\n"};
    };
  });

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    out << app.help();
    return 0;
  } catch (const CLI::CallForAllHelp& e) {
    out << app.help("", CLI::AppFormatMode::All);
    return 0;
  } catch (const CLI::ParseError& e) {
    err << "dsptsync: " << e.what() << "\nRun 'dsptsync --help' for the commands and their options.\n";
    return 2;
  }
  if (!run) {
    err << "dsptsync: choose a command; 'dsptsync --help' lists them\n";
    return 2;
  }
  return report_command("dsptsync", run, global.as_json, out, err);
}

}  // namespace dsptsync::client
