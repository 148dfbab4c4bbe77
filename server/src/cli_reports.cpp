// The server CLI's reports (docs/cli.md): every branch's progress, open conflicts, the overrides of
// shared answers, and the signed audit trail.
#include "cli_support.h"

#include "dsptsync/service/document_json.h"

#include "dsptsync/service/head_office_json.h"
#include "dsptsync/service/json.h"

#include <sstream>

namespace dsptsync::server {
namespace {

std::optional<std::string> only_branch(const CLI::Option* option, const std::string& branch) {
  return option->count() ? std::optional<std::string>(branch) : std::nullopt;
}

std::string progress_line(const BranchProgress& entry) {
  std::ostringstream text;
  const Evaluation& evaluation = entry.evaluation;
  text << entry.branch.name << " (" << entry.branch.ods << "): " << display_name(evaluation.status) << "\n"
       << "  " << evaluation.mandatory_summary() << "\n"
       << "  " << evaluation.assertion_summary() << "\n"
       << "  " << evaluation.approaching_provided << " of " << evaluation.approaching_total
       << " Approaching Standards items provided\n";
  if (evaluation.open_conflicts)
    text << "  " << evaluation.open_conflicts << (evaluation.open_conflicts == 1 ? " open conflict\n" : " open conflicts\n");
  text << "  " << evaluation.shared_items << " items answered by head office";
  if (evaluation.overrides) text << ", " << evaluation.overrides << " overridden by the branch";
  text << "\n";
  for (const auto& [id, reason] : entry.overrides)
    text << "    override " << id << ": \"" << reason.value.text << "\" (" << reason.by.user << ")\n";
  if (entry.published)
    text << "  Signed off: " << entry.published->public_status << " on " << date_of(entry.published->published_at).iso()
         << "\n";
  if (entry.nhs_published)
    text << "  On the NHS website: " << entry.nhs_published->public_status << ", published "
         << entry.nhs_published->published_on << "\n";
  else text << "  On the NHS website: not recorded yet ('dsptsync-server nhs-published' records it)\n";
  if (evaluation.next_level && !evaluation.problems.empty()) {
    text << "  To reach " << display_name(*evaluation.next_level) << ":\n";
    for (const auto& problem : evaluation.problems) text << "    - " << problem.message << "\n";
  }
  text << "  " << entry.changes << (entry.changes == 1 ? " change" : " changes") << " synced"
       << (entry.last_change_at ? ", the last at " + format_timestamp(*entry.last_change_at) : std::string()) << "\n";
  if (entry.last_sync)
    text << "  Last synced: " << format_timestamp(entry.last_sync->at) << " (" << entry.last_sync->user << ", "
         << entry.last_sync->device_name << ")\n";
  else text << "  Last synced: never (nobody at the branch has synced yet)\n";
  return text.str();
}

// The same shape as the branch client's 'dsptsync progress --json', plus what the server knows.
json progress_json(const BranchProgress& entry) {
  json item = to_json(entry.evaluation);
  item["ods"] = entry.branch.ods;
  item["name"] = entry.branch.name;
  item["changes"] = entry.changes;
  item["last_change_at"] = optional_time(entry.last_change_at);
  json overrides = json::array();
  for (const auto& [id, reason] : entry.overrides)
    overrides.push_back(
        {{"item", id}, {"reason", reason.value.text}, {"by", reason.by.user}, {"at", format_timestamp(reason.by.at)}});
  item["override_list"] = overrides;
  item["published"] = entry.published ? json{{"public_status", entry.published->public_status},
                                             {"year", entry.published->year},
                                             {"published_at", format_timestamp(entry.published->published_at)}}
                                      : json(nullptr);
  item["nhs_published"] = entry.nhs_published ? service::to_json(*entry.nhs_published, JsonStyle::cli) : json(nullptr);
  item["last_synced"] = entry.last_sync ? service::to_json(*entry.last_sync, JsonStyle::cli) : json(nullptr);
  return item;
}

Result<Output> progress_output(HeadOffice& o, const std::optional<std::string>& only) {
  auto entries = o.progress(only, date_of(now_ms()));
  if (!entries) return entries.error();
  json branches = json::array();
  std::ostringstream text;
  const YearAdvice advice = o.year_advice(date_of(now_ms()));
  text << o.name() << " (" << o.hq().code << "), " << o.year().label() << " assessment\n";
  if (!advice.message.empty()) text << "Note: " << advice.message << "\n";
  text << "\n";
  for (const auto& entry : *entries) {
    branches.push_back(progress_json(entry));
    text << progress_line(entry);
  }
  if (entries->empty()) text << "No branches yet; add one with 'dsptsync-server branch add VXXXX --name NAME'\n";
  auto due = o.review_warnings(date_of(now_ms()));
  if (!due) return due.error();
  json warnings = json::array();
  for (const auto& warning : *due) {
    warnings.push_back(service::to_json(warning, JsonStyle::cli));
    text << "Review: " << warning.text << "\n";
  }
  return Output{{{"organisation",
                  {{"ods", o.hq().code},
                   {"name", o.name()},
                   {"year", o.year().label()},
                   {"catalogue_origin", o.catalogue().origin()},
                   {"year_advice", to_json(advice)}}},
                 {"branches", branches},
                 {"review_warnings", std::move(warnings)}},
                text.str()};
}

void conflict_value_line(std::ostream& text, const service::ConflictValue& value) {
  text << "  " << (value.winner ? "* " : "  ") << "\"" << (value.value ? value.value->text : std::string("(cleared)"))
       << "\"  by " << value.user << " at " << format_timestamp(value.at);
  for (const auto& head : value.also) text << ", and by " << head.user;
  text << "\n";
}

Result<Output> conflicts_output(HeadOffice& office, const std::optional<std::string>& only) {
  auto found = office.conflicts(only);
  if (!found) return found.error();
  json list = json::array();
  std::ostringstream text;
  for (const auto& conflict : *found) {
    list.push_back(service::to_json(conflict, JsonStyle::cli));
    text << conflict.scope << "  " << conflict.summary << ":\n";
    for (const auto& value : conflict.values) conflict_value_line(text, value);
  }
  if (found->empty()) text << "No open conflicts\n";
  return Output{{{"conflicts", list}, {"count", found->size()}}, text.str()};
}

Result<Output> overrides_output(HeadOffice& office, const std::string& branch) {
  auto entries = office.progress(branch.empty() ? std::nullopt : std::optional<std::string>(branch), date_of(now_ms()));
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
}

struct AuditOptions {
  bool verify = false;
  std::int64_t after = 0;
  std::size_t limit = 100000;
};

Result<Output> audit_output(HeadOffice& office, const AuditOptions& o) {
  auto checks = office.audit(o.after, o.limit);
  if (!checks) return checks.error();
  json list = json::array();
  std::ostringstream text;
  std::size_t failed = 0;
  std::size_t never_signed = 0;
  for (const auto& check : *checks) {
    json entry = {{"batch", check.record.batch}, {"device", check.record.device_id}, {"user", check.record.user},
                  {"received_at", format_timestamp(check.record.received_at)}, {"changes", check.record.change_ids}};
    if (check.cover) entry["cover"] = check.cover;
    if (o.verify) {
      entry["verified"] = check.verified;
      if (!check.verified) entry["problem"] = check.problem;
      if (check.never_signed) entry["never_signed"] = true;
    }
    list.push_back(entry);
    never_signed += o.verify && check.never_signed ? 1 : 0;
    failed += o.verify && !check.verified && !check.never_signed ? 1 : 0;
    text << "#" << check.record.batch << "  " << format_timestamp(check.record.received_at) << "  " << check.record.user
         << "  " << check.record.change_ids.size() << " change(s)"
         << (o.verify ? (check.verified       ? "  verified"
                         : check.never_signed ? "  never signed: " + check.problem
                                              : "  NOT VERIFIED: " + check.problem)
                      : "")
         << "\n";
  }
  if (failed)
    return corrupt(std::to_string(failed) + " of " + std::to_string(checks->size()) +
                   " pushes in the audit trail do not verify (run 'dsptsync-server audit --verify' to see which); "
                   "the database may have been altered: compare with a backup");
  json data = {{"pushes", list}, {"count", checks->size()}};
  if (!o.verify) return Output{data, text.str()};
  data["all_verified"] = never_signed == 0;
  data["never_signed"] = never_signed;
  const std::size_t verified = checks->size() - never_signed;
  text << (never_signed == 0 ? "All " + std::to_string(verified) + " pushes verified\n"
                             : std::to_string(verified) + " pushes verified; " + std::to_string(never_signed) +
                                   " were sent unsigned and never signed (their device's connection ended first: "
                                   "head office's record is all that attributes them)\n");
  return Output{data, text.str()};
}

void add_audit(ServerCli& cli) {
  auto& o = cli.line.keep<AuditOptions>();
  auto* cmd = cli.line.app().add_subcommand("audit", "the audit trail: which device sent which changes, signed");
  cmd->add_flag("--verify", o.verify, "check every signature against the changes in the log (exit 5 on any failure)");
  cmd->add_option("--after", o.after, "only pushes after this batch number");
  cmd->add_option("--limit", o.limit, "at most this many pushes");
  cli.on_office_run(cmd, [&o](HeadOffice& office) { return audit_output(office, o); });
}

}  // namespace

void add_report_commands(ServerCli& cli) {
  auto& progress_branch = cli.line.keep<std::string>();
  auto* progress = cli.line.app().add_subcommand("progress", "each branch's status from the answers synced so far");
  auto* progress_option = progress->add_option("--branch", progress_branch, "only this branch (site code)");
  cli.on_office_run(progress, [&progress_branch, progress_option](HeadOffice& office) {
    return progress_output(office, only_branch(progress_option, progress_branch));
  });

  auto& conflicts_branch = cli.line.keep<std::string>();
  auto* conflicts = cli.line.app().add_subcommand("conflicts", "open conflicts in every branch's assessment and head office's");
  auto* conflicts_option = conflicts->add_option("--branch", conflicts_branch, "only this branch (site code)");
  cli.on_office_run(conflicts, [&conflicts_branch, conflicts_option](HeadOffice& office) {
    return conflicts_output(office, only_branch(conflicts_option, conflicts_branch));
  });

  add_audit(cli);

  auto& overrides_branch = cli.line.keep<std::string>();
  auto* overrides = cli.line.app().add_subcommand("overrides", "shared items branches answer themselves, with their reasons");
  overrides->add_option("--branch", overrides_branch, "only this branch");
  cli.on_office_run(overrides, [&overrides_branch](HeadOffice& office) { return overrides_output(office, overrides_branch); });
}

}  // namespace dsptsync::server
