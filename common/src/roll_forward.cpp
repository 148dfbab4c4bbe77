#include "dsptsync/roll_forward.h"

#include "dsptsync/store.h"

#include <nlohmann/json.hpp>

#include <map>
#include <set>

namespace dsptsync {
namespace {

constexpr Field kItemFields[] = {Field::answer, Field::comment, Field::sharing, Field::override_reason};
constexpr Field kPlanFields[] = {Field::plan_action, Field::plan_owner, Field::plan_due, Field::plan_state};
constexpr Field kAssertionFields[] = {Field::confirmed, Field::owner};

RollForwardStep step_between(const Catalogue& before, const Catalogue& after) {
  RollForwardStep step{before.year().label(), after.year().label(), {}, {}, {}};
  std::set<std::string> reached;
  for (const auto& item : before.items()) {
    const CatalogueItem* next = after.successor_of(item.id);
    if (!next) {
      step.removed.push_back(item.id);
      continue;
    }
    reached.insert(next->id);
    if (next->id != item.id) step.renumbered.emplace_back(item.id, next->id);
  }
  for (const auto& item : after.items())
    if (!reached.count(item.id)) step.added.push_back(item.id);
  return step;
}

}  // namespace

nlohmann::json to_json(const RollForwardStep& step) {
  nlohmann::json renumbered = nlohmann::json::array();
  for (const auto& [from, to] : step.renumbered) renumbered.push_back({{"from", from}, {"to", to}});
  return {{"from", step.from_year}, {"to", step.to_year}, {"renumbered", renumbered}, {"removed", step.removed},
          {"added", step.added}};
}

std::string describe(const RollForwardStep& step) {
  auto list = [](const std::vector<std::string>& ids) {
    std::string out;
    for (const auto& id : ids) out += (out.empty() ? "" : ", ") + id;
    return out;
  };
  std::vector<std::string> parts;
  if (!step.renumbered.empty()) {
    std::string renumbered;
    for (const auto& [from, to] : step.renumbered) renumbered += (renumbered.empty() ? "" : ", ") + from + " -> " + to;
    parts.push_back("renumbered " + renumbered);
  }
  if (!step.removed.empty()) parts.push_back("removed " + list(step.removed));
  if (!step.added.empty()) parts.push_back("new " + list(step.added));
  std::string text = step.from_year + " -> " + step.to_year + ": ";
  if (parts.empty()) return text + "the same items";
  for (std::size_t i = 0; i < parts.size(); ++i) text += (i ? "; " : "") + parts[i];
  return text;
}

RollForwardPath::RollForwardPath(std::vector<Catalogue> sets) : sets_(std::move(sets)) {}

const CatalogueItem* RollForwardPath::successor_of(std::string_view old_id) const {
  const CatalogueItem* item = nullptr;
  std::string id(old_id);
  for (std::size_t i = 1; i < sets_.size(); ++i) {
    item = sets_[i].successor_of(id);
    if (!item) return nullptr;
    id = item->id;
  }
  return item;
}

std::optional<std::string> RollForwardPath::successor_assertion(std::string_view old_id) const {
  for (const auto& item : from().items()) {
    if (item.assertion != old_id) continue;
    if (const CatalogueItem* next = successor_of(item.id)) return next->assertion;
  }
  return std::nullopt;
}

std::optional<FieldKey> RollForwardPath::successor_key(const FieldKey& key) const {
  FieldKey next = key;
  next.year = to().year().label();
  switch (key.kind) {
    case TargetKind::item:
    case TargetKind::plan: {
      const CatalogueItem* item = successor_of(key.target);
      if (!item) return std::nullopt;
      next.target = item->id;
      return next;
    }
    case TargetKind::assertion: {
      auto assertion = successor_assertion(key.target);
      if (!assertion) return std::nullopt;
      next.target = *assertion;
      return next;
    }
    case TargetKind::profile:
      return next;
    case TargetKind::incident:  // an incident stays in the year it was recorded in
    case TargetKind::document:  // and a document in the year it was made, living on across years
      return std::nullopt;
  }
  return std::nullopt;
}

Result<RollForwardPath> roll_forward_path(const Catalogue& from, AssessmentYear to,
                                          const std::function<Result<Catalogue>(AssessmentYear)>& set_for) {
  std::vector<Catalogue> sets{from};
  for (AssessmentYear year = from.year().next(); year < to; year = year.next()) {
    auto set = set_for(year);
    if (set) {
      sets.push_back(std::move(*set));
    } else if (set.error().kind != ErrorKind::not_found) {
      return set.error();
    }
  }
  auto target = set_for(to);
  if (!target) return target.error();
  sets.push_back(std::move(*target));
  return RollForwardPath(std::move(sets));
}

Result<RollForwardPath> roll_forward_path(Store& store, const Catalogue& from, AssessmentYear to) {
  return roll_forward_path(from, to, [&](AssessmentYear year) { return catalogue_in_store(store, year); });
}

std::optional<FieldKey> successor_key(const Catalogue& from, const Catalogue& to, const FieldKey& key) {
  return RollForwardPath({from, to}).successor_key(key);
}

RollForwardPlan plan_roll_forward(const Catalogue& from, const Catalogue& to, const AssessmentState& state,
                                  const std::string& scope) {
  return plan_roll_forward(RollForwardPath({from, to}), state, scope);
}

RollForwardPlan plan_roll_forward(const RollForwardPath& path, const AssessmentState& state, const std::string& scope) {
  const Catalogue& from = path.from();
  const Catalogue& to = path.to();
  RollForwardPlan plan;
  const std::string old_year = from.year().label();
  const std::string new_year = to.year().label();
  std::set<FieldKey> seen;  // two old assertions can land on one new one: the first seen is kept
  auto carry = [&](TargetKind kind, const std::string& old_target, const std::string& new_target, Field field) {
    auto found = state.find(FieldKey{scope, old_year, kind, old_target, field});
    if (found == state.end() || !found->second.winner() || !found->second.winner()->value) return;
    FieldKey key{scope, new_year, kind, new_target, field};
    if (!seen.insert(key).second) return;
    plan.edits.push_back({std::move(key), found->second.winner()->value});
  };

  std::set<std::string> reached;
  std::map<std::string, std::set<std::string>> assertion_map;  // old assertion -> new assertions
  for (const auto& old_item : from.items()) {
    const CatalogueItem* next = path.successor_of(old_item.id);
    if (!next) {
      plan.removed.push_back(old_item.id);
      continue;
    }
    reached.insert(next->id);
    plan.carried.emplace_back(old_item.id, next->id);
    if (next->type != old_item.type)
      plan.notes.push_back(old_item.id + " -> " + next->id + ": the answer type changed from " +
                           std::string(to_string(old_item.type)) + " to " + std::string(to_string(next->type)) +
                           "; the answer is carried as it was: review it");
    for (Field field : kItemFields) carry(TargetKind::item, old_item.id, next->id, field);
    for (Field field : kPlanFields) carry(TargetKind::plan, old_item.id, next->id, field);
    assertion_map[old_item.assertion].insert(next->assertion);
  }
  for (const auto& [old_assertion, new_assertions] : assertion_map)
    for (const auto& new_assertion : new_assertions)
      for (Field field : kAssertionFields) carry(TargetKind::assertion, old_assertion, new_assertion, field);
  for (const auto& entry : state)
    if (entry.first.kind == TargetKind::profile && entry.first.scope == scope && entry.first.year == old_year)
      carry(TargetKind::profile, entry.first.target, entry.first.target, Field::value);
  for (const auto& new_item : to.items())
    if (!reached.count(new_item.id)) plan.added.push_back(new_item.id);
  for (std::size_t i = 1; i < path.sets().size(); ++i)
    plan.steps.push_back(step_between(path.sets()[i - 1], path.sets()[i]));
  return plan;
}

}  // namespace dsptsync
