// The change log: every edit of an assessment is one Change of one field.
//
// This is the unit sync carries. A change names what it was based on (`parents`: the heads of the
// field this replica had when the edit was made), so any replica can tell a later edit from a
// concurrent one. A field's state is the set of heads no other change has replaced: one head is a
// settled value; several heads are concurrent edits, the winner chosen the same way everywhere
// (highest clock, then device id) and the others kept. Concurrent heads that hold the same value
// agree: they are one settled value. Only differing values are an open conflict (docs/merge.md).
#pragma once

#include "dsptsync/error.h"
#include "dsptsync/time.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dsptsync {

// What a change edits. Each field is separate so concurrent edits of different fields never conflict.
enum class TargetKind : std::uint8_t { item = 1, assertion = 2, profile = 3, plan = 4, incident = 5, document = 6 };
enum class Field : std::uint8_t {
  answer = 1,       // item: the typed answer
  comment = 2,      // item: the optional comments box
  confirmed = 3,    // assertion: "yes" when confirmed, cleared when unconfirmed
  owner = 4,        // assertion: named owner
  value = 5,        // profile: the value of the profile entry named by the target
  plan_action = 6,  // plan (target = item id): the improvement action
  plan_owner = 7,
  plan_due = 8,          // ISO date
  plan_state = 9,        // open | in progress | done
  sharing = 10,          // item, head office's scope only: "shared" (HQ answers it for every branch) or "branch"
  override_reason = 11,  // item, a branch's scope only: why the branch answers a shared item itself
  // incident (target = the incident's id; incident.h checks each value):
  happened_at = 12,  // when it happened: UTC to the minute, "2026-10-25T00:30Z"
  found_at = 13,     // when the organisation became aware: the 72-hour clock starts here
  found_by = 14,
  what_happened = 15,      // free text
  category = 16,           // confidentiality | integrity | availability (data/incidents/grading.tsv)
  incident_kind = 17,      // one of the guide's kinds (the same file)
  people_affected = 18,    // how many people, roughly: a whole number
  vulnerable_groups = 19,  // yes | no: children or vulnerable adults among them
  data_involved = 20,      // the kinds of data (health, identifiers...), never the data itself
  containment = 21,        // what was done to contain it and what is planned
  likelihood = 22,         // 1..5 on the grading scale
  severity = 23,           // 1..5
  incident_state = 24,     // open | reported | closed
  ico_reference = 25,      // the Information Commissioner's reference, once reported
  lessons_learned = 26,    // needed to close
  linked_items = 27,       // evidence items it bears on: ids separated by spaces
  // document of the policy library (document.h checks each value and which target it belongs to).
  // On the document (target = its id, "DOC-3F9A2C1B"):
  title = 28,
  document_kind = 29,   // policy | procedure | plan | template | evidence
  document_owner = 30,  // who keeps it up to date
  review_by = 31,       // ISO date
  document_items = 32,  // evidence items it answers: ids separated by spaces
  pinned_version = 33,  // a version's root hash: "current" is this one, not the latest
  // On one version (target = "<document id>@<root hash of its file>"), each written once:
  file_name = 34,
  file_size = 35,  // bytes, decimal
  file_type = 36,  // pdf | docx | xlsx | odt | png | jpeg | txt (files::FileType)
  version_note = 37,
  // On one person's acknowledgement of a version (target = "<document id>@<first 16 hex digits of
  // the version's root hash>:<person>", in the scope of the site the person works for):
  acknowledged = 38,  // "yes": "I have read and understood it"
};
std::string_view to_string(TargetKind kind);
std::string_view to_string(Field field);
Result<TargetKind> parse_target_kind(std::string_view text);
Result<Field> parse_field(std::string_view text);
// Rejects combinations that mean nothing (an answer on an assertion).
bool field_belongs_to(Field field, TargetKind kind);

struct FieldValue {
  std::string text;      // canonical form: "yes"/"no", free text, document name, ISO date, number...
  std::string location;  // documents only: where the document is kept (path or link)
  friend bool operator==(const FieldValue&, const FieldValue&) = default;
};

