// The question set in force travels with sync, end to end: a real server on 127.0.0.1, real laptops
// (stores, keys, crypto), real SQLite files. Head office imports the official list (a CSV in the NHS
// layout); the laptops receive the set signed by head office and all three agree on its hash; a
// laptop offline through a corrected list keeps its queued edit to an item the list dropped, and
// reports it; a changed answer type flags the answers given before; head office rolls the organisation
// forward into the imported year and the branches follow. A set signed by another key, or altered after
// signing, is refused by the laptop with nothing changed.
#include "../common/nhs_list.h"
#include "fixture.h"

#include "dsptsync/evaluator.h"

#include <gtest/gtest.h>

namespace dsptsync::testing {
namespace {

using protocol::Role;
using namespace std::chrono_literals;

const AssessmentYear k2025{2025};
const AssessmentYear k2026{2026};
constexpr const char* kDropped = "9.5.2";  // yes/no; the corrected 2025-26 list drops it
constexpr const char* kRetyped = "7.2.1";  // text; the corrected list makes it yes/no
constexpr const char* kKept = "3.2.1";     // yes/no, unchanged throughout
constexpr const char* kGone = "8.3.5";     // text; not in 2026-27

CatalogueItem new_item(std::string id, std::string question) {
  CatalogueItem item;
  item.id = std::move(id);
  item.group = "Data security";
  item.type = AnswerType::yes_no;
  item.question = std::move(question);
  item.source = "test";
  return item;
}

// 2025-26 as first published: the 2023-24 items and the two new mandatory ones.
std::vector<CatalogueItem> list_2025() {
  auto items = shipped_catalogue(AssessmentYear{2023})->items();
  items.push_back(new_item("4.3.1", "Have all administrators signed an agreement to hold higher standards?"));
  items.push_back(new_item("7.1.1", "Is the digital asset register reviewed in the last 12 months?"));
  return items;
}

// NHS England's corrected 2025-26 list: one item dropped, one answer type changed.
std::vector<CatalogueItem> list_2025_corrected() {
  std::vector<CatalogueItem> items;
  for (auto item : list_2025()) {
    if (item.id == kDropped) continue;
    if (item.id == kRetyped) item.type = AnswerType::yes_no;
    items.push_back(item);
  }
  return items;
}

std::vector<CatalogueItem> list_2026() {
  std::vector<CatalogueItem> items;
  for (const auto& item : list_2025_corrected())
    if (item.id != kGone) items.push_back(item);
  items.push_back(new_item("4.6.1", "Are unused accounts disabled within a week?"));
  return items;
}

class QuestionSetSync : public ::testing::Test {
 protected:
  QuestionSetSync() {
    auto office = server_.admin();
    EXPECT_TRUE(office->add_console_user("Priya Shah", Role::admin));
    EXPECT_TRUE(office->add_console_user("Vic Viewer", Role::viewer));
  }

  // Head office imports a list as an administrator would: the file read from disk, then imported.
  Result<server::QuestionSetImportOutcome> import(const std::vector<CatalogueItem>& items, AssessmentYear year,
                                                  bool dry_run = false, const std::string& confirm = "",
                                                  const std::string& as = "Priya Shah") {
    const auto file = scratch_ / ("list-" + year.label() + ".csv");
    write_text_file(file, nhs_list_csv(items, "Data Security and Protection Toolkit " + year.label()));
    auto catalogue = import_nhs_csv(read_text(file), year, {"", nullptr, file.filename().string()});
    if (!catalogue) return catalogue.error();
    auto office = server_.admin();
    auto by = office->acting_user(as);
    if (!by) return by.error();
    return office->import_question_set(*by, {*catalogue, file.filename().string(), "Social Care", dry_run, confirm});
  }

  static std::string read_text(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  }

