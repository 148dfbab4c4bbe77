// SQLite implementation of Directory: the branches, users, invites and devices tables of the HQ
// server's database (created by open_sqlite_store's migration to schema 2; docs/storage.md).
//
// The Directory has its own connection to the same file as the Store, so the sync service can
// check a device while a push commits through the Store. Pragmas match sqlite_store.cpp: WAL,
// synchronous=FULL (a committed enrolment or revocation survives power loss), foreign keys,
// defensive mode. Every write runs in BEGIN IMMEDIATE, so two writers never deadlock on a lock
// upgrade; a mutex makes one Directory safe to share between threads (one connection, one
// statement cache).
#include "dsptsync/directory.h"
#include "dsptsync/platform.h"

#include <sodium.h>
#include "sqlite_support.h"

#include <sqlite3.h>

#include <map>
#include <mutex>

namespace dsptsync {
namespace {

using sqlite::kApplicationId;
using sqlite::Statement;
using sqlite::Use;

// The schema version that created the directory tables.
constexpr int kFirstDirectorySchema = 2;

// Said for an unknown invite and for a wrong secret alike, so a guesser cannot learn which
// invite ids exist.
constexpr std::string_view kInvalidCodeReason =
    "this enrolment code is not valid; check it was typed exactly as head office gave it, or ask head office "
    "for a new one";



std::string describe_branch(std::string_view branch) {
  return branch.empty() ? std::string("head office") : "branch " + std::string(branch);
}

class SqliteDirectory;

// BEGIN IMMEDIATE on construction; ROLLBACK on destruction unless commit() succeeded.
class WriteTransaction {
 public:
  explicit WriteTransaction(SqliteDirectory& directory) : directory_(directory) {}
  ~WriteTransaction();
  Status begin();
  Status commit();

 private:
  SqliteDirectory& directory_;
  bool open_ = false;
};

class SqliteDirectory final : public Directory {
 public:
  using Directory::revoke_user;
  SqliteDirectory(sqlite3* db, std::filesystem::path path) : db_(db), path_(std::move(path)) {}
  sqlite3* handle() const { return db_; }
  ~SqliteDirectory() override {
    statements_.clear();
    sqlite3_close_v2(db_);
  }

  // ---- plumbing ----

  Error failure(std::string_view what, std::string_view detail = {}) const {
    return sqlite::failure_of(db_, path_, what, detail);
  }

