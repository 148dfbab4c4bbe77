// Head office runs its organisation (docs/head-office.md, docs/api.md: the organisation), end to end:
// a real server on 127.0.0.1, the real `dsptsync-server` program on its data folder, real HTTP with
// real passwords, a real enrolled laptop syncing. The organisation profile at head office, branches
// added, renamed and removed, a backup downloaded and restored, and the roll-forward through the web
// app; every refusal changes nothing.
#include "fixture.h"
#include "programs.h"
#include "web_client.h"

#include "dsptsync/client/sync.h"

#include <gtest/gtest.h>

#include <fstream>

namespace dsptsync::testing {
namespace {

using protocol::Role;

class OrgAdmin : public ::testing::Test {
 protected:
  OrgAdmin() {
    auto office = server_.admin();
    EXPECT_TRUE(office->add_console_user("Priya Shah", Role::admin));
    EXPECT_TRUE(office->add_console_user("Mo Member", Role::member));
    EXPECT_TRUE(office->directory().add_user(User{"Bea Branch", "VLAXL", Role::admin, now_ms(), std::nullopt}));
    for (const char* name : {"Priya Shah", "Mo Member", "Bea Branch"})
      set_web_password(server_.data(), name, scratch_.path());
  }

  WebClient signed_in(const std::string& user) {
    WebClient client(server_.port());
    auto answer = client.sign_in(user, kPassword);
    EXPECT_EQ(answer.status, 200) << answer.body;
    return client;
  }

  CliRun hq(const std::string& acting, const std::vector<std::string>& args) {
    return head_office_program(server_.data(), acting, args, scratch_.path());
  }

  std::map<std::string, std::string> hq_profile() { return server_.admin()->profile().value(); }

  std::optional<Branch> branch(const std::string& ods) { return server_.admin()->directory().branch(ods).value(); }

