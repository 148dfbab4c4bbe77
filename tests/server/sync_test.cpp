// Real server on loopback, real enrolled client stores, real crypto: the sync behaviour of the
// sync issue end to end.
#include "fixture.h"
#include "../common/sqlite_file.h"

#include "dsptsync/client/connection.h"
#include "dsptsync/client/ws_client.h"
#include "dsptsync/codec.h"
#include "dsptsync/protocol.h"

#include <sqlite3.h>

#include <fstream>
#include <future>
#include <iterator>

namespace dsptsync {
namespace {

using client::Workspace;
using protocol::Role;
using testing::ask_file;
using testing::eventually;
using testing::RunningServer;
using testing::TempDir;

std::size_t field_count(Workspace& workspace, const std::string& scope) {
  auto state = workspace.ledger().state(scope, "2021-22");
  return state ? state->size() : 0;
}

// One sync of `workspace` through `transport` instead of the real connection.
auto sync_through(Workspace& workspace, client::Transport& transport) {
  client::SyncOptions options;
  options.transport = &transport;
  return client::sync_once(workspace, options);
}

std::optional<std::string> answer_of(Workspace& workspace, const std::string& scope, const std::string& item) {
  auto field = workspace.ledger().field({scope, "2021-22", TargetKind::item, item, Field::answer});
  if (!field || !field->winner() || !field->winner()->value) return std::nullopt;
  return field->winner()->value->text;
}

TEST(Sync, BranchEditsReachHqAndSharedAnswersReachEveryBranchButNotOtherBranches) {
  RunningServer server;
  TempDir stores;
  auto leeds = server.enrol(stores / "leeds", "Sam Patel", "VLAXL", Role::admin);
  auto york = server.enrol(stores / "york", "Priya Shah", "VM2B3", Role::member);
  auto hq = server.enrol(stores / "hq", "Hannah Hughes", "", Role::admin);
  EXPECT_EQ(leeds->site().code, "VLAXL");
  EXPECT_EQ(hq->site().code, "A1B2");

  ASSERT_TRUE(leeds->answer("1.3.12", "The registered manager", "", std::string("Board minute")));
  ASSERT_TRUE(hq->answer("1.1.1", "ZA123456", "", std::nullopt));  // the ICO number, shared by HQ
  auto leeds_sync = client::sync_once(*leeds);
  ASSERT_TRUE(leeds_sync) << leeds_sync.error().message;
  EXPECT_EQ(leeds_sync->pushed, 2u);
  EXPECT_EQ(leeds_sync->pending, 0);
  ASSERT_TRUE(client::sync_once(*hq));

  auto york_sync = client::sync_once(*york);
  ASSERT_TRUE(york_sync) << york_sync.error().message;
  EXPECT_EQ(answer_of(*york, "A1B2", "1.1.1"), "ZA123456");
  EXPECT_EQ(field_count(*york, "VLAXL"), 0u) << "a branch must not receive another branch's answers";
  ASSERT_TRUE(client::sync_once(*leeds));
  EXPECT_EQ(answer_of(*leeds, "A1B2", "1.1.1"), "ZA123456");
  ASSERT_TRUE(client::sync_once(*hq));
  EXPECT_EQ(answer_of(*hq, "VLAXL", "1.3.12"), "The registered manager");  // HQ sees every branch

  auto progress = server.admin()->progress(std::nullopt, Date{2022, 5, 1});
  ASSERT_TRUE(progress) << progress.error().message;
  ASSERT_EQ(progress->size(), 2u);
  EXPECT_EQ(progress->at(0).branch.ods, "VLAXL");
  // Effective assessments: Leeds' own answer plus head office's shared ICO number; York has only
  // the shared one.
  EXPECT_EQ(progress->at(0).evaluation.mandatory_summary(), "2 of 42 mandatory evidence items provided");
  EXPECT_EQ(progress->at(1).evaluation.mandatory_provided, 1);

  // Who made each change travels with it.
  auto history = hq->ledger().history("VLAXL", "2021-22", TargetKind::item, "1.3.12");
  ASSERT_TRUE(history);
  ASSERT_EQ(history->size(), 2u);
  EXPECT_EQ(history->front().change.user, "Sam Patel");
  EXPECT_EQ(history->front().change.device, leeds->device_id());
}

TEST(Sync, TheServerRefusesWhatARoleMayNotDoAndTheRefusedChangesStayQueued) {
  RunningServer server;
  TempDir stores;
  auto member = server.enrol(stores / "york", "Priya Shah", "VM2B3", Role::member);
  // The client refuses at once what the role may not do...
  auto local = member->confirm("1.1", true);
  ASSERT_FALSE(local);
  EXPECT_NE(local.error().message.find("members cannot confirm"), std::string::npos);
  // ...and the server refuses it from a client that skips that check (recorded under the hood).
  ASSERT_TRUE(member->ledger().record(Edit{{"VM2B3", "2021-22", TargetKind::assertion, "1.1", Field::confirmed},
                                           FieldValue{"yes", ""}}));
  auto refused = client::sync_once(*member);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().kind, ErrorKind::refused);
  EXPECT_NE(refused.error().message.find("members cannot confirm assertions"), std::string::npos) << refused.error().message;
  EXPECT_NE(refused.error().message.find("stay queued"), std::string::npos);
  EXPECT_EQ(client::sync_status(*member)->pending, 1);

