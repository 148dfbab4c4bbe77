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
  add(command, "--kind", Field::incident_kind, "the kind of incident (docs/incidents.md lists them), e.g. lost_or_stolen");
  add(command, "--people", Field::people_affected, "roughly how many people are affected");
  add(command, "--vulnerable", Field::vulnerable_groups, "yes if children or vulnerable adults are among them");
  add(command, "--data", Field::data_involved, "the kinds of data involved (health, contact details...)");
  add(command, "--containment", Field::containment, "what was done to contain it, and what is planned");
  add(command, "--likelihood", Field::likelihood, "likelihood that harm has occurred or will, 1 (not occurred) to 5 (occurred)");
  add(command, "--severity", Field::severity, "severity of that harm, 1 (no adverse effect) to 5 (catastrophic)");
  add(command, "--state", Field::incident_state, "open, reported or closed");
  add_close_to(command);
  add(command, "--items", Field::linked_items, "evidence items it bears on, e.g. \"6.1.1 6.1.2\"");
}

void IncidentOptions::add_close_to(CLI::App* command) {
  add(command, "--ico-reference", Field::ico_reference, "the Information Commissioner's reference, e.g. IC-123456-A1B2");
  add(command, "--lessons", Field::lessons_learned, "the lessons learned (needed to close)");
}

IncidentInput IncidentOptions::input() const {
  IncidentInput input;
  for (const auto& [field, option] : options_)
    if (option.first->count()) input[field] = *option.second;
  return input;
}

}  // namespace dsptsync::cli
