#include "dsptsync/service/incident_json.h"

#include <cctype>
#include <sstream>

namespace dsptsync::service {

using nlohmann::json;

std::string api_key(std::string_view snake) {
  std::string out;
  bool upper = false;
  for (char c : snake) {
    if (c == '_') {
      upper = true;
      continue;
    }
    out += upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
    upper = false;
  }
  return out;
}

std::string key_of(std::string_view snake, JsonStyle style) {
  return style == JsonStyle::cli ? std::string(snake) : api_key(snake);
}

namespace {

// The fields shown as they are stored (items is a list; state always has a value).
constexpr Field kShownFields[] = {
    Field::happened_at,   Field::found_at,        Field::found_by,          Field::what_happened,  Field::category,
    Field::incident_kind, Field::people_affected, Field::vulnerable_groups, Field::data_involved,  Field::containment,
    Field::likelihood,    Field::severity,        Field::ico_reference,     Field::lessons_learned};

json grade_json(const Grade& grade, JsonStyle style) {
  json report_to = json::array();
  for (const ReportingRule* rule : grade.report_to) report_to.push_back(rule->body);
  return {{"graded", grade.graded()},
          {"likelihood", grade.likelihood},
          {"severity", grade.severity},
          {key_of("effective_likelihood", style), grade.effective_likelihood},
          {key_of("effective_severity", style), grade.effective_severity},
          {key_of("report_to", style), std::move(report_to)},
          {"why", grade.why}};
}

json clock_json(const IncidentClock& clock, JsonStyle style) {
  if (!clock.applies) return nullptr;
  return {{"deadline", incident_time_text(clock.deadline)},
          {key_of("deadline_text", style), uk_local_time(clock.deadline)},
          {key_of("left_ms", style), clock.left_ms},
          {"left", clock.left_text()},
          {"overdue", clock.overdue()}};
}

json items_json(const Incident& incident) {
  json items = json::array();
  std::istringstream ids(incident.value(Field::linked_items));
  for (std::string id; ids >> id;) items.push_back(id);
  return items;
}

// A stored time as people read it, or the text as stored when it does not parse.
std::string local(const std::string& stored) {
  auto at = parse_incident_time(stored);
  return at ? uk_local_time(*at) : stored;
}

std::string or_dash(const std::string& text) { return text.empty() ? "-" : text; }

}  // namespace

json to_json(const GradedIncident& graded, JsonStyle style) {
  const Incident& incident = graded.incident;
  json out = {{"id", incident.id}, {"site", incident.scope}, {"year", incident.year}, {"state", incident.state()}};
  for (Field field : kShownFields) {
    const std::string value = incident.value(field);
    out[key_of(to_string(field), style)] = value.empty() ? json(nullptr) : json(value);
  }
  // The two times also as people read them and as they type them back (UK local time).
  for (Field field : {Field::happened_at, Field::found_at}) {
    const std::string name(to_string(field));
    auto at = parse_incident_time(incident.value(field));
    out[key_of(name + "_text", style)] = at ? json(uk_local_time(*at)) : json(nullptr);
    out[key_of(name + "_local", style)] = at ? json(uk_local_input(*at)) : json(nullptr);
  }
  out["items"] = items_json(incident);
  out[key_of("recorded_by", style)] = incident.recorded_by;
  out[key_of("recorded_at", style)] = format_timestamp(incident.recorded_at);
  json conflicts = json::array();
  for (Field field : incident.in_conflict) conflicts.push_back(key_of(to_string(field), style));
  out[key_of("in_conflict", style)] = std::move(conflicts);
  out["grade"] = grade_json(graded.grade, style);
  out["clock"] = clock_json(graded.clock, style);
  return out;
}

json to_json(const IncidentOutcome& outcome, JsonStyle style) {
  return {{"incident", to_json(outcome.incident, style)}, {"changes", outcome.changes}, {"warnings", outcome.warnings}};
}

std::string outcome_text(const IncidentOutcome& outcome, std::string_view done) {
  std::ostringstream text;
  text << done << " " << outcome.incident.incident.id << " (" << outcome.changes << " change"
       << (outcome.changes == 1 ? "" : "s") << ")\n";
  for (const auto& warning : outcome.warnings) text << "Warning: " << warning << "\n";
  return text.str() + incident_text(outcome.incident);
}

json to_json(const IncidentRules& rules) {
  auto steps = [](const std::vector<ScaleStep>& scale) {
    json out = json::array();
    for (const auto& step : scale)
      out.push_back({{"score", step.score}, {"label", step.label}, {"description", step.description}});
    return out;
  };
  auto named = [](const std::vector<NamedEntry>& entries) {
    json out = json::array();
    for (const auto& entry : entries)
      out.push_back({{"id", entry.id}, {"name", entry.name}, {"description", entry.description}});
    return out;
  };
  json reporting = json::array();
  for (const auto& rule : rules.reporting)
    reporting.push_back({{"body", rule.body},
                         {"name", rule.name},
                         {"minLikelihood", rule.min_likelihood},
                         {"minSeverity", rule.min_severity},
                         {"deadlineHours", rule.deadline_hours},
                         {"action", rule.action}});
  json references = json::array();
  for (const auto& format : rules.references)
    references.push_back({{"body", format.body}, {"example", format.example}});
  return {{"source", rules.source},
          {"likelihood", steps(rules.likelihood)},
          {"severity", steps(rules.severity)},
          {"vulnerableFloor", rules.vulnerable_floor},
          {"reporting", std::move(reporting)},
          {"categories", named(rules.categories)},
          {"kinds", named(rules.kinds)},
          {"references", std::move(references)},
          {"items", named(rules.items)}};
}

json to_json(const IncidentTally& tally) {
  return {{"count", tally.count}, {"open", tally.open}, {"reported", tally.reported}, {"ids", tally.ids}};
}

std::string incident_line(const GradedIncident& graded) {
  const Incident& incident = graded.incident;
  std::string what = incident.value(Field::what_happened);
  if (what.size() > 60) what = what.substr(0, 57) + "...";
  std::ostringstream line;
  line << incident.id << "  " << incident.scope << "  " << incident.state() << "  "
       << (graded.clock.applies ? "[" + graded.clock.left_text() + "]  " : "")
       << (graded.grade.reportable() ? "reportable  " : "") << what;
  return line.str();
}

std::string incident_text(const GradedIncident& graded) {
  const Incident& incident = graded.incident;
  std::ostringstream text;
  text << "Incident " << incident.id << " at " << incident.scope << " (" << incident.year << "), " << incident.state()
       << "\n";
  text << "What happened: " << or_dash(incident.value(Field::what_happened)) << "\n";
  text << "Happened: " << or_dash(local(incident.value(Field::happened_at))) << "\n";
  text << "Found: " << or_dash(local(incident.value(Field::found_at)))
       << (incident.value(Field::found_by).empty() ? "" : " by " + incident.value(Field::found_by)) << "\n";
  text << "Category: " << or_dash(incident.value(Field::category))
       << "; kind: " << or_dash(incident.value(Field::incident_kind)) << "\n";
  text << "People affected: " << or_dash(incident.value(Field::people_affected))
       << "; vulnerable groups: " << or_dash(incident.value(Field::vulnerable_groups)) << "\n";
  text << "Data involved: " << or_dash(incident.value(Field::data_involved)) << "\n";
  text << "Containment: " << or_dash(incident.value(Field::containment)) << "\n";
  text << "Grade: " << graded.grade.why << "\n";
  if (graded.clock.applies)
    text << "Deadline: " << uk_local_time(graded.clock.deadline) << " (" << graded.clock.left_text() << ")\n";
  if (!incident.value(Field::ico_reference).empty())
    text << "ICO reference: " << incident.value(Field::ico_reference) << "\n";
  if (!incident.value(Field::lessons_learned).empty())
    text << "Lessons learned: " << incident.value(Field::lessons_learned) << "\n";
  if (!incident.value(Field::linked_items).empty())
    text << "Evidence items: " << incident.value(Field::linked_items) << "\n";
  for (Field field : incident.in_conflict)
    text << "In conflict: " << to_string(field) << " (people gave different values; edit it to settle)\n";
  text << "Recorded by " << incident.recorded_by << " at " << format_timestamp(incident.recorded_at) << "\n";
  return text.str();
}

}  // namespace dsptsync::service
