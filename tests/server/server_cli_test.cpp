// Drives the real `dsptsync-server` binary against real data folders, checking output, JSON and
// exit codes (0 ok, 2 usage, 3 refused, 4 invalid input or not found).
#include "../common/cli_runner.h"
#include "../common/test_support.h"

#include "dsptsync/protocol.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <iterator>

namespace dsptsync {
namespace {

using nlohmann::json;
using testing::TempDir;

using testing::CliRun;
using testing::read_text_file;
using testing::run_program;
using testing::shell_quote;

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

class ServerCli : public ::testing::Test {
 protected:
  // Runs `dsptsync-server --data <temp>/data ARGS...` with a clean environment for the server's
  // variables (plus `environment`, "NAME=value" each) and captures its exit code and output.
  CliRun run(const std::vector<std::string>& args, const std::vector<std::string>& environment = {}) {
    std::string prefix = "env -u DSPTSYNC_SERVER_PASSPHRASE -u DSPTSYNC_SERVER_DATA";
    for (const auto& variable : environment) prefix += " " + shell_quote(variable);
    prefix += " " + std::string(DSPTSYNC_SERVER_CLI) + " --data " + shell_quote(data().string());
    return run_program(prefix, args, dir.path());
  }
  std::filesystem::path data() const { return dir / "data"; }
  void init() {
    CliRun result = run({"init", "--ods", "A1B2", "--name", "Acme Care Group", "--year", "2021-22"});
    ASSERT_EQ(result.code, 0) << result.err;
  }
  void add_leeds() {
    CliRun result = run({"branch", "add", "VLAXL", "--name", "Leeds"});
    ASSERT_EQ(result.code, 0) << result.err;
  }
  TempDir dir;
};

TEST_F(ServerCli, InitRefusesASiteCodeSayingWhichFormatsAreAcceptedAndCreatesNothing) {
  CliRun result = run({"init", "--ods", "VLAXL", "--name", "Acme", "--year", "2021-22", "--json"});
  EXPECT_EQ(result.code, 4);
  EXPECT_TRUE(contains(result.err, "dsptsync-server: ")) << result.err;
  EXPECT_TRUE(contains(result.err, "e.g. A1B2")) << result.err;
  EXPECT_TRUE(contains(result.err, "8JX12")) << result.err;
  EXPECT_EQ(result.data["error"]["kind"], "invalid_input");
  EXPECT_TRUE(contains(result.data["error"]["message"].get<std::string>(), "site code"));
  EXPECT_FALSE(std::filesystem::exists(data()));

  CliRun garbage = run({"init", "--ods", "NOT-A-CODE", "--name", "Acme", "--year", "2021-22"});
  EXPECT_EQ(garbage.code, 4);
  EXPECT_FALSE(std::filesystem::exists(data()));
}

TEST_F(ServerCli, InitReportsTheOrganisationAndNeverOverwrites) {
  CliRun result = run({"init", "--ods", " a1b2 ", "--name", "Acme Care Group", "--year", "2021/22", "--json"});
  ASSERT_EQ(result.code, 0) << result.err;
  EXPECT_EQ(result.data["ods"], "A1B2");
  EXPECT_EQ(result.data["ods_kind"], "head_office");
  EXPECT_EQ(result.data["name"], "Acme Care Group");
  EXPECT_EQ(result.data["year"], "2021-22");
  EXPECT_EQ(result.data["items"], 42);
  EXPECT_EQ(result.data["server_fingerprint"].get<std::string>().size(), 16u);
  EXPECT_TRUE(std::filesystem::exists(data() / "server.db"));
  EXPECT_TRUE(std::filesystem::exists(data() / "server.key"));

  CliRun again = run({"init", "--ods", "C9Z9", "--name", "Other", "--year", "2021-22"});
  EXPECT_EQ(again.code, 3);
  EXPECT_TRUE(contains(again.err, "already exists")) << again.err;
}

TEST_F(ServerCli, UsageErrorsExitWith2) {
  EXPECT_EQ(run({}).code, 2);
  EXPECT_EQ(run({"frobnicate"}).code, 2);
  EXPECT_EQ(run({"init", "--name", "Acme", "--year", "2021-22"}).code, 2);  // --ods missing
  EXPECT_EQ(run({"branch"}).code, 2);
  EXPECT_EQ(run({"branch", "add", "VLAXL"}).code, 2);  // --name missing
  EXPECT_EQ(run({"invite", "--branch", "VLAXL", "--hq", "--role", "admin", "--user", "Sam"}).code, 2);
  EXPECT_EQ(run({"invite", "--branch", "VLAXL", "--role", "admin", "--user", "Sam", "--valid-days", "soon"}).code, 2);
  EXPECT_EQ(run({"serve", "--tls-cert", "cert.pem"}).code, 2);  // a certificate needs its key
  CliRun help = run({"--help"});
  EXPECT_EQ(help.code, 0);
  EXPECT_TRUE(contains(help.out, "invite"));
}

TEST_F(ServerCli, CommandsWithoutDataSayHowToCreateIt) {
  CliRun result = run({"branch", "list", "--json"});
  EXPECT_EQ(result.code, 4);
  EXPECT_TRUE(contains(result.err, "dsptsync-server init")) << result.err;
  EXPECT_EQ(result.data["error"]["kind"], "not_found");
}

TEST_F(ServerCli, BranchesAreAddedListedAndRemoved) {
  init();
  CliRun bad = run({"branch", "add", "A1B3", "--name", "Leeds", "--json"});
  EXPECT_EQ(bad.code, 4);
  EXPECT_EQ(bad.data["error"]["kind"], "invalid_input");

  CliRun added = run({"branch", "add", "vlaxl", "--name", "Leeds", "--json"});
  ASSERT_EQ(added.code, 0) << added.err;
  EXPECT_EQ(added.data["ods"], "VLAXL");
  EXPECT_EQ(added.data["name"], "Leeds");
  EXPECT_TRUE(added.data["added_at"].is_string());

  CliRun duplicate = run({"branch", "add", "VLAXL", "--name", "Leeds"});
  EXPECT_EQ(duplicate.code, 3);
  EXPECT_TRUE(contains(duplicate.err, "VLAXL")) << duplicate.err;

  CliRun listed = run({"branch", "list", "--json"});
  ASSERT_EQ(listed.code, 0) << listed.err;
  ASSERT_EQ(listed.data["branches"].size(), 1u);
  EXPECT_EQ(listed.data["branches"][0]["ods"], "VLAXL");
  EXPECT_EQ(listed.data["branches"][0]["name"], "Leeds");
  EXPECT_EQ(listed.data["branches"][0]["users"], 0);

  CliRun removed = run({"branch", "remove", "VLAXL", "--json"});
  ASSERT_EQ(removed.code, 0) << removed.err;
  EXPECT_EQ(removed.data["removed"], "VLAXL");
  EXPECT_EQ(run({"branch", "remove", "VLAXL"}).code, 4);
  EXPECT_TRUE(run({"branch", "list", "--json"}).data["branches"].empty());
}

TEST_F(ServerCli, InviteGivesACodeAndHowToUseIt) {
  init();
  add_leeds();
  CliRun text = run({"invite", "--branch", "VLAXL", "--role", "member", "--user", "Sam Patel"});
  ASSERT_EQ(text.code, 0) << text.err;
  EXPECT_TRUE(contains(text.out, "dsptsync enrol ws://HOST:PORT ")) << text.out;

  CliRun result = run({"invite", "--branch", "VLAXL", "--role", "admin", "--user", "Ann Lee", "--valid-days", "3",
                       "--json"});
  ASSERT_EQ(result.code, 0) << result.err;
  const std::string code = result.data["code"];
  auto parsed = protocol::parse_enrolment_code(code);
  ASSERT_TRUE(parsed) << code;
  EXPECT_EQ(result.data["invite_id"], parsed->invite_id);
  EXPECT_EQ(result.data["user"], "Ann Lee");
  EXPECT_EQ(result.data["branch"], "VLAXL");
  EXPECT_EQ(result.data["role"], "admin");
  EXPECT_TRUE(result.data["expires_at"].is_string());
  EXPECT_TRUE(contains(result.data["enrol_command"], code));

  CliRun head_office = run({"invite", "--hq", "--role", "admin", "--user", "Hana Okafor", "--json"});
  ASSERT_EQ(head_office.code, 0) << head_office.err;
  EXPECT_TRUE(head_office.data["branch"].is_null());
  // The fingerprint in every code is the server's, the same as init reported.
  EXPECT_EQ(protocol::parse_enrolment_code(head_office.data["code"].get<std::string>())->server_fingerprint,
            parsed->server_fingerprint);
}

TEST_F(ServerCli, InviteRefusalsHaveTheirExitCodes) {
  init();
  add_leeds();
  CliRun unknown = run({"invite", "--branch", "VMB12", "--role", "member", "--user", "Sam", "--json"});
  EXPECT_EQ(unknown.code, 4);
  EXPECT_EQ(unknown.data["error"]["kind"], "not_found");
  EXPECT_EQ(run({"invite", "--branch", "VLAXL", "--role", "boss", "--user", "Sam"}).code, 4);
  EXPECT_EQ(run({"invite", "--branch", "VLAXL", "--role", "member", "--user", "Sam", "--valid-days", "0"}).code, 4);
  EXPECT_EQ(run({"invite", "--role", "member", "--user", "Sam"}).code, 4);  // neither a branch nor --hq
}

TEST_F(ServerCli, UserListShowsPendingInvitesAndRevokeNeedsAKnownUser) {
  init();
  add_leeds();
  ASSERT_EQ(run({"invite", "--branch", "VLAXL", "--role", "viewer", "--user", "Sam Patel"}).code, 0);
  CliRun listed = run({"user", "list", "--json"});
  ASSERT_EQ(listed.code, 0) << listed.err;
  EXPECT_TRUE(listed.data["users"].empty());
  ASSERT_EQ(listed.data["pending_invites"].size(), 1u);
  EXPECT_EQ(listed.data["pending_invites"][0]["user"], "Sam Patel");
  EXPECT_EQ(listed.data["pending_invites"][0]["role"], "viewer");
  EXPECT_EQ(listed.data["pending_invites"][0]["branch"], "VLAXL");

  CliRun unknown = run({"user", "revoke", "Nobody", "--json"});
  EXPECT_EQ(unknown.code, 4);
  EXPECT_EQ(unknown.data["error"]["kind"], "not_found");
}

TEST_F(ServerCli, RevokeAndReinstateReportWhatTheyDidAndUserListKeepsTheRecord) {
  init();
  ASSERT_EQ(run({"user", "add", "Tom Member", "--role", "member"}).code, 0);
  CliRun revoked = run({"user", "revoke", "Tom Member ", "--json"});
  ASSERT_EQ(revoked.code, 0) << revoked.err;
  EXPECT_EQ(revoked.data["revoked"], "Tom Member") << "the name as stored";
  EXPECT_TRUE(revoked.data["revoked_at"].is_string());
  EXPECT_EQ(revoked.data["devices"], 0);
  CliRun reinstated = run({"user", "reinstate", " Tom Member", "--json"});
  ASSERT_EQ(reinstated.code, 0) << reinstated.err;
  EXPECT_EQ(reinstated.data["reinstated"], "Tom Member");
  EXPECT_TRUE(reinstated.data["reinstated_at"].is_string());
  EXPECT_TRUE(reinstated.data["by"].is_null());

  CliRun listed = run({"user", "list", "--json"});
  ASSERT_EQ(listed.code, 0) << listed.err;
  ASSERT_EQ(listed.data["users"].size(), 1u);
  const json& tom = listed.data["users"][0];
  EXPECT_EQ(tom["name"], "Tom Member");
  EXPECT_EQ(tom["role"], "member");
  EXPECT_TRUE(tom["branch"].is_null());
  EXPECT_TRUE(tom["revoked"].is_null()) << "reinstated";
  EXPECT_TRUE(tom["created"].is_string());
  EXPECT_TRUE(tom["devices"].empty());
  ASSERT_EQ(listed.data["people_events"].size(), 2u);
  EXPECT_EQ(listed.data["people_events"][0]["action"], "revoked");
  EXPECT_EQ(listed.data["people_events"][1]["action"], "reinstated");
  EXPECT_EQ(listed.data["people_events"][1]["user"], "Tom Member");
  EXPECT_TRUE(listed.data["people_events"][1]["by"].is_null()) << "the console, without --as";
}

TEST_F(ServerCli, ProgressHasTheClientsShapePerBranch) {
  init();
  add_leeds();
  CliRun result = run({"progress", "--json"});
  ASSERT_EQ(result.code, 0) << result.err;
  EXPECT_EQ(result.data["organisation"]["ods"], "A1B2");
  EXPECT_EQ(result.data["organisation"]["name"], "Acme Care Group");
  EXPECT_EQ(result.data["organisation"]["year"], "2021-22");
  ASSERT_EQ(result.data["branches"].size(), 1u);
  const json& leeds = result.data["branches"][0];
  EXPECT_EQ(leeds["ods"], "VLAXL");
  EXPECT_EQ(leeds["name"], "Leeds");
  EXPECT_EQ(leeds["status"], "not_met");
  EXPECT_EQ(leeds["status_text"], "Standards Not Met");
  EXPECT_EQ(leeds["mandatory"]["provided"], 0);
  EXPECT_EQ(leeds["mandatory"]["total"], 42);
  EXPECT_EQ(leeds["year"], "2021-22");
  EXPECT_EQ(leeds["changes"], 0);
  EXPECT_TRUE(leeds["last_change_at"].is_null());
  EXPECT_TRUE(leeds["last_synced"].is_null()) << "nobody at Leeds has synced";
  EXPECT_TRUE(leeds["problems"].is_array());

  CliRun one = run({"progress", "--branch", "vlaxl"});
  ASSERT_EQ(one.code, 0) << one.err;
  EXPECT_TRUE(contains(one.out, "0 of 42 mandatory evidence items provided")) << one.out;

  CliRun unknown = run({"progress", "--branch", "VMB12", "--json"});
  EXPECT_EQ(unknown.code, 4);
  EXPECT_EQ(unknown.data["error"]["kind"], "not_found");
}

TEST_F(ServerCli, APassphraseComesFromTheEnvironment) {
  const std::string passphrase = "DSPTSYNC_SERVER_PASSPHRASE=correct horse battery staple";
  CliRun created = run({"init", "--ods", "A1B2", "--name", "Acme", "--year", "2021-22", "--json"}, {passphrase});
  ASSERT_EQ(created.code, 0) << created.err;
  EXPECT_EQ(created.data["key"], "passphrase");
  EXPECT_FALSE(std::filesystem::exists(data() / "server.key"));

  CliRun without = run({"branch", "list"});
  EXPECT_EQ(without.code, 3);
  EXPECT_TRUE(contains(without.err, "DSPTSYNC_SERVER_PASSPHRASE")) << without.err;
  EXPECT_EQ(run({"branch", "list"}, {"DSPTSYNC_SERVER_PASSPHRASE=wrong"}).code, 3);
  EXPECT_EQ(run({"branch", "list"}, {passphrase}).code, 0);
}

TEST_F(ServerCli, TheDataFolderComesFromTheEnvironmentWhenNotGiven) {
  const std::filesystem::path elsewhere = dir / "from-env";
  const std::string command = "env -u DSPTSYNC_SERVER_PASSPHRASE DSPTSYNC_SERVER_DATA=" + shell_quote(elsewhere.string()) +
                              " " + std::string(DSPTSYNC_SERVER_CLI) +
                              " init --ods A1B2 --name Acme --year 2021-22 >/dev/null 2>&1";
  const int status = std::system(command.c_str());
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_TRUE(std::filesystem::exists(elsewhere / "server.db"));
}

}  // namespace
}  // namespace dsptsync
