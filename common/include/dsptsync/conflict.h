// Fields and open conflicts in the words a care manager reads (docs/merge.md).
//
// Every front-end (the laptop's and head office's command lines, the web app) and the status rules'
// problems use these, so a conflict reads the same wherever it is shown: "Two people gave different
// answers to 1.1.5 (Staffing and roles)", "Head office and Leeds disagree on whether assertion 1.3 is
// confirmed", never "the confirmed of 1.3".
#pragma once

#include "dsptsync/catalogue.h"
#include "dsptsync/change.h"

#include <map>
#include <string>
#include <vector>

namespace dsptsync {

// Where people work, by name: "Head office", or a branch's name (AssessmentView::workplaces).
using Workplaces = std::map<std::string, std::string>;
inline constexpr std::string_view kHeadOfficeWorkplace = "Head office";

// A field as a noun phrase: "the answer to 1.1.5 (Staffing and roles)", "the confirmation of
// assertion 1.3", "the due date of the improvement action for 8.3.5 (IT systems and devices)", "the
// organisation's Caldicott Guardian". The topic group is added where the catalogue is given.
std::string field_in_words(const FieldKey& key, const Catalogue* catalogue);

// Who disagrees about what, from a conflict's differing values (open_conflict): by site when every
// value was written at one site this replica knows and the sites differ ("Head office and Leeds
// disagree on whether assertion 1.3 is confirmed"), else by the number of people ("Two people gave
// different answers to 1.1.5 (Staffing and roles)"). No full stop: callers add what to do.
std::string describe_conflict(const FieldKey& key, const std::vector<HeldValue>& values, const Catalogue* catalogue,
                              const Workplaces& workplaces = {});

}  // namespace dsptsync
