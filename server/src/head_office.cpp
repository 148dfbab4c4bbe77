#include "dsptsync/server/head_office.h"

#include "site_figures.h"

#include "dsptsync/assessment.h"
#include "dsptsync/permissions.h"
#include "dsptsync/sqlite_store.h"
#include "dsptsync/store_keys.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <cctype>
#include <fstream>
#include <iterator>

namespace dsptsync::server {
namespace {

// Head office's database goes without the indexes only a laptop needs (sqlite_store.h).
SqliteStoreOptions head_office_store(bool create_if_missing = false) {
  return {.create_if_missing = create_if_missing, .laptop_indexes = false};
}

// Settings the server keeps in its store (docs/storage.md).
constexpr std::string_view kOdsSetting = "org.ods";
constexpr std::string_view kNameSetting = "org.name";
constexpr std::string_view kYearSetting = "org.year";
constexpr std::string_view kIdentitySetting = "server.identity";                // sealed secret key, hex
constexpr std::string_view kIdentityPublicSetting = "server.identity_public";  // hex, in the clear
constexpr std::string_view kDeviceSetting = "server.device";
constexpr std::string_view kLogEpochSetting = "server.log_epoch";
constexpr std::string_view kLockFile = "serve.lock";

constexpr std::string_view kDatabaseFile = "server.db";
constexpr std::string_view kKeyFile = "server.key";
// Who the server's own changes are attributed to (it records none today; the Ledger needs one).
constexpr std::string_view kServerUser = "HQ server";

// Longest user or organisation name accepted: long enough for any real name, short enough to
// keep listings and the wire readable.
constexpr std::size_t kMaxNameLength = 100;
// A random 32-bit invite id can collide with an earlier one; a fresh draw all but never does twice.
constexpr int kInviteIdAttempts = 5;

// Names appear in listings, audit records and other people's terminals: no control characters.
Result<std::string> checked_name(std::string_view raw, std::string_view what, std::string_view example) {
  std::string name = normalise_name(raw);
  if (name.empty()) return invalid_input(std::string(what) + " is empty; give one, e.g. " + std::string(example));
  if (name.size() > kMaxNameLength)
    return invalid_input(std::string(what) + " is " + std::to_string(name.size()) + " characters long; at most " +
                         std::to_string(kMaxNameLength) + " are accepted");
  if (std::any_of(name.begin(), name.end(), [](char c) { return std::iscntrl(static_cast<unsigned char>(c)); }))
    return invalid_input(std::string(what) + " contains control characters (tabs, new lines...); type it on one line");
  return name;
}

Result<std::string> required_setting(Store& store, std::string_view name) {
  auto value = store.setting(name);
  if (!value) return value.error();
  if (!*value)
    return corrupt("the server's database has no '" + std::string(name) +
                   "'; it was not made by 'dsptsync-server init' or is damaged (restore it from a backup)");
  return **value;
}

// Overwrites secret bytes before their memory is released; volatile so the stores are not dropped.
void wipe(Bytes& bytes) {
  volatile std::uint8_t* data = bytes.data();
  for (std::size_t i = 0; i < bytes.size(); ++i) data[i] = 0;
}

// Removes what a failed `create` made, so the next attempt starts clean instead of finding a
// half-made data folder it must refuse. Only files this attempt created are touched.
class CreationCleanup {
 public:
  CreationCleanup(std::filesystem::path dir, bool dir_was_created) : dir_(std::move(dir)), dir_created_(dir_was_created) {}
  ~CreationCleanup() {
    if (done_) return;
    std::error_code ec;
    for (const std::string suffix : {"", "-wal", "-shm", "-journal"})
      std::filesystem::remove(dir_ / (std::string(kDatabaseFile) + suffix), ec);
    if (key_file_created_) std::filesystem::remove(dir_ / kKeyFile, ec);
    if (dir_created_) std::filesystem::remove(dir_, ec);  // only succeeds when empty
  }
  void key_file_created() { key_file_created_ = true; }
  void succeeded() { done_ = true; }

