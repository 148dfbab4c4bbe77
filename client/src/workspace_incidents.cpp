// Workspace: this site's incident log (docs/incidents.md). Each field of an incident is a change like
// an answer's, under the year the incident was recorded in; the rules of what a person may type and
// do are common's (incident_input.h, permissions.h), the same at head office.
#include "dsptsync/client/workspace.h"

namespace dsptsync::client {

Result<std::vector<GradedIncident>> Workspace::incidents(TimestampMs now) {
  auto state = ledger_->state_of_kind(TargetKind::incident, site_.code);
  if (!state) return state.error();
  std::vector<GradedIncident> all;
  for (auto& incident : incidents_of(*state))
    all.push_back(assess_incident(shipped_incident_rules(), std::move(incident), now));
  order_for_attention(all);
  return all;
}

Result<GradedIncident> Workspace::incident(std::string_view id, TimestampMs now) {
  auto all = incidents(now);
  if (!all) return all.error();
  for (auto& graded : *all)
    if (graded.incident.id == id) return std::move(graded);
  return not_found("there is no incident '" + std::string(id) + "' at " + site_.code +
                   "; 'dsptsync incident list' shows this site's incidents");
}

Result<Incident> Workspace::stored_incident(std::string_view id) {
  auto found = incident(id, 0);
  if (!found) return found.error();
  return found->incident;
}

Result<IncidentOutcome> Workspace::record_incident(const IncidentInput& input, TimestampMs now) {
  Incident incident;
  incident.id = new_incident_id();
  incident.scope = site_.code;
  incident.year = year_.label();
  auto edits = prepare_incident_edits(shipped_incident_rules(), input, {}, true, now);
  if (!edits) return edits.error();
  auto recorded = record_incident_edits(incident, *edits, now);
  if (!recorded) return recorded.error();
  return IncidentOutcome{std::move(*recorded), edits->changes.size(), edits->warnings};
}

Result<IncidentOutcome> Workspace::edit_incident(std::string_view id, const IncidentInput& input, TimestampMs now) {
  auto incident = stored_incident(id);
  if (!incident) return incident.error();
  auto edits = prepare_incident_edits(shipped_incident_rules(), input, incident->values, false, now);
  if (!edits) return edits.error();
  auto recorded = record_incident_edits(*incident, *edits, now);
  if (!recorded) return recorded.error();
  return IncidentOutcome{std::move(*recorded), edits->changes.size(), edits->warnings};
}

Result<GradedIncident> Workspace::record_incident_edits(const Incident& incident, const IncidentEdits& edits,
                                                        TimestampMs now) {
  auto person = enrolled_person();
  if (!person) return person.error();
  // Its year's question set: the items it links to must be in it.
  auto year = parse_assessment_year(incident.year);
  if (!year) return year.error();
  auto catalogue = *year == year_ ? Result<Catalogue>(catalogue_) : catalogue_in_store(*store_, *year);
  if (!catalogue) return catalogue.error();
  std::vector<Edit> changes;
  for (const auto& [field, value] : edits.changes) {
    FieldKey key{incident.scope, incident.year, TargetKind::incident, incident.id, field};
    if (auto valid = check_edit(*catalogue, key, value); !valid) return valid.error();
    changes.push_back(Edit{std::move(key), value});
  }
  // As head office will judge each change when it is pushed: refused here, nothing is recorded.
  if (*person)
    for (const auto& change : changes)
      if (auto allowed = may_record(*store_, **person, change.key, change.value); !allowed) return allowed.error();
  if (!changes.empty())
    if (auto recorded = ledger_->record(changes); !recorded) return recorded.error();
  return this->incident(incident.id, now);
}

}  // namespace dsptsync::client
