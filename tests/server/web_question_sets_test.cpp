// Head office's question sets in the web app (docs/api.md: question sets), end to end: a real server
// on 127.0.0.1, real HTTP, real passwords set with the real CLI, the official list as NHS England's
// workbook (.xlsx written with libxlsxwriter), a real enrolled laptop syncing. An administrator
// uploads the list, sees what it changes, imports it; the laptop receives the signed set; the
// assessment names the set it is answered against; a corrected list flags an answer for review; and
// every refusal names the field at fault and imports nothing.
#include "../common/raw_http.h"
#include "fixture.h"
#include "official_list_fixture.h"
#include "web_client.h"

#include "dsptsync/client/sync.h"
#include "dsptsync/crypto.h"
#include "dsptsync/limits.h"

#include <gtest/gtest.h>

namespace dsptsync::testing {
namespace {

using protocol::Role;

constexpr const char* kImport = "/api/question-sets/import?year=2026-27&file=Version9_26-27.xlsx";

class WebQuestionSets : public ::testing::Test {
 protected:
  WebQuestionSets() {
    auto office = server_.admin();
    EXPECT_TRUE(office->add_console_user("Priya Shah", Role::admin));
    EXPECT_TRUE(office->add_console_user("Victor Viewer", Role::viewer));
    EXPECT_TRUE(office->add_console_user("Mo Member", Role::member));
    EXPECT_TRUE(office->directory().add_user(User{"Bea Branch", "VLAXL", Role::admin, now_ms(), std::nullopt}));
    for (const char* name : {"Priya Shah", "Victor Viewer", "Mo Member", "Bea Branch"})
      set_web_password(server_.data(), name, scratch_.path());
  }

  WebClient signed_in(const std::string& user) {
    WebClient client(server_.port());
    auto answer = client.sign_in(user, kPassword);
    EXPECT_EQ(answer.status, 200) << answer.body;
    return client;
  }

  std::string workbook(const Catalogue& items) {
    OfficialListSpec spec{items};
    spec.title = kNextYearTitle;
    return official_list_xlsx(spec, scratch_.path());
  }

  std::size_t imports() { return server_.admin()->question_set_history()->size(); }

  void roll_forward_to_2026() {
    auto office = server_.admin();
    auto by = office->acting_user("Priya Shah");
    ASSERT_TRUE(by);
    auto moved = office->roll_forward(*by, AssessmentYear{2026}, false);
    ASSERT_TRUE(moved) << moved.error().message;
  }

  static json item_of(const json& assessment, const std::string& id) {
    for (const auto& group : assessment["groups"])
      for (const auto& item : group["items"])
        if (item["id"] == id) return item;
    return nullptr;
  }

