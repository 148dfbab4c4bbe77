// The one permission rule (permissions.h) as each door applies it, against a real server on
// 127.0.0.1: the head office command line, a laptop (and its push, when the laptop's own check is
// skipped), and the web API refuse the same forbidden edit with the same message, and record nothing.
// Revoking follows one rule at every door too: nobody revokes themselves, the last head office
// administrator is never revoked.
#include "../common/cli_runner.h"
#include "fixture.h"
#include "web_client.h"

#include "dsptsync/permissions.h"

#include <gtest/gtest.h>

#include <array>

namespace dsptsync::testing {
namespace {

using protocol::Role;

class Permissions : public ::testing::Test {
 protected:
  CliRun server_cli(const std::vector<std::string>& args) {
    return run_program(shell_quote(DSPTSYNC_SERVER_CLI) + " --json --data " + shell_quote(server_.data().string()),
                       args, scratch_.path());
  }

  WebClient signed_in(const std::string& user) {
    return signed_in_client(server_.data(), server_.port(), user, scratch_.path());
  }

  RunningServer server_;
  TempDir stores_;
  TempDir scratch_;
};

TEST_F(Permissions, AMemberConfirmingIsRefusedWithTheSameMessageAtEveryDoor) {
  // One head office member, with a laptop, a web password and the console's --as.
  auto laptop = server_.enrol(stores_ / "mo", "Mo Member", "", Role::member);
  const std::string expected =
      may_edit(Person{"Mo Member", Role::member, ""}, "A1B2", Field::confirmed).error().message;
  ASSERT_EQ(expected, "Mo Member is a member at head office: members cannot confirm assertions; ask an administrator");

  auto cli = server_cli({"confirm", "1.1", "--as", "Mo Member"});
  EXPECT_EQ(cli.code, 3) << cli.err;
  EXPECT_NE(cli.err.find(expected), std::string::npos) << cli.err;

  auto browser = signed_in("Mo Member");
  auto web = browser.put("/api/assessment/A1B2/assertions/1.1", json{{"confirmed", true}});
  EXPECT_EQ(web.status, 403) << web.body;
  EXPECT_EQ(web.parsed()["error"]["message"], expected);

  auto local = laptop->confirm("1.1", true);
  ASSERT_FALSE(local);
  EXPECT_EQ(local.error().message, expected);
  // A laptop that skips its own check (recorded under the hood) is refused by head office alike.
  ASSERT_TRUE(laptop->ledger().record(
      Edit{{"A1B2", "2021-22", TargetKind::assertion, "1.1", Field::confirmed}, FieldValue{"yes", ""}}));
  auto pushed = client::sync_once(*laptop);
  ASSERT_FALSE(pushed);
  EXPECT_NE(pushed.error().message.find(expected), std::string::npos) << pushed.error().message;

  EXPECT_EQ(*server_.admin()->store().change_count(), 0) << "nothing was recorded through any door";
}

TEST_F(Permissions, OnlyAHeadOfficeAdministratorChangesTheOrganisationProfileAtEveryDoor) {
  auto mo_laptop = server_.enrol(stores_ / "mo", "Mo Member", "", Role::member);
  auto priya_laptop = server_.enrol(stores_ / "priya", "Priya Shah", "", Role::admin);
  const std::string expected =
      may_change_profile(Person{"Mo Member", Role::member, ""}, "A1B2", "A1B2").error().message;
  ASSERT_EQ(expected,
            "Mo Member is a member at head office: only head office administrators change the "
            "organisation profile");

  auto cli = server_cli({"profile", "set", "--role", "dpo=Mo", "--as", "Mo Member"});
  EXPECT_EQ(cli.code, 3) << cli.err;
  EXPECT_NE(cli.err.find(expected), std::string::npos) << cli.err;
  auto browser = signed_in("Mo Member");
  auto web = browser.post("/api/profile", json{{"profile", {{"role.dpo", "Mo"}}}});
  EXPECT_EQ(web.status, 403) << web.body;
  EXPECT_EQ(web.parsed()["error"]["message"], expected);
  auto local = mo_laptop->set_profile({{"role.dpo", "Mo"}});
  ASSERT_FALSE(local);
  EXPECT_EQ(local.error().message, expected);

  // A member's laptop that skips its own check is refused by head office, with the same reason.
  ASSERT_TRUE(mo_laptop->ledger().record(
      Edit{{"A1B2", "2021-22", TargetKind::profile, "role.dpo", Field::value}, FieldValue{"Mo", ""}}));
  auto pushed = client::sync_once(*mo_laptop);
  ASSERT_FALSE(pushed);
  EXPECT_NE(pushed.error().message.find(expected), std::string::npos) << pushed.error().message;
  EXPECT_EQ(*server_.admin()->store().change_count(), 0) << "nothing was recorded through any door";
  EXPECT_FALSE(server_.admin()->profile()->contains("role.dpo"));

  // An administrator's laptop changes it.
  ASSERT_TRUE(priya_laptop->set_profile({{"role.dpo", "Dee Oh"}}));
  auto accepted = client::sync_once(*priya_laptop);
  ASSERT_TRUE(accepted) << accepted.error().message;
  EXPECT_EQ(server_.admin()->profile()->at("role.dpo"), "Dee Oh");
}

TEST_F(Permissions, ABranchPersonIsRefusedAnotherBranchAndSharingAtEveryDoor) {
  auto laptop = server_.enrol(stores_ / "sam", "Sam Patel", "VLAXL", Role::admin);
  const Person sam{"Sam Patel", Role::admin, "VLAXL"};
  const std::string other_branch = may_edit(sam, "VM2B3", Field::answer).error().message;

  auto browser = signed_in("Sam Patel");
  auto web = browser.put("/api/assessment/VM2B3/items/1.3.12", json{{"answer", "In place"}});
  EXPECT_EQ(web.status, 403) << web.body;
  auto sharing = browser.put("/api/assessment/A1B2/items/1.1.1/sharing", json{{"sharing", "branch"}});
  EXPECT_EQ(sharing.status, 403) << sharing.body;

  // The console acts only as head office people: a branch's is refused before any rule.
  auto cli = server_cli({"answer", "1.3.12", "In place", "--as", "Sam Patel"});
  EXPECT_EQ(cli.code, 3) << cli.err;

  ASSERT_TRUE(laptop->ledger().record(
      Edit{{"VM2B3", "2021-22", TargetKind::item, "1.3.12", Field::answer}, FieldValue{"In place", ""}}));
  auto pushed = client::sync_once(*laptop);
  ASSERT_FALSE(pushed);
  EXPECT_NE(pushed.error().message.find(other_branch), std::string::npos) << pushed.error().message;
  EXPECT_EQ(*server_.admin()->store().change_count(), 0);
}

TEST_F(Permissions, NobodyRevokesThemselvesAndTheLastHeadOfficeAdministratorStays) {
  auto office = server_.admin();
  ASSERT_TRUE(office->add_console_user("Priya Shah", Role::admin));
  ASSERT_TRUE(office->add_console_user("Mo Member", Role::member));
  const std::string self = "you cannot revoke yourself; ask another administrator";

  auto cli_self = server_cli({"user", "revoke", "Priya Shah", "--as", "Priya Shah"});
  EXPECT_EQ(cli_self.code, 4) << cli_self.err;
  EXPECT_NE(cli_self.err.find(self), std::string::npos) << cli_self.err;
  auto priya = signed_in("Priya Shah");
  auto web_self = priya.post("/api/people/Priya%20Shah/revoke", json::object());
  EXPECT_EQ(web_self.status, 400) << web_self.body;
  EXPECT_EQ(web_self.parsed()["error"]["message"], self);

  auto by_member = server_cli({"user", "revoke", "Priya Shah", "--as", "Mo Member"});
  EXPECT_EQ(by_member.code, 3) << by_member.err;
  EXPECT_NE(by_member.err.find("only head office administrators revoke people"), std::string::npos) << by_member.err;

  // Without --as the console (whoever holds the data folder) may revoke, but not the last administrator.
  auto last = server_cli({"user", "revoke", "Priya Shah"});
  EXPECT_EQ(last.code, 3) << last.err;
  EXPECT_NE(last.err.find("Priya Shah is the last head office administrator"), std::string::npos) << last.err;
  EXPECT_FALSE((*office->directory().user("Priya Shah"))->revoked_at) << "every refusal changed nothing";
  EXPECT_EQ(priya.get("/api/session").status, 200);

  ASSERT_TRUE(office->add_console_user("Omar Aziz", Role::admin));
  auto revoked = priya.post("/api/people/Omar%20Aziz/revoke", json::object());
  EXPECT_EQ(revoked.status, 200) << revoked.body;
  EXPECT_EQ(server_cli({"user", "revoke", "Priya Shah"}).code, 3) << "Omar is revoked: Priya is the last again";
}

TEST_F(Permissions, NamesAreComparedAsStoredAndARevokedPersonIsReinstatedNeverForEver) {
  auto office = server_.admin();
  ASSERT_TRUE(office->add_console_user("Priya Shah", Role::admin));
  ASSERT_TRUE(office->add_console_user("Mo Member", Role::member));
  auto priya = signed_in("Priya Shah");
  const std::string self = "you cannot revoke yourself; ask another administrator";

  // White space around a name is dropped, as when it was stored, before any rule compares it.
  for (const char* path : {"/api/people/Priya%20Shah%20/revoke", "/api/people/%20Priya%20Shah/revoke",
                           "/api/people/Priya%20Shah%09/revoke"}) {
    auto refused = priya.post(path, json::object());
    EXPECT_EQ(refused.status, 400) << path << " " << refused.body;
    EXPECT_EQ(refused.parsed()["error"]["message"], self) << path;
  }
  auto cli_self = server_cli({"user", "revoke", " Priya Shah ", "--as", "Priya Shah "});
  EXPECT_EQ(cli_self.code, 4) << cli_self.err;
  EXPECT_NE(cli_self.err.find(self), std::string::npos) << cli_self.err;
  EXPECT_FALSE((*office->directory().user("Priya Shah"))->revoked_at);
  EXPECT_EQ(priya.get("/api/session").status, 200);

  // Revoked by mistake, through the web app with a stray space...
  auto laptop = server_.enrol(stores_ / "sam", "Sam Patel", "VLAXL", Role::admin);
  auto revoked = priya.post("/api/people/Sam%20Patel%20/revoke", json::object());
  ASSERT_EQ(revoked.status, 200) << revoked.body;
  EXPECT_EQ(revoked.parsed()["revoked"], "Sam Patel");
  EXPECT_FALSE(client::sync_once(*laptop));

  // ...and reinstated by an administrator only, on the command line.
  auto by_member = server_cli({"user", "reinstate", "Sam Patel", "--as", "Mo Member"});
  EXPECT_EQ(by_member.code, 3) << by_member.err;
  EXPECT_NE(by_member.err.find("only head office administrators reinstate people"), std::string::npos);
  auto reinstated = server_cli({"user", "reinstate", "Sam Patel ", "--as", "Priya Shah"});
  ASSERT_EQ(reinstated.code, 0) << reinstated.err;
  EXPECT_EQ(reinstated.data["reinstated"], "Sam Patel");
  EXPECT_EQ(reinstated.data["by"], "Priya Shah");
  auto again = server_cli({"user", "reinstate", "Sam Patel"});
  EXPECT_EQ(again.code, 3) << "not revoked any more: " << again.err;
  EXPECT_EQ(server_cli({"user", "reinstate", "Nobody"}).code, 4);

  // The lost laptop stays revoked; a new invite enrols a new one under the same name.
  EXPECT_FALSE(client::sync_once(*laptop));
  auto new_laptop = server_.enrol(stores_ / "sam2", "Sam Patel", "VLAXL", Role::admin);
  ASSERT_TRUE(new_laptop->answer("1.3.12", "The registered manager", "", std::nullopt));
  auto synced = client::sync_once(*new_laptop);
  EXPECT_TRUE(synced) << synced.error().message;

  // The web app reinstates too; the person signs in again.
  set_web_password(server_.data(), "Mo Member", scratch_.path());
  ASSERT_EQ(server_cli({"user", "revoke", "Mo Member"}).code, 0);
  EXPECT_EQ(WebClient(server_.port()).sign_in("Mo Member", kPassword).status, 401);
  auto web = priya.post("/api/people/Mo%20Member/reinstate", json::object());
  ASSERT_EQ(web.status, 200) << web.body;
  EXPECT_EQ(web.parsed()["reinstated"], "Mo Member");
  EXPECT_EQ(WebClient(server_.port()).sign_in("Mo Member", kPassword).status, 200);
  EXPECT_EQ(priya.post("/api/people/Mo%20Member/reinstate", json::object()).status, 403) << "not revoked";

  // Each revocation and reinstatement is kept, with who made it, and each password set at the console.
  auto list = server_cli({"user", "list"});
  ASSERT_EQ(list.code, 0) << list.err;
  const json& events = list.data["people_events"];
  ASSERT_EQ(events.size(), 6u) << events.dump();
  const std::array<std::array<const char*, 2>, 6> expected = {{{"password_set", "Priya Shah"},
                                                               {"revoked", "Sam Patel"},
                                                               {"reinstated", "Sam Patel"},
                                                               {"password_set", "Mo Member"},
                                                               {"revoked", "Mo Member"},
                                                               {"reinstated", "Mo Member"}}};
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(events[i]["action"], expected[i][0]) << i;
    EXPECT_EQ(events[i]["user"], expected[i][1]) << i;
  }
  EXPECT_EQ(events[1]["by"], "Priya Shah");
  EXPECT_TRUE(events[4]["by"].is_null()) << "the console, without --as";
}

}  // namespace
}  // namespace dsptsync::testing