// Identifies a field of one assessment (an organisation or site, for one year).
struct FieldKey {
  std::string scope;  // ODS code of the assessment: the branch's V code or the HQ code
  std::string year;   // "2021-22"
  TargetKind kind = TargetKind::item;
  std::string target; // item id, assertion id, profile entry name, or item id of a plan line
  Field field = Field::answer;
  auto operator<=>(const FieldKey&) const = default;
};

// A hybrid logical clock value: wall milliseconds in the high 48 bits, a counter in the low 16,
// so it orders edits by time where clocks agree and still moves forward where they do not.
using Hlc = std::uint64_t;
inline TimestampMs hlc_wall_ms(Hlc hlc) { return static_cast<TimestampMs>(hlc >> 16); }

struct Change {
  std::string id;      // "<device id>:<counter>": unique across every replica
  FieldKey key;
  std::optional<FieldValue> value;  // empty: the field was cleared
  std::vector<std::string> parents; // the heads this edit replaces: what it was based on
  Hlc hlc = 0;
  std::string user;    // who made it (display name as enrolled)
  std::string device;  // which device made it (device id)
  friend bool operator==(const Change&, const Change&) = default;
};

// One value of a field that no later change has replaced.
struct Head {
  std::string change_id;
  Hlc hlc = 0;
  std::string user;
  std::string device;
  std::optional<FieldValue> value;
  friend bool operator==(const Head&, const Head&) = default;
};

// Whether two values of a field are the same: equal in every part (text, and a document's location)
// once trimmed of surrounding white space. Every other part of a field's input normalisation (yes/no
// spelling, ISO dates, plan states, profile spellings, a confirmation's "yes") is applied before a
// value is ever recorded, and check_edit refuses any other form on every replica that accepts an edit,
// so stored values compare as their normalised forms. Cleared (empty) values are the same as each other.
bool same_value(const std::optional<FieldValue>& a, const std::optional<FieldValue>& b);

// One of the values a field's heads hold, with every head that holds it.
struct HeldValue {
  std::optional<FieldValue> value;  // as the first of its heads holds it
  std::vector<Head> heads;          // winner first; never empty
};

// The rule for concurrent edits, over the heads alone: heads holding the same value (same_value) are
// one value. Gives the distinct values, the winner's first, then in the order of each one's first
// head. Every replica with the same heads gets the same list, without exchanging anything new.
std::vector<HeldValue> distinct_values(const std::vector<Head>& heads);

struct FieldState {
  // Sorted winner first: highest hlc, then highest device id, then change id.
  std::vector<Head> heads;
  // Derived when read (never stored): for concurrent heads that all grew from one earlier value,
  // that value (the outer optional is empty when there is no single common ancestor). It lets a
  // text field merge edits that touched different parts (merge.h).
  std::optional<std::optional<FieldValue>> merge_base;
  const Head* winner() const { return heads.empty() ? nullptr : &heads.front(); }
  // Several heads: concurrent edits, every one kept.
  bool concurrent() const { return heads.size() > 1; }
  // Heads that hold differing values: an open conflict, unless the text merge settles it
  // (assessment.h, merged_value). Heads that all agree are one settled value.
  bool in_conflict() const;
};

// The deterministic order of heads: true when a should win over b.
bool wins_over(const Head& a, const Head& b);

// Applies a change to a field's state: removes the heads it names as parents and adds it, keeping
// the winner-first order. Pure: every replica that applies the same set of changes, in any order
// consistent with causality, reaches the same state.
FieldState apply_change(FieldState state, const Change& change);

// A hybrid logical clock for one replica.
class HybridClock {
 public:
  explicit HybridClock(Hlc last = 0) : last_(last) {}
  Hlc tick(TimestampMs wall_now);        // for a local edit
  void observe(Hlc remote) { if (remote > last_) last_ = remote; }  // on receiving an edit
  Hlc last() const { return last_; }

 private:
  Hlc last_;
};

}  // namespace dsptsync
