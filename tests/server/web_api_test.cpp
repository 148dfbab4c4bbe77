// The web app's API at head office (docs/api.md), end to end: a real server on 127.0.0.1, real
// HTTP over TCP, real Argon2id passwords set with the real `dsptsync-server user passwd`, real
// enrolled branch stores syncing. Sessions and their protection, who may do what, edits reaching
// devices, conflicts, publishing, people, and hostile requests that change nothing.
#include "../common/cli_runner.h"
#include "../common/raw_http.h"
#include "fixture.h"
#include "web_client.h"

#include "dsptsync/crypto.h"
#include "dsptsync/incident.h"
#include "dsptsync/limits.h"
#include "dsptsync/tuning.h"

#include <gtest/gtest.h>

#include <array>
#include <fstream>
#include <random>
#include <chrono>
#include <set>
#include <thread>

namespace dsptsync::testing {
namespace {

using protocol::Role;

class WebApi : public ::testing::Test {
 protected:
  WebApi() : server_({{"VLAXL", "Leeds"}, {"VM2B3", "York"}, {"VN4C5", "Hull"}}) {
    auto office = server_.admin();
    EXPECT_TRUE(office->add_console_user("Priya Shah", Role::admin));
    EXPECT_TRUE(office->add_console_user("Victor Viewer", Role::viewer));
    EXPECT_TRUE(office->add_console_user("Mo Member", Role::member));
    // A branch's manager who signs in at head office's web app (no laptop).
    EXPECT_TRUE(office->directory().add_user(User{"Bea Branch", "VLAXL", Role::admin, now_ms(), std::nullopt}));
    for (const char* name : {"Priya Shah", "Victor Viewer", "Mo Member", "Bea Branch"}) set_password(name);
  }

  void set_password(const std::string& name) { set_web_password(server_.data(), name, scratch_.path()); }

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

  std::size_t publications() { return server_.admin()->publications()->size(); }

