// Data security and protection incidents: the grading rules (data, not code), the 72-hour clock,
// and an incident as people see it, read off the change log like an assessment.
//
// An incident is one target of kind TargetKind::incident in a site's scope (the branch's V code, or
// head office's code for its own), kept under the assessment year in which it was recorded. Each of
// its fields is a change like an answer: attributed, sealed at rest, synced, merged (docs/incidents.md).
#pragma once

#include "dsptsync/change.h"
#include "dsptsync/error.h"
#include "dsptsync/time.h"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dsptsync {

// As in ledger.h (an alias cannot be declared ahead; repeating it with the same type is allowed).
using AssessmentState = std::map<FieldKey, FieldState>;

// ----- the grading rules (data/incidents/grading.tsv, embedded) -----

struct ScaleStep {
  int score = 0;
  std::string label;        // "Likely"
  std::string description;  // the guide's wording
};

// A body an incident is reported to when its grade reaches both minimums.
struct ReportingRule {
  std::string body;  // "ico", "dhsc"
  int min_likelihood = 0;
  int min_severity = 0;
  int deadline_hours = 0;  // from becoming aware; 0: no deadline of its own
  std::string name;        // "the Information Commissioner's Office"
  std::string action;      // what to do, as the person reads it
};

struct NamedEntry {
  std::string id;
  std::string name;
  std::string description;
};

struct ReferenceFormat {
  std::string body;
  std::string example;  // IC-123456-A1B2
  std::string pattern;  // ECMAScript regular expression the whole reference must match
};

struct IncidentRules {
  std::vector<ScaleStep> likelihood;  // scores 1..5 in order
  std::vector<ScaleStep> severity;
  int vulnerable_floor = 0;           // both scores are at least this when vulnerable groups are involved
  std::vector<ReportingRule> reporting;
  std::vector<NamedEntry> categories;
  std::vector<NamedEntry> kinds;
  std::vector<ReferenceFormat> references;
  // The evidence items every incident bears on unless it lists its own (6.1.x, 5.1.1: the
  // assessment's questions about breaches); `name` says what the item asks about.
  std::vector<NamedEntry> items;
  std::string source;  // the file's first comment line: where the grid comes from

  const NamedEntry* category(std::string_view id) const;
  const NamedEntry* kind(std::string_view id) const;
  const ReportingRule* rule(std::string_view body) const;
};

// Reads the rules file; every malformed line is refused with its line number and what was wrong.
Result<IncidentRules> parse_incident_rules(std::string_view tsv);
// The shipped rules (data/incidents/grading.tsv). They are checked by the tests, so this never fails.
const IncidentRules& shipped_incident_rules();

// ----- grading -----

struct Grade {
  int likelihood = 0;  // as recorded (0: not graded yet)
  int severity = 0;
  int effective_likelihood = 0;  // after the vulnerable-groups floor
  int effective_severity = 0;
  std::vector<const ReportingRule*> report_to;  // every rule the grade meets, in the file's order
  std::string why;  // "Likely × Adverse effect: report it to the Information Commissioner's Office ..."
  bool graded() const { return likelihood > 0 && severity > 0; }
  bool reportable() const { return !report_to.empty(); }
};

// The grade of recorded scores (0 where not recorded), with the floor for vulnerable groups applied
// and every reporting rule it meets; `why` names both scale steps and the consequence.
Grade grade_incident(const IncidentRules& rules, int likelihood, int severity, bool vulnerable);

// ----- instants: when it happened, when the organisation became aware -----

// A moment as an incident records it, in UTC to the minute: "2026-10-25T00:30Z". People type UK
// local time ("2026-10-25 01:30", "2026-10-25T01:30", with GMT or BST as the UK's clocks were then),
// or give an offset ("...T01:30+01:00", "...T00:30Z"). A local time that did not happen (the hour
// the clocks go forward) is refused; one that happened twice (the hour they go back) is the first,
// in BST. The error says what is accepted.
Result<TimestampMs> parse_incident_time(std::string_view text);
// The stored form: "2026-10-25T00:30Z".
std::string incident_time_text(TimestampMs at);
// As people in England read it: "25 October 2026, 01:30 BST".
std::string uk_local_time(TimestampMs at);
// As people type it back in a form: "2026-10-25 01:30" (UK local time; parse_incident_time reads it).
std::string uk_local_input(TimestampMs at);
// The UK's offset from UTC at that instant, in minutes (0 or 60): BST from 01:00 UTC on the last
// Sunday of March to 01:00 UTC on the last Sunday of October.
int uk_offset_minutes(TimestampMs at);

// ----- an incident as people see it -----

inline constexpr std::string_view kIncidentStates[] = {"open", "reported", "closed"};

struct Incident {
  std::string id;     // the target: "INC-3F9A2C1B"
  std::string scope;  // the site's ODS code
  std::string year;   // the assessment year it was recorded in
  std::map<Field, std::string> values;  // every incident field that holds a value
  std::vector<Field> in_conflict;       // fields whose concurrent edits differ
  std::string recorded_by;              // who made its first change
  TimestampMs recorded_at = 0;

  std::string value(Field field) const;  // "" when not set
  std::string state() const;             // "open" when not set
};

// The 72-hour clock of a reportable incident: from when the organisation became aware (found_at).
struct IncidentClock {
  bool applies = false;   // reportable, with a deadline, and not yet reported or closed
  TimestampMs deadline = 0;
  std::int64_t left_ms = 0;  // negative once overdue
  bool overdue() const { return applies && left_ms < 0; }
  std::string left_text() const;  // "41 hours left", "3 hours overdue"
};

struct GradedIncident {
  Incident incident;
  Grade grade;
  IncidentClock clock;
};

// Every incident of one scope and year in the state, in the order they were recorded.
std::vector<Incident> incidents_of(const AssessmentState& state);
// Grade and clock at `now`.
GradedIncident assess_incident(const IncidentRules& rules, Incident incident, TimestampMs now);
// Reportable ones with a running clock first, the most overdue first; then the rest, newest first.
void order_for_attention(std::vector<GradedIncident>& incidents);

// The evidence items an incident bears on: those it lists, else the rules' items.
std::vector<std::string> linked_items(const IncidentRules& rules, const Incident& incident);

// What an evidence item shows of one site's incidents of the year: those that bear on it.
struct IncidentTally {
  int count = 0;
  int open = 0;      // not closed
  int reported = 0;  // reported to the ICO: the state says so, or its reference is recorded
  std::vector<std::string> ids;
};
// Per evidence item, of the incidents of `year`: every item one bears on, and every item of the
// rules (a zero tally says "no incidents this year" where the assessment asks about them).
std::map<std::string, IncidentTally> incidents_by_item(const IncidentRules& rules,
                                                       const std::vector<GradedIncident>& incidents,
                                                       std::string_view year);

// A new incident's id: "INC-" and eight random hexadecimal digits.
std::string new_incident_id();
bool is_incident_id(std::string_view text);

// Checks one incident field's value as every replica must before recording or accepting it: times in
// the stored form and not after `now` plus the allowed clock skew, found not before happened (given
// the other value where known), scores on the scales, a known category and kind, a number of people,
// yes/no for vulnerable groups, a known state, a reference in its body's format, linked items of the
// year's question set (checked by the caller). `other` is the incident's other values where known.
Status check_incident_value(const IncidentRules& rules, Field field, const std::string& value,
                            const std::map<Field, std::string>& other, TimestampMs now);

}  // namespace dsptsync
