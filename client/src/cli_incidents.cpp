// `dsptsync incident add|list|show|edit|close`: this site's incident log (docs/cli.md,
// docs/incidents.md). Parse, one call on the Workspace, present with the service's serialiser.
#include "cli_commands.h"

#include "dsptsync/cli/incident_options.h"
#include "dsptsync/service/incident_json.h"

#include <sstream>

namespace dsptsync::client {
namespace {

struct IncidentCommand {
  std::string id;
  bool open_only = false;
  cli::IncidentOptions details;
};

Output outcome_output(const IncidentOutcome& outcome, std::string_view done) {
  return Output{service::to_json(outcome, JsonStyle::cli), service::outcome_text(outcome, done)};
}

Result<Output> list_output(Workspace& workspace, bool open_only) {
  auto incidents = workspace.incidents(now_ms());
  if (!incidents) return incidents.error();
  json list = json::array();
  std::ostringstream text;
  for (const auto& graded : *incidents) {
    if (open_only && graded.incident.state() == "closed") continue;
    list.push_back(service::to_json(graded, JsonStyle::cli));
    text << service::incident_line(graded) << "\n";
  }
  if (list.empty()) text << "No incidents recorded at " << workspace.site().code << "\n";
  return Output{{{"site", workspace.site().code}, {"incidents", std::move(list)}}, text.str()};
}

}  // namespace

void add_incident_commands(BranchCli& cli) {
  auto* group = cli.line.app().add_subcommand("incident", "this site's data security and protection incidents");
  group->require_subcommand(1);
  auto& add = cli.line.keep<IncidentCommand>();
  auto* add_cmd = group->add_subcommand("add", "record an incident (anyone at the site may, viewers included)");
  add.details.add_to(add_cmd);
  cli.on_store_run(add_cmd, [&add](Workspace& workspace) -> Result<Output> {
    auto outcome = workspace.record_incident(add.details.input(), now_ms());
    if (!outcome) return outcome.error();
    return outcome_output(*outcome, "Recorded incident");
  });
  auto& list = cli.line.keep<IncidentCommand>();
  auto* list_cmd = group->add_subcommand("list", "list the incidents, those whose 72 hours are running first");
  list_cmd->add_flag("--open", list.open_only, "leave out closed incidents");
  cli.on_store_run(list_cmd, [&list](Workspace& workspace) { return list_output(workspace, list.open_only); });
  auto& show = cli.line.keep<IncidentCommand>();
  auto* show_cmd = group->add_subcommand("show", "every detail of one incident, its grade and its clock");
  show_cmd->add_option("ID", show.id, "the incident's id (INC-...)")->required();
  cli.on_store_run(show_cmd, [&show](Workspace& workspace) -> Result<Output> {
    auto graded = workspace.incident(show.id, now_ms());
    if (!graded) return graded.error();
    return Output{{{"incident", service::to_json(*graded, JsonStyle::cli)}}, service::incident_text(*graded)};
  });
  cli::add_incident_change_commands(
      group, [&cli]() -> cli::IncidentChange& { return cli.line.keep<cli::IncidentChange>(); },
      [&cli](CLI::App* command, cli::IncidentChange& change) {
        cli.on_store_run(command, [&change](Workspace& workspace) -> Result<Output> {
          auto outcome = workspace.edit_incident(change.id, change.input(), now_ms());
          if (!outcome) return outcome.error();
          return outcome_output(*outcome, change.done());
        });
      });
}

}  // namespace dsptsync::client
