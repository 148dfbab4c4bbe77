// The SQLite Directory over a real database file made by open_sqlite_store: branches, users,
// invites, devices, and every refusal of redeem_invite.
#include "../common/test_support.h"

#include "dsptsync/crypto.h"
#include "dsptsync/directory.h"
#include "dsptsync/sqlite_store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <chrono>
#include <thread>

namespace dsptsync {
namespace {

using testing::TempDir;
using protocol::ErrorCode;
using protocol::Role;

constexpr TimestampMs kNow = 1'700'000'000'000;  // 2023-11-14
constexpr TimestampMs kDay = 24 * 60 * 60 * 1000;

std::string hash_of(std::string_view secret) { return crypto::hash_hex(as_bytes(secret)); }

Device new_device(std::string id, std::string name = "laptop") {
  Device device;
  device.id = std::move(id);
  device.public_key = crypto::SigningKeyPair::generate().public_key;
  device.name = std::move(name);
  return device;
}

class DirectoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = open_sqlite_store(database(), {.create_if_missing = true});
    ASSERT_TRUE(opened) << opened.error().message;
    store = std::move(*opened);
    auto directory_opened = open_sqlite_directory(database());
    ASSERT_TRUE(directory_opened) << directory_opened.error().message;
    directory = std::move(*directory_opened);
  }

  std::filesystem::path database() const { return dir / "server.db"; }

  // Adds an invite valid for a week from kNow; the secret is "secret-" + id.
  void invite(const std::string& id, const std::string& user, const std::string& branch, Role role = Role::member) {
    Invite invite{id, user, branch, role, kNow, kNow + 7 * kDay, std::nullopt, ""};
    ASSERT_TRUE(directory->add_invite(invite, hash_of("secret-" + id)));
  }

  Result<std::variant<User, RedeemRefusal>> redeem(const std::string& id, const std::string& secret,
                                                   const Device& device, TimestampMs at = kNow + 1000) {
    return directory->redeem_invite(id, hash_of(secret), device, at);
  }

  // Redeems and expects success.
  User enrol(const std::string& id, const Device& device) {
    auto outcome = redeem(id, "secret-" + id, device);
    EXPECT_TRUE(outcome) << outcome.error().message;
    if (!outcome) return {};
    if (auto* refusal = std::get_if<RedeemRefusal>(&*outcome)) {
      ADD_FAILURE() << "refused: " << refusal->reason;
      return {};
    }
    return std::get<User>(*outcome);
  }

  // Redeems and expects a refusal.
  RedeemRefusal refusal_of(const std::string& id, const std::string& secret, const Device& device,
                           TimestampMs at = kNow + 1000) {
    auto outcome = redeem(id, secret, device, at);
    EXPECT_TRUE(outcome) << outcome.error().message;
    if (!outcome) return {};
    EXPECT_TRUE(std::holds_alternative<RedeemRefusal>(*outcome)) << "the enrolment was accepted";
    if (!std::holds_alternative<RedeemRefusal>(*outcome)) return {};
    return std::get<RedeemRefusal>(*outcome);
  }

  void add_leeds() { ASSERT_TRUE(directory->add_branch({"VLAXL", "Leeds", kNow})); }

  TempDir dir;
  std::unique_ptr<Store> store;
  std::unique_ptr<Directory> directory;
};

