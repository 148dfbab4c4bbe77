// The HQ server's directory: branches, users, enrolment invites, devices and the publications made
// (docs/storage.md).
//
// An interface, like Store: SQLite (the same database file as the server's Store) is the embedded
// default; a PostgreSQL backend implements the same class for hosted deployments.
#pragma once

#include "dsptsync/bytes.h"
#include "dsptsync/error.h"
#include "dsptsync/permissions.h"
#include "dsptsync/protocol.h"
#include "dsptsync/time.h"
#include "dsptsync/tuning.h"

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <variant>
#include <string>
#include <vector>

namespace dsptsync {

struct Branch {
  std::string ods;   // V code
  std::string name;
  TimestampMs added_at = 0;
};

struct User {
  std::string name;    // unique in the organisation ("Sam Patel")
  std::string branch;  // the site the user works for; empty: head office
  protocol::Role role = protocol::Role::viewer;
  TimestampMs created_at = 0;
  std::optional<TimestampMs> revoked_at;
  bool head_office() const { return branch.empty(); }
  Person person() const { return Person{name, role, branch}; }  // as the permission rule sees them
};

struct Invite {
  std::string id;         // 8 hex characters
  std::string user;
  std::string branch;     // empty: head office
  protocol::Role role = protocol::Role::viewer;
  TimestampMs created_at = 0;
  TimestampMs expires_at = 0;
  std::optional<TimestampMs> used_at;
  std::string device_id;  // the device it enrolled, once used
};

struct Device {
  std::string id;
  std::string user;
  protocol::PublicKey public_key{};
  std::string name;
  TimestampMs enrolled_at = 0;
  std::optional<TimestampMs> revoked_at;
  std::optional<TimestampMs> last_synced_at;  // when it last signed in to sync (never: nullopt)
};

// A site's latest sync: which device of its people last signed in to sync with head office, and when.
struct DeviceSync {
  std::string device_id;
  std::string device_name;
  std::string user;
  TimestampMs at = 0;
};

// One site's entry in a publication: the status it published at and what that rested on.
struct PublishedSite {
  std::string ods;            // the branch's V code (or the HQ code)
  std::string name;
  std::string status;         // approaching | met | exceeded (evaluator.h to_string)
  std::string public_status;  // "21/22 Standards Met", as the public search shows it
  std::string answers_hash;   // BLAKE2b-256 hex of the effective assessment it rested on
  int mandatory_provided = 0;
  int mandatory_total = 0;
  int assertions_confirmed = 0;
  int assertions_total = 0;
};

// A publication: made once for the sites selected, each with its own status. Never changed after.
struct Publication {
  std::int64_t id = 0;        // assigned when recorded, from 1
  std::string year;           // "2021-22"
  TimestampMs published_at = 0;
  std::string published_by;   // the administrator's name
  std::int64_t log_seq = 0;   // the server's log position the answers were read at
  std::vector<PublishedSite> sites;
};

// What the public search shows for a site: its latest published status and date, nothing else.
struct PublicStatusRecord {
  std::string ods;
  std::string public_status;
  std::string year;
  TimestampMs published_at = 0;
  bool on_nhs_website = false;  // false: head office's own sign-off, not yet recorded as published there
};

// Head office's record that a site's assessment is published on the NHS toolkit website (the only
// publication CQC, commissioners and NHSmail see), entered by an administrator once it is done.
// Never changed after: a correction is a newer record of the same site and year.
struct NhsPublication {
  std::int64_t id = 0;        // assigned when recorded, from 1
  std::string ods;            // the branch's V code (or the HQ code)
  std::string name;           // the site's name when recorded
  std::string year;           // "2026-27"
  std::string published_on;   // ISO date, as the NHS website shows it
  std::string status;         // approaching | met | exceeded (evaluator.h to_string)
  std::string public_status;  // "26/27 Standards Met"
  TimestampMs recorded_at = 0;
  std::string recorded_by;  // the administrator's name; empty: the console without --as
};

// A user's web app password as kept: its Argon2id hash and when it was set (sessions older than
// that end: a new password signs everyone out who used the old one).
struct PasswordRecord {
  std::string hash;
  TimestampMs set_at = 0;
};

// Something head office did to a person, as kept in the people events (never changed once recorded).
struct PeopleEvent {
  std::int64_t seq = 0;
  TimestampMs at = 0;
  std::string action;  // revoked | reinstated | role_changed | password_link_issued | password_set
  std::string user;
  std::string by;      // the head office administrator; empty: the console, without --as
  std::string detail;  // role_changed: "member -> admin"; else empty
};

// A one-time link to set a web app password, as kept: the token itself only as its hash.
struct PasswordLink {
  std::string user;
  std::string issued_by;  // the head office administrator; empty: the console, without --as
  TimestampMs issued_at = 0;
  TimestampMs expires_at = 0;
  std::optional<TimestampMs> used_at;
  std::optional<TimestampMs> voided_at;  // a newer link for the same person was issued
  bool usable_at(TimestampMs now) const { return !used_at && !voided_at && now < expires_at; }
};

// Said for a set-password link that is unknown, used, expired, replaced or for a revoked person
// alike: whoever holds a bad link learns nothing from which it is.
inline constexpr std::string_view kPasswordLinkNotValid =
    "This link to set a password is not valid: it was used already, it has expired, or a newer one was sent. "
    "Ask your head office administrator for a new link";

// Why an enrolment code was refused.
struct RedeemRefusal {
  protocol::ErrorCode code = protocol::ErrorCode::enrolment_code_invalid;  // invalid, expired or used
  std::string reason;  // for the person enrolling: "the code expired on 2026-11-30; ask HQ for a new one"
};

class Directory {
 public:
  virtual ~Directory() = default;

