// Power loss: a change whose record() returned (its COMMIT did) survives, whatever the power does
// afterwards. kill -9 cannot show this (the kernel still writes its page cache), so these tests run
// SQLite over PowerLossVfs, which throws away what was not synced (power_loss_vfs.h).
#include "power_loss_vfs.h"

#include "dsptsync/ledger.h"
#include "dsptsync/sqlite_store.h"
#include "dsptsync/store_keys.h"
#include "test_support.h"

#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <iterator>
#include <random>
#include <set>

namespace dsptsync {
namespace {

using testing::CutOn;
using testing::PowerLossMode;
using testing::PowerLossVfs;
using testing::TempDir;

const char* to_string(PowerLossMode mode) {
  switch (mode) {
    case PowerLossMode::drop_unsynced: return "drop_unsynced";
    case PowerLossMode::tear_unsynced: return "tear_unsynced";
    case PowerLossMode::keep_unsynced: return "keep_unsynced";
  }
  return "?";
}

std::string file_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// ---- plain SQLite helpers ----

std::string exec(sqlite3* db, const std::string& sql) {
  char* message = nullptr;
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message) == SQLITE_OK) return {};
  std::string text = sql + ": " + (message ? message : sqlite3_errmsg(db));
  sqlite3_free(message);
  return text;
}

// The first column of the first row, or -1 (with the error in `error`).
std::int64_t scalar(sqlite3* db, const std::string& sql, std::string* error = nullptr) {
  sqlite3_stmt* stmt = nullptr;
  std::int64_t value = -1;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK &&
      sqlite3_step(stmt) == SQLITE_ROW)
    value = sqlite3_column_int64(stmt, 0);
  else if (error)
    *error = sqlite3_errmsg(db);
  sqlite3_finalize(stmt);
  return value;
}

std::string integrity(sqlite3* db) {
  sqlite3_stmt* stmt = nullptr;
  std::string out;
  if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &stmt, nullptr) != SQLITE_OK)
    return sqlite3_errmsg(db);
  int rc;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
    out += reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
  if (rc != SQLITE_DONE) out += sqlite3_errmsg(db);
  sqlite3_finalize(stmt);
  return out;
}

// ---- a dsptsync replica over the shim ----

const Identity kIdentity{"Sam Patel", "aaaa"};

struct Replica {
  std::unique_ptr<Store> store;
  std::unique_ptr<Ledger> ledger;
  // The process is dead: the objects go, and nothing they do on the way reaches the disk.
  void abandon() {
    ledger.reset();
    store.reset();
  }
};

// Opens (or creates, with its key file) the store at `db`; returns what went wrong, or "".
std::string open_replica(const std::filesystem::path& db, const std::filesystem::path& key_file, bool create,
                         Replica& out) {
  auto store = open_sqlite_store(db, {.create_if_missing = create});
  if (!store) return "open: " + store.error().message;
  auto key = create ? create_store_key(**store, {key_file, std::nullopt})
                    : unlock_store(**store, {key_file, std::nullopt});
  if (!key) return "key: " + key.error().message;
  out.store = std::move(*store);
  out.ledger = std::make_unique<Ledger>(*out.store, *key, kIdentity);
  return {};
}

std::string integrity(Store& store) {
  auto problems = store.check_integrity();
  if (!problems) return problems.error().message;
  std::string out;
  for (const auto& p : *problems) out += p + "\n";
  return out;
}

// What the power cut, and what the store must hold afterwards.
struct Expected {
  std::map<std::string, Edit> changes;                 // every acknowledged change, by id
  std::map<FieldKey, std::optional<FieldValue>> last;  // each field's last acknowledged value
  std::uint64_t counter = 0;                           // ids aaaa:1 .. aaaa:counter exist

  void acknowledge(const std::vector<Edit>& edits) {
    for (const auto& edit : edits) {
      changes["aaaa:" + std::to_string(++counter)] = edit;
      last[edit.key] = edit.value;
    }
  }
};