TEST_F(DirectoryTest, RefusesAMissingFileAForeignFileAndAnOldSchema) {
  auto missing = open_sqlite_directory(dir / "nothing.db");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().kind, ErrorKind::not_found);

  // Another program's SQLite file is refused.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir / "other.db").c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "PRAGMA application_id = 7; CREATE TABLE t(x);", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  auto foreign = open_sqlite_directory(dir / "other.db");
  ASSERT_FALSE(foreign);
  EXPECT_EQ(foreign.error().kind, ErrorKind::invalid_input);
  EXPECT_NE(foreign.error().message.find("not a dsptsync database"), std::string::npos);

  // A dsptsync file still at schema 1 (made before the directory existed) is refused, not used.
  ASSERT_EQ(sqlite3_open((dir / "old.db").c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "PRAGMA application_id = 1146310740; PRAGMA user_version = 1; CREATE TABLE t(x);",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  auto old = open_sqlite_directory(dir / "old.db");
  ASSERT_FALSE(old);
  EXPECT_EQ(old.error().kind, ErrorKind::store);
  EXPECT_NE(old.error().message.find("schema version 1"), std::string::npos) << old.error().message;
}

TEST_F(DirectoryTest, BranchesAreAddedListedAndDuplicatesRefused) {
  add_leeds();
  ASSERT_TRUE(directory->add_branch({"VMB12", "Bradford", kNow + 5}));
  auto duplicate = directory->add_branch({"VLAXL", "Leeds again", kNow});
  ASSERT_FALSE(duplicate);
  EXPECT_EQ(duplicate.error().kind, ErrorKind::refused);
  EXPECT_NE(duplicate.error().message.find("VLAXL"), std::string::npos);

  auto all = directory->branches();
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].ods, "VLAXL");
  EXPECT_EQ((*all)[0].name, "Leeds");  // the duplicate did not rename it
  EXPECT_EQ((*all)[1].ods, "VMB12");
  EXPECT_EQ((*all)[1].added_at, kNow + 5);
  auto one = directory->branch("VMB12");
  ASSERT_TRUE(one && *one);
  EXPECT_EQ((*one)->name, "Bradford");
  auto none = directory->branch("VZZZZ");
  ASSERT_TRUE(none);
  EXPECT_FALSE(*none);
}

TEST_F(DirectoryTest, RemovingABranchIsRefusedWhileItHasActiveUsers) {
  add_leeds();
  invite("0000000a", "Sam Patel", "VLAXL");
  enrol("0000000a", new_device("d1"));

  auto refused_removal = directory->remove_branch("VLAXL");
  ASSERT_FALSE(refused_removal);
  EXPECT_EQ(refused_removal.error().kind, ErrorKind::refused);
  EXPECT_NE(refused_removal.error().message.find("Sam Patel"), std::string::npos) << refused_removal.error().message;
  EXPECT_TRUE(*directory->branch("VLAXL"));

  ASSERT_TRUE(directory->revoke_user("Sam Patel", kNow + 2000));
  ASSERT_TRUE(directory->remove_branch("VLAXL"));
  EXPECT_FALSE(*directory->branch("VLAXL"));
  auto again = directory->remove_branch("VLAXL");
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().kind, ErrorKind::not_found);
}

TEST_F(DirectoryTest, AnInviteRedeemsOnceThenReportsUsed) {
  add_leeds();
  invite("0000000b", "Sam Patel", "VLAXL", Role::admin);
  const Device laptop = new_device("aaaa000000000001", "sam-laptop");
  User user = enrol("0000000b", laptop);
  EXPECT_EQ(user.name, "Sam Patel");
  EXPECT_EQ(user.branch, "VLAXL");
  EXPECT_EQ(user.role, Role::admin);
  EXPECT_EQ(user.created_at, kNow + 1000);

  auto stored_device = directory->device(laptop.id);
  ASSERT_TRUE(stored_device && *stored_device);
  EXPECT_EQ((*stored_device)->user, "Sam Patel");
  EXPECT_EQ((*stored_device)->public_key, laptop.public_key);
  EXPECT_EQ((*stored_device)->name, "sam-laptop");
  EXPECT_FALSE((*stored_device)->revoked_at);

  auto invites = directory->invites();
  ASSERT_TRUE(invites);
  ASSERT_EQ(invites->size(), 1u);
  EXPECT_EQ((*invites)[0].used_at, kNow + 1000);
  EXPECT_EQ((*invites)[0].device_id, laptop.id);

  RedeemRefusal second = refusal_of("0000000b", "secret-0000000b", new_device("aaaa000000000002"));
  EXPECT_EQ(second.code, ErrorCode::enrolment_code_used);
  EXPECT_NE(second.reason.find("already used"), std::string::npos) << second.reason;
  EXPECT_EQ(directory->devices()->size(), 1u);
}