  auto viewer = server.enrol(stores / "viewer", "Val Auditor", "VLAXL", Role::viewer);
  EXPECT_EQ(viewer->answer("4.1.1", "yes", "", std::nullopt).error().kind, ErrorKind::refused);
  ASSERT_TRUE(viewer->ledger().record(Edit{{"VLAXL", "2021-22", TargetKind::item, "4.1.1", Field::answer},
                                           FieldValue{"yes", ""}}));
  auto viewer_sync = client::sync_once(*viewer);
  ASSERT_FALSE(viewer_sync);
  EXPECT_NE(viewer_sync.error().message.find("viewers can read the assessment but not change it"), std::string::npos);
  EXPECT_EQ(client::sync_status(*viewer)->pending, 1);

  // Nothing of either reached the server.
  EXPECT_EQ(*server.admin()->store().change_count(), 0);
}

TEST(Sync, AFirstSyncOfALargeHistoryArrivesWhole) {
  RunningServer server;
  TempDir stores;
  auto leeds = server.enrol(stores / "leeds", "Sam Patel", "VLAXL", Role::admin);
  // 1,200 edits: more than two pushes and two pull pages.
  std::vector<Edit> edits;
  for (int i = 0; i < 1200; ++i)
    edits.push_back({{"VLAXL", "2021-22", TargetKind::item, "1.3.12", Field::comment},
                     FieldValue{"revision " + std::to_string(i), ""}});
  for (const auto& edit : edits) ASSERT_TRUE(leeds->ledger().record(edit));
  auto pushed = client::sync_once(*leeds);
  ASSERT_TRUE(pushed) << pushed.error().message;
  EXPECT_EQ(pushed->pushed, 1200u);

  auto second_laptop = server.enrol(stores / "leeds2", "Ann Lee", "VLAXL", Role::member);
  EXPECT_EQ(client::sync_status(*second_laptop)->cursor, 1200);
  auto comment = second_laptop->ledger().field({"VLAXL", "2021-22", TargetKind::item, "1.3.12", Field::comment});
  ASSERT_TRUE(comment);
  EXPECT_EQ(comment->winner()->value->text, "revision 1199");
  auto history = second_laptop->ledger().history("VLAXL", "2021-22", TargetKind::item, "1.3.12");
  EXPECT_EQ(history->size(), 1200u);

  // Head office has every one of these changes: none waits to go up from either laptop, and none is
  // left in either laptop's upload queue index, which a pull must not write to.
  for (const auto* laptop : {"leeds", "leeds2"}) {
    const auto file = stores / laptop / "store.db";
    EXPECT_EQ(ask_file(file, "SELECT count(*) FROM changes WHERE server_seq IS NULL"), "0")
        << laptop << ": changes without head office's seq";
    // Every cell of an index's pages, interior ones too, holds one entry.
    EXPECT_EQ(ask_file(file, "SELECT coalesce(sum(ncell), 0) FROM dbstat WHERE name = 'changes_pending'"), "0")
        << laptop << ": entries in the upload queue's index";
  }
}

// The real connection, except that the second page of a pull comes with one change a laptop must
// refuse (an answer to an assertion, which has none): what a broken or hostile server could send.
class SecondPageSpoiler final : public client::Transport {
 public:
  Result<std::unique_ptr<client::Connection>> open(const std::string& url, const client::ServerCheck& check,
                                                   std::chrono::milliseconds timeout) override {
    auto real = client::network_transport().open(url, check, timeout);
    if (!real) return real.error();
    return std::unique_ptr<client::Connection>(std::make_unique<Spoiled>(std::move(*real)));
  }

 private:
  class Spoiled final : public client::Connection {
   public:
    explicit Spoiled(std::unique_ptr<client::Connection> real) : real_(std::move(real)) {}
    Status send(const protocol::Message& message) override { return real_->send(message); }
    Result<std::optional<protocol::Message>> receive(std::chrono::milliseconds wait) override {
      auto message = real_->receive(wait);
      if (message && *message)
        if (auto* page = std::get_if<protocol::Changes>(&**message); page && ++pages_ == 2 && !page->changes.empty())
          page->changes.front().change.key = {"VLAXL", "2021-22", TargetKind::assertion, "1.1", Field::answer};
      return message;
    }
    std::chrono::milliseconds timeout() const override { return real_->timeout(); }
    const std::array<std::uint8_t, 32>& transcript() const override { return real_->transcript(); }
    const protocol::PublicKey& server_identity() const override { return real_->server_identity(); }