// Checks the reopened store against what was acknowledged. `in_flight` is the record() the power
// cut short: all of it or none of it may be there (it was never acknowledged, and it is atomic).
// Returns whether it survived.
bool check_replica(Replica& replica, Expected& expected, const std::vector<Edit>& in_flight) {
  EXPECT_EQ(integrity(*replica.store), "");
  auto stored = replica.store->changes_after(0, 1u << 20);
  EXPECT_TRUE(stored) << stored.error().message;
  if (!stored) return false;
  auto opened = replica.ledger->open_changes(*stored);
  EXPECT_TRUE(opened) << opened.error().message;
  if (!opened) return false;

  std::set<std::string> seen;
  std::size_t in_flight_found = 0;
  for (const auto& logged : *opened) {
    const Change& change = logged.change;
    seen.insert(change.id);
    if (auto it = expected.changes.find(change.id); it != expected.changes.end()) {
      EXPECT_EQ(change.key, it->second.key) << change.id;
      EXPECT_EQ(change.value, it->second.value) << change.id;
      continue;
    }
    bool matched = false;
    for (std::size_t j = 0; j < in_flight.size(); ++j) {
      if (change.id != "aaaa:" + std::to_string(expected.counter + 1 + j)) continue;
      EXPECT_EQ(change.key, in_flight[j].key) << change.id;
      EXPECT_EQ(change.value, in_flight[j].value) << change.id;
      ++in_flight_found;
      matched = true;
    }
    EXPECT_TRUE(matched) << "change " << change.id << " was never recorded";
  }
  for (const auto& [id, edit] : expected.changes)
    EXPECT_TRUE(seen.count(id)) << "acknowledged change " << id << " was lost";
  EXPECT_TRUE(in_flight_found == 0 || in_flight_found == in_flight.size())
      << in_flight_found << " of the " << in_flight.size() << " changes of one record() survived";

  const bool survived = !in_flight.empty() && in_flight_found == in_flight.size();
  if (survived) expected.acknowledge(in_flight);
  for (const auto& [key, value] : expected.last) {
    auto field = replica.ledger->field(key);
    EXPECT_TRUE(field) << field.error().message;
    if (!field) continue;
    EXPECT_EQ(field->heads.size(), 1u) << key.target;
    if (field->winner()) {
      EXPECT_EQ(field->winner()->value, value) << key.target << " has the wrong value";
    }
  }
  return survived;
}

// ---- the shim itself ----

