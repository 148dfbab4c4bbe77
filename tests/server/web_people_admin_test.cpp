// Head office manages its people from the web app and the console (docs/api.md, docs/cli.md: user
// link, user role), end to end: a real server on 127.0.0.1, real HTTP, real Argon2id, the real
// `dsptsync-server`, and an enrolled laptop whose next push carries the new role.
#include "../common/cli_runner.h"
#include "fixture.h"
#include "web_client.h"

#include "dsptsync/directory.h"
#include "dsptsync/limits.h"
#include "dsptsync/tuning.h"

#include <gtest/gtest.h>

namespace dsptsync::testing {
namespace {

using protocol::Role;

constexpr const char* kNewPassword = "a brand new passphrase";

class WebPeopleAdmin : public ::testing::Test {
 protected:
  WebPeopleAdmin() {
    auto office = server_.admin();
    EXPECT_TRUE(office->add_console_user("Priya Shah", Role::admin));
    EXPECT_TRUE(office->add_console_user("Victor Viewer", Role::viewer));
    EXPECT_TRUE(office->add_console_user("Mo Member", Role::member));
    EXPECT_TRUE(office->directory().add_user(User{"Bea Branch", "VLAXL", Role::admin, now_ms(), std::nullopt}));
    for (const char* name : {"Priya Shah", "Victor Viewer", "Mo Member", "Bea Branch"})
      set_web_password(server_.data(), name, scratch_.path());
  }

  WebClient signed_in(const std::string& user, const std::string& password = kPassword) {
    WebClient client(server_.port());
    auto answer = client.sign_in(user, password);
    EXPECT_EQ(answer.status, 200) << answer.body;
    return client;
  }

  static std::string token_of(const json& link) {
    const std::string path = link["path"];
    return path.substr(path.rfind('/') + 1);
  }

  // The anonymous page's request: no session, no CSRF token.
  Answer set_password(const std::string& token, const std::string& password) {
    WebClient anonymous(server_.port());
    return anonymous.post("/api/set-password", json{{"token", token}, {"password", password}});
  }

  CliRun server_cli(const std::vector<std::string>& args) {
    return run_program(shell_quote(DSPTSYNC_SERVER_CLI) + " --json --data " + shell_quote(server_.data().string()),
                       args, scratch_.path());
  }

