// What changes when one question set replaces another (official_list.h): shown before an import
// changes anything, by every front-end alike.
#include "dsptsync/official_list.h"

#include <nlohmann/json.hpp>

#include <set>

namespace dsptsync {
namespace {

std::string quoted(const std::string& text) { return "\"" + text + "\""; }

std::string yes_no(bool flag) { return flag ? "yes" : "no"; }

std::string with_note(const QuestionSetDiff& diff, const std::string& id) {
  auto note = diff.notes.find(id);
  return note == diff.notes.end() ? std::string() : " (change note: " + note->second + ")";
}

template <class List>
void count(std::vector<std::string>& parts, const List& list, const std::string& what) {
  if (!list.empty()) parts.push_back(std::to_string(list.size()) + " " + what);
}

}  // namespace

bool QuestionSetDiff::unchanged() const {
  return added.empty() && removed.empty() && renumbered.empty() && reworded.empty() && retyped.empty() &&
         met_changed.empty() && approaching_changed.empty();
}

QuestionSetDiff diff_question_sets(const Catalogue& in_force, const Catalogue& next,
                                   const std::map<std::string, std::string>& notes) {
  QuestionSetDiff diff;
  diff.from_year = in_force.year().label();
  diff.to_year = next.year().label();
  // Within a year ids are the identity (a corrected list); across years an item may be renumbered.
  const bool by_successor = next.year() > in_force.year();
  std::set<std::string> reached;
  for (const auto& old_item : in_force.items()) {
    const CatalogueItem* now = by_successor ? next.successor_of(old_item.id) : next.find_item(old_item.id);
    if (!now) {
      diff.removed.push_back({old_item.id, old_item.question});
      continue;
    }
    reached.insert(now->id);
    if (now->id != old_item.id) diff.renumbered.emplace_back(old_item.id, now->id);
    if (now->question != old_item.question) diff.reworded.push_back({now->id, old_item.question, now->question});
    if (now->type != old_item.type) diff.retyped.push_back({now->id, old_item.type, now->type});
    if (now->required_for_met != old_item.required_for_met)
      diff.met_changed.push_back({now->id, old_item.required_for_met, now->required_for_met});
    if (now->approaching != old_item.approaching)
      diff.approaching_changed.push_back({now->id, old_item.approaching, now->approaching});
  }
  for (const auto& item : next.items()) {
    if (!reached.count(item.id)) diff.added.push_back({item.id, item.question});
    if (auto note = notes.find(item.id); note != notes.end()) diff.notes.emplace(item.id, note->second);
  }
  return diff;
}

QuestionSetDiff diff_question_sets(const Catalogue& in_force, const ImportedList& next) {
  return diff_question_sets(in_force, next.catalogue, next.change_notes);
}

nlohmann::json to_json(const QuestionSetDiff& diff) {
  using nlohmann::json;
  json added = json::array(), removed = json::array(), renumbered = json::array(), reworded = json::array(),
       retyped = json::array(), met = json::array(), approaching = json::array();
  for (const auto& entry : diff.added) {
    auto note = diff.notes.find(entry.id);
    added.push_back({{"id", entry.id}, {"question", entry.question},
                     {"note", note == diff.notes.end() ? json(nullptr) : json(note->second)}});
  }
  for (const auto& entry : diff.removed) removed.push_back({{"id", entry.id}, {"question", entry.question}});
  for (const auto& [from, to] : diff.renumbered) renumbered.push_back({{"from", from}, {"to", to}});
  for (const auto& change : diff.reworded)
    reworded.push_back({{"id", change.id}, {"before", change.before}, {"after", change.after}});
  for (const auto& change : diff.retyped)
    retyped.push_back({{"id", change.id}, {"before", to_string(change.before)}, {"after", to_string(change.after)}});
  for (const auto& change : diff.met_changed)
    met.push_back({{"id", change.id}, {"before", change.before}, {"after", change.after}});
  for (const auto& change : diff.approaching_changed)
    approaching.push_back({{"id", change.id}, {"before", to_string(change.before)}, {"after", to_string(change.after)}});
  return {{"from", diff.from_year}, {"to", diff.to_year},          {"unchanged", diff.unchanged()},
          {"added", added},         {"removed", removed},          {"renumbered", renumbered},
          {"reworded", reworded},   {"retyped", retyped},          {"met_changed", met},
          {"approaching_changed", approaching}, {"notes", diff.notes}};
}

std::vector<std::string> describe(const QuestionSetDiff& diff) {
  std::vector<std::string> parts;
  count(parts, diff.added, "new");
  count(parts, diff.removed, "removed");
  count(parts, diff.renumbered, "renumbered");
  count(parts, diff.reworded, "reworded");
  count(parts, diff.retyped, "with a new answer type");
  count(parts, diff.met_changed, "with a new Standards Met flag");
  count(parts, diff.approaching_changed, "with a new Approaching Standards flag");
  std::string summary;
  for (const auto& part : parts) summary += (summary.empty() ? "" : ", ") + part;
  const std::string span = diff.from_year == diff.to_year ? diff.to_year : diff.from_year + " -> " + diff.to_year;
  std::vector<std::string> lines{span + ": " + (summary.empty() ? "no change to the items" : summary)};

  std::set<std::string> noted;
  auto line = [&](const std::string& id, std::string text) {
    if (noted.insert(id).second) text += with_note(diff, id);
    lines.push_back("  " + text);
  };
  for (const auto& entry : diff.added) line(entry.id, "new: " + entry.id + " " + quoted(entry.question));
  for (const auto& entry : diff.removed) lines.push_back("  removed: " + entry.id + " " + quoted(entry.question));
  for (const auto& [from, to] : diff.renumbered) line(to, "renumbered: " + from + " is now " + to);
  for (const auto& change : diff.reworded) {
    line(change.id, "reworded: " + change.id);
    lines.push_back("      was: " + quoted(change.before));
    lines.push_back("      now: " + quoted(change.after));
  }
  for (const auto& change : diff.retyped)
    line(change.id, "answer type: " + change.id + " " + std::string(to_string(change.before)) + " -> " +
                        std::string(to_string(change.after)));
  for (const auto& change : diff.met_changed)
    line(change.id, "mandatory for Standards Met: " + change.id + " " + yes_no(change.before) + " -> " + yes_no(change.after));
  for (const auto& change : diff.approaching_changed)
    line(change.id, "Approaching Standards: " + change.id + " " + std::string(to_string(change.before)) + " -> " +
                        std::string(to_string(change.after)));
  for (const auto& [id, note] : diff.notes)
    if (!noted.count(id)) lines.push_back("  change note: " + id + ": " + note);
  return lines;
}

}  // namespace dsptsync