 private:
  std::filesystem::path dir_;
  bool dir_created_;
  bool key_file_created_ = false;
  bool done_ = false;
};

}  // namespace

std::string hash_enrolment_secret(std::string_view secret) { return crypto::hash_hex(as_bytes(secret)); }

Result<std::unique_ptr<HeadOffice>> HeadOffice::create(const HeadOfficeInit& init) {
  // Everything that can be checked is checked before anything is written.
  auto hq = parse_head_office_code(init.ods);
  if (!hq) return hq.error();
  auto year = parse_assessment_year(init.year);
  if (!year) return year.error();
  if (auto catalogue = shipped_catalogue(*year); !catalogue) return catalogue.error();
  auto name = checked_name(init.name, "the organisation name", "--name \"Acme Care Group\"");
  if (!name) return name.error();
  if (init.passphrase && init.passphrase->empty())
    return invalid_input("the passphrase is empty; set DSPTSYNC_SERVER_PASSPHRASE to a real passphrase, or unset it "
                         "to use a key file");
  if (auto s = crypto::initialise(); !s) return s.error();

  const auto database = init.dir / kDatabaseFile;
  std::error_code ec;
  if (std::filesystem::exists(database, ec))
    return refused("head office data already exists in " + init.dir.string() +
                   "; use it as it is, or choose another folder with --data");
  if (!init.passphrase && std::filesystem::exists(init.dir / kKeyFile, ec))
    return refused("the data folder " + init.dir.string() + " already holds a key file (" + std::string(kKeyFile) +
                   ") but no database; move the key file away if it no longer seals anything, or choose another "
                   "folder with --data");
  const bool dir_existed = std::filesystem::exists(init.dir, ec);
  std::filesystem::create_directories(init.dir, ec);
  if (ec) return io_error("cannot create the data folder " + init.dir.string() + ": " + ec.message());
  CreationCleanup cleanup(init.dir, !dir_existed);
  // The folder holds the key file and every branch's answers: only the server's account may read it.
  std::filesystem::permissions(init.dir, std::filesystem::perms::owner_all, ec);
  if (ec) return io_error("cannot restrict the data folder " + init.dir.string() + " to its owner: " + ec.message());

  auto store = open_sqlite_store(database, head_office_store(true));
  if (!store) return store.error();
  auto key = create_store_key(**store, {init.dir / kKeyFile, init.passphrase});
  if (!init.passphrase) cleanup.key_file_created();
  if (!key) return key.error();

  // The identity clients pin at enrolment. Its secret half is sealed with the store key (bound to
  // its setting's name), so a copy of the database alone cannot impersonate head office.
  const crypto::SigningKeyPair identity = crypto::SigningKeyPair::generate();
  const Bytes sealed_identity = crypto::seal(*key, identity.secret_key, kIdentitySetting);
  const std::string device = crypto::random_hex(8);

  auto txn = (*store)->begin();
  if (!txn) return txn.error();
  const std::pair<std::string_view, std::string> settings[] = {
      {kOdsSetting, hq->code},
      {kNameSetting, *name},
      {kYearSetting, year->label()},
      {kIdentitySetting, crypto::to_hex(sealed_identity)},
      {kIdentityPublicSetting, crypto::to_hex(identity.public_key)},
      {kDeviceSetting, device},
  };
  for (const auto& [setting, value] : settings)
    if (auto s = (*txn)->put_setting(setting, value); !s) return s.error();
  if (auto s = (*txn)->commit(); !s) return s.error();

  auto head_office = load(init.dir, std::move(*store), *key);
  if (!head_office) return head_office.error();
  cleanup.succeeded();
  return head_office;
}

Result<std::unique_ptr<HeadOffice>> HeadOffice::open(const std::filesystem::path& dir,
                                                     const std::optional<std::string>& passphrase) {
  const auto database = dir / kDatabaseFile;
  std::error_code ec;
  if (!std::filesystem::exists(database, ec))
    return not_found("there is no head office data in " + dir.string() +
                     "; create it with 'dsptsync-server init --ods A1B2 --name \"...\" --year 2021-22', or choose "
                     "the folder with --data (or DSPTSYNC_SERVER_DATA)");
  auto store = open_sqlite_store(database, head_office_store());
  if (!store) return store.error();
  auto key = unlock_store(**store, {dir / kKeyFile, passphrase});
  if (!key) {
    // unlock_store speaks of the branch client's variable; say the server's instead.
    if (key.error().kind == ErrorKind::refused && !passphrase && !std::filesystem::exists(dir / kKeyFile, ec))
      return refused("the head office data in " + dir.string() +
                     " is sealed with a passphrase; set DSPTSYNC_SERVER_PASSPHRASE to it");
    if (key.error().kind == ErrorKind::refused && passphrase)
      return refused("the passphrase (DSPTSYNC_SERVER_PASSPHRASE) is wrong for the head office data in " +
                     dir.string());
    return key.error();
  }
  return load(dir, std::move(*store), *key);
}

Result<LibraryReader> HeadOffice::open_library_reader() const {
  const auto database = dir_ / kDatabaseFile;
  auto store = open_sqlite_store(database, {.laptop_indexes = false, .read_only = true});
  if (!store) return store.error();
  auto directory = open_sqlite_directory(database);
  if (!directory) return directory.error();
  auto files = std::make_unique<files::FileStore>(**store, store_key_);
  return LibraryReader{std::move(*store), std::move(*directory), std::move(files)};
}

HeadOffice::~HeadOffice() = default;  // here, where the figures cache is a complete type

Result<std::unique_ptr<HeadOffice>> HeadOffice::load(const std::filesystem::path& dir, std::unique_ptr<Store> store,
                                                     crypto::SecretKey store_key) {
  std::unique_ptr<HeadOffice> office(new HeadOffice());
  office->dir_ = dir;
  office->figures_ = std::make_unique<SiteFiguresCache>();
  Store& s = *store;

  auto ods = required_setting(s, kOdsSetting);
  if (!ods) return ods.error();
  auto hq = parse_head_office_code(*ods);
  if (!hq) return corrupt("the organisation's HQ code in the server's database is damaged: " + hq.error().message);
  auto name = required_setting(s, kNameSetting);
  if (!name) return name.error();
  auto year_text = required_setting(s, kYearSetting);
  if (!year_text) return year_text.error();
  auto year = parse_assessment_year(*year_text);
  if (!year) return corrupt("the assessment year in the server's database is damaged: " + year.error().message);
  auto device = required_setting(s, kDeviceSetting);
  if (!device) return device.error();

  auto sealed_hex = required_setting(s, kIdentitySetting);
  if (!sealed_hex) return sealed_hex.error();
  auto public_hex = required_setting(s, kIdentityPublicSetting);
  if (!public_hex) return public_hex.error();
  auto sealed = crypto::from_hex(*sealed_hex);
  if (!sealed) return corrupt("the server identity in the database is damaged: " + sealed.error().message);
  auto secret = crypto::open(store_key, *sealed, kIdentitySetting);
  if (!secret) return corrupt("the server identity in the database cannot be opened: " + secret.error().message);
  auto public_key = crypto::from_hex(*public_hex);
  crypto::SigningKeyPair identity;
  const bool sizes_ok = secret->size() == identity.secret_key.size() && public_key &&
                        public_key->size() == identity.public_key.size();
  // An Ed25519 secret key (libsodium's form) ends with its public key: the clear copy must match.
  const bool halves_match =
      sizes_ok && std::equal(public_key->begin(), public_key->end(), secret->begin() + crypto::kPublicKeyBytes);
  if (!halves_match) {
    wipe(*secret);
    return corrupt("the server identity in the database is damaged (its public key does not match the sealed "
                   "secret key); restore the database from a backup");
  }
  std::copy(secret->begin(), secret->end(), identity.secret_key.begin());
  std::copy(public_key->begin(), public_key->end(), identity.public_key.begin());
  wipe(*secret);

  auto epoch = s.setting(kLogEpochSetting);
  if (!epoch) return epoch.error();
  if (!*epoch) {  // data made before epochs existed: give it one
    auto txn = s.begin();
    if (!txn) return txn.error();
    *epoch = crypto::random_hex(8);
    if (auto put = (*txn)->put_setting(kLogEpochSetting, **epoch); !put) return put.error();
    if (auto committed = (*txn)->commit(); !committed) return committed.error();
  }
  office->log_epoch_ = **epoch;

  auto sets_seq = s.last_question_set_seq();
  if (!sets_seq) return sets_seq.error();
  auto catalogue = catalogue_in_store(s, *year);
  if (!catalogue) return catalogue.error();
  auto directory = open_sqlite_directory(dir / kDatabaseFile);
  if (!directory) return directory.error();

  office->hq_ = *hq;
  office->name_ = *name;
  office->year_ = *year;
  office->catalogue_ = std::move(*catalogue);
  office->question_sets_seq_ = *sets_seq;
  office->identity_ = identity;
  office->store_key_ = store_key;
  office->store_ = std::move(store);
  office->directory_ = std::move(*directory);
  office->ledger_ = std::make_unique<Ledger>(*office->store_, store_key, Identity{std::string(kServerUser), *device});
  office->files_ = std::make_unique<files::FileStore>(*office->store_, store_key);
  return office;
}

namespace {

// The console (no `by`) acts for whoever holds the data folder; anyone else must be a head office
// administrator.
Status may_act(const User* by, std::string_view what) {
  return by ? may_act_for_organisation(by->person(), what) : Status{};
}

}  // namespace

Status HeadOffice::add_branch(std::string_view ods, std::string_view name) {
  auto added = add_branch_as(nullptr, ods, name);
  if (!added) return added.error();
  return {};
}

Result<Branch> HeadOffice::add_branch(const User& by, std::string_view ods, std::string_view name) {
  return add_branch_as(&by, ods, name);
}

Result<Branch> HeadOffice::add_branch_as(const User* by, std::string_view ods, std::string_view name) {
  if (auto allowed = may_act(by, "add branches"); !allowed) return allowed.error();
  auto site = parse_site_code(ods);
  if (!site) return site.error();
  auto branch_name = checked_name(name, "the branch name", "--name \"Leeds\"");
  if (!branch_name) return branch_name.error();
  Branch branch{site->code, *branch_name, now_ms()};
  if (auto added = directory_->add_branch(branch); !added) return added.error();
  return branch;
}

Status HeadOffice::rename_branch(std::string_view ods, std::string_view name) {
  auto renamed = rename_branch_as(nullptr, ods, name);
  if (!renamed) return renamed.error();
  return {};
}

Result<Branch> HeadOffice::rename_branch(const User& by, std::string_view ods, std::string_view name) {
  return rename_branch_as(&by, ods, name);
}

Result<Branch> HeadOffice::rename_branch_as(const User* by, std::string_view ods, std::string_view name) {
  if (auto allowed = may_act(by, "rename branches"); !allowed) return allowed.error();
  auto site = parse_site_code(ods);
  if (!site) return site.error();
  auto branch_name = checked_name(name, "the branch name", "--name \"Leeds\"");
  if (!branch_name) return branch_name.error();
  if (auto renamed = directory_->rename_branch(site->code, *branch_name); !renamed) return renamed.error();
  auto branch = directory_->branch(site->code);
  if (!branch) return branch.error();
  if (!*branch)
    return not_found("there is no branch " + site->code + "; 'dsptsync-server branch list' shows the branches");
  return **branch;
}

Status HeadOffice::remove_branch(std::string_view ods) { return remove_branch_as(nullptr, ods); }

Status HeadOffice::remove_branch(const User& by, std::string_view ods) { return remove_branch_as(&by, ods); }

Status HeadOffice::remove_branch_as(const User* by, std::string_view ods) {
  if (auto allowed = may_act(by, "remove branches"); !allowed) return allowed.error();
  auto site = parse_site_code(ods);
  if (!site) return site.error();
  return directory_->remove_branch(site->code);
}

Result<std::vector<BranchSummary>> HeadOffice::branch_summaries() {
  auto branches = directory_->branches();
  if (!branches) return branches.error();
  auto users = directory_->users();
  if (!users) return users.error();
  std::vector<BranchSummary> out;
  for (auto& branch : *branches) {
    BranchSummary summary{std::move(branch), 0, std::nullopt, std::nullopt};
    for (const auto& user : *users) summary.active_users += user.branch == summary.branch.ods && !user.revoked_at;
    auto published = directory_->latest_published_status(summary.branch.ods);
    if (!published) return published.error();
    summary.published = *published;
    auto changes = store_->scope_summary(summary.branch.ods);
    if (!changes) return changes.error();
    if (changes->changes > 0) summary.last_change_at = hlc_wall_ms(changes->newest);
    out.push_back(std::move(summary));
  }
  return out;
}

Result<service::Download> HeadOffice::backup_download(const User& by) {
  if (auto allowed = may_act_for_organisation(by.person(), "download a backup of the server"); !allowed)
    return allowed.error();
  // Written beside the database (the same file system, the folder's own mode 0700), read, removed.
  const auto staged = dir_ / ("backup-download-" + crypto::random_hex(8) + ".db");
  if (auto written = backup_to(staged); !written) return written.error();
  std::ifstream in(staged, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const bool read = !in.bad();
  in.close();
  std::error_code ec;
  std::filesystem::remove(staged, ec);
  if (!read) return io_error("cannot read the backup just written to " + staged.string());
  return service::Download{hq_.code + "-backup-" + date_of(now_ms()).iso() + ".db", "application/vnd.sqlite3",
                           std::move(bytes)};
}

Result<IssuedInvite> HeadOffice::invite(const InviteRequest& request) {
  auto user_name = checked_name(request.user, "the user's name", "--user \"Sam Patel\"");
  if (!user_name) return user_name.error();
  if (!protocol::role_in_range(request.role)) return invalid_input("the role must be admin, member or viewer");
  if (request.valid_for.count() < 0) return invalid_input("an invite cannot be valid for a negative time");

  std::string branch;
  if (request.head_office) {
    if (!normalise_name(request.branch).empty())
      return invalid_input("an invite is either for a branch (--branch) or for head office (--hq), not both");
  } else {
    if (normalise_name(request.branch).empty())
      return invalid_input("say which branch the user works for (--branch VLAXL), or --hq for head office staff");
    auto site = parse_site_code(request.branch);
    if (!site) return site.error();
    auto known = directory_->branch(site->code);
    if (!known) return known.error();
    if (!*known)
      return not_found("there is no branch " + site->code + "; add it first with 'dsptsync-server branch add " +
                       site->code + " --name NAME'");
    branch = site->code;
  }

  // Refuse now what enrolment would refuse later, while the administrator is still at the keyboard.
  auto existing = directory_->user(*user_name);
  if (!existing) return existing.error();
  if (*existing) {
    const User& user = **existing;
    if (user.revoked_at)
      return refused("'" + user.name + "' was revoked on " + format_timestamp(*user.revoked_at) +
                     "; reinstate them first ('dsptsync-server user reinstate \"" + user.name +
                     "\"') to invite them to enrol a new device");
    if (user.branch != branch || user.role != request.role)
      return refused("'" + user.name + "' is already enrolled as " + std::string(protocol::to_string(user.role)) +
                     " of " + (user.head_office() ? std::string("head office") : "branch " + user.branch) +
                     "; an invite for another device must use the same branch and role");
  }

  const TimestampMs now = now_ms();
  const auto valid_ms = std::chrono::duration_cast<std::chrono::milliseconds>(request.valid_for).count();
  for (int attempt = 0; attempt < kInviteIdAttempts; ++attempt) {
    Invite invite{crypto::random_hex(4), *user_name, branch, request.role, now, now + valid_ms, std::nullopt, ""};
    const std::string secret = crypto::random_hex(10);
    auto added = directory_->add_invite(invite, hash_enrolment_secret(secret));
    if (!added && added.error().kind == ErrorKind::refused) continue;  // the id was taken: draw another
    if (!added) return added.error();
    const std::string code = protocol::format_enrolment_code(
        protocol::EnrolmentCode{invite.id, secret, protocol::fingerprint(identity_.public_key)});
    return IssuedInvite{std::move(invite), code};
  }
  return make_error(ErrorKind::internal, "could not find an unused invite id after " +
                                             std::to_string(kInviteIdAttempts) + " attempts");
}

namespace {

// What the covers of one device prove: each push digest they cover, with the cover and whether its
// signature matches the device's key.
struct CoveredPush {
  std::int64_t cover = 0;
  bool signature_matches = false;
};
using DeviceCovers = std::map<protocol::Digest, CoveredPush>;

DeviceCovers covers_proof(const std::vector<AuditCover>& covers, const protocol::PublicKey& device_key) {
  DeviceCovers out;
  for (const auto& cover : covers) {
    const bool matches =
        crypto::verify(device_key, protocol::cover_digest(cover.device_id, cover.digests), cover.signature);
    for (const auto& digest : cover.digests) {
      auto& entry = out[digest];
      if (entry.signature_matches) continue;  // a good cover of this push was already found
      entry = {cover.cover, matches};
    }
  }
  return out;
}

// The signature part of an audit check: the push's own, or for a push sent unsigned, its cover's.
void check_signature(AuditCheck& check, const protocol::PublicKey& device_key, const DeviceCovers* covers) {
  if (!protocol::is_unsigned(check.record.signature)) {
    if (crypto::verify(device_key, check.record.digest, check.record.signature)) check.verified = true;
    else check.problem = "the signature does not match the device's key";
    return;
  }
  auto covered = covers ? covers->find(check.record.digest) : DeviceCovers::const_iterator{};
  if (!covers || covered == covers->end()) {
    check.never_signed = true;
    check.problem = "sent unsigned, and the device's connection ended before it signed it";
    return;
  }
  check.cover = covered->second.cover;
  if (covered->second.signature_matches) check.verified = true;
  else
    check.problem = "the signature that covers it (cover " + std::to_string(covered->second.cover) +
                    ") does not match the device's key";
}

}  // namespace

Result<std::vector<AuditCheck>> HeadOffice::audit(std::int64_t after_batch, std::size_t limit) {
  auto records = store_->audit_after(after_batch, limit);
  if (!records) return records.error();
  std::vector<AuditCheck> out;
  std::map<std::string, DeviceCovers> covers;  // read once per device that sent unsigned pushes
  for (auto& record : *records) {
    AuditCheck check{std::move(record), false, "", false, 0};
    // Edits made at the server itself (its administrators') are signed by the server's identity.
    auto device = check.record.device_id == ledger_->identity().device
                      ? Result<std::optional<Device>>(Device{check.record.device_id, check.record.user,
                                                             identity_.public_key, "HQ server", 0, std::nullopt})
                      : directory_->device(check.record.device_id);
    if (!device) return device.error();
    auto stored = store_->changes_by_id(check.record.change_ids);
    if (!stored) return stored.error();
    auto opened = ledger_->open_changes(*stored);
    if (!opened) return opened.error();
    // changes_by_id returns them in the order asked, which is the push's order.
    std::vector<Change> changes;
    for (auto& logged : *opened) changes.push_back(std::move(logged.change));
    if (!*device) check.problem = "the device " + check.record.device_id + " is not in the directory";
    else if (changes.size() != check.record.change_ids.size())
      check.problem = std::to_string(check.record.change_ids.size() - changes.size()) + " of its changes are missing from the log";
    else if (protocol::push_digest(check.record.device_id, changes) != check.record.digest)
      check.problem = "the changes in the log no longer match what the device sent";
    else {
      const DeviceCovers* proof = nullptr;
      if (protocol::is_unsigned(check.record.signature)) {
        auto known = covers.find(check.record.device_id);
        if (known == covers.end()) {
          auto stored_covers = store_->audit_covers_of(check.record.device_id);
          if (!stored_covers) return stored_covers.error();
          known = covers.emplace(check.record.device_id, covers_proof(*stored_covers, (*device)->public_key)).first;
        }
        proof = &known->second;
      }
      check_signature(check, (*device)->public_key, proof);
    }
    out.push_back(std::move(check));
  }
  return out;
}

Status HeadOffice::backup_to(const std::filesystem::path& file) { return store_->backup_to(file); }

Status HeadOffice::restore(const std::filesystem::path& dir, const std::filesystem::path& backup,
                           const std::optional<std::string>& passphrase) {
  auto lock = ServeLock::acquire(dir);
  if (!lock) return lock.error();
  std::error_code ec;
  if (!std::filesystem::exists(backup, ec)) return not_found("there is no backup file " + backup.string());
  const auto database = dir / kDatabaseFile;
  const auto staged = dir / "server.db.restoring";
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(staged.string() + suffix, ec);
  std::filesystem::copy_file(backup, staged, ec);
  if (ec) return io_error("cannot copy " + backup.string() + ": " + ec.message());
  {
    // Check the copy (never the backup itself, which stays as it was) opens with this folder's
    // key, and bring it to the current schema, before anything is replaced.
    auto candidate = open_sqlite_store(staged, head_office_store());
    if (!candidate) return candidate.error();
    auto key = unlock_store(**candidate, {dir / kKeyFile, passphrase});
    if (!key) {
      candidate->reset();
      std::filesystem::remove(staged, ec);
      return refused("the backup " + backup.string() + " does not open with this folder's key: " + key.error().message);
    }
    // Closing the last connection checkpoints the copy's WAL into the file itself.
  }
  for (const char* suffix : {"-wal", "-shm"}) std::filesystem::remove(staged.string() + suffix, ec);
  for (const char* suffix : {"-wal", "-shm"}) std::filesystem::remove(database.string() + suffix, ec);
  std::filesystem::rename(staged, database, ec);
  if (ec) return io_error("cannot put the backup in place: " + ec.message());
  auto store = open_sqlite_store(database, head_office_store());
  if (!store) return store.error();
  auto txn = (*store)->begin();
  if (!txn) return txn.error();
  if (auto put = (*txn)->put_setting(kLogEpochSetting, crypto::random_hex(8)); !put) return put.error();
  return (*txn)->commit();
}

Result<std::unique_ptr<ServeLock>> ServeLock::acquire(const std::filesystem::path& dir) {
  const auto path = dir / kLockFile;
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return io_error("cannot open " + path.string() + ": " + std::strerror(errno));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd);
    return refused("another dsptsync-server is serving " + dir.string() + " (stop it first)");
  }
  return std::unique_ptr<ServeLock>(new ServeLock(fd));
}