   private:
    std::unique_ptr<client::Connection> real_;
    int pages_ = 0;
  };
};

// A pull's pages are checked and sealed on a thread of their own while the page before is written
// (client/src/sync.cpp). A page refused while the next is on its way keeps nothing of the pull,
// says which change was wrong, and the next sync pulls everything.
TEST(Sync, APullRefusedOnAMiddlePageKeepsNothingOfThatPageAndTheNextSyncPullsEverything) {
  RunningServer server;
  TempDir stores;
  auto leeds = server.enrol(stores / "leeds", "Sam Patel", "VLAXL", Role::admin);
  auto second_laptop = server.enrol(stores / "leeds2", "Ann Lee", "VLAXL", Role::member);
  // 2,100 edits: three pull pages.
  std::vector<Edit> edits;
  for (int i = 0; i < 2100; ++i)
    edits.push_back({{"VLAXL", "2021-22", TargetKind::item, "1.3.12", Field::comment},
                     FieldValue{"revision " + std::to_string(i), ""}});
  ASSERT_TRUE(leeds->ledger().record(edits));
  auto pushed = client::sync_once(*leeds);
  ASSERT_TRUE(pushed) << pushed.error().message;
  ASSERT_EQ(pushed->pushed, 2100u);

  SecondPageSpoiler spoiler;
  auto refused = sync_through(*second_laptop, spoiler);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().kind, ErrorKind::invalid_input) << refused.error().message;
  EXPECT_NE(refused.error().message.find("assertion"), std::string::npos) << refused.error().message;
  // Nothing of the refused page, and the cursor where what was kept ends: at the start, or after
  // the first page if it was committed on its own.
  const auto kept = *second_laptop->store().change_count();
  EXPECT_TRUE(kept == 0 || kept == 1000) << kept;
  EXPECT_EQ(client::sync_status(*second_laptop)->cursor, kept);

  auto pulled = client::sync_once(*second_laptop);
  ASSERT_TRUE(pulled) << pulled.error().message;
  EXPECT_EQ(client::sync_status(*second_laptop)->cursor, 2100);
  EXPECT_EQ(*second_laptop->store().change_count(), 2100);
  auto comment = second_laptop->ledger().field({"VLAXL", "2021-22", TargetKind::item, "1.3.12", Field::comment});
  ASSERT_TRUE(comment);
  EXPECT_EQ(comment->winner()->value->text, "revision 2099");
}

TEST(Sync, AWatchingBranchReceivesChangesAsTheyHappenAndPushesItsOwn) {
  RunningServer server;
  TempDir stores;
  auto york = server.enrol(stores / "york", "Priya Shah", "VM2B3", Role::admin);
  auto hq = server.enrol(stores / "hq", "Hannah Hughes", "", Role::admin);

  std::atomic<bool> stop{false};
  std::atomic<int> connected{0};
  std::thread watcher([&] {
    auto own = Workspace::open(stores / "york", std::nullopt);
    ASSERT_TRUE(own);
    client::WatchOptions options;
    options.stop = &stop;
    options.run_for = std::chrono::seconds(20);
    options.on_event = [&](std::string_view event, const std::string&) {
      if (event == "connected") ++connected;
    };
    EXPECT_TRUE(client::sync_watch(**own, options));
  });
  ASSERT_TRUE(eventually([&] { return connected > 0; }));

  // HQ changes a shared answer: it arrives at York without York asking.
  ASSERT_TRUE(hq->answer("1.1.1", "ZA654321", "", std::nullopt));
  ASSERT_TRUE(client::sync_once(*hq));
  EXPECT_TRUE(eventually([&] { return answer_of(*york, "A1B2", "1.1.1") == std::optional<std::string>("ZA654321"); }));

  // An edit saved on York's laptop (another command, another store connection) goes up at once.
  ASSERT_TRUE(york->answer("4.1.1", "yes", "", std::nullopt));
  EXPECT_TRUE(eventually([&] { return client::sync_status(*york)->pending == 0; }));
  EXPECT_TRUE(eventually([&] {
    (void)client::sync_once(*hq);
    return answer_of(*hq, "VM2B3", "4.1.1") == std::optional<std::string>("yes");
  }));
  stop = true;
  watcher.join();
}