  TempDir scratch_;
  TempDir stores_;
  RunningServer server_;
};

bool lists(const json& entries, const std::string& id) {
  for (const auto& entry : entries)
    if (entry["id"] == id) return true;
  return false;
}

TEST_F(WebQuestionSets, AnAdministratorSeesWhatTheListChangesImportsItAndTheLaptopReceivesTheSignedSet) {
  auto leeds = server_.enrol(stores_ / "leeds", "Sam Patel", "VLAXL", Role::admin);
  auto priya = signed_in("Priya Shah");
  const std::string list = workbook(next_year_list());

  auto dry = priya.upload(std::string(kImport) + "&dryRun=1", list);
  ASSERT_EQ(dry.status, 200) << dry.body;
  EXPECT_EQ(dry.parsed()["applied"], false);
  EXPECT_TRUE(lists(dry.parsed()["diff"]["added"], "4.9.9")) << dry.body;
  ASSERT_FALSE(dry.parsed()["lines"].empty());
  EXPECT_NE(dry.parsed()["lines"][0].get<std::string>().find("Would import Version9_26-27.xlsx as the 2026-27"),
            std::string::npos);
  EXPECT_EQ(imports(), 0u) << "a dry run records nothing";

  auto imported = priya.upload(kImport, list);
  ASSERT_EQ(imported.status, 200) << imported.body;
  EXPECT_EQ(imported.parsed()["applied"], true);
  EXPECT_EQ(imported.parsed()["imported"]["version"], 1);
  const std::string hash = imported.parsed()["imported"]["hash"];

  const auto sets = priya.get("/api/question-sets").parsed();
  ASSERT_EQ(sets["imports"].size(), 1u);
  EXPECT_EQ(sets["imports"][0]["file"], "Version9_26-27.xlsx");
  EXPECT_EQ(sets["imports"][0]["imported_by"], "Priya Shah");
  EXPECT_EQ(sets["organisationYear"], "2021-22");
  EXPECT_EQ(sets["in_force"].back()["year"], "2026-27");
  EXPECT_EQ(sets["in_force"].back()["hash"], hash);

  // The laptop takes the set at its next sync, checks head office's signature, and holds the same.
  auto synced = client::sync_once(*leeds);
  ASSERT_TRUE(synced) << synced.error().message;
  auto on_laptop = question_set_in_store(leeds->store(), AssessmentYear{2026});
  ASSERT_TRUE(on_laptop) << on_laptop.error().message;
  EXPECT_EQ(crypto::to_hex(on_laptop->content_hash), hash);
  EXPECT_TRUE(verify_question_set(*on_laptop, server_.admin()->identity().public_key));

  // Once the organisation moves to the year, every assessment names the set it is answered against.
  roll_forward_to_2026();
  ASSERT_EQ(priya.get("/api/dashboard").status, 200);  // as the app opens: the server sees the new year
  const auto assessment = priya.get("/api/assessment/VLAXL").parsed();
  EXPECT_EQ(assessment["year"], "2026-27");
  const auto& set = assessment["questionSet"];
  EXPECT_EQ(set["hash"], hash);
  EXPECT_EQ(set["version"], 1);
  EXPECT_NE(set["origin"].get<std::string>().find("imported from Version9_26-27.xlsx"), std::string::npos) << set;
  EXPECT_EQ(set["signed_by"], crypto::to_hex(server_.admin()->identity().public_key));
  EXPECT_FALSE(set["signed_by_fingerprint"].is_null());
}

TEST_F(WebQuestionSets, ACorrectedListKeepsAnAnswerWhoseTypeChangedAndFlagsItForReview) {
  auto priya = signed_in("Priya Shah");
  ASSERT_EQ(priya.upload(kImport, workbook(next_year_list())).status, 200);
  roll_forward_to_2026();
  ASSERT_EQ(priya.get("/api/dashboard").status, 200);
  auto answered = priya.put("/api/assessment/A1B2/items/1.4.1", json{{"answer", "Asset register"}});
  ASSERT_EQ(answered.status, 200) << answered.body;
  EXPECT_TRUE(item_of(priya.get("/api/assessment/A1B2").parsed(), "1.4.1")["review"].is_null());

  // NHS England's correction: 1.4.1 is a yes/no question after all.
  const Catalogue published = next_year_list();  // named: ranging over a temporary's items dangles
  std::vector<CatalogueItem> corrected;
  for (auto item : published.items()) {
    if (item.id == "1.4.1") item.type = AnswerType::yes_no;
    corrected.push_back(item);
  }
  const std::string list = workbook(Catalogue(AssessmentYear{2026}, "test", corrected));
  auto dry = priya.upload(std::string(kImport) + "&dryRun=1", list);
  ASSERT_EQ(dry.status, 200) << dry.body;
  EXPECT_EQ(dry.parsed()["type_changes"][0], (json{{"item", "1.4.1"}, {"from", "document"}, {"to", "yes_no"}}));
  ASSERT_EQ(priya.upload(kImport, list).status, 200);

  const auto item = item_of(priya.get("/api/assessment/A1B2").parsed(), "1.4.1");
  EXPECT_EQ(item["answer"]["value"], "Asset register") << "the answer is kept";
  EXPECT_EQ(item["review"]["from"], "document");
  EXPECT_EQ(item["review"]["to"], "yes_no");
  EXPECT_EQ(item["type"], "yes_no");
}

TEST_F(WebQuestionSets, RefusalsNameTheFieldAtFaultAndImportNothing) {
  const std::string list = workbook(next_year_list());
  struct Case {
    std::string who, target, body;
    int status;
    std::string field, says;
  };
  const std::vector<Case> cases = {
      {"Mo Member", kImport, list, 403, "", "only head office administrators"},
      {"Victor Viewer", kImport, list, 403, "", "only head office administrators"},
      {"Bea Branch", kImport, list, 403, "", "only head office administrators"},
      {"Priya Shah", kImport, "", 400, "file", "Choose the official list's file"},
      {"Priya Shah", "/api/question-sets/import?year=2026-27", list, 400, "file", "Choose the official list's file"},
      {"Priya Shah", "/api/question-sets/import?file=a.xlsx", list, 400, "year", "Enter the year"},
      {"Priya Shah", "/api/question-sets/import?year=2026&file=a.xlsx", list, 400, "year", "is not an assessment year"},
      {"Priya Shah", "/api/question-sets/import?year=2031-32&file=a.xlsx", list, 400, "year", "has not started"},
      {"Priya Shah", "/api/question-sets/import?year=2020-21&file=a.xlsx", list, 400, "year", "Check the year given"},
      {"Priya Shah", kImport, "this is not a spreadsheet", 400, "file", "nothing was imported"},
      {"Priya Shah", kImport, hostile_workbook(list, Hostile::bomb, scratch_.path()), 400, "file", "nothing was imported"},
      {"Priya Shah", kImport, hostile_workbook(list, Hostile::truncated, scratch_.path()), 400, "file", ""},
      {"Priya Shah", std::string(kImport) + "&category=Category%209", list, 400, "category", "Category 9"},
  };
  for (const auto& c : cases) {
    auto client = signed_in(c.who);
    auto answer = client.upload(c.target, c.body);
    EXPECT_EQ(answer.status, c.status) << c.who << " " << c.target << ": " << answer.body;
    const auto error = answer.parsed()["error"];
    EXPECT_NE(error["message"].get<std::string>().find(c.says), std::string::npos) << c.target << ": " << answer.body;
    if (!c.field.empty()) {
      EXPECT_EQ(error["field"], c.field) << c.target << ": " << answer.body;
    }
  }
  EXPECT_EQ(imports(), 0u);

  // The rule is head office's, whatever the door: a branch's administrator cannot import from the console either.
  auto office = server_.admin();
  auto bea = office->directory().user("Bea Branch");
  ASSERT_TRUE(bea && *bea);
  auto refused = office->import_official_list(**bea, {list, "a.xlsx", "2026-27", "", false, ""});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().kind, ErrorKind::refused);
  EXPECT_NE(refused.error().message.find("Bea Branch is an admin at branch VLAXL: only head office administrators import the official list"), std::string::npos) << refused.error().message;

