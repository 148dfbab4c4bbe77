#include "dsptsync/assessment.h"

#include "dsptsync/document.h"
#include "dsptsync/library_links.h"
#include "dsptsync/incident.h"
#include "dsptsync/merge.h"
#include "dsptsync/ods.h"
#include "dsptsync/text.h"
#include "dsptsync/yes_no.h"

#include <algorithm>
#include <cctype>
#include <limits>
#include <set>
#include <sstream>

namespace dsptsync {
namespace {

Attribution attribution_of(const Head& head) { return {head.user, head.device, hlc_wall_ms(head.hlc)}; }

bool is_plain_decimal(std::string_view text) {
  std::size_t i = 0;
  if (i < text.size() && (text[i] == '-' || text[i] == '+')) ++i;
  bool digits = false, point = false;
  for (; i < text.size(); ++i) {
    if (std::isdigit(static_cast<unsigned char>(text[i]))) digits = true;
    else if (text[i] == '.' && !point) point = true;
    else return false;
  }
  return digits;
}

// An answer given before the set changed the item's answer type, or one the new type does not take.
std::optional<TypeChange> review_needed(const std::string& item_id, const FieldValue& value, const Head& winner,
                                        const Catalogue* catalogue) {
  if (!catalogue) return std::nullopt;
  const TypeChange* change = catalogue->type_change(item_id);
  const CatalogueItem* item = catalogue->find_item(item_id);
  if (!change || !item) return std::nullopt;
  if (hlc_wall_ms(winner.hlc) < change->at) return *change;
  auto canonical = normalise_answer(*item, value.text, value.location);
  if (!canonical || *canonical != value) return *change;
  return std::nullopt;
}

}  // namespace

bool mergeable_as_text(const FieldKey& key, const Catalogue* catalogue) {
  if (key.field == Field::comment || key.field == Field::plan_action) return true;
  if (key.field == Field::what_happened || key.field == Field::containment || key.field == Field::lessons_learned)
    return true;
  if (key.field != Field::answer || !catalogue) return false;
  const CatalogueItem* item = catalogue->find_item(key.target);
  return item && item->type == AnswerType::text;
}

std::optional<FieldValue> merged_value(const FieldKey& key, const FieldState& state, const Catalogue* catalogue) {
  if (!state.in_conflict() || !state.merge_base || !mergeable_as_text(key, catalogue)) return std::nullopt;
  const std::string base = *state.merge_base ? (*state.merge_base)->text : std::string();
  // Fold the distinct values in their fixed winner order, so every replica merges them the same way
  // (values that agree are one: merging a text with itself changes nothing).
  const std::vector<HeldValue> values = distinct_values(state.heads);
  auto text_of = [](const HeldValue& held) { return held.value ? held.value->text : std::string(); };
  std::optional<std::string> merged = text_of(values.front());
  for (std::size_t i = 1; i < values.size() && merged; ++i) merged = merge_text(base, *merged, text_of(values[i]));
  if (!merged) return std::nullopt;
  return FieldValue{*merged, ""};
}

std::vector<HeldValue> open_conflict(const FieldKey& key, const FieldState& state, const Catalogue* catalogue) {
  if (!state.in_conflict() || merged_value(key, state, catalogue)) return {};
  return distinct_values(state.heads);
}

AssessmentView view_of(const AssessmentState& state, const Catalogue* catalogue) {
  AssessmentView view;
  for (const auto& [key, field] : state) {
    // Incidents and the policy library are kept beside the assessment, not in it: incident.h and
    // document.h read them.
    if (key.kind == TargetKind::incident || key.kind == TargetKind::document) continue;
    const Head* winner = field.winner();
    const std::optional<FieldValue> merged = merged_value(key, field, catalogue);
    const bool in_conflict = field.in_conflict() && !merged;
    if (in_conflict) view.conflicts.emplace(key, distinct_values(field.heads));
    if (!winner) continue;
    if (!merged && !winner->value) continue;
    const FieldValue& value = merged ? *merged : *winner->value;
    switch (key.field) {
      case Field::answer:
        view.answers[key.target] = {value, attribution_of(*winner), in_conflict, merged.has_value()};
        if (auto change = review_needed(key.target, value, *winner, catalogue)) view.to_review[key.target] = *change;
        break;
      case Field::comment:
        view.comments[key.target] = {value, attribution_of(*winner), in_conflict, merged.has_value()};
        break;
      case Field::confirmed:
        if (value.text == "yes") view.confirmed[key.target] = attribution_of(*winner);
        break;
      case Field::owner: view.owners[key.target] = value.text; break;
      case Field::value: view.profile[key.target] = value.text; break;
      case Field::plan_action: view.plan[key.target].action = value.text; break;  // merged when it merges
      case Field::plan_owner: view.plan[key.target].owner = value.text; break;
      case Field::plan_due: view.plan[key.target].due = value.text; break;
      case Field::plan_state: view.plan[key.target].state = value.text; break;
      case Field::sharing: view.sharing[key.target] = value.text; break;
      case Field::override_reason:
        view.overrides[key.target] = {value, attribution_of(*winner), in_conflict, merged.has_value()};
        break;
      default: break;  // an incident's fields (skipped above)
    }
  }
  return view;
}

bool item_is_shared(const CatalogueItem& item, const AssessmentView& head_office) {
  auto chosen = head_office.sharing.find(item.id);
  if (chosen != head_office.sharing.end()) return chosen->second == "shared";
  return item.shared_by_default;
}

namespace {

// Replaces the entry for `id` in `into` by the one in `from` (or removes it when `from` has none).
template <class Map>
void take_from(Map& into, const Map& from, const std::string& id) {
  auto found = from.find(id);
  if (found == from.end()) into.erase(id);
  else into[id] = found->second;
}

// The assertions whose every item is in `items`.
std::set<std::string> assertions_covered_by(const Catalogue& catalogue, const std::set<std::string>& items) {
  std::set<std::string> covered;
  for (const auto& assertion : catalogue.assertions()) covered.insert(assertion.id);
  for (const auto& item : catalogue.items())
    if (!items.count(item.id)) covered.erase(item.assertion);
  return covered;
}

}  // namespace

AssessmentView shared_view(const Catalogue& catalogue, const AssessmentView& head_office) {
  AssessmentView view = head_office;
  for (const auto& item : catalogue.items())
    if (item_is_shared(item, head_office)) view.shared_items.insert(item.id);
  view.shared_assertions = assertions_covered_by(catalogue, view.shared_items);
  return view;
}

AssessmentView effective_view(const Catalogue& catalogue, const AssessmentView& head_office,
                              const AssessmentView& branch) {
  AssessmentView view = branch;
  view.sharing = head_office.sharing;
  view.overrides.clear();
  for (const auto& item : catalogue.items()) {
    if (!item_is_shared(item, head_office)) continue;
    if (auto reason = branch.overrides.find(item.id); reason != branch.overrides.end()) {
      view.overrides.insert(*reason);
      continue;
    }
    view.shared_items.insert(item.id);
    take_from(view.answers, head_office.answers, item.id);
    take_from(view.comments, head_office.comments, item.id);
    take_from(view.plan, head_office.plan, item.id);
    take_from(view.to_review, head_office.to_review, item.id);
  }
  view.shared_assertions = assertions_covered_by(catalogue, view.shared_items);
  for (const auto& id : view.shared_assertions) {
    take_from(view.confirmed, head_office.confirmed, id);
    take_from(view.owners, head_office.owners, id);
  }
  // Conflicts go with the values: the branch's own where it answers, head office's where it does.
  auto from_head_office = [&](const FieldKey& key) {
    if (key.kind == TargetKind::item)
      return view.shared_items.count(key.target) && (key.field == Field::answer || key.field == Field::comment);
    if (key.kind == TargetKind::plan) return view.shared_items.count(key.target) > 0;
    if (key.kind == TargetKind::assertion) return view.shared_assertions.count(key.target) > 0;
    return false;
  };
  std::erase_if(view.conflicts, [&](const auto& conflict) { return from_head_office(conflict.first); });
  for (const auto& conflict : head_office.conflicts)
    if (from_head_office(conflict.first)) view.conflicts.insert(conflict);
  // The organisation's profile (Cyber Essentials Plus, named roles) holds for every branch unless the
  // branch records its own; its name and code are its own.
  for (const auto& [entry, value] : head_office.profile)
    if (entry != profile::kOdsCode && entry != profile::kName) view.profile.emplace(entry, value);
  return view;
}

Status check_not_shared(const AssessmentView& branch_view, const FieldKey& key) {
  const bool item_field = key.kind == TargetKind::plan ||
                          (key.kind == TargetKind::item && (key.field == Field::answer || key.field == Field::comment));
  if (item_field && branch_view.shared_items.contains(key.target))
    return refused(key.target +
                   " is answered by head office for every branch (a shared answer). If this branch's practice "
                   "differs, record an override with the reason first ('dsptsync override " +
                   key.target + " --reason \"...\"'), then answer it here");
  if (key.kind == TargetKind::assertion && branch_view.shared_assertions.contains(key.target))
    return refused("assertion " + key.target +
                   " rests only on answers head office shares: head office confirms it once, in its own "
                   "assessment, for every branch, so a change here would not be used");
  return {};
}

Status check_edit_scope(const FieldKey& key, std::string_view hq_code) {
  if (key.field == Field::sharing && key.scope != hq_code)
    return invalid_input("whether " + key.target + " is shared is decided by head office for the whole organisation, "
                         "not in " + key.scope + "'s assessment");
  if (key.field == Field::override_reason && key.scope == hq_code)
    return invalid_input("head office answers shared items itself; an override is how a branch records that its "
                         "own practice differs, so it belongs to a branch's assessment");
  return {};
}

Result<FieldValue> normalise_answer(const CatalogueItem& item, std::string_view raw, std::string_view location) {
  const std::string text(trimmed(raw));
  const std::string where = "item " + item.id + " (" + std::string(to_string(item.type)) + ")";
  if (!location.empty() && item.type != AnswerType::document)
    return invalid_input(where + " is not a document answer; --location is only for document items");
  switch (item.type) {
    case AnswerType::yes_no: {
      if (auto word = parse_yes_no(text)) return FieldValue{*word, ""};
      return invalid_input(where + " takes yes or no, not '" + text + "'");
    }
    case AnswerType::text:
      if (text.empty()) return invalid_input(where + " needs some text; to remove an answer use 'dsptsync clear'");
      return FieldValue{text, ""};
    case AnswerType::document:
      if (text.empty())
        return invalid_input(where + " needs the document's name, e.g. \"Data protection policy v3\" "
                                     "--location \"https://intranet/policies/dp.pdf\"");
      if (is_library_location(trimmed(location)) && !linked_document_id(trimmed(location)))
        return invalid_input(where + ": a link to the library is " + std::string(kLibraryLocationPrefix) +
                             "DOC- and eight hexadecimal digits (e.g. library:DOC-3F9A2C1B), not '" +
                             std::string(trimmed(location)) + "'");
      return FieldValue{text, std::string(trimmed(location))};
    case AnswerType::date: {
      auto date = parse_typed_date(text);
      if (!date) return invalid_input(where + ": " + date.error().message);
      return FieldValue{date->iso(), ""};
    }
    case AnswerType::number:
      if (!is_plain_decimal(text))
        return invalid_input(where + " takes a number such as 12 or 95.5, not '" + text + "'");
      return FieldValue{text, ""};
  }
  return invalid_input(where + ": unknown answer type");
}

Result<std::string> normalise_plan_due(std::string_view typed) {
  const std::string_view text = trimmed(typed);
  if (text.empty()) return std::string();
  auto date = parse_typed_date(text);
  if (!date) return date.error();
  return date->iso();
}

namespace {
const std::set<std::string, std::less<>> kPlanStates = {"open", "in_progress", "done"};
const std::set<std::string, std::less<>> kCyberAnswers = {"yes", "no", "not_sure"};
const std::set<std::string, std::less<>> kRoles = {"caldicott_guardian", "siro", "ig_lead", "dpo"};
}  // namespace

bool is_plan_state(std::string_view state) { return kPlanStates.count(state) > 0; }

Status check_profile_entry(std::string_view name, std::string_view value) {
  const std::string shown(value);
  if (name == profile::kOdsCode) {
    auto code = parse_ods_code(value);
    if (!code) return code.error();
    if (code->code != value) return invalid_input("the ODS code must be written as " + code->code);
    return {};
  }
  if (name == profile::kName) return {};
  if (name == profile::kCyberEssentialsPlus) {
    if (!kCyberAnswers.count(value)) return invalid_input("Cyber Essentials Plus is yes, no or not-sure, not '" + shown + "'");
    return {};
  }
  if (name == profile::kNhsmailOnly) {
    if (value != "yes" && value != "no") return invalid_input("NHSmail only is yes or no, not '" + shown + "'");
    return {};
  }
  if (name.rfind(profile::kRolePrefix, 0) == 0) {
    const std::string_view role = name.substr(profile::kRolePrefix.size());
    if (!kRoles.count(role))
      return invalid_input("'" + std::string(role) + "' is not a named role; use caldicott_guardian, siro, ig_lead or dpo");
    return {};
  }
  return invalid_input("'" + std::string(name) + "' is not part of the organisation profile");
}

namespace {

// An incident field as any replica checks it: its id, its value's form, and the evidence items it
// links to. When it happened against when it was found, and whether either is in the future, are
// the recording door's checks (Workspace, HeadOffice): only there are the other values and a
// trustworthy clock at hand, so here the clock is put where no time is in its future.
Status check_incident_edit(const Catalogue& catalogue, const FieldKey& key, const std::optional<FieldValue>& value) {
  if (!is_incident_id(key.target))
    return invalid_input("'" + key.target + "' is not an incident id (INC- and eight hexadecimal digits)");
  if (!value) return {};
  if (!value->location.empty()) return invalid_input("only document answers have a location");
  constexpr TimestampMs kNoFuture = std::numeric_limits<TimestampMs>::max() / 2;
  if (auto valid = check_incident_value(shipped_incident_rules(), key.field, value->text, {}, kNoFuture); !valid)
    return valid;
  if (key.field != Field::linked_items) return {};
  std::istringstream ids(value->text);
  for (std::string id; ids >> id;)
    if (!catalogue.find_item(id))
      return invalid_input("there is no evidence item '" + id + "' in the " + catalogue.year().label() +
                           " question set to link the incident to");
  return {};
}

}  // namespace

Status check_edit(const Catalogue& catalogue, const FieldKey& key, const std::optional<FieldValue>& value) {
  if (value)
    if (auto plain = check_plain_text(key, *value); !plain) return plain;
  if (!field_belongs_to(key.field, key.kind))
    return invalid_input("a " + std::string(to_string(key.kind)) + " has no field '" + std::string(to_string(key.field)) + "'");
  switch (key.kind) {
    case TargetKind::item:
    case TargetKind::plan: {
      const CatalogueItem* item = catalogue.find_item(key.target);
      if (!item)
        return invalid_input("there is no evidence item '" + key.target + "' in the " + catalogue.year().label() +
                             " question set");
      if (!value) return {};
      if (key.field == Field::answer) {
        auto canonical = normalise_answer(*item, value->text, value->location);
        if (!canonical) return canonical.error();
        if (*canonical != *value)
          return invalid_input("the answer to " + item->id + " is not in its canonical form ('" + canonical->text + "')");
      } else if (key.field == Field::plan_due) {
        auto date = parse_iso_date(value->text);
        if (!date) return date.error();
      } else if (key.field == Field::plan_state && !is_plan_state(value->text)) {
        return invalid_input("a plan state is open, in_progress or done, not '" + value->text + "'");
      } else if (key.field == Field::sharing && value->text != "shared" && value->text != "branch") {
        return invalid_input("an item is shared (head office answers it for every branch) or branch (each branch "
                             "answers it), not '" + value->text + "'");
      } else if (key.field == Field::override_reason && value->text.empty()) {
        return invalid_input("an override needs the reason the branch's practice differs from the shared answer");
      }
      if (key.field != Field::answer && !value->location.empty())
        return invalid_input("only document answers have a location");
      return {};
    }
    case TargetKind::assertion:
      if (!catalogue.find_assertion(key.target))
        return invalid_input("there is no assertion '" + key.target + "' in the " + catalogue.year().label() +
                             " question set");
      if (value && key.field == Field::confirmed && value->text != "yes")
        return invalid_input("a confirmation is recorded as yes, or cleared to withdraw it");
      return {};
    case TargetKind::incident: return check_incident_edit(catalogue, key, value);
    case TargetKind::document: return check_document_edit(catalogue, key, value);
    case TargetKind::profile:
      if (value) return check_profile_entry(key.target, value->text);
      if (key.target == profile::kOdsCode || key.target == profile::kName || key.target == profile::kCyberEssentialsPlus ||
          key.target == profile::kNhsmailOnly)
        return {};
      return check_profile_entry(key.target, "any name");  // a role: the name must be a known role
  }
  return invalid_input("unknown target kind");
}

Status check_received_edit(const Catalogue& catalogue, const FieldKey& key, const std::optional<FieldValue>& value) {
  auto strict = check_edit(catalogue, key, value);
  if (value && !check_plain_text(key, *value)) return strict;  // no earlier type excuses these
  if (strict || key.kind != TargetKind::item || key.field != Field::answer || !value) return strict;
  const TypeChange* change = catalogue.type_change(key.target);
  const CatalogueItem* item = catalogue.find_item(key.target);
  if (!change || !item) return strict;
  CatalogueItem as_it_was = *item;
  as_it_was.type = change->from;
  auto canonical = normalise_answer(as_it_was, value->text, value->location);
  if (canonical && *canonical == *value) return {};
  return strict;
}

}  // namespace dsptsync
