// Moving an assessment to the next year's question set: every answer, comment, plan line,
// confirmation, owner, sharing choice and override is carried to its item's new id (2.1.2 -> 2.2.1);
// removed and new items are reported. Used by the branch client for its own store and by the HQ
// server for the whole organisation, so both carry exactly the same way.
#pragma once

#include "dsptsync/catalogue.h"
#include "dsptsync/ledger.h"

#include <nlohmann/json_fwd.hpp>

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace dsptsync {

class Store;

// The question sets a roll-forward passes through, oldest first: the year it leaves, every later
// year before the target that has a set (imported, else shipped), and the target. Each step maps
// an item by the later set's previous ids (Catalogue::successor_of), so the maps chain: 2021-22 to
// 2025-26 goes through 2023-24 and 2024-25. A year with no set is no step: 2023-24's previous ids
// are 2021-22 ids, as no 2022-23 set is shipped (docs/status-rules.md).
class RollForwardPath {
 public:
  explicit RollForwardPath(std::vector<Catalogue> sets);  // at least two, in year order
  const Catalogue& from() const { return sets_.front(); }
  const Catalogue& to() const { return sets_.back(); }
  const std::vector<Catalogue>& sets() const { return sets_; }
  // The item of to() that an item of from() leads to, step by step; null when a step removed it.
  const CatalogueItem* successor_of(std::string_view old_id) const;
  // The assertion of to() that an assertion of from() leads to: that of its first item that survives.
  std::optional<std::string> successor_assertion(std::string_view old_id) const;
  // The field of to() that a field of from() rolls forward into, if its item or assertion survived.
  std::optional<FieldKey> successor_key(const FieldKey& key) const;

 private:
  std::vector<Catalogue> sets_;
};

// The path from `from` to the year `to`: `set_for` gives the set in force for a year, or not_found
// (that year is no step; for `to` it is the error returned).
Result<RollForwardPath> roll_forward_path(const Catalogue& from, AssessmentYear to,
                                          const std::function<Result<Catalogue>(AssessmentYear)>& set_for);
// The same with the sets in force in a store (catalogue_in_store).
Result<RollForwardPath> roll_forward_path(Store& store, const Catalogue& from, AssessmentYear to);

// One step of a path: what the later set renumbered, removed and added against the one before.
struct RollForwardStep {
  std::string from_year, to_year;
  std::vector<std::pair<std::string, std::string>> renumbered;  // old id -> new id
  std::vector<std::string> removed;
  std::vector<std::string> added;
};

// For every front-end: a step as JSON ({from, to, renumbered: [{from, to}], removed, added}) and as
// a line of text ("2024-25 -> 2025-26: new 4.3.1, 7.1.1").
nlohmann::json to_json(const RollForwardStep& step);
std::string describe(const RollForwardStep& step);

struct RollForwardPlan {
  std::vector<std::pair<std::string, std::string>> carried;  // old id -> new id (same or renamed)
  std::vector<std::string> removed;                          // old items with no successor
  std::vector<std::string> added;                            // new items with nothing before them
  std::vector<std::string> notes;                            // e.g. answer type changed: review
  std::vector<Edit> edits;                                   // what to record in the new year
  std::vector<RollForwardStep> steps;                        // one per pair of sets the path passes
};

// The edits that start the path's last year's assessment of `scope` from `state` (the same scope in
// its first year): each field's settled value (a field in conflict carries its winner). One edit
// per new field. carried, removed, added and notes are from the first year to the last.
RollForwardPlan plan_roll_forward(const RollForwardPath& path, const AssessmentState& state, const std::string& scope);
// One step from `from` to `to`.
RollForwardPlan plan_roll_forward(const Catalogue& from, const Catalogue& to, const AssessmentState& state,
                                  const std::string& scope);

// The field of `to` that a field of `from` rolls forward into, if its item or assertion survived.
std::optional<FieldKey> successor_key(const Catalogue& from, const Catalogue& to, const FieldKey& key);

}  // namespace dsptsync