TEST_F(DirectoryTest, AWrongSecretAndAnUnknownInviteGetTheSameAnswer) {
  add_leeds();
  invite("0000000c", "Sam Patel", "VLAXL");
  RedeemRefusal wrong_secret = refusal_of("0000000c", "secret-guess", new_device("d1"));
  RedeemRefusal unknown = refusal_of("ffffffff", "secret-0000000c", new_device("d1"));
  EXPECT_EQ(wrong_secret.code, ErrorCode::enrolment_code_invalid);
  EXPECT_EQ(unknown.code, ErrorCode::enrolment_code_invalid);
  EXPECT_EQ(wrong_secret.reason, unknown.reason);
  EXPECT_FALSE(wrong_secret.reason.empty());
  // An empty hash never matches anything.
  auto empty = directory->redeem_invite("0000000c", "", new_device("d1"), kNow + 1000);
  ASSERT_TRUE(empty);
  ASSERT_TRUE(std::holds_alternative<RedeemRefusal>(*empty));
  EXPECT_EQ(std::get<RedeemRefusal>(*empty).reason, unknown.reason);

  // Nothing changed: no user, no device, the invite still unused and still redeemable.
  EXPECT_TRUE(directory->users()->empty());
  EXPECT_TRUE(directory->devices()->empty());
  EXPECT_FALSE((*directory->invites())[0].used_at);
  enrol("0000000c", new_device("d1"));
}

TEST_F(DirectoryTest, AnExpiredInviteIsRefusedAndChangesNothing) {
  add_leeds();
  invite("0000000d", "Sam Patel", "VLAXL");
  const TimestampMs expiry = kNow + 7 * kDay;
  RedeemRefusal at_expiry = refusal_of("0000000d", "secret-0000000d", new_device("d1"), expiry);
  EXPECT_EQ(at_expiry.code, ErrorCode::enrolment_code_expired);
  EXPECT_NE(at_expiry.reason.find(format_timestamp(expiry)), std::string::npos) << at_expiry.reason;
  EXPECT_TRUE(directory->users()->empty());
  EXPECT_FALSE((*directory->invites())[0].used_at);

  // One millisecond earlier it still works.
  auto in_time = redeem("0000000d", "secret-0000000d", new_device("d1"), expiry - 1);
  ASSERT_TRUE(in_time);
  EXPECT_TRUE(std::holds_alternative<User>(*in_time));
}

TEST_F(DirectoryTest, ARevokedUserCannotEnrolAnotherDevice) {
  add_leeds();
  invite("00000001", "Sam Patel", "VLAXL");
  enrol("00000001", new_device("d1"));
  ASSERT_TRUE(directory->revoke_user("Sam Patel", kNow + 500));
  invite("00000002", "Sam Patel", "VLAXL");
  RedeemRefusal refusal = refusal_of("00000002", "secret-00000002", new_device("d2"));
  EXPECT_EQ(refusal.code, ErrorCode::enrolment_code_invalid);
  EXPECT_NE(refusal.reason.find("revoked"), std::string::npos) << refusal.reason;
  EXPECT_FALSE(*directory->device("d2"));
  EXPECT_FALSE((*directory->invites())[1].used_at);
}

TEST_F(DirectoryTest, AnExistingUserWithAnotherBranchOrRoleIsRefusedNamingTheConflict) {
  add_leeds();
  ASSERT_TRUE(directory->add_branch({"VMB12", "Bradford", kNow}));
  invite("00000001", "Sam Patel", "VLAXL", Role::member);
  enrol("00000001", new_device("d1"));

  invite("00000002", "Sam Patel", "VMB12", Role::member);
  RedeemRefusal other_branch = refusal_of("00000002", "secret-00000002", new_device("d2"));
  EXPECT_EQ(other_branch.code, ErrorCode::enrolment_code_invalid);
  EXPECT_NE(other_branch.reason.find("VMB12"), std::string::npos) << other_branch.reason;
  EXPECT_NE(other_branch.reason.find("VLAXL"), std::string::npos) << other_branch.reason;

  invite("00000003", "Sam Patel", "VLAXL", Role::admin);
  RedeemRefusal other_role = refusal_of("00000003", "secret-00000003", new_device("d3"));
  EXPECT_EQ(other_role.code, ErrorCode::enrolment_code_invalid);
  EXPECT_NE(other_role.reason.find("admin"), std::string::npos) << other_role.reason;
  EXPECT_NE(other_role.reason.find("member"), std::string::npos) << other_role.reason;

  // The same branch and role: a second device for the same person.
  invite("00000004", "Sam Patel", "VLAXL", Role::member);
  User again = enrol("00000004", new_device("d4"));
  EXPECT_EQ(again.created_at, kNow + 1000);
  EXPECT_EQ(directory->users()->size(), 1u);
  EXPECT_EQ(directory->devices()->size(), 2u);
}

