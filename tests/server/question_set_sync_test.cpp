// The question set in force travels with sync, end to end: a real server on 127.0.0.1, real laptops
// (stores, keys, crypto), real SQLite files, and the real `dsptsync-server` and `dsptsync` programs
// for what people type. Head office imports the official list (a CSV in the NHS layout) with
// `dsptsync-server catalogue import`; the laptops receive the set signed by head office and all three
// agree on its hash; a
// laptop offline through a corrected list keeps its queued edit to an item the list dropped, and
// reports it; a changed answer type flags the answers given before; head office rolls the organisation
// forward into the imported year and the branches follow. A set signed by another key, or altered after
// signing, is refused by the laptop with nothing changed.
#include "../common/nhs_list.h"
#include "fixture.h"
#include "programs.h"

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

  // Head office imports a list as an administrator does: the file on disk, `dsptsync-server catalogue import`.
  template <class... Flags>
  CliRun import(const std::vector<CatalogueItem>& items, AssessmentYear year, Flags... flags) {
    const auto file = scratch_ / ("list-" + year.label() + ".csv");
    write_text_file(file, nhs_list_csv(items, "Data Security and Protection Toolkit " + year.label()));
    return hq("catalogue", "import", file.string(), "--year", year.label(), std::string(flags)...);
  }

  template <class... Args>
  CliRun hq(Args... args) {
    return head_office_program(server_.data(), "Priya Shah", {std::string(args)...}, scratch_.path());
  }
  template <class... Args>
  CliRun laptop_cli(const std::string& store, Args... args) {
    return laptop_program(stores_ / store, {std::string(args)...}, scratch_.path());
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
    ASSERT_EQ(imported.code, 0) << imported.err;
    ASSERT_EQ(imported.data["applied"], true);
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

  // What people see: the same hash at head office and on the laptop, the origin, the signature.
  auto at_hq = hq("catalogue", "show", "--year", "2025-26");
  ASSERT_EQ(at_hq.code, 0) << at_hq.err;
  auto on_laptop = laptop_cli("leeds", "catalogue", "show");
  ASSERT_EQ(on_laptop.code, 0) << on_laptop.err;
  EXPECT_EQ(on_laptop.data["hash"], at_hq.data["hash"]);
  EXPECT_EQ(on_laptop.data["hash"], crypto::to_hex(head_office_hash(k2025)));
  EXPECT_EQ(on_laptop.data["version"], 1);
  EXPECT_EQ(on_laptop.data["source"], "imported");
  EXPECT_EQ(on_laptop.data["imported_by"], "Priya Shah");
  EXPECT_EQ(on_laptop.data["file"], "list-2025-26.csv");
  EXPECT_EQ(on_laptop.data["signed_by"], crypto::to_hex(server_.admin()->identity().public_key));
  EXPECT_EQ(on_laptop.data["signature_checked"], true);
  EXPECT_EQ(on_laptop.data["items"], list_2025().size());
  auto listed = hq("catalogue", "list");
  ASSERT_EQ(listed.code, 0) << listed.err;
  ASSERT_EQ(listed.data["imports"].size(), 1u);
  EXPECT_EQ(listed.data["imports"][0]["imported_by"], "Priya Shah");
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
  auto dry = import(list_2025_corrected(), k2025, "--dry-run");
  ASSERT_EQ(dry.code, 0) << dry.err;
  EXPECT_EQ(dry.data["applied"], false);
  ASSERT_EQ(dry.data["dropped"].size(), 1u);
  EXPECT_EQ(dry.data["dropped"][0]["id"], kDropped);
  EXPECT_EQ(dry.data["dropped"][0]["scopes"], nlohmann::json::array({"VLAXL"}));
  EXPECT_EQ(dry.data["to_review"][0]["item"], kRetyped);
  EXPECT_EQ(dry.data["type_changes"][0], (nlohmann::json{{"item", kRetyped}, {"from", "text"}, {"to", "yes_no"}}));
  ASSERT_TRUE(dry.data["confirm"].is_string());
  const std::string token = dry.data["confirm"];
  const auto sets_before = *server_.admin()->store().last_question_set_seq();
  auto blind = import(list_2025_corrected(), k2025);
  EXPECT_EQ(blind.code, 3) << blind.out;
  EXPECT_NE(blind.err.find(std::string(kDropped) + " (VLAXL)"), std::string::npos) << blind.err;
  EXPECT_NE(blind.err.find("--dry-run"), std::string::npos);
  auto wrong = import(list_2025_corrected(), k2025, "--confirm", "0123456789abcdef");
  EXPECT_EQ(wrong.code, 3);
  EXPECT_NE(wrong.err.find("not this change's"), std::string::npos) << wrong.err;
  EXPECT_EQ(*server_.admin()->store().last_question_set_seq(), sets_before) << "nothing was imported";
  auto corrected = import(list_2025_corrected(), k2025, "--confirm", token);
  ASSERT_EQ(corrected.code, 0) << corrected.err;
  EXPECT_EQ(corrected.data["applied"], true);
  EXPECT_EQ(corrected.data["imported"]["version"], 2);
  EXPECT_EQ(corrected.data["in_force"]["version"], 1);
  auto next_year = import(list_2026(), k2026);
  ASSERT_EQ(next_year.code, 0) << next_year.err;

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
  auto status = laptop_cli("york", "status");
  ASSERT_EQ(status.code, 0) << status.err;
  ASSERT_EQ(status.data["held"].size(), 1u) << "reported at every look, not only once";
  EXPECT_EQ(status.data["held"][0]["target"], kDropped);
  EXPECT_EQ(status.data["pending"], 1);
  auto again = laptop_cli("york", "sync");
  ASSERT_EQ(again.code, 0) << again.err;
  EXPECT_EQ(again.data["pushed"], 0);
  EXPECT_EQ(again.data["held"][0]["field"], "answer");
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
  auto items = laptop_cli("york", "items");
  ASSERT_EQ(items.code, 0) << items.err;
  for (const auto& item : items.data["items"])
    if (item["id"] == kRetyped) {
      EXPECT_EQ(item["review"]["from"], "text");
      EXPECT_EQ(item["provided"], false);
      EXPECT_EQ(item["answer"]["text"], "Tested in March") << "the earlier answer is kept and shown";
    }
  auto york_json = laptop_cli("york", "progress");
  ASSERT_EQ(york_json.code, 0) << york_json.err;
  EXPECT_EQ(york_json.data["to_review"][0]["item"], kRetyped);
  ASSERT_TRUE(york_->answer(kRetyped, "yes", "", std::nullopt));
  EXPECT_TRUE(york_->progress(Date{2026, 1, 10})->to_review.empty());
}

