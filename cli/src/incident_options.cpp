#include "dsptsync/cli/incident_options.h"

namespace dsptsync::cli {

void IncidentOptions::add(CLI::App* command, const char* name, Field field, const char* help) {
  values_.push_back(std::make_unique<std::string>());
  std::string* value = values_.back().get();
  options_.push_back({field, {command->add_option(name, *value, help), value}});
}

void IncidentOptions::add_to(CLI::App* command) {
  add(command, "--happened", Field::happened_at,
      "when it happened: YYYY-MM-DD HH:MM in UK time, or with an offset (2026-12-04T14:30+00:00)");
  add(command, "--found", Field::found_at, "when the organisation became aware of it (the 72 hours start here)");
  add(command, "--found-by", Field::found_by, "who found it");
  add(command, "--what", Field::what_happened, "what happened (never the personal data itself)");
  add(command, "--category", Field::category, "confidentiality, integrity or availability");
  add(command, "--kind", Field::incident_kind,
      "the kind of incident (docs/incidents.md lists them), e.g. lost_or_stolen");
  add(command, "--people", Field::people_affected, "roughly how many people are affected");
  add(command, "--vulnerable", Field::vulnerable_groups, "yes if children or vulnerable adults are among them");
  add(command, "--data", Field::data_involved, "the kinds of data involved (health, contact details...)");
  add(command, "--containment", Field::containment, "what was done to contain it, and what is planned");
  add(command, "--likelihood", Field::likelihood,
      "likelihood that harm has occurred or will, 1 (not occurred) to 5 (occurred)");
  add(command, "--severity", Field::severity, "severity of that harm, 1 (no adverse effect) to 5 (catastrophic)");
  add(command, "--state", Field::incident_state, "open, reported or closed");
  add_close_to(command);
  add(command, "--items", Field::linked_items, "evidence items it bears on, e.g. \"6.1.1 6.1.2\"");
}

void IncidentOptions::add_close_to(CLI::App* command) {
  add(command, "--ico-reference", Field::ico_reference,
      "the Information Commissioner's reference, e.g. IC-123456-A1B2");
  add(command, "--lessons", Field::lessons_learned, "the lessons learned (needed to close)");
}

IncidentInput IncidentOptions::input() const {
  IncidentInput input;
  for (const auto& [field, option] : options_)
    if (option.first->count()) input[field] = *option.second;
  return input;
}

IncidentInput IncidentChange::input() const {
  IncidentInput input = details.input();
  if (close) input[Field::incident_state] = "closed";
  return input;
}

std::string IncidentChange::done() const { return close ? "Closed incident" : "Changed incident"; }

void add_incident_change_commands(CLI::App* group, const std::function<IncidentChange&()>& keep,
                                  const std::function<void(CLI::App*, IncidentChange&)>& run) {
  for (const bool close : {false, true}) {
    IncidentChange& change = keep();
    change.close = close;
    auto* command = close
                        ? group->add_subcommand("close", "close an incident, with the lessons learned (administrators)")
                        : group->add_subcommand("edit", "change details of an incident (\"\" clears one)");
    command->add_option("ID", change.id, "the incident's id (INC-...)")->required();
    if (close) change.details.add_close_to(command);
    else change.details.add_to(command);
    run(command, change);
  }
}

}  // namespace dsptsync::cli
