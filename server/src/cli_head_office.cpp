// The server CLI's commands for head office's own work (docs/cli.md, docs/head-office.md): answer
// shared items, confirm assertions, keep the improvement plan, decide what is shared, see
// overrides, publish, list publications, export, print certificates, roll the year forward.
#include "cli_support.h"

#include "dsptsync/assessment.h"
#include "dsptsync/crypto.h"
#include "dsptsync/export.h"
#include "dsptsync/limits.h"
#include "dsptsync/report.h"

#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <sstream>

namespace dsptsync::server {
namespace {

// The password to set: $DSPTSYNC_PASSWORD (scripts), else typed twice without echo at a terminal,
// else one line of stdin. Checked against limits.h before it is hashed.
Result<std::string> read_new_password() {
  std::string password;
  if (const char* value = std::getenv("DSPTSYNC_PASSWORD"); value && *value) {
    password = value;
  } else if (::isatty(STDIN_FILENO)) {
    const auto ask = [](const char* prompt) {
      std::cerr << prompt << std::flush;
      termios old_mode{};
      ::tcgetattr(STDIN_FILENO, &old_mode);
      termios silent = old_mode;
      silent.c_lflag &= ~static_cast<tcflag_t>(ECHO);
      ::tcsetattr(STDIN_FILENO, TCSANOW, &silent);
      std::string line;
      std::getline(std::cin, line);
      ::tcsetattr(STDIN_FILENO, TCSANOW, &old_mode);
      std::cerr << "\n";
      return line;
    };
    password = ask("New password: ");
    if (ask("Type it again: ") != password) return invalid_input("the two passwords typed differ; nothing was changed");
  } else if (!std::getline(std::cin, password)) {
    return invalid_input("no password given: set DSPTSYNC_PASSWORD, type it at a terminal, or pipe one line to stdin");
  }
  if (!password.empty() && password.back() == '\r') password.pop_back();
  std::size_t characters = 0;
  for (unsigned char c : password) characters += (c & 0xC0) != 0x80 ? 1 : 0;
  if (characters < limits::kMinPasswordChars)
    return invalid_input("the password is " + std::to_string(characters) + " characters long; use at least " +
                         std::to_string(limits::kMinPasswordChars) + " (three random words make a strong one)");
  if (password.size() > limits::kMaxPasswordBytes)
    return invalid_input("the password is longer than " + std::to_string(limits::kMaxPasswordBytes) + " bytes");
  return password;
}

}  // namespace
namespace {

Result<AssessmentYear> year_or_current(HeadOffice& office, const std::string& text) {
  if (text.empty()) return office.year();
  return parse_assessment_year(text);
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

json problems_json(const std::vector<Problem>& problems) {
  json list = json::array();
  for (const auto& problem : problems)
    list.push_back({{"item", problem.item}, {"group", problem.group}, {"message", problem.message},
                    {"shared", problem.shared}});
  return list;
}

json publication_json(const Publication& publication) {
  json sites = json::array();
  for (const auto& site : publication.sites)
    sites.push_back({{"ods", site.ods},
                     {"name", site.name},
                     {"status", site.status},
                     {"public_status", site.public_status},
                     {"answers_hash", site.answers_hash},
                     {"mandatory", {{"provided", site.mandatory_provided}, {"total", site.mandatory_total}}},
                     {"assertions", {{"confirmed", site.assertions_confirmed}, {"total", site.assertions_total}}}});
  return {{"id", publication.id},
          {"year", publication.year},
          {"published_at", format_timestamp(publication.published_at)},
          {"published_by", publication.published_by},
          {"log_seq", publication.log_seq},
          {"sites", sites}};
}

std::vector<std::string> split_commas(const std::string& text) {
  std::vector<std::string> parts;
  std::stringstream in(text);
  std::string part;
  while (std::getline(in, part, ','))
    if (part.find_first_not_of(" \t") != std::string::npos) parts.push_back(part);
  return parts;
}

Output recorded_output(const std::vector<Change>& changes, const std::string& text) {
  return Output{{{"recorded", changes_json(changes)}}, text};
}

}  // namespace

void add_head_office_commands(CLI::App& app, GlobalOptions& global, CommandRun& run) {
  // Options shared by the editing commands. CLI11 keeps references, so they live past parsing;
  // each is reset here because a process (a test) may parse more than one command line.
  static std::string as, year_text, branch;
  as.clear();
  year_text.clear();
  branch.clear();

  // answer ITEM VALUE
  static std::string item_id, value, location, comment;
  item_id.clear(), value.clear(), location.clear(), comment.clear();
  auto* answer_cmd = app.add_subcommand("answer", "answer an item of head office's assessment (shared items "
                                                  "reach every branch that has not overridden them)");
  answer_cmd->add_option("ITEM", item_id, "evidence item id, e.g. 1.1.1")->required();
  answer_cmd->add_option("VALUE", value, "the answer: yes/no, text, a document name, a date or a number")->required();
  answer_cmd->add_option("--location", location, "documents: where the document is kept (path or link)");
  auto* answer_comment = answer_cmd->add_option("--comment", comment, "also set the item's comment");
  answer_cmd->add_option("--as", as, "the head office user making the change (default $DSPTSYNC_SERVER_USER)");
  answer_cmd->add_option("--year", year_text, "assessment year (default: the organisation's current year)");
  answer_cmd->callback([&global, &run, answer_comment] {
    run = [&global, answer_comment]() -> Result<Output> {
      auto acting = open_acting(global, as);
      if (!acting) return acting.error();
      HeadOffice& office = *acting->office;
      auto year = year_or_current(office, year_text);
      if (!year) return year.error();
      auto catalogue = office.catalogue_for(*year);
      if (!catalogue) return catalogue.error();
      const CatalogueItem* item = catalogue->find_item(item_id);
      if (!item)
        return invalid_input("there is no evidence item '" + item_id + "' in the " + year->label() +
                             " question set; 'dsptsync items' lists them");
      auto normalised = normalise_answer(*item, value, location);
      if (!normalised) return normalised.error();
      const std::string scope = office.hq().code;
      std::vector<Edit> edits{{FieldKey{scope, year->label(), TargetKind::item, item->id, Field::answer}, *normalised}};
      if (answer_comment->count())
        edits.push_back({FieldKey{scope, year->label(), TargetKind::item, item->id, Field::comment},
                         comment.empty() ? std::nullopt : std::optional<FieldValue>(FieldValue{comment, ""})});
      auto recorded = office.edit_as(acting->user, edits);
      if (!recorded) return recorded.error();
      auto head_office_view = office.effective_view(scope, *year);
      if (!head_office_view) return head_office_view.error();
      const bool shared = head_office_view->shared_items.count(item->id) > 0;
      return recorded_output(*recorded, "Answered " + item->id + " for " + office.name() + ": " + normalised->text +
                                            (shared ? " (shared: every branch that has not overridden it sees it "
                                                      "at its next sync)\n"
                                                    : " (head office's own assessment: the item is per branch)\n"));
    };
  });

  // confirm / unconfirm ASSERTION [--branch V]
  static std::string assertion_id;
  for (const bool confirm : {true, false}) {
    auto* cmd = app.add_subcommand(confirm ? "confirm" : "unconfirm",
                                   confirm ? "confirm an assertion (\"the evidence entered is correct\"): head office's, "
                                             "or a branch's with --branch"
                                           : "withdraw an assertion's confirmation");
    cmd->add_option("ASSERTION", assertion_id, "assertion id, e.g. 1.1")->required();
    cmd->add_option("--branch", branch, "confirm for this branch (its own assertions), not head office's");
    cmd->add_option("--as", as, "the head office administrator (default $DSPTSYNC_SERVER_USER)");
    cmd->add_option("--year", year_text, "assessment year (default: the organisation's current year)");
    cmd->callback([&global, &run, confirm] {
      run = [&global, confirm]() -> Result<Output> {
        auto acting = open_acting(global, as);
        if (!acting) return acting.error();
        HeadOffice& office = *acting->office;
        auto year = year_or_current(office, year_text);
        if (!year) return year.error();
        auto scope = office.scope_of(branch.empty() ? std::nullopt : std::optional<std::string>(branch));
        if (!scope) return scope.error();
        auto catalogue = office.catalogue_for(*year);
        if (!catalogue) return catalogue.error();
        if (!catalogue->find_assertion(assertion_id))
          return invalid_input("there is no assertion '" + assertion_id + "' in the " + year->label() +
                               " question set; assertions are numbered like 1.1");
        // A branch's assertion all of whose items head office answers is confirmed once by head
        // office; recording it in the branch would have no effect, so say so instead.
        if (*scope != office.hq().code) {
          auto view = office.effective_view(*scope, *year);
          if (!view) return view.error();
          if (view->shared_assertions.count(assertion_id))
            return refused("assertion " + assertion_id + " rests only on shared answers for " + *scope +
                           ": head office confirms it for every branch; run without --branch");
        }
        std::optional<FieldValue> mark;
        if (confirm) mark = FieldValue{"yes", ""};
        auto recorded = office.edit_as(
            acting->user, {{FieldKey{*scope, year->label(), TargetKind::assertion, assertion_id, Field::confirmed}, mark}});
        if (!recorded) return recorded.error();
        return recorded_output(*recorded, std::string(confirm ? "Confirmed" : "Withdrew the confirmation of") +
                                              " assertion " + assertion_id + " for " +
                                              (*scope == office.hq().code ? "head office" : *scope) + "\n");
      };
    });
  }

  // plan set ITEM [--branch V] --action --owner --due --state ; plan list [--branch V]
  auto* plan_cmd = app.add_subcommand("plan", "the improvement plan: actions for items still missing");
  plan_cmd->require_subcommand(1);
  static std::string action, owner, due, state;
  action.clear(), owner.clear(), due.clear(), state.clear();
  auto* plan_set = plan_cmd->add_subcommand("set", "set an item's improvement action, owner, due date or state");
  plan_set->add_option("ITEM", item_id, "evidence item id")->required();
  plan_set->add_option("--branch", branch, "the branch's plan (default: head office's, for shared items)");
  auto* action_opt = plan_set->add_option("--action", action, "what will be done");
  auto* owner_opt = plan_set->add_option("--owner", owner, "who will do it");
  auto* due_opt = plan_set->add_option("--due", due, "by when (YYYY-MM-DD)");
  auto* state_opt = plan_set->add_option("--state", state, "open, in_progress or done");
  plan_set->add_option("--as", as, "the head office user making the change (default $DSPTSYNC_SERVER_USER)");
  plan_set->add_option("--year", year_text, "assessment year (default: the organisation's current year)");
  plan_set->callback([&global, &run, action_opt, owner_opt, due_opt, state_opt] {
    run = [&global, action_opt, owner_opt, due_opt, state_opt]() -> Result<Output> {
      if (!action_opt->count() && !owner_opt->count() && !due_opt->count() && !state_opt->count())
        return invalid_input("say what to set: --action, --owner, --due and/or --state");
      auto acting = open_acting(global, as);
      if (!acting) return acting.error();
      HeadOffice& office = *acting->office;
      auto year = year_or_current(office, year_text);
      if (!year) return year.error();
      auto scope = office.scope_of(branch.empty() ? std::nullopt : std::optional<std::string>(branch));
      if (!scope) return scope.error();
      std::vector<Edit> edits;
      auto add = [&](CLI::Option* given, Field field, const std::string& text) {
        if (!given->count()) return;
        edits.push_back({FieldKey{*scope, year->label(), TargetKind::plan, item_id, field},
                         text.empty() ? std::nullopt : std::optional<FieldValue>(FieldValue{text, ""})});
      };
      add(action_opt, Field::plan_action, action);
      add(owner_opt, Field::plan_owner, owner);
      add(due_opt, Field::plan_due, due);
      add(state_opt, Field::plan_state, state);
      auto recorded = office.edit_as(acting->user, edits);
      if (!recorded) return recorded.error();
      return recorded_output(*recorded, "Updated the improvement plan for " + item_id + " (" +
                                            (*scope == office.hq().code ? "head office" : *scope) + ")\n");
    };
  });
  auto* plan_list = plan_cmd->add_subcommand("list", "the improvement plan of head office or a branch");
  plan_list->add_option("--branch", branch, "a branch's effective plan (its own lines and the shared ones)");
  plan_list->add_option("--year", year_text, "assessment year (default: the organisation's current year)");
  plan_list->callback([&global, &run] {
    run = [&global]() -> Result<Output> {
      auto office = open_head_office(global);
      if (!office) return office.error();
      auto year = year_or_current(**office, year_text);
      if (!year) return year.error();
      auto scope = (*office)->scope_of(branch.empty() ? std::nullopt : std::optional<std::string>(branch));
      if (!scope) return scope.error();
      auto view = (*office)->effective_view(*scope, *year);
      if (!view) return view.error();
      json lines = json::array();
      std::ostringstream text;
      for (const auto& [id, line] : view->plan) {
        const bool shared = view->shared_items.count(id) > 0;
        lines.push_back({{"item", id}, {"action", line.action}, {"owner", line.owner}, {"due", line.due},
                         {"state", line.state.empty() ? "open" : line.state}, {"shared", shared}});
        text << id << (shared ? " [shared]" : "") << ": " << line.action << " (owner " << line.owner << ", due "
             << line.due << ", " << (line.state.empty() ? "open" : line.state) << ")\n";
      }
      if (view->plan.empty()) text << "No improvement plan lines yet\n";
      return Output{{{"scope", *scope}, {"year", year->label()}, {"plan", lines}}, text.str()};
    };
  });

  // sharing list | set ITEM shared|branch
  auto* sharing_cmd = app.add_subcommand("sharing", "which items head office answers for every branch");
  sharing_cmd->require_subcommand(1);
  auto* sharing_list = sharing_cmd->add_subcommand("list", "every item, shared or per branch");
  sharing_list->add_option("--year", year_text, "assessment year (default: the organisation's current year)");
  sharing_list->callback([&global, &run] {
    run = [&global]() -> Result<Output> {
      auto office = open_head_office(global);
      if (!office) return office.error();
      auto year = year_or_current(**office, year_text);
      if (!year) return year.error();
      auto catalogue = (*office)->catalogue_for(*year);
      if (!catalogue) return catalogue.error();
      auto view = (*office)->effective_view((*office)->hq().code, *year);
      if (!view) return view.error();
      json items = json::array();
      std::ostringstream text;
      for (const auto& item : catalogue->items()) {
        const bool shared = view->shared_items.count(item.id) > 0;
        const bool chosen = view->sharing.count(item.id) > 0;
        items.push_back({{"item", item.id}, {"group", item.group}, {"scope", shared ? "shared" : "branch"},
                         {"default", item.shared_by_default ? "shared" : "branch"}, {"chosen_by_head_office", chosen}});
        text << item.id << "  " << (shared ? "shared" : "branch") << (chosen ? "" : " (default)") << "  "
             << item.group << "\n";
      }
      return Output{{{"year", year->label()}, {"items", items}}, text.str()};
    };
  });
  static std::string sharing_value;
  sharing_value.clear();
  auto* sharing_set = sharing_cmd->add_subcommand("set", "make an item shared (head office answers it) or per branch");
  sharing_set->add_option("ITEM", item_id, "evidence item id")->required();
  sharing_set->add_option("SCOPE", sharing_value, "shared or branch")->required();
  sharing_set->add_option("--as", as, "the head office administrator (default $DSPTSYNC_SERVER_USER)");
  sharing_set->add_option("--year", year_text, "assessment year (default: the organisation's current year)");
  sharing_set->callback([&global, &run] {
    run = [&global]() -> Result<Output> {
      auto acting = open_acting(global, as);
      if (!acting) return acting.error();
      HeadOffice& office = *acting->office;
      auto year = year_or_current(office, year_text);
      if (!year) return year.error();
      auto recorded = office.edit_as(acting->user, {{FieldKey{office.hq().code, year->label(), TargetKind::item,
                                                              item_id, Field::sharing},
                                                     FieldValue{sharing_value, ""}}});
      if (!recorded) return recorded.error();
      return recorded_output(*recorded, item_id + " is now " +
                                            (sharing_value == "shared" ? "shared: head office answers it for every branch\n"
                                                                       : "answered by each branch\n"));
    };
  });

  // overrides [--branch V]
  auto* overrides_cmd = app.add_subcommand("overrides", "shared items branches answer themselves, with their reasons");
  overrides_cmd->add_option("--branch", branch, "only this branch");
  overrides_cmd->callback([&global, &run] {
    run = [&global]() -> Result<Output> {
      auto office = open_head_office(global);
      if (!office) return office.error();
      auto entries =
          (*office)->progress(branch.empty() ? std::nullopt : std::optional<std::string>(branch), date_of(now_ms()));
      if (!entries) return entries.error();
      json list = json::array();
      std::ostringstream text;
      for (const auto& entry : *entries)
        for (const auto& [id, reason] : entry.overrides) {
          list.push_back({{"branch", entry.branch.ods}, {"item", id}, {"reason", reason.value.text},
                          {"by", reason.by.user}, {"at", format_timestamp(reason.by.at)}});
          text << entry.branch.ods << "  " << id << "  \"" << reason.value.text << "\" (" << reason.by.user << ", "
               << format_timestamp(reason.by.at) << ")\n";
        }
      if (list.empty()) text << "No branch overrides a shared answer\n";
      return Output{{{"overrides", list}}, text.str()};
    };
  });

  // publish --year Y (--branches A,B | --all-ready) [--dry-run]
  static std::string publish_year, publish_branches;
  static bool all_ready = false, dry_run = false;
  publish_year.clear(), publish_branches.clear(), all_ready = false, dry_run = false;
  auto* publish_cmd = app.add_subcommand("publish", "publish once for the selected branches, each with its own status");
  publish_cmd->add_option("--year", publish_year, "the assessment year to publish, e.g. 2021-22")->required();
  auto* branches_opt = publish_cmd->add_option("--branches", publish_branches,
                                               "comma-separated site codes (the HQ code for head office's own)");
  auto* all_ready_opt = publish_cmd->add_flag("--all-ready", all_ready, "every branch that can be published now");
  branches_opt->excludes(all_ready_opt);
  publish_cmd->add_flag("--dry-run", dry_run, "check and show each branch's status; record nothing");
  publish_cmd->add_option("--as", as, "the head office administrator (default $DSPTSYNC_SERVER_USER)");
  publish_cmd->callback([&global, &run] {
    run = [&global]() -> Result<Output> {
      auto acting = open_acting(global, as);
      if (!acting) return acting.error();
      PublishRequest request{publish_year, split_commas(publish_branches), all_ready, dry_run};
      if (!all_ready && request.sites.empty())
        return invalid_input("say which branches to publish: --branches VLAXL,VM2B3, or --all-ready");
      auto outcome = acting->office->publish(acting->user, request, date_of(now_ms()));
      if (!outcome) return outcome.error();
      json sites = json::array();
      std::ostringstream text;
      std::size_t blocked = 0;
      for (const auto& site : outcome->sites) {
        blocked += site.blocking.empty() ? 0 : 1;
        sites.push_back({{"ods", site.ods},
                         {"name", site.name},
                         {"status", to_string(site.evaluation.status)},
                         {"public_status", public_status(site.evaluation.year, site.evaluation.status)},
                         {"mandatory", site.evaluation.mandatory_summary()},
                         {"assertions", site.evaluation.assertion_summary()},
                         {"answers_hash", site.answers_hash},
                         {"ready", site.blocking.empty()},
                         {"problems", problems_json(site.blocking)}});
        text << site.name << " (" << site.ods << "): " << public_status(site.evaluation.year, site.evaluation.status)
             << "\n";
        for (const auto& problem : site.blocking) text << "  - " << problem.message << "\n";
      }
      json data{{"published", outcome->published}, {"dry_run", dry_run}, {"sites", sites}};
      if (outcome->published) {
        data["publication"] = publication_json(outcome->publication);
        text << "Published publication " << outcome->publication.id << " for " << outcome->sites.size()
             << (outcome->sites.size() == 1 ? " site" : " sites") << "; certificates: 'dsptsync-server certificate "
             << "--publication " << outcome->publication.id << " --branch CODE --out FILE.html'\n";
        return Output{data, text.str()};
      }
      if (blocked == 0) {
        text << "Dry run: nothing was recorded\n";
        return Output{data, text.str()};
      }
      Output refused_output{data, text.str()};
      refused_output.failure =
          all_ready ? refused("no branch can be published yet (each one's problems are above); nothing was recorded")
                    : refused("the publish was refused: " + std::to_string(blocked) + " of " +
                              std::to_string(outcome->sites.size()) +
                              " sites cannot be published (problems above); nothing was recorded. Fix them, or "
                              "leave those branches out and include them in a later publication");
      return refused_output;
    };
  });

  // publications
  auto* publications_cmd = app.add_subcommand("publications", "every publication made (previous publications)");
  publications_cmd->callback([&global, &run] {
    run = [&global]() -> Result<Output> {
      auto office = open_head_office(global);
      if (!office) return office.error();
      auto list = (*office)->publications();
      if (!list) return list.error();
      json out = json::array();
      std::ostringstream text;
      for (const auto& publication : *list) {
        out.push_back(publication_json(publication));
        text << "Publication " << publication.id << ", " << publication.year << ", "
             << format_timestamp(publication.published_at) << " by " << publication.published_by << "\n";
        for (const auto& site : publication.sites)
          text << "  " << site.ods << "  " << site.public_status << "  (" << site.name << ")\n";
      }
      if (list->empty()) text << "Nothing published yet\n";
      return Output{{{"publications", out}}, text.str()};
    };
  });

  // export [--branch V] [--plan] [--format F] --out FILE
  static std::string out_file, format;
  static bool plan_only = false;
  out_file.clear(), format.clear(), plan_only = false;
  auto* export_cmd = app.add_subcommand("export", "export head office's or a branch's effective assessment "
                                                  "(.xlsx, .csv or .json)");
  export_cmd->add_option("--branch", branch, "a branch's effective assessment (default: head office's)");
  export_cmd->add_flag("--plan", plan_only, "export the improvement plan instead of the items");
  export_cmd->add_option("--format", format, "xlsx, csv or json (default: from the file's extension)");
  export_cmd->add_option("--out", out_file, "the file to write")->required();
  export_cmd->add_option("--year", year_text, "assessment year (default: the organisation's current year)");
  export_cmd->callback([&global, &run] {
    run = [&global]() -> Result<Output> {
      auto chosen = export_format_for(out_file, format.empty() ? std::nullopt : std::optional<std::string>(format));
      if (!chosen) return chosen.error();
      auto office = open_head_office(global);
      if (!office) return office.error();
      HeadOffice& o = **office;
      auto year = year_or_current(o, year_text);
      if (!year) return year.error();
      auto scope = o.scope_of(branch.empty() ? std::nullopt : std::optional<std::string>(branch));
      if (!scope) return scope.error();
      auto catalogue = o.catalogue_for(*year);
      if (!catalogue) return catalogue.error();
      auto view = o.effective_view(*scope, *year);
      if (!view) return view.error();
      std::string site_name = o.name();
      if (*scope != o.hq().code) {
        auto found = o.directory().branch(*scope);
        if (!found) return found.error();
        if (*found) site_name = (*found)->name;
      }
      const auto document = export_document(*catalogue, *view, evaluate(*catalogue, *view, date_of(now_ms())),
                                            {o.name(), o.hq().code, *scope, site_name});
      const ExportContent content = plan_only ? ExportContent::plan : ExportContent::assessment;
      if (auto written = write_export(document, content, *chosen, out_file); !written) return written.error();
      const std::size_t rows = plan_only ? document.plan.size() : document.items.size();
      return Output{{{"out", out_file}, {"format", to_string(*chosen)}, {"scope", *scope}, {"year", year->label()},
                     {"content", plan_only ? "plan" : "assessment"}, {"rows", rows}},
                    "Wrote " + std::to_string(rows) + (plan_only ? " plan lines" : " items") + " of " + site_name +
                        " (" + *scope + ") to " + out_file + "\n"};
    };
  });

  // certificate --publication N --branch V --out FILE.html
  static std::int64_t publication_id = 0;
  publication_id = 0;
  auto* certificate_cmd = app.add_subcommand("certificate", "a printable certificate (HTML) of one site's publication");
  certificate_cmd->add_option("--publication", publication_id, "the publication's number")->required();
  certificate_cmd->add_option("--branch", branch, "the site (required when the publication has several)");
  certificate_cmd->add_option("--out", out_file, "the HTML file to write")->required();
  certificate_cmd->callback([&global, &run] {
    run = [&global]() -> Result<Output> {
      auto office = open_head_office(global);
      if (!office) return office.error();
      auto list = (*office)->publications();
      if (!list) return list.error();
      auto publication = std::find_if(list->begin(), list->end(), [](const auto& p) { return p.id == publication_id; });
      if (publication == list->end())
        return not_found("there is no publication " + std::to_string(publication_id) +
                         "; 'dsptsync-server publications' lists them");
      const PublishedSite* site = nullptr;
      if (branch.empty()) {
        if (publication->sites.size() != 1)
          return invalid_input("publication " + std::to_string(publication_id) + " covers " +
                               std::to_string(publication->sites.size()) + " sites; say which with --branch");
        site = &publication->sites.front();
      } else {
        auto code = parse_ods_code(branch);
        if (!code) return code.error();
        for (const auto& each : publication->sites)
          if (each.ods == code->code) site = &each;
        if (!site)
          return not_found(code->code + " is not in publication " + std::to_string(publication_id) +
                           "; 'dsptsync-server publications' shows which sites each covers");
      }
      const Certificate certificate{(*office)->name(), (*office)->hq().code, site->ods, site->name, site->public_status,
                                    date_of(publication->published_at).iso(), publication->published_by,
                                    publication->id, site->answers_hash};
      const std::string html = certificate_html(certificate);
      const auto parent = std::filesystem::path(out_file).parent_path();
      if (!parent.empty() && !std::filesystem::is_directory(parent))
        return invalid_input("the folder " + parent.string() + " does not exist; create it or choose another --out");
      std::ofstream file(out_file, std::ios::binary | std::ios::trunc);
      if (!file || !(file << html) || !file.flush()) return io_error("cannot write " + out_file);
      return Output{{{"out", out_file}, {"publication", publication->id}, {"ods", site->ods},
                     {"public_status", site->public_status}},
                    "Wrote the certificate of " + site->name + " (" + site->ods + "), " + site->public_status + ", to " +
                        out_file + "\n"};
    };
  });

  // rollforward --to Y [--dry-run]
  static std::string to_year;
  to_year.clear();
  auto* roll_cmd = app.add_subcommand("rollforward", "move the whole organisation to the next year's question set");
  roll_cmd->add_option("--to", to_year, "the new assessment year, e.g. 2023-24")->required();
  roll_cmd->add_flag("--dry-run", dry_run, "show what would be carried; change nothing");
  roll_cmd->add_option("--as", as, "the head office administrator (default $DSPTSYNC_SERVER_USER)");
  roll_cmd->callback([&global, &run] {
    run = [&global]() -> Result<Output> {
      auto to = parse_assessment_year(to_year);
      if (!to) return to.error();
      auto acting = open_acting(global, as);
      if (!acting) return acting.error();
      auto report = acting->office->roll_forward(acting->user, *to, dry_run);
      if (!report) return report.error();
      json carried = json::array();
      for (const auto& [from, into] : report->plan.carried)
        if (from != into) carried.push_back({{"from", from}, {"to", into}});
      json scopes = json::array();
      std::ostringstream text;
      text << (report->applied ? "Moved " : "Would move ") << acting->office->name() << " from " << report->from_year
           << " to " << report->to_year << "\n";
      for (const auto& [scope, count] : report->scopes) {
        scopes.push_back({{"scope", scope}, {"values_carried", count}});
        text << "  " << scope << ": " << count << " values carried\n";
      }
      json steps = json::array();
      for (const auto& step : report->plan.steps) steps.push_back(to_json(step));
      if (report->plan.steps.size() > 1)
        for (const auto& step : report->plan.steps) text << "  step " << describe(step) << "\n";
      for (const auto& [from, into] : report->plan.carried)
        if (from != into) text << "  " << from << " is now " << into << "\n";
      for (const auto& id : report->plan.removed) text << "  " << id << " was removed from the question set\n";
      for (const auto& id : report->plan.added) text << "  " << id << " is new: nothing to carry\n";
      for (const auto& note : report->plan.notes) text << "  " << note << "\n";
      if (report->applied)
        text << "Branch devices move to " << report->to_year << " at their next sync; edits they made offline are "
             << "carried too.\n";
      return Output{{{"from_year", report->from_year},
                     {"to_year", report->to_year},
                     {"applied", report->applied},
                     {"renamed", carried},
                     {"removed", report->plan.removed},
                     {"added", report->plan.added},
                     {"notes", report->plan.notes},
                     {"steps", steps},
                     {"scopes", scopes},
                     {"changes_recorded", report->changes_recorded}},
                    text.str()};
    };
  });

  // user add NAME --role R
  if (auto* user_cmd = app.get_subcommand("user")) {
    static std::string user_name, role_text;
    user_name.clear(), role_text = "admin";
    auto* user_add = user_cmd->add_subcommand("add", "add a head office user who works at this server (answer, "
                                                     "confirm, publish with --as NAME)");
    user_add->add_option("NAME", user_name, "the person's name, e.g. \"Priya Shah\"")->required();
    user_add->add_option("--role", role_text, "admin, member or viewer (default admin)");
    user_add->callback([&global, &run] {
      run = [&global]() -> Result<Output> {
        user_name = normalise_name(user_name);  // as it is stored, so the output names them alike
        auto role = protocol::parse_role(role_text);
        if (!role) return role.error();
        auto office = open_head_office(global);
        if (!office) return office.error();
        if (auto added = (*office)->add_console_user(user_name, *role); !added) return added.error();
        return Output{{{"name", user_name}, {"role", protocol::to_string(*role)}, {"branch", nullptr}},
                      "Added " + user_name + " (head office " + std::string(protocol::to_string(*role)) +
                          "); act as them with --as \"" + user_name + "\" or DSPTSYNC_SERVER_USER\n"};
      };
    });
  }

  // user passwd NAME: the password for the web app, from $DSPTSYNC_PASSWORD, a prompt, or stdin.
  if (auto* user_cmd = app.get_subcommand("user")) {
    static std::string passwd_name;
    passwd_name.clear();
    auto* user_passwd = user_cmd->add_subcommand(
        "passwd", "set the password NAME signs in to the web app with (from $DSPTSYNC_PASSWORD, else typed twice, "
                  "else one line on stdin)");
    user_passwd->add_option("NAME", passwd_name, "the user's name, as 'user list' shows it")->required();
    user_passwd->callback([&global, &run] {
      run = [&global]() -> Result<Output> {
        passwd_name = normalise_name(passwd_name);  // as it was stored
        auto office = open_head_office(global);
        if (!office) return office.error();
        auto user = (*office)->directory().user(passwd_name);
        if (!user) return user.error();
        if (!*user)
          return not_found("there is no user '" + passwd_name + "'; 'dsptsync-server user list' shows the users and "
                           "'user add' adds a head office user");
        if ((*user)->revoked_at) return refused("'" + passwd_name + "' was revoked; a revoked user cannot sign in");
        auto password = read_new_password();
        if (!password) return password.error();
        auto hashed = crypto::hash_password(*password);
        if (!hashed) return hashed.error();
        if (auto set = (*office)->directory().set_password(passwd_name, *hashed, now_ms()); !set) return set.error();
        return Output{{{"name", passwd_name}, {"password_set", true}},
                      "Set the web app password of " + passwd_name + "; they sign in at the server's address\n"};
      };
    });
  }
}

}  // namespace dsptsync::server
