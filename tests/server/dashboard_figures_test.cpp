// Head office's dashboard and `progress` keep each site's figures between requests (site_figures.h):
// they show every change at the next request, whoever made it (a laptop's sync, the web app, head
// office's shared answers, another process on the same database, a roll-forward, the date moving
// on), and evaluate again only the sites something touched. Real SQLite files, a real server on
// 127.0.0.1, real console processes.
#include "../common/cli_runner.h"
#include "fixture.h"
#include "web_client.h"

#include <gtest/gtest.h>

#include <functional>

namespace dsptsync::testing {
namespace {

using protocol::Role;
constexpr AssessmentYear k2021{2021};

std::string value_for(const CatalogueItem& item) {
  switch (item.type) {
    case AnswerType::yes_no: return "yes";
    case AnswerType::date: return "2021-09-01";
    case AnswerType::number: return "12";
    default: return "In place";
  }
}

// Mandatory items of the 2021-22 set head office shares (`shared`) or leaves to each branch.
std::vector<CatalogueItem> mandatory_items(server::HeadOffice& office, bool shared) {
  auto view = office.effective_view("A1B2", k2021);
  EXPECT_TRUE(view) << view.error().message;
  std::vector<CatalogueItem> out;
  for (const auto& item : office.catalogue().items())
    if (item.required_for_met && view->shared_items.count(item.id) == (shared ? 1u : 0u)) out.push_back(item);
  return out;
}

Edit answer_of(const std::string& scope, const CatalogueItem& item) {
  return {{scope, "2021-22", TargetKind::item, item.id, Field::answer}, FieldValue{value_for(item), ""}};
}

// Each site's mandatory items provided, by code, as progress gives them.
std::map<std::string, int> provided(const std::vector<server::BranchProgress>& progress) {
  std::map<std::string, int> out;
  for (const auto& entry : progress) out[entry.branch.ods] = entry.evaluation.mandatory_provided;
  return out;
}

std::map<std::string, int> provided(const json& dashboard) {
  std::map<std::string, int> out;
  for (const auto& site : dashboard["sites"]) out[site["ods"]] = site["mandatory"]["provided"];
  return out;
}

class DashboardFigures : public ::testing::Test {
 protected:
  DashboardFigures() {
    auto created = server::HeadOffice::create({dir_.path() / "hq", "A1B2", "Acme Care Group", "2021-22", std::nullopt});
    if (!created) throw std::runtime_error(created.error().message);
    for (const auto& [ods, name] : {std::pair{"VLAXL", "Leeds"}, {"VM2B3", "York"}, {"VN4C5", "Hull"}})
      EXPECT_TRUE((*created)->add_branch(ods, name));
    EXPECT_TRUE((*created)->add_console_user("Priya Shah", Role::admin));
    serving_ = std::move(*created);
    console_ = open();
  }

  std::unique_ptr<server::HeadOffice> open() {
    auto opened = server::HeadOffice::open(dir_.path() / "hq", std::nullopt);
    if (!opened) throw std::runtime_error(opened.error().message);
    return std::move(*opened);
  }

  std::vector<server::BranchProgress> progress(Date today = Date{2022, 1, 10}) {
    auto all = serving_->progress(std::nullopt, today);
    EXPECT_TRUE(all) << all.error().message;
    return all ? *all : std::vector<server::BranchProgress>{};
  }

  void console_records(const std::vector<Edit>& edits) {
    auto user = console_->acting_user("Priya Shah");
    ASSERT_TRUE(user);
    auto recorded = console_->edit_as(*user, edits);
    ASSERT_TRUE(recorded) << recorded.error().message;
  }

  TempDir dir_;
  std::unique_ptr<server::HeadOffice> serving_;  // as the server process holds it
  std::unique_ptr<server::HeadOffice> console_;  // another HeadOffice on the same database
};

TEST_F(DashboardFigures, OnlyTheSitesSomethingTouchedAreEvaluatedAgain) {
  const auto before = provided(progress());
  EXPECT_EQ(serving_->figures_evaluated(), 3u);
  EXPECT_EQ(provided(progress()), before);
  EXPECT_EQ(serving_->figures_evaluated(), 3u) << "nothing changed: every site's figures are reused";

  const auto branch_item = mandatory_items(*console_, false).at(0);
  console_records({answer_of("VLAXL", branch_item)});
  auto after = provided(progress());
  EXPECT_EQ(after["VLAXL"], before.at("VLAXL") + 1) << "written by another HeadOffice on the same database";
  EXPECT_EQ(after["VM2B3"], before.at("VM2B3"));
  EXPECT_EQ(serving_->figures_evaluated(), 4u) << "only Leeds was evaluated again";

  // A shared answer changes every branch's effective assessment.
  const auto shared_item = mandatory_items(*console_, true).at(0);
  console_records({answer_of("A1B2", shared_item)});
  const auto shared = provided(progress());
  for (const auto& [ods, count] : after) EXPECT_EQ(shared.at(ods), count + 1) << ods;
  EXPECT_EQ(serving_->figures_evaluated(), 7u);

  // The dashboard's list adds head office's own assessment, first, and keeps the branches' figures.
  auto sites = serving_->site_progress(Date{2022, 1, 10});
  ASSERT_TRUE(sites) << sites.error().message;
  ASSERT_EQ(sites->size(), 4u);
  EXPECT_EQ((*sites)[0].branch.ods, "A1B2");
  EXPECT_EQ((*sites)[0].branch.name, "Acme Care Group");
  EXPECT_EQ(serving_->figures_evaluated(), 8u);

  // A progress of one branch reads the same figures.
  auto leeds = serving_->progress(std::string("VLAXL"), Date{2022, 1, 10});
  ASSERT_TRUE(leeds);
  EXPECT_EQ((*leeds)[0].evaluation.mandatory_provided, shared.at("VLAXL"));
  EXPECT_EQ(serving_->figures_evaluated(), 8u);
}

TEST_F(DashboardFigures, TheDateMovingPastAPlanActionsDueDateShowsItOverdue) {
  const auto item = mandatory_items(*console_, false).at(0);
  console_records({{{"VLAXL", "2021-22", TargetKind::plan, item.id, Field::plan_action}, FieldValue{"Write it", ""}},
                   {{"VLAXL", "2021-22", TargetKind::plan, item.id, Field::plan_due}, FieldValue{"2022-03-01", ""}}});
  const auto overdue = [](const std::vector<server::BranchProgress>& all) {
    for (const auto& entry : all)
      if (entry.branch.ods == "VLAXL")
        for (const auto& warning : entry.evaluation.warnings)
          if (warning.find("was due on 1 March 2022") != std::string::npos) return true;
    return false;
  };
  EXPECT_FALSE(overdue(progress(Date{2022, 3, 1})));
  EXPECT_TRUE(overdue(progress(Date{2022, 3, 2}))) << "a new day evaluates again";
  EXPECT_FALSE(overdue(progress(Date{2022, 3, 1})));
}

TEST_F(DashboardFigures, ARemovedBranchIsForgotten) {
  ASSERT_EQ(progress().size(), 3u);
  ASSERT_TRUE(serving_->site_progress(Date{2022, 1, 10}));
  EXPECT_EQ(serving_->figures_kept(), 4u);
  ASSERT_TRUE(console_->remove_branch("VN4C5"));
  EXPECT_EQ(progress().size(), 2u);
  EXPECT_EQ(serving_->figures_kept(), 3u) << "Leeds, York and head office's own";
}

// The same through the real server: a laptop's sync, web edits, and console processes.
class ServedDashboard : public ::testing::Test {
 protected:
  ServedDashboard() {
    EXPECT_TRUE(server_.admin()->add_console_user("Priya Shah", Role::admin));
    set_web_password(server_.data(), "Priya Shah", scratch_.path());
  }

