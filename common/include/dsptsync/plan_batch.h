// The improvement plan for many items at once: one owner and due date for the items ticked, or a
// plan line for every mandatory item not provided that has none yet. Every front-end (the laptop's
// `plan set`/`plan generate`, head office's console, the web app's plan page) builds its edits here
// and records them through its usual record path, so the permission rules apply once, as for one item.
#pragma once

#include "dsptsync/assessment.h"
#include "dsptsync/catalogue.h"
#include "dsptsync/change.h"
#include "dsptsync/error.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dsptsync {

// The parts of a plan line to set; nullopt leaves a part as it is, "" clears it. `due` as typed
// (31/01/2027 or 2027-01-31).
struct PlanParts {
  std::optional<std::string> action, owner, due, state;
  bool any() const { return action || owner || due || state; }
};

// Edits of several items' plan lines, and the items they touch (in the order given, each once).
struct PlanBatch {
  std::vector<std::string> items;
  std::vector<Edit> edits;
};

// The action a generated plan line starts with: it names the item, so that a plan read on its own
// (an export, a printed list) still says what is to be done.
std::string default_plan_action(const CatalogueItem& item);

// The items `generate` plans: mandatory for Standards Met, not provided (item_provided), with no
// action in their plan line yet, in the question set's order. `branch`: a branch's effective view,
// whose items head office answers for every branch are left out (head office plans those).
std::vector<std::string> items_without_plan(const Catalogue& catalogue, const AssessmentView& view, bool branch);

// The same parts of the plan line of each item named. Refused with nothing to record when an item
// is not in the set (all such named at once), when no part is given, or a part is not valid; an
// invalid part's message starts with its name ("due: ...", "state: ...").
Result<PlanBatch> plan_set_edits(const Catalogue& catalogue, std::string_view scope, std::string_view year,
                                 const std::vector<std::string>& items, const PlanParts& parts);

// A plan line for each of items_without_plan: its default action, with the owner, due date and state
// given (if any). An empty batch when every such item has one already.
Result<PlanBatch> plan_generate_edits(const Catalogue& catalogue, const AssessmentView& view, std::string_view scope,
                                      std::string_view year, bool branch, const PlanParts& parts);

}  // namespace dsptsync
