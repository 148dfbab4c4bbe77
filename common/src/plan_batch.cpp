#include "dsptsync/plan_batch.h"

#include "dsptsync/evaluator.h"

#include <algorithm>

namespace dsptsync {
namespace {

// A generated action names the item and what it asks; a long question is cut at a word, since the
// whole of it is one click away on the item.
constexpr std::size_t kActionQuestionChars = 120;

std::string shortened(const std::string& text) {
  if (text.size() <= kActionQuestionChars) return text;
  std::size_t cut = text.rfind(' ', kActionQuestionChars);
  if (cut == std::string::npos || cut < kActionQuestionChars / 2) cut = kActionQuestionChars;
  return text.substr(0, cut) + "...";
}

std::vector<std::string> each_once(const std::vector<std::string>& items) {
  std::vector<std::string> out;
  for (const auto& item : items)
    if (std::find(out.begin(), out.end(), item) == out.end()) out.push_back(item);
  return out;
}

Status check_known(const Catalogue& catalogue, std::string_view year, const std::vector<std::string>& items) {
  std::vector<std::string> unknown;
  for (const auto& item : items)
    if (!catalogue.find_item(item)) unknown.push_back(item);
  if (unknown.empty()) return {};
  std::string list;
  for (const auto& item : unknown) list += (list.empty() ? "'" : ", '") + item + "'";
  return not_found(std::string(unknown.size() == 1 ? "there is no evidence item " : "there are no evidence items ") +
                   list + " in the " + std::string(year) + " question set; nothing was changed");
}

// The parts as they are kept (the due date in ISO form), each checked; an error names its part.
Result<PlanParts> normalised(PlanParts parts) {
  if (parts.due) {
    auto iso = normalise_plan_due(*parts.due);
    if (!iso) return invalid_input("due: " + iso.error().message);
    parts.due = *iso;
  }
  if (parts.state && !parts.state->empty() && !is_plan_state(*parts.state))
    return invalid_input("state: must be open, in_progress or done, not '" + *parts.state + "'");
  return parts;
}

void add_edits(PlanBatch& batch, std::string_view scope, std::string_view year, const std::string& item,
               const PlanParts& parts) {
  const std::pair<const std::optional<std::string>*, Field> fields[] = {{&parts.action, Field::plan_action},
                                                                        {&parts.owner, Field::plan_owner},
                                                                        {&parts.due, Field::plan_due},
                                                                        {&parts.state, Field::plan_state}};
  for (const auto& [text, field] : fields) {
    if (!*text) continue;
    std::optional<FieldValue> value;
    if (!(*text)->empty()) value = FieldValue{**text, ""};
    batch.edits.push_back({FieldKey{std::string(scope), std::string(year), TargetKind::plan, item, field}, value});
  }
  batch.items.push_back(item);
}

}  // namespace

std::string default_plan_action(const CatalogueItem& item) {
  return "Provide the evidence for " + item.id + ": " + shortened(item.question);
}

std::vector<std::string> items_without_plan(const Catalogue& catalogue, const AssessmentView& view, bool branch) {
  std::vector<std::string> out;
  for (const auto& item : catalogue.items()) {
    if (!item.required_for_met || item_provided(item, view)) continue;
    if (branch && view.shared_items.count(item.id)) continue;
    auto line = view.plan.find(item.id);
    if (line != view.plan.end() && !line->second.action.empty()) continue;
    out.push_back(item.id);
  }
  return out;
}

Result<PlanBatch> plan_set_edits(const Catalogue& catalogue, std::string_view scope, std::string_view year,
                                 const std::vector<std::string>& items, const PlanParts& parts) {
  if (items.empty()) return invalid_input("say which items: one or more evidence item ids");
  const auto chosen = each_once(items);
  if (auto known = check_known(catalogue, year, chosen); !known) return known.error();
  if (!parts.any()) return invalid_input("nothing to change: give the action, owner, due date or state");
  auto checked = normalised(parts);
  if (!checked) return checked.error();
  PlanBatch batch;
  for (const auto& item : chosen) add_edits(batch, scope, year, item, *checked);
  return batch;
}

Result<PlanBatch> plan_generate_edits(const Catalogue& catalogue, const AssessmentView& view, std::string_view scope,
                                      std::string_view year, bool branch, const PlanParts& parts) {
  auto checked = normalised(parts);
  if (!checked) return checked.error();
  PlanBatch batch;
  for (const auto& id : items_without_plan(catalogue, view, branch)) {
    PlanParts line = *checked;
    line.action = default_plan_action(*catalogue.find_item(id));
    add_edits(batch, scope, year, id, line);
  }
  return batch;
}

}  // namespace dsptsync
