#include "dsptsync/ledger.h"

#include "dsptsync/codec.h"

#include "dsptsync/sqlite_store.h"
#include "dsptsync/store_keys.h"
#include "ledger_fixture.h"
#include "test_support.h"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

namespace dsptsync {
namespace {

using testing::TempDir;

FieldKey answer_key(std::string item) { return {"VLAXL", "2021-22", TargetKind::item, std::move(item), Field::answer}; }

std::string file_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

using LedgerTest = testing::LedgerOnDisk;

TEST_F(LedgerTest, RecordsEditsBasedOnTheCurrentValue) {
  auto first = ledger->record(Edit{answer_key("1.1.5"), FieldValue{"The registered manager", ""}});
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_EQ(first->id, "aaaa:1");
  EXPECT_TRUE(first->parents.empty());
  auto second = ledger->record(Edit{answer_key("1.1.5"), FieldValue{"The director", ""}});
  ASSERT_TRUE(second);
  EXPECT_EQ(second->id, "aaaa:2");
  EXPECT_EQ(second->parents, std::vector<std::string>{"aaaa:1"});
  EXPECT_GT(second->hlc, first->hlc);
  auto field = ledger->field(answer_key("1.1.5"));
  ASSERT_TRUE(field);
  ASSERT_EQ(field->heads.size(), 1u);
  EXPECT_EQ(field->winner()->value->text, "The director");
  EXPECT_EQ(field->winner()->user, "Sam Patel");
}

TEST_F(LedgerTest, CountersAndStateSurviveReopening) {
  ASSERT_TRUE(ledger->record(Edit{answer_key("1.1.5"), FieldValue{"x", ""}}));
  ledger.reset();
  store.reset();
  auto reopened = open_sqlite_store(dir / "store.db", {});
  ASSERT_TRUE(reopened);
  auto unlocked = unlock_store(**reopened, {dir / "store.key", std::nullopt});
  ASSERT_TRUE(unlocked) << unlocked.error().message;
  Ledger again(**reopened, *unlocked, {"Sam Patel", "aaaa"});
  auto next = again.record(Edit{answer_key("1.1.5"), FieldValue{"y", ""}});
  ASSERT_TRUE(next);
  EXPECT_EQ(next->id, "aaaa:2");  // never reuses an id
  auto history = again.history("VLAXL", "2021-22", TargetKind::item, "1.1.5");
  ASSERT_TRUE(history);
  ASSERT_EQ(history->size(), 2u);
  EXPECT_EQ(history->at(0).change.value->text, "x");
}

TEST_F(LedgerTest, AnswersAreNotReadableInTheDatabaseFile) {
  const std::string secret = "Backups go to the blue USB drive in the manager's drawer";
  ASSERT_TRUE(ledger->record(Edit{answer_key("7.3.1"), FieldValue{secret, ""}}));
  ASSERT_TRUE(ledger->record(
      Edit{{"VLAXL", "2021-22", TargetKind::item, "7.3.1", Field::comment}, FieldValue{"Checked by Ann", ""}}));
  ledger.reset();
  store.reset();  // checkpoint on close folds the WAL into the main file
  std::string everything = file_bytes(dir / "store.db");
  if (std::filesystem::exists(dir / "store.db-wal")) everything += file_bytes(dir / "store.db-wal");
  EXPECT_EQ(everything.find("blue USB"), std::string::npos);
  EXPECT_EQ(everything.find("Checked by Ann"), std::string::npos);
  EXPECT_NE(everything.find("7.3.1"), std::string::npos);  // metadata stays in the clear for indexing
}

TEST_F(LedgerTest, AWrongKeyFileIsRefused) {
  ledger.reset();
  store.reset();
  std::filesystem::remove(dir / "store.key");
  {
    std::ofstream out(dir / "store.key", std::ios::binary);
    const auto other = crypto::SecretKey::random();
    out.write(reinterpret_cast<const char*>(other.bytes().data()), static_cast<std::streamsize>(other.bytes().size()));
  }
  auto reopened = open_sqlite_store(dir / "store.db", {});
  ASSERT_TRUE(reopened);
  auto unlocked = unlock_store(**reopened, {dir / "store.key", std::nullopt});
  ASSERT_FALSE(unlocked);
  EXPECT_EQ(unlocked.error().kind, ErrorKind::refused);
  EXPECT_NE(unlocked.error().message.find("does not belong to this store"), std::string::npos);
}

TEST_F(LedgerTest, AMissingKeyFileSaysWhatToDo) {
  ledger.reset();
  store.reset();
  std::filesystem::remove(dir / "store.key");
  auto reopened = open_sqlite_store(dir / "store.db", {});
  ASSERT_TRUE(reopened);
  auto unlocked = unlock_store(**reopened, {dir / "store.key", std::nullopt});
  ASSERT_FALSE(unlocked);
  EXPECT_NE(unlocked.error().message.find("restore it from your backup"), std::string::npos);
}

TEST_F(LedgerTest, AppliesRemoteChangesOnceAndDetectsConcurrency) {
  auto local = ledger->record(Edit{answer_key("1.1.5"), FieldValue{"local", ""}});
  ASSERT_TRUE(local);
  Change remote;
  remote.id = "bbbb:1";
  remote.key = answer_key("1.1.5");
  remote.value = FieldValue{"remote", ""};
  remote.hlc = local->hlc + 5;  // later clock: wins
  remote.user = "Ann Lee";
  remote.device = "bbbb";
  auto outcome = ledger->apply({remote});
  ASSERT_TRUE(outcome) << outcome.error().message;
  EXPECT_EQ(outcome->applied, std::vector<std::string>{"bbbb:1"});
  auto again = ledger->apply({remote});
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->applied.empty());
  EXPECT_EQ(again->duplicates, std::vector<std::string>{"bbbb:1"});
  EXPECT_EQ(*store->change_count(), 2);