// A role changed at head office while a laptop watches applies to that laptop's very next push: it
// is judged with the role its person has now, not the one it connected with.
TEST(Sync, ARoleChangedWhileALaptopWatchesAppliesToItsNextPushWithoutReconnecting) {
  RunningServer server;
  TempDir stores;
  auto mo = server.enrol(stores / "mo", "Mo Member", "", Role::member);
  std::atomic<int> connected{0}, pushed{0};
  std::promise<Status> finished;
  auto outcome = finished.get_future();
  std::thread watcher([&] {
    auto own = Workspace::open(stores / "mo", std::nullopt);
    if (!own) return finished.set_value(own.error());
    client::WatchOptions options;
    options.run_for = std::chrono::seconds(30);
    options.on_event = [&](std::string_view event, const std::string&) {
      if (event == "connected") ++connected;
      if (event == "pushed") ++pushed;
    };
    finished.set_value(client::sync_watch(**own, options));
  });
  ASSERT_TRUE(eventually([&] { return connected > 0; }));
  ASSERT_TRUE(mo->answer("1.1.1", "ZA123456", "", std::nullopt));
  ASSERT_TRUE(eventually([&] { return pushed == 1; })) << "a member's answer goes up";
  const auto changes_before = *server.admin()->store().change_count();

  // The console makes Mo a viewer. The laptop still believes it is a member's, so it records the
  // next answer and the watch pushes it: head office refuses it as a viewer's, on the same connection.
  ASSERT_TRUE(server.admin()->change_role(nullptr, "Mo Member", Role::viewer));
  ASSERT_TRUE(mo->answer("1.1.1", "ZA654321", "", std::nullopt));
  ASSERT_EQ(outcome.wait_for(std::chrono::seconds(20)), std::future_status::ready) << "the watch ended";
  watcher.join();
  const Status result = outcome.get();
  ASSERT_FALSE(result);
  EXPECT_NE(result.error().message.find("Mo Member is a viewer"), std::string::npos) << result.error().message;
  EXPECT_NE(result.error().message.find("stay queued"), std::string::npos) << result.error().message;
  EXPECT_EQ(connected, 1) << "refused without reconnecting";
  EXPECT_EQ(*server.admin()->store().change_count(), changes_before) << "nothing of the viewer's was stored";
  EXPECT_EQ(client::sync_status(*mo)->pending, 1);
}

TEST(Sync, AWatchingClientReconnectsAfterTheServerRestarts) {
  RunningServer server;
  TempDir stores;
  auto york = server.enrol(stores / "york", "Priya Shah", "VM2B3", Role::admin);
  auto hq = server.enrol(stores / "hq", "Hannah Hughes", "", Role::admin);
  std::atomic<bool> stop{false};
  std::atomic<int> connected{0}, disconnected{0};
  std::thread watcher([&] {
    auto own = Workspace::open(stores / "york", std::nullopt);
    ASSERT_TRUE(own);
    client::WatchOptions options;
    options.stop = &stop;
    options.run_for = std::chrono::seconds(30);
    options.max_backoff = std::chrono::seconds(1);
    options.on_event = [&](std::string_view event, const std::string&) {
      if (event == "connected") ++connected;
      if (event == "disconnected") ++disconnected;
    };
    EXPECT_TRUE(client::sync_watch(**own, options));
  });
  ASSERT_TRUE(eventually([&] { return connected == 1; }));
  server.stop();  // the server goes away: the watcher backs off and keeps trying
  ASSERT_TRUE(eventually([&] { return disconnected >= 1; }));
  server.start();  // same data, same port
  ASSERT_TRUE(eventually([&] { return connected >= 2; }, std::chrono::seconds(10)));
  ASSERT_TRUE(hq->answer("1.1.1", "ZA000042", "", std::nullopt));
  ASSERT_TRUE(client::sync_once(*hq));
  EXPECT_TRUE(eventually([&] { return answer_of(*york, "A1B2", "1.1.1") == std::optional<std::string>("ZA000042"); }));
  stop = true;
  watcher.join();
}

TEST(Sync, WhatTheServerAcknowledgedSurvivesARestartAndSyncCarriesOn) {
  RunningServer server;
  TempDir stores;
  auto leeds = server.enrol(stores / "leeds", "Sam Patel", "VLAXL", Role::admin);
  ASSERT_TRUE(leeds->answer("1.3.12", "Before the restart", "", std::nullopt));
  ASSERT_TRUE(client::sync_once(*leeds));
  server.stop();

  // Offline edits queue while the server is down.
  ASSERT_TRUE(leeds->answer("4.1.1", "yes", "", std::nullopt));
  auto down = client::sync_once(*leeds, std::chrono::seconds(2));
  ASSERT_FALSE(down);
  EXPECT_EQ(down.error().kind, ErrorKind::network);
  EXPECT_EQ(client::sync_status(*leeds)->pending, 1);

  server.start();
  auto after = client::sync_once(*leeds);
  ASSERT_TRUE(after) << after.error().message;
  EXPECT_EQ(after->pushed, 1u);
  auto admin = server.admin();
  EXPECT_EQ(*admin->store().change_count(), 2);
  EXPECT_TRUE(admin->store().check_integrity()->empty());
}

