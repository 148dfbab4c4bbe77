// The head office: the organisation, its branches and people, and the server's copy of every
// assessment. Shared by the admin commands of `dsptsync-server` and the sync service.
//
// Data folder: server.db (Store + Directory, SQLite) and server.key (the key that seals answers
// at rest) unless a passphrase is used. The server's identity key (Ed25519, what clients pin at
// enrolment) is kept sealed inside the database.
#pragma once

#include "dsptsync/catalogue.h"
#include "dsptsync/conflict.h"
#include "dsptsync/directory.h"
#include "dsptsync/document.h"
#include "dsptsync/evidence_pack.h"
#include "dsptsync/file_store.h"
#include "dsptsync/evaluator.h"
#include "dsptsync/incident_input.h"
#include "dsptsync/ledger.h"
#include "dsptsync/ods.h"
#include "dsptsync/protocol.h"
#include "dsptsync/question_set.h"
#include "dsptsync/official_list.h"
#include "dsptsync/profile_input.h"
#include "dsptsync/roll_forward.h"
#include "dsptsync/service/head_office_types.h"
#include "dsptsync/service/types.h"
#include "dsptsync/store.h"

#include <nlohmann/json_fwd.hpp>

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace dsptsync::server {

struct HeadOfficeInit {
  std::filesystem::path dir;
  std::string ods;   // HQ code (A***/C***) or 8-code
  std::string name;
  std::string year;  // "2021-22"
  std::optional<std::string> passphrase;  // Argon2id instead of a key file
};

struct InviteRequest {
  std::string user;
  std::string branch;  // V code; empty with head_office = true
  bool head_office = false;
  protocol::Role role = protocol::Role::member;
  std::chrono::seconds valid_for = std::chrono::hours(24 * 7);
};

using service::IssuedInvite;

class SiteFiguresCache;
struct SiteFigures;

struct BranchProgress {
  Branch branch;
  Evaluation evaluation;              // of its effective assessment (its own answers + shared ones)
  std::int64_t changes = 0;           // changes the server holds for the branch
  std::optional<TimestampMs> last_change_at;
  std::map<std::string, AnsweredValue> overrides;  // shared items it answers itself, with the reason
  std::optional<PublicStatusRecord> published;     // its latest sign-off, if any
  std::optional<NhsPublication> nhs_published;     // its latest publication on the NHS website, if recorded
  std::optional<DeviceSync> last_sync;             // the latest sync of any of its people's devices
};

// What a publish is asked and gives (service/types.h: every front-end shows them).
using service::PublishOutcome;
using service::PublishRequest;
using service::SiteReadiness;

struct OrganisationRollForward {
  RollForwardPlan plan;              // of the question set (the edits are not kept here)
  std::string from_year;
  std::string to_year;
  std::vector<std::pair<std::string, std::size_t>> scopes;  // each scope and how many values it carried
  std::size_t changes_recorded = 0;
  bool applied = false;
};

// An import of the official list at head office (docs/catalogue.md: head office's import).
struct QuestionSetImport {
  Catalogue catalogue;    // as read from the file, for its year
  std::string file;       // the file's name: the set's origin
  std::string category;   // the category read
  bool dry_run = false;   // say what would change; record nothing
  std::string confirm;    // the token a dry run gave: needed to drop items that hold answers
};

// The official list as a person hands it in (the console's file, the web app's upload).
struct OfficialListUpload {
  std::string bytes;      // the file as downloaded (.xlsx) or saved as CSV
  std::string file_name;  // its name: the set's origin
  std::string year;       // as typed: "2026-27"
  std::string category;   // as typed; empty: the one the file has
  bool dry_run = false;
  std::string confirm;    // the token a dry run gave
};

// An item or assertion the new set no longer has, where some assessment still holds something for it.
struct DroppedWithAnswers {
  std::string id;
  std::vector<std::string> scopes;  // the assessments holding it (V codes, the HQ code)
};

struct QuestionSetImportOutcome {
  QuestionSet in_force;                    // the set in force before (version 0: the shipped one)
  QuestionSet imported;                    // the new version, signed; stored when `applied`
  std::vector<TypeChange> type_changes;    // this import's: answers given before are kept, flagged for review
  std::map<std::string, std::vector<std::string>> to_review;  // item -> assessments whose answer is flagged
  std::vector<DroppedWithAnswers> dropped; // removed, yet holding answers: kept in the store, no longer shown
  std::string confirm_token;               // what `confirm` must be when `dropped` is not empty
  // What the list changes against the set it is compared with (the year's, else the organisation's
  // current year's): new, removed, reworded, retyped and re-flagged items, and the list's notes.
  QuestionSetDiff diff;
  bool unchanged = false;                  // the file holds the set in force already: nothing to import
  bool applied = false;
};

// The same for every front-end (docs/cli.md: rollforward): JSON, and the lines a person reads.
nlohmann::json to_json(const OrganisationRollForward& report);
std::vector<std::string> describe(const OrganisationRollForward& report);

// A branch as its list shows it (branch list, the web app's branches page).
struct BranchSummary {
  Branch branch;
  int active_users = 0;                         // its users not revoked
  std::optional<PublicStatusRecord> published;  // its latest sign-off, if any
  std::optional<TimestampMs> last_change_at;    // its newest change the server holds
};

// The same for every front-end (docs/cli.md: catalogue import): JSON, and the lines a person reads.
nlohmann::json to_json(const QuestionSetImportOutcome& outcome);
// Every year's set in force and every import, oldest first ({"in_force": [...], "imports": [...]}):
// what `dsptsync-server catalogue list --json` and the web app's GET /api/question-sets give.
nlohmann::json question_sets_json(const std::vector<QuestionSet>& in_force, const std::vector<StoredQuestionSet>& imports);
std::vector<std::string> describe(const QuestionSetImportOutcome& outcome);

// The audit trail's check of one accepted push.
struct AuditCheck {
  AuditRecord record;
  bool verified = false;
  std::string problem;  // why it did not verify
  // Sent unsigned and covered by none of the device's signatures: its connection ended before the
  // device signed it. Not a sign of tampering; its attribution rests on head office's record alone.
  bool never_signed = false;
  std::int64_t cover = 0;  // the AuditCover whose signature proves an unsigned push (0: none)
};

// Which incidents head office lists: one branch's (or head office's own, by its code) or every site's;
// open ones only (not closed) or all.
struct IncidentFilter {
  std::optional<std::string> branch;
  bool open_only = false;
};

// The library's files read on a connection of their own (HeadOffice::open_library_reader), for a thread
// other than the storage thread: it sees every commit and never writes.
struct LibraryReader {
  std::unique_ptr<Store> store;
  std::unique_ptr<Directory> directory;
  std::unique_ptr<files::FileStore> files;
};

// How much of its quota the library uses (docs/documents.md).
struct LibraryUsage {
  std::uint64_t stored_bytes = 0;  // every distinct file kept or being received
  std::uint64_t quota_bytes = 0;
};

class HeadOffice {
 public:
  static Result<std::unique_ptr<HeadOffice>> create(const HeadOfficeInit& init);
  static Result<std::unique_ptr<HeadOffice>> open(const std::filesystem::path& dir,
                                                  const std::optional<std::string>& passphrase);
  ~HeadOffice();

  const OdsCode& hq() const { return hq_; }
  const std::string& name() const { return name_; }
  AssessmentYear year() const { return year_; }
  const Catalogue& catalogue() const { return catalogue_; }
  const std::filesystem::path& dir() const { return dir_; }
  Store& store() { return *store_; }
  Directory& directory() { return *directory_; }
  Ledger& ledger() { return *ledger_; }
  const crypto::SigningKeyPair& identity() const { return identity_; }
  const crypto::SecretKey& store_key() const { return store_key_; }
  // Identifies this copy of the log; a restore from backup gives it a new one (protocol::Ready).
  const std::string& log_epoch() const { return log_epoch_; }

  // A consistent copy of the server's database, taken while it serves. Keep server.key apart.
  Status backup_to(const std::filesystem::path& file);
  // Replaces the data folder's database with a backup and gives the log a new epoch, so every
  // client resends its own changes at its next sync. Refused while a server serves the folder.
  static Status restore(const std::filesystem::path& dir, const std::filesystem::path& backup,
                        const std::optional<std::string>& passphrase);

  // The organisation's branches (head_office.cpp). Without `by`: the console, run by whoever holds
  // the data folder; with one, a head office administrator (may_act_for_organisation), as in the web
  // app. A branch's code is its ODS site code, checked; removing one keeps the rules of
  // Directory::remove_branch (its users revoked first) and the answers it synced stay in the log.
  Status add_branch(std::string_view ods, std::string_view name);
  Result<Branch> add_branch(const User& by, std::string_view ods, std::string_view name);
  Status rename_branch(std::string_view ods, std::string_view name);
  Result<Branch> rename_branch(const User& by, std::string_view ods, std::string_view name);
  Status remove_branch(std::string_view ods);
  Status remove_branch(const User& by, std::string_view ods);
  // Every branch with its people, latest sign-off and newest change, by code.
  Result<std::vector<BranchSummary>> branch_summaries();
  // A consistent backup of the server's database as a file to download (backup_to, into the data
  // folder and read back), named with the organisation's code and the date; administrators only.
  Result<service::Download> backup_download(const User& by);
  Result<IssuedInvite> invite(const InviteRequest& request);
  // The organisation's people (head_office_people.cpp): every user with their devices, the invites,
  // the branches, the revocations and reinstatements, and who has a web app password.
  Result<service::People> people();
  // Revokes a user and every device of theirs, as permissions.h may_revoke allows: `by` is the head
  // office administrator revoking (web app, --as); without one, the console, run by whoever holds
  // the data folder. Either way the last active head office administrator is never revoked.
  Result<service::Revocation> revoke_user(std::string_view name);
  Result<service::Revocation> revoke_user(const User& by, std::string_view name);
  // Lifts a revocation, so a mistake is never for ever: the person may sign in, act at the console
  // and be invited to enrol a new device again; their old devices stay revoked. Recorded in the
  // people events with who did it. `by` must be a head office administrator; without one, the
  // console. Names are normalised (normalise_name) as when they were stored.
  Result<service::Reinstatement> reinstate_user(std::string_view name);
  Result<service::Reinstatement> reinstate_user(const User& by, std::string_view name);
  // ---- web app passwords and roles (head_office_people.cpp); `by` is the head office
  // administrator acting (web app, --as), null for the console; recorded in the people events ----
  // A one-time link for an existing person (not revoked) to set their web app password, good for
  // limits.h kPasswordLinkHours; a new link voids their older ones not used yet. Their password, if
  // any, keeps working until the link is used, so a reset cannot lock anyone out before then.
  Result<service::IssuedPasswordLink> issue_password_link(const User* by, std::string_view name);
  // Adds a head office user (as add_console_user) and issues their first link.
  Result<service::IssuedPasswordLink> add_head_office_user(const User* by, std::string_view name, protocol::Role role);
  // Sets the password of the link's person, once, if it meets password_rules.h; returns their name.
  // A link not usable at `now` (unknown, used, expired, replaced, its person revoked) is refused with
  // kPasswordLinkNotValid whatever the reason, and nothing changes. Thread-safe (the directory only):
  // the web app runs it off the storage thread, like a sign-in.
  Result<std::string> set_password_with_link(std::string_view token, std::string_view password, TimestampMs now);
  // Sets the web app password of an existing person (not revoked) at the console ('user passwd'),
  // if it meets password_rules.h, recording a password_set people event as a link does. The password
  // comes from `read_password`, asked only once the person is known, so nobody types one in vain.
  Status set_password(const User* by, std::string_view name, const std::function<Result<std::string>()>& read_password);
  // Gives a person another role (may_change_role: nobody their own; never the last active head
  // office administrator away from admin). Each push of their devices is checked against the role of
  // the moment (sync_core_push.cpp), a watching device's next one included.
  Result<service::RoleChange> change_role(const User* by, std::string_view name, protocol::Role role);
  // Every accepted push in the audit trail (after `after_batch`, at most `limit`), each checked: its
  // changes are read back from the log, their digest recomputed and the device's signature verified.
  Result<std::vector<AuditCheck>> audit(std::int64_t after_batch, std::size_t limit);
  // Open conflicts of every branch and of head office's own assessment (or one branch's).
  Result<std::vector<service::Conflict>> conflicts(const std::optional<std::string>& branch);
  // Where every person of the organisation works: "Head office" or their branch's name (so a conflict
  // reads "Head office and Leeds disagree on ...").
  Result<Workplaces> workplaces();
  // Every branch's figures from the synced data (one entry per branch, optionally one branch).
  // Each evaluation carries the organisation's year advice (year_advice()).
  Result<std::vector<BranchProgress>> progress(const std::optional<std::string>& branch, Date today);
  // The same for every site, head office's own assessment first (its code and the organisation's
  // name as its branch): what the dashboard shows. Both keep each site's figures between calls and
  // evaluate again only the sites whose changes, head office's shared answers, question set, year or
  // day moved since (site_figures.h).
  Result<std::vector<BranchProgress>> site_progress(Date today);
  // How many sites' figures progress and site_progress evaluated (rather than reused) since this
  // HeadOffice opened, and how many it keeps: what shows the cache at work.
  std::size_t figures_evaluated() const;
  std::size_t figures_kept() const;
  // Which year it is, and what head office does when the organisation's year is past its deadline
  // (year_advice.h): with a set for the next year in force, roll forward; else import it first.
  YearAdvice year_advice(Date today);

  // Reads the organisation's year again (another process may have rolled it forward).
  Status refresh();

  // ---- head office's own work (docs/head-office.md) ----

  // The question set of a year: one imported into the server, else the shipped one.
  Result<Catalogue> catalogue_for(AssessmentYear year);
  // The scope an administrator names: a branch's V code (checked to be a branch here), or head
  // office's own assessment when `branch` is empty or the HQ code.
  Result<std::string> scope_of(const std::optional<std::string>& branch);
  // The assessment every status, figure and export works on: a branch's effective assessment, or
  // head office's own (with its shared items marked).
  Result<AssessmentView> effective_view(std::string_view scope, AssessmentYear year);
  // The same with what it was made from, read once: the question set of the year, the scope's own
  // field states (its conflicts with every head) and its own view (before shared answers).
  struct ScopeViews {
    Catalogue catalogue;
    AssessmentState own_state;
    AssessmentView own;
    AssessmentView effective;
  };
  Result<ScopeViews> scope_views(std::string_view scope, AssessmentYear year);
  // A user who acts at the server (the console; later the web app): an active head-office user.
  // The error says how to add one ('dsptsync-server user add').
  Result<User> acting_user(std::string_view name);
  Status add_console_user(std::string_view name, protocol::Role role);
  // Records edits made at the server by an HQ user, checked as a device's push would be (role,
  // scope, question set), in one transaction with an audit record signed by the server's identity.
  // Connected branches receive them through the running server (SyncCore notices the commit).
  Result<std::vector<Change>> edit_as(const User& user, const std::vector<Edit>& edits);
  // Head office's own organisation profile (head office's assessment of the organisation's year):
  // every branch's effective assessment uses its entries but the name and code. Setting entries is
  // an administrator's (may_act_for_organisation), recorded through edit_as.
  Result<std::map<std::string, std::string>> profile();
  Result<std::vector<Change>> set_profile(const User& by, const ProfileEntries& entries);

  // Publishes once for the sites asked (docs/head-office.md: the rules). Refused as a whole, with
  // every problem by site, when any site cannot be published; nothing is recorded then.
  Result<PublishOutcome> publish(const User& by, const PublishRequest& request, Date today);
  Result<std::vector<Publication>> publications();
  // One site's printable certificate of a publication (an empty `ods`: the publication's only site),
  // or which part of the request names nothing there.
  Result<service::CertificateLookup> certificate(std::int64_t publication, std::string_view ods);
  // Every change of an item (its answer, comment and plan) or an assertion in one assessment of the
  // organisation's year, oldest first, each with the value it replaced.
  Result<std::vector<service::HistoryRow>> history(std::string_view scope, std::string_view id);

  // ---- incidents (head_office_incidents.cpp): every site's, docs/incidents.md ----
  // Every site's incidents, or the filter's, graded with their clocks at `now`, those needing
  // attention first (the most overdue first).
  Result<std::vector<GradedIncident>> incidents(const IncidentFilter& filter, TimestampMs now);
  Result<GradedIncident> incident(std::string_view id, TimestampMs now);
  // Records a new incident of a site (`branch` empty: head office's own) as `by`, as a laptop does.
  Result<IncidentOutcome> record_incident(const User& by, const std::optional<std::string>& branch,
                                          const IncidentInput& input, TimestampMs now);
  // Changes an incident of any site as `by` (a reviewer; the ICO's reference; closing).
  Result<IncidentOutcome> edit_incident(const User& by, std::string_view id, const IncidentInput& input,
                                        TimestampMs now);
  // ---- the policy library (head_office_documents.cpp; docs/documents.md) ----
  // The library's files, sealed at rest with the store's key; sync serves and receives them.
  files::FileStore& files() { return *files_; }
  Result<LibraryReader> open_library_reader() const;
  Result<LibraryUsage> library_usage();
  // Sets the library's quota, as an administrator (`by`) or at the console (none). Refused below what
  // the library holds already (every upload would be refused) and outside limits::kMinFileQuotaBytes
  // to limits::kMaxFileQuotaBytes.
  Result<LibraryUsage> set_library_quota(const User* by, std::uint64_t quota_bytes);
  // Head office's shared documents and every branch's own; with `branch`, the shared ones and that
  // branch's (head office's code: the shared ones only).
  Result<std::vector<Document>> documents(const std::optional<std::string>& branch);
  Result<Document> document(std::string_view id);
  // A new document of head office's shared library (`branch` empty) or of one branch, with its first
  // version: the file is checked (check_upload), kept within the quota, then the document recorded as
  // `by` (permissions.h: may_keep_file, may_edit). Nothing is recorded when any check fails.
  Result<DocumentOutcome> add_document(const User& by, const std::optional<std::string>& branch,
                                       const DocumentInput& input, const DocumentUpload& upload);
  // A new version of a document: the latest becomes current unless one is pinned.
  Result<DocumentOutcome> add_document_version(const User& by, std::string_view id, const DocumentUpload& upload);
  // Title, kind, owner, review date or items.
  Result<DocumentOutcome> edit_document(const User& by, std::string_view id, const DocumentInput& input);
  // Makes version `number` current whatever is added later (0: the latest again).
  Result<DocumentOutcome> pin_document_version(const User& by, std::string_view id, int number);
  // A version's file (the current one without `version`); not_found while it has not arrived.
  Result<DocumentFile> document_file(std::string_view id, std::optional<int> version);
  // Who has acknowledged the document's current version, site by site, and who has not.
  Result<DocumentAcknowledgements> acknowledgements(std::string_view id);
  // Every document of the organisation past or within 30 days of its review date.
  Result<std::vector<ReviewWarning>> review_warnings(Date today);
  // Records that `by` has read and understood version `version` (the current one without it).
  Result<DocumentOutcome> acknowledge_document(const User& by, std::string_view id, std::optional<int> version);
  // The evidence pack of head office's own assessment (`branch` empty) or a branch's, for this year
  // (head_office_pack.cpp): its assessment workbook and the current version of every library
  // document linked to its items; a file not at head office yet is listed as missing.
  Result<EvidencePack> evidence_pack(const std::optional<std::string>& branch);

  // Records that a site's assessment is published on the NHS toolkit website (head_office_nhs.cpp):
  // an administrator's entry of the date and status the NHS website shows, checked (a site here, a
  // real date of that year and not in the future, a status the NHS website publishes), with warnings
  // where it differs from head office's sign-off. Never changed after: a correction is a new record.
  Result<service::NhsPublicationOutcome> record_nhs_publication(const User& by,
                                                                const service::NhsPublicationRequest& request,
                                                                Date today);
  // Every record, oldest first.
  Result<std::vector<NhsPublication>> nhs_publications();
  // A site's publications (every site's for an empty `ods`), for devices at their next sync.
  Result<std::vector<protocol::PublishedStatus>> published_statuses(std::string_view ods);
  // The server's log position when the organisation moved to the current year (0: it began there).
  Result<std::int64_t> year_started_seq();

  // ---- the question set in force (head_office_catalogue.cpp; docs/catalogue.md) ----

  // The set in force for a year, signed by this head office: the newest imported, else the shipped
  // one as version 0 (signed as it is read). not_found when there is neither.
  Result<QuestionSet> question_set_in_force(AssessmentYear year);
  // The set in force for every year that has one (shipped or imported), oldest year first.
  Result<std::vector<QuestionSet>> question_sets_in_force();
  // Every import, oldest first: who imported which file for which year, and when.
  Result<std::vector<StoredQuestionSet>> question_set_history();
  // Replaces the set in force for the import's year with the official list, as the next version,
  // signed; devices receive it at their next sync. Refused for a non-administrator, a year before
  // the organisation's or not started yet, and, unless `confirm` carries the dry run's token, a set
  // that drops items or assertions holding answers. Every answer stays in the store whatever the set.
  Result<QuestionSetImportOutcome> import_question_set(const User& by, const QuestionSetImport& request);
  // Reads the official list from what a person handed in and imports it as above: the one
  // operation behind `dsptsync-server catalogue import` and the web app's upload. A non-administrator
  // or a wrong year is refused before the file is read; a file that is not a whole list is refused
  // naming the row and column at fault. Nothing is imported and no laptop changes on any refusal.
  Result<QuestionSetImportOutcome> import_official_list(const User& by, const OfficialListUpload& upload);

  // Moves the organisation to a later year's question set: head office's assessment and every
  // branch's are carried forward here; devices follow at their next sync.
  Result<OrganisationRollForward> roll_forward(const User& by, AssessmentYear to, bool dry_run);

 private:
  HeadOffice() = default;
  // Reads the organisation, identity and catalogue back from an unlocked store (create and open).
  static Result<std::unique_ptr<HeadOffice>> load(const std::filesystem::path& dir, std::unique_ptr<Store> store,
                                                  crypto::SecretKey store_key);
  Result<service::Revocation> revoke_as(const Person* who, std::string_view name);
  Result<Branch> add_branch_as(const User* by, std::string_view ods, std::string_view name);
  Result<Branch> rename_branch_as(const User* by, std::string_view ods, std::string_view name);
  Status remove_branch_as(const User* by, std::string_view ods);
  Result<service::Reinstatement> reinstate_as(const User* by, std::string_view name);
  // head_office_progress.cpp
  Result<std::vector<BranchProgress>> progress_of(std::vector<Branch> sites, Date today, bool every_site);
  Result<std::vector<SiteFigures>> site_figures(const std::vector<std::string>& scopes, Date today);
  Result<IncidentOutcome> record_incident_edits(const User& by, const Incident& incident, const IncidentEdits& edits,
                                                TimestampMs now);
  // head_office_documents.cpp: keeps an upload's file for `scope` and gives the version's edits.
  Result<std::vector<Edit>> keep_version(const User& by, const Document& document, const DocumentUpload& upload);
  Result<DocumentOutcome> record_document_edits(const User& by, std::string_view id, const std::vector<Edit>& edits);
  Result<std::vector<PackedDocument>> packed_documents(const std::vector<const Document*>& linked);
  // An answer's link to the library names a document its site can see (library_links.h).
  Status check_library_links(const std::vector<Edit>& edits);

  std::filesystem::path dir_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<Directory> directory_;
  std::unique_ptr<Ledger> ledger_;
  crypto::SecretKey store_key_;
  std::string log_epoch_;
  crypto::SigningKeyPair identity_;
  OdsCode hq_;
  std::string name_;
  AssessmentYear year_;
  Catalogue catalogue_;
  std::int64_t question_sets_seq_ = 0;  // the newest set stored when catalogue_ was read (refresh)
  std::unique_ptr<SiteFiguresCache> figures_;
  std::unique_ptr<files::FileStore> files_;  // each site's figures, kept between progress calls
};

// Held by `serve` for as long as it serves a data folder (and by restore): a second server, or a
// restore under a running server, is refused instead of corrupting the folder.
class ServeLock {
 public:
  static Result<std::unique_ptr<ServeLock>> acquire(const std::filesystem::path& dir);
  ~ServeLock();
  ServeLock(const ServeLock&) = delete;
  ServeLock& operator=(const ServeLock&) = delete;

 private:
  explicit ServeLock(int fd) : fd_(fd) {}
  int fd_;
};

// SHA-style hash of an enrolment secret as kept in the invites table (BLAKE2b-256 hex).
std::string hash_enrolment_secret(std::string_view secret);

}  // namespace dsptsync::server
