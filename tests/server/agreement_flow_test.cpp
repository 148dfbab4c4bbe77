// Agreeing edits are not conflicts, end to end (docs/merge.md): a real head office server on
// 127.0.0.1 with its web API, two real Leeds laptops syncing, and the real `dsptsync` and
// `dsptsync-server` command lines. Equal offline answers and head office's confirmations for the branch
// meet the branch's own: no conflict on either laptop, at head office or in the web app, and the
// branch publishes. Differing values stay a conflict that blocks publishing, named in words.
#include "../common/cli_runner.h"
#include "fixture.h"
#include "web_client.h"

#include <gtest/gtest.h>

namespace dsptsync::testing {
namespace {

using protocol::Role;

class AgreementFlow : public ::testing::Test {
 protected:
  AgreementFlow() {
    auto office = server_.admin();
    EXPECT_TRUE(office->add_console_user("Priya Shah", Role::admin));
    set_web_password(server_.data(), "Priya Shah", scratch_.path());
    auto shipped = shipped_catalogue(AssessmentYear{2021});
    if (!shipped) throw std::runtime_error(shipped.error().message);
    catalogue_ = std::move(*shipped);
    sam_ = server_.enrol(stores_ / "sam", "Sam Patel", "VLAXL", Role::admin);
    ann_ = server_.enrol(stores_ / "ann", "Ann Lee", "VLAXL", Role::admin);
  }

  // Head office answers and confirms everything shared; Sam answers Leeds's own items but `left_out`,
  // and everyone syncs. What is left is what the test does offline.
  void prepare(const std::set<std::string>& left_out) {
    head_office_answers_everything_shared(*server_.admin(), "Priya Shah");
    ASSERT_TRUE(client::sync_once(*sam_));
    auto view = sam_->view();
    ASSERT_TRUE(view);
    for (const auto& item : catalogue_.items())
      if (!view->shared_items.count(item.id) && !left_out.count(item.id)) {
        ASSERT_TRUE(sam_->answer(item.id, item.type == AnswerType::yes_no ? "yes" : "In place and reviewed", "",
                                 std::nullopt))
            << item.id;
      }
    for (const auto& assertion : catalogue_.assertions())
      if (!view->shared_assertions.count(assertion.id)) branch_assertions_.push_back(assertion.id);
    ASSERT_FALSE(branch_assertions_.empty());
    sync_all();
  }

  void sync_all() {
    for (auto* laptop : {sam_.get(), ann_.get(), sam_.get()}) {
      auto synced = client::sync_once(*laptop);
      ASSERT_TRUE(synced) << synced.error().message;
    }
  }

  // Head office confirms the branch's own assertions for it in the web app, as Priya.
  void head_office_confirms(WebClient& priya) {
    for (const auto& id : branch_assertions_) {
      auto confirmed = priya.put("/api/assessment/VLAXL/assertions/" + id, json{{"confirmed", true}});
      ASSERT_EQ(confirmed.status, 200) << confirmed.body;
    }
  }

  // The laptop's own command line over its store: what Sam sees.
  json laptop_cli(const std::string& store, const std::vector<std::string>& args) {
    auto run = run_program(shell_quote(DSPTSYNC_CLI) + " --json --store " + shell_quote((stores_ / store).string()), args,
                           scratch_.path());
    EXPECT_EQ(run.code, 0) << run.err;
    return run.data;
  }
  json server_cli(const std::vector<std::string>& args) {
    auto run = run_program(shell_quote(DSPTSYNC_SERVER_CLI) + " --json --data " + shell_quote(server_.data().string()),
                           args, scratch_.path());
    EXPECT_EQ(run.code, 0) << run.err;
    return run.data;
  }

  std::size_t heads_of(const FieldKey& key) {
    auto field = server_.admin()->ledger().field(key);
    return field ? field->heads.size() : 0;
  }