TEST(Sync, AfterARestoreFromBackupClientsResendWhatTheBackupLacks) {
  RunningServer server;
  TempDir stores, backups;
  auto leeds = server.enrol(stores / "leeds", "Sam Patel", "VLAXL", Role::admin);
  auto york = server.enrol(stores / "york", "Priya Shah", "VM2B3", Role::admin);
  ASSERT_TRUE(leeds->answer("1.3.12", "Before the backup", "", std::nullopt));
  ASSERT_TRUE(client::sync_once(*leeds));
  ASSERT_TRUE(server.admin()->backup_to(backups / "hq.db"));  // taken while serving
  ASSERT_TRUE(leeds->answer("4.1.1", "yes", "", std::nullopt));
  ASSERT_TRUE(client::sync_once(*leeds));  // acknowledged, then lost with the restore
  ASSERT_TRUE(york->answer("4.1.1", "no", "", std::nullopt));
  ASSERT_TRUE(client::sync_once(*york));

  // A restore under a running server is refused; stopped, it works.
  auto refused = server::HeadOffice::restore(server.data(), backups / "hq.db", std::nullopt);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("another dsptsync-server is serving"), std::string::npos);
  server.stop();
  auto file_bytes = [](const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  };
  const std::string backup_before = file_bytes(backups / "hq.db");
  ASSERT_TRUE(server::HeadOffice::restore(server.data(), backups / "hq.db", std::nullopt));
  EXPECT_EQ(file_bytes(backups / "hq.db"), backup_before) << "a restore must not change the backup it reads";
  server.start();
  EXPECT_EQ(*server.admin()->store().change_count(), 1);  // the backup's content

  ASSERT_TRUE(client::sync_once(*leeds));
  ASSERT_TRUE(client::sync_once(*york));
  auto admin = server.admin();
  EXPECT_EQ(*admin->store().change_count(), 3) << "every acknowledged change is back";
  EXPECT_EQ(answer_of(*server.enrol(stores / "leeds2", "Ann Lee", "VLAXL", Role::admin), "VLAXL", "4.1.1"),
            std::optional<std::string>("yes"));
}

TEST(Sync, AnotherUserNameOnAnEnrolledDeviceCanReadButNotEdit) {
  RunningServer server;
  TempDir stores;
  { server.enrol(stores / "leeds", "Sam Patel", "VLAXL", Role::admin); }
  auto as_other = Workspace::open(stores / "leeds", std::nullopt, std::string("Someone Else"));
  ASSERT_TRUE(as_other) << as_other.error().message;
  EXPECT_TRUE((*as_other)->view());  // reading works
  auto edit = (*as_other)->answer("4.1.1", "yes", "", std::nullopt);
  ASSERT_FALSE(edit);
  EXPECT_NE(edit.error().message.find("enrolled for Sam Patel"), std::string::npos) << edit.error().message;
  EXPECT_EQ(*(*as_other)->store().pending_count((*as_other)->device_id()), 0);  // nothing recorded to jam the queue
}