  // Head office's people read the sets; a branch's do not.
  EXPECT_EQ(signed_in("Victor Viewer").get("/api/question-sets").status, 200);
  EXPECT_EQ(signed_in("Bea Branch").get("/api/question-sets").status, 403);
  EXPECT_EQ(signed_in("Priya Shah").get(kImport).status, 405);
  EXPECT_EQ(imports(), 0u);
}

TEST_F(WebQuestionSets, OnlyTheListsUploadMayBeLargerThanAnApiBodyAndNeitherPastItsLimit) {
  auto priya = signed_in("Priya Shah");
  const auto announce = [&](const std::string& target, std::size_t length) {
    RawHttp http(server_.port());
    const std::string request = "POST " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
                                "application/octet-stream\r\nContent-Length: " + std::to_string(length) + "\r\n\r\n";
    EXPECT_TRUE(http.send(request));
    auto answer = http.next(false);
    return answer ? answer->status : 0;
  };
  EXPECT_EQ(announce(kImport, limits::kMaxOfficialListBytes + 1), 413);
  EXPECT_EQ(announce("/api/publish", limits::kMaxWebRequestBodyBytes + 1), 413);
  // A list with pictures in it, larger than any other request may be, is read (and refused for what it is).
  auto large = priya.upload(kImport, std::string(limits::kMaxWebRequestBodyBytes + 1, 'x'));
  EXPECT_EQ(large.status, 400) << large.body;
  EXPECT_EQ(large.parsed()["error"]["field"], "file");
  EXPECT_EQ(imports(), 0u);
}

}  // namespace
}  // namespace dsptsync::testing