  RunningServer server_;
  TempDir stores_;
  TempDir scratch_;
};

TEST_F(WebApi, SignInSetsAProtectedCookieAndEveryChangeNeedsTheSessionsToken) {
  WebClient browser(server_.port());
  auto anonymous = browser.get("/api/session");
  EXPECT_EQ(anonymous.status, 401);
  EXPECT_EQ(anonymous.parsed()["error"]["code"], "not_signed_in");
  EXPECT_EQ(anonymous.parsed()["mode"], "hq");
  EXPECT_EQ(browser.get("/api/dashboard").status, 401);

  auto wrong = browser.sign_in("Priya Shah", "not her password");
  EXPECT_EQ(wrong.status, 401);
  auto unknown = browser.sign_in("Nobody Here", kPassword);
  EXPECT_EQ(unknown.status, 401);
  EXPECT_EQ(unknown.parsed()["error"]["message"], wrong.parsed()["error"]["message"])
      << "one message for a wrong name and a wrong password";
  EXPECT_TRUE(wrong.header("set-cookie").empty());

  auto signed_in = browser.sign_in("Priya Shah", kPassword);
  ASSERT_EQ(signed_in.status, 200) << signed_in.body;
  const std::string cookie = signed_in.header("set-cookie");
  for (const char* flag : {"HttpOnly", "SameSite=Strict", "Path=/"})
    EXPECT_NE(cookie.find(flag), std::string::npos) << cookie;
  EXPECT_EQ(cookie.find("Secure"), std::string::npos) << "no TLS here: a Secure cookie would never come back";
  const auto session = browser.get("/api/session").parsed();
  EXPECT_EQ(session["user"], "Priya Shah");
  EXPECT_EQ(session["role"], "admin");
  EXPECT_TRUE(session["branch"].is_null());
  EXPECT_EQ(session["organisation"]["hq"], "A1B2");
  EXPECT_EQ(session["csrf"].get<std::string>().size(), 64u);

  // A change without the token, or from another site, is refused and records nothing.
  WebClient forged = browser;
  forged.without_csrf();
  auto no_token = forged.put("/api/assessment/A1B2/items/1.1.1", json{{"answer", "ZA123456"}});
  EXPECT_EQ(no_token.status, 403);
  EXPECT_EQ(no_token.parsed()["error"]["code"], "csrf");
  auto other_site = browser.call("PUT", "/api/assessment/A1B2/items/1.1.1", json{{"answer", "ZA123456"}},
                                 "Origin: https://evil.example\r\n");
  EXPECT_EQ(other_site.status, 403);
  EXPECT_EQ(item_of(browser.get("/api/assessment/A1B2").parsed(), "1.1.1")["answer"], nullptr);

  auto saved = browser.put("/api/assessment/A1B2/items/1.1.1", json{{"answer", "ZA123456"}, {"comment", "Renewed"}});
  EXPECT_EQ(saved.status, 200) << saved.body;
  EXPECT_EQ(saved.parsed()["changes"], 2);
  const auto item = item_of(browser.get("/api/assessment/A1B2").parsed(), "1.1.1");
  EXPECT_EQ(item["answer"]["value"], "ZA123456");
  EXPECT_EQ(item["answer"]["by"], "Priya Shah");
  EXPECT_EQ(item["comment"]["value"], "Renewed");
  EXPECT_EQ(item["completed"], true);

  // The audit trail verifies the web app's edits like any other.
  auto audit = run_program(shell_quote(DSPTSYNC_SERVER_CLI) + " --json --data " + shell_quote(server_.data().string()),
                           {"audit", "--verify"}, scratch_.path());
  EXPECT_EQ(audit.code, 0) << audit.out << audit.err;

  // Signing out ends the session on the server, whatever the browser keeps.
  EXPECT_EQ(browser.call("DELETE", "/api/session").status, 200);
  EXPECT_EQ(browser.get("/api/session").status, 401);
}

TEST_F(WebApi, SignInAttemptsAreLimitedPerName) {
  WebClient guesser(server_.port());
  for (int i = 0; i <= tuning::kSignInFreeFailuresPerName; ++i)
    EXPECT_EQ(guesser.sign_in("Mo Member", "guess number " + std::to_string(i)).status, 401);
  auto limited = guesser.sign_in("Mo Member", kPassword);
  EXPECT_EQ(limited.status, 429) << "even the right password waits once the free failures are used up";
  EXPECT_EQ(limited.parsed()["error"]["code"], "rate_limited");
  EXPECT_GT(std::stoi(limited.header("retry-after")), 0);
  // Someone else is not held up by it.
  EXPECT_EQ(WebClient(server_.port()).sign_in("Priya Shah", kPassword).status, 200);
}

// A name is compared as it was stored (permissions.h normalise_name): the white space around a typed
// name is not part of it, for the password check and for the limit on failed attempts alike.
TEST_F(WebApi, SignInNamesAreNormalisedAsTheyWereStored) {
  WebClient browser(server_.port());
  auto spaced = browser.sign_in("  Priya Shah ", kPassword);
  ASSERT_EQ(spaced.status, 200) << spaced.body;
  EXPECT_EQ(browser.get("/api/session").parsed()["user"], "Priya Shah");
  EXPECT_EQ(browser.get("/api/people").status, 200) << "the session is hers, with her role";
  EXPECT_EQ(WebClient(server_.port()).sign_in(" ", kPassword).status, 400) << "a name of white space is no name";

  WebClient guesser(server_.port());
  for (int i = 0; i <= tuning::kSignInFreeFailuresPerName; ++i)
    EXPECT_EQ(guesser.sign_in(i % 2 ? "Mo Member " : "Mo Member", "guess number " + std::to_string(i)).status, 401);
  EXPECT_EQ(guesser.sign_in("\tMo Member", kPassword).status, 429) << "however the name is typed, it is one name";
}

TEST_F(WebApi, AViewerReadsEverythingButChangesNothing) {
  auto viewer = signed_in("Victor Viewer");
  auto dashboard = viewer.get("/api/dashboard");
  ASSERT_EQ(dashboard.status, 200);
  EXPECT_EQ(dashboard.parsed()["sites"].size(), 4u) << "head office and its three branches";
  auto leeds = viewer.get("/api/assessment/VLAXL").parsed();
  EXPECT_EQ(leeds["canEdit"], false);
  EXPECT_EQ(item_of(leeds, "1.3.12")["editable"], false);

  auto refused = viewer.put("/api/assessment/VLAXL/items/1.3.12", json{{"answer", "Encrypted laptops"}});
  EXPECT_EQ(refused.status, 403);
  EXPECT_NE(refused.parsed()["error"]["message"].get<std::string>().find("viewer"), std::string::npos);
  EXPECT_EQ(viewer.put("/api/assessment/VLAXL/assertions/3.2", json{{"confirmed", true}}).status, 403);
  EXPECT_EQ(viewer.post("/api/publish", json{{"branches", {"VLAXL"}}}).status, 403);
  EXPECT_EQ(viewer.get("/api/people").status, 403);
  EXPECT_EQ(item_of(viewer.get("/api/assessment/VLAXL").parsed(), "1.3.12")["answer"], nullptr) << "nothing recorded";

  // A member answers but does not confirm, share or publish.
  auto member = signed_in("Mo Member");
  EXPECT_EQ(member.put("/api/assessment/VLAXL/items/1.3.12", json{{"answer", "In place"}}).status, 200);
  EXPECT_EQ(member.put("/api/assessment/VLAXL/assertions/3.2", json{{"confirmed", true}}).status, 403);
  EXPECT_EQ(member.put("/api/assessment/A1B2/items/1.1.1/sharing", json{{"sharing", "branch"}}).status, 403);
  EXPECT_EQ(member.get("/api/publish/preview?branches=VLAXL").status, 403);
}

TEST_F(WebApi, ABranchSessionSeesAndChangesOnlyItsOwnBranch) {
  auto bea = signed_in("Bea Branch");
  const auto session = bea.get("/api/session").parsed();
  EXPECT_EQ(session["branch"], "VLAXL");
  const auto sites = bea.get("/api/dashboard").parsed()["sites"];
  ASSERT_EQ(sites.size(), 1u);
  EXPECT_EQ(sites[0]["ods"], "VLAXL");
  EXPECT_EQ(bea.get("/api/assessment/VM2B3").status, 403);
  EXPECT_EQ(bea.get("/api/assessment/A1B2").status, 403);
  EXPECT_EQ(bea.put("/api/assessment/VM2B3/items/2.1.1", json{{"answer", "x"}}).status, 403);
  EXPECT_EQ(bea.get("/api/export?scope=VM2B3&format=csv").status, 403);

  // A shared item is head office's: refused with the way out, until the branch overrides it.
  auto shared = bea.put("/api/assessment/VLAXL/items/1.1.1", json{{"answer", "ZB999999"}});
  EXPECT_EQ(shared.status, 403);
  EXPECT_NE(shared.parsed()["error"]["message"].get<std::string>().find("override"), std::string::npos);
  auto overridden = bea.put("/api/assessment/VLAXL/items/1.1.1/override", json{{"reason", "Leeds registers itself"}});
  EXPECT_EQ(overridden.status, 200) << overridden.body;
  EXPECT_EQ(bea.put("/api/assessment/VLAXL/items/1.1.1", json{{"answer", "ZB999999"}}).status, 200);
  EXPECT_EQ(bea.put("/api/assessment/VLAXL/items/1.1.1/sharing", json{{"sharing", "branch"}}).status, 403);

  // Head office sees the override with its reason.
  auto priya = signed_in("Priya Shah");
  const auto leeds = priya.get("/api/assessment/VLAXL").parsed();
  EXPECT_EQ(item_of(leeds, "1.1.1")["override"]["reason"], "Leeds registers itself");
  EXPECT_EQ(item_of(leeds, "1.1.1")["answer"]["value"], "ZB999999");
  EXPECT_EQ(item_of(leeds, "1.1.1")["answer"]["by"], "Bea Branch");
}

TEST_F(WebApi, HeadOfficeEditsReachBranchDevicesAndBranchEditsReachHeadOffice) {
  auto leeds = server_.enrol(stores_ / "leeds", "Sam Patel", "VLAXL", Role::admin);
  auto priya = signed_in("Priya Shah");
  ASSERT_EQ(priya.put("/api/assessment/A1B2/items/1.1.1", json{{"answer", "ZA123456"}}).status, 200);

  ASSERT_TRUE(client::sync_once(*leeds));
  auto view = leeds->view();
  ASSERT_TRUE(view);
  EXPECT_EQ(view->answers.at("1.1.1").value.text, "ZA123456");
  EXPECT_EQ(view->answers.at("1.1.1").by.user, "Priya Shah");

  // The branch answers offline, then syncs: head office's view of Leeds shows it, attributed.
  ASSERT_TRUE(leeds->answer("1.3.12", "Laptops are encrypted", "", std::nullopt));
  EXPECT_EQ(item_of(priya.get("/api/assessment/VLAXL").parsed(), "1.3.12")["answer"], nullptr);
  ASSERT_TRUE(client::sync_once(*leeds));
  const auto item = item_of(priya.get("/api/assessment/VLAXL").parsed(), "1.3.12");
  EXPECT_EQ(item["answer"]["value"], "Laptops are encrypted");
  EXPECT_EQ(item["answer"]["by"], "Sam Patel");
  const auto history = priya.get("/api/assessment/VLAXL/history/1.3.12").parsed()["history"];
  ASSERT_EQ(history.size(), 1u);
  EXPECT_EQ(history[0]["by"], "Sam Patel");
}

// The dashboard's site of an ODS code.
json site_of(const json& dashboard, const std::string& ods) {
  for (const auto& site : dashboard["sites"])
    if (site["ods"] == ods) return site;
  return nullptr;
}

TEST_F(WebApi, TheDashboardAndProgressShowWhenEachSiteLastSyncedAndWho) {
  auto priya = signed_in("Priya Shah");
  json dashboard = priya.get("/api/dashboard").parsed();
  EXPECT_TRUE(site_of(dashboard, "VLAXL")["lastSynced"].is_null());

  const TimestampMs before = now_ms();
  auto leeds = server_.enrol(stores_ / "leeds", "Sam Patel", "VLAXL", Role::admin);
  dashboard = priya.get("/api/dashboard").parsed();
  const json enrolled = site_of(dashboard, "VLAXL")["lastSynced"];
  ASSERT_TRUE(enrolled.is_object()) << "enrolling is the laptop's first sync";
  EXPECT_EQ(enrolled["user"], "Sam Patel");
  EXPECT_FALSE(enrolled["device"].get<std::string>().empty());
  EXPECT_GE(enrolled["at"].get<TimestampMs>(), before);
  EXPECT_TRUE(enrolled["atText"].is_string());
  EXPECT_TRUE(site_of(dashboard, "VM2B3")["lastSynced"].is_null()) << "nobody at York has synced";
  EXPECT_TRUE(site_of(dashboard, "A1B2")["lastSynced"].is_null()) << "head office's people use the web app";

  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ASSERT_TRUE(client::sync_once(*leeds));
  dashboard = priya.get("/api/dashboard").parsed();
  EXPECT_GT(site_of(dashboard, "VLAXL")["lastSynced"]["at"].get<TimestampMs>(), enrolled["at"].get<TimestampMs>());

  // The console's progress reads the same record.
  auto progress = server_.admin()->progress(std::string("VLAXL"), date_of(now_ms()));
  ASSERT_TRUE(progress) << progress.error().message;
  ASSERT_TRUE((*progress)[0].last_sync);
  EXPECT_EQ((*progress)[0].last_sync->user, "Sam Patel");
  EXPECT_EQ((*progress)[0].last_sync->at, site_of(dashboard, "VLAXL")["lastSynced"]["at"].get<TimestampMs>());
}

TEST_F(WebApi, AConflictShowsEveryValueAndOneChoiceResolvesItForEveryone) {
  auto first = server_.enrol(stores_ / "one", "Sam Patel", "VLAXL", Role::admin);
  auto second = server_.enrol(stores_ / "two", "Ann Lee", "VLAXL", Role::member);
  ASSERT_TRUE(first->answer("3.2.1", "yes", "", std::nullopt));
  ASSERT_TRUE(second->answer("3.2.1", "no", "", std::nullopt));
  ASSERT_TRUE(client::sync_once(*first));
  ASSERT_TRUE(client::sync_once(*second));

  auto priya = signed_in("Priya Shah");
  const auto conflicts = priya.get("/api/conflicts?scope=VLAXL").parsed()["conflicts"];
  ASSERT_EQ(conflicts.size(), 1u) << conflicts.dump();
  EXPECT_EQ(conflicts[0]["target"], "3.2.1");
  EXPECT_EQ(conflicts[0]["field"], "answer");
  ASSERT_EQ(conflicts[0]["values"].size(), 2u);
  std::set<std::string> who;
  std::string keep;
  for (const auto& value : conflicts[0]["values"]) {
    who.insert(value["by"]);
    if (value["value"] == "no") keep = value["changeId"];
  }
  EXPECT_EQ(who, (std::set<std::string>{"Sam Patel", "Ann Lee"}));
  EXPECT_EQ(priya.get("/api/dashboard").parsed()["sites"][1]["conflicts"], 1);

  auto resolved = priya.post("/api/conflicts/resolve",
                             json{{"scope", "VLAXL"}, {"target", "3.2.1"}, {"field", "answer"}, {"keep", keep}});
  ASSERT_EQ(resolved.status, 200) << resolved.body;
  EXPECT_TRUE(priya.get("/api/conflicts?scope=VLAXL").parsed()["conflicts"].empty());
  EXPECT_EQ(item_of(priya.get("/api/assessment/VLAXL").parsed(), "3.2.1")["answer"]["value"], "no");
  // Resolving again finds nothing to resolve and changes nothing.
  auto again = priya.post("/api/conflicts/resolve",
                          json{{"scope", "VLAXL"}, {"target", "3.2.1"}, {"field", "answer"}, {"keep", keep}});
  EXPECT_EQ(again.status, 409);

  // Both laptops settle on the same value at their next sync.
  ASSERT_TRUE(client::sync_once(*first));
  ASSERT_TRUE(client::sync_once(*second));
  for (auto* store : {first.get(), second.get()}) {
    auto view = store->view();
    ASSERT_TRUE(view);
    EXPECT_EQ(view->answers.at("3.2.1").value.text, "no");
    EXPECT_TRUE(view->conflicts.empty());
  }
}

TEST_F(WebApi, PublishShowsEveryProblemFirstAndPublishesOnlyWhatIsReady) {
  // Head office answers and confirms everything shared; Leeds and York do their part; Hull nothing.
  auto office = server_.admin();
  head_office_answers_everything_shared(*office, "Priya Shah");
  auto catalogue = shipped_catalogue(AssessmentYear{2021});
  ASSERT_TRUE(catalogue);
  for (const auto& [store, branch] : {std::pair{"leeds", "VLAXL"}, std::pair{"york", "VM2B3"}}) {
    auto site = server_.enrol(stores_ / store, std::string("Admin of ") + branch, branch, Role::admin);
    auto view = site->view();
    ASSERT_TRUE(view);
    for (const auto& item : catalogue->items()) {
      if (view->shared_items.count(item.id)) continue;
      const char* value = item.type == AnswerType::yes_no ? "yes"
                          : item.type == AnswerType::date ? "2021-09-01"
                          : item.type == AnswerType::number ? "12"
                                                            : "In place and reviewed";
      ASSERT_TRUE(site->answer(item.id, value, "", std::nullopt)) << item.id;
    }
    for (const auto& assertion : catalogue->assertions())
      if (!view->shared_assertions.count(assertion.id)) {
        ASSERT_TRUE(site->confirm(assertion.id, true));
      }
    ASSERT_TRUE(client::sync_once(*site));
  }

  auto priya = signed_in("Priya Shah");
  auto preview = priya.get("/api/publish/preview?branches=VLAXL,VM2B3,VN4C5");
  ASSERT_EQ(preview.status, 200) << preview.body;
  const auto report = preview.parsed();
  EXPECT_EQ(report["published"], false);
  ASSERT_EQ(report["sites"].size(), 3u);
  EXPECT_EQ(report["sites"][0]["ready"], true);
  EXPECT_EQ(report["sites"][0]["publicStatus"], "21/22 Standards Met");
  EXPECT_EQ(report["sites"][1]["ready"], true);
  EXPECT_EQ(report["sites"][2]["ready"], false);
  const auto& blocking = report["sites"][2]["blocking"];
  ASSERT_FALSE(blocking.empty());
  // Hull's own items are named, each with its group, as the toolkit names them.
  bool names_an_item = false;
  for (const auto& problem : blocking)
    if (problem["item"] == "1.3.12") {
      names_an_item = true;
      EXPECT_EQ(problem["group"], "Data security");
      EXPECT_NE(problem["message"].get<std::string>().find("1.3.12"), std::string::npos);
    }
  EXPECT_TRUE(names_an_item) << blocking.dump();

  // All three at once: refused as a whole, with the report, and nothing recorded.
  auto refused = priya.post("/api/publish", json{{"year", "2021-22"}, {"branches", {"VLAXL", "VM2B3", "VN4C5"}}});
  EXPECT_EQ(refused.status, 422);
  EXPECT_EQ(refused.parsed()["published"], false);
  EXPECT_EQ(refused.parsed()["sites"][2]["blocking"], blocking);
  EXPECT_EQ(publications(), 0u);

  auto published = priya.post("/api/publish", json{{"year", "2021-22"}, {"branches", {"VLAXL", "VM2B3"}}});
  ASSERT_EQ(published.status, 200) << published.body;
  const auto publication = published.parsed()["publication"];
  EXPECT_EQ(publication["by"], "Priya Shah");
  ASSERT_EQ(publication["sites"].size(), 2u);
  EXPECT_EQ(publications(), 1u);
  const auto list = priya.get("/api/publications").parsed()["publications"];
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0]["sites"][1]["publicStatus"], "21/22 Standards Met");