  RunningServer server_;
  TempDir stores_;
  TempDir scratch_;
};

TEST_F(OrgAdmin, HeadOfficeSetsTheProfileAtTheConsoleAndTheBranchLaptopSeesIt) {
  auto leeds = server_.enrol(stores_ / "leeds", "Sam Patel", "VLAXL", Role::admin);

  auto set = hq("Priya Shah", {"profile", "set", "--cyber-essentials-plus", "not-sure", "--role",
                               "caldicott_guardian=Ann Lee", "--role", "siro=Raj Iyer", "--nhsmail-only", "yes"});
  ASSERT_EQ(set.code, 0) << set.out << set.err;
  EXPECT_EQ(set.parsed()["recorded"].size(), 4u);
  EXPECT_EQ(set.parsed()["recorded"][0]["scope"], "A1B2");
  EXPECT_EQ(set.parsed()["recorded"][0]["user"], "Priya Shah");

  auto shown = hq("Priya Shah", {"profile", "show"});
  ASSERT_EQ(shown.code, 0) << shown.err;
  const auto profile = shown.parsed()["profile"];
  EXPECT_EQ(profile["cyber_essentials_plus"], "not_sure");
  EXPECT_EQ(profile["role.caldicott_guardian"], "Ann Lee");
  EXPECT_EQ(profile["role.siro"], "Raj Iyer");
  EXPECT_EQ(profile["nhsmail_only"], "yes");

  // The laptop's branch uses head office's profile (but its own name and code) once it syncs.
  ASSERT_TRUE(client::sync_once(*leeds));
  auto view = leeds->view();
  ASSERT_TRUE(view);
  EXPECT_EQ(view->profile["role.caldicott_guardian"], "Ann Lee");
  EXPECT_EQ(view->profile["cyber_essentials_plus"], "not_sure");
  auto on_laptop = laptop_program(stores_ / "leeds", {"profile", "show"}, scratch_.path());
  EXPECT_EQ(on_laptop.parsed()["profile"]["role.siro"], "Raj Iyer") << on_laptop.out << on_laptop.err;

  // The audit trail verifies the console's profile edits like any other.
  auto audit = hq("Priya Shah", {"audit", "--verify"});
  EXPECT_EQ(audit.code, 0) << audit.out << audit.err;
}

TEST_F(OrgAdmin, ABadProfileValueOrANonAdministratorIsRefusedAndNothingChanges) {
  ASSERT_EQ(hq("Priya Shah", {"profile", "set", "--role", "dpo=Dee Oh"}).code, 0);
  const auto before = hq_profile();

  const struct {
    std::vector<std::string> args;
    std::string acting;
    int code;
    std::string says;
  } refusals[] = {
      {{"--cyber-essentials-plus", "maybe", "--role", "dpo=Someone Else"},
       "Priya Shah",
       4,
       "Cyber Essentials Plus is yes, no or not-sure, not 'maybe'"},
      {{"--role", "boss=Ann Lee"}, "Priya Shah", 4, "'boss' is not a named role"},
      {{"--role", "siro"}, "Priya Shah", 4, "--role takes ROLE=NAME"},
      {{"--nhsmail-only", "sometimes"}, "Priya Shah", 4, "NHSmail only is yes or no"},
      {{}, "Priya Shah", 4, "nothing to change"},
      {{"--role", "dpo=Mo"}, "Mo Member", 3, "only head office administrators change the organisation profile"},
  };
  for (const auto& refusal : refusals) {
    std::vector<std::string> args{"profile", "set"};
    args.insert(args.end(), refusal.args.begin(), refusal.args.end());
    auto run = hq(refusal.acting, args);
    EXPECT_EQ(run.code, refusal.code) << refusal.says << ": " << run.out << run.err;
    EXPECT_NE(run.err.find(refusal.says), std::string::npos) << run.err;
  }
  EXPECT_EQ(hq_profile(), before) << "no refusal changed the profile";
}

TEST_F(OrgAdmin, TheConsoleRenamesABranchAndRefusesABadCodeOrAMissingBranch) {
  auto renamed = hq("Priya Shah", {"branch", "rename", "vlaxl", "--name", "Leeds North"});
  ASSERT_EQ(renamed.code, 0) << renamed.out << renamed.err;
  EXPECT_EQ(renamed.parsed()["ods"], "VLAXL");
  EXPECT_EQ(renamed.parsed()["name"], "Leeds North");
  EXPECT_EQ(branch("VLAXL")->name, "Leeds North");

  auto bad_code = hq("Priya Shah", {"branch", "rename", "A1B2", "--name", "Nowhere"});
  EXPECT_EQ(bad_code.code, 4) << bad_code.err;
  auto missing = hq("Priya Shah", {"branch", "rename", "VZZ99", "--name", "Nowhere"});
  EXPECT_EQ(missing.code, 4) << missing.err;
  EXPECT_NE(missing.err.find("there is no branch VZZ99"), std::string::npos) << missing.err;
  auto empty_name = hq("Priya Shah", {"branch", "rename", "VLAXL", "--name", "  "});
  EXPECT_EQ(empty_name.code, 4) << empty_name.err;
  EXPECT_EQ(branch("VLAXL")->name, "Leeds North");

  auto list = hq("Priya Shah", {"branch", "list"});
  ASSERT_EQ(list.code, 0) << list.err;
  EXPECT_EQ(list.parsed()["branches"][0]["name"], "Leeds North");
  EXPECT_TRUE(list.parsed()["branches"][0].contains("last_change_at"));
}

TEST_F(OrgAdmin, TheWebAppAddsRenamesAndRemovesBranchesForAdministratorsOnly) {
  auto priya = signed_in("Priya Shah");
  auto added = priya.post("/api/branches", json{{"ods", "vq7r8"}, {"name", "Selby"}});
  ASSERT_EQ(added.status, 201) << added.body;
  EXPECT_EQ(added.parsed()["branch"]["ods"], "VQ7R8");
  ASSERT_TRUE(branch("VQ7R8"));

  // A wrong code names the field; so does an empty name, and a branch already there.
  for (const auto& [body, field] :
       std::vector<std::pair<json, std::string>>{{json{{"ods", "A1B2"}, {"name", "Head office again"}}, "ods"},
                                                 {json{{"ods", "VLAX"}, {"name", "Too short"}}, "ods"},
                                                 {json{{"ods", "VX1Y2"}, {"name", " "}}, "name"}}) {
    auto refused = priya.post("/api/branches", body);
    EXPECT_EQ(refused.status, 400) << refused.body;
    EXPECT_EQ(refused.parsed()["error"]["field"], field) << refused.body;
  }
  auto twice = priya.post("/api/branches", json{{"ods", "VQ7R8"}, {"name", "Selby again"}});
  EXPECT_EQ(twice.status, 403) << twice.body;
  EXPECT_FALSE(branch("VX1Y2"));
  EXPECT_EQ(branch("VQ7R8")->name, "Selby");

  auto renamed = priya.post("/api/branches/VQ7R8/rename", json{{"name", "Selby and Tadcaster"}});
  ASSERT_EQ(renamed.status, 200) << renamed.body;
  EXPECT_EQ(branch("VQ7R8")->name, "Selby and Tadcaster");
  auto list = priya.get("/api/branches").parsed()["branches"];
  ASSERT_EQ(list.size(), 3u);
  EXPECT_EQ(list[2]["name"], "Selby and Tadcaster");
  EXPECT_EQ(list[0]["users"], 1) << "Bea Branch works for Leeds";

  // Members and a branch's administrator change nothing here.
  for (const char* who : {"Mo Member", "Bea Branch"}) {
    auto someone = signed_in(who);
    EXPECT_EQ(someone.post("/api/branches", json{{"ods", "VX1Y2"}, {"name", "Wetherby"}}).status, 403) << who;
    EXPECT_EQ(someone.post("/api/branches/VQ7R8/rename", json{{"name", "Mine now"}}).status, 403) << who;
    EXPECT_EQ(someone.post("/api/branches/VQ7R8/remove", json::object()).status, 403) << who;
  }
  EXPECT_FALSE(branch("VX1Y2"));
  EXPECT_EQ(branch("VQ7R8")->name, "Selby and Tadcaster");

  // Removal keeps its rule: a branch whose people are not revoked stays.
  auto kept = priya.post("/api/branches/VLAXL/remove", json::object());
  EXPECT_EQ(kept.status, 403) << kept.body;
  EXPECT_NE(kept.parsed()["error"]["message"].get<std::string>().find("Bea Branch"), std::string::npos);
  EXPECT_TRUE(branch("VLAXL"));
  auto removed = priya.post("/api/branches/VQ7R8/remove", json::object());
  ASSERT_EQ(removed.status, 200) << removed.body;
  EXPECT_EQ(removed.parsed()["removed"], "VQ7R8");
  EXPECT_FALSE(branch("VQ7R8"));
  EXPECT_EQ(priya.post("/api/branches/VQ7R8/remove", json::object()).status, 404);
}

TEST_F(OrgAdmin, TheWebAppsProfilePageSavesEntriesAndRefusesABadOneNamingIt) {
  auto priya = signed_in("Priya Shah");
  auto saved =
      priya.post("/api/profile", json{{"profile", {{"role.siro", "Raj Iyer"}, {"cyber_essentials_plus", "yes"}}}});
  ASSERT_EQ(saved.status, 200) << saved.body;
  EXPECT_EQ(saved.parsed()["recorded"], 2);
  auto shown = priya.get("/api/profile").parsed();
  EXPECT_EQ(shown["profile"]["role.siro"], "Raj Iyer");
  EXPECT_EQ(shown["profile"]["cyber_essentials_plus"], "yes");

  const auto before = hq_profile();
  auto bad = priya.post("/api/profile",
                        json{{"profile", {{"role.siro", "Someone Else"}, {"cyber_essentials_plus", "maybe"}}}});
  EXPECT_EQ(bad.status, 400) << bad.body;
  EXPECT_EQ(bad.parsed()["error"]["field"], "cyber_essentials_plus");
  auto unknown = priya.post("/api/profile", json{{"profile", {{"favourite_colour", "blue"}}}});
  EXPECT_EQ(unknown.status, 400) << unknown.body;
  EXPECT_EQ(unknown.parsed()["error"]["field"], "favourite_colour");
  EXPECT_EQ(priya.post("/api/profile", json{{"profile", "siro"}}).status, 400);
  auto mo = signed_in("Mo Member");
  EXPECT_EQ(mo.get("/api/profile").status, 200) << "head office's people read it";
  EXPECT_EQ(mo.post("/api/profile", json{{"profile", {{"role.siro", "Mo"}}}}).status, 403);
  EXPECT_EQ(signed_in("Bea Branch").get("/api/profile").status, 403);
  EXPECT_EQ(hq_profile(), before) << "no refusal changed the profile";
}

TEST_F(OrgAdmin, AnAdministratorDownloadsABackupThatRestoresIntoAWorkingDataFolder) {
  auto priya = signed_in("Priya Shah");
  ASSERT_EQ(priya.post("/api/branches", json{{"ods", "VQ7R8"}, {"name", "Selby"}}).status, 201);
  EXPECT_EQ(signed_in("Mo Member").get("/api/backup").status, 403);
  EXPECT_EQ(signed_in("Bea Branch").get("/api/backup").status, 403);

  auto backup = priya.get("/api/backup");
  ASSERT_EQ(backup.status, 200) << backup.body.substr(0, 200);
  EXPECT_EQ(backup.body.substr(0, 16), std::string("SQLite format 3\0", 16));
  const std::string disposition = backup.header("content-disposition");
  EXPECT_NE(disposition.find("attachment"), std::string::npos) << disposition;
  EXPECT_NE(disposition.find("A1B2-backup-" + date_of(now_ms()).iso() + ".db"), std::string::npos) << disposition;
  for (const auto& entry : std::filesystem::directory_iterator(server_.data()))
    EXPECT_EQ(entry.path().filename().string().rfind("backup-download-", 0), std::string::npos)
        << "the staged copy is removed: " << entry.path();

  // Restored on another machine: a new folder with the key file, then `restore`.
  const auto rebuilt = stores_ / "rebuilt";
  std::filesystem::create_directories(rebuilt);
  std::filesystem::copy_file(server_.data() / "server.key", rebuilt / "server.key");
  {
    std::ofstream out(scratch_ / "downloaded.db", std::ios::binary);
    out << backup.body;
  }
  auto restored = head_office_program(rebuilt, "Priya Shah",
                                      {"restore", "--from", (scratch_ / "downloaded.db").string()}, scratch_.path());
  ASSERT_EQ(restored.code, 0) << restored.out << restored.err;
  auto branches = head_office_program(rebuilt, "Priya Shah", {"branch", "list"}, scratch_.path());
  ASSERT_EQ(branches.code, 0) << branches.err;
  EXPECT_EQ(branches.parsed()["branches"].size(), 3u);
  EXPECT_EQ(branches.parsed()["branches"][2]["name"], "Selby");
}

TEST_F(OrgAdmin, TheWebAppPreviewsTheRollForwardThenMovesTheOrganisation) {
  auto mo = signed_in("Mo Member");
  EXPECT_EQ(mo.get("/api/rollforward/preview?to=2023-24").status, 403);
  auto priya = signed_in("Priya Shah");
  auto bad_year = priya.get("/api/rollforward/preview?to=next");
  EXPECT_EQ(bad_year.status, 400) << bad_year.body;
  EXPECT_EQ(bad_year.parsed()["error"]["field"], "to");

  auto preview = priya.get("/api/rollforward/preview?to=2023-24");
  ASSERT_EQ(preview.status, 200) << preview.body;
  EXPECT_EQ(preview.parsed()["applied"], false);
  EXPECT_EQ(preview.parsed()["from_year"], "2021-22");
  EXPECT_EQ(preview.parsed()["scopes"].size(), 3u);
  EXPECT_FALSE(preview.parsed()["lines"].empty());
  EXPECT_EQ(server_.admin()->year().label(), "2021-22") << "a preview changes nothing";

  EXPECT_EQ(mo.post("/api/rollforward", json{{"to", "2023-24"}}).status, 403);
  auto moved = priya.post("/api/rollforward", json{{"to", "2023-24"}});
  ASSERT_EQ(moved.status, 200) << moved.body;
  EXPECT_EQ(moved.parsed()["applied"], true);
  EXPECT_EQ(server_.admin()->year().label(), "2023-24");
  EXPECT_EQ(priya.get("/api/session").parsed()["organisation"]["year"], "2023-24");
  EXPECT_EQ(priya.post("/api/rollforward", json{{"to", "2023-24"}}).status, 400) << "not a later year any more";
}

}  // namespace
}  // namespace dsptsync::testing
