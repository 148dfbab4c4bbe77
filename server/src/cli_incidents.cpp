// `dsptsync-server incidents` and `dsptsync-server incident add|show|edit|close`: every site's
// incident log at head office (docs/cli.md, docs/incidents.md). Parse, one call on HeadOffice,
// present with the service's serialiser, as the laptop's `dsptsync incident` does.
#include "cli_support.h"

#include "dsptsync/cli/incident_options.h"
#include "dsptsync/service/incident_json.h"

#include <sstream>

namespace dsptsync::server {
namespace {

struct IncidentsCommand {
  std::string branch;
  CLI::Option* branch_option = nullptr;
  bool open_only = false;
};

struct IncidentCommand {
  std::string id, branch, as;
  CLI::Option* branch_option = nullptr;
  cli::IncidentOptions details;
};

Result<Output> incidents_output(HeadOffice& office, const IncidentsCommand& o) {
  IncidentFilter filter{o.branch_option->count() ? std::optional<std::string>(o.branch) : std::nullopt, o.open_only};
  auto incidents = office.incidents(filter, now_ms());
  if (!incidents) return incidents.error();
  json list = json::array();
  std::ostringstream text;
  std::size_t running = 0, overdue = 0;
  for (const auto& graded : *incidents) {
    list.push_back(service::to_json(graded, JsonStyle::cli));
    text << service::incident_line(graded) << "\n";
    running += graded.clock.applies;
    overdue += graded.clock.overdue();
  }
  if (incidents->empty()) text << "No incidents recorded\n";
  else
    text << incidents->size() << (incidents->size() == 1 ? " incident" : " incidents") << "; " << running
         << " to report to the ICO, " << overdue << " of them overdue\n";
  return Output{{{"incidents", std::move(list)}, {"to_report", running}, {"overdue", overdue}}, text.str()};
}

Output outcome_output(const IncidentOutcome& outcome, std::string_view done) {
  return Output{service::to_json(outcome, JsonStyle::cli), service::outcome_text(outcome, done)};
}

void add_incidents_list(ServerCli& cli) {
  auto& o = cli.line.keep<IncidentsCommand>();
  auto* cmd = cli.line.app().add_subcommand("incidents", "every site's incidents, those whose 72 hours run first");
  o.branch_option = cmd->add_option("--branch", o.branch, "only this branch's (V code), or head office's (its code)");
  cmd->add_flag("--open", o.open_only, "leave out closed incidents");
  cli.on_office_run(cmd, [&o](HeadOffice& office) { return incidents_output(office, o); });
}

void add_incident_changes(ServerCli& cli, CLI::App* group) {
  auto& add = cli.line.keep<IncidentCommand>();
  auto* add_cmd = group->add_subcommand("add", "record an incident of head office or of a branch");
  add.branch_option = add_cmd->add_option("--branch", add.branch, "the branch it happened at (default: head office)");
  add.details.add_to(add_cmd);
  add_as_option(add_cmd, add.as, "person recording it");
  cli.on_acting_run(add_cmd, add.as, [&add](HeadOffice& office, const User& by) -> Result<Output> {
    const auto branch = add.branch_option->count() ? std::optional<std::string>(add.branch) : std::nullopt;
    auto outcome = office.record_incident(by, branch, add.details.input(), now_ms());
    if (!outcome) return outcome.error();
    return outcome_output(*outcome, "Recorded incident");
  });
  cli::add_incident_change_commands(
      group, [&cli]() -> cli::IncidentChange& { return cli.line.keep<cli::IncidentChange>(); },
      [&cli](CLI::App* command, cli::IncidentChange& change) {
        auto& as = cli.line.keep<std::string>();
        add_as_option(command, as, "person making the change");
        cli.on_acting_run(command, as, [&change](HeadOffice& office, const User& by) -> Result<Output> {
          auto outcome = office.edit_incident(by, change.id, change.input(), now_ms());
          if (!outcome) return outcome.error();
          return outcome_output(*outcome, change.done());
        });
      });
}

}  // namespace

void add_incident_commands(ServerCli& cli) {
  add_incidents_list(cli);
  auto* group = cli.line.app().add_subcommand("incident", "record, review and close one incident");
  group->require_subcommand(1);
  auto& show = cli.line.keep<IncidentCommand>();
  auto* show_cmd = group->add_subcommand("show", "every detail of one incident, its grade and its clock");
  show_cmd->add_option("ID", show.id, "the incident's id (INC-...)")->required();
  cli.on_office_run(show_cmd, [&show](HeadOffice& office) -> Result<Output> {
    auto graded = office.incident(show.id, now_ms());
    if (!graded) return graded.error();
    return Output{{{"incident", service::to_json(*graded, JsonStyle::cli)}}, service::incident_text(*graded)};
  });
  add_incident_changes(cli, group);
}

}  // namespace dsptsync::server
