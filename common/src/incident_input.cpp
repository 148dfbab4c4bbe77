#include "dsptsync/incident_input.h"

#include "dsptsync/text.h"
#include "dsptsync/yes_no.h"

#include <algorithm>
#include <cctype>
#include <sstream>

namespace dsptsync {
namespace {

// A category or kind given by its id ("lost_or_stolen") or its name, in any case.
Result<std::string> entry_id(const std::vector<NamedEntry>& entries, const std::string& typed, std::string_view noun) {
  const std::string wanted = lowercase(typed);
  for (const auto& entry : entries)
    if (lowercase(entry.id) == wanted || lowercase(entry.name) == wanted) return entry.id;
  std::string ids;
  for (const auto& entry : entries) ids += (ids.empty() ? "" : ", ") + entry.id;
  return invalid_input("'" + typed + "' is not " + std::string(noun) + "; use one of " + ids);
}

Result<std::string> yes_or_no(const std::string& typed) {
  if (auto word = parse_yes_no(typed)) return *word;
  return invalid_input("whether vulnerable groups are involved is yes or no, not '" + typed + "'");
}

// "6.1.1, 6.1.2 5.1.1" -> "6.1.1 6.1.2 5.1.1".
std::string item_list(const std::string& typed) {
  std::string spaced = typed;
  std::replace(spaced.begin(), spaced.end(), ',', ' ');
  std::istringstream words(spaced);
  std::string joined;
  for (std::string id; words >> id;) joined += (joined.empty() ? "" : " ") + id;
  return joined;
}

// One typed value in the form it is stored in.
Result<std::string> stored_form(const IncidentRules& rules, Field field, const std::string& typed) {
  switch (field) {
    case Field::happened_at:
    case Field::found_at: {
      auto at = parse_incident_time(typed);
      if (!at) return at.error();
      return incident_time_text(*at);
    }
    case Field::category: return entry_id(rules.categories, typed, "a category");
    case Field::incident_kind: return entry_id(rules.kinds, typed, "a kind of incident");
    case Field::vulnerable_groups: return yes_or_no(typed);
    case Field::incident_state: return lowercase(typed);
    case Field::ico_reference: {
      std::string upper = typed;
      for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      return upper;
    }
    case Field::linked_items: return item_list(typed);
    default: return typed;
  }
}

const std::map<Field, std::string> kNoOthers;

std::string field_name(Field field) { return std::string(to_string(field)); }

// A closed incident has its lessons learned; the reporting rules' reference only where reportable.
Status check_whole(const IncidentRules& rules, const std::map<Field, std::string>& after, IncidentEdits& edits) {
  auto value = [&](Field field) {
    auto found = after.find(field);
    return found == after.end() ? std::string() : found->second;
  };
  if (value(Field::incident_state) == "closed" && value(Field::lessons_learned).empty())
    return invalid_input("lessons_learned: an incident is closed with the lessons learned from it; give them");
  if (!value(Field::ico_reference).empty()) {
    auto score = [&](Field field) { return value(field).size() == 1 ? value(field)[0] - '0' : 0; };
    const Grade grade = grade_incident(rules, score(Field::likelihood), score(Field::severity),
                                       value(Field::vulnerable_groups) == "yes");
    if (!grade.reportable())
      edits.warnings.push_back("the ICO's reference is recorded, but the incident as graded is not reportable (" +
                               grade.why + "); check its likelihood and severity");
  }
  return {};
}

}  // namespace

Result<IncidentEdits> prepare_incident_edits(const IncidentRules& rules, const IncidentInput& input,
                                             const std::map<Field, std::string>& current, bool new_incident,
                                             TimestampMs now) {
  std::map<Field, std::string> after = current;
  std::map<Field, std::optional<std::string>> given;
  for (const auto& [field, typed] : input) {
    if (!field_belongs_to(field, TargetKind::incident))
      return invalid_input("'" + field_name(field) + "' is not part of an incident");
    const std::string text(trimmed(typed));
    if (text.empty()) {
      after.erase(field);
      given[field] = std::nullopt;
      continue;
    }
    auto stored = stored_form(rules, field, text);
    if (!stored) return Error{stored.error().kind, field_name(field) + ": " + stored.error().message};
    after[field] = *stored;
    given[field] = *stored;
  }
  // Each value alone first, then with the incident's others, found_at first: when both times are
  // fine alone but disagree, the error is about when it was found (the time that starts the clock).
  std::vector<std::pair<Field, std::string>> to_check;
  for (const auto& [field, value] : given)
    if (value) to_check.emplace_back(field, *value);
  std::stable_partition(to_check.begin(), to_check.end(),
                        [](const auto& entry) { return entry.first == Field::found_at; });
  const std::map<Field, std::string>* passes[] = {&kNoOthers, &after};
  for (const auto* others : passes)
    for (const auto& [field, value] : to_check)
      if (auto valid = check_incident_value(rules, field, value, *others, now); !valid)
        return Error{valid.error().kind, field_name(field) + ": " + valid.error().message};
  for (Field field : kIncidentRequired)
    if ((new_incident || given.count(field)) && !after.count(field))
      return invalid_input(field_name(field) +
                           ": this is needed (what happened, when it happened, when it was found and its "
                           "category are needed to record an incident)");
  IncidentEdits edits;
  if (auto whole = check_whole(rules, after, edits); !whole) return whole.error();
  for (const auto& [field, value] : given) {
    auto before = current.find(field);
    const bool unchanged = value ? before != current.end() && before->second == *value : before == current.end();
    if (unchanged) continue;
    edits.changes.emplace_back(field, value ? std::optional<FieldValue>(FieldValue{*value, ""}) : std::nullopt);
  }
  return edits;
}

}  // namespace dsptsync
