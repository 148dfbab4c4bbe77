#include "dsptsync/sqlite_store.h"
#include "../../common/src/sqlite_schema.h"
#include "dsptsync/tuning.h"

#include "sqlite_file.h"
#include "test_support.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <fstream>
#include <future>

namespace dsptsync {
namespace {

using testing::ask_file;
using testing::TempDir;

StoredChange stored(std::string id, std::string target) {
  StoredChange change;
  change.id = std::move(id);
  change.key = {"VLAXL", "2021-22", TargetKind::item, std::move(target), Field::answer};
  change.hlc = 7;
  change.user = "Sam";
  change.device = "d1";
  change.sealed = {1, 2, 3};
  return change;
}

TEST(SqliteStore, RefusesAMissingStoreUnlessAskedToCreate) {
  TempDir dir;
  auto missing = open_sqlite_store(dir / "store.db", {});
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().kind, ErrorKind::not_found);
  EXPECT_NE(missing.error().message.find("dsptsync init"), std::string::npos);
  auto created = open_sqlite_store(dir / "store.db", {.create_if_missing = true});
  ASSERT_TRUE(created) << created.error().message;
  EXPECT_EQ(*(*created)->schema_version(), 13);
}

// A device's signature over pushes it sent unsigned is kept as received: read back whole, and
// neither changed nor removed afterwards, whoever tries.
TEST(SqliteStore, AuditCoversAreKeptAsReceived) {
  TempDir dir;
  const auto path = dir / "s.db";
  AuditCover cover{0, "d1", "Sam Patel", 1234, {{}, {}}, {}};
  cover.digests[0].fill(1);
  cover.digests[1].fill(2);
  cover.signature.fill(3);
  {
    auto store = open_sqlite_store(path, {.create_if_missing = true, .laptop_indexes = false});
    ASSERT_TRUE(store) << store.error().message;
    auto txn = (*store)->begin();
    ASSERT_TRUE(txn);
    auto id = (*txn)->append_audit_cover(cover);
    ASSERT_TRUE(id) << id.error().message;
    EXPECT_EQ(*id, 1);
    ASSERT_TRUE((*txn)->commit());
    auto read = (*store)->audit_covers_of("d1");
    ASSERT_TRUE(read) << read.error().message;
    ASSERT_EQ(read->size(), 1u);
    EXPECT_EQ(read->front().cover, 1);
    EXPECT_EQ(read->front().user, "Sam Patel");
    EXPECT_EQ(read->front().received_at, 1234);
    EXPECT_EQ(read->front().digests, cover.digests);
    EXPECT_EQ(read->front().signature, cover.signature);
    EXPECT_TRUE((*store)->audit_covers_of("d2")->empty());
  }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  EXPECT_NE(sqlite3_exec(db, "UPDATE audit_covers SET user = 'Someone'", nullptr, nullptr, nullptr), SQLITE_OK);
  EXPECT_NE(sqlite3_exec(db, "DELETE FROM audit_covers", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
}

// The upload queue's index and the history's serve a laptop only, the index of each scope's changes
// head office only: each is a write to a page of its own for every change inserted. Each side's
// store has its own whatever opened the file before, the upload queue's in its present, partial
// form, and opening a store already shaped changes nothing in its schema.
TEST(SqliteStore, EachSideKeepsOnlyTheIndexesItUses) {
  TempDir dir;
  const auto path = dir / "s.db";
  const auto role_indexes = [&] {
    return ask_file(path,
                    "SELECT group_concat(name, ' ') FROM (SELECT name FROM sqlite_schema WHERE type = 'index' AND "
                    "name IN ('changes_pending', 'changes_by_target', 'changes_by_scope') ORDER BY name)");
  };
  const auto open_as = [&](bool laptop) {
    auto store = open_sqlite_store(path, {.create_if_missing = true, .laptop_indexes = laptop});
    EXPECT_TRUE(store) << store.error().message;
    return std::move(*store);
  };
  open_as(true);
  EXPECT_EQ(role_indexes(), "changes_by_target changes_pending");
  {
    auto head_office = open_as(false);
    auto txn = head_office->begin();
    ASSERT_TRUE(txn);
    ASSERT_TRUE((*txn)->insert_change(stored("d1:1", "1.1.5")));
    ASSERT_TRUE((*txn)->commit());
  }
  EXPECT_EQ(role_indexes(), "changes_by_scope");
  const std::string schema_cookie = ask_file(path, "PRAGMA schema_version");
  open_as(false);
  EXPECT_EQ(ask_file(path, "PRAGMA schema_version"), schema_cookie) << "reopening rewrote the schema";

  // A laptop's store from before the upload queue's index was partial.
  ASSERT_TRUE(open_sqlite_store(path, {}));
  ask_file(path, "DROP INDEX changes_pending");
  ask_file(path, "CREATE INDEX changes_pending ON changes(device, server_seq, seq)");
  auto laptop = open_as(true);
  EXPECT_EQ(role_indexes(), "changes_by_target changes_pending");
  EXPECT_EQ(ask_file(path, "SELECT sql FROM sqlite_schema WHERE name = 'changes_pending'"),
            "CREATE INDEX changes_pending ON changes(device, seq) WHERE server_seq IS NULL");
  auto pending = laptop->pending_changes("d1", 0, 10);
  ASSERT_TRUE(pending) << pending.error().message;
  ASSERT_EQ(pending->size(), 1u);
  EXPECT_EQ(pending->front().id, "d1:1");
}

// The upload queue's index holds only the changes head office has not acknowledged: a change pulled
// from head office (it comes with head office's seq) or acknowledged costs it nothing. What reads
// this device's acknowledged changes, rarely, still finds them without it.
TEST(SqliteStore, TheUploadQueuesIndexHoldsOnlyWhatHeadOfficeHasNot) {
  TempDir dir;
  const auto path = dir / "s.db";
  auto store = open_sqlite_store(path, {.create_if_missing = true});
  ASSERT_TRUE(store) << store.error().message;
  const auto change = [](std::string id, std::string device, std::optional<std::int64_t> server_seq) {
    StoredChange change = stored(std::move(id), "1.1.5");
    change.device = std::move(device);
    change.server_seq = server_seq;
    return change;
  };
  auto txn = (*store)->begin();
  ASSERT_TRUE(txn);
  for (const auto& row : {change("d1:1", "d1", 4), change("d2:1", "d2", 5), change("d1:2", "d1", std::nullopt),
                          change("d2:2", "d2", 6), change("d1:3", "d1", std::nullopt)})
    ASSERT_TRUE((*txn)->insert_change(row));
  ASSERT_TRUE((*txn)->commit());
  const auto index_entries = [&] {
    // Every cell of an index's pages, interior ones too, holds one entry.
    return ask_file(path, "SELECT coalesce(sum(ncell), 0) FROM dbstat WHERE name = 'changes_pending'");
  };
  EXPECT_EQ(index_entries(), "2");
  const auto ids = [](const Result<std::vector<StoredChange>>& found) {
    EXPECT_TRUE(found) << found.error().message;
    std::string out;
    for (const auto& change : *found) out += change.id + " ";
    return out;
  };
  EXPECT_EQ(ids((*store)->pending_changes("d1", 0, 10)), "d1:2 d1:3 ");
  EXPECT_EQ(ids((*store)->pending_changes("d1", 3, 10)), "d1:3 ");
  EXPECT_EQ(*(*store)->pending_count("d1"), 2);
  EXPECT_EQ(ids((*store)->own_changes_since("d1", 3, "2021-22", 10)), "d1:1 d1:2 d1:3 ");
  EXPECT_EQ(ids((*store)->own_changes_since("d1", 4, "2021-22", 10)), "d1:2 d1:3 ");

  // The queue's look-ups, in the shape the store asks them: SQLite must answer both from the index.
  for (const std::string query : {"SELECT seq FROM changes WHERE device = 'd1' AND server_seq IS NULL AND seq > 0 "
                                  "ORDER BY seq LIMIT 10",
                                  "SELECT count(*) FROM changes WHERE device = 'd1' AND server_seq IS NULL"}) {
    const auto plan = ask_file(path, "EXPLAIN QUERY PLAN " + query);
    EXPECT_NE(plan.find("changes_pending"), std::string::npos) << query << ": " << plan;
  }

  // After head office restores its server, every change of this device goes back in the queue.
  txn = (*store)->begin();
  ASSERT_TRUE(txn);
  ASSERT_TRUE((*txn)->forget_acknowledgements("d1"));
  ASSERT_TRUE((*txn)->commit());
  EXPECT_EQ(ids((*store)->pending_changes("d1", 0, 10)), "d1:1 d1:2 d1:3 ");
  EXPECT_EQ(index_entries(), "3");
}

// Without the history index, head office still finds exactly one target's changes, oldest first;
// an incident's through the index of incidents alone, since every incident edit pushed to head
// office reads them (a scan of the branch's whole log each time would grow with the log). A store
// at version 12 gains that index when opened.
TEST(SqliteStore, HeadOfficeFindsATargetsChangesWithoutTheLaptopsHistoryIndex) {
  TempDir dir;
  const auto path = dir / "s.db";
  ASSERT_TRUE(open_sqlite_store(path, {.create_if_missing = true}));
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, "DROP INDEX changes_of_incidents; PRAGMA user_version = 12", nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(db);
  }
  auto store = open_sqlite_store(path, {.laptop_indexes = false});
  ASSERT_TRUE(store) << store.error().message;
  EXPECT_EQ(*(*store)->schema_version(), 13);
  const auto incident = [](std::string id, std::string scope, std::string year, std::string target) {
    StoredChange change = stored(std::move(id), std::move(target));
    change.key = {std::move(scope), std::move(year), TargetKind::incident, change.key.target, Field::what_happened};
    return change;
  };
  auto txn = (*store)->begin();
  ASSERT_TRUE(txn);
  for (const auto& change :
       {stored("d1:1", "1.1.5"), incident("d1:2", "VLAXL", "2021-22", "INC-0000000A"), stored("d1:3", "2.1.1"),
        incident("d1:4", "VM2B3", "2021-22", "INC-0000000A"), incident("d1:5", "VLAXL", "2022-23", "INC-0000000A"),
        stored("d1:6", "1.1.5"), incident("d1:7", "VLAXL", "2021-22", "INC-0000000A"),
        incident("d1:8", "VLAXL", "2021-22", "INC-0000000B")})
    ASSERT_TRUE((*txn)->insert_change(change));
  ASSERT_TRUE((*txn)->commit());

  const auto ids = [&](TargetKind kind, std::string_view target) {
    auto found = (*store)->changes_of_target("VLAXL", "2021-22", kind, target);
    EXPECT_TRUE(found) << found.error().message;
    std::string out;
    for (const auto& change : *found) out += change.id + " ";
    return out;
  };
  EXPECT_EQ(ids(TargetKind::item, "1.1.5"), "d1:1 d1:6 ");
  EXPECT_EQ(ids(TargetKind::incident, "INC-0000000A"), "d1:2 d1:7 ");
  EXPECT_EQ(ids(TargetKind::item, "INC-0000000A"), "") << "the kind is part of the target";

  // The incident look-up's shape, as the store asks it: SQLite must answer it from the incidents' index.
  const auto plan = ask_file(path,
                             "EXPLAIN QUERY PLAN SELECT seq FROM changes WHERE scope = 'VLAXL' AND year = "
                             "'2021-22' AND target_kind = 5 AND target = 'INC-0000000A' ORDER BY seq");
  EXPECT_NE(plan.find("changes_of_incidents"), std::string::npos) << plan;
}

TEST(SqliteStore, CommittedWritesSurviveReopeningAndRolledBackOnesDoNot) {
  TempDir dir;
  {
    auto store = open_sqlite_store(dir / "s.db", {.create_if_missing = true});
    ASSERT_TRUE(store);
    auto txn = (*store)->begin();
    ASSERT_TRUE(txn);
    ASSERT_TRUE((*txn)->insert_change(stored("d1:1", "1.1.5")));
    ASSERT_TRUE((*txn)->put_field({{"VLAXL", "2021-22", TargetKind::item, "1.1.5", Field::answer}, true, {9}, 1}));
    ASSERT_TRUE((*txn)->commit());
    auto abandoned = (*store)->begin();
    ASSERT_TRUE(abandoned);
    ASSERT_TRUE((*abandoned)->insert_change(stored("d1:2", "2.1.1")));
    // destroyed without commit: rolled back
  }
  auto store = open_sqlite_store(dir / "s.db", {});
  ASSERT_TRUE(store);
  EXPECT_EQ(*(*store)->change_count(), 1);
  auto fields = (*store)->fields("VLAXL", "2021-22");
  ASSERT_TRUE(fields);
  ASSERT_EQ(fields->size(), 1u);
  EXPECT_TRUE(fields->front().in_conflict);
  EXPECT_EQ(fields->front().sealed, Bytes{9});
  auto history = (*store)->changes_of_target("VLAXL", "2021-22", TargetKind::item, "1.1.5");
  ASSERT_TRUE(history);
  ASSERT_EQ(history->size(), 1u);
  EXPECT_EQ(history->front().id, "d1:1");
  EXPECT_EQ(history->front().sealed, (Bytes{1, 2, 3}));
  EXPECT_TRUE((*store)->check_integrity()->empty());
}

// Head office's file server reads on a connection of its own: it sees what the writer commits, and
// can write nothing; it never migrates a database an older build left.
TEST(SqliteStore, AReadOnlyConnectionSeesCommitsAndWritesNothing) {
  TempDir dir;
  auto writer = open_sqlite_store(dir / "s.db", {.create_if_missing = true});
  ASSERT_TRUE(writer);
  auto reader = open_sqlite_store(dir / "s.db", {.read_only = true});
  ASSERT_TRUE(reader) << reader.error().message;
  EXPECT_EQ(*(*reader)->change_count(), 0);
  auto txn = (*writer)->begin();
  ASSERT_TRUE(txn);
  ASSERT_TRUE((*txn)->insert_change(stored("d1:1", "1.1.5")));
  ASSERT_TRUE((*txn)->commit());
  EXPECT_EQ(*(*reader)->change_count(), 1) << "the reader sees the commit";

  auto written = (*reader)->begin();
  if (written) {
    EXPECT_FALSE((*written)->insert_change(stored("d1:2", "2.1.1"))) << "a read-only connection writes nothing";
  }
  EXPECT_EQ(*(*writer)->change_count(), 1);

  writer->reset();
  reader->reset();
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((dir / "s.db").string().c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, "PRAGMA user_version = 11", nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
  }
  auto old = open_sqlite_store(dir / "s.db", {.read_only = true});
  ASSERT_FALSE(old);
  EXPECT_NE(old.error().message.find("schema version 11"), std::string::npos) << old.error().message;
}

TEST(SqliteStore, FieldsOfOneKindAreReadAcrossYearsForOneScopeOrAll) {
  TempDir dir;
  auto store = open_sqlite_store(dir / "s.db", {.create_if_missing = true});
  ASSERT_TRUE(store);
  auto txn = (*store)->begin();
  ASSERT_TRUE(txn);
  const FieldKey leeds_old{"VLAXL", "2024-25", TargetKind::incident, "INC-0000000A", Field::what_happened};
  const FieldKey leeds_new{"VLAXL", "2026-27", TargetKind::incident, "INC-0000000B", Field::found_at};
  const FieldKey york{"VM2B3", "2026-27", TargetKind::incident, "INC-0000000C", Field::category};
  for (const auto& key : {leeds_old, leeds_new, york}) ASSERT_TRUE((*txn)->put_field({key, false, {1}, 1}));
  ASSERT_TRUE((*txn)->put_field({{"VLAXL", "2026-27", TargetKind::item, "1.1.5", Field::answer}, false, {2}, 1}));
  ASSERT_TRUE((*txn)->commit());

  auto keys_of = [](const std::vector<StoredField>& fields) {
    std::vector<FieldKey> keys;
    for (const auto& field : fields) keys.push_back(field.key);
    return keys;
  };
  auto leeds = (*store)->fields_of_kind(TargetKind::incident, "VLAXL");
  ASSERT_TRUE(leeds);
  EXPECT_EQ(keys_of(*leeds), (std::vector<FieldKey>{leeds_old, leeds_new})) << "both years, no answer, no York";
  auto every = (*store)->fields_of_kind(TargetKind::incident, "");
  ASSERT_TRUE(every);
  EXPECT_EQ(keys_of(*every), (std::vector<FieldKey>{leeds_old, leeds_new, york}));
}

TEST(SqliteStore, ADuplicateChangeIdIsRefused) {
  TempDir dir;
  auto store = open_sqlite_store(dir / "s.db", {.create_if_missing = true});
  ASSERT_TRUE(store);
  auto txn = (*store)->begin();
  ASSERT_TRUE((*txn)->insert_change(stored("d1:1", "1.1.5")));
  EXPECT_TRUE(*(*txn)->has_change("d1:1"));
  EXPECT_FALSE((*txn)->insert_change(stored("d1:1", "1.1.5")));
}

TEST(SqliteStore, AChangeInsertedIfNewIsLeftAsItWasWhenItsIdIsLoggedAlready) {
  TempDir dir;
  auto store = open_sqlite_store(dir / "s.db", {.create_if_missing = true});
  ASSERT_TRUE(store);
  auto txn = (*store)->begin();
  auto first = (*txn)->insert_change_if_new(stored("d1:1", "1.1.5"));
  ASSERT_TRUE(first) << first.error().message;
  ASSERT_TRUE(*first);
  auto other = stored("d1:1", "2.1.1");
  other.sealed = {9, 9, 9};
  auto again = (*txn)->insert_change_if_new(other);
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_FALSE(*again);
  auto next = (*txn)->insert_change_if_new(stored("d1:2", "2.1.1"));
  ASSERT_TRUE(next && *next);
  EXPECT_GT(**next, **first);
  ASSERT_TRUE((*txn)->commit());
  EXPECT_EQ(*(*store)->change_count(), 2);
  auto kept = (*store)->changes_by_id({"d1:1"});
  ASSERT_TRUE(kept);
  ASSERT_EQ(kept->size(), 1u);
  EXPECT_EQ(kept->front().key.target, "1.1.5");
  EXPECT_EQ(kept->front().sealed, (Bytes{1, 2, 3}));
  EXPECT_EQ(kept->front().seq, **first);
}

TEST(SqliteStore, PagesThroughTheLogInOrder) {
  TempDir dir;
  auto store = open_sqlite_store(dir / "s.db", {.create_if_missing = true});
  ASSERT_TRUE(store);
  auto txn = (*store)->begin();
  for (int i = 1; i <= 25; ++i) ASSERT_TRUE((*txn)->insert_change(stored("d1:" + std::to_string(i), "1.1.5")));
  ASSERT_TRUE((*txn)->commit());
  std::int64_t cursor = 0;
  int seen = 0, pages = 0;
  while (true) {
    auto page = (*store)->changes_after(cursor, 10);
    ASSERT_TRUE(page);
    if (page->empty()) break;
    ++pages;
    for (const auto& change : *page) {
      EXPECT_EQ(change.id, "d1:" + std::to_string(++seen));
      cursor = change.seq;
    }
  }
  EXPECT_EQ(seen, 25);
  EXPECT_EQ(pages, 3);
}

TEST(SqliteStore, RefusesAForeignSqliteDatabaseAndGarbage) {
  TempDir dir;
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((dir / "other.db").c_str(), &db), SQLITE_OK);
    sqlite3_exec(db, "CREATE TABLE t(x); INSERT INTO t VALUES(1);", nullptr, nullptr, nullptr);
    sqlite3_close(db);
  }
  auto foreign = open_sqlite_store(dir / "other.db", {});
  ASSERT_FALSE(foreign);
  EXPECT_NE(foreign.error().message.find("not a dsptsync store"), std::string::npos) << foreign.error().message;

