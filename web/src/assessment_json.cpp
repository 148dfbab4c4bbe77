#include "assessment_json.h"

#include "dsptsync/library_links.h"
#include "dsptsync/service/document_json.h"
#include "dsptsync/service/head_office_json.h"
#include "dsptsync/service/incident_json.h"
#include "dsptsync/service/json.h"
#include "dsptsync/web/api.h"
#include "dsptsync/web/app.h"

#include <set>

namespace dsptsync::web {
namespace {

nlohmann::json attributed_value(const AnsweredValue& answered) {
  nlohmann::json out = {{"value", answered.value.text}, {"by", answered.by.user}, {"device", answered.by.device},
                        {"conflict", answered.in_conflict}, {"merged", answered.merged}};
  out.update(timestamp_json(answered.by.at));
  if (!answered.value.location.empty()) out["location"] = answered.value.location;
  return out;
}

std::string scope_kind(const ScopeSnapshot& snapshot) { return snapshot.head_office ? "hq" : "branch"; }

// An answer given before its item's answer type changed (a corrected list mid-year): kept, and to
// be reviewed and given again, as `dsptsync items` flags it.
nlohmann::json review_json(const AssessmentView& view, const std::string& item) {
  auto found = view.to_review.find(item);
  if (found == view.to_review.end()) return nullptr;
  nlohmann::json out = {{"from", to_string(found->second.from)}, {"to", to_string(found->second.to)}};
  out.update(timestamp_json(found->second.at));
  return out;
}

// One item of the assessment page; the plan's owner joins `owners` (the page offers them).
nlohmann::json item_json(const Actor& actor, const ScopeSnapshot& s, const CatalogueItem& item,
                         std::set<std::string>& owners) {
  const AssessmentView& view = s.view;
  const bool shared = view.shared_items.contains(item.id);
  std::string sharing;
  if (s.head_office) sharing = item_is_shared(item, view) ? "shared" : "branch";
  else sharing = shared || view.overrides.contains(item.id) ? "shared" : "branch";
  nlohmann::json entry = {
      {"id", item.id},
      {"assertion", item.assertion},
      {"standard", item.standard},
      {"standardName", standard_name(item.standard)},
      {"question", item.question},
      {"guidance", item.tooltip},
      {"type", to_string(item.type)},
      {"mandatory", item.required_for_met},
      {"approaching", to_string(item.approaching)},
      {"shared", shared},
      {"sharing", sharing},
      {"editable", check_edit_allowed(actor, s, key_of(s, TargetKind::item, item.id, Field::answer)).has_value()},
      {"completed", view.answers.contains(item.id)},
      {"provided", item_provided(item, view)},
      {"override", nullptr},
      {"answer", nullptr},
      {"comment", nullptr},
      {"plan", nullptr},
      {"review", review_json(view, item.id)}};
  if (auto found = view.overrides.find(item.id); found != view.overrides.end()) {
    nlohmann::json reason = {{"reason", found->second.value.text}, {"by", found->second.by.user}};
    reason.update(timestamp_json(found->second.by.at));
    entry["override"] = std::move(reason);
  }
  if (auto found = view.answers.find(item.id); found != view.answers.end())
    entry["answer"] = attributed_value(found->second);
  if (auto found = view.comments.find(item.id); found != view.comments.end())
    entry["comment"] = attributed_value(found->second);
  if (auto found = view.plan.find(item.id); found != view.plan.end()) {
    const PlanLine& line = found->second;
    entry["plan"] = {{"action", line.action}, {"owner", line.owner}, {"due", line.due}, {"state", line.state}};
    if (!line.owner.empty()) owners.insert(line.owner);
  }
  std::optional<FieldValue> answer;
  if (auto found = view.answers.find(item.id); found != view.answers.end()) answer = found->second.value;
  entry["documents"] = service::linked_documents_json(documents_for_item(s.documents, item.id, answer), JsonStyle::api);
  return entry;
}

nlohmann::json assertion_json(const Actor& actor, const ScopeSnapshot& s, const CatalogueAssertion& assertion,
                              std::set<std::string>& owners) {
  const AssessmentView& view = s.view;
  nlohmann::json entry = {
      {"id", assertion.id},
      {"standard", assertion.standard},
      {"standardName", standard_name(assertion.standard)},
      {"text", assertion.text},
      {"shared", view.shared_assertions.contains(assertion.id)},
      {"confirmed", nullptr},
      {"unanswered", unanswered_items(s.catalogue, view, assertion.id)},
      {"owner", ""},
      {"editable",
       check_edit_allowed(actor, s, key_of(s, TargetKind::assertion, assertion.id, Field::confirmed)).has_value()}};
  if (auto found = view.confirmed.find(assertion.id); found != view.confirmed.end()) {
    nlohmann::json confirmed = {{"by", found->second.user}};
    confirmed.update(timestamp_json(found->second.at));
    entry["confirmed"] = std::move(confirmed);
  }
  if (auto found = view.owners.find(assertion.id); found != view.owners.end()) {
    entry["owner"] = found->second;
    if (!found->second.empty()) owners.insert(found->second);
  }
  return entry;
}

}  // namespace

FieldKey key_of(const ScopeSnapshot& snapshot, TargetKind kind, std::string target, Field field) {
  return FieldKey{snapshot.scope, snapshot.catalogue.year().label(), kind, std::move(target), field};
}

nlohmann::json conflict_json(const Conflict& conflict, const Catalogue& catalogue) {
  nlohmann::json out = service::to_json(conflict, JsonStyle::api);
  if (const auto* item = catalogue.find_item(conflict.key.target);
      item && (conflict.key.kind == TargetKind::item || conflict.key.kind == TargetKind::plan))
    out["question"] = item->question;
  if (const auto* assertion = catalogue.find_assertion(conflict.key.target);
      assertion && conflict.key.kind == TargetKind::assertion)
    out["question"] = assertion->text;
  return out;
}

nlohmann::json site_json(const SiteSummary& site) {
  const Evaluation& evaluation = site.evaluation;
  nlohmann::json overrides = nlohmann::json::array();
  for (const auto& [item, reason] : site.overrides) {
    nlohmann::json entry = {{"item", item}, {"reason", reason.value.text}, {"by", reason.by.user}};
    entry.update(timestamp_json(reason.by.at));
    overrides.push_back(std::move(entry));
  }
  nlohmann::json problems = nlohmann::json::array();
  for (const auto& problem : evaluation.problems) problems.push_back(to_json(problem));
  nlohmann::json published;
  if (site.published) {
    published = {{"publicStatus", site.published->public_status}, {"year", site.published->year}};
    published.update(timestamp_json(site.published->published_at));
  }
  nlohmann::json nhs_published;
  if (site.nhs_published) {
    const NhsPublication& record = *site.nhs_published;
    nhs_published = {{"publicStatus", record.public_status},
                     {"year", record.year},
                     {"publishedOn", record.published_on},
                     {"recordedBy", record.recorded_by}};
  }
  return {{"ods", site.scope},
          {"name", site.name},
          {"kind", site.head_office ? "hq" : "branch"},
          {"status", to_string(evaluation.status)},
          {"statusName", display_name(evaluation.status)},
          {"publicStatus", public_status(evaluation.year, evaluation.status)},
          {"mandatory", {{"provided", evaluation.mandatory_provided}, {"total", evaluation.mandatory_total}}},
          {"assertions", {{"confirmed", evaluation.assertions_confirmed}, {"total", evaluation.assertions_total}}},
          {"conflicts", evaluation.open_conflicts},
          {"sharedItems", evaluation.shared_items},
          {"overrides", std::move(overrides)},
          {"published", std::move(published)},
          {"nhsPublished", std::move(nhs_published)},
          {"lastChangeAt", site.last_change_at ? nlohmann::json(*site.last_change_at) : nlohmann::json()},
          {"lastSynced", site.last_sync ? service::to_json(*site.last_sync, JsonStyle::api) : nlohmann::json()},
          {"problems", std::move(problems)}};
}

nlohmann::json assessment_json(const Actor& actor, const ScopeSnapshot& s, const QuestionSet* question_set,
                               const std::map<std::string, IncidentTally>& incidents) {
  const bool can_edit = actor.role != protocol::Role::viewer && (actor.head_office() || actor.branch == s.scope);
  std::set<std::string> owners;
  nlohmann::json groups = nlohmann::json::array();
  for (const auto& group : s.catalogue.groups()) {
    nlohmann::json items = nlohmann::json::array();
    for (const auto& item : s.catalogue.items())
      if (item.group == group) {
        items.push_back(item_json(actor, s, item, owners));
        auto tally = incidents.find(item.id);
        items.back()["incidents"] =
            tally == incidents.end() ? nlohmann::json(nullptr) : service::to_json(tally->second);
      }
    groups.push_back({{"name", group}, {"items", std::move(items)}});
  }
  nlohmann::json assertions = nlohmann::json::array();
  for (const auto& assertion : s.catalogue.assertions()) assertions.push_back(assertion_json(actor, s, assertion, owners));
  nlohmann::json conflict_list = nlohmann::json::array();
  for (const auto& conflict : s.conflicts) conflict_list.push_back(conflict_json(conflict, s.catalogue));
  return {{"scope", s.scope},
          {"kind", scope_kind(s)},
          {"name", s.name},
          {"year", s.catalogue.year().label()},
          {"evaluation", to_json(s.evaluation, JsonStyle::api)},
          {"site", site_json(service::summary_of(s))},
          {"canEdit", can_edit},
          {"canConfirm", can_edit && actor.role == protocol::Role::admin},
          {"canShare", can_edit && s.head_office && actor.head_office() && actor.role == protocol::Role::admin},
          {"canOverride", can_edit && !s.head_office},
          {"owners", owners},
          {"groups", std::move(groups)},
          {"assertions", std::move(assertions)},
          {"conflicts", std::move(conflict_list)},
          // As `catalogue show --json` gives it: who made it, where it came from, its hash, who signed it.
          {"questionSet", question_set ? to_json(*question_set) : nlohmann::json(nullptr)}};
}

}  // namespace dsptsync::web