  virtual Result<std::vector<Branch>> branches() = 0;
  virtual Result<std::optional<Branch>> branch(std::string_view ods) = 0;
  // refused if the branch exists already.
  virtual Status add_branch(const Branch& branch) = 0;
  // not_found if missing; refused while users of the branch are not revoked.
  virtual Status remove_branch(std::string_view ods) = 0;
  // Gives a branch a new name (its code, people, devices and answers stay); not_found if missing.
  virtual Status rename_branch(std::string_view ods, std::string_view name) = 0;

  virtual Result<std::vector<User>> users() = 0;
  virtual Result<std::optional<User>> user(std::string_view name) = 0;
  // Revokes the user and every device of theirs, recording a people event by `by`; not_found if
  // missing. `check` (permissions.h may_revoke) runs inside the same write transaction, so two
  // administrators revoking each other at once cannot both succeed and leave nobody: it gets the
  // user and how many other head office administrators are not revoked, and its refusal changes
  // nothing.
  using RevokeCheck = std::function<Status(const User& target, int other_active_admins)>;
  virtual Status revoke_user(std::string_view name, TimestampMs at, std::string_view by, const RevokeCheck& check) = 0;
  Status revoke_user(std::string_view name, TimestampMs at) { return revoke_user(name, at, "", {}); }
  // Lifts a user's revocation (their devices stay revoked: a lost laptop stays lost), recording a
  // people event by `by`. not_found if missing; refused if not revoked.
  virtual Status reinstate_user(std::string_view name, TimestampMs at, std::string_view by) = 0;
  // Every people event, oldest first.
  virtual Result<std::vector<PeopleEvent>> people_events() = 0;
  // The last people event's seq (0 when there is none). Every change that ends a person's sessions
  // (a revocation) records one, so a change of this number is the one to look for.
  virtual Result<std::int64_t> last_people_event() = 0;
  // Changes a user's role, recording a people event by `by` ("member -> admin"); not_found if
  // missing. `check` runs inside the write transaction, as revoke_user's does (the last head
  // office administrator cannot be demoted by two at once).
  using RoleCheck = std::function<Status(const User& target, int other_active_admins)>;
  virtual Status change_role(std::string_view name, protocol::Role role, TimestampMs at, std::string_view by,
                             const RoleCheck& check) = 0;

  // Records a set-password link (its token only as `token_hash`), voiding the user's older links
  // not used yet and recording a people event, in one transaction. not_found for an unknown user.
  virtual Status add_password_link(const PasswordLink& link, std::string_view token_hash) = 0;
  virtual Result<std::optional<PasswordLink>> password_link(std::string_view token_hash) = 0;
  // Atomically: the link is usable at `now` (known, neither used, voided nor expired, its user not
  // revoked), the password is set, the link marked used and a people event recorded. A link that
  // is not usable is refused (one message for every reason) and changes nothing.
  virtual Status use_password_link(std::string_view token_hash, std::string_view password_hash, TimestampMs now) = 0;