TEST_F(QuestionSetSync, HeadOfficeRollsForwardIntoTheImportedYearAndTheBranchesFollow) {
  start_on_2025();
  ASSERT_TRUE(leeds_->answer(kKept, "yes", "", std::nullopt));
  ASSERT_TRUE(leeds_->answer(kGone, "Firewall rules reviewed", "", std::nullopt));
  ASSERT_TRUE(client::sync_once(*leeds_));
  ASSERT_EQ(import(list_2026(), k2026).code, 0);
  ASSERT_TRUE(york_->answer(kKept, "no", "", std::nullopt));  // offline while head office moves on

  auto moved = hq("rollforward", "--to", "2026-27");
  ASSERT_EQ(moved.code, 0) << moved.err;
  EXPECT_EQ(moved.data["removed"], nlohmann::json::array({kGone, kDropped}));  // catalogue order
  EXPECT_EQ(moved.data["added"], nlohmann::json::array({"4.6.1"}));
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
  ASSERT_EQ(import(list_2026(), k2026).code, 0);
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
  ASSERT_TRUE(server_.admin()->add_console_user("Mo Member", Role::member));
  const auto sets_before = *server_.admin()->store().last_question_set_seq();
  const auto file = scratch_ / "list.csv";
  write_text_file(file, nhs_list_csv(list_2026(), "DSPT"));
  struct Case {
    std::vector<std::string> args;
    int code;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{"--as", "Vic Viewer", "--year", "2026-27"}, 3, "Vic Viewer is a viewer at head office: only head office administrators import the official list"},
      {{"--as", "Mo Member", "--year", "2026-27"}, 3, "Mo Member is a member at head office: only head office administrators import the official list"},
      {{"--as", "Nobody", "--year", "2026-27"}, 4, "there is no user 'Nobody'"},
      {{"--year", "2023-24"}, 4, "works on 2025-26 now"},
      {{"--year", std::to_string(assessment_year_of(date_of(now_ms())).first + 2) + "-" +
                      std::to_string((assessment_year_of(date_of(now_ms())).first + 3) % 100)},
       4, "has not started"},
      {{"--year", "2026"}, 4, "the year: '2026' is not an assessment year"},
      {{"--year", "2026-27", "--category", "Category 9"}, 4, "Evidence text - Category 9"},
  };
  for (const auto& each : cases) {
    SCOPED_TRACE(each.message);
    std::vector<std::string> args{"catalogue", "import", file.string()};
    args.insert(args.end(), each.args.begin(), each.args.end());
    const std::string prefix = "env DSPTSYNC_SERVER_USER='Priya Shah' " + shell_quote(DSPTSYNC_SERVER_CLI) +
                               " --data " + shell_quote(server_.data().string());
    auto refused = run_program(prefix, args, scratch_.path());
    EXPECT_EQ(refused.code, each.code) << refused.err;
    EXPECT_NE(refused.err.find(each.message), std::string::npos) << refused.err;
  }
  // A file that is not the list: the reader's fault, named with its line, through the command.
  write_text_file(file, "Evidence Reference,Evidence text - Social Care,Mandatory - Social Care\n1.1,Q,Yes\n");
  auto malformed = hq("catalogue", "import", file.string(), "--year", "2026-27");
  EXPECT_EQ(malformed.code, 4);
  EXPECT_NE(malformed.err.find("line 2, column 'Evidence Reference'"), std::string::npos) << malformed.err;
  auto missing = hq("catalogue", "import", (scratch_ / "nowhere.xlsx").string(), "--year", "2026-27");
  EXPECT_EQ(missing.code, 5) << missing.err;

  auto same = import(list_2025(), k2025);
  ASSERT_EQ(same.code, 0) << same.err;
  EXPECT_EQ(same.data["unchanged"], true) << "the same list again is not a new version";
  EXPECT_EQ(*server_.admin()->store().last_question_set_seq(), sets_before) << "nothing was imported";
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
