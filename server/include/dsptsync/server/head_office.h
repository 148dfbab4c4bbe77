// The head office: the organisation, its branches and people, and the server's copy of every
// assessment. Shared by the admin commands of `dsptsync-server` and the sync service.
//
// Data folder: server.db (Store + Directory, SQLite) and server.key (the key that seals answers
// at rest) unless a passphrase is used. The server's identity key (Ed25519, what clients pin at
// enrolment) is kept sealed inside the database.
#pragma once

#include "dsptsync/catalogue.h"
#include "dsptsync/directory.h"
#include "dsptsync/evaluator.h"
#include "dsptsync/ledger.h"
#include "dsptsync/ods.h"
#include "dsptsync/protocol.h"
#include "dsptsync/store.h"

#include <chrono>
#include <filesystem>
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

struct IssuedInvite {
  Invite invite;
  std::string code;  // the one-time enrolment code to give the user; never stored
};

struct BranchProgress {
  Branch branch;
  Evaluation evaluation;
  std::int64_t changes = 0;           // changes the server holds for the branch
  std::optional<TimestampMs> last_change_at;
};

// The audit trail's check of one accepted push.
struct AuditCheck {
  AuditRecord record;
  bool verified = false;
  std::string problem;  // why it did not verify
};

// An open conflict in one of the organisation's assessments.
struct ScopedConflict {
  std::string scope;  // the branch's V code, or the HQ code
  FieldKey key;
  std::string group;  // the item's topic group, where it is an item
  FieldState state;   // its heads, winner first
};

class HeadOffice {
 public:
  static Result<std::unique_ptr<HeadOffice>> create(const HeadOfficeInit& init);
  static Result<std::unique_ptr<HeadOffice>> open(const std::filesystem::path& dir,
                                                  const std::optional<std::string>& passphrase);

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

  Status add_branch(std::string_view ods, std::string_view name);
  Status remove_branch(std::string_view ods);
  Result<IssuedInvite> invite(const InviteRequest& request);
  Status revoke_user(std::string_view name);
  // Every accepted push in the audit trail (after `after_batch`, at most `limit`), each checked: its
  // changes are read back from the log, their digest recomputed and the device's signature verified.
  Result<std::vector<AuditCheck>> audit(std::int64_t after_batch, std::size_t limit);
  // Open conflicts of every branch and of head office's own assessment (or one branch's).
  Result<std::vector<ScopedConflict>> conflicts(const std::optional<std::string>& branch);
  // Every branch's figures from the synced data (one entry per branch, optionally one branch).
  Result<std::vector<BranchProgress>> progress(const std::optional<std::string>& branch, Date today);

 private:
  HeadOffice() = default;
  // Reads the organisation, identity and catalogue back from an unlocked store (create and open).
  static Result<std::unique_ptr<HeadOffice>> load(const std::filesystem::path& dir, std::unique_ptr<Store> store,
                                                  crypto::SecretKey store_key);

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