  // Records an invite; the secret is kept only as `secret_hash`.
  virtual Status add_invite(const Invite& invite, std::string_view secret_hash) = 0;
  virtual Result<std::vector<Invite>> invites() = 0;
  // Atomically: checks the invite exists, the secret hash matches, and it has neither expired nor
  // been used; creates the user if new; records the device; marks the invite used. A refusal
  // (unknown invite, wrong secret, expired, used, user revoked or enrolled elsewhere) changes
  // nothing and comes back as RedeemRefusal; an Error means the database failed.
  virtual Result<std::variant<User, RedeemRefusal>> redeem_invite(std::string_view invite_id,
                                                                 std::string_view secret_hash, const Device& device,
                                                                 TimestampMs now) = 0;

  virtual Result<std::optional<Device>> device(std::string_view id) = 0;
  virtual Result<std::vector<Device>> devices() = 0;
  // Notes that devices signed in to sync (head office's "last synced"), each at its time, in one
  // write: the sync service notes those of one round together, so a hundred laptops connecting at
  // once cost one commit. Devices no longer known are skipped.
  virtual Status record_syncs(const std::vector<std::pair<std::string, TimestampMs>>& syncs) = 0;
  // The latest sync of any device of a site's people: a branch's V code, or "" for head office's own
  // people. nullopt when none of them has synced.
  virtual Result<std::optional<DeviceSync>> last_sync_of(std::string_view branch) = 0;
  // The same for every site in one query (head office's dashboard), by site: "" for head office's
  // own people. Sites none of whose people has synced are left out.
  virtual Result<std::map<std::string, DeviceSync>> last_syncs() = 0;

  // Adds a user who works at the server itself (the HQ console, later the web app) rather than
  // through an enrolled device; refused if the name is taken.
  virtual Status add_user(const User& user) = 0;

  // The web app's password of a user (an Argon2id string, crypto::hash_password); setting one
  // replaces the last and records a password_set people event by `by` (empty: the console, without
  // --as), in one transaction. not_found when the user does not exist.
  virtual Status set_password(std::string_view user, std::string_view password_hash, TimestampMs at,
                              std::string_view by) = 0;
  virtual Result<std::optional<PasswordRecord>> password(std::string_view user) = 0;
  // Records a publication and its sites in one transaction; returns its id.
  virtual Result<std::int64_t> add_publication(const Publication& publication) = 0;
  // Every publication, oldest first, each with its sites.
  virtual Result<std::vector<Publication>> publications() = 0;
  // The newest publication that included the site, if any.
  virtual Result<std::optional<PublicStatusRecord>> latest_published_status(std::string_view ods) = 0;
  // The same for every site in one query, by site; sites never published are left out.
  virtual Result<std::map<std::string, PublicStatusRecord>> latest_published_statuses() = 0;

  // Records that a site is published on the NHS website; returns the record's id.
  virtual Result<std::int64_t> add_nhs_publication(const NhsPublication& record) = 0;
  // Every such record, oldest first; or one site's (from the (ods, record_id) index).
  virtual Result<std::vector<NhsPublication>> nhs_publications() = 0;
  virtual Result<std::vector<NhsPublication>> nhs_publications_of(std::string_view ods) = 0;
};

// The records in force: of each site and year the last one entered (a later record corrects an
// earlier), newest year first, then by site. Given one site's records, the first is what it shows.
std::vector<NhsPublication> current_nhs_publications(const std::vector<NhsPublication>& records);

// What the public look-up shows for a site: its latest publication on the NHS website when head
// office has recorded one, else head office's latest sign-off (marked as not on the NHS website).
Result<std::optional<PublicStatusRecord>> public_record(Directory& directory, std::string_view ods);

// `busy_timeout`: as SqliteStoreOptions' (the directory shares the server's database file).
Result<std::unique_ptr<Directory>> open_sqlite_directory(
    const std::filesystem::path& database, std::chrono::milliseconds busy_timeout = tuning::kSqliteBusyTimeout);

}  // namespace dsptsync
