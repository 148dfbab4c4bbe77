// An incident as every front-end shows it: one JSON document per style and one text form, for the
// laptop's `dsptsync incident`, head office's `dsptsync-server incidents` and the web API
// (docs/incidents.md). Times people read are UK local time; the JSON keeps the stored UTC form.
#pragma once

#include "dsptsync/incident.h"
#include "dsptsync/incident_input.h"
#include "dsptsync/json_style.h"

#include <nlohmann/json.hpp>
#include <string>

namespace dsptsync::service {

// cli: {id, site, site_name?, year, state, <every field by its name: happened_at, found_at, found_by,
//        what_happened, category, kind, people_affected, vulnerable_groups, data_involved, containment,
//        likelihood, severity, ico_reference, lessons_learned> (null when not recorded),
//        happened_at_text, found_at_text ("4 December 2026, 07:00 GMT"), happened_at_local,
//        found_at_local ("2026-12-04 07:00", as typed back), items: [ids],
//        recorded_by, recorded_at, in_conflict: [field names],
//        grade: {graded, likelihood, severity, effective_likelihood, effective_severity, report_to: [ids], why},
//        clock: null | {deadline, deadline_text, left_ms, left, overdue}}
// api: the same in camelCase (happenedAt, siteName, recordedAt, inConflict, reportTo, deadlineText,
//        leftMs, effectiveLikelihood...).
nlohmann::json to_json(const GradedIncident& graded, JsonStyle style);

// cli: {incident: (as above), changes, warnings: [text]}; api: {incident, changes, warnings}.
nlohmann::json to_json(const IncidentOutcome& outcome, JsonStyle style);
// The grading rules as the web app's form offers them (api style): {source, likelihood: [{score, label,
// description}], severity, vulnerableFloor, reporting: [{body, name, minLikelihood, minSeverity,
// deadlineHours, action}], categories: [{id, name, description}], kinds, references: [{body, example}],
// items: [{id, name}]}.
nlohmann::json to_json(const IncidentRules& rules);
// What an evidence item shows of a site's incidents: {count, open, reported, ids}.
nlohmann::json to_json(const IncidentTally& tally);

// "Recorded incident INC-3F9A2C1B (9 changes)", each warning, then incident_text.
std::string outcome_text(const IncidentOutcome& outcome, std::string_view done);

// A field's name in the API's style: "happened_at" -> "happenedAt" (also the request body's names).
std::string api_key(std::string_view snake);
// A field's name in the given style: as it is for the command line's, api_key for the API's.
std::string key_of(std::string_view snake, JsonStyle style);

// One line of a list: "INC-3F9A2C1B  V1A2B  open  Likely × Adverse effect  41 hours left  A phone ...".
std::string incident_line(const GradedIncident& graded);
// Every recorded detail, the grade and why, and the clock.
std::string incident_text(const GradedIncident& graded);

}  // namespace dsptsync::service