// The contract everything else rests on, checked on raw bytes: reads see pending writes over the
// durable image, closing a file does not make it durable, xSync does (truncation included), and a
// power loss restores exactly the last synced image.
TEST(PowerLoss, TheVfsKeepsExactlyTheLastSyncedImage) {
  TempDir dir;
  PowerLossVfs vfs(7);
  ASSERT_EQ(vfs.install(false), SQLITE_OK);
  sqlite3_vfs* shim = sqlite3_vfs_find(PowerLossVfs::kName);
  ASSERT_NE(shim, nullptr);
  const std::string path = (dir / "raw.bin").string();
  const auto words = static_cast<std::size_t>(shim->szOsFile) / sizeof(std::max_align_t) + 1;
  std::vector<std::max_align_t> storage(words);
  auto* f = reinterpret_cast<sqlite3_file*>(storage.data());
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_MAIN_JOURNAL;
  auto open = [&] { return shim->xOpen(shim, path.c_str(), f, flags, nullptr); };
  auto write = [&](char c, int n, sqlite3_int64 at) {
    return f->pMethods->xWrite(f, std::string(n, c).data(), n, at);
  };
  auto logical = [&] {
    sqlite3_int64 size = 0;
    EXPECT_EQ(f->pMethods->xFileSize(f, &size), SQLITE_OK);
    std::string out(static_cast<std::size_t>(size), '?');
    EXPECT_EQ(f->pMethods->xRead(f, out.data(), static_cast<int>(size), 0), SQLITE_OK);
    return out;
  };

  ASSERT_EQ(open(), SQLITE_OK);
  ASSERT_EQ(write('A', 1000, 0), SQLITE_OK);
  EXPECT_EQ(file_bytes(path), "") << "an unsynced write reached the disk";
  ASSERT_EQ(f->pMethods->xSync(f, SQLITE_SYNC_NORMAL), SQLITE_OK);
  const std::string synced = std::string(1000, 'A');
  EXPECT_EQ(file_bytes(path), synced);

  // Overwrite across the end, cut short, then extend past a gap that must read as zeros.
  ASSERT_EQ(write('B', 100, 950), SQLITE_OK);
  ASSERT_EQ(f->pMethods->xTruncate(f, 700), SQLITE_OK);
  ASSERT_EQ(write('C', 10, 800), SQLITE_OK);
  const std::string image = std::string(700, 'A') + std::string(100, '\0') + std::string(10, 'C');
  EXPECT_EQ(logical(), image);
  char tail[20];
  EXPECT_EQ(f->pMethods->xRead(f, tail, 20, 800), SQLITE_IOERR_SHORT_READ);
  EXPECT_EQ(std::string(tail, 20), std::string(10, 'C') + std::string(10, '\0'));
  EXPECT_EQ(file_bytes(path), synced);
  // Closing is not syncing: the page cache still holds the writes, for this handle or the next.
  ASSERT_EQ(f->pMethods->xClose(f), SQLITE_OK);
  EXPECT_EQ(file_bytes(path), synced);
  ASSERT_EQ(open(), SQLITE_OK);
  EXPECT_EQ(logical(), image);
  ASSERT_EQ(f->pMethods->xSync(f, SQLITE_SYNC_NORMAL), SQLITE_OK);
  EXPECT_EQ(file_bytes(path), image);

  // Unsynced writes and a truncation, then the power goes.
  ASSERT_EQ(write('D', 3000, 200), SQLITE_OK);
  ASSERT_EQ(f->pMethods->xTruncate(f, 1500), SQLITE_OK);
  vfs.simulate_power_loss();
  EXPECT_EQ(write('E', 1, 0), SQLITE_IOERR_WRITE) << "a dead machine wrote";
  EXPECT_EQ(f->pMethods->xSync(f, SQLITE_SYNC_NORMAL), SQLITE_IOERR_FSYNC);
  EXPECT_NE(vfs.restore_power(), "") << "power came back with a file open";
  ASSERT_EQ(f->pMethods->xClose(f), SQLITE_OK);
  ASSERT_EQ(vfs.restore_power(), "");
  EXPECT_EQ(file_bytes(path), image);
  ASSERT_EQ(open(), SQLITE_OK);
  EXPECT_EQ(logical(), image);

  // The same writes with keep_unsynced (a process crash): everything written reaches the disk.
  ASSERT_EQ(write('D', 3000, 200), SQLITE_OK);
  ASSERT_EQ(f->pMethods->xTruncate(f, 1500), SQLITE_OK);
  const std::string crashed = logical();
  EXPECT_EQ(crashed, std::string(200, 'A') + std::string(1300, 'D'));
  vfs.simulate_power_loss(PowerLossMode::keep_unsynced);
  ASSERT_EQ(f->pMethods->xClose(f), SQLITE_OK);
  ASSERT_EQ(vfs.restore_power(), "");
  EXPECT_EQ(file_bytes(path), crashed);

  const auto stats = vfs.stats();
  EXPECT_EQ(stats.power_losses, 2u);
  EXPECT_EQ(stats.syncs, 2u);
  EXPECT_GT(stats.dropped_sectors, 0u);
  EXPECT_GT(stats.kept_sectors, 0u);
}

// The control: without syncs the shim loses commits, so the test below could fail if dsptsync
// did not sync. And a process crash (keep_unsynced, what kill -9 shows) loses nothing, which is
// why kill -9 cannot find a missing fsync.
TEST(PowerLoss, TheVfsReallyDropsUnsyncedWrites) {
  for (const PowerLossMode mode : {PowerLossMode::drop_unsynced, PowerLossMode::keep_unsynced}) {
    SCOPED_TRACE(to_string(mode));
    TempDir dir;
    PowerLossVfs vfs(11);
    ASSERT_EQ(vfs.install(false), SQLITE_OK);
    const std::string path = (dir / "plain.db").string();
    const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open_v2(path.c_str(), &db, flags, PowerLossVfs::kName), SQLITE_OK);
    for (const char* sql : {"PRAGMA journal_mode = WAL", "PRAGMA synchronous = FULL",
                            "CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT NOT NULL)"})
      ASSERT_EQ(exec(db, sql), "");
    constexpr int kSynced = 10;
    constexpr int kUnsynced = 200;
    for (int i = 0; i < kSynced; ++i) ASSERT_EQ(exec(db, "INSERT INTO t(v) VALUES('synced')"), "");
    ASSERT_EQ(exec(db, "PRAGMA synchronous = OFF"), "");
    const auto before = vfs.stats();
    for (int i = 0; i < kUnsynced; ++i) ASSERT_EQ(exec(db, "INSERT INTO t(v) VALUES('unsynced')"), "");
    const auto after = vfs.stats();
    EXPECT_EQ(after.syncs, before.syncs) << "synchronous=OFF synced";
    EXPECT_GE(after.writes - before.writes, static_cast<std::uint64_t>(kUnsynced));
    EXPECT_EQ(scalar(db, "SELECT count(*) FROM t"), kSynced + kUnsynced) << "reads must see unsynced writes";

    vfs.simulate_power_loss(mode);
    sqlite3_close_v2(db);
    ASSERT_EQ(vfs.restore_power(), "");
    ASSERT_EQ(sqlite3_open_v2(path.c_str(), &db, flags, PowerLossVfs::kName), SQLITE_OK);
    EXPECT_EQ(integrity(db), "ok");
    std::string error;
    const std::int64_t rows = scalar(db, "SELECT count(*) FROM t", &error);
    EXPECT_EQ(error, "");
    const std::int64_t synced_rows = scalar(db, "SELECT count(*) FROM t WHERE v = 'synced'");
    sqlite3_close_v2(db);
    EXPECT_EQ(synced_rows, kSynced) << "a synced commit was lost";
    if (mode == PowerLossMode::drop_unsynced)
      EXPECT_EQ(rows, kSynced) << "the shim kept commits that were never synced";
    else
      EXPECT_EQ(rows, kSynced + kUnsynced) << "a process crash lost data the kernel had";
    const auto stats = vfs.stats();
    std::cout << "[power loss control] " << to_string(mode) << ": " << rows << " of " << kSynced + kUnsynced
              << " rows after the cut; " << stats.syncs << " syncs, " << stats.writes << " writes, "
              << stats.unsynced_writes << " unsynced writes at the cut, " << stats.dropped_sectors
              << " sectors dropped, " << stats.kept_sectors << " kept\n";
  }
}