TEST_F(DirectoryTest, ADeviceIdAlreadyEnrolledOrABranchRemovedSinceIsRefused) {
  add_leeds();
  invite("00000001", "Sam Patel", "VLAXL");
  invite("00000002", "Ann Lee", "VLAXL");
  enrol("00000001", new_device("d1"));
  RedeemRefusal clash = refusal_of("00000002", "secret-00000002", new_device("d1"));
  EXPECT_EQ(clash.code, ErrorCode::enrolment_code_invalid);
  EXPECT_NE(clash.reason.find("d1"), std::string::npos);
  // Ann was not created by the refused attempt (the whole redeem rolled back).
  EXPECT_FALSE(*directory->user("Ann Lee"));

  ASSERT_TRUE(directory->revoke_user("Sam Patel", kNow));
  ASSERT_TRUE(directory->remove_branch("VLAXL"));
  RedeemRefusal removed = refusal_of("00000002", "secret-00000002", new_device("d2"));
  EXPECT_EQ(removed.code, ErrorCode::enrolment_code_invalid);
  EXPECT_NE(removed.reason.find("removed"), std::string::npos) << removed.reason;
}

TEST_F(DirectoryTest, RevokingAUserRevokesEveryDeviceOfTheirsAndOnlyTheirs) {
  add_leeds();
  invite("00000001", "Sam Patel", "VLAXL");
  invite("00000002", "Sam Patel", "VLAXL");
  invite("00000003", "Ann Lee", "VLAXL");
  enrol("00000001", new_device("d1"));
  enrol("00000002", new_device("d2"));
  enrol("00000003", new_device("d3"));

  ASSERT_TRUE(directory->revoke_user("Sam Patel", kNow + 9));
  // Revoking again keeps the first time.
  ASSERT_TRUE(directory->revoke_user("Sam Patel", kNow + 99));
  EXPECT_EQ((*directory->user("Sam Patel"))->revoked_at, kNow + 9);
  EXPECT_EQ((*directory->device("d1"))->revoked_at, kNow + 9);
  EXPECT_EQ((*directory->device("d2"))->revoked_at, kNow + 9);
  EXPECT_FALSE((*directory->device("d3"))->revoked_at);
  EXPECT_FALSE((*directory->user("Ann Lee"))->revoked_at);

  auto unknown = directory->revoke_user("Nobody", kNow);
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().kind, ErrorKind::not_found);
}