  auto certificate = priya.get("/api/publications/" + std::to_string(publication["id"].get<int>()) + "/certificate/VM2B3");
  EXPECT_EQ(certificate.status, 200);
  EXPECT_EQ(certificate.header("content-type"), "text/html; charset=utf-8");
  EXPECT_NE(certificate.body.find("York"), std::string::npos);
  EXPECT_NE(certificate.body.find("21/22 Standards Met"), std::string::npos);
  auto hull = priya.get("/api/publications/1/certificate/VN4C5");
  EXPECT_EQ(hull.status, 404) << "Hull was left out";
  EXPECT_EQ(hull.parsed()["error"]["message"], "VN4C5 is not in publication 1");
  auto none = priya.get("/api/publications/007x/certificate/VM2B3");
  EXPECT_EQ(none.status, 404);
  EXPECT_EQ(none.parsed()["error"]["message"], "there is no publication 007x") << "named as the path wrote it";
  EXPECT_EQ(priya.get("/api/publications/9/certificate/VM2B3").parsed()["error"]["message"], "there is no publication 9");
  EXPECT_EQ(signed_in("Bea Branch").get("/api/publications/1/certificate/VM2B3").status, 403) << "another branch's";

  // The public look-up now shows York's status; the dashboard shows the publication.
  auto york = priya.get("/status/VM2B3").parsed();
  EXPECT_EQ(york["status"], "21/22 Standards Met");
  EXPECT_EQ(priya.get("/api/dashboard").parsed()["sites"][2]["published"]["publicStatus"], "21/22 Standards Met");
}