  CliRun console(std::vector<std::string> args) {
    return run_program(shell_quote(DSPTSYNC_SERVER_CLI) + " --json --data " + shell_quote(server_.data().string()),
                       args, scratch_.path());
  }

  RunningServer server_;
  TempDir stores_;
  TempDir scratch_;
};

TEST_F(ServedDashboard, EveryWayAChangeArrivesShowsAtTheNextLoad) {
  WebClient priya(server_.port());
  ASSERT_EQ(priya.sign_in("Priya Shah", kPassword).status, 200);
  auto office = server_.admin();
  const auto branch_items = mandatory_items(*office, false);
  const auto shared_items = mandatory_items(*office, true);
  ASSERT_GE(branch_items.size(), 2u);
  ASSERT_GE(shared_items.size(), 2u);
  const auto load = [&] {
    auto page = priya.get("/api/dashboard");
    EXPECT_EQ(page.status, 200) << page.body;
    return page.parsed();
  };
  auto expected = provided(load());
  ASSERT_EQ(expected.size(), 3u);

  // (a) a branch laptop's sync
  auto leeds = server_.enrol(stores_ / "leeds", "Sam Patel", "VLAXL", Role::admin);
  ASSERT_TRUE(leeds->answer(branch_items[0].id, value_for(branch_items[0]), "", std::nullopt));
  ASSERT_TRUE(client::sync_once(*leeds));
  ++expected["VLAXL"];
  const auto synced = load();
  EXPECT_EQ(provided(synced), expected) << "after Leeds's laptop synced";
  for (const auto& site : synced["sites"])  // the directory's part is read afresh for every site
    EXPECT_EQ(site["lastSynced"].is_object(), site["ods"] == "VLAXL") << site.dump();

  // (b) an edit in the web app
  auto edited =
      priya.put("/api/assessment/VM2B3/items/" + branch_items[1].id, json{{"answer", value_for(branch_items[1])}});
  ASSERT_EQ(edited.status, 200) << edited.body;
  ++expected["VM2B3"];
  EXPECT_EQ(provided(load()), expected) << "after a web edit of York's";

  // (c) head office's shared answer, in the web app: every site's (effective) assessment
  edited = priya.put("/api/assessment/A1B2/items/" + shared_items[0].id, json{{"answer", value_for(shared_items[0])}});
  ASSERT_EQ(edited.status, 200) << edited.body;
  for (auto& [ods, count] : expected) ++count;  // head office's own assessment has it too
  const auto after_shared = provided(load());
  EXPECT_EQ(after_shared, expected) << "after head office answered a shared item";

  // (d) a console process writing the same database
  auto answered = console({"answer", shared_items[1].id, value_for(shared_items[1]), "--as", "Priya Shah"});
  ASSERT_EQ(answered.code, 0) << answered.err;
  for (auto& [ods, count] : expected) ++count;  // head office's own assessment has it too
  const auto dashboard = load();
  EXPECT_EQ(provided(dashboard), expected) << "after the console answered a shared item";
  auto progress = console({"progress"});
  ASSERT_EQ(progress.code, 0) << progress.err;
  for (const auto& branch : progress.data["branches"])
    EXPECT_EQ(branch["mandatory"]["provided"], expected.at(branch["ods"])) << branch["ods"];

  // A roll-forward by the console: the next load is of the new year's question set.
  auto moved = console({"rollforward", "--to", "2023-24", "--as", "Priya Shah"});
  ASSERT_EQ(moved.code, 0) << moved.err;
  for (const auto& site : load()["sites"])
    EXPECT_EQ(site["publicStatus"].get<std::string>().substr(0, 5), "23/24") << site.dump();
}

}  // namespace
}  // namespace dsptsync::testing