TEST_F(DirectoryTest, EachSitesLastSyncIsItsPeoplesLatestDeviceSync) {
  add_leeds();
  invite("00000001", "Sam Patel", "VLAXL");
  invite("00000002", "Ann Lee", "VLAXL");
  invite("00000003", "Hana Okafor", "", Role::admin);
  enrol("00000001", new_device("d1", "Sam's laptop"));
  enrol("00000002", new_device("d2", "Ann's laptop"));
  enrol("00000003", new_device("d3", "Head office laptop"));
  auto none = directory->last_sync_of("VLAXL");
  ASSERT_TRUE(none) << none.error().message;
  EXPECT_FALSE(*none) << "enrolled, but nobody has signed in to sync yet";

  ASSERT_TRUE(directory->record_syncs({{"d2", kNow + 10}}));
  ASSERT_TRUE(directory->record_syncs({{"d1", kNow + 20}}));
  auto leeds = directory->last_sync_of("VLAXL");
  ASSERT_TRUE(leeds && *leeds);
  EXPECT_EQ((*leeds)->device_id, "d1");
  EXPECT_EQ((*leeds)->device_name, "Sam's laptop");
  EXPECT_EQ((*leeds)->user, "Sam Patel");
  EXPECT_EQ((*leeds)->at, kNow + 20);
  EXPECT_EQ((*directory->device("d2"))->last_synced_at, kNow + 10);

  // A newer sync of the other laptop is the branch's latest; head office's people are their own.
  ASSERT_TRUE(directory->record_syncs({{"d2", kNow + 30}}));
  EXPECT_EQ((*directory->last_sync_of("VLAXL"))->user, "Ann Lee");
  EXPECT_FALSE(*directory->last_sync_of(""));
  ASSERT_TRUE(directory->record_syncs({{"d3", kNow + 40}}));
  EXPECT_EQ((*directory->last_sync_of(""))->device_name, "Head office laptop");
  EXPECT_EQ((*directory->last_sync_of("VLAXL"))->at, kNow + 30);

  // The sync service writes a round's sign-ins together; a device removed meanwhile is skipped.
  ASSERT_TRUE(directory->record_syncs({{"d1", kNow + 50}, {"d9", kNow + 60}, {"d3", kNow + 70}}));
  EXPECT_EQ((*directory->last_sync_of("VLAXL"))->at, kNow + 50);
  EXPECT_EQ((*directory->last_sync_of(""))->at, kNow + 70);
  ASSERT_TRUE(directory->record_syncs({}));
}

TEST_F(DirectoryTest, ASchema9DatabaseGainsTheLastSyncColumnAndKeepsItsDevices) {
  add_leeds();
  invite("00000001", "Sam Patel", "VLAXL");
  enrol("00000001", new_device("d1"));
  directory.reset();
  store.reset();
  // The file as schema 9 left it: devices without last_synced_at, and nothing of later versions.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(database().c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db,
                         "DROP TABLE file_holders; DROP TABLE file_chunks; DROP TABLE files; DROP TABLE audit_covers; "
                         "DROP INDEX changes_of_incidents; "
                         "ALTER TABLE devices DROP COLUMN last_synced_at; "
                         "PRAGMA user_version = 9;",
                         nullptr, nullptr, nullptr),
            SQLITE_OK)
      << sqlite3_errmsg(db);
  sqlite3_close(db);

  auto reopened = open_sqlite_store(database(), {});
  ASSERT_TRUE(reopened) << reopened.error().message;
  auto directory_reopened = open_sqlite_directory(database());
  ASSERT_TRUE(directory_reopened) << directory_reopened.error().message;
  auto device = (*directory_reopened)->device("d1");
  ASSERT_TRUE(device && *device) << "the device survives the migration";
  EXPECT_FALSE((*device)->last_synced_at);
  ASSERT_TRUE((*directory_reopened)->record_syncs({{"d1", kNow + 5}}));
  EXPECT_EQ((*(*directory_reopened)->last_sync_of("VLAXL"))->at, kNow + 5);
}

TEST_F(DirectoryTest, HeadOfficeInvitesNeedNoBranch) {
  invite("00000001", "Hana Okafor", "", Role::admin);
  User user = enrol("00000001", new_device("d1"));
  EXPECT_TRUE(user.head_office());
  EXPECT_EQ(user.role, Role::admin);
}

TEST_F(DirectoryTest, AnInviteIdIsNeverReused) {
  invite("00000001", "Sam Patel", "");
  Invite again{"00000001", "Ann Lee", "", Role::viewer, kNow, kNow + kDay, std::nullopt, ""};
  auto duplicate = directory->add_invite(again, hash_of("other"));
  ASSERT_FALSE(duplicate);
  EXPECT_EQ(duplicate.error().kind, ErrorKind::refused);
  auto invites = directory->invites();
  ASSERT_EQ(invites->size(), 1u);
  EXPECT_EQ((*invites)[0].user, "Sam Patel");
}

TEST_F(DirectoryTest, WritesAreDurableAndSeenByAnotherConnection) {
  add_leeds();
  invite("00000001", "Sam Patel", "VLAXL", Role::viewer);
  enrol("00000001", new_device("d1"));
  directory.reset();
  store.reset();

  auto reopened = open_sqlite_directory(database());
  ASSERT_TRUE(reopened) << reopened.error().message;
  auto user = (*reopened)->user("Sam Patel");
  ASSERT_TRUE(user && *user);
  EXPECT_EQ((*user)->role, Role::viewer);
  EXPECT_EQ((*user)->branch, "VLAXL");
  EXPECT_EQ((*reopened)->branches()->size(), 1u);
  EXPECT_TRUE((*(*reopened)->invites())[0].used_at);
}