TEST(Sync, AnswersAreNotReadableInTheServerDatabaseFile) {
  RunningServer server;
  TempDir stores;
  auto leeds = server.enrol(stores / "leeds", "Sam Patel", "VLAXL", Role::admin);
  ASSERT_TRUE(leeds->answer("7.3.1", "Nightly backup to the encrypted NAS in the locked office", "", std::nullopt));
  ASSERT_TRUE(client::sync_once(*leeds));
  server.stop();
  std::string bytes;
  for (const char* name : {"server.db", "server.db-wal"}) {
    std::ifstream in(server.data() / name, std::ios::binary);
    bytes.append(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  ASSERT_FALSE(bytes.empty());
  EXPECT_EQ(bytes.find("encrypted NAS"), std::string::npos);
}

TEST(Sync, TheAuditTrailProvesWhichDeviceMadeEachChange) {
  RunningServer server;
  TempDir stores;
  auto leeds = server.enrol(stores / "leeds", "Sam Patel", "VLAXL", Role::admin);
  ASSERT_TRUE(leeds->answer("1.3.12", "Manager", "", std::nullopt));
  ASSERT_TRUE(leeds->answer("4.1.1", "yes", "", std::nullopt));
  ASSERT_TRUE(client::sync_once(*leeds));

  auto admin = server.admin();
  auto records = admin->store().audit_after(0, 100);
  ASSERT_TRUE(records);
  ASSERT_EQ(records->size(), 1u);
  const AuditRecord& record = records->front();
  EXPECT_EQ(record.user, "Sam Patel");
  EXPECT_EQ(record.device_id, leeds->device_id());
  auto stored = admin->store().changes_by_id(record.change_ids);
  ASSERT_TRUE(stored);
  auto opened = admin->ledger().open_changes(*stored);
  ASSERT_TRUE(opened);
  std::vector<Change> changes;
  for (const auto& logged : *opened) changes.push_back(logged.change);
  const auto digest = protocol::push_digest(record.device_id, changes);
  EXPECT_EQ(digest, record.digest);
  auto device = admin->directory().device(record.device_id);
  ASSERT_TRUE(device && *device);
  // The laptop sent its push unsigned and signed the session's pushes once (protocol version 5).
  EXPECT_TRUE(protocol::is_unsigned(record.signature));
  auto covers = admin->store().audit_covers_of(record.device_id);
  ASSERT_TRUE(covers) << covers.error().message;
  ASSERT_EQ(covers->size(), 1u);
  const AuditCover& cover = covers->front();
  EXPECT_EQ(cover.digests, std::vector<protocol::Digest>{digest});
  EXPECT_TRUE(
      crypto::verify((*device)->public_key, protocol::cover_digest(record.device_id, cover.digests), cover.signature));
  // Any change to what was stored breaks the proof.
  changes.front().value->text = "Someone else";
  EXPECT_NE(protocol::push_digest(record.device_id, changes), cover.digests.front());

  // The operator's check does all of this for every push.
  auto checks = admin->audit(0, 100);
  ASSERT_TRUE(checks) << checks.error().message;
  ASSERT_EQ(checks->size(), 1u);
  EXPECT_TRUE(checks->front().verified) << checks->front().problem;
  EXPECT_EQ(checks->front().cover, cover.cover);
  // An audit row edited to claim another device no longer verifies.
  admin.reset();
  server.stop();
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((server.data() / "server.db").c_str(), &db), SQLITE_OK);
    const std::string other = std::string(32, 'f');
    ASSERT_EQ(sqlite3_exec(db, ("UPDATE audit SET device_id = '" + other + "'").c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
  }
  auto tampered = server.admin()->audit(0, 100);
  ASSERT_TRUE(tampered);
  EXPECT_FALSE(tampered->front().verified);
}

TEST(Sync, ARevokedUserCannotSyncAndAnEnrolmentCodeWorksOnce) {
  RunningServer server;
  TempDir stores;
  const std::string code = server.invite("Sam Patel", "VLAXL", Role::admin);
  ASSERT_TRUE(client::enrol({stores / "first", server.url(), code, std::nullopt, "laptop"}));
  auto again = client::enrol({stores / "second", server.url(), code, std::nullopt, "laptop"});
  ASSERT_FALSE(again);
  EXPECT_NE(again.error().message.find("enrolment_code_used"), std::string::npos) << again.error().message;
  EXPECT_FALSE(std::filesystem::exists(stores / "second" / "store.db"));

  auto leeds = Workspace::open(stores / "first", std::nullopt);
  ASSERT_TRUE(leeds);
  ASSERT_TRUE(server.admin()->revoke_user("Sam Patel"));
  ASSERT_TRUE((*leeds)->answer("4.1.1", "yes", "", std::nullopt));
  auto refused = client::sync_once(**leeds);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().kind, ErrorKind::refused);
  EXPECT_NE(refused.error().message.find("device_revoked"), std::string::npos) << refused.error().message;
  EXPECT_EQ(client::sync_status(**leeds)->pending, 1);  // kept, and reported
}

// A laptop built for the previous protocol version: the real WebSocket and handshake, with every frame
// it sends carrying that version's number, as such a build writes it.
class PreviousVersionTransport final : public client::Transport {
 public:
  Result<std::unique_ptr<client::Connection>> open(const std::string& url, const client::ServerCheck& check,
                                                   std::chrono::milliseconds timeout) override {
    auto parsed = client::parse_server_url(url);
    if (!parsed) return parsed.error();
    auto ws = client::WsClient::connect(*parsed, timeout);
    if (!ws) return ws.error();
    return client::open_sealed(std::make_unique<Link>(std::move(*ws)), url, check, timeout);
  }

 private:
  class Link final : public client::FrameLink {
   public:
    explicit Link(std::unique_ptr<client::WsClient> ws) : ws_(std::move(ws)) {}
    Status send(ByteView frame, std::chrono::milliseconds timeout) override {
      Bytes old(frame.begin(), frame.end());
      if (!old.empty()) old[0] = protocol::kOldestProtocolVersion - 1;
      return ws_->send(old, timeout);
    }
    Result<std::optional<Bytes>> receive(std::chrono::milliseconds timeout) override { return ws_->receive(timeout); }

   private:
    std::unique_ptr<client::WsClient> ws_;
  };
};

TEST(Sync, ALaptopSpeakingThePreviousProtocolVersionIsToldToUpdateAndKeepsItsEditsQueued) {
  static_assert(protocol::kOldestProtocolVersion >= 2, "a previous version exists to refuse");
  RunningServer server;
  TempDir stores;
  auto laptop = server.enrol(stores / "leeds", "Sam Patel", "VLAXL", Role::admin);
  ASSERT_TRUE(laptop->answer("1.3.12", "The registered manager", "", std::nullopt));
  PreviousVersionTransport previous;
  auto refused = sync_through(*laptop, previous);
  ASSERT_FALSE(refused);
  // Refused at its Hello, before any cipher: the reason comes in the WebSocket close frame.
  EXPECT_EQ(refused.error().kind, ErrorKind::network) << refused.error().message;
  EXPECT_EQ(exit_code_for(refused.error().kind), 6);
  const std::string expected = "the server closed the connection: the peer speaks protocol version " +
                               std::to_string(protocol::kOldestProtocolVersion - 1) + "; this build speaks " +
                               std::to_string(protocol::kOldestProtocolVersion) + " to " +
                               std::to_string(protocol::kProtocolVersion) +
                               ": update the older of dsptsync and dsptsync-server";
  EXPECT_EQ(refused.error().message, expected);
  EXPECT_EQ(client::sync_status(*laptop)->pending, 1) << "the edit stays queued, unchanged";
  EXPECT_EQ(*server.admin()->store().change_count(), 0);
  // Updated (the current version), the same laptop syncs what it kept.
  auto synced = client::sync_once(*laptop);
  ASSERT_TRUE(synced) << synced.error().message;
  EXPECT_EQ(synced->pushed, 1u);
  EXPECT_EQ(client::sync_status(*laptop)->pending, 0);
}

TEST(Sync, AClientRefusesAServerThatIsNotTheOneItEnrolledWith) {
  RunningServer real;
  RunningServer impostor;
  TempDir stores;
  const std::string code = real.invite("Sam Patel", "VLAXL", Role::admin);
  // The code carries the real server's fingerprint: the impostor cannot take the enrolment.
  auto wrong = client::enrol({stores / "x", impostor.url(), code, std::nullopt, "laptop"});
  ASSERT_FALSE(wrong);
  EXPECT_NE(wrong.error().message.find("not the one that issued this enrolment code"), std::string::npos);
}

TEST(Sync, AnOrganisationRollForwardDropsNothingQueuedOffline) {
  RunningServer server;
  TempDir stores;
  auto leeds = server.enrol(stores / "leeds", "Sam Patel", "VLAXL", Role::admin);
  ASSERT_TRUE(leeds->answer("7.3.4", "yes", "", std::nullopt));
  ASSERT_TRUE(client::sync_once(*leeds));
  // Offline, not yet synced, when head office moves the organisation on.
  ASSERT_TRUE(leeds->answer("9.5.2", "yes", "", std::nullopt));
  EXPECT_FALSE(leeds->roll_forward("2023-24", false)) << "an enrolled device follows head office, not on its own";
  {
    auto admin = server.admin();
    ASSERT_TRUE(admin->add_console_user("Priya Shah", Role::admin));
    auto priya = admin->acting_user("Priya Shah");
    ASSERT_TRUE(priya);
    auto moved = admin->roll_forward(*priya, AssessmentYear{2023}, false);
    ASSERT_TRUE(moved) << moved.error().message;
    EXPECT_TRUE(moved->applied);
  }
  auto synced = client::sync_once(*leeds);
  ASSERT_TRUE(synced) << synced.error().message;
  EXPECT_EQ(synced->pending, 0);
  EXPECT_EQ(leeds->year().label(), "2023-24");
  EXPECT_TRUE(leeds->item("2.2.1")) << "the 2023-24 question set is in force";
  auto admin = server.admin();
  for (const char* year : {"2021-22", "2023-24"}) {
    for (const char* item : {"7.3.4", "9.5.2"}) {
      auto field = admin->ledger().field({"VLAXL", year, TargetKind::item, item, Field::answer});
      ASSERT_TRUE(field && field->winner()) << year << " " << item;
      EXPECT_EQ(field->winner()->value->text, "yes") << year << " " << item;  // kept, and carried
    }
  }
  auto view = leeds->view();
  ASSERT_TRUE(view);
  EXPECT_EQ(view->answers.at("9.5.2").value.text, "yes");
  EXPECT_TRUE(view->conflicts.empty());
}

TEST(Sync, ConcurrentEditsMergeOrStayVisibleConflictsUntilResolved) {
  RunningServer server;
  TempDir stores;
  auto a = server.enrol(stores / "a", "Sam Patel", "VLAXL", Role::admin);
  auto b = server.enrol(stores / "b", "Ann Lee", "VLAXL", Role::admin);
  auto sync_both = [&] {
    ASSERT_TRUE(client::sync_once(*a));
    ASSERT_TRUE(client::sync_once(*b));
    ASSERT_TRUE(client::sync_once(*a));
  };
  ASSERT_TRUE(a->answer("7.3.1", "Backups run nightly. They are tested each quarter.", "", std::nullopt));
  sync_both();

  // Offline, each changes a different sentence: both changes survive, on both laptops.
  ASSERT_TRUE(a->answer("7.3.1", "Backups run nightly to the NAS. They are tested each quarter.", "", std::nullopt));
  ASSERT_TRUE(b->answer("7.3.1", "Backups run nightly. They are tested each month.", "", std::nullopt));
  sync_both();
  for (auto* side : {a.get(), b.get()}) {
    auto view = side->view();
    ASSERT_TRUE(view);
    EXPECT_EQ(view->answers.at("7.3.1").value.text, "Backups run nightly to the NAS. They are tested each month.");
    EXPECT_TRUE(view->answers.at("7.3.1").merged);
    EXPECT_TRUE(side->conflicts()->empty());
  }

  // Both change the same answer: one value is shown everywhere, the other kept as an open conflict.
  ASSERT_TRUE(a->answer("1.3.12", "The registered manager", "", std::nullopt));
  ASSERT_TRUE(b->answer("1.3.12", "The director", "", std::nullopt));
  // Different fields of one item never conflict.
  ASSERT_TRUE(a->comment("4.1.1", "Checked at induction"));
  ASSERT_TRUE(b->answer("4.1.1", "yes", "", std::nullopt));
  sync_both();
  auto on_a = a->conflicts();
  auto on_b = b->conflicts();
  ASSERT_TRUE(on_a && on_b);
  ASSERT_EQ(on_a->size(), 1u);
  ASSERT_EQ(on_b->size(), 1u);
  EXPECT_EQ(on_a->front().key.target, "1.3.12");
  ASSERT_EQ(on_a->front().values.size(), 2u);
  EXPECT_EQ(on_a->front().values[0].change_id, on_b->front().values[0].change_id) << "every replica shows the same winner";
  EXPECT_NE(on_a->front().values[0].mine, on_b->front().values[0].mine);
  EXPECT_EQ(a->progress(Date{2022, 5, 1})->open_conflicts, 1);
  auto at_hq = server.admin()->conflicts(std::nullopt);
  ASSERT_TRUE(at_hq);
  ASSERT_EQ(at_hq->size(), 1u);
  EXPECT_EQ(at_hq->front().scope, "VLAXL");
  EXPECT_EQ(a->view()->comments.at("4.1.1").value.text, "Checked at induction");
  EXPECT_EQ(b->view()->answers.at("4.1.1").value.text, "yes");

  // Ann keeps hers; the resolution syncs like any edit and settles it everywhere.
  auto resolved = b->resolve("1.3.12", std::nullopt, client::Keep::mine, std::nullopt);
  ASSERT_TRUE(resolved) << resolved.error().message;
  EXPECT_EQ(resolved->parents.size(), 2u);
  sync_both();
  for (auto* side : {a.get(), b.get()}) {
    EXPECT_TRUE(side->conflicts()->empty());
    EXPECT_EQ(side->view()->answers.at("1.3.12").value.text, "The director");
  }
  EXPECT_TRUE(server.admin()->conflicts(std::nullopt)->empty());
  // Nothing was lost: both conflicting values stay in the history.
  auto history = a->history("1.3.12");
  ASSERT_TRUE(history);
  EXPECT_EQ(history->size(), 3u);
}

TEST(Sync, OverTlsWithAHeadOfficeCertificateTheBranchTrusts) {
  TempDir certificates;
  const auto cert = certificates / "hq.pem";
  const auto key = certificates / "hq.key";
  const std::string make = "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 "
                           "-addext subjectAltName=IP:127.0.0.1 -keyout " + key.string() + " -out " + cert.string() +
                           " >/dev/null 2>&1";
  ASSERT_EQ(std::system(make.c_str()), 0) << "openssl could not make a test certificate";
  RunningServer server({{"VLAXL", "Leeds"}}, std::make_pair(cert, key));
  TempDir stores;
  // Without the certificate to trust, the branch refuses the server.
  unsetenv("DSPTSYNC_TLS_CA");
  client::EnrolOptions untrusted{stores / "x", server.url(), server.invite("Sam Patel", "VLAXL", Role::admin),
                                 std::nullopt, "laptop"};
  auto refused = client::enrol(untrusted);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().kind, ErrorKind::network) << refused.error().message;
  // With it, enrolment and sync work over wss://.
  setenv("DSPTSYNC_TLS_CA", cert.c_str(), 1);
  auto leeds = server.enrol(stores / "leeds", "Ann Lee", "VLAXL", Role::admin);
  ASSERT_TRUE(leeds->answer("1.3.12", "The manager", "", std::nullopt));
  auto synced = client::sync_once(*leeds);
  unsetenv("DSPTSYNC_TLS_CA");
  ASSERT_TRUE(synced) << synced.error().message;
  EXPECT_EQ(synced->pushed, 1u);
}

}  // namespace
}  // namespace dsptsync