  // Open conflicts seen by each laptop, their command lines, head office's and the web app.
  void expect_conflicts_everywhere(WebClient& priya, std::size_t expected) {
    for (auto* laptop : {sam_.get(), ann_.get()}) {
      EXPECT_EQ(laptop->conflicts()->size(), expected);
      EXPECT_EQ(laptop->progress(Date{2022, 5, 1})->open_conflicts, static_cast<int>(expected));
    }
    for (const char* store : {"sam", "ann"}) {
      EXPECT_EQ(laptop_cli(store, {"conflicts"})["count"], expected) << store;
      EXPECT_EQ(laptop_cli(store, {"progress"})["open_conflicts"], expected) << store;
    }
    EXPECT_EQ(server_.admin()->conflicts(std::nullopt)->size(), expected);
    EXPECT_EQ(server_cli({"conflicts"})["count"], expected);
    EXPECT_EQ(priya.get("/api/conflicts").parsed()["conflicts"].size(), expected);
    EXPECT_EQ(priya.get("/api/dashboard").parsed()["sites"][1]["conflicts"], expected);
  }

  RunningServer server_;
  TempDir stores_;
  TempDir scratch_;
  Catalogue catalogue_;
  std::unique_ptr<client::Workspace> sam_, ann_;
  std::vector<std::string> branch_assertions_;
};

TEST_F(AgreementFlow, EqualOfflineAnswersAndConfirmationsAreNoConflictAndTheBranchPublishes) {
  prepare({"3.2.1", "1.3.12"});
  auto priya = WebClient(server_.port());
  ASSERT_EQ(priya.sign_in("Priya Shah", kPassword).status, 200);

  // Offline, both laptops answer the same: "yes" and "Yes", and the same text with a stray space.
  ASSERT_TRUE(sam_->answer("3.2.1", "yes", "", std::nullopt));
  ASSERT_TRUE(ann_->answer("3.2.1", "Yes", "", std::nullopt));
  ASSERT_TRUE(sam_->answer("1.3.12", "Laptops are encrypted", "", std::nullopt));
  ASSERT_TRUE(ann_->answer("1.3.12", "Laptops are encrypted ", "", std::nullopt));
  // Head office confirms the branch's assertions for it while Sam confirms them on his laptop.
  head_office_confirms(priya);
  for (const auto& id : branch_assertions_) ASSERT_TRUE(sam_->confirm(id, true)) << id;
  sync_all();

  // They really were concurrent: both edits are kept as heads, and in the history.
  EXPECT_EQ(heads_of({"VLAXL", "2021-22", TargetKind::item, "3.2.1", Field::answer}), 2u);
  EXPECT_EQ(heads_of({"VLAXL", "2021-22", TargetKind::assertion, branch_assertions_.front(), Field::confirmed}), 2u);
  EXPECT_EQ(priya.get("/api/assessment/VLAXL/history/3.2.1").parsed()["history"].size(), 2u);

  expect_conflicts_everywhere(priya, 0);
  const auto assessment = priya.get("/api/assessment/VLAXL").parsed();
  for (const auto& group : assessment["groups"])
    for (const auto& entry : group["items"])
      if (entry["id"] == "3.2.1") {
        EXPECT_EQ(entry["answer"]["value"], "yes");
        EXPECT_EQ(entry["answer"]["conflict"], false);
      }
  EXPECT_EQ(laptop_cli("ann", {"show", "3.2.1"})["in_conflict"], false);
  EXPECT_EQ(laptop_cli("sam", {"progress"})["status"], "met");

  auto published = priya.post("/api/publish", json{{"year", "2021-22"}, {"branches", {"VLAXL"}}});
  ASSERT_EQ(published.status, 200) << published.body;
  EXPECT_EQ(published.parsed()["publication"]["sites"][0]["publicStatus"], "21/22 Standards Met");
}

TEST_F(AgreementFlow, DifferingValuesStayAConflictNamedInWordsThatBlocksPublishing) {
  prepare({"3.2.1"});
  auto priya = WebClient(server_.port());
  ASSERT_EQ(priya.sign_in("Priya Shah", kPassword).status, 200);

  ASSERT_TRUE(sam_->answer("3.2.1", "yes", "", std::nullopt));
  ASSERT_TRUE(ann_->answer("3.2.1", "no", "", std::nullopt));
  // Head office confirms every branch assertion; Sam confirms all but the first, which he withdraws.
  head_office_confirms(priya);
  const std::string disputed = branch_assertions_.front();
  for (const auto& id : branch_assertions_) ASSERT_TRUE(sam_->confirm(id, id != disputed)) << id;
  sync_all();

  expect_conflicts_everywhere(priya, 2);
  auto refused = priya.post("/api/publish", json{{"year", "2021-22"}, {"branches", {"VLAXL"}}});
  EXPECT_EQ(refused.status, 422) << refused.body;
  const json report = refused.parsed();
  std::set<std::string> messages;
  for (const auto& problem : report["sites"][0]["blocking"]) messages.insert(problem["message"].get<std::string>());
  EXPECT_TRUE(messages.count("Two people gave different answers to 3.2.1 (Staffing and roles): resolve it"))
      << refused.body;
  EXPECT_TRUE(messages.count("Head office and Leeds disagree on whether assertion " + disputed +
                             " is confirmed: resolve it"))
      << refused.body;
  // The listings say the same, and on a laptop, which does not know where people work, by people.
  const json at_head_office = server_cli({"conflicts"});
  std::set<std::string> summaries;
  for (const auto& conflict : at_head_office["conflicts"]) summaries.insert(conflict["summary"].get<std::string>());
  EXPECT_TRUE(summaries.count("Head office and Leeds disagree on whether assertion " + disputed + " is confirmed"));
  const json on_the_laptop = laptop_cli("sam", {"conflicts"});
  summaries.clear();
  for (const auto& conflict : on_the_laptop["conflicts"]) summaries.insert(conflict["summary"].get<std::string>());
  EXPECT_TRUE(summaries.count("Two people disagree on whether assertion " + disputed + " is confirmed"));
  EXPECT_EQ(server_.admin()->publications()->size(), 0u);
}

TEST_F(AgreementFlow, AConflictIsResolvedByChoosingAnyEditThatGaveTheValueItsAlsoByIncluded) {
  WebClient priya(server_.port());
  ASSERT_EQ(priya.sign_in("Priya Shah", kPassword).status, 200);
  ASSERT_TRUE(sam_->answer("3.2.1", "yes", "", std::nullopt));
  ASSERT_TRUE(ann_->answer("3.2.1", "Yes", "", std::nullopt));
  ASSERT_EQ(priya.put("/api/assessment/VLAXL/items/3.2.1", json{{"answer", "no"}}).status, 200);
  sync_all();

  const json open = priya.get("/api/conflicts?scope=VLAXL").parsed()["conflicts"];
  ASSERT_EQ(open.size(), 1u) << open;
  std::string agreed_earlier;
  for (const auto& value : open[0]["values"])
    if (value["value"] == "yes" && value["alsoBy"].size() == 1u) agreed_earlier = value["alsoBy"][0]["changeId"];
  ASSERT_FALSE(agreed_earlier.empty()) << "Sam's and Ann's yes are one value, the earlier edit listed in alsoBy: " << open;

  auto resolved = priya.post("/api/conflicts/resolve",
                             json{{"scope", "VLAXL"}, {"target", "3.2.1"}, {"field", "answer"}, {"keep", agreed_earlier}});
  ASSERT_EQ(resolved.status, 200) << resolved.body;
  EXPECT_TRUE(priya.get("/api/conflicts?scope=VLAXL").parsed()["conflicts"].empty());
  sync_all();
  const json items = laptop_cli("ann", {"items"});
  bool seen = false;
  for (const auto& item : items["items"]) {
    if (item["id"] != "3.2.1") continue;
    seen = true;
    EXPECT_NE(item["answer"].dump().find("\"yes\""), std::string::npos) << item;
    EXPECT_EQ(item["in_conflict"], false) << item;
  }
  EXPECT_TRUE(seen) << items;
}

}  // namespace
}  // namespace dsptsync::testing