  std::ofstream(dir / "garbage.db") << std::string(4096, 'x');
  auto garbage = open_sqlite_store(dir / "garbage.db", {});
  ASSERT_FALSE(garbage);
  EXPECT_EQ(garbage.error().kind, ErrorKind::corrupt) << garbage.error().message;
}

TEST(SqliteStore, RefusesAStoreFromANewerVersion) {
  TempDir dir;
  { ASSERT_TRUE(open_sqlite_store(dir / "s.db", {.create_if_missing = true})); }
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((dir / "s.db").c_str(), &db), SQLITE_OK);
    sqlite3_exec(db, "PRAGMA user_version = 99", nullptr, nullptr, nullptr);
    sqlite3_close(db);
  }
  auto newer = open_sqlite_store(dir / "s.db", {});
  ASSERT_FALSE(newer);
  EXPECT_NE(newer.error().message.find("newer than this dsptsync"), std::string::npos);
}

// Two programs opening a store from an older version at the same moment (`dsptsync ui` and a
// command, just after an upgrade): the one that waits for the write lock finds the step taken and
// does not take it again (it used to fail on "index ... already exists").
TEST(SqliteStore, AStoreUpgradedByAnotherProgramMeanwhileIsNotUpgradedTwice) {
  TempDir dir;
  const auto path = dir / "s.db";
  ASSERT_TRUE(open_sqlite_store(path, {.create_if_missing = true}));
  sqlite3* other = nullptr;  // the other program, upgrading from version 12
  ASSERT_EQ(sqlite3_open(path.c_str(), &other), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "DROP INDEX changes_of_incidents; PRAGMA user_version = 12", nullptr, nullptr, nullptr),
            SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);

  // This one reads version 12, then waits for the write lock the other holds.
  auto opening = std::async(std::launch::async, [&] { return open_sqlite_store(path, {}); });
  ASSERT_EQ(opening.wait_for(std::chrono::milliseconds(300)), std::future_status::timeout);
  ASSERT_EQ(sqlite3_exec(other, std::string(sqlite::migrations()[12]).c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "PRAGMA user_version = 13; COMMIT", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(other);

  auto store = opening.get();
  ASSERT_TRUE(store) << store.error().message;
  EXPECT_EQ(*(*store)->schema_version(), 13);
}

TEST(SqliteStore, UsesWalWithFullSynchronousCommits) {
  TempDir dir;
  { ASSERT_TRUE(open_sqlite_store(dir / "s.db", {.create_if_missing = true})); }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir / "s.db").c_str(), &db), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &stmt, nullptr);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)), "wal");
  sqlite3_finalize(stmt);
  sqlite3_close(db);
}