TEST_F(WebApi, AnAdministratorRecordsTheNhsPublicationAndTheDashboardShowsIt) {
  auto priya = signed_in("Priya Shah");
  const json good = {{"site", "VLAXL"}, {"year", "2025-26"}, {"publishedOn", "2026-06-20"}, {"status", "met"}};
  const auto nhs_count = [&] { return priya.get("/api/publications").parsed()["nhsPublications"].size(); };

  // Nobody else records one; a wrong detail is named by its field; nothing is recorded.
  EXPECT_EQ(signed_in("Mo Member").post("/api/nhs-publications", good).status, 403);
  EXPECT_EQ(signed_in("Victor Viewer").post("/api/nhs-publications", good).status, 403);
  EXPECT_EQ(signed_in("Bea Branch").post("/api/nhs-publications", good).status, 403) << "a branch's administrator";
  struct Refusal {
    json change;
    int status;
    std::string field;  // empty: the error names no field
  };
  for (const auto& [change, status, field] : std::vector<Refusal>{{{{"publishedOn", "2026/06/20"}}, 400, "publishedOn"},
                                                                  {{{"publishedOn", "31/06/2026"}}, 400, "publishedOn"},
                                                                  {{{"publishedOn", "2099-01-01"}}, 400, "publishedOn"},
                                                                  {{{"status", "Standards Not Met"}}, 400, "status"},
                                                                  {{{"status", 3}}, 400, "status"},
                                                                  {{{"year", "2099-00"}}, 400, "year"},
                                                                  {{{"site", "VQ9Q9"}}, 404, ""},
                                                                  {{{"site", "not a code"}}, 400, "site"}}) {
    json body = good;
    body.update(change);
    auto refused = priya.post("/api/nhs-publications", body);
    EXPECT_EQ(refused.status, status) << body.dump() << " " << refused.body;
    EXPECT_EQ(refused.parsed()["error"]["field"], field.empty() ? json() : json(field)) << refused.body;
  }
  EXPECT_EQ(priya.get("/api/nhs-publications").status, 405);
  EXPECT_EQ(nhs_count(), 0u);

  // A UK date is as good as an ISO one; kept as ISO.
  json uk = good;
  uk["publishedOn"] = "20/06/2026";
  auto recorded = priya.post("/api/nhs-publications", uk);
  ASSERT_EQ(recorded.status, 201) << recorded.body;
  EXPECT_EQ(recorded.parsed()["record"]["publicStatus"], "25/26 Standards Met");
  EXPECT_EQ(recorded.parsed()["record"]["publishedOn"], "2026-06-20");
  EXPECT_EQ(recorded.parsed()["record"]["recordedBy"], "Priya Shah");
  EXPECT_EQ(recorded.parsed()["warnings"].size(), 1u) << "never signed off here";
  EXPECT_EQ(nhs_count(), 1u);

  // Every view of the site shows it: the dashboard, the assessment, the list.
  const json dashboard = priya.get("/api/dashboard").parsed();
  for (const auto& site : dashboard["sites"]) {
    if (site["ods"] == "VLAXL") {
      EXPECT_EQ(site["nhsPublished"]["publicStatus"], "25/26 Standards Met");
      EXPECT_EQ(site["nhsPublished"]["publishedOn"], "2026-06-20");
    } else {
      EXPECT_TRUE(site["nhsPublished"].is_null()) << site["ods"];
    }
  }
  EXPECT_EQ(signed_in("Bea Branch").get("/api/assessment/VLAXL").parsed()["site"]["nhsPublished"]["year"], "2025-26");
}

