#include "dsptsync/report.h"

#include <algorithm>
#include <sstream>

namespace dsptsync {
namespace {

std::string label_of(const std::vector<ScaleStep>& scale, int score) {
  for (const auto& step : scale)
    if (step.score == score) return step.label;
  return "";
}

// A stored time as people in England read it; the text as stored when it does not parse.
std::string local_text(const std::string& stored) {
  if (stored.empty()) return "";
  auto at = parse_incident_time(stored);
  return at ? uk_local_time(*at) : stored;
}

ExportIncidentRow incident_row(const IncidentRules& rules, const GradedIncident& graded) {
  const Incident& incident = graded.incident;
  ExportIncidentRow row;
  row.id = incident.id;
  row.recorded_at = format_timestamp(incident.recorded_at);
  row.recorded_by = incident.recorded_by;
  row.happened_at = incident.value(Field::happened_at);
  row.happened_at_text = local_text(row.happened_at);
  row.found_at = incident.value(Field::found_at);
  row.found_at_text = local_text(row.found_at);
  row.found_by = incident.value(Field::found_by);
  row.what_happened = incident.value(Field::what_happened);
  row.category = incident.value(Field::category);
  if (const NamedEntry* category = rules.category(row.category)) row.category_name = category->name;
  row.kind = incident.value(Field::incident_kind);
  if (const NamedEntry* kind = rules.kind(row.kind)) row.kind_name = kind->name;
  row.people_affected = incident.value(Field::people_affected);
  row.vulnerable_groups = incident.value(Field::vulnerable_groups);
  row.data_involved = incident.value(Field::data_involved);
  row.containment = incident.value(Field::containment);
  row.likelihood = graded.grade.likelihood;
  row.severity = graded.grade.severity;
  row.likelihood_label = label_of(rules.likelihood, graded.grade.likelihood);
  row.severity_label = label_of(rules.severity, graded.grade.severity);
  row.why = graded.grade.why;
  for (const ReportingRule* rule : graded.grade.report_to) {
    row.report_to.push_back(rule->body);
    row.report_to_names.push_back(rule->name);
  }
  if (graded.clock.applies) {
    row.deadline = incident_time_text(graded.clock.deadline);
    row.deadline_text = uk_local_time(graded.clock.deadline);
    row.time_left = graded.clock.left_text();
    row.overdue = graded.clock.overdue();
  }
  row.state = incident.state();
  row.ico_reference = incident.value(Field::ico_reference);
  row.lessons_learned = incident.value(Field::lessons_learned);
  std::istringstream ids(incident.value(Field::linked_items));
  for (std::string id; ids >> id;) row.items.push_back(id);
  return row;
}

}  // namespace

std::vector<ExportIncidentRow> export_incident_rows(const std::vector<GradedIncident>& incidents, std::string_view site,
                                                    std::string_view year) {
  std::vector<const GradedIncident*> chosen;
  for (const auto& graded : incidents)
    if (graded.incident.scope == site && graded.incident.year == year) chosen.push_back(&graded);
  std::stable_sort(chosen.begin(), chosen.end(), [](const GradedIncident* a, const GradedIncident* b) {
    if (a->incident.recorded_at != b->incident.recorded_at) return a->incident.recorded_at < b->incident.recorded_at;
    return a->incident.id < b->incident.id;
  });
  const IncidentRules& rules = shipped_incident_rules();
  std::vector<ExportIncidentRow> rows;
  for (const GradedIncident* graded : chosen) rows.push_back(incident_row(rules, *graded));
  return rows;
}

ExportDocument export_document(const Catalogue& catalogue, const AssessmentView& view, const Evaluation& evaluation,
                               const ExportHeading& heading, const std::vector<GradedIncident>& incidents) {
  ExportDocument document;
  document.organisation = heading.organisation;
  document.hq_code = heading.hq_code;
  document.ods = heading.ods;
  document.site_name = heading.site_name;
  document.year = catalogue.year().label();
  document.status = std::string(display_name(evaluation.status));
  document.generated_at = format_timestamp(now_ms());
  for (const auto& item : catalogue.items()) {
    ExportItemRow row;
    row.id = item.id;
    row.group = item.group;
    row.question = item.question;
    const bool shared = view.shared_items.count(item.id) > 0;
    row.scope = shared ? "shared" : "branch";
    if (auto answer = view.answers.find(item.id); answer != view.answers.end()) {
      row.answer = answer->second.value.text;
      row.location = answer->second.value.location;
      row.changed_by = answer->second.by.user;
      row.changed_at = format_timestamp(answer->second.by.at);
      row.in_conflict = answer->second.in_conflict;
    }
    if (auto comment = view.comments.find(item.id); comment != view.comments.end())
      row.comment = comment->second.value.text;
    if (auto reason = view.overrides.find(item.id); reason != view.overrides.end()) {
      row.overridden = true;
      row.override_reason = reason->second.value.text;
    }
    row.mandatory = item.required_for_met;
    row.provided = item_provided(item, view);
    row.confirmed = view.confirmed.count(item.assertion) > 0;
    document.items.push_back(std::move(row));
  }
  for (const auto& [item_id, line] : view.plan) {
    const CatalogueItem* item = catalogue.find_item(item_id);
    if (!item) continue;  // a line for an item this year's set no longer has
    document.plan.push_back({item_id, item->group, item->question, line.action, line.owner, line.due,
                             line.state.empty() ? "open" : line.state,
                             view.shared_items.count(item_id) ? "shared" : "branch"});
  }
  document.incidents = export_incident_rows(incidents, heading.ods, document.year);
  return document;
}

}  // namespace dsptsync
