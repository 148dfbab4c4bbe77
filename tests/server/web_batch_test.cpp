// Several items in one request through head office's web API (docs/api.md): a group's answers and
// comments saved at once or not at all, with every item at fault named; plan lines for many items
// and generated ones. Real server on 127.0.0.1, real HTTP, real passwords.
#include "fixture.h"
#include "web_client.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace dsptsync::testing {
namespace {

using protocol::Role;

class WebBatch : public ::testing::Test {
 protected:
  WebBatch() : server_(std::vector<std::pair<std::string, std::string>>{{"VLAXL", "Leeds"}}) {
    auto office = server_.admin();
    EXPECT_TRUE(office->add_console_user("Priya Shah", Role::admin));
    EXPECT_TRUE(office->add_console_user("Victor Viewer", Role::viewer));
    for (const char* name : {"Priya Shah", "Victor Viewer"}) set_web_password(server_.data(), name, scratch_.path());
  }
  WebClient signed_in(const std::string& user) {
    WebClient client(server_.port());
    auto answer = client.sign_in(user, kPassword);
    EXPECT_EQ(answer.status, 200) << answer.body;
    return client;
  }
  static json item_of(const json& assessment, const std::string& id) {
    for (const auto& group : assessment["groups"])
      for (const auto& item : group["items"])
        if (item["id"] == id) return item;
    return nullptr;
  }
  json assessment(WebClient& client, const std::string& scope) {
    return client.get("/api/assessment/" + scope).parsed();
  }

  RunningServer server_;
  TempDir scratch_;
};

TEST_F(WebBatch, AGroupsItemsAreSavedInOneRequest) {
  auto priya = signed_in("Priya Shah");
  auto saved =
      priya.put("/api/assessment/VLAXL/items",
                json{{"items", json::array({json{{"item", "1.3.12"}, {"answer", "Locked bags"}},
                                            json{{"item", "1.3.13"}, {"answer", "Key pads"}, {"comment", "Both doors"}},
                                            json{{"item", "6.1.3"}, {"answer", "Y"}}})}});
  ASSERT_EQ(saved.status, 200) << saved.body;
  EXPECT_EQ(saved.parsed()["items"], json({"1.3.12", "1.3.13", "6.1.3"}));
  EXPECT_EQ(saved.parsed()["changes"], 4);
  const json leeds = assessment(priya, "VLAXL");
  EXPECT_EQ(item_of(leeds, "1.3.12")["answer"]["value"], "Locked bags");
  EXPECT_EQ(item_of(leeds, "1.3.13")["comment"]["value"], "Both doors");
  EXPECT_EQ(item_of(leeds, "6.1.3")["answer"]["value"], "yes");
}

TEST_F(WebBatch, OneBadItemSavesNothingAndEveryItemAtFaultIsNamed) {
  auto priya = signed_in("Priya Shah");
  auto refused = priya.put("/api/assessment/VLAXL/items",
                           json{{"items", json::array({json{{"item", "1.3.12"}, {"answer", "Locked bags"}},
                                                       json{{"item", "6.1.3"}, {"answer", "perhaps"}},
                                                       json{{"item", "9.9.99"}, {"answer", "x"}}})}});
  ASSERT_EQ(refused.status, 400) << refused.body;
  const json errors = refused.parsed()["errors"];
  ASSERT_EQ(errors.size(), 2u) << refused.body;
  EXPECT_EQ(errors[0]["item"], "6.1.3");
  EXPECT_EQ(errors[0]["field"], "answer");
  EXPECT_EQ(errors[1]["item"], "9.9.99");
  EXPECT_TRUE(item_of(assessment(priya, "VLAXL"), "1.3.12")["answer"].is_null()) << "nothing saved";

  // A shared item in a branch's assessment: refused by the same rule as one item's save.
  auto shared = priya.put("/api/assessment/VLAXL/items",
                          json{{"items", json::array({json{{"item", "1.3.12"}, {"answer", "Bags"}},
                                                      json{{"item", "1.1.1"}, {"answer", "ZA1"}}})}});
  EXPECT_NE(shared.status, 200) << shared.body;
  EXPECT_EQ(shared.parsed()["errors"][0]["item"], "1.1.1") << shared.body;
  EXPECT_TRUE(item_of(assessment(priya, "VLAXL"), "1.3.12")["answer"].is_null());

  auto viewer = signed_in("Victor Viewer");
  auto forbidden = viewer.put("/api/assessment/VLAXL/items",
                              json{{"items", json::array({json{{"item", "1.3.12"}, {"answer", "Bags"}}})}});
  EXPECT_EQ(forbidden.status, 403) << forbidden.body;
}

TEST_F(WebBatch, PlanLinesForManyItemsAndGeneratedOnes) {
  auto priya = signed_in("Priya Shah");
  auto set = priya.put("/api/assessment/VLAXL/plan",
                       json{{"items", json::array({"1.3.2", "7.3.4"})}, {"owner", "Ann Lee"}, {"due", "31/01/2027"}});
  ASSERT_EQ(set.status, 200) << set.body;
  json leeds = assessment(priya, "VLAXL");
  EXPECT_EQ(item_of(leeds, "7.3.4")["plan"]["due"], "2027-01-31");
  EXPECT_EQ(item_of(leeds, "1.3.2")["plan"]["owner"], "Ann Lee");

  auto bad_date =
      priya.put("/api/assessment/VLAXL/plan", json{{"items", json::array({"1.3.12"})}, {"due", "31/13/2027"}});
  EXPECT_EQ(bad_date.status, 400);
  EXPECT_EQ(bad_date.parsed()["error"]["field"], "due") << bad_date.body;
  auto unknown =
      priya.put("/api/assessment/VLAXL/plan", json{{"items", json::array({"1.3.12", "9.9.99"})}, {"owner", "Ann"}});
  EXPECT_EQ(unknown.status, 404) << unknown.body;
  EXPECT_TRUE(item_of(assessment(priya, "VLAXL"), "1.3.12")["plan"].is_null() ||
              item_of(assessment(priya, "VLAXL"), "1.3.12")["plan"]["owner"] == "");

  ASSERT_EQ(priya.put("/api/assessment/VLAXL/items/1.3.12", json{{"answer", "Locked bags"}}).status, 200);
  auto generated = priya.post("/api/assessment/VLAXL/plan/generate", json::object());
  ASSERT_EQ(generated.status, 200) << generated.body;
  const json items = generated.parsed()["items"];
  const auto has = [&](const std::string& id) { return std::find(items.begin(), items.end(), id) != items.end(); };
  EXPECT_TRUE(has("1.3.13"));
  EXPECT_FALSE(has("1.3.12")) << "provided";
  EXPECT_FALSE(has("1.1.1")) << "head office's, shared";
  EXPECT_TRUE(has("1.3.2")) << "a line without an action gets one";
  leeds = assessment(priya, "VLAXL");
  EXPECT_EQ(item_of(leeds, "1.3.2")["plan"]["owner"], "Ann Lee") << "kept";
  EXPECT_EQ(item_of(leeds, "1.3.13")["plan"]["action"].get<std::string>().rfind("Provide the evidence for 1.3.13", 0),
            0u);
  auto again = priya.post("/api/assessment/VLAXL/plan/generate", json::object());
  ASSERT_EQ(again.status, 200);
  EXPECT_TRUE(again.parsed()["items"].empty());
}

}  // namespace
}  // namespace dsptsync::testing
