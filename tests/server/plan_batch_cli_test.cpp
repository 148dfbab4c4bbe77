// Head office's console plans many items at once, as the laptop does: `plan set` with several items
// for head office or a branch, and `plan generate`, which at a branch leaves out the items head
// office answers for every branch. Real `dsptsync-server` binary, real data folder.
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

class HeadOfficePlan : public ::testing::Test {
 protected:
  HeadOfficePlan() {
    for (const auto& args : std::vector<std::vector<std::string>>{
             {"init", "--ods", "A1B2", "--name", "Acme Care Group", "--year", "2021-22"},
             {"branch", "add", "VLAXL", "--name", "Leeds"},
             {"user", "add", "Priya Shah", "--role", "admin"}}) {
      CliRun made = run(args);
      EXPECT_EQ(made.code, 0) << made.err;
    }
  }
  CliRun run(std::vector<std::string> args) {
    const std::string prefix = "env -u DSPTSYNC_SERVER_PASSPHRASE -u DSPTSYNC_SERVER_DATA -u DSPTSYNC_SERVER_USER " +
                               std::string(DSPTSYNC_SERVER_CLI) + " --data " + shell_quote((dir / "data").string());
    return run_program(prefix, args, dir.path());
  }
  json plan_of(const std::vector<std::string>& where) {
    std::vector<std::string> args = {"plan", "list", "--json"};
    args.insert(args.end(), where.begin(), where.end());
    CliRun list = run(args);
    EXPECT_EQ(list.code, 0) << list.err;
    json lines = json::object();
    for (const auto& line : list.data["plan"]) lines[line["item"].get<std::string>()] = line;
    return lines;
  }
  TempDir dir;
};

TEST_F(HeadOfficePlan, SetTakesSeveralItemsOfABranchWithAUkDate) {
  CliRun set = run({"plan", "set", "1.3.2", "7.3.4", "--branch", "VLAXL", "--owner", "Ann Lee", "--due", "31/01/2027",
                    "--as", "Priya Shah", "--json"});
  ASSERT_EQ(set.code, 0) << set.err;
  EXPECT_EQ(set.data["items"], json({"1.3.2", "7.3.4"}));
  EXPECT_EQ(set.data["recorded"].size(), 4u);
  const json plan = plan_of({"--branch", "VLAXL"});
  for (const char* item : {"1.3.2", "7.3.4"}) {
    EXPECT_EQ(plan[item]["owner"], "Ann Lee") << item;
    EXPECT_EQ(plan[item]["due"], "2027-01-31") << item;
  }
}

TEST_F(HeadOfficePlan, AnUnknownItemIsRefusedAndNothingChanges) {
  CliRun refused = run(
      {"plan", "set", "1.3.2", "9.9.99", "--branch", "VLAXL", "--owner", "Ann Lee", "--as", "Priya Shah", "--json"});
  EXPECT_EQ(refused.code, 4);
  EXPECT_EQ(refused.data["error"]["kind"], "not_found");
  EXPECT_TRUE(plan_of({"--branch", "VLAXL"}).empty());
}

TEST_F(HeadOfficePlan, GenerateAtABranchLeavesHeadOfficesSharedItemsToHeadOffice) {
  CliRun branch = run({"plan", "generate", "--branch", "VLAXL", "--owner", "Ann Lee", "--as", "Priya Shah", "--json"});
  ASSERT_EQ(branch.code, 0) << branch.err;
  const json items = branch.data["items"];
  const auto has = [&](const json& list, const std::string& id) {
    return std::find(list.begin(), list.end(), id) != list.end();
  };
  EXPECT_TRUE(has(items, "1.3.2")) << items.dump();   // the branch's own
  EXPECT_FALSE(has(items, "1.1.1")) << items.dump();  // head office answers it for every branch
  EXPECT_EQ(
      plan_of({"--branch", "VLAXL"})["1.3.2"]["action"].get<std::string>().rfind("Provide the evidence for 1.3.2", 0),
      0u);

  CliRun office = run({"plan", "generate", "--as", "Priya Shah", "--json"});
  ASSERT_EQ(office.code, 0) << office.err;
  EXPECT_TRUE(has(office.data["items"], "1.1.1")) << office.data.dump();
  CliRun again = run({"plan", "generate", "--as", "Priya Shah"});
  EXPECT_EQ(again.code, 0) << again.err;
  EXPECT_NE(again.out.find("nothing to add"), std::string::npos) << again.out;
}

}  // namespace
}  // namespace dsptsync