  void roll_forward(AssessmentYear to) {
    auto office = server_.admin();
    auto by = office->acting_user("Priya Shah");
    ASSERT_TRUE(by);
    auto moved = office->roll_forward(*by, to, false);
    ASSERT_TRUE(moved) << moved.error().message;
  }

  ContentHash head_office_hash(AssessmentYear year) {
    auto set = server_.admin()->question_set_in_force(year);
    if (!set) throw std::runtime_error(set.error().message);
    return set->content_hash;
  }

  static ContentHash laptop_hash(client::Workspace& laptop, AssessmentYear year) {
    auto set = question_set_in_store(laptop.store(), year);
    if (!set) throw std::runtime_error(set.error().message);
    return set->content_hash;
  }

  // An organisation already on 2025-26 (imported), with Leeds and York enrolled on it.
  void start_on_2025() {
    auto imported = import(list_2025(), k2025);
    ASSERT_TRUE(imported) << imported.error().message;
    ASSERT_TRUE(imported->applied);
    roll_forward(k2025);
    leeds_ = server_.enrol(stores_ / "leeds", "Sam Patel", "VLAXL", Role::admin);
    york_ = server_.enrol(stores_ / "york", "Ann Lee", "VM2B3", Role::admin);
  }

  TempDir scratch_;
  TempDir stores_;
  RunningServer server_;
  std::unique_ptr<client::Workspace> leeds_;
  std::unique_ptr<client::Workspace> york_;
};

TEST_F(QuestionSetSync, EnrolledLaptopsReceiveTheImportedSetSignedByHeadOfficeAndAgreeOnItsHash) {
  start_on_2025();
  for (auto* laptop : {leeds_.get(), york_.get()}) {
    EXPECT_EQ(laptop->year(), k2025);
    EXPECT_TRUE(laptop->catalogue().find_item("4.3.1")) << "edits are checked against head office's set";
    auto set = laptop->question_set();
    ASSERT_TRUE(set) << set.error().message;
    EXPECT_EQ(set->version, 1u);
    EXPECT_EQ(set->origin.source, QuestionSetSource::imported);
    EXPECT_EQ(set->origin.by, "Priya Shah");
    EXPECT_EQ(set->origin.file, "list-2025-26.csv");
    EXPECT_EQ(set->content_hash, head_office_hash(k2025));
    EXPECT_TRUE(verify_question_set(*set, server_.admin()->identity().public_key));
    EXPECT_NE(laptop->catalogue().origin().find("imported from list-2025-26.csv"), std::string::npos);
    // A shipped year travels too, signed, so laptop and head office check edits against the same set.
    EXPECT_EQ(laptop_hash(*laptop, AssessmentYear{2023}), head_office_hash(AssessmentYear{2023}));
  }
  ASSERT_TRUE(leeds_->answer("4.3.1", "yes", "", std::nullopt));
  auto synced = client::sync_once(*leeds_);
  ASSERT_TRUE(synced) << synced.error().message;
  EXPECT_EQ(synced->pushed, 1u);
  EXPECT_TRUE(synced->question_sets.empty()) << "nothing new to take";
}

TEST_F(QuestionSetSync, ALaptopOfflineThroughACorrectedListKeepsAndReportsItsEditToADroppedItem) {
  start_on_2025();
  ASSERT_TRUE(leeds_->answer(kDropped, "yes", "", std::nullopt));
  ASSERT_TRUE(leeds_->answer(kRetyped, "Backups restored every quarter", "", std::nullopt));
  ASSERT_TRUE(leeds_->answer(kKept, "yes", "", std::nullopt));
  ASSERT_TRUE(client::sync_once(*leeds_));
  // York goes offline and works on.
  ASSERT_TRUE(york_->answer(kDropped, "no", "", std::nullopt));
  ASSERT_TRUE(york_->answer(kRetyped, "Tested in March", "", std::nullopt));
  ASSERT_TRUE(york_->answer(kKept, "yes", "", std::nullopt));

  // The corrected list drops an item Leeds answered: refused until the dry run's token is given.
  auto dry = import(list_2025_corrected(), k2025, /*dry_run=*/true);
  ASSERT_TRUE(dry) << dry.error().message;
  ASSERT_EQ(dry->dropped.size(), 1u);
  EXPECT_EQ(dry->dropped[0].id, kDropped);
  EXPECT_EQ(dry->dropped[0].scopes, std::vector<std::string>{"VLAXL"});
  EXPECT_EQ(dry->to_review.at(kRetyped), std::vector<std::string>{"VLAXL"});
  ASSERT_FALSE(dry->confirm_token.empty());
  const auto sets_before = *server_.admin()->store().last_question_set_seq();
  auto blind = import(list_2025_corrected(), k2025);
  ASSERT_FALSE(blind);
  EXPECT_EQ(blind.error().kind, ErrorKind::refused);
  EXPECT_NE(blind.error().message.find(std::string(kDropped) + " (VLAXL)"), std::string::npos) << blind.error().message;
  EXPECT_NE(blind.error().message.find("--dry-run"), std::string::npos);
  auto wrong = import(list_2025_corrected(), k2025, false, "0123456789abcdef");
  ASSERT_FALSE(wrong);
  EXPECT_EQ(*server_.admin()->store().last_question_set_seq(), sets_before) << "nothing was imported";
  auto corrected = import(list_2025_corrected(), k2025, false, dry->confirm_token);
  ASSERT_TRUE(corrected) << corrected.error().message;
  EXPECT_TRUE(corrected->applied);
  EXPECT_EQ(corrected->imported.version, 2u);
  auto next_year = import(list_2026(), k2026);
  ASSERT_TRUE(next_year) << next_year.error().message;

  auto leeds_sync = client::sync_once(*leeds_);
  ASSERT_TRUE(leeds_sync) << leeds_sync.error().message;
  EXPECT_EQ(leeds_sync->question_sets, (std::vector<std::string>{"2025-26", "2026-27"}));
  EXPECT_FALSE(leeds_->catalogue().find_item(kDropped));

  // York comes back: it takes both sets first, sends what the set in force takes, holds the rest.
  auto york_sync = client::sync_once(*york_);
  ASSERT_TRUE(york_sync) << york_sync.error().message;
  EXPECT_EQ(york_sync->question_sets, (std::vector<std::string>{"2025-26", "2026-27"}));
  EXPECT_EQ(york_sync->pushed, 2u) << "the retyped answer (made under the old type) and the kept one";
  EXPECT_EQ(york_sync->pending, 1);
  ASSERT_EQ(york_sync->held.size(), 1u);
  EXPECT_EQ(york_sync->held[0].key.target, kDropped);
  EXPECT_NE(york_sync->held[0].reason.find("no evidence item '9.5.2'"), std::string::npos) << york_sync->held[0].reason;
  auto status = client::sync_status(*york_);
  ASSERT_TRUE(status);
  EXPECT_EQ(status->held.size(), 1u) << "reported at every look, not only once";
  // Kept on the laptop, never sent, never moved to another item.
  auto history = york_->ledger().history("VM2B3", "2025-26", TargetKind::item, kDropped);
  ASSERT_TRUE(history);
  ASSERT_EQ(history->size(), 1u);
  EXPECT_EQ(history->front().change.value->text, "no");
  EXPECT_FALSE(history->front().server_seq);
  auto at_head_office = server_.admin()->store().changes_by_id({york_sync->held[0].change_id});
  ASSERT_TRUE(at_head_office);
  EXPECT_TRUE(at_head_office->empty());

  // All three agree on both sets.
  for (const auto& year : {k2025, k2026}) {
    EXPECT_EQ(laptop_hash(*leeds_, year), head_office_hash(year)) << year.label();
    EXPECT_EQ(laptop_hash(*york_, year), head_office_hash(year)) << year.label();
  }

  // Answers given before the type changed are kept and flagged, everywhere; not counted until answered again.
  auto york_progress = york_->progress(Date{2026, 1, 10});
  ASSERT_TRUE(york_progress);
  ASSERT_EQ(york_progress->to_review.size(), 1u);
  EXPECT_EQ(york_progress->to_review[0].item, kRetyped);
  auto office = server_.admin();
  auto progress = office->progress(std::nullopt, Date{2026, 1, 10});
  ASSERT_TRUE(progress);
  for (const auto& branch : *progress) {
    SCOPED_TRACE(branch.branch.ods);
    ASSERT_EQ(branch.evaluation.to_review.size(), 1u);
    EXPECT_EQ(branch.evaluation.to_review[0].item, kRetyped);
  }
  ASSERT_TRUE(york_->answer(kRetyped, "yes", "", std::nullopt));
  EXPECT_TRUE(york_->progress(Date{2026, 1, 10})->to_review.empty());
}

TEST_F(QuestionSetSync, HeadOfficeRollsForwardIntoTheImportedYearAndTheBranchesFollow) {
  start_on_2025();
  ASSERT_TRUE(leeds_->answer(kKept, "yes", "", std::nullopt));
  ASSERT_TRUE(leeds_->answer(kGone, "Firewall rules reviewed", "", std::nullopt));
  ASSERT_TRUE(client::sync_once(*leeds_));
  ASSERT_TRUE(import(list_2026(), k2026));
  ASSERT_TRUE(york_->answer(kKept, "no", "", std::nullopt));  // offline while head office moves on

  roll_forward(k2026);
  for (auto* laptop : {leeds_.get(), york_.get()}) {
    auto synced = client::sync_once(*laptop);
    ASSERT_TRUE(synced) << synced.error().message;
    EXPECT_EQ(laptop->year(), k2026);
    EXPECT_TRUE(laptop->catalogue().find_item("4.6.1"));
    EXPECT_FALSE(laptop->catalogue().find_item(kGone));
    EXPECT_EQ(laptop_hash(*laptop, k2026), head_office_hash(k2026));
    EXPECT_TRUE(synced->held.empty());
  }
  auto leeds = leeds_->view();
  ASSERT_TRUE(leeds);
  EXPECT_EQ(leeds->answers.at(kKept).value.text, "yes");
  auto york = york_->view();
  ASSERT_TRUE(york);
  EXPECT_EQ(york->answers.at(kKept).value.text, "no") << "the offline edit followed into the new year";
  auto office = server_.admin();
  EXPECT_EQ(office->year(), k2026);
  auto york_at_hq = office->effective_view("VM2B3", k2026);
  ASSERT_TRUE(york_at_hq);
  EXPECT_EQ(york_at_hq->answers.at(kKept).value.text, "no");
}

TEST_F(QuestionSetSync, AWatchingLaptopReceivesANewSetAsSoonAsHeadOfficeImportsIt) {
  start_on_2025();
  std::atomic<bool> stop{false};
  std::vector<std::string> events;
  std::mutex events_mutex;
  client::WatchOptions options;
  options.stop = &stop;
  options.run_for = 30s;
  options.on_event = [&](std::string_view name, const std::string& detail) {
    std::lock_guard lock(events_mutex);
    events.push_back(std::string(name) + ": " + detail);
  };
  auto watcher = client::Workspace::open(stores_ / "leeds", std::nullopt);
  ASSERT_TRUE(watcher);
  std::thread watching([&] { EXPECT_TRUE(client::sync_watch(**watcher, options)); });
  ASSERT_TRUE(eventually([&] {
    std::lock_guard lock(events_mutex);
    return !events.empty();
  }));
  ASSERT_TRUE(import(list_2026(), k2026));
  const bool received = eventually([&] {
    auto kept = leeds_->store().question_set("2026-27");
    return kept && *kept && (*kept)->set.content_hash == head_office_hash(k2026);
  }, 10s);
  stop = true;
  watching.join();
  EXPECT_TRUE(received);
  std::lock_guard lock(events_mutex);
  EXPECT_NE(std::find(events.begin(), events.end(), "question_set: 2026-27 version 1 from head office"), events.end());
}

TEST_F(QuestionSetSync, ImportsAtTheDoorAreRefusedForTheWrongPersonOrYearAndNothingChanges) {
  start_on_2025();
  const auto sets_before = *server_.admin()->store().last_question_set_seq();
  auto viewer = import(list_2026(), k2026, false, "", "Vic Viewer");
  ASSERT_FALSE(viewer);
  EXPECT_EQ(viewer.error().kind, ErrorKind::refused);
  EXPECT_NE(viewer.error().message.find("only head office administrators"), std::string::npos);
  auto past = import(list_2025(), AssessmentYear{2023});
  ASSERT_FALSE(past);
  EXPECT_EQ(past.error().kind, ErrorKind::invalid_input);
  EXPECT_NE(past.error().message.find("works on 2025-26"), std::string::npos) << past.error().message;
  auto future = import(list_2026(), AssessmentYear{assessment_year_of(date_of(now_ms())).first + 2});
  ASSERT_FALSE(future);
  EXPECT_NE(future.error().message.find("has not started"), std::string::npos) << future.error().message;
  auto same = import(list_2025(), k2025);
  ASSERT_TRUE(same) << same.error().message;
  EXPECT_TRUE(same->unchanged) << "the same list again is not a new version";
  EXPECT_EQ(*server_.admin()->store().last_question_set_seq(), sets_before);
  auto synced = client::sync_once(*leeds_);
  ASSERT_TRUE(synced);
  EXPECT_TRUE(synced->question_sets.empty()) << "every laptop unchanged";
}

// A set the laptop must refuse, put straight into head office's store as a damaged or hostile
// server would hold it.
void plant(RunningServer& server, const QuestionSet& set) {
  auto office = server.admin();
  auto txn = office->store().begin();
  ASSERT_TRUE(txn);
  ASSERT_TRUE((*txn)->add_question_set(set, now_ms()));
  ASSERT_TRUE((*txn)->commit());
}

TEST_F(QuestionSetSync, ASetSignedByAnotherServerOrAlteredAfterSigningIsRefusedByTheLaptop) {
  start_on_2025();
  ASSERT_TRUE(leeds_->answer(kKept, "yes", "", std::nullopt));  // queued: must stay queued
  const auto in_force = server_.admin()->question_set_in_force(k2025);
  ASSERT_TRUE(in_force);

  QuestionSet foreign = *in_force;
  foreign.version = 2;
  foreign.content += "\n";  // another server's version of the list
  foreign.content_hash = hash_content(foreign.content);
  sign_question_set(foreign, crypto::SigningKeyPair::generate());
  QuestionSet altered = *in_force;
  altered.version = 3;
  const auto at = altered.content.find("\tyes_no\t");
  altered.content.replace(at, 8, "\ttext\t");  // one item's answer type changed under the signature
  altered.content_hash = hash_content(altered.content);

  for (const auto& [set, expected] : {std::pair{foreign, "signed by another key"},
                                      std::pair{altered, "altered after head office signed it"}}) {
    SCOPED_TRACE(expected);
    plant(server_, set);
    auto synced = client::sync_once(*leeds_);
    ASSERT_FALSE(synced);
    EXPECT_EQ(synced.error().kind, ErrorKind::refused);
    EXPECT_NE(synced.error().message.find(expected), std::string::npos) << synced.error().message;
    auto kept = leeds_->question_set();
    ASSERT_TRUE(kept);
    EXPECT_EQ(kept->content_hash, in_force->content_hash) << "the set in force on the laptop is unchanged";
    EXPECT_EQ(*leeds_->store().pending_count(leeds_->device_id()), 1) << "nothing was sent against it";
  }
}

}  // namespace
}  // namespace dsptsync::testing