  Status exec(std::string_view sql) {
    char* message = nullptr;
    if (sqlite3_exec(db_, std::string(sql).c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
      std::string text = message ? message : sqlite3_errmsg(db_);
      sqlite3_free(message);
      return failure("running '" + std::string(sql.substr(0, 40)) + "'", text);
    }
    return {};
  }

  // Cached prepared statements, compiled once per connection.
  Result<Use> prepare(std::string_view sql) {
    auto found = statements_.find(sql);
    if (found == statements_.end()) {
      auto statement = std::make_unique<Statement>(db_, sql);
      if (!statement->get()) return failure("preparing a query");
      found = statements_.emplace(std::string(sql), std::move(statement)).first;
    }
    return Use(found->second->get());
  }

  Status step_done(Use& use, std::string_view what) {
    if (use.step() != SQLITE_DONE) return failure(what);
    return {};
  }

  Result<int> pragma_int(std::string_view pragma) {
    auto use = prepare(pragma);
    if (!use) return use.error();
    if (use->step() != SQLITE_ROW) return failure("reading the file header");
    return static_cast<int>(use->column_int(0));
  }

  // ---- row readers ----

  static Result<protocol::Role> role_of(const Use& row, int column, std::string_view whose) {
    auto role = protocol::parse_role(row.column_text(column));
    if (!role) return corrupt("the role recorded for " + std::string(whose) + " is damaged: " + role.error().message);
    return *role;
  }

  static Result<Branch> read_branch(const Use& row) {
    return Branch{row.column_text(0), row.column_text(1), row.column_int(2)};
  }

  static Result<User> read_user(const Use& row) {
    User user;
    user.name = row.column_text(0);
    user.branch = row.column_text(1);
    auto role = role_of(row, 2, "user '" + user.name + "'");
    if (!role) return role.error();
    user.role = *role;
    user.created_at = row.column_int(3);
    user.revoked_at = row.column_optional_int(4);
    return user;
  }

  static Result<Invite> read_invite(const Use& row) {
    Invite invite;
    invite.id = row.column_text(0);
    invite.user = row.column_text(1);
    invite.branch = row.column_text(2);
    auto role = role_of(row, 3, "invite " + invite.id);
    if (!role) return role.error();
    invite.role = *role;
    invite.created_at = row.column_int(4);
    invite.expires_at = row.column_int(5);
    invite.used_at = row.column_optional_int(6);
    invite.device_id = row.column_text(7);
    return invite;
  }

  static Result<Device> read_device(const Use& row) {
    Device device;
    device.id = row.column_text(0);
    device.user = row.column_text(1);
    const Bytes key = row.column_blob(2);
    if (key.size() != device.public_key.size())
      return corrupt("the public key recorded for device " + device.id + " is damaged (" +
                     std::to_string(key.size()) + " bytes instead of " + std::to_string(device.public_key.size()) +
                     ")");
    std::copy(key.begin(), key.end(), device.public_key.begin());
    device.name = row.column_text(3);
    device.enrolled_at = row.column_int(4);
    device.revoked_at = row.column_optional_int(5);
    device.last_synced_at = row.column_optional_int(6);
    return device;
  }

  template <class T, class Reader>
  Result<std::vector<T>> collect(Use& use, Reader reader, std::string_view what) {
    std::vector<T> out;
    int rc;
    while ((rc = use.step()) == SQLITE_ROW) {
      auto row = reader(use);
      if (!row) return row.error();
      out.push_back(std::move(*row));
    }
    if (rc != SQLITE_DONE) return failure(what);
    return out;
  }

  template <class T, class Reader>
  Result<std::optional<T>> collect_one(Use& use, Reader reader, std::string_view what) {
    const int rc = use.step();
    if (rc == SQLITE_DONE) return std::optional<T>();
    if (rc != SQLITE_ROW) return failure(what);
    auto row = reader(use);
    if (!row) return row.error();
    return std::optional<T>(std::move(*row));
  }

  // ---- unlocked queries, for use inside a public method that holds the mutex ----

  Result<std::optional<Branch>> find_branch(std::string_view ods) {
    auto use = prepare("SELECT ods, name, added_at FROM branches WHERE ods = ?1");
    if (!use) return use.error();
    use->text(1, ods);
    return collect_one<Branch>(*use, read_branch, "reading a branch");
  }

  Status record_people_event(TimestampMs at, std::string_view action, std::string_view user, std::string_view by,
                             std::string_view detail = {}) {
    auto use = prepare("INSERT INTO people_events(at, action, user, by, detail) VALUES(?1, ?2, ?3, ?4, ?5)");
    if (!use) return use.error();
    use->integer(1, at);
    use->text(2, action);
    use->text(3, user);
    use->text(4, by);
    // An empty view may have no data pointer, which SQLite would bind as NULL: bind "" itself.
    use->text(5, detail.empty() ? std::string_view("", 0) : detail);
    return step_done(*use, "recording a people event");
  }

  static Result<PasswordLink> read_password_link(const Use& row) {
    return PasswordLink{row.column_text(0), row.column_text(1),         row.column_int(2),
                        row.column_int(3),  row.column_optional_int(4), row.column_optional_int(5)};
  }

  Result<std::optional<PasswordLink>> find_password_link(std::string_view token_hash) {
    auto use = prepare(
        "SELECT user, issued_by, issued_at, expires_at, used_at, voided_at FROM password_links "
        "WHERE token_hash = ?1");
    if (!use) return use.error();
    use->text(1, token_hash);
    return collect_one<PasswordLink>(*use, read_password_link, "reading a set-password link");
  }

  Status run_with_text_and_time(std::string_view sql, std::string_view text, TimestampMs at, std::string_view what) {
    auto use = prepare(sql);
    if (!use) return use.error();
    use->text(1, text);
    use->integer(2, at);
    return step_done(*use, what);
  }

  Status write_password(std::string_view user, std::string_view password_hash, TimestampMs at) {
    auto use = prepare(
        "INSERT INTO passwords(user, hash, set_at) VALUES(?1, ?2, ?3) "
        "ON CONFLICT(user) DO UPDATE SET hash = excluded.hash, set_at = excluded.set_at");
    if (!use) return use.error();
    use->text(1, user);
    use->text(2, password_hash);
    use->integer(3, at);
    return step_done(*use, "setting a password");
  }

  // The user, or not_found saying where to look.
  Result<User> existing_user(std::string_view name) {
    auto existing = find_user(name);
    if (!existing) return existing.error();
    if (!*existing)
      return not_found("there is no user '" + std::string(name) + "'; 'dsptsync-server user list' shows the users");
    return **existing;
  }

  // Head office administrators not revoked, `name` left out.
  Result<int> other_active_admins(std::string_view name) {
    auto use = prepare("SELECT count(*) FROM users WHERE branch = '' AND role = 'admin' AND revoked_at IS NULL "
                       "AND name <> ?1");
    if (!use) return use.error();
    use->text(1, name);
    if (use->step() != SQLITE_ROW) return failure("counting head office administrators");
    return static_cast<int>(use->column_int(0));
  }

  Result<std::optional<User>> find_user(std::string_view name) {
    auto use = prepare("SELECT name, branch, role, created_at, revoked_at FROM users WHERE name = ?1");
    if (!use) return use.error();
    use->text(1, name);
    return collect_one<User>(*use, read_user, "reading a user");
  }

  Result<std::optional<Device>> find_device(std::string_view id) {
    auto use = prepare(
        "SELECT device_id, user, public_key, name, enrolled_at, revoked_at, last_synced_at FROM devices "
        "WHERE device_id = ?1");
    if (!use) return use.error();
    use->text(1, id);
    return collect_one<Device>(*use, read_device, "reading a device");
  }

  // ---- Directory ----

  Result<std::vector<Branch>> branches() override {
    std::lock_guard lock(mutex_);
    auto use = prepare("SELECT ods, name, added_at FROM branches ORDER BY ods");
    if (!use) return use.error();
    return collect<Branch>(*use, read_branch, "reading the branches");
  }

  Result<std::optional<Branch>> branch(std::string_view ods) override {
    std::lock_guard lock(mutex_);
    return find_branch(ods);
  }

  Status add_branch(const Branch& branch) override {
    std::lock_guard lock(mutex_);
    WriteTransaction txn(*this);
    if (auto s = txn.begin(); !s) return s;
    auto existing = find_branch(branch.ods);
    if (!existing) return existing.error();
    if (*existing)
      return refused("branch " + branch.ods + " is already registered (as \"" + (*existing)->name +
                     "\"); 'dsptsync-server branch list' shows the branches");
    auto use = prepare("INSERT INTO branches(ods, name, added_at) VALUES(?1, ?2, ?3)");
    if (!use) return use.error();
    use->text(1, branch.ods);
    use->text(2, branch.name);
    use->integer(3, branch.added_at);
    if (auto s = step_done(*use, "adding a branch"); !s) return s;
    return txn.commit();
  }

  Status remove_branch(std::string_view ods) override {
    std::lock_guard lock(mutex_);
    WriteTransaction txn(*this);
    if (auto s = txn.begin(); !s) return s;
    auto existing = find_branch(ods);
    if (!existing) return existing.error();
    if (!*existing)
      return not_found("there is no branch " + std::string(ods) + "; 'dsptsync-server branch list' shows the branches");
    std::string active;
    {
      auto use = prepare("SELECT name FROM users WHERE branch = ?1 AND revoked_at IS NULL ORDER BY name");
      if (!use) return use.error();
      use->text(1, ods);
      int rc;
      while ((rc = use->step()) == SQLITE_ROW) active += (active.empty() ? "" : ", ") + use->column_text(0);
      if (rc != SQLITE_DONE) return failure("reading the branch's users");
    }
    if (!active.empty())
      return refused("branch " + std::string(ods) + " still has users who are not revoked (" + active +
                     "); revoke them first with 'dsptsync-server user revoke NAME'");
    auto use = prepare("DELETE FROM branches WHERE ods = ?1");
    if (!use) return use.error();
    use->text(1, ods);
    if (auto s = step_done(*use, "removing a branch"); !s) return s;
    return txn.commit();
  }

  Status rename_branch(std::string_view ods, std::string_view name) override {
    std::lock_guard lock(mutex_);
    WriteTransaction txn(*this);
    if (auto s = txn.begin(); !s) return s;
    auto existing = find_branch(ods);
    if (!existing) return existing.error();
    if (!*existing)
      return not_found("there is no branch " + std::string(ods) + "; 'dsptsync-server branch list' shows the branches");
    auto use = prepare("UPDATE branches SET name = ?2 WHERE ods = ?1");
    if (!use) return use.error();
    use->text(1, ods);
    use->text(2, name);
    if (auto s = step_done(*use, "renaming a branch"); !s) return s;
    return txn.commit();
  }

  Result<std::vector<User>> users() override {
    std::lock_guard lock(mutex_);
    auto use = prepare("SELECT name, branch, role, created_at, revoked_at FROM users ORDER BY name");
    if (!use) return use.error();
    return collect<User>(*use, read_user, "reading the users");
  }

  Result<std::optional<User>> user(std::string_view name) override {
    std::lock_guard lock(mutex_);
    return find_user(name);
  }

  Status revoke_user(std::string_view name, TimestampMs at, std::string_view by, const RevokeCheck& check) override {
    std::lock_guard lock(mutex_);
    WriteTransaction txn(*this);
    if (auto s = txn.begin(); !s) return s;
    auto existing = existing_user(name);
    if (!existing) return existing.error();
    if (check) {
      auto others = other_active_admins(name);
      if (!others) return others.error();
      if (auto allowed = check(*existing, *others); !allowed) return allowed;
    }
    // coalesce: revoking again keeps the first revocation time, which the audit trail relies on.
    for (std::string_view sql : {"UPDATE users SET revoked_at = coalesce(revoked_at, ?2) WHERE name = ?1",
                                 "UPDATE devices SET revoked_at = coalesce(revoked_at, ?2) WHERE user = ?1"}) {
      auto use = prepare(sql);
      if (!use) return use.error();
      use->text(1, name);
      use->integer(2, at);
      if (auto s = step_done(*use, "revoking a user"); !s) return s;
    }
    if (!existing->revoked_at)
      if (auto s = record_people_event(at, "revoked", name, by); !s) return s;
    return txn.commit();
  }

  Status reinstate_user(std::string_view name, TimestampMs at, std::string_view by) override {
    std::lock_guard lock(mutex_);
    WriteTransaction txn(*this);
    if (auto s = txn.begin(); !s) return s;
    auto existing = existing_user(name);
    if (!existing) return existing.error();
    if (!existing->revoked_at) return refused("'" + std::string(name) + "' is not revoked; nothing to reinstate");
    auto use = prepare("UPDATE users SET revoked_at = NULL WHERE name = ?1");
    if (!use) return use.error();
    use->text(1, name);
    if (auto s = step_done(*use, "reinstating a user"); !s) return s;
    if (auto s = record_people_event(at, "reinstated", name, by); !s) return s;
    return txn.commit();
  }

  Result<std::int64_t> last_people_event() override {
    std::lock_guard lock(mutex_);
    auto use = prepare("SELECT coalesce(max(seq), 0) FROM people_events");
    if (!use) return use.error();
    if (sqlite3_step(use->get()) != SQLITE_ROW) return failure("reading the people events");
    return use->column_int(0);
  }

  Result<std::vector<PeopleEvent>> people_events() override {
    std::lock_guard lock(mutex_);
    auto use = prepare("SELECT seq, at, action, user, by, detail FROM people_events ORDER BY seq");
    if (!use) return use.error();
    return collect<PeopleEvent>(
        *use,
        [](const Use& row) -> Result<PeopleEvent> {
          return PeopleEvent{row.column_int(0),  row.column_int(1),  row.column_text(2),
                             row.column_text(3), row.column_text(4), row.column_text(5)};
        },
        "reading the people events");
  }

  Status change_role(std::string_view name, protocol::Role role, TimestampMs at, std::string_view by,
                     const RoleCheck& check) override {
    std::lock_guard lock(mutex_);
    WriteTransaction txn(*this);
    if (auto s = txn.begin(); !s) return s;
    auto existing = existing_user(name);
    if (!existing) return existing.error();
    if (check) {
      auto others = other_active_admins(name);
      if (!others) return others.error();
      if (auto allowed = check(*existing, *others); !allowed) return allowed;
    }
    if (existing->role == role) return {};  // nothing changes, nothing to record
    auto use = prepare("UPDATE users SET role = ?2 WHERE name = ?1");
    if (!use) return use.error();
    use->text(1, name);
    use->text(2, protocol::to_string(role));
    if (auto s = step_done(*use, "changing a role"); !s) return s;
    const std::string detail =
        std::string(protocol::to_string(existing->role)) + " -> " + std::string(protocol::to_string(role));
    if (auto s = record_people_event(at, "role_changed", name, by, detail); !s) return s;
    return txn.commit();
  }

  Status add_password_link(const PasswordLink& link, std::string_view token_hash) override {
    std::lock_guard lock(mutex_);
    WriteTransaction txn(*this);
    if (auto s = txn.begin(); !s) return s;
    if (auto existing = existing_user(link.user); !existing) return existing.error();
    if (auto s = run_with_text_and_time("UPDATE password_links SET voided_at = ?2 "
                                        "WHERE user = ?1 AND used_at IS NULL AND voided_at IS NULL",
                                        link.user, link.issued_at, "voiding older set-password links");
        !s)
      return s;
    auto use = prepare(
        "INSERT INTO password_links(token_hash, user, issued_by, issued_at, expires_at) "
        "VALUES(?1, ?2, ?3, ?4, ?5)");
    if (!use) return use.error();
    use->text(1, token_hash);
    use->text(2, link.user);
    use->text(3, link.issued_by);
    use->integer(4, link.issued_at);
    use->integer(5, link.expires_at);
    if (auto s = step_done(*use, "recording a set-password link"); !s) return s;
    if (auto s = record_people_event(link.issued_at, "password_link_issued", link.user, link.issued_by); !s) return s;
    return txn.commit();
  }

  Result<std::optional<PasswordLink>> password_link(std::string_view token_hash) override {
    std::lock_guard lock(mutex_);
    return find_password_link(token_hash);
  }

  Status use_password_link(std::string_view token_hash, std::string_view password_hash, TimestampMs now) override {
    std::lock_guard lock(mutex_);
    WriteTransaction txn(*this);
    if (auto s = txn.begin(); !s) return s;
    auto link = find_password_link(token_hash);
    if (!link) return link.error();
    if (!*link || !(*link)->usable_at(now)) return refused(std::string(kPasswordLinkNotValid));
    auto user = find_user((*link)->user);
    if (!user) return user.error();
    if (!*user || (*user)->revoked_at) return refused(std::string(kPasswordLinkNotValid));
    if (auto s = write_password((*link)->user, password_hash, now); !s) return s;
    if (auto s = run_with_text_and_time("UPDATE password_links SET used_at = ?2 WHERE token_hash = ?1", token_hash, now,
                                        "marking a set-password link used");
        !s)
      return s;
    // By the person themselves: only they hold the link's token.
    if (auto s = record_people_event(now, "password_set", (*link)->user, (*link)->user); !s) return s;
    return txn.commit();
  }

  Status add_invite(const Invite& invite, std::string_view secret_hash) override {
    std::lock_guard lock(mutex_);
    WriteTransaction txn(*this);
    if (auto s = txn.begin(); !s) return s;
    {
      auto use = prepare("SELECT 1 FROM invites WHERE invite_id = ?1");
      if (!use) return use.error();
      use->text(1, invite.id);
      const int rc = use->step();
      if (rc == SQLITE_ROW) return refused("an invite with id " + invite.id + " already exists");
      if (rc != SQLITE_DONE) return failure("reading the invites");
    }
    auto use = prepare("INSERT INTO invites(invite_id, secret_hash, user, branch, role, created_at, expires_at, "
                       "used_at, device_id) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
    if (!use) return use.error();
    use->text(1, invite.id);
    use->text(2, secret_hash);
    use->text(3, invite.user);
    use->text(4, invite.branch);
    use->text(5, protocol::to_string(invite.role));
    use->integer(6, invite.created_at);
    use->integer(7, invite.expires_at);
    use->optional_integer(8, invite.used_at);
    if (invite.device_id.empty()) sqlite3_bind_null(use->get(), 9);
    else use->text(9, invite.device_id);
    if (auto s = step_done(*use, "recording an invite"); !s) return s;
    return txn.commit();
  }

  Result<std::vector<Invite>> invites() override {
    std::lock_guard lock(mutex_);
    auto use = prepare("SELECT invite_id, user, branch, role, created_at, expires_at, used_at, device_id FROM invites "
                       "ORDER BY created_at, invite_id");
    if (!use) return use.error();
    return collect<Invite>(*use, read_invite, "reading the invites");
  }

  Result<std::variant<User, RedeemRefusal>> redeem_invite(std::string_view invite_id, std::string_view secret_hash,
                                                         const Device& device, TimestampMs now) override {
    using Outcome = std::variant<User, RedeemRefusal>;
    auto refusal = [](protocol::ErrorCode code, std::string reason) -> Result<Outcome> {
      return Outcome(RedeemRefusal{code, std::move(reason)});
    };
    std::lock_guard lock(mutex_);
    // Every check and write below happens in this one transaction: a refusal returns before
    // commit, so the destructor rolls back and nothing changes.
    WriteTransaction txn(*this);
    if (auto s = txn.begin(); !s) return s.error();

    std::optional<Invite> invite;
    std::string stored_hash;
    {
      auto use = prepare("SELECT invite_id, user, branch, role, created_at, expires_at, used_at, device_id, "
                         "secret_hash FROM invites WHERE invite_id = ?1");
      if (!use) return use.error();
      use->text(1, invite_id);
      const int rc = use->step();
      if (rc == SQLITE_ROW) {
        auto row = read_invite(*use);
        if (!row) return row.error();
        invite = std::move(*row);
        stored_hash = use->column_text(8);
      } else if (rc != SQLITE_DONE) {
        return failure("reading an invite");
      }
    }
    // Compare in constant time, and compare something even for an unknown invite, so neither
    // the answer nor its timing tells a guesser whether the invite id exists.
    if (!invite) stored_hash.assign(secret_hash.size(), '\0');
    const bool secret_matches = stored_hash.size() == secret_hash.size() && !secret_hash.empty() &&
                                sodium_memcmp(stored_hash.data(), secret_hash.data(), secret_hash.size()) == 0;
    if (!invite || !secret_matches)
      return refusal(protocol::ErrorCode::enrolment_code_invalid, std::string(kInvalidCodeReason));

    if (invite->used_at)
      return refusal(protocol::ErrorCode::enrolment_code_used,
                     "this enrolment code was already used on " + format_timestamp(*invite->used_at) +
                         "; each code enrols one device: ask head office for a new one");
    if (now >= invite->expires_at)
      return refusal(protocol::ErrorCode::enrolment_code_expired,
                     "this enrolment code expired on " + format_timestamp(invite->expires_at) +
                         "; ask head office for a new one");

    if (!invite->branch.empty()) {
      auto branch = find_branch(invite->branch);
      if (!branch) return branch.error();
      if (!*branch)
        return refusal(protocol::ErrorCode::enrolment_code_invalid,
                       "this enrolment code is for branch " + invite->branch +
                           ", which head office has since removed; ask head office for a new code");
    }

    auto existing = find_user(invite->user);
    if (!existing) return existing.error();
    User user;
    if (*existing) {
      user = **existing;
      if (user.revoked_at)
        return refusal(protocol::ErrorCode::enrolment_code_invalid,
                       "the user '" + user.name + "' this code is for was revoked on " +
                           format_timestamp(*user.revoked_at) + "; ask head office to reinstate them");
      if (user.branch != invite->branch || user.role != invite->role)
        return refusal(protocol::ErrorCode::enrolment_code_invalid,
                       "this code is for '" + user.name + "' as " + std::string(protocol::to_string(invite->role)) +
                           " of " + describe_branch(invite->branch) + ", but '" + user.name +
                           "' is already enrolled as " + std::string(protocol::to_string(user.role)) + " of " +
                           describe_branch(user.branch) + "; ask head office for a code that matches");
    } else {
      user = User{invite->user, invite->branch, invite->role, now, std::nullopt};
      auto use = prepare("INSERT INTO users(name, branch, role, created_at, revoked_at) VALUES(?1, ?2, ?3, ?4, NULL)");
      if (!use) return use.error();
      use->text(1, user.name);
      use->text(2, user.branch);
      use->text(3, protocol::to_string(user.role));
      use->integer(4, user.created_at);
      if (auto s = step_done(*use, "recording a user"); !s) return s.error();
    }

    auto clash = find_device(device.id);
    if (!clash) return clash.error();
    if (*clash)
      return refusal(protocol::ErrorCode::enrolment_code_invalid,
                     "a device with id " + device.id + " is already enrolled (for '" + (*clash)->user +
                         "'); enrol again from a new dsptsync store");
    {
      auto use = prepare("INSERT INTO devices(device_id, user, public_key, name, enrolled_at, revoked_at) "
                         "VALUES(?1, ?2, ?3, ?4, ?5, NULL)");
      if (!use) return use.error();
      use->text(1, device.id);
      use->text(2, user.name);
      use->blob(3, device.public_key);
      use->text(4, device.name);
      use->integer(5, now);
      if (auto s = step_done(*use, "recording a device"); !s) return s.error();
    }
    {
      auto use = prepare("UPDATE invites SET used_at = ?2, device_id = ?3 WHERE invite_id = ?1");
      if (!use) return use.error();
      use->text(1, invite->id);
      use->integer(2, now);
      use->text(3, device.id);
      if (auto s = step_done(*use, "marking an invite used"); !s) return s.error();
    }
    if (auto s = txn.commit(); !s) return s.error();
    return Outcome(std::move(user));
  }

  Result<std::optional<Device>> device(std::string_view id) override {
    std::lock_guard lock(mutex_);
    return find_device(id);
  }

  Result<std::vector<Device>> devices() override {
    std::lock_guard lock(mutex_);
    auto use = prepare(
        "SELECT device_id, user, public_key, name, enrolled_at, revoked_at, last_synced_at FROM devices "
        "ORDER BY enrolled_at, device_id");
    if (!use) return use.error();
    return collect<Device>(*use, read_device, "reading the devices");
  }

  Status record_syncs(const std::vector<std::pair<std::string, TimestampMs>>& syncs) override {
    if (syncs.empty()) return {};
    std::lock_guard lock(mutex_);
    WriteTransaction txn(*this);
    if (auto s = txn.begin(); !s) return s;
    for (const auto& [device_id, at] : syncs) {
      auto use = prepare("UPDATE devices SET last_synced_at = ?2 WHERE device_id = ?1");
      if (!use) return use.error();
      use->text(1, device_id);
      use->integer(2, at);
      if (auto s = step_done(*use, "noting a device's sync"); !s) return s;
    }
    return txn.commit();
  }

  Result<std::optional<DeviceSync>> last_sync_of(std::string_view branch) override {
    std::lock_guard lock(mutex_);
    auto use = prepare(
        "SELECT d.device_id, d.name, d.user, d.last_synced_at FROM devices d JOIN users u ON u.name = d.user "
        "WHERE u.branch = ?1 AND d.last_synced_at IS NOT NULL ORDER BY d.last_synced_at DESC, d.device_id LIMIT 1");
    if (!use) return use.error();
    use->text(1, branch);
    return collect_one<DeviceSync>(
        *use,
        [](const Use& row) -> Result<DeviceSync> {
          return DeviceSync{row.column_text(0), row.column_text(1), row.column_text(2), row.column_int(3)};
        },
        "reading the latest sync");
  }

  // Each site's rows newest first (the order last_sync_of breaks ties in): the first one is kept.
  Result<std::map<std::string, DeviceSync>> last_syncs() override {
    std::lock_guard lock(mutex_);
    auto use = prepare(
        "SELECT u.branch, d.device_id, d.name, d.user, d.last_synced_at FROM devices d JOIN users u ON u.name = d.user "
        "WHERE d.last_synced_at IS NOT NULL ORDER BY u.branch, d.last_synced_at DESC, d.device_id");
    if (!use) return use.error();
    std::map<std::string, DeviceSync> out;
    int rc;
    while ((rc = use->step()) == SQLITE_ROW)
      out.try_emplace(use->column_text(0),
                      DeviceSync{use->column_text(1), use->column_text(2), use->column_text(3), use->column_int(4)});
    if (rc != SQLITE_DONE) return failure("reading the latest syncs");
    return out;
  }

  Status add_user(const User& user) override {
    std::lock_guard lock(mutex_);
    WriteTransaction txn(*this);
    if (auto s = txn.begin(); !s) return s;
    auto existing = find_user(user.name);
    if (!existing) return existing.error();
    if (*existing)
      return refused("there is already a user called '" + user.name + "' (" + describe_branch((*existing)->branch) +
                     ", " + std::string(protocol::to_string((*existing)->role)) +
                     "); 'dsptsync-server user list' shows the users");
    auto use = prepare("INSERT INTO users(name, branch, role, created_at) VALUES(?1, ?2, ?3, ?4)");
    if (!use) return use.error();
    use->text(1, user.name);
    use->text(2, user.branch);
    use->text(3, protocol::to_string(user.role));
    use->integer(4, user.created_at);
    if (auto s = step_done(*use, "adding a user"); !s) return s;
    return txn.commit();
  }

  Status set_password(std::string_view user, std::string_view password_hash, TimestampMs at,
                      std::string_view by) override {
    std::lock_guard lock(mutex_);
    WriteTransaction txn(*this);
    if (auto s = txn.begin(); !s) return s;
    auto existing = find_user(user);
    if (!existing) return existing.error();
    if (!*existing)
      return not_found("there is no user '" + std::string(user) + "'; 'dsptsync-server user list' shows the users");
    if (auto s = write_password(user, password_hash, at); !s) return s;
    if (auto s = record_people_event(at, "password_set", user, by); !s) return s;
    return txn.commit();
  }

  Result<std::optional<PasswordRecord>> password(std::string_view user) override {
    std::lock_guard lock(mutex_);
    auto use = prepare("SELECT hash, set_at FROM passwords WHERE user = ?1");
    if (!use) return use.error();
    use->text(1, user);
    return collect_one<PasswordRecord>(
        *use,
        [](const Use& row) -> Result<PasswordRecord> { return PasswordRecord{row.column_text(0), row.column_int(1)}; },
        "reading a password");
  }

  Result<std::int64_t> add_publication(const Publication& publication) override {
    std::lock_guard lock(mutex_);
    WriteTransaction txn(*this);
    if (auto s = txn.begin(); !s) return s.error();
    auto use = prepare("INSERT INTO publications(year, published_at, published_by, log_seq) VALUES(?1, ?2, ?3, ?4)");
    if (!use) return use.error();
    use->text(1, publication.year);
    use->integer(2, publication.published_at);
    use->text(3, publication.published_by);
    use->integer(4, publication.log_seq);
    if (auto s = step_done(*use, "recording a publication"); !s) return s.error();
    const std::int64_t id = sqlite3_last_insert_rowid(db_);
    for (const auto& site : publication.sites) {
      auto insert = prepare(
          "INSERT INTO publication_sites(publication_id, ods, name, status, public_status, answers_hash, "
          "mandatory_provided, mandatory_total, assertions_confirmed, assertions_total) "
          "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
      if (!insert) return insert.error();
      insert->integer(1, id);
      insert->text(2, site.ods);
      insert->text(3, site.name);
      insert->text(4, site.status);
      insert->text(5, site.public_status);
      insert->text(6, site.answers_hash);
      insert->integer(7, site.mandatory_provided);
      insert->integer(8, site.mandatory_total);
      insert->integer(9, site.assertions_confirmed);
      insert->integer(10, site.assertions_total);
      if (auto s = step_done(*insert, "recording a publication's site"); !s) return s.error();
    }
    if (auto s = txn.commit(); !s) return s.error();
    return id;
  }

  Result<std::vector<Publication>> publications() override {
    std::lock_guard lock(mutex_);
    auto use = prepare("SELECT publication_id, year, published_at, published_by, log_seq FROM publications "
                       "ORDER BY publication_id");
    if (!use) return use.error();
    auto list = collect<Publication>(
        *use,
        [](const Use& row) -> Result<Publication> {
          return Publication{row.column_int(0), row.column_text(1), row.column_int(2), row.column_text(3),
                             row.column_int(4), {}};
        },
        "reading the publications");
    if (!list) return list.error();
    auto sites = prepare(
        "SELECT publication_id, ods, name, status, public_status, answers_hash, mandatory_provided, mandatory_total, "
        "assertions_confirmed, assertions_total FROM publication_sites ORDER BY publication_id, ods");
    if (!sites) return sites.error();
    std::map<std::int64_t, Publication*> by_id;
    for (auto& publication : *list) by_id[publication.id] = &publication;
    int rc;
    while ((rc = sites->step()) == SQLITE_ROW) {
      auto owner = by_id.find(sites->column_int(0));
      if (owner == by_id.end()) return corrupt("a published site names a publication that is not recorded");
      owner->second->sites.push_back(PublishedSite{
          sites->column_text(1), sites->column_text(2), sites->column_text(3), sites->column_text(4),
          sites->column_text(5), static_cast<int>(sites->column_int(6)), static_cast<int>(sites->column_int(7)),
          static_cast<int>(sites->column_int(8)), static_cast<int>(sites->column_int(9))});
    }
    if (rc != SQLITE_DONE) return failure("reading the published sites");
    return list;
  }

  Result<std::optional<PublicStatusRecord>> latest_published_status(std::string_view ods) override {
    std::lock_guard lock(mutex_);
    auto use = prepare(
        "SELECT s.ods, s.public_status, p.year, p.published_at FROM publication_sites s "
        "JOIN publications p ON p.publication_id = s.publication_id WHERE s.ods = ?1 "
        "ORDER BY p.publication_id DESC LIMIT 1");
    if (!use) return use.error();
    use->text(1, ods);
    return collect_one<PublicStatusRecord>(
        *use,
        [](const Use& row) -> Result<PublicStatusRecord> {
          return PublicStatusRecord{row.column_text(0), row.column_text(1), row.column_text(2), row.column_int(3)};
        },
        "reading a published status");
  }

  // Each site's publications newest first: the first one is kept.
  Result<std::map<std::string, PublicStatusRecord>> latest_published_statuses() override {
    std::lock_guard lock(mutex_);
    auto use = prepare(
        "SELECT s.ods, s.public_status, p.year, p.published_at FROM publication_sites s "
        "JOIN publications p ON p.publication_id = s.publication_id ORDER BY s.ods, p.publication_id DESC");
    if (!use) return use.error();
    std::map<std::string, PublicStatusRecord> out;
    int rc;
    while ((rc = use->step()) == SQLITE_ROW) {
      std::string ods = use->column_text(0);
      if (out.count(ods)) continue;
      out.emplace(ods, PublicStatusRecord{ods, use->column_text(1), use->column_text(2), use->column_int(3)});
    }
    if (rc != SQLITE_DONE) return failure("reading the published statuses");
    return out;
  }

  Result<std::int64_t> add_nhs_publication(const NhsPublication& record) override {
    std::lock_guard lock(mutex_);
    auto use = prepare(
        "INSERT INTO nhs_publications(ods, name, year, published_on, status, public_status, recorded_at, recorded_by) "
        "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
    if (!use) return use.error();
    use->text(1, record.ods);
    use->text(2, record.name);
    use->text(3, record.year);
    use->text(4, record.published_on);
    use->text(5, record.status);
    use->text(6, record.public_status);
    use->integer(7, record.recorded_at);
    use->text(8, record.recorded_by);
    if (auto s = step_done(*use, "recording an NHS publication"); !s) return s.error();
    return static_cast<std::int64_t>(sqlite3_last_insert_rowid(db_));
  }

  Result<std::vector<NhsPublication>> nhs_publications() override {
    std::lock_guard lock(mutex_);
    auto use = prepare(
        "SELECT record_id, ods, name, year, published_on, status, public_status, recorded_at, recorded_by "
        "FROM nhs_publications ORDER BY record_id");
    if (!use) return use.error();
    return collect<NhsPublication>(*use, read_nhs_publication, "reading the NHS publications");
  }

  Result<std::vector<NhsPublication>> nhs_publications_of(std::string_view ods) override {
    std::lock_guard lock(mutex_);
    auto use = prepare(
        "SELECT record_id, ods, name, year, published_on, status, public_status, recorded_at, recorded_by "
        "FROM nhs_publications WHERE ods = ?1 ORDER BY record_id");
    if (!use) return use.error();
    use->text(1, ods);
    return collect<NhsPublication>(*use, read_nhs_publication, "reading a site's NHS publications");
  }

  static Result<NhsPublication> read_nhs_publication(const Use& row) {
    return NhsPublication{row.column_int(0),  row.column_text(1), row.column_text(2),
                          row.column_text(3), row.column_text(4), row.column_text(5),
                          row.column_text(6), row.column_int(7),  row.column_text(8)};
  }

 private:
  sqlite3* db_;
  std::filesystem::path path_;
  std::mutex mutex_;
  std::map<std::string, std::unique_ptr<Statement>, std::less<>> statements_;
};

WriteTransaction::~WriteTransaction() {
  if (open_) (void)directory_.exec("ROLLBACK");
}

Status WriteTransaction::begin() {
  if (auto s = directory_.exec("BEGIN IMMEDIATE"); !s) return s;
  open_ = true;
  return {};
}

Status WriteTransaction::commit() {
  if (auto s = directory_.exec("COMMIT"); !s) return s;
  open_ = false;
  return {};
}

}  // namespace

Result<std::unique_ptr<Directory>> open_sqlite_directory(const std::filesystem::path& database,
                                                         std::chrono::milliseconds busy_timeout) {
  std::error_code ec;
  if (!std::filesystem::exists(database, ec))
    return not_found("there is no dsptsync database at " + platform::utf8_of(database) +
                     "; the directory lives in the server's database, created by 'dsptsync-server init'");
  auto raw = sqlite::open_connection(database, SQLITE_OPEN_READWRITE, "", busy_timeout);
  if (!raw) return raw.error();
  auto directory = std::make_unique<SqliteDirectory>(*raw, database);

  auto application = directory->pragma_int("PRAGMA application_id");
  if (!application) return application.error();
  if (*application != kApplicationId)
    return invalid_input(platform::utf8_of(database) + " is not a dsptsync database (it is some other file)");
  auto version = directory->pragma_int("PRAGMA user_version");
  if (!version) return version.error();
  if (*version < kFirstDirectorySchema)
    return store_error("the database " + platform::utf8_of(database) + " is at schema version " +
                       std::to_string(*version) + ", before the server directory existed (" +
                       std::to_string(kFirstDirectorySchema) + "); open it as a store first so it is upgraded");

  if (auto s = sqlite::set_up_for_writing(directory->handle(), database); !s) return s.error();
  return std::unique_ptr<Directory>(std::move(directory));
}

}  // namespace dsptsync