  auto field = ledger->field(answer_key("1.1.5"));
  ASSERT_TRUE(field);
  ASSERT_TRUE(field->in_conflict());
  EXPECT_EQ(field->winner()->value->text, "remote");
  EXPECT_EQ(field->heads[1].value->text, "local");

  // The next local edit is based on both heads and so settles the conflict.
  auto resolved = ledger->record(Edit{answer_key("1.1.5"), FieldValue{"agreed", ""}});
  ASSERT_TRUE(resolved);
  EXPECT_EQ(resolved->parents.size(), 2u);
  EXPECT_GT(resolved->hlc, remote.hlc);  // the clock observed the remote edit
  EXPECT_FALSE(ledger->field(answer_key("1.1.5"))->in_conflict());
}

TEST_F(LedgerTest, ARepeatedIdWithDifferentContentIsRefusedNotSkipped) {
  Change remote;
  remote.id = "bbbb:1";
  remote.key = answer_key("2.1.1");
  remote.value = FieldValue{"yes", ""};
  remote.hlc = 10;
  remote.user = "Ann";
  remote.device = "bbbb";
  ASSERT_TRUE(ledger->apply({remote}));
  // A restored laptop reuses the id for a new edit.
  Change reused = remote;
  reused.value = FieldValue{"no", ""};
  reused.hlc = 20;
  auto outcome = ledger->apply({reused});
  ASSERT_FALSE(outcome);
  EXPECT_NE(outcome.error().message.find("restored from a backup"), std::string::npos);
  EXPECT_EQ(ledger->field(answer_key("2.1.1"))->winner()->value->text, "yes");
  // The identical change is still an idempotent duplicate.
  auto again = ledger->apply({remote});
  ASSERT_TRUE(again);
  EXPECT_EQ(again->duplicates.size(), 1u);
}

TEST_F(LedgerTest, RefusesAChangeWhoseParentItHasNotSeenAndAppliesNothingOfTheBatch) {
  Change good;
  good.id = "bbbb:1";
  good.key = answer_key("2.1.1");
  good.value = FieldValue{"yes", ""};
  good.hlc = 1;
  good.user = "Ann";
  good.device = "bbbb";
  Change orphan = good;
  orphan.id = "bbbb:3";
  orphan.parents = {"bbbb:2"};
  auto outcome = ledger->apply({good, orphan});
  ASSERT_FALSE(outcome);
  EXPECT_EQ(outcome.error().kind, ErrorKind::protocol);
  EXPECT_EQ(*store->change_count(), 0);  // the batch is all or nothing
}

TEST_F(LedgerTest, RefusesAFieldThatDoesNotBelongToItsTarget) {
  auto bad = ledger->record(Edit{{"VLAXL", "2021-22", TargetKind::assertion, "1.1", Field::answer}, FieldValue{"x", ""}});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().kind, ErrorKind::invalid_input);
}

Change remote_answer(std::string id, std::string text, Hlc hlc, std::vector<std::string> parents) {
  Change change;
  change.device = id.substr(0, id.find(':'));
  change.id = std::move(id);
  change.key = answer_key("2.1.1");
  change.value = FieldValue{std::move(text), ""};
  change.hlc = hlc;
  change.user = "Ann";
  change.parents = std::move(parents);
  return change;
}