TEST_F(WebApi, PeopleAreInvitedAndRevokingEndsTheirSessions) {
  auto priya = signed_in("Priya Shah");
  auto invited = priya.post("/api/people/invites", json{{"user", "Nia Jones"}, {"role", "member"}, {"branch", "VM2B3"}});
  ASSERT_EQ(invited.status, 200) << invited.body;
  const std::string code = invited.parsed()["code"];
  EXPECT_FALSE(code.empty());
  // The code enrols a real laptop.
  client::EnrolOptions options{stores_ / "nia", server_.url(), code, std::nullopt, "Nia's laptop"};
  ASSERT_TRUE(client::enrol(options));
  auto people = priya.get("/api/people").parsed();
  bool found = false;
  for (const auto& user : people["users"])
    if (user["name"] == "Nia Jones") {
      found = true;
      EXPECT_EQ(user["branch"], "VM2B3");
      EXPECT_EQ(user["devices"].size(), 1u);
    }
  EXPECT_TRUE(found) << people.dump();
  // The API's shape of people (docs/api.md): each user's password and devices, every invite, the branches.
  for (const auto& user : people["users"]) {
    EXPECT_TRUE(user["hasPassword"].is_boolean()) << user.dump();
    EXPECT_EQ(user["hasPassword"], user["name"] != "Nia Jones") << user.dump();
    EXPECT_EQ(user["revoked"], false) << user.dump();
    for (const auto& device : user["devices"]) {
      EXPECT_EQ(device["name"], "Nia's laptop");
      EXPECT_TRUE(device["enrolledAt"].is_number());
      EXPECT_EQ(device["revoked"], false);
    }
  }
  ASSERT_EQ(people["invites"].size(), 1u);
  EXPECT_EQ(people["invites"][0]["user"], "Nia Jones");
  EXPECT_EQ(people["invites"][0]["used"], true);
  EXPECT_TRUE(people["invites"][0]["expiresAt"].is_number());
  EXPECT_EQ(people["branches"].size(), 3u);
  EXPECT_EQ(invited.parsed()["invite"]["user"], "Nia Jones");
  EXPECT_EQ(invited.parsed()["invite"]["branch"], "VM2B3");
  EXPECT_EQ(priya.post("/api/people/invites", json{{"user", "X"}, {"role", "owner"}}).status, 400);
  EXPECT_EQ(priya.post("/api/people/invites", json{{"user", "X"}, {"role", "member"}, {"branch", "VZZZZ"}}).status,
            404);

  auto mo = signed_in("Mo Member");
  ASSERT_EQ(mo.get("/api/dashboard").status, 200);
  EXPECT_EQ(mo.post("/api/people/Victor%20Viewer/revoke", json::object()).status, 403);
  auto revoked = priya.post("/api/people/Mo%20Member/revoke", json::object());
  EXPECT_EQ(revoked.status, 200) << revoked.body;
  EXPECT_EQ(revoked.parsed(), (json{{"ok", true}, {"revoked", "Mo Member"}}));
  EXPECT_EQ(mo.get("/api/dashboard").status, 401) << "a revoked user's session ends at once";
  EXPECT_EQ(WebClient(server_.port()).sign_in("Mo Member", kPassword).status, 401);
  EXPECT_EQ(priya.post("/api/people/Priya%20Shah/revoke", json::object()).status, 400) << "not oneself";

  // A new password, set on the command line while the server runs, signs out the old sessions.
  auto victor = signed_in("Victor Viewer");
  ASSERT_EQ(victor.get("/api/session").status, 200);
  std::this_thread::sleep_for(std::chrono::milliseconds(5));  // the new password is set after the sign-in
  set_password("Victor Viewer");
  auto stale = victor.get("/api/session");
  EXPECT_EQ(stale.status, 401);
  EXPECT_NE(stale.parsed()["error"]["message"].get<std::string>().find("password was changed"), std::string::npos);
  EXPECT_EQ(victor.sign_in("Victor Viewer", kPassword).status, 200);
  EXPECT_EQ(victor.get("/api/session").status, 200);

  // Revoked on the command line while the server runs: the same.
  auto bea = signed_in("Bea Branch");
  auto cli = run_program(shell_quote(DSPTSYNC_SERVER_CLI) + " --json --data " + shell_quote(server_.data().string()),
                         {"user", "revoke", "Bea Branch"}, scratch_.path());
  ASSERT_EQ(cli.code, 0) << cli.err;
  EXPECT_EQ(bea.get("/api/session").status, 401);
}

