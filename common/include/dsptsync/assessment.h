// An assessment as the status rules see it: plain values read off the change log's state.
//
// Built from one scope's state (a branch, or HQ); the head office issue layers shared answers
// under a branch's own here, so every status, figure and export works on effective assessments.
#pragma once

#include "dsptsync/catalogue.h"
#include "dsptsync/change.h"
#include "dsptsync/ledger.h"

#include <map>
#include <optional>
#include <set>
#include <string>

namespace dsptsync {

// Names of profile entries (TargetKind::profile targets).
namespace profile {
inline constexpr std::string_view kOdsCode = "ods_code";
inline constexpr std::string_view kName = "name";
inline constexpr std::string_view kCyberEssentialsPlus = "cyber_essentials_plus";  // yes | no | not_sure
inline constexpr std::string_view kNhsmailOnly = "nhsmail_only";                   // yes | no
// Named roles: "role.caldicott_guardian", "role.siro", "role.ig_lead", "role.dpo".
inline constexpr std::string_view kRolePrefix = "role.";
}  // namespace profile

// Who last set a value and when (from the winning head).
struct Attribution {
  std::string user;
  std::string device;
  TimestampMs at = 0;
};

struct AnsweredValue {
  FieldValue value;
  Attribution by;
  bool in_conflict = false;
  bool merged = false;  // concurrent edits of different parts, merged automatically
};

struct PlanLine {
  std::string action;
  std::string owner;
  std::string due;    // ISO date
  std::string state;  // open | in_progress | done
};

struct AssessmentView {
  std::map<std::string, AnsweredValue> answers;   // item id -> answer
  std::map<std::string, AnsweredValue> comments;  // item id -> comment
  std::map<std::string, Attribution> confirmed;   // assertion id -> who confirmed, when
  std::map<std::string, std::string> owners;      // assertion id -> owner
  std::map<std::string, PlanLine> plan;           // item id -> improvement plan line
  std::map<std::string, std::string> profile;     // profile entry -> value
  // Every field with an open conflict: its differing values (two or more, the one shown meanwhile
  // first), each with the heads that hold it. Concurrent edits that agree or merge are not here.
  std::map<FieldKey, std::vector<HeldValue>> conflicts;
  // Where each person who wrote a value works ("Head office", or the branch's name), where this
  // replica knows it (head office does; a laptop does not): it lets conflicts be described by site.
  std::map<std::string, std::string> workplaces;
  // Head office's scope only: its choice, per item, of "shared" or "branch" (where it made one).
  std::map<std::string, std::string> sharing;
  // A branch's scope only: items the branch answers itself although head office shares them,
  // with the branch's reason. In an effective view, only overrides of items that are shared.
  std::map<std::string, AnsweredValue> overrides;
  // Set by effective_view and shared_view: items whose answer, comment and plan line come from
  // head office, and assertions head office confirms, for this assessment.
  std::set<std::string> shared_items;
  std::set<std::string> shared_assertions;
  // Items whose answer was given before the year's question set changed their answer type (a
  // corrected list imported mid-year), or does not fit the new type: the answer is kept, shown and
  // flagged, and counts as provided only once answered again (docs/status-rules.md).
  std::map<std::string, TypeChange> to_review;
};

// Whether head office answers the item for every branch: its own choice where it made one, else
// the question set's default (docs/head-office.md).
bool item_is_shared(const CatalogueItem& item, const AssessmentView& head_office);

// A branch's effective assessment, the one every status, figure and export works on: its own
// answers, plus head office's answers, comments and plan lines for the shared items it has not
// overridden. An assertion all of whose items are shared and not overridden is head office's to
// confirm, so its confirmation and owner come from head office too; every other assertion is the
// branch's own (confirmed by the branch's administrator or by head office for it). Open conflicts
// follow the values: a conflict in a shared answer blocks every branch that uses it.
AssessmentView effective_view(const Catalogue& catalogue, const AssessmentView& head_office,
                              const AssessmentView& branch);
// Head office's own assessment with shared_items and shared_assertions marked (its answers are all
// its own), for exports and the dashboard.
AssessmentView shared_view(const Catalogue& catalogue, const AssessmentView& head_office);

// Where an edit may be made: sharing only in head office's scope, an override only in a branch's.
Status check_edit_scope(const FieldKey& key, std::string_view hq_code);

// Whether an edit of a branch's assessment would be used, given its effective view: an item's answer,
// comment or plan line that head office answers for every branch is not (until the branch overrides
// the item), nor an assertion that rests only on shared answers (head office confirms it, and names
// its owner). Refused with what to do instead, so that nothing reports "done" and changes nothing.
// For a branch's scope only: head office's own view marks what it shares with the branches.
Status check_not_shared(const AssessmentView& branch_view, const FieldKey& key);

// Concurrent edits that hold the same value agree: one settled value, for every kind of field
// (distinct_values). With the catalogue, concurrent edits of a text answer that changed different
// parts merge; comments and improvement actions merge the same way. Differing values that do not
// merge are an open conflict, the winner's value shown meanwhile.
AssessmentView view_of(const AssessmentState& state, const Catalogue* catalogue = nullptr);

// Whether concurrent edits of this field may be merged as text.
bool mergeable_as_text(const FieldKey& key, const Catalogue* catalogue);
// The merged value of a conflicted field, if its differing values merge cleanly (merge.h).
std::optional<FieldValue> merged_value(const FieldKey& key, const FieldState& state, const Catalogue* catalogue);
// The differing values of a field that people must choose between: empty when its heads agree or
// merge. The one rule every view, count and listing of conflicts uses.
std::vector<HeldValue> open_conflict(const FieldKey& key, const FieldState& state, const Catalogue* catalogue);

// Checks an answer against the item's type and gives its canonical form: yes_no accepts
// yes/no/y/n/true/false (any case) and stores "yes"/"no"; date must be ISO; number must be a
// plain decimal; document needs a name and may have a location. The error says what is accepted.
Result<FieldValue> normalise_answer(const CatalogueItem& item, std::string_view text, std::string_view location);
// A plan's due date as typed (31/01/2027 or 2027-01-31) in the ISO form it is kept in; empty stays
// empty (clearing it).
Result<std::string> normalise_plan_due(std::string_view typed);

// Profile entries and their values: ods_code (an ODS code), name, cyber_essentials_plus (yes, no,
// not_sure), nhsmail_only (yes, no), role.caldicott_guardian|siro|ig_lead|dpo (a name).
Status check_profile_entry(std::string_view name, std::string_view value);
// Improvement plan states: open, in_progress, done.
bool is_plan_state(std::string_view state);

// The one rule for the characters of text people enter (answers, locations, comments, actions,
// profile values), through every door: no control characters but tab and new line. A NUL cuts the
// text short in spreadsheets and C strings, and the others are invisible or act on a terminal (ESC).
// Every edit recorded (Ledger) and checked (check_edit, check_received_edit) meets it; the error
// names the field, the character and where.
Status check_plain_text(const FieldKey& key, const FieldValue& value);

// Checks one edit against the question set and its field's rules, as every replica must before
// recording or accepting it: the item or assertion exists in the set, an answer is already in the
// canonical form normalise_answer gives, a plan due date is an ISO date, a confirmation is "yes",
// a profile entry is known. Clearing a field (no value) is always allowed.
Status check_edit(const Catalogue& catalogue, const FieldKey& key, const std::optional<FieldValue>& value);

// check_edit for an edit made on another device and received later (a push at head office, a queued
// edit a laptop is about to send): an answer in the canonical form of the item's earlier answer type
// is also accepted when this year's set changed that type, since it was made before its device had
// the new set. It is kept and flagged for review (AssessmentView::to_review), not refused.
Status check_received_edit(const Catalogue& catalogue, const FieldKey& key, const std::optional<FieldValue>& value);

}  // namespace dsptsync