  RunningServer server_;
  TempDir stores_;
  TempDir scratch_;
};

TEST_F(WebPeopleAdmin, AnAdministratorAddsAColleagueWhoSetsTheirPasswordOnceAndSignsIn) {
  auto priya = signed_in("Priya Shah");
  auto added = priya.post("/api/people/users", json{{"name", " Nia Newcomer "}, {"role", "member"}});
  ASSERT_EQ(added.status, 201) << added.body;
  const json link = added.parsed();
  EXPECT_EQ(link["user"], "Nia Newcomer");
  EXPECT_EQ(link["role"], "member");
  EXPECT_EQ(link["newUser"], true);
  EXPECT_EQ(link["path"].get<std::string>().rfind("/#/set-password/", 0), 0u) << link;
  EXPECT_EQ(token_of(link).size(), 2 * limits::kPasswordLinkTokenBytes);

  auto taken = priya.post("/api/people/users", json{{"name", "Nia Newcomer"}, {"role", "admin"}});
  EXPECT_EQ(taken.status, 409) << taken.body;
  EXPECT_EQ(taken.parsed()["error"]["field"], "name");
  auto no_role = priya.post("/api/people/users", json{{"name", "Someone Else"}});
  EXPECT_EQ(no_role.status, 400);
  EXPECT_EQ(no_role.parsed()["error"]["field"], "role");

  WebClient nia(server_.port());
  EXPECT_EQ(nia.sign_in("Nia Newcomer", kNewPassword).status, 401) << "no password before the link is used";
  auto too_short = set_password(token_of(link), "short");
  EXPECT_EQ(too_short.status, 400) << too_short.body;
  EXPECT_EQ(too_short.parsed()["error"]["field"], "password");
  auto wrong = set_password(std::string(64, '0'), kNewPassword);
  EXPECT_EQ(wrong.status, 403) << wrong.body;
  EXPECT_EQ(wrong.parsed()["error"]["code"], "link_not_valid");
  EXPECT_EQ(wrong.parsed()["error"]["message"], kPasswordLinkNotValid);

  auto set = set_password(token_of(link), kNewPassword);
  ASSERT_EQ(set.status, 200) << set.body;
  EXPECT_EQ(set.parsed()["user"], "Nia Newcomer");
  auto used = set_password(token_of(link), "yet another passphrase");
  EXPECT_EQ(used.status, 403) << "a link works once";
  EXPECT_EQ(used.parsed()["error"]["message"], kPasswordLinkNotValid);

  auto session = nia.sign_in("Nia Newcomer", kNewPassword);
  ASSERT_EQ(session.status, 200) << session.body;
  EXPECT_EQ(session.parsed()["role"], "member");
  EXPECT_EQ(nia.sign_in("Nia Newcomer", "yet another passphrase").status, 401);

  const auto people = priya.get("/api/people").parsed();
  std::vector<std::string> actions;
  for (const auto& event : people["events"])
    if (event["user"] == "Nia Newcomer") actions.push_back(event["action"]);
  EXPECT_EQ(actions, (std::vector<std::string>{"password_link_issued", "password_set"}));
}

TEST_F(WebPeopleAdmin, TheConsolesPasswdIsRecordedAsAPeopleEventAsTheLinksIs) {
  // The fixture set each password with the real 'dsptsync-server user passwd'.
  auto priya = signed_in("Priya Shah");
  std::vector<std::string> set_for;
  const json people = priya.get("/api/people").parsed();
  for (const auto& event : people["events"])
    if (event["action"] == "password_set") {
      set_for.push_back(event["user"]);
      EXPECT_TRUE(event["by"].is_null()) << "the console, without --as: " << event;
    }
  EXPECT_EQ(set_for, (std::vector<std::string>{"Priya Shah", "Victor Viewer", "Mo Member", "Bea Branch"}));

  // A password the rules refuse changes nothing and records nothing.
  const auto before = server_cli({"user", "list"}).data["people_events"].size();
  const std::string piped = "printf '%s\\n' short | " + shell_quote(DSPTSYNC_SERVER_CLI) + " --json --data " +
                            shell_quote(server_.data().string());
  auto refused = run_program(piped, {"user", "passwd", "Mo Member"}, scratch_.path());
  EXPECT_EQ(refused.code, 4) << refused.err;
  signed_in("Mo Member");  // the old password still works
  auto after = server_cli({"user", "list"});
  ASSERT_EQ(after.code, 0) << after.err;
  EXPECT_EQ(after.data["people_events"].size(), before);
  EXPECT_EQ(after.data["people_events"].back()["action"], "password_set");
  EXPECT_EQ(after.data["people_events"].back()["user"], "Bea Branch");
}

TEST_F(WebPeopleAdmin, AResetKeepsTheOldPasswordUntilUsedThenEndsTheOldSessions) {
  auto priya = signed_in("Priya Shah");
  auto mo = signed_in("Mo Member");
  auto first = priya.post("/api/people/Mo%20Member/password-link", json::object());
  ASSERT_EQ(first.status, 200) << first.body;
  auto second = priya.post("/api/people/Mo%20Member/password-link", json::object());
  ASSERT_EQ(second.status, 200);
  EXPECT_EQ(second.parsed()["newUser"], false);
  EXPECT_EQ(mo.get("/api/session").status, 200) << "sending a link signs nobody out";
  signed_in("Mo Member");  // the old password still works

  EXPECT_EQ(set_password(token_of(first.parsed()), kNewPassword).status, 403) << "the newer link voided it";
  ASSERT_EQ(set_password(token_of(second.parsed()), kNewPassword).status, 200);
  EXPECT_EQ(mo.get("/api/session").status, 401) << "the session of the old password ended";
  WebClient again(server_.port());
  EXPECT_EQ(again.sign_in("Mo Member", kPassword).status, 401);
  signed_in("Mo Member", kNewPassword);
}

TEST_F(WebPeopleAdmin, OnlyHeadOfficeAdministratorsManagePeopleAndNothingChangesOtherwise) {
  const auto events_before = server_.admin()->directory().people_events()->size();
  for (const char* name : {"Victor Viewer", "Mo Member", "Bea Branch"}) {
    auto browser = signed_in(name);
    EXPECT_EQ(browser.post("/api/people/users", json{{"name", "Eve Intruder"}, {"role", "admin"}}).status, 403) << name;
    EXPECT_EQ(browser.post("/api/people/Priya%20Shah/password-link", json::object()).status, 403) << name;
    EXPECT_EQ(browser.post("/api/people/Priya%20Shah/role", json{{"role", "viewer"}}).status, 403) << name;
  }
  auto office = server_.admin();
  EXPECT_FALSE(*office->directory().user("Eve Intruder"));
  EXPECT_EQ((*office->directory().user("Priya Shah"))->role, Role::admin);
  auto events = office->directory().people_events();
  EXPECT_EQ(events->size(), events_before) << "nothing recorded";
  // A set-password request from another site is refused like a sign-in from one.
  WebClient anonymous(server_.port());
  auto forged = anonymous.call("POST", "/api/set-password", json{{"token", "x"}, {"password", kNewPassword}},
                               "Origin: https://evil.example\r\n");
  EXPECT_EQ(forged.status, 403);
  EXPECT_EQ(forged.parsed()["error"]["code"], "csrf");
}

TEST_F(WebPeopleAdmin, BadLinksFromOneAddressAreSlowedDownAsFailedSignInsAre) {
  auto priya = signed_in("Priya Shah");
  auto link = priya.post("/api/people/Mo%20Member/password-link", json::object());
  ASSERT_EQ(link.status, 200);
  for (int i = 0; i <= tuning::kSignInFreeFailuresPerName; ++i)
    EXPECT_EQ(set_password(std::string(64, 'f'), kNewPassword).status, 403);
  auto limited = set_password(token_of(link.parsed()), kNewPassword);
  EXPECT_EQ(limited.status, 429) << "even a good link waits once the free failures are used up";
  EXPECT_GT(std::stoi(limited.header("retry-after")), 0);
  signed_in("Mo Member");  // nothing changed: the old password still works
}

TEST_F(WebPeopleAdmin, ARoleChangeAppliesToTheWebAtOnceAndToALaptopAtItsNextPush) {
  auto laptop = server_.enrol(stores_ / "mo", "Mo Member", "", Role::member);
  auto priya = signed_in("Priya Shah");
  auto mo = signed_in("Mo Member");
  ASSERT_TRUE(laptop->answer("1.1.1", "ZA123456", "", std::nullopt));
  ASSERT_TRUE(client::sync_once(*laptop)) << "a member's answer is accepted";

  auto own = priya.post("/api/people/Priya%20Shah/role", json{{"role", "member"}});
  EXPECT_EQ(own.status, 400) << own.body;
  auto bad = priya.post("/api/people/Mo%20Member/role", json{{"role", "owner"}});
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.parsed()["error"]["field"], "role");