// ---- dsptsync over the shim ----

// Records changes one record() at a time and cuts the power at seeded random points: between
// commits, in the middle of one (at a random write, truncate or sync), or in the middle of a
// checkpoint; the disk then keeps none, a random part, or all of what was not synced. After each
// cut the store must open, pass integrity_check, and hold every change whose record() returned,
// with its value, and every field at its last acknowledged value.
TEST(PowerLoss, EveryAcknowledgedChangeSurvives) {
  constexpr std::uint64_t kSeed = 20240611;
  constexpr int kRounds = 50;
  SCOPED_TRACE("seed " + std::to_string(kSeed));
  ASSERT_TRUE(crypto::initialise());
  TempDir dir;
  PowerLossVfs vfs(kSeed);
  // As the default VFS, open_sqlite_store uses it without a change (see the report: a
  // SqliteStoreOptions::vfs_name would say so explicitly).
  ASSERT_EQ(vfs.install(true), SQLITE_OK);
  const auto db = dir / "store.db";
  const auto key_file = dir / "store.key";
  Replica replica;
  ASSERT_EQ(open_replica(db, key_file, true, replica), "");

  std::mt19937_64 random(kSeed);
  std::vector<FieldKey> keys;
  for (const char* item : {"1.1.1", "1.1.2", "1.2.4", "3.2.1", "7.3.1"})
    for (Field field : {Field::answer, Field::comment})
      keys.push_back({"VLAXL", "2021-22", TargetKind::item, item, field});

  Expected expected;
  int by_mode[3] = {};
  int between_commits = 0, mid_operation = 0, in_checkpoint = 0, in_flight_survived = 0, failed_records = 0;
  for (int round = 0; round < kRounds; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    const auto mode = static_cast<PowerLossMode>(random() % 3);
    ++by_mode[static_cast<int>(mode)];
    // Every fifth round waits for a checkpoint (the only writer of the main file in WAL mode).
    const int style = round % 5 == 4 ? 2 : static_cast<int>(random() % 2);
    const int clean_after = static_cast<int>(random() % 16);
    if (style == 0) {
      ++between_commits;
    } else if (style == 1) {
      vfs.cut_power_after(1 + random() % 60, mode);
      ++mid_operation;
    } else {
      vfs.cut_power_after(1 + random() % 8, mode, CutOn::main_db_write);
      ++in_checkpoint;
    }

    std::vector<Edit> in_flight;
    for (int i = 0; vfs.powered(); ++i) {
      if (style == 0 && i == clean_after) {
        vfs.simulate_power_loss(mode);
        break;
      }
      ASSERT_LT(i, 3000) << "the scheduled power cut never came";
      std::shuffle(keys.begin(), keys.end(), random);
      std::vector<Edit> edits(1 + random() % 3);
      for (std::size_t j = 0; j < edits.size(); ++j) {
        edits[j].key = keys[j];
        if (random() % 10 != 0)
          edits[j].value = FieldValue{
              "round " + std::to_string(round) + " edit " + std::to_string(i) + "." + std::to_string(j), ""};
      }
      auto recorded = replica.ledger->record(edits);
      if (!recorded) {
        ASSERT_FALSE(vfs.powered()) << "record() failed with the power on: " << recorded.error().message;
        in_flight = edits;
        ++failed_records;
        break;
      }
      // Acknowledged: COMMIT returned. The power may already be gone (a checkpoint after the
      // commit), and that must not matter.
      ASSERT_EQ(recorded->size(), edits.size());
      for (std::size_t j = 0; j < edits.size(); ++j)
        ASSERT_EQ(recorded->at(j).id, "aaaa:" + std::to_string(expected.counter + 1 + j));
      expected.acknowledge(edits);
    }

    replica.abandon();
    ASSERT_EQ(vfs.open_files(), 0) << "a connection outlived its store";
    ASSERT_EQ(vfs.restore_power(), "");
    ASSERT_EQ(open_replica(db, key_file, false, replica), "");
    if (check_replica(replica, expected, in_flight)) ++in_flight_survived;
    if (::testing::Test::HasFailure()) return;
    // The ledger's counter is in the same transactions as the changes, so ids carry on exactly.
    auto next = replica.ledger->record(Edit{keys[0], FieldValue{"after round " + std::to_string(round), ""}});
    ASSERT_TRUE(next) << next.error().message;
    EXPECT_EQ(next->id, "aaaa:" + std::to_string(expected.counter + 1));
    expected.acknowledge({Edit{keys[0], FieldValue{"after round " + std::to_string(round), ""}}});
  }
  replica.abandon();

  const auto stats = vfs.stats();
  std::cout << "[power loss] seed " << kSeed << ": " << kRounds << " rounds (" << by_mode[0] << " drop, "
            << by_mode[1] << " tear, " << by_mode[2] << " keep; " << between_commits << " between commits, "
            << mid_operation << " mid-operation, " << in_checkpoint << " waiting for a checkpoint), "
            << expected.counter << " changes acknowledged and all found, " << failed_records
            << " record() calls cut short (" << in_flight_survived << " of them survived whole), "
            << stats.syncs << " syncs, " << stats.writes << " writes, " << stats.truncates << " truncates, "
            << stats.unsynced_writes << " unsynced writes at the cuts, " << stats.dropped_sectors
            << " sectors dropped, " << stats.kept_sectors << " kept, " << stats.cuts_during_checkpoint
            << " cuts during a checkpoint\n";
  EXPECT_EQ(stats.power_losses, static_cast<std::uint64_t>(kRounds));
  // The run exercised what it claims: cuts that lost data, and cuts inside a checkpoint.
  EXPECT_GT(stats.dropped_sectors, 0u);
  EXPECT_GT(stats.unsynced_writes, 0u);
  EXPECT_GE(stats.cuts_during_checkpoint, static_cast<std::uint64_t>(in_checkpoint));
  EXPECT_GT(failed_records, 0);
}

