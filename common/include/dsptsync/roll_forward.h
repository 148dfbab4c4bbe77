// Moving an assessment to the next year's question set: every answer, comment, plan line,
// confirmation, owner, sharing choice and override is carried to its item's new id (2.1.2 -> 2.2.1);
// removed and new items are reported. Used by the branch client for its own store and by the HQ
// server for the whole organisation, so both carry exactly the same way.
#pragma once

#include "dsptsync/catalogue.h"
#include "dsptsync/ledger.h"

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace dsptsync {

struct RollForwardPlan {
  std::vector<std::pair<std::string, std::string>> carried;  // old id -> new id (same or renamed)
  std::vector<std::string> removed;                          // old items with no successor
  std::vector<std::string> added;                            // new items with nothing before them
  std::vector<std::string> notes;                            // e.g. answer type changed: review
  std::vector<Edit> edits;                                   // what to record in the new year
};

// The edits that start `to`'s assessment of `scope` from `state` (the same scope in `from`'s year):
// each field's settled value (a field in conflict carries its winner). One edit per new field.
RollForwardPlan plan_roll_forward(const Catalogue& from, const Catalogue& to, const AssessmentState& state,
                                  const std::string& scope);

// The field of `to` that a field of `from` rolls forward into, if its item or assertion survived.
std::optional<FieldKey> successor_key(const Catalogue& from, const Catalogue& to, const FieldKey& key);

}  // namespace dsptsync