// The write-ahead log is copied into the database once it holds tuning.h's kWalCheckpointBytes, not
// at SQLite's default of 4 MiB (a longer log copies each page once for more commits), and it is
// copied then: the log file does not grow past that and one commit.
TEST(SqliteStore, CheckpointsTheLogOnceItHoldsTheSetBytes) {
  TempDir dir;
  auto store = open_sqlite_store(dir / "s.db", {.create_if_missing = true});
  ASSERT_TRUE(store) << store.error().message;
  constexpr std::size_t kMiB = 1024 * 1024;
  const std::string value(kMiB, 'x');
  auto put = [&](std::size_t i) {
    auto txn = (*store)->begin();
    ASSERT_TRUE(txn) << txn.error().message;
    ASSERT_TRUE((*txn)->put_setting("bulk/" + std::to_string(i), value));
    ASSERT_TRUE((*txn)->commit());
  };
  auto log_bytes = [&] { return std::filesystem::file_size(dir / "s.db-wal"); };
  const std::size_t half = tuning::kWalCheckpointBytes / kMiB / 2;
  ASSERT_GT(half, 4u) << "the test needs more than SQLite's default of 4 MiB below the set bytes";
  std::size_t written = 0;
  for (; written < half; ++written) put(written);
  EXPECT_GE(log_bytes(), half * kMiB) << "checkpointed before the log held kWalCheckpointBytes";
  for (; written < 3 * half * 2; ++written) put(written);
  EXPECT_LE(log_bytes(), tuning::kWalCheckpointBytes + 2 * kMiB) << "the log grew past kWalCheckpointBytes";
  EXPECT_EQ((*store)->setting("bulk/0")->value_or(""), value);
}

}  // namespace
}  // namespace dsptsync