// What a laptop's pull does: the changes are checked and sealed first (on a thread of their own
// there), and applied after. The outcome is what applying them directly gives, and each is stored
// sealed so that it opens again.
TEST_F(LedgerTest, PreparedChangesApplyAsTheChangesThemselves) {
  const Change first = remote_answer("bbbb:1", "yes", 10, {});
  const Change second = remote_answer("bbbb:2", "no", 20, {"bbbb:1"});
  ASSERT_TRUE(ledger->apply({first}));
  auto prepared = ledger->prepare({first, second, second});  // one logged already, one sent twice
  ASSERT_TRUE(prepared) << prepared.error().message;
  auto txn = store->begin();
  ASSERT_TRUE(txn);
  ApplyOutcome outcome;
  auto seqs = ledger->apply_within(**txn, std::move(*prepared), &outcome);
  ASSERT_TRUE(seqs) << seqs.error().message;
  ASSERT_TRUE((*txn)->commit());
  EXPECT_EQ(outcome.applied, std::vector<std::string>{"bbbb:2"});
  EXPECT_EQ(outcome.duplicates, (std::vector<std::string>{"bbbb:1", "bbbb:2"}));
  // Each change's seq in the log; the one logged already drew a number it did not use.
  ASSERT_EQ(seqs->size(), 3u);
  EXPECT_EQ((*seqs)[0], 1);
  EXPECT_GT((*seqs)[1], 1);
  EXPECT_EQ((*seqs)[2], (*seqs)[1]);
  EXPECT_EQ(*store->change_count(), 2);
  EXPECT_EQ(ledger->field(answer_key("2.1.1"))->winner()->value->text, "no");
  auto history = ledger->history("VLAXL", "2021-22", TargetKind::item, "2.1.1");
  ASSERT_TRUE(history) << history.error().message;
  ASSERT_EQ(history->size(), 2u);
  EXPECT_EQ(history->back().change, second);
  EXPECT_EQ(history->back().seq, (*seqs)[1]);
}

TEST_F(LedgerTest, PreparingRefusesAnInvalidChangeAndNothingIsStored) {
  Change misfiled = remote_answer("bbbb:2", "yes", 20, {});
  misfiled.key = {"VLAXL", "2021-22", TargetKind::assertion, "1.1", Field::answer};  // an assertion has no answer
  auto prepared = ledger->prepare({remote_answer("bbbb:1", "yes", 10, {}), misfiled});
  ASSERT_FALSE(prepared);
  EXPECT_EQ(prepared.error().kind, ErrorKind::invalid_input) << prepared.error().message;
  EXPECT_EQ(*store->change_count(), 0);
}

// Changes pulled from head office keep the seq head office gave each, so that none of them counts
// as waiting to go up (nor costs the upload queue's index a write); changes from elsewhere have none.
TEST_F(LedgerTest, ChangesPreparedWithHeadOfficesSeqsKeepThem) {
  auto mismatched = ledger->prepare({remote_answer("bbbb:1", "yes", 10, {})}, {41, 42});
  ASSERT_FALSE(mismatched);
  EXPECT_EQ(mismatched.error().kind, ErrorKind::internal) << mismatched.error().message;

  auto prepared = ledger->prepare(
      {remote_answer("bbbb:1", "yes", 10, {}), remote_answer("bbbb:2", "no", 20, {"bbbb:1"})}, {41, 42});
  ASSERT_TRUE(prepared) << prepared.error().message;
  auto txn = store->begin();
  ASSERT_TRUE(txn);
  ASSERT_TRUE(ledger->apply_within(**txn, std::move(*prepared)));
  ASSERT_TRUE((*txn)->commit());
  ASSERT_TRUE(ledger->apply({remote_answer("cccc:1", "maybe", 30, {})}));
  auto rows = store->changes_after(0, 10);
  ASSERT_TRUE(rows) << rows.error().message;
  ASSERT_EQ(rows->size(), 3u);
  EXPECT_EQ((*rows)[0].server_seq, std::optional<std::int64_t>(41));
  EXPECT_EQ((*rows)[1].server_seq, std::optional<std::int64_t>(42));
  EXPECT_EQ((*rows)[2].server_seq, std::nullopt);
  EXPECT_EQ(*store->pending_count("bbbb"), 0);
  EXPECT_EQ(*store->pending_count("cccc"), 1);
}