// The control at dsptsync's level: if the store's commits were not synced (here the disk lies
// about fsync), acknowledged changes are lost at the cut, and check_replica, the check the test
// above relies on, says so.
TEST(PowerLoss, ChecksCatchAcknowledgedChangesLostToAMissingSync) {
  ASSERT_TRUE(crypto::initialise());
  TempDir dir;
  PowerLossVfs vfs(3);
  ASSERT_EQ(vfs.install(true), SQLITE_OK);
  Replica replica;
  ASSERT_EQ(open_replica(dir / "store.db", dir / "store.key", true, replica), "");
  Expected expected;
  const FieldKey key{"VLAXL", "2021-22", TargetKind::item, "1.1.5", Field::answer};
  for (int i = 0; i < 10; ++i) {
    const Edit edit{key, FieldValue{"synced " + std::to_string(i), ""}};
    ASSERT_TRUE(replica.ledger->record(edit));
    expected.acknowledge({edit});
  }
  vfs.set_syncs_lie(true);
  for (int i = 0; i < 10; ++i) {
    const Edit edit{key, FieldValue{"never synced " + std::to_string(i), ""}};
    ASSERT_TRUE(replica.ledger->record(edit));
    expected.acknowledge({edit});
  }
  vfs.simulate_power_loss();
  replica.abandon();
  vfs.set_syncs_lie(false);
  ASSERT_EQ(vfs.restore_power(), "");
  ASSERT_EQ(open_replica(dir / "store.db", dir / "store.key", false, replica), "");

  ::testing::TestPartResultArray failures;
  {
    ::testing::ScopedFakeTestPartResultReporter intercept(
        ::testing::ScopedFakeTestPartResultReporter::INTERCEPT_ONLY_CURRENT_THREAD, &failures);
    check_replica(replica, expected, {});
  }
  int lost = 0;
  bool wrong_value = false;
  for (int i = 0; i < failures.size(); ++i) {
    const std::string message = failures.GetTestPartResult(i).message();
    lost += message.find("was lost") != std::string::npos;
    wrong_value = wrong_value || message.find("has the wrong value") != std::string::npos;
  }
  EXPECT_EQ(lost, 10) << "the check did not notice the ten unsynced changes missing";
  EXPECT_TRUE(wrong_value) << "the check did not notice the field going back to an older value";
  auto count = replica.store->change_count();
  ASSERT_TRUE(count);
  EXPECT_EQ(*count, 10);
  EXPECT_EQ(integrity(*replica.store), "");
  std::cout << "[power loss lying disk] 20 changes acknowledged, " << *count
            << " after the cut; the check reported " << lost << " lost\n";
}