TEST_F(WebApi, HostileOrMistakenRequestsAreRefusedAndChangeNothing) {
  auto priya = signed_in("Priya Shah");
  const std::string before = priya.get("/api/assessment/VLAXL").body;

  const std::string huge(limits::kMaxWebRequestBodyBytes + 1, 'x');
  auto oversized = priya.put("/api/assessment/VLAXL/items/1.3.12", json{{"answer", huge}});
  EXPECT_EQ(oversized.status, 413);
  auto chunked = priya.call("PUT", "/api/assessment/VLAXL/items/1.3.12", std::nullopt,
                            "Transfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\n5\r\n{\"a\":\r\n0\r\n");
  EXPECT_EQ(chunked.status, 411);
  auto not_json = priya.call("PUT", "/api/assessment/VLAXL/items/1.3.12", std::nullopt,
                             "Content-Type: application/json\r\nContent-Length: 5\r\n\r\n{oops");
  EXPECT_EQ(not_json.status, 400);
  EXPECT_EQ(priya.put("/api/assessment/VLAXL/items/99.9.9", json{{"answer", "x"}}).status, 404);
  EXPECT_EQ(priya.put("/api/assessment/VZZZZ/items/1.3.12", json{{"answer", "x"}}).status, 404);
  EXPECT_EQ(priya.get("/api/assessment/not-a-code").status, 404);
  auto wrong_type = priya.put("/api/assessment/VLAXL/items/2.1.2", json{{"answer", "maybe"}});
  EXPECT_EQ(wrong_type.status, 400);
  EXPECT_NE(wrong_type.parsed()["error"]["message"].get<std::string>().find("yes"), std::string::npos)
      << "the error says what is accepted: " << wrong_type.body;
  EXPECT_EQ(priya.put("/api/assessment/VLAXL/items/1.3.12", json{{"answer", 42}}).status, 400);
  EXPECT_EQ(priya.put("/api/assessment/VLAXL/items/1.3.12/plan", json{{"due", "next week"}}).status, 400);
  EXPECT_EQ(priya.put("/api/assessment/VLAXL/items/1.1.1/sharing", json{{"sharing", "branch"}}).status, 400)
      << "sharing is decided in head office's own assessment";
  EXPECT_EQ(priya.call("DELETE", "/api/dashboard").status, 405);
  EXPECT_EQ(priya.get("/api/nothing/here").status, 404);
  EXPECT_EQ(priya.get("/api/sync").status, 404);
  EXPECT_EQ(priya.get("/api/assessment/VLAXL").body, before) << "nothing was recorded";

  // A forged or stale cookie is simply not signed in.
  WebClient stranger(server_.port());
  EXPECT_EQ(stranger.call("GET", "/api/dashboard", std::nullopt, "Cookie: dsptsync_session=" + std::string(64, 'a') +
                                                                     "\r\n").status,
            401);
  // The sync port still serves devices after all of it.
  auto leeds = server_.enrol(stores_ / "leeds", "Sam Patel", "VLAXL", Role::admin);
  EXPECT_TRUE(client::sync_once(*leeds));
}

