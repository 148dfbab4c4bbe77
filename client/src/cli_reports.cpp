// `dsptsync` commands that report on the assessment or carry it on (docs/cli.md): progress, export,
// rollforward.
#include "cli_commands.h"

#include "dsptsync/service/document_json.h"

#include "dsptsync/cli/export_options.h"
#include "dsptsync/export.h"
#include "dsptsync/platform.h"
#include "dsptsync/report.h"

#include <sstream>

namespace dsptsync::client {
namespace {

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

Result<Output> progress_output(Workspace& workspace, const std::string& today) {
  auto evaluation = workspace.progress(today_or(today));
  if (!evaluation) return evaluation.error();
  json data = to_json(*evaluation);
  data["ods"] = workspace.site().code;
  data["name"] = workspace.organisation_name();
  data["catalogue_origin"] = workspace.catalogue().origin();
  auto published = workspace.published();
  if (!published) return published.error();
  // The newest publication of this site, as head office said at the last sync.
  const protocol::PublishedStatus* latest = nullptr;
  for (const auto& entry : *published)
    if (entry.ods == workspace.site().code) latest = &entry;
  data["published"] = latest ? json{{"public_status", latest->public_status},
                                    {"year", latest->year},
                                    {"publication", latest->publication_id},
                                    {"published_at", format_timestamp(latest->published_at_ms)}}
                             : json(nullptr);
  std::string text = progress_text(workspace, *evaluation);
  if (latest)
    text += "Published: " + latest->public_status + " on " + date_of(latest->published_at_ms).iso() + " (publication " +
            std::to_string(latest->publication_id) + ")\n";
  auto due = workspace.review_warnings(today_or(today));
  if (!due) return due.error();
  data["review_warnings"] = json::array();
  for (const auto& warning : *due) {
    data["review_warnings"].push_back(service::to_json(warning, JsonStyle::cli));
    text += "Review: " + warning.text + "\n";
  }
  return Output{data, text};
}

void add_progress(BranchCli& cli) {
  auto& today = cli.line.keep<std::string>();
  auto* cmd = cli.line.app().add_subcommand("progress", "the status this assessment would publish at now, and why");
  cmd->add_option("--today", today, "evaluate as of this date (YYYY-MM-DD), for checking deadlines");
  cli.line.on_run(cmd, [&today, &global = cli.global]() -> Result<Output> {
    if (!today.empty())
      if (auto parsed = parse_iso_date(today); !parsed) return parsed.error();
    return with_workspace(global, [&today](Workspace& workspace) { return progress_output(workspace, today); });
  });
}

struct ExportOptions {
  std::string out, format;
  cli::ExportChoice content;
};

Result<Output> export_output(Workspace& workspace, const ExportOptions& o, ExportFormat format) {
  auto view = workspace.view();
  if (!view) return view.error();
  const Catalogue& catalogue = workspace.catalogue();
  auto hq = workspace.head_office_code();
  if (!hq) return hq.error();
  const std::string hq_code = hq->value_or(workspace.site().code);
  // This site's own incidents: the only ones the store holds (export_document keeps the year's).
  auto incidents = workspace.incidents(now_ms());
  if (!incidents) return incidents.error();
  const auto document = export_document(
      catalogue, *view, evaluate(catalogue, *view, date_of(now_ms())),
      {workspace.organisation_name(), hq_code, workspace.site().code, workspace.organisation_name()}, *incidents);
  const ExportContent content = o.content.content();
  if (auto written = write_export(document, content, format, platform::path_from_utf8(o.out)); !written)
    return written.error();
  const std::size_t rows = export_rows(document, content);
  return Output{{{"out", o.out},
                 {"format", to_string(format)},
                 {"content", to_string(content)},
                 {"rows", rows},
                 {"year", catalogue.year().label()}},
                "Wrote " + cli::rows_text(rows, content) + " to " + o.out + "\n"};
}

void add_export(BranchCli& cli) {
  auto& o = cli.line.keep<ExportOptions>();
  auto* cmd = cli.line.app().add_subcommand(
      "export", "export this assessment (effective: with head office's shared answers) as .xlsx, .csv or .json");
  cmd->add_option("--out", o.out, "the file to write")->required();
  cmd->add_option("--format", o.format, "xlsx, csv or json (default: from the file's extension)");
  o.content.add_to(cmd);
  cli.line.on_run(cmd, [&o, &global = cli.global]() -> Result<Output> {
    auto format = export_format_for(platform::path_from_utf8(o.out),
                                    o.format.empty() ? std::nullopt : std::optional<std::string>(o.format));
    if (!format) return format.error();
    return with_workspace(global, [&o, &format](Workspace& workspace) { return export_output(workspace, o, *format); });
  });
}

Output roll_forward_output(const RollForwardReport& report) {
  json carried = json::array();
  std::ostringstream text;
  text << (report.applied ? "Rolled forward " : "Would roll forward ") << report.from_year << " -> " << report.to_year
       << ": " << report.changes_recorded << " values carried\n";
  for (const auto& [from, to] : report.carried) {
    carried.push_back({{"from", from}, {"to", to}});
    if (from != to) text << "  " << from << " is now " << to << "\n";
  }
  json steps = json::array();
  for (const auto& step : report.steps) steps.push_back(to_json(step));
  if (report.steps.size() > 1)
    for (const auto& step : report.steps) text << "  step " << describe(step) << "\n";
  for (const auto& id : report.removed) text << "  removed: " << id << " (its answer stays in " << report.from_year << ")\n";
  for (const auto& id : report.added) text << "  new: " << id << "\n";
  for (const auto& note : report.notes) text << "  review: " << note << "\n";
  if (report.queued_from_previous_year > 0)
    text << "  " << report.queued_from_previous_year << " edit(s) of " << report.from_year
         << " have not reached head office yet: they stay queued and go up at the next sync\n";
  return Output{{{"from", report.from_year}, {"to", report.to_year}, {"applied", report.applied},
                 {"values_carried", report.changes_recorded}, {"carried", carried}, {"removed", report.removed},
                 {"added", report.added}, {"notes", report.notes}, {"steps", steps},
                 {"queued_from_previous_year", report.queued_from_previous_year}},
                text.str()};
}

void add_roll_forward(BranchCli& cli) {
  struct Options {
    std::string to;
    bool dry_run = false;
  };
  auto& o = cli.line.keep<Options>();
  auto* cmd = cli.line.app().add_subcommand("rollforward", "start the next year's assessment from this one's answers");
  cmd->add_option("--to", o.to, "the new year, e.g. 2023-24")->required();
  cmd->add_flag("--dry-run", o.dry_run, "report what would be carried, change nothing");
  cli.on_store_run(cmd, [&o](Workspace& workspace) -> Result<Output> {
    auto report = workspace.roll_forward(o.to, o.dry_run);
    if (!report) return report.error();
    return roll_forward_output(*report);
  });
}

}  // namespace

void add_report_commands(BranchCli& cli) {
  add_progress(cli);
  add_export(cli);
  add_roll_forward(cli);
}

}  // namespace dsptsync::client
