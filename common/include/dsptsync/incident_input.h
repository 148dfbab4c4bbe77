// What a person types about an incident, turned into the edits every door records: one rule for the
// laptop's commands, head office's commands and both web apps (docs/incidents.md).
#pragma once

#include "dsptsync/change.h"
#include "dsptsync/error.h"
#include "dsptsync/incident.h"
#include "dsptsync/time.h"

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace dsptsync {

// The fields a person gives, as typed: times in UK local time or with an offset, yes/no spelled any
// usual way, a category or kind by its id or its name, linked items separated by commas or spaces.
// An empty text clears the field (where the field may be cleared).
using IncidentInput = std::map<Field, std::string>;

struct IncidentEdits {
  std::vector<std::pair<Field, std::optional<FieldValue>>> changes;  // only fields whose value changes
  std::vector<std::string> warnings;  // allowed, but worth saying (a reference on an unreportable incident)
};

// An incident recorded or changed, as every door reports it, with what is worth saying about it.
struct IncidentOutcome {
  GradedIncident incident;
  std::size_t changes = 0;  // changes recorded (0: nothing differed)
  std::vector<std::string> warnings;
};

// The fields a new incident must have: what happened, when it happened and was found, its category.
inline constexpr Field kIncidentRequired[] = {Field::what_happened, Field::happened_at, Field::found_at,
                                              Field::category};

// Puts each given value in its stored form and checks it alone and with the incident's other values
// (`current`, the stored values; empty for a new incident): found not before it happened, nothing in
// the future of `now`, a closed incident has its lessons learned. A new incident needs every field of
// kIncidentRequired. The first problem is refused with what was wrong and what to write instead;
// nothing is recorded by the caller then.
Result<IncidentEdits> prepare_incident_edits(const IncidentRules& rules, const IncidentInput& input,
                                             const std::map<Field, std::string>& current, bool new_incident,
                                             TimestampMs now);

}  // namespace dsptsync
