#include "dsptsync/roll_forward.h"

#include <map>
#include <set>

namespace dsptsync {
namespace {

constexpr Field kItemFields[] = {Field::answer, Field::comment, Field::sharing, Field::override_reason};
constexpr Field kPlanFields[] = {Field::plan_action, Field::plan_owner, Field::plan_due, Field::plan_state};
constexpr Field kAssertionFields[] = {Field::confirmed, Field::owner};

// The new assertion an old one maps to: the assertion of the successor of its first item that survived.
std::optional<std::string> successor_assertion(const Catalogue& from, const Catalogue& to, const std::string& old_id) {
  for (const auto& item : from.items()) {
    if (item.assertion != old_id) continue;
    if (const CatalogueItem* next = to.successor_of(item.id)) return next->assertion;
  }
  return std::nullopt;
}

}  // namespace

std::optional<FieldKey> successor_key(const Catalogue& from, const Catalogue& to, const FieldKey& key) {
  FieldKey next = key;
  next.year = to.year().label();
  switch (key.kind) {
    case TargetKind::item:
    case TargetKind::plan: {
      const CatalogueItem* item = to.successor_of(key.target);
      if (!item) return std::nullopt;
      next.target = item->id;
      return next;
    }
    case TargetKind::assertion: {
      auto assertion = successor_assertion(from, to, key.target);
      if (!assertion) return std::nullopt;
      next.target = *assertion;
      return next;
    }
    case TargetKind::profile:
      return next;
  }
  return std::nullopt;
}

RollForwardPlan plan_roll_forward(const Catalogue& from, const Catalogue& to, const AssessmentState& state,
                                  const std::string& scope) {
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
    const CatalogueItem* next = to.successor_of(old_item.id);
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
  return plan;
}

}  // namespace dsptsync