  auto changed = priya.post("/api/people/Mo%20Member/role", json{{"role", "viewer"}});
  ASSERT_EQ(changed.status, 200) << changed.body;
  EXPECT_EQ(changed.parsed()["role"], "viewer");
  EXPECT_EQ(changed.parsed()["previousRole"], "member");
  EXPECT_EQ(mo.get("/api/session").parsed()["role"], "viewer");
  EXPECT_EQ(mo.put("/api/assessment/A1B2/items/1.1.2", json{{"answer", "Yes"}}).status, 403);

  // The laptop still believes it is a member's; head office refuses its next push as a viewer's.
  const auto changes_before = *server_.admin()->store().change_count();
  ASSERT_TRUE(laptop->ledger().record(
      Edit{{"A1B2", "2021-22", TargetKind::item, "1.1.1", Field::answer}, FieldValue{"ZA654321", ""}}));
  auto pushed = client::sync_once(*laptop);
  ASSERT_FALSE(pushed);
  EXPECT_NE(pushed.error().message.find("viewer"), std::string::npos) << pushed.error().message;
  EXPECT_EQ(*server_.admin()->store().change_count(), changes_before);

  // The last head office administrator stays one, whoever asks (the console here).
  auto last = server_cli({"user", "role", "Priya Shah", "viewer"});
  EXPECT_EQ(last.code, 3) << last.out << last.err;
  EXPECT_NE(last.err.find("last head office administrator"), std::string::npos) << last.err;
}

TEST_F(WebPeopleAdmin, TheConsoleIssuesLinksAndChangesRolesWithJsonAndExitCodes) {
  auto link = server_cli({"user", "link", "Mo Member", "--url", "https://hq.example.org:8443/"});
  ASSERT_EQ(link.code, 0) << link.err;
  const std::string url = link.data["link"];
  EXPECT_EQ(url.rfind("https://hq.example.org:8443/#/set-password/", 0), 0u) << url;
  EXPECT_EQ(link.data["user"], "Mo Member");
  EXPECT_FALSE(link.data["expires_at"].get<std::string>().empty());
  ASSERT_EQ(set_password(url.substr(url.rfind('/') + 1), kNewPassword).status, 200);

  auto text = run_program(shell_quote(DSPTSYNC_SERVER_CLI) + " --data " + shell_quote(server_.data().string()),
                          {"user", "link", "Victor Viewer", "--as", "Priya Shah"}, scratch_.path());
  ASSERT_EQ(text.code, 0) << text.err;
  EXPECT_NE(text.out.find("/#/set-password/"), std::string::npos) << text.out;
  EXPECT_EQ(server_.admin()->directory().people_events()->back().by, "Priya Shah");

  EXPECT_EQ(server_cli({"user", "link", "Nobody Here"}).code, 4);
  EXPECT_EQ(server_cli({"user", "link", "Mo Member", "--url", "hq.example.org"}).code, 4);
  EXPECT_EQ(server_cli({"user", "link", "Priya Shah", "--as", "Mo Member"}).code, 3) << "a member sends no links";

  auto role = server_cli({"user", "role", "Mo Member", "admin", "--as", "Priya Shah"});
  ASSERT_EQ(role.code, 0) << role.err;
  EXPECT_EQ(role.data["role"], "admin");
  EXPECT_EQ(role.data["previous_role"], "member");
  EXPECT_EQ(role.data["by"], "Priya Shah");
  EXPECT_EQ(server_cli({"user", "role", "Mo Member", "owner"}).code, 4);
  EXPECT_EQ(server_cli({"user", "role", "Priya Shah", "member", "--as", "Priya Shah"}).code, 4) << "not oneself";
  auto listed = server_cli({"user", "list"});
  ASSERT_EQ(listed.code, 0);
  EXPECT_EQ(listed.data["people_events"].back()["action"], "role_changed");
  EXPECT_EQ(listed.data["people_events"].back()["detail"], "member -> admin");
}

}  // namespace
}  // namespace dsptsync::testing