// Requests from a fixed seed, each a valid one damaged: paths, methods, headers, bodies and JSON
// types. Every one gets an answer (never a 500, never silence), nothing is recorded by a damaged
// change, and the server serves pages, the API and devices afterwards.
TEST_F(WebApi, MutatedRequestsFromAFixedSeedGetAnAnswerAndChangeNothing) {
  constexpr std::uint64_t kSeed = 0x7e5'7a9e;
  constexpr int kIterations = 400;
  auto priya = signed_in("Priya Shah");
  auto viewer = signed_in("Victor Viewer");
  const std::string before = priya.get("/api/assessment/VLAXL").body;
  std::mt19937_64 random(kSeed);
  const auto pick = [&](const auto& options) { return options[random() % std::size(options)]; };
  // Each address with the method it takes.
  const std::pair<std::string, std::string> requests[] = {
      {"PUT", "/api/assessment/VLAXL/items/1.3.12"},     {"PUT", "/api/assessment/VLAXL/items/3.2.1/plan"},
      {"PUT", "/api/assessment/A1B2/items/1.1.1/sharing"}, {"PUT", "/api/assessment/VLAXL/assertions/3.2"},
      {"POST", "/api/conflicts/resolve"},                 {"POST", "/api/publish"},
      {"POST", "/api/people/invites"},                    {"PUT", "/api/assessment/VLAXL/items/1.1.1/override"},
      {"DELETE", "/api/session"},                         {"GET", "/api/dashboard"},
      {"GET", "/api/export?scope=VLAXL&format=csv"},      {"GET", "/api/publications/1/certificate/VLAXL"},
      {"PUT", "/api/assessment/A1B2/items/1.1.5"},        {"GET", "/api/publish/preview?branches=VLAXL,VM2B3"}};
  const json values[] = {json(nullptr), json(42), json(-1.5e308), json(true), json::array({1, "x"}),
                         json::object({{"a", json::object({{"b", 1}})}}), json("yes"), json(""),
                         json(std::string(3000, 'z')), json("\u0000nul"), json("../../etc/passwd"),
                         json("<script>alert(1)</script>"), json("VLAXL"), json("2021-09-31")};
  const std::string keys[] = {"answer", "location", "comment", "action", "due", "state", "owner", "sharing", "reason",
                              "confirmed", "scope", "target", "field", "keep", "value", "branches", "year", "user",
                              "role", "branch", "password", "allReady"};
  int server_errors = 0;
  for (int i = 0; i < kIterations; ++i) {
    SCOPED_TRACE("iteration " + std::to_string(i) + " of seed " + std::to_string(kSeed));
    auto [method, path] = pick(requests);
    if (random() % 5 == 0) method = pick(std::array<std::string, 5>{"PUT", "POST", "GET", "DELETE", "PATCH"});
    // A third of the time, damage the path: a segment dropped, %-escapes, a dot segment, or a byte
    // no path has.
    switch (random() % 12) {
      case 0: path = path.substr(0, path.rfind('/')); break;
      case 1: path += "/%2e%2e/%00"; break;
      case 2: path.insert(random() % path.size(), "%ZZ"); break;
      case 3: path += std::string(1, static_cast<char>(0x80 + random() % 0x7f)); break;
      default: break;
    }
    json body = json::object();
    for (int k = 0, n = static_cast<int>(random() % 5); k < n; ++k) body[pick(keys)] = pick(values);
    WebClient& client = random() % 4 == 0 ? viewer : priya;
    Answer answer;
    if (random() % 5 == 0) {  // a body that is not the JSON it says it is
      std::string raw = body.dump();
      raw.resize(random() % (raw.size() + 1));
      answer = client.call(method, path, std::nullopt,
                           "Content-Type: application/json\r\nContent-Length: " + std::to_string(raw.size()) +
                               "\r\n\r\n" + raw);
    } else {
      answer = client.call(method, path, body);
    }
    ASSERT_GT(answer.status, 0) << method << " " << path;
    if (answer.status >= 500) ++server_errors;
    // A damaged request may still be a sign-out: sign in again and go on.
    if (answer.status == 401) {
      ASSERT_EQ(client.sign_in(&client == &viewer ? "Victor Viewer" : "Priya Shah", kPassword).status, 200);
    }
    EXPECT_LT(answer.status, 500) << method << " " << path << " " << body.dump() << ": " << answer.body;
  }
  EXPECT_EQ(server_errors, 0);
  // Some damaged requests are still valid changes (a comment of 3,000 z's is a comment): compare
  // only what no valid request here could change, then check everything still works.
  const auto after = json::parse(priya.get("/api/assessment/VLAXL").body);
  EXPECT_EQ(after["scope"], "VLAXL");
  EXPECT_EQ(json::parse(before)["groups"].size(), after["groups"].size());
  EXPECT_EQ(priya.get("/").status, 200);
  EXPECT_EQ(priya.get("/api/dashboard").status, 200);
  EXPECT_EQ(viewer.get("/api/session").status, 200);
  auto leeds = server_.enrol(stores_ / "leeds", "Sam Patel", "VLAXL", Role::admin);
  EXPECT_TRUE(client::sync_once(*leeds));
  auto audit = run_program(shell_quote(DSPTSYNC_SERVER_CLI) + " --json --data " + shell_quote(server_.data().string()),
                           {"audit", "--verify"}, scratch_.path());
  EXPECT_EQ(audit.code, 0) << audit.out << audit.err;
}