// A transaction begun and written but never committed when the power goes is absent afterwards,
// and the database is intact; in the large case SQLite has already spilled the uncommitted pages
// into the WAL (keep_unsynced then puts them on disk, without a commit record).
TEST(PowerLoss, AnUncommittedTransactionIsAbsentAfterPowerLoss) {
  ASSERT_TRUE(crypto::initialise());
  for (const int rows : {1, 48}) {
    for (const PowerLossMode mode :
         {PowerLossMode::drop_unsynced, PowerLossMode::tear_unsynced, PowerLossMode::keep_unsynced}) {
      SCOPED_TRACE(std::string(to_string(mode)) + ", " + std::to_string(rows) + " rows");
      TempDir dir;
      PowerLossVfs vfs(static_cast<std::uint64_t>(rows) * 3 + static_cast<std::uint64_t>(mode));
      ASSERT_EQ(vfs.install(true), SQLITE_OK);
      Replica replica;
      ASSERT_EQ(open_replica(dir / "store.db", dir / "store.key", true, replica), "");
      Expected expected;
      const FieldKey key{"VLAXL", "2021-22", TargetKind::item, "1.1.5", Field::answer};
      for (int i = 0; i < 20; ++i) {
        const Edit edit{key, FieldValue{"value " + std::to_string(i), ""}};
        ASSERT_TRUE(replica.ledger->record(edit));
        expected.acknowledge({edit});
      }

      const auto before = vfs.stats();
      auto txn = replica.store->begin();
      ASSERT_TRUE(txn) << txn.error().message;
      std::vector<std::string> ids;
      for (int i = 0; i < rows; ++i) {
        // 64 KiB each: 48 of them outgrow the default 2 MB page cache, so SQLite spills.
        StoredChange change;
        change.id = "bbbb:" + std::to_string(i + 1);
        change.key = key;
        change.hlc = 1;
        change.user = "Ann";
        change.device = "bbbb";
        change.sealed = Bytes(64 * 1024, 0x5a);
        ASSERT_TRUE((*txn)->insert_change(change));
        ids.push_back(change.id);
      }
      ASSERT_TRUE((*txn)->put_setting("ledger.counter", "999"));
      const std::uint64_t spilled = vfs.stats().writes - before.writes;
      if (rows > 1) {
        EXPECT_GT(spilled, 0u) << "nothing spilled: this case tests less than it says";
      }

      vfs.simulate_power_loss(mode);
      txn->reset();
      replica.abandon();
      ASSERT_EQ(vfs.restore_power(), "");
      ASSERT_EQ(open_replica(dir / "store.db", dir / "store.key", false, replica), "");
      check_replica(replica, expected, {});
      auto found = replica.store->changes_by_id(ids);
      ASSERT_TRUE(found);
      EXPECT_TRUE(found->empty()) << found->size() << " uncommitted changes survived";
      auto counter = replica.store->setting("ledger.counter");
      ASSERT_TRUE(counter);
      EXPECT_EQ(counter->value_or(""), "20");
      const auto stats = vfs.stats();
      std::cout << "[power loss uncommitted] " << to_string(mode) << ", " << rows << " rows: " << spilled
                << " writes spilled before the cut, " << stats.unsynced_writes
                << " unsynced writes at the cut, " << stats.dropped_sectors << " sectors dropped, "
                << stats.kept_sectors << " kept\n";
      replica.abandon();
    }
  }
}

}  // namespace
}  // namespace dsptsync
