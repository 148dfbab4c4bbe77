// The improvement plan for many items at once through the real `dsptsync` binary: `plan set` with
// several items, `plan generate` for every mandatory item not provided without a line, UK dates,
// --json, and refusals that change nothing.
#include "../common/cli_runner.h"
#include "../common/test_support.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>

namespace dsptsync {
namespace {

using nlohmann::json;
using testing::CliRun;
using testing::run_program;
using testing::shell_quote;
using testing::TempDir;

class PlanCli : public ::testing::Test {
 protected:
  PlanCli() {
    CliRun made = run({"init", "--ods", "VLAXL", "--name", "Leeds branch", "--year", "2021-22", "--user", "Sam Patel"});
    EXPECT_EQ(made.code, 0) << made.err;
  }
  CliRun run(const std::vector<std::string>& args) {
    return run_program(std::string(DSPTSYNC_CLI) + " --store " + shell_quote(dir.path().string() + "/store"), args,
                       dir.path());
  }
  // The plan line of an item as `plan list --json` shows it (null when the item is not listed).
  json line_of(const std::string& item) {
    CliRun list = run({"plan", "list", "--json"});
    EXPECT_EQ(list.code, 0) << list.err;
    const json data = list.parsed();
    for (const auto& line : data["plan"])
      if (line["item"] == item) return line;
    return nullptr;
  }
  TempDir dir;
};

TEST_F(PlanCli, SetGivesSeveralItemsOneOwnerAndAUkDueDateKeptAsIso) {
  CliRun set = run({"plan", "set", "1.1.5", "2.1.1", "3.1.1", "--owner", "Ann Lee", "--due", "31/01/2027", "--json"});
  ASSERT_EQ(set.code, 0) << set.err;
  const json data = set.parsed();
  EXPECT_EQ(data["items"], json({"1.1.5", "2.1.1", "3.1.1"}));
  EXPECT_EQ(data["changes"].size(), 6u);  // owner and due date of each
  for (const auto& change : data["changes"])
    if (change["field"] == "plan_due") {
      EXPECT_EQ(change["value"]["text"], "2027-01-31");
    }
  for (const char* item : {"1.1.5", "2.1.1", "3.1.1"}) {
    const json line = line_of(item);
    EXPECT_EQ(line["owner"], "Ann Lee") << item;
    EXPECT_EQ(line["due"], "2027-01-31") << item;
  }
  CliRun text = run({"plan", "set", "1.1.5", "2.1.1", "--state", "in_progress"});
  ASSERT_EQ(text.code, 0) << text.err;
  EXPECT_EQ(text.out, "Improvement plan for 1.1.5 and 2.1.1 updated\n");
}

TEST_F(PlanCli, OneItemWorksExactlyAsBefore) {
  CliRun one = run({"plan", "set", "1.1.5", "--action", "Name a lead", "--json"});
  ASSERT_EQ(one.code, 0) << one.err;
  EXPECT_FALSE(one.parsed().contains("items"));
  EXPECT_EQ(one.parsed()["changes"].size(), 1u);
  CliRun text = run({"plan", "set", "1.1.5", "--owner", "Sam"});
  EXPECT_EQ(text.out, "Improvement plan for 1.1.5 updated\n");
}

TEST_F(PlanCli, AnUnknownItemOrABadDateIsRefusedAndNothingChanges) {
  CliRun unknown = run({"plan", "set", "1.1.5", "9.9.99", "8.8.88", "--owner", "Ann Lee", "--json"});
  EXPECT_EQ(unknown.code, 4);
  EXPECT_EQ(unknown.parsed()["error"]["kind"], "not_found");
  EXPECT_NE(unknown.err.find("'9.9.99', '8.8.88'"), std::string::npos) << unknown.err;
  EXPECT_EQ(line_of("1.1.5")["owner"], "");

  CliRun date = run({"plan", "set", "1.1.5", "2.1.1", "--owner", "Ann Lee", "--due", "31/13/2027"});
  EXPECT_EQ(date.code, 4);
  EXPECT_NE(date.err.find("--due: '31/13/2027' is not a real date"), std::string::npos) << date.err;
  CliRun state = run({"plan", "set", "1.1.5", "2.1.1", "--state", "closed"});
  EXPECT_EQ(state.code, 4);
  EXPECT_NE(state.err.find("--state: must be open, in_progress or done, not 'closed'"), std::string::npos) << state.err;
  EXPECT_EQ(line_of("1.1.5")["owner"], "");
  EXPECT_EQ(line_of("2.1.1")["owner"], "");

  CliRun nothing = run({"plan", "set", "1.1.5", "2.1.1"});
  EXPECT_EQ(nothing.code, 4);
  EXPECT_NE(nothing.err.find("nothing to change"), std::string::npos) << nothing.err;
}

TEST_F(PlanCli, GenerateAddsALineForEveryMandatoryItemMissingOneAndSkipsTheRest) {
  ASSERT_EQ(run({"answer", "1.1.5", "Ann Lee, named in her job description"}).code, 0);  // provided
  ASSERT_EQ(run({"answer", "2.1.1", "no"}).code, 0);                                     // answered No: not provided
  ASSERT_EQ(run({"plan", "set", "3.1.1", "--action", "Run the analysis"}).code, 0);      // has a line

  CliRun generated = run({"plan", "generate", "--owner", "Ann Lee", "--due", "31/01/2027", "--json"});
  ASSERT_EQ(generated.code, 0) << generated.err;
  const json items = generated.parsed()["items"];
  const auto has = [&](const std::string& id) { return std::find(items.begin(), items.end(), id) != items.end(); };
  EXPECT_EQ(items.size(), 40u);  // 42 mandatory items, less the one provided and the one planned
  EXPECT_FALSE(has("1.1.5"));
  EXPECT_FALSE(has("3.1.1"));
  EXPECT_TRUE(has("2.1.1"));

  const json line = line_of("2.1.1");
  EXPECT_EQ(line["action"].get<std::string>().rfind("Provide the evidence for 2.1.1: Does your organisation", 0), 0u)
      << line.dump();
  EXPECT_EQ(line["owner"], "Ann Lee");
  EXPECT_EQ(line["due"], "2027-01-31");
  EXPECT_EQ(line_of("3.1.1")["action"], "Run the analysis");
  EXPECT_EQ(line_of("3.1.1")["owner"], "");

  CliRun again = run({"plan", "generate"});
  EXPECT_EQ(again.code, 0) << again.err;
  EXPECT_EQ(again.out, "Every mandatory item not provided has a plan line already; nothing to add\n");
}

TEST_F(PlanCli, GenerateRefusesABadDateAndAddsNothing) {
  CliRun refused = run({"plan", "generate", "--due", "2027-02-30", "--json"});
  EXPECT_EQ(refused.code, 4);
  EXPECT_EQ(refused.parsed()["error"]["kind"], "invalid_input");
  EXPECT_EQ(line_of("2.1.1")["action"], "");
}

}  // namespace
}  // namespace dsptsync