TEST_F(DirectoryTest, AWriteWaitsForTheStoreConnectionInsteadOfFailing) {
  // The Store's connection holds the write lock; the directory's write waits (busy timeout) and
  // goes through once the store commits, rather than failing with "database is locked".
  auto txn = store->begin();
  ASSERT_TRUE(txn);
  ASSERT_TRUE((*txn)->put_setting("org.name", "Acme"));
  std::atomic<bool> added = false;
  Status outcome;
  std::thread writer([&] {
    outcome = directory->add_branch({"VLAXL", "Leeds", kNow});
    added = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_FALSE(added) << "the directory wrote while the store held the write lock";
  ASSERT_TRUE((*txn)->commit());
  writer.join();
  ASSERT_TRUE(outcome) << outcome.error().message;
  EXPECT_TRUE(*directory->branch("VLAXL"));
  EXPECT_EQ(**store->setting("org.name"), "Acme");
}

TEST_F(DirectoryTest, AWriteGivesUpAfterTheConfiguredBusyTimeoutWithTheStoresMessage) {
  // The same busy rule and message as the store's, and the timeout it is given, not a fixed one.
  auto impatient = open_sqlite_directory(database(), std::chrono::milliseconds(50));
  ASSERT_TRUE(impatient) << impatient.error().message;
  auto txn = store->begin();
  ASSERT_TRUE(txn);
  ASSERT_TRUE((*txn)->put_setting("org.name", "Acme"));
  const auto started = std::chrono::steady_clock::now();
  auto busy = (*impatient)->add_branch({"VLAXL", "Leeds", kNow});
  const auto waited = std::chrono::steady_clock::now() - started;
  ASSERT_FALSE(busy) << "the directory wrote while the store held the write lock";
  EXPECT_EQ(busy.error().kind, ErrorKind::store);
  EXPECT_NE(busy.error().message.find("(another dsptsync process is using it; try again when it has finished)"),
            std::string::npos)
      << busy.error().message;
  EXPECT_LT(waited, tuning::kSqliteBusyTimeout) << "it waited the default, not the 50 ms it was given";
  ASSERT_TRUE((*txn)->commit());
  EXPECT_FALSE(*directory->branch("VLAXL")) << "nothing was written";
}

}  // namespace
}  // namespace dsptsync

