// A branch manager's (or single-site provider's) local assessment: the store, its key, the
// catalogue in force and the edits the CLI offers. Everything works offline.
#pragma once

#include "dsptsync/assessment.h"
#include "dsptsync/catalogue.h"
#include "dsptsync/document.h"
#include "dsptsync/evaluator.h"
#include "dsptsync/file_store.h"
#include "dsptsync/incident.h"
#include "dsptsync/incident_input.h"
#include "dsptsync/ledger.h"
#include "dsptsync/ods.h"
#include "dsptsync/permissions.h"
#include "dsptsync/plan_batch.h"
#include "dsptsync/official_list.h"
#include "dsptsync/protocol.h"
#include "dsptsync/question_set.h"
#include "dsptsync/roll_forward.h"
#include "dsptsync/service/types.h"
#include "dsptsync/store.h"

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace dsptsync::client {

// Where the store lives: --store, else $DSPTSYNC_STORE, else $XDG_DATA_HOME/dsptsync, else
// ~/.local/share/dsptsync. The folder holds store.db and, unless a passphrase is used, store.key.
std::filesystem::path default_store_dir();

struct InitOptions {
  std::filesystem::path dir;
  std::string ods;   // the site (V****) or, for a single organisation, any ODS code
  std::string name;
  std::string year;  // "2021-22"
  std::string user;
  // When set, the store key comes from this passphrase through Argon2id and no key file is written.
  std::optional<std::string> passphrase;
  // Set by enrolment: the device id registered with the server (generated when empty), its
  // signing key (kept sealed in the store), and sync settings written with the store.
  std::string device_id;
  std::optional<crypto::SigningKeyPair> signing_key;
  std::vector<std::pair<std::string, std::string>> settings;
  // Set by enrolment: head office's question sets in force, already checked against its key; kept
  // with the store, so its year's set is the one its edits are checked against from the start.
  std::vector<QuestionSet> question_sets;
  // An offline store records its ODS code and name in the profile at init; an enrolled one gets
  // its profile from head office instead.
  bool record_profile = true;
};

// One change with the value it replaced, as every front-end shows it.
using HistoryEntry = service::HistoryRow;

struct RollForwardReport {
  std::string from_year;
  std::string to_year;
  std::vector<std::pair<std::string, std::string>> carried;  // old id -> new id (same or renamed)
  std::vector<std::string> removed;                          // old items with no successor
  std::vector<std::string> added;                            // new items with nothing before them
  std::vector<std::string> notes;                            // e.g. answer type changed: review
  std::vector<RollForwardStep> steps;                        // each pair of question sets passed through
  std::size_t changes_recorded = 0;
  // Edits of the year left behind that have not reached head office yet: they stay queued and go
  // up at the next sync (the server accepts them for that year); nothing is dropped.
  std::int64_t queued_from_previous_year = 0;
  bool applied = false;
};

// An official list read on an offline store, and what it changes against the set it replaces (or,
// for a year with no set yet, the newest set before it).
struct CatalogueImport {
  ImportedList list;
  QuestionSetDiff diff;
  bool applied = false;  // false for a dry run
};

// An open conflict of this store's assessment (scope left empty: the store holds one), each value
// marked mine when this device wrote it or a value that agrees with it.
using service::Conflict;
using service::ConflictValue;

enum class Keep { mine, theirs };

// A change queued on this device that the question set in force refuses (its item or assertion is no
// longer in the set head office sent since): kept, not sent, reported; it goes up if a later set has
// its item again (client/src/queue_screen.h).
struct HeldChange {
  std::string change_id;
  FieldKey key;
  std::string user;
  TimestampMs at = 0;
  std::string reason;
};

class Workspace {
 public:
  static Result<std::unique_ptr<Workspace>> create(const InitOptions& options);
  // `user_override`: attribute edits to this name instead of the one recorded at init.
  static Result<std::unique_ptr<Workspace>> open(const std::filesystem::path& dir,
                                                 const std::optional<std::string>& passphrase,
                                                 const std::optional<std::string>& user_override = {});

  const OdsCode& site() const { return site_; }
  const std::string& organisation_name() const { return name_; }
  AssessmentYear year() const { return year_; }
  const Catalogue& catalogue() const { return catalogue_; }
  Ledger& ledger() { return *ledger_; }
  Store& store() { return *store_; }
  const std::filesystem::path& dir() const { return dir_; }
  const std::string& device_id() const { return ledger_->identity().device; }
  // The HQ code of an enrolled store (empty for an offline one).
  Result<std::optional<std::string>> head_office_code();
  // The device's signing key (enrolled stores only).
  Result<crypto::SigningKeyPair> signing_key();

  // The assessment as the status rules see it: for a branch enrolled with head office, its
  // effective assessment (its own answers plus head office's shared ones it has not overridden).
  Result<AssessmentView> view();
  // With the year advice for this store (year_advice.h): an enrolled laptop follows head office, an
  // offline store imports and rolls forward itself.
  Result<Evaluation> progress(Date today);
  Result<YearAdvice> year_advice(Date today);

  Result<const CatalogueItem*> item(std::string_view id) const;       // not_found names close ids
  Result<const CatalogueAssertion*> assertion(std::string_view id) const;

  Result<std::vector<Change>> answer(std::string_view item_id, std::string_view value, std::string_view location,
                                     const std::optional<std::string>& comment);
  Result<Change> comment(std::string_view item_id, std::string_view text);
  Result<Change> clear(std::string_view item_id, Field field);
  Result<Change> confirm(std::string_view assertion_id, bool confirmed);
  Result<Change> set_owner(std::string_view assertion_id, std::string_view owner);
  Result<std::vector<Change>> set_profile(const std::vector<std::pair<std::string, std::string>>& entries);
  Result<std::vector<Change>> set_plan(std::string_view item_id, const std::optional<std::string>& action,
                                       const std::optional<std::string>& owner, const std::optional<std::string>& due,
                                       const std::optional<std::string>& state);
  // The plan lines of several items at once (plan_batch.h), in one transaction with record_edits'
  // checks: the same parts for each item named, or (generate_plan) a line for every mandatory item
  // not provided that has none yet. `items`: the items touched (none: nothing was recorded).
  struct PlanOutcome {
    std::vector<std::string> items;
    std::vector<Change> changes;
  };
  Result<PlanOutcome> set_plans(const std::vector<std::string>& items, const PlanParts& parts);
  Result<PlanOutcome> generate_plan(const PlanParts& parts);

  // Records edits prepared elsewhere (the web app of `dsptsync ui`) in one transaction, with the
  // checks the commands make: the role an enrolled store knows, this store's own assessment and
  // year only, a valid value, overrides only in a branch's store, and a shared item only after an
  // override.
  Result<std::vector<Change>> record_edits(const std::vector<Edit>& edits);

  // Open conflicts of this store's own assessment (merged text edits are not conflicts).
  Result<std::vector<Conflict>> conflicts();
  // Resolves the conflict of one field of an item or assertion: keep this device's value, the
  // other side's, or a new value. `field` may be omitted when only one field of it is in conflict.
  // The resolution is an edit like any other: based on every value it replaces.
  Result<Change> resolve(std::string_view id, const std::optional<std::string>& field, const std::optional<Keep>& keep,
                         const std::optional<std::string>& value);

  // Every change of an item (answer, comment, plan) or of an assertion (confirmation, owner), oldest first.
  Result<std::vector<HistoryEntry>> history(std::string_view id);

  Result<RollForwardReport> roll_forward(std::string_view to_year, bool dry_run);

  // Records (or with no reason withdraws) the branch's override of a shared item: why its practice
  // differs, after which the branch answers the item itself and head office sees the override.
  Result<Change> set_override(std::string_view item_id, const std::optional<std::string>& reason);

  // The publications head office told this device of at its last sync, oldest first.
  Result<std::vector<protocol::PublishedStatus>> published();
  Status keep_published(const std::vector<protocol::PublishedStatus>& published);
  // Follows head office to a later year it has rolled the organisation forward to: head office
  // carried this store's assessment already, so only `late_edits` (this device's edits of the old
  // year head office had not received then) are carried here, then the store moves to the year.
  Result<RollForwardReport> follow_year(std::string_view to_year, const std::vector<FieldKey>& late_edits);

  // ---- incidents (workspace_incidents.cpp): this site's own, docs/incidents.md ----
  // Records a new incident from what a person typed (incident_input.h), checked as a whole at `now`;
  // anyone enrolled for the site may, viewers included. Warnings (allowed, worth saying) come back
  // with it.
  Result<IncidentOutcome> record_incident(const IncidentInput& input, TimestampMs now);
  // Changes the given fields of one of this site's incidents (an empty text clears a field); closing
  // is `state` closed with `lessons_learned`. The permission rule is the one head office applies.
  Result<IncidentOutcome> edit_incident(std::string_view id, const IncidentInput& input, TimestampMs now);
  // Every incident of this site, every year, graded and with its clock at `now`, those needing
  // attention first (order_for_attention).
  Result<std::vector<GradedIncident>> incidents(TimestampMs now);
  Result<GradedIncident> incident(std::string_view id, TimestampMs now);
  // ---- the policy library (workspace_documents.cpp; docs/documents.md) ----
  // The library's files kept on this laptop, sealed with the store's key.
  files::FileStore& files() { return *files_; }
  // Head office's shared documents and this site's own, as last synced (or attached here).
  Result<std::vector<Document>> documents();
  Result<Document> document(std::string_view id);
  // Whether this laptop holds a version's whole file.
  bool holds(const Document& document, const files::Hash& root);
  // Attaches a new document of this site's own (evidence, a local procedure) with its first version,
  // offline: the file is kept here and goes up to head office at the next sync.
  Result<DocumentOutcome> attach_document(const DocumentInput& input, const DocumentUpload& upload);
  // A new version of one of this site's own documents.
  Result<DocumentOutcome> add_document_version(std::string_view id, const DocumentUpload& upload);
  // Records that this store's person has read and understood version `version` (the current one
  // without it), offline; it reaches head office at the next sync.
  Result<DocumentOutcome> acknowledge_document(std::string_view id, std::optional<int> version);
  // A version's file from this laptop (the current one without `version`). A version not held yet is
  // asked for at the next sync (an older one only when someone asks, here), and not_found says so.
  Result<DocumentFile> document_file(std::string_view id, std::optional<int> version);
  // What sync fetches after answers: the current version of every document (and every version asked
  // for) this laptop lacks, and what it sends: this site's own files head office has not confirmed.
  Result<std::vector<files::LibraryFile>> files_to_fetch();
  Result<std::vector<files::LibraryFile>> files_to_upload();
  // Head office holds this site's file: it is not offered again.
  Status mark_uploaded(const files::Hash& root);
  // Documents past or within 30 days of their review date.
  Result<std::vector<ReviewWarning>> review_warnings(Date today);
  // Who this store's person is, for an acknowledgement ("" on an offline store: its user).
  std::string person_name() const;

  // ---- the question set in force (workspace_question_sets.cpp) ----

  // The set in force for this store's year as kept: head office's, an offline store's own import, or
  // the shipped one (version 0, unsigned).
  Result<QuestionSet> question_set();
  // Keeps a set head office sent, once it checks out against the key pinned at enrolment; from then
  // on edits of its year are checked against it. False: it is the one already in force.
  Result<bool> accept_question_set(const QuestionSet& set);
  // Whether a set is signed by the head office this store enrolled with, and intact.
  Status check_question_set(const QuestionSet& set);
  // Queued changes the set in force refuses, oldest first.
  Result<std::vector<HeldChange>> held_changes();

  // Imports NHS England's official list (.xlsx, or saved as CSV) for a year on an offline store; it
  // replaces the set in force for that year. With `dry_run`, reads and compares it, changing nothing.
  Result<CatalogueImport> import_catalogue(const std::filesystem::path& file, std::string_view year,
                                           const std::string& category, bool dry_run = false);

 private:
  Workspace() = default;
  // An enrolled store knows its role: refuse here what head office would refuse anyway.
  Status check_role(Field field);
  // Who edits, as head office knows them: none for an offline store (its user may do everything).
  Result<std::optional<Person>> enrolled_person();
  // The incident's stored form, for an edit: its year and values, or not_found.
  Result<Incident> stored_incident(std::string_view id);
  Result<GradedIncident> record_incident_edits(const Incident& incident, const IncidentEdits& edits, TimestampMs now);
  // A branch does not edit what head office answers or confirms for it (check_not_shared in
  // assessment.h), unless it overrides the item first.
  Status check_not_shared(const FieldKey& key);
  // workspace_documents.cpp: checks and records a document's edits as head office will judge them.
  Result<DocumentOutcome> record_document_edits(const std::string& id, const std::string& year,
                                                std::vector<Edit> edits);
  Result<std::vector<Edit>> keep_version(const Document& document, const DocumentUpload& upload);
  // An answer's link to the library names a document this laptop can see (library_links.h).
  Status check_library_links(const std::vector<Edit>& edits);
  FieldKey key(TargetKind kind, std::string_view target, Field field) const;

  std::filesystem::path dir_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<Ledger> ledger_;
  crypto::SecretKey store_key_;
  std::optional<std::string> foreign_user_;  // --user naming someone else on an enrolled store
  OdsCode site_;
  std::string name_;
  AssessmentYear year_;
  Catalogue catalogue_;
  std::unique_ptr<files::FileStore> files_;
};

}  // namespace dsptsync::client
