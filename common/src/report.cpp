#include "dsptsync/report.h"

namespace dsptsync {

ExportDocument export_document(const Catalogue& catalogue, const AssessmentView& view, const Evaluation& evaluation,
                               const ExportHeading& heading) {
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
  return document;
}

}  // namespace dsptsync