// Head office's group commit: pushes applied in one transaction, each in a savepoint of its own,
// their field states written once at the end. A push rolled back leaves nothing of itself in the
// field, and the field is what applying the kept pushes one transaction at a time makes it.
TEST_F(LedgerTest, PushesInOneTransactionShareTheirFieldsAndOneRolledBackLeavesNoTrace) {
  const Change first = remote_answer("bbbb:1", "first", 100, {});
  const Change dropped = remote_answer("bbbb:2", "dropped", 200, {"bbbb:1"});
  const Change concurrent = remote_answer("cccc:1", "concurrent", 150, {});
  const Change last = remote_answer("bbbb:3", "last", 300, {"bbbb:1"});

  auto txn = store->begin();
  ASSERT_TRUE(txn) << txn.error().message;
  UnwrittenFields unwritten;
  auto push = [&](const Change& change, bool kept) {
    ASSERT_TRUE((*txn)->savepoint());
    UnwrittenFields staged;
    auto seqs = ledger->apply_within(**txn, {change}, nullptr, unwritten, staged);
    ASSERT_TRUE(seqs) << seqs.error().message;
    EXPECT_FALSE(staged.empty());
    if (!kept) {
      ASSERT_TRUE((*txn)->rollback_to_savepoint());
      return;
    }
    ASSERT_TRUE((*txn)->release_savepoint());
    unwritten.keep(std::move(staged));
  };
  push(first, true);
  push(dropped, false);
  push(concurrent, true);
  push(last, true);
  ASSERT_TRUE((*store->fields("VLAXL", "2021-22")).empty()) << "a field was written before write_fields";
  ASSERT_TRUE(ledger->write_fields(**txn, unwritten));
  EXPECT_TRUE(unwritten.empty());
  ASSERT_TRUE((*txn)->commit());

  // The same pushes kept, each in a transaction of its own, on another replica.
  auto other_store = open_sqlite_store(dir / "other.db", {.create_if_missing = true});
  ASSERT_TRUE(other_store) << other_store.error().message;
  Ledger other(**other_store, key, Identity{"Ann", "dddd"});
  for (const auto& change : {first, concurrent, last}) ASSERT_TRUE(other.apply({change}));

  auto grouped = ledger->field(answer_key("2.1.1"));
  auto one_by_one = other.field(answer_key("2.1.1"));
  ASSERT_TRUE(grouped && one_by_one);
  EXPECT_EQ(grouped->heads, one_by_one->heads);
  ASSERT_EQ(grouped->heads.size(), 2u);  // "last" and "concurrent": an open conflict, "dropped" nowhere
  EXPECT_EQ(grouped->winner()->value->text, "last");
  EXPECT_TRUE(store->changes_by_id({dropped.id})->empty());
  EXPECT_EQ(*store->change_count(), 3);
}

TEST(KeepWithinBytes, CutsOnEncodedSizesAndAlwaysKeepsOne) {
  auto rows_of = [](std::vector<std::size_t> encoded_sizes) {
    std::vector<StoredChange> rows;
    for (std::size_t size : encoded_sizes) {
      StoredChange row;
      row.sealed.resize(size + crypto::kSealOverheadBytes);
      rows.push_back(row);
    }
    return rows;
  };
  auto rows = rows_of({400, 400, 400});
  EXPECT_TRUE(keep_within_bytes(rows, 1000));
  EXPECT_EQ(rows.size(), 2u);  // 800 fits, 1200 does not
  rows = rows_of({400, 600});
  EXPECT_FALSE(keep_within_bytes(rows, 1000));  // exactly at the limit
  EXPECT_EQ(rows.size(), 2u);
  rows = rows_of({5000, 10});
  EXPECT_TRUE(keep_within_bytes(rows, 1000));
  EXPECT_EQ(rows.size(), 1u);  // one oversized change still travels alone
}

TEST_F(LedgerTest, ASealedChangeIsItsEncodingPlusTheSealOverhead) {
  auto change = ledger->record(Edit{answer_key("1.1.5"), FieldValue{"The registered manager", ""}});
  ASSERT_TRUE(change);
  auto stored = store->changes_by_id({change->id});
  ASSERT_TRUE(stored);
  ASSERT_EQ(stored->size(), 1u);
  EXPECT_EQ(stored->front().sealed.size(), codec::encode(*change).size() + crypto::kSealOverheadBytes);
}

}  // namespace
}  // namespace dsptsync