TEST_F(WebApi, PagesAndTheDesignSystemAreServedWithTheirProtections) {
  WebClient browser(server_.port());
  auto page = browser.get("/");
  ASSERT_EQ(page.status, 200);
  EXPECT_EQ(page.header("content-type"), "text/html; charset=utf-8");
  EXPECT_NE(page.body.find("<!DOCTYPE html>"), std::string::npos);
  EXPECT_NE(page.header("content-security-policy").find("script-src 'self'"), std::string::npos);
  EXPECT_EQ(page.header("x-frame-options"), "DENY");
  auto css = browser.get("/vendor/nhsuk-frontend.min.css");
  ASSERT_EQ(css.status, 200);
  EXPECT_EQ(css.header("content-type"), "text/css; charset=utf-8");
  EXPECT_GT(css.body.size(), 100000u) << "the NHS design system's stylesheet";
  auto again = browser.call("GET", "/vendor/nhsuk-frontend.min.css", std::nullopt,
                            "If-None-Match: " + css.header("etag") + "\r\n");
  EXPECT_EQ(again.status, 304);
  EXPECT_TRUE(again.body.empty());
  EXPECT_EQ(browser.get("/vendor/nothing.css").status, 404);

  auto priya = signed_in("Priya Shah");
  auto workbook = priya.get("/api/export?scope=VLAXL&format=xlsx");
  ASSERT_EQ(workbook.status, 200);
  EXPECT_EQ(workbook.body.substr(0, 2), "PK") << "a zip: an .xlsx workbook";
  EXPECT_NE(workbook.header("content-disposition").find("VLAXL-2021-22-assessment.xlsx"), std::string::npos);
  auto plan = priya.get("/api/export?scope=VLAXL&format=csv&plan=1");
  EXPECT_EQ(plan.status, 200);
  EXPECT_EQ(plan.header("content-type"), "text/csv; charset=utf-8");
  EXPECT_EQ(priya.get("/api/export?scope=VLAXL&format=pdf").status, 400);
}

TEST_F(WebApi, DownloadsCarryTheSitesIncidentsAndABranchSessionOnlyItsOwn) {
  const TimestampMs now = now_ms();
  auto office = server_.admin();
  auto priya_user = office->directory().user("Priya Shah");
  ASSERT_TRUE(priya_user && *priya_user);
  auto record = [&](const std::string& branch, const std::string& what) {
    IncidentInput input = {{Field::what_happened, what},
                           {Field::happened_at, incident_time_text(now - 7'200'000)},
                           {Field::found_at, incident_time_text(now - 3'600'000)},
                           {Field::category, "confidentiality"},
                           {Field::likelihood, "3"},
                           {Field::severity, "2"}};
    auto recorded = office->record_incident(**priya_user, branch, input, now);
    EXPECT_TRUE(recorded) << recorded.error().message;
    return recorded ? recorded->incident.incident.id : std::string();
  };
  const std::string leeds = record("VLAXL", "Leeds's rota lost"), york = record("VM2B3", "York's letter misdirected");

  auto priya = signed_in("Priya Shah");
  auto csv = priya.get("/api/export?scope=VLAXL&format=csv&incidents=1");
  ASSERT_EQ(csv.status, 200) << csv.body;
  EXPECT_NE(csv.header("content-disposition").find("VLAXL-2021-22-incidents.csv"), std::string::npos);
  EXPECT_EQ(csv.body.rfind("ID,Recorded at,", 0), 0u) << csv.body;
  EXPECT_NE(csv.body.find(leeds), std::string::npos);
  EXPECT_EQ(csv.body.find(york), std::string::npos);
  auto json_download = priya.get("/api/export?scope=VM2B3&format=json");
  ASSERT_EQ(json_download.status, 200);
  const auto document = json_download.parsed();
  ASSERT_EQ(document["incidents"].size(), 1u);
  EXPECT_EQ(document["incidents"][0]["id"], york);
  EXPECT_EQ(document["incidents"][0]["report_to"], json::array({"ico"}));
  auto both = priya.get("/api/export?scope=VLAXL&format=csv&plan=1&incidents=1");
  EXPECT_EQ(both.status, 400);
  EXPECT_EQ(both.parsed()["error"]["code"], "invalid_input");

  // A branch's session: its own incidents, never another branch's.
  auto bea = signed_in("Bea Branch");
  EXPECT_EQ(bea.get("/api/export?scope=VM2B3&format=csv&incidents=1").status, 403);
  auto own = bea.get("/api/export?scope=VLAXL&format=json&incidents=1");
  ASSERT_EQ(own.status, 200);
  EXPECT_NE(own.body.find(leeds), std::string::npos);
  EXPECT_EQ(own.body.find(york), std::string::npos);
}

}  // namespace
}  // namespace dsptsync::testing

namespace dsptsync::testing {
namespace {

// Over TLS the session cookie is Secure: a browser never sends it over plain HTTP.
TEST(WebApiOverTls, SignInGivesASecureCookie) {
  TempDir files;
  const auto [cert, key] = make_test_certificate(files);
  RunningServer server({{"VLAXL", "Leeds"}}, std::make_pair(cert, key));
  {
    auto office = server.admin();
    ASSERT_TRUE(office->add_console_user("Priya Shah", Role::admin));
    auto hashed = crypto::hash_password(kPassword);
    ASSERT_TRUE(hashed);
    ASSERT_TRUE(office->directory().set_password("Priya Shah", *hashed, now_ms(), ""));
  }
  // openssl s_client: a TLS client that is not ours, printing what the server sends.
  const std::string body = json{{"user", "Priya Shah"}, {"password", kPassword}}.dump();
  std::ofstream(files / "request") << "POST /api/session HTTP/1.1\r\nHost: 127.0.0.1:" << server.port()
                                   << "\r\nContent-Type: application/json\r\nContent-Length: " << body.size()
                                   << "\r\n\r\n" << body;
  auto run = run_program("timeout 15 openssl s_client -quiet -verify_return_error -CAfile " +
                             shell_quote(cert.string()) + " -connect 127.0.0.1:" + std::to_string(server.port()) +
                             " <" + shell_quote((files / "request").string()),
                         {}, files.path());
  EXPECT_EQ(run.out.rfind("HTTP/1.1 200", 0), 0u) << run.out << run.err;
  const auto cookie_at = run.out.find("Set-Cookie: dsptsync_session=");
  ASSERT_NE(cookie_at, std::string::npos) << run.out;
  const std::string cookie = run.out.substr(cookie_at, run.out.find("\r\n", cookie_at) - cookie_at);
  for (const char* flag : {"; Secure", "HttpOnly", "SameSite=Strict"})
    EXPECT_NE(cookie.find(flag), std::string::npos) << cookie;
}

}  // namespace
}  // namespace dsptsync::testing
