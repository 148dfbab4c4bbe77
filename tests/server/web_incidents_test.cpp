// Incidents through head office's web API, against a real server on 127.0.0.1 (docs/api.md): a
// branch's incident synced from its laptop is listed with its clock, head office's administrator
// records the ICO's reference, another branch's people never see it, anyone at a branch may record
// one, and bad input is refused with what was wrong.
#include "fixture.h"
#include "web_client.h"

#include "dsptsync/incident.h"

#include <gtest/gtest.h>

#include <set>

namespace dsptsync::testing {
namespace {

using protocol::Role;

constexpr TimestampMs kHourMs = 3'600'000;

class WebIncidents : public ::testing::Test {
 protected:
  WebClient signed_in(const std::string& user) {
    return signed_in_client(server_.data(), server_.port(), user, scratch_.path());
  }

  RunningServer server_;
  TempDir stores_;
  TempDir scratch_;
};

TEST_F(WebIncidents, HeadOfficeSeesABranchsIncidentAndTheOtherBranchNeverDoes) {
  ASSERT_TRUE(server_.admin()->add_console_user("Priya Shah", Role::admin));
  auto york = server_.enrol(stores_ / "york", "Sam Patel", "VM2B3", Role::member);
  const TimestampMs now = now_ms();
  auto recorded = york->record_incident({{Field::what_happened, "Care plan emailed to the wrong family"},
                                         {Field::happened_at, incident_time_text(now - 2 * kHourMs)},
                                         {Field::found_at, incident_time_text(now - kHourMs)},
                                         {Field::category, "confidentiality"},
                                         {Field::likelihood, "5"},
                                         {Field::severity, "2"}},
                                        now);
  ASSERT_TRUE(recorded) << recorded.error().message;
  const std::string id = recorded->incident.incident.id;
  ASSERT_TRUE(client::sync_once(*york));

  auto priya = signed_in("Priya Shah");
  auto listed = priya.get("/api/incidents?open=1");
  ASSERT_EQ(listed.status, 200) << listed.body;
  auto incidents = listed.parsed()["incidents"];
  ASSERT_EQ(incidents.size(), 1u) << listed.body;
  EXPECT_EQ(incidents[0]["id"], id);
  EXPECT_EQ(incidents[0]["site"], "VM2B3");
  EXPECT_EQ(incidents[0]["whatHappened"], "Care plan emailed to the wrong family");
  EXPECT_EQ(incidents[0]["grade"]["reportTo"], json::array({"ico"}));
  ASSERT_TRUE(incidents[0]["clock"].is_object());
  EXPECT_FALSE(incidents[0]["clock"]["overdue"]);

  auto patched =
      priya.call("PATCH", "/api/incidents/" + id, json{{"icoReference", "IC-654321-Z9Y8"}, {"state", "reported"}});
  ASSERT_EQ(patched.status, 200) << patched.body;
  EXPECT_EQ(patched.parsed()["incident"]["icoReference"], "IC-654321-Z9Y8");
  EXPECT_TRUE(patched.parsed()["incident"]["clock"].is_null());
  ASSERT_TRUE(client::sync_once(*york));
  EXPECT_EQ(york->incident(id, now_ms())->incident.value(Field::ico_reference), "IC-654321-Z9Y8");

  // Leeds's member: York's incident is not there at all, by list, by id, or to change.
  server_.enrol(stores_ / "leeds", "Lee Member", "VLAXL", Role::member);
  auto lee = signed_in("Lee Member");
  auto theirs = lee.get("/api/incidents");
  ASSERT_EQ(theirs.status, 200) << theirs.body;
  EXPECT_TRUE(theirs.parsed()["incidents"].empty()) << theirs.body;
  EXPECT_EQ(lee.get("/api/incidents/" + id).status, 404);
  EXPECT_EQ(lee.get("/api/incidents?scope=VM2B3").status, 403);
  EXPECT_EQ(lee.call("PATCH", "/api/incidents/" + id, json{{"severity", "1"}}).status, 404);
  EXPECT_EQ(york->incident(id, now_ms())->incident.value(Field::severity), "2");
}

TEST_F(WebIncidents, AnyoneAtABranchRecordsOneAndBadInputIsRefused) {
  server_.enrol(stores_ / "vic", "Vic Viewer", "VLAXL", Role::viewer);
  auto vic = signed_in("Vic Viewer");
  const json good = {{"whatHappened", "Folder of records left in a client's house"},
                     {"happenedAt", "2026-10-25 01:30"},
                     {"foundAt", "2026-10-25 09:00"},
                     {"category", "Confidentiality"},
                     {"peopleAffected", 3}};
  auto recorded = vic.post("/api/incidents", good);
  ASSERT_EQ(recorded.status, 201) << recorded.body;
  EXPECT_EQ(recorded.parsed()["incident"]["site"], "VLAXL");
  EXPECT_EQ(recorded.parsed()["incident"]["happenedAt"], "2026-10-25T00:30Z") << "01:30 BST, the first of the two";
  EXPECT_EQ(recorded.parsed()["incident"]["recordedBy"], "Vic Viewer");
  const std::string id = recorded.parsed()["incident"]["id"];
  auto with = [&](const std::string& name, const json& value) {
    json body = good;
    body[name] = value;
    return body;
  };

  auto other_branch = vic.post("/api/incidents", with("scope", "VM2B3"));
  EXPECT_EQ(other_branch.status, 403) << other_branch.body;
  auto reversed = vic.post("/api/incidents", with("foundAt", "2026-10-24 09:00"));
  EXPECT_EQ(reversed.status, 400) << reversed.body;
  EXPECT_NE(reversed.parsed()["error"]["message"].get<std::string>().find("before it happened"), std::string::npos);
  // The refusal names the detail to fix by its API name, so the form can point at it.
  EXPECT_EQ(reversed.parsed()["error"]["field"], "foundAt") << reversed.body;
  json incomplete = good;
  incomplete.erase("whatHappened");
  auto missing = vic.post("/api/incidents", incomplete);
  EXPECT_EQ(missing.status, 400) << missing.body;
  EXPECT_EQ(missing.parsed()["error"]["field"], "whatHappened") << missing.body;
  auto misspelt = vic.post("/api/incidents", with("severty", "2"));
  EXPECT_EQ(misspelt.status, 400) << misspelt.body;
  auto closing = vic.call("PATCH", "/api/incidents/" + id, json{{"state", "closed"}, {"lessonsLearned", "x"}});
  EXPECT_EQ(closing.status, 403) << closing.body;
  auto listed = vic.get("/api/incidents");
  ASSERT_EQ(listed.status, 200);
  EXPECT_EQ(listed.parsed()["incidents"].size(), 1u) << "only the one recorded";
}

TEST_F(WebIncidents, TheFormsRulesTheAssessmentsIncidentItemsAndTheHistory) {
  ASSERT_TRUE(server_.admin()->add_console_user("Priya Shah", Role::admin));
  auto priya = signed_in("Priya Shah");

  // The form offers the rules file's scales, categories and kinds; the page writes none of its own.
  auto grading = priya.get("/api/incidents/grading");
  ASSERT_EQ(grading.status, 200) << grading.body;
  const IncidentRules& rules = shipped_incident_rules();
  EXPECT_EQ(grading.parsed()["likelihood"].size(), rules.likelihood.size());
  EXPECT_EQ(grading.parsed()["likelihood"][2]["label"], "Likely");
  EXPECT_EQ(grading.parsed()["categories"].size(), rules.categories.size());
  EXPECT_EQ(grading.parsed()["kinds"].size(), rules.kinds.size());
  EXPECT_EQ(grading.parsed()["items"][0]["id"], "6.1.1");
  EXPECT_EQ(grading.parsed()["references"][0]["example"], "IC-123456-A1B2");
  EXPECT_EQ(priya.post("/api/incidents/grading", json::object()).status, 405);

  const TimestampMs now = now_ms();
  auto recorded = priya.post("/api/incidents", json{{"scope", "VLAXL"},
                                                    {"whatHappened", "Rota left on a bus"},
                                                    {"happenedAt", incident_time_text(now - 3 * kHourMs)},
                                                    {"foundAt", incident_time_text(now - 2 * kHourMs)},
                                                    {"category", "confidentiality"}});
  ASSERT_EQ(recorded.status, 201) << recorded.body;
  const json incident = recorded.parsed()["incident"];
  const std::string id = incident["id"];
  // The times also as people read them and as a form types them back.
  auto typed_back = parse_incident_time(incident["foundAtLocal"].get<std::string>());
  ASSERT_TRUE(typed_back);
  EXPECT_EQ(incident_time_text(*typed_back), incident["foundAt"]);
  EXPECT_NE(incident["foundAtText"].get<std::string>().find(" GMT"), std::string::npos);

  // Leeds's questions about breaches show its incident; York's show none; other items nothing.
  auto item_in = [&](const std::string& scope, const std::string& id_of_item) {
    auto assessment = priya.get("/api/assessment/" + scope);
    EXPECT_EQ(assessment.status, 200) << assessment.body;
    const json parsed = assessment.parsed();
    for (const auto& group : parsed["groups"])
      for (const auto& item : group["items"])
        if (item["id"] == id_of_item) return item;
    ADD_FAILURE() << id_of_item << " is not in " << scope << "'s assessment";
    return json();
  };
  const json leeds_item = item_in("VLAXL", "6.1.2");
  EXPECT_EQ(leeds_item["incidents"]["count"], 1) << leeds_item.dump();
  EXPECT_EQ(leeds_item["incidents"]["open"], 1);
  EXPECT_EQ(leeds_item["incidents"]["reported"], 0);
  EXPECT_EQ(leeds_item["incidents"]["ids"], json::array({id}));
  EXPECT_EQ(item_in("VM2B3", "6.1.2")["incidents"]["count"], 0);
  EXPECT_TRUE(item_in("VLAXL", "1.1.1")["incidents"].is_null());

  auto reported = priya.call("PATCH", "/api/incidents/" + id, json{{"state", "reported"}});
  ASSERT_EQ(reported.status, 200) << reported.body;
  EXPECT_EQ(item_in("VLAXL", "5.1.1")["incidents"]["reported"], 1);

  // Every change, by whom, in the incident's history; not readable as another site's.
  auto history = priya.get("/api/assessment/VLAXL/history/" + id);
  ASSERT_EQ(history.status, 200) << history.body;
  std::set<std::string> fields;
  const json rows = history.parsed()["history"];
  for (const auto& row : rows) {
    fields.insert(row["field"].get<std::string>());
    EXPECT_EQ(row["by"], "Priya Shah");
  }
  EXPECT_TRUE(fields.contains("what_happened")) << history.body;
  EXPECT_TRUE(fields.contains("state")) << history.body;
  auto elsewhere = priya.get("/api/assessment/VM2B3/history/" + id);
  ASSERT_EQ(elsewhere.status, 200) << elsewhere.body;
  EXPECT_TRUE(elsewhere.parsed()["history"].empty()) << elsewhere.body;
}

}  // namespace
}  // namespace dsptsync::testing