ServeLock::~ServeLock() { ::close(fd_); }

Result<std::vector<service::Conflict>> HeadOffice::conflicts(const std::optional<std::string>& branch) {
  std::vector<std::string> scopes;
  if (branch) {
    auto site = parse_site_code(*branch);
    if (!site) return site.error();
    auto found = directory_->branch(site->code);
    if (!found) return found.error();
    if (!*found) return not_found("there is no branch " + site->code + "; 'dsptsync-server branch list' shows the branches");
    scopes.push_back(site->code);
  } else {
    scopes.push_back(hq_.code);
    auto all = directory_->branches();
    if (!all) return all.error();
    for (const auto& each : *all) scopes.push_back(each.ods);
  }
  auto where = workplaces();
  if (!where) return where.error();
  std::vector<service::Conflict> out;
  for (const auto& scope : scopes) {
    auto state = ledger_->state(scope, year_.label());
    if (!state) return state.error();
    const AssessmentView view = view_of(*state, &catalogue_);
    for (const auto& [key, values] : view.conflicts)
      out.push_back({scope, key, service::conflict_group(key, catalogue_), describe_conflict(key, values, &catalogue_, *where),
                     service::conflict_values(values)});
  }
  return out;
}

Result<Workplaces> HeadOffice::workplaces() {
  auto branches = directory_->branches();
  if (!branches) return branches.error();
  auto users = directory_->users();
  if (!users) return users.error();
  std::map<std::string, std::string> branch_names;
  for (const auto& branch : *branches) branch_names[branch.ods] = branch.name.empty() ? branch.ods : branch.name;
  Workplaces out;
  for (const auto& user : *users) {
    if (user.branch.empty()) out[user.name] = std::string(kHeadOfficeWorkplace);
    else if (auto name = branch_names.find(user.branch); name != branch_names.end()) out[user.name] = name->second;
    else out[user.name] = user.branch;  // a branch removed since: its code
  }
  return out;
}

YearAdvice HeadOffice::year_advice(Date today) {
  return dsptsync::year_advice(year_, today, YearRole::head_office,
                               [this](AssessmentYear year) { return bool(catalogue_for(year)); });
}

}  // namespace dsptsync::server
