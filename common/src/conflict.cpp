#include "dsptsync/conflict.h"

#include "dsptsync/assessment.h"

#include <algorithm>
#include <array>
#include <optional>
#include <set>

namespace dsptsync {
namespace {

// "1.1.5 (Staffing and roles)", or "1.1.5" without a catalogue or for an item it does not hold.
std::string item_in_words(const std::string& id, const Catalogue* catalogue) {
  const CatalogueItem* item = catalogue ? catalogue->find_item(id) : nullptr;
  return item && !item->group.empty() ? id + " (" + item->group + ")" : id;
}

std::string plan_of(const std::string& id, const Catalogue* catalogue) {
  return "the improvement action for " + item_in_words(id, catalogue);
}

// A profile entry as a noun phrase ("the organisation's Caldicott Guardian").
std::string profile_in_words(const std::string& entry) {
  static const std::array<std::pair<std::string_view, std::string_view>, 8> kNames = {{
      {"name", "name"},
      {"ods_code", "ODS code"},
      {"cyber_essentials_plus", "Cyber Essentials Plus status"},
      {"nhsmail_only", "use of NHSmail only"},
      {"role.caldicott_guardian", "Caldicott Guardian"},
      {"role.siro", "Senior Information Risk Owner"},
      {"role.ig_lead", "information governance lead"},
      {"role.dpo", "Data Protection Officer"},
  }};
  for (const auto& [name, words] : kNames)
    if (name == entry) return "the organisation's " + std::string(words);
  return "the organisation's " + entry;
}

// An incident's field in words: "when incident INC-3F9A2C1B was found".
std::string incident_field_in_words(const FieldKey& key) {
  const std::string incident = "incident " + key.target;
  switch (key.field) {
    case Field::happened_at: return "when " + incident + " happened";
    case Field::found_at: return "when " + incident + " was found";
    case Field::found_by: return "who found " + incident;
    case Field::what_happened: return "what happened in " + incident;
    case Field::incident_kind: return "the kind of " + incident;
    case Field::people_affected: return "how many people " + incident + " affected";
    case Field::vulnerable_groups: return "whether " + incident + " involves vulnerable groups";
    case Field::data_involved: return "the data involved in " + incident;
    case Field::containment: return "what was done to contain " + incident;
    case Field::incident_state: return "the state of " + incident;
    case Field::ico_reference: return "the ICO's reference for " + incident;
    case Field::lessons_learned: return "the lessons learned from " + incident;
    case Field::linked_items: return "the evidence items " + incident + " bears on";
    default: return "the " + std::string(to_string(key.field)) + " of " + incident;  // category, likelihood, severity
  }
}

// What people who disagree did, after a plural subject: "gave different answers to 1.1.5 (...)".
std::string disagreement_in_words(const FieldKey& key, const Catalogue* catalogue) {
  const std::string& id = key.target;
  switch (key.field) {
    case Field::answer: return "gave different answers to " + item_in_words(id, catalogue);
    case Field::comment: return "wrote different comments on " + item_in_words(id, catalogue);
    case Field::confirmed: return "disagree on whether assertion " + id + " is confirmed";
    case Field::owner: return "named different owners for assertion " + id;
    case Field::plan_action: return "wrote different improvement actions for " + item_in_words(id, catalogue);
    case Field::plan_owner: return "named different owners for " + plan_of(id, catalogue);
    case Field::plan_due: return "set different due dates for " + plan_of(id, catalogue);
    case Field::plan_state: return "disagree on whether " + plan_of(id, catalogue) + " is open, in progress or done";
    case Field::sharing:
      return "disagree on whether head office answers " + item_in_words(id, catalogue) + " for every branch";
    case Field::override_reason:
      return "gave different reasons why the branch answers " + item_in_words(id, catalogue) + " itself";
    case Field::value:
      if (id == profile::kCyberEssentialsPlus) return "disagree on whether the organisation has Cyber Essentials Plus";
      if (id == profile::kNhsmailOnly) return "disagree on whether the organisation uses NHSmail only";
      return "disagree on " + profile_in_words(id);
    default: return "disagree on " + incident_field_in_words(key);
  }
  return "disagree on " + field_in_words(key, catalogue);
}

std::string count_in_words(std::size_t n) {
  static const std::array<std::string_view, 11> kWords = {"No", "One", "Two", "Three", "Four", "Five",
                                                         "Six", "Seven", "Eight", "Nine", "Ten"};
  return n < kWords.size() ? std::string(kWords[n]) : std::to_string(n);
}

std::string joined(const std::vector<std::string>& parts) {
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i)
    out += (i == 0 ? "" : i + 1 == parts.size() ? " and " : ", ") + parts[i];
  return out;
}

// The sites that disagree, head office first: only when each value was written at one known site
// and no two values come from the same site.
std::optional<std::vector<std::string>> disagreeing_sites(const std::vector<HeldValue>& values,
                                                          const Workplaces& workplaces) {
  std::vector<std::string> sites;
  for (const auto& held : values) {
    std::set<std::string> where;
    for (const auto& head : held.heads) {
      auto found = workplaces.find(head.user);
      if (found == workplaces.end()) return std::nullopt;
      where.insert(found->second);
    }
    if (where.size() != 1 || std::count(sites.begin(), sites.end(), *where.begin())) return std::nullopt;
    sites.push_back(*where.begin());
  }
  std::stable_partition(sites.begin(), sites.end(), [](const std::string& site) { return site == kHeadOfficeWorkplace; });
  return sites;
}

std::string who_disagrees(const std::vector<HeldValue>& values, const Workplaces& workplaces) {
  if (auto sites = disagreeing_sites(values, workplaces); sites && sites->size() > 1) return joined(*sites);
  std::set<std::string> people, devices;
  for (const auto& held : values)
    for (const auto& head : held.heads) {
      people.insert(head.user);
      devices.insert(head.device);
    }
  if (people.size() != 1) return count_in_words(people.size()) + " people";
  if (devices.size() > 1) return count_in_words(devices.size()) + " of " + *people.begin() + "'s devices";
  return *people.begin() + "'s edits";
}

}  // namespace

std::string field_in_words(const FieldKey& key, const Catalogue* catalogue) {
  const std::string& id = key.target;
  switch (key.field) {
    case Field::answer: return "the answer to " + item_in_words(id, catalogue);
    case Field::comment: return "the comment on " + item_in_words(id, catalogue);
    case Field::confirmed: return "the confirmation of assertion " + id;
    case Field::owner: return "the owner of assertion " + id;
    case Field::plan_action: return plan_of(id, catalogue);
    case Field::plan_owner: return "the owner of " + plan_of(id, catalogue);
    case Field::plan_due: return "the due date of " + plan_of(id, catalogue);
    case Field::plan_state: return "the state of " + plan_of(id, catalogue);
    case Field::sharing: return "the sharing choice for " + item_in_words(id, catalogue);
    case Field::override_reason: return "the reason the branch answers " + item_in_words(id, catalogue) + " itself";
    case Field::value: return profile_in_words(id);
    default: return incident_field_in_words(key);
  }
}

std::string describe_conflict(const FieldKey& key, const std::vector<HeldValue>& values, const Catalogue* catalogue,
                              const Workplaces& workplaces) {
  return who_disagrees(values, workplaces) + " " + disagreement_in_words(key, catalogue);
}

}  // namespace dsptsync