namespace dsptsync {
namespace {

TEST_F(DirectoryTest, APasswordIsKeptAsItsHashWithWhenItWasSetAndReplacedWhole) {
  EXPECT_EQ(directory->set_password("Nobody", "$argon2id$x", kNow, "").error().kind, ErrorKind::not_found);
  ASSERT_TRUE(directory->add_user(User{"Priya Shah", "", Role::admin, kNow, std::nullopt}));
  auto none = directory->password("Priya Shah");
  ASSERT_TRUE(none);
  EXPECT_FALSE(*none);

  auto hashed = crypto::hash_password("correct horse battery staple");
  ASSERT_TRUE(hashed);
  ASSERT_TRUE(directory->set_password("Priya Shah", *hashed, kNow, ""));
  auto kept = directory->password("Priya Shah");
  ASSERT_TRUE(kept && *kept);
  EXPECT_EQ((*kept)->hash, *hashed);
  EXPECT_EQ((*kept)->set_at, kNow);
  EXPECT_EQ((*kept)->hash.rfind("$argon2id$", 0), 0u) << "the algorithm and its cost travel with the hash";
  EXPECT_TRUE(crypto::verify_password((*kept)->hash, "correct horse battery staple"));
  EXPECT_FALSE(crypto::verify_password((*kept)->hash, "correct horse battery stapler"));

  auto again = crypto::hash_password("correct horse battery staple");
  ASSERT_TRUE(again);
  EXPECT_NE(*again, *hashed) << "a fresh salt every time";
  ASSERT_TRUE(directory->set_password("Priya Shah", *again, kNow + kDay, ""));
  auto replaced = directory->password("Priya Shah");
  ASSERT_TRUE(replaced && *replaced);
  EXPECT_EQ((*replaced)->hash, *again);
  EXPECT_EQ((*replaced)->set_at, kNow + kDay);
}

TEST_F(DirectoryTest, TheLookUpShowsTheNhsPublicationRecordedElseTheLatestSignOff) {
  EXPECT_FALSE(*public_record(*directory, "VLAXL")) << "nothing signed off or published";
  Publication sign_off;
  sign_off.year = "2025-26";
  sign_off.published_at = kNow;
  sign_off.published_by = "Priya Shah";
  sign_off.sites = {{"VLAXL", "Leeds", "approaching", "25/26 Approaching Standards", std::string(64, 'a'), 1, 2, 3, 4}};
  ASSERT_TRUE(directory->add_publication(sign_off));
  auto signed_off = public_record(*directory, "VLAXL");
  ASSERT_TRUE(signed_off && *signed_off);
  EXPECT_FALSE((*signed_off)->on_nhs_website);
  EXPECT_EQ((*signed_off)->public_status, "25/26 Approaching Standards");

  // Recorded on the NHS website: that is what the look-up shows from now on, its date as entered.
  const auto record = [&](std::string year, std::string on, std::string status, std::string shown) {
    NhsPublication entry{
        0, "VLAXL", "Leeds", std::move(year), std::move(on), std::move(status), std::move(shown), kNow, "Priya Shah"};
    ASSERT_TRUE(directory->add_nhs_publication(entry));
  };
  record("2025-26", "2026-06-20", "met", "25/26 Standards Met");
  auto published = public_record(*directory, "VLAXL");
  ASSERT_TRUE(published && *published);
  EXPECT_TRUE((*published)->on_nhs_website);
  EXPECT_EQ((*published)->public_status, "25/26 Standards Met");
  EXPECT_EQ(date_of((*published)->published_at).iso(), "2026-06-20");
  // A correction of the same year replaces it; an older year recorded later does not.
  record("2025-26", "2026-06-21", "exceeded", "25/26 Standards Exceeded");
  record("2024-25", "2025-06-01", "met", "24/25 Standards Met");
  EXPECT_EQ((*public_record(*directory, "VLAXL"))->public_status, "25/26 Standards Exceeded");
  auto all = directory->nhs_publications();
  ASSERT_TRUE(all);
  EXPECT_EQ(all->size(), 3u) << "every record kept";
  auto leeds = directory->nhs_publications_of("VLAXL");
  ASSERT_TRUE(leeds);
  EXPECT_EQ(leeds->size(), 3u);
  const auto current = current_nhs_publications(*leeds);
  ASSERT_EQ(current.size(), 2u);
  EXPECT_EQ(current[0].year, "2025-26");
  EXPECT_EQ(current[0].published_on, "2026-06-21");
  EXPECT_EQ(current[1].year, "2024-25");
  // Another site's records are not this one's, and a year's record in force is per site.
  EXPECT_FALSE(*public_record(*directory, "VM2B3"));
  EXPECT_TRUE(directory->nhs_publications_of("VM2B3")->empty());
  ASSERT_TRUE(directory->add_nhs_publication(
      {0, "VM2B3", "York", "2025-26", "2026-06-01", "met", "25/26 Standards Met", kNow, "Priya Shah"}));
  all = directory->nhs_publications();
  ASSERT_TRUE(all);
  const auto every_site = current_nhs_publications(*all);
  ASSERT_EQ(every_site.size(), 3u) << "Leeds's two years and York's one";
  EXPECT_EQ(every_site[0].ods, "VLAXL");
  EXPECT_EQ(every_site[0].published_on, "2026-06-21");
  EXPECT_EQ(every_site[1].ods, "VM2B3");
  EXPECT_EQ(every_site[2].year, "2024-25");
  EXPECT_EQ((*public_record(*directory, "VLAXL"))->public_status, "25/26 Standards Exceeded");
}

}  // namespace
}  // namespace dsptsync
