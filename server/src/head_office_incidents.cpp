// HeadOffice: every site's incident log (docs/incidents.md). A branch's incidents arrive by sync like
// its answers; head office reads them all, records its own and reviews a branch's with the same rules
// as a laptop (incident_input.h for what is typed, permissions.h through edit_as for who may).
#include "dsptsync/server/head_office.h"

namespace dsptsync::server {

Result<std::vector<GradedIncident>> HeadOffice::incidents(const IncidentFilter& filter, TimestampMs now) {
  std::string scope;
  if (filter.branch) {
    auto chosen = scope_of(filter.branch);
    if (!chosen) return chosen.error();
    scope = *chosen;
  }
  auto state = ledger_->state_of_kind(TargetKind::incident, scope);
  if (!state) return state.error();
  std::vector<GradedIncident> all;
  for (auto& incident : incidents_of(*state)) {
    if (filter.open_only && incident.state() == "closed") continue;
    all.push_back(assess_incident(shipped_incident_rules(), std::move(incident), now));
  }
  order_for_attention(all);
  return all;
}

Result<GradedIncident> HeadOffice::incident(std::string_view id, TimestampMs now) {
  auto all = incidents({}, now);
  if (!all) return all.error();
  for (auto& graded : *all)
    if (graded.incident.id == id) return std::move(graded);
  return not_found("there is no incident '" + std::string(id) + "' in " + name_ +
                   "; 'dsptsync-server incidents' lists every site's");
}

Result<IncidentOutcome> HeadOffice::record_incident(const User& by, const std::optional<std::string>& branch,
                                                    const IncidentInput& input, TimestampMs now) {
  auto scope = scope_of(branch);
  if (!scope) return scope.error();
  Incident incident;
  incident.id = new_incident_id();
  incident.scope = *scope;
  incident.year = year_.label();
  auto edits = prepare_incident_edits(shipped_incident_rules(), input, {}, true, now);
  if (!edits) return edits.error();
  return record_incident_edits(by, incident, *edits, now);
}

Result<IncidentOutcome> HeadOffice::edit_incident(const User& by, std::string_view id, const IncidentInput& input,
                                                  TimestampMs now) {
  auto found = incident(id, now);
  if (!found) return found.error();
  auto edits = prepare_incident_edits(shipped_incident_rules(), input, found->incident.values, false, now);
  if (!edits) return edits.error();
  return record_incident_edits(by, found->incident, *edits, now);
}

Result<IncidentOutcome> HeadOffice::record_incident_edits(const User& by, const Incident& incident,
                                                          const IncidentEdits& edits, TimestampMs now) {
  std::vector<Edit> changes;
  for (const auto& [field, value] : edits.changes)
    changes.push_back(Edit{FieldKey{incident.scope, incident.year, TargetKind::incident, incident.id, field}, value});
  if (!changes.empty())
    if (auto recorded = edit_as(by, changes); !recorded) return recorded.error();
  auto graded = this->incident(incident.id, now);
  if (!graded) return graded.error();
  return IncidentOutcome{std::move(*graded), changes.size(), edits.warnings};
}

}  // namespace dsptsync::server
