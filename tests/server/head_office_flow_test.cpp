// Head office's year, end to end: a real server on 127.0.0.1, real branch stores syncing to it, and
// the real `dsptsync-server` and `dsptsync` programs for what administrators and branch managers
// type. Shared answers flow to branches; overrides reach head office; publishing is refused with
// every problem or made once with each branch's own status; the public look-up shows status only;
// exports open; the organisation rolls forward.
#include "fixture.h"
#include "http_routes.h"
#include "programs.h"

#include "dsptsync/assessment.h"
#include "dsptsync/service/head_office_types.h"

#include <gtest/gtest.h>

#include <set>

namespace dsptsync::testing {
namespace {

using protocol::Role;

class HeadOfficeFlow : public ::testing::Test {
 protected:
  HeadOfficeFlow() : server_({{"VLAXL", "Leeds"}, {"VM2B3", "York"}, {"VN4C5", "Hull"}}) {
    auto added = hq("user", "add", "Priya Shah", "--role", "admin");
    EXPECT_EQ(added.code, 0) << added.err;
  }

  // Runs dsptsync-server on the running server's data folder, acting as Priya.
  template <class... Args>
  CliRun hq(Args... args) {
    return head_office_program(server_.data(), "Priya Shah", {std::string(args)...}, scratch_.path());
  }
  template <class... Args>
  CliRun branch_cli(const std::filesystem::path& store, Args... args) {
    return laptop_program(store, {std::string(args)...}, scratch_.path());
  }

  // Answers every item a site answers itself (its branch items, or all of head office's) with a
  // value its type accepts, so it provides the item.
  static void answer_all(client::Workspace& site, const std::set<std::string>& skip = {}) {
    auto view = site.view();
    ASSERT_TRUE(view);
    for (const auto& item : site.catalogue().items()) {
      if (view->shared_items.count(item.id) || skip.count(item.id)) continue;
      const char* value = item.type == AnswerType::yes_no ? "yes"
                          : item.type == AnswerType::date ? "2021-09-01"
                          : item.type == AnswerType::number ? "12"
                                                            : "In place and reviewed";
      ASSERT_TRUE(site.answer(item.id, value, "", std::nullopt)) << item.id;
    }
  }
  static void confirm_own(client::Workspace& site) {
    auto view = site.view();
    ASSERT_TRUE(view);
    for (const auto& assertion : site.catalogue().assertions())
      if (!view->shared_assertions.count(assertion.id)) {
        ASSERT_TRUE(site.confirm(assertion.id, true)) << assertion.id;
      }
  }
  // Head office answers and confirms everything shared, through the CLI.
  void complete_shared(const std::set<std::string>& skip = {}) {
    auto catalogue = shipped_catalogue(AssessmentYear{2021});
    ASSERT_TRUE(catalogue);
    auto office = server_.admin();
    auto view = office->effective_view("A1B2", AssessmentYear{2021});
    ASSERT_TRUE(view);
    for (const auto& item : catalogue->items()) {
      if (!view->shared_items.count(item.id) || skip.count(item.id)) continue;
      const char* value = item.type == AnswerType::yes_no ? "yes" : item.id == "1.1.1" ? "ZA123456" : "In place";
      auto answered = hq("answer", item.id, value);
      ASSERT_EQ(answered.code, 0) << item.id << ": " << answered.err;
    }
    for (const auto& assertion : view->shared_assertions) {
      auto confirmed = hq("confirm", assertion);
      ASSERT_EQ(confirmed.code, 0) << assertion << ": " << confirmed.err;
    }
  }

  // Sends a raw HTTP request to the server over TCP on 127.0.0.1 (bash's /dev/tcp: a client that is
  // not ours) and returns the whole response, headers and body; bounded by `timeout`.
  CliRun http(const std::string& request_line, const std::string& extra_headers = "") {
    const std::string request = request_line + "\r\nHost: 127.0.0.1\r\n" + extra_headers + "\r\n";
    std::ofstream(scratch_.path() / "request") << request;
    const std::string script = "exec 3<>/dev/tcp/127.0.0.1/" + std::to_string(server_.port()) + " && cat " +
                               shell_quote((scratch_.path() / "request").string()) + " >&3 && cat <&3";
    return run_program("timeout 10 bash -c " + shell_quote(script), {}, scratch_.path());
  }
  static nlohmann::json body_of(const CliRun& response) {
    const auto start = response.out.find("\r\n\r\n");
    if (start == std::string::npos) return nullptr;
    return nlohmann::json::parse(response.out.substr(start + 4), nullptr, false);
  }

  RunningServer server_;
  TempDir stores_;
  TempDir scratch_;
};

TEST_F(HeadOfficeFlow, SharedAnswersReachBranchesReadOnlyAndOverridesReachHeadOffice) {
  auto leeds = server_.enrol(stores_ / "leeds", "Sam Patel", "VLAXL", Role::admin);
  auto answered = hq("answer", "1.1.1", "ZA123456", "--comment", "Renewed each March");
  ASSERT_EQ(answered.code, 0) << answered.err;
  EXPECT_EQ(answered.data["recorded"][0]["user"], "Priya Shah") << "attributed to the administrator";

  ASSERT_TRUE(client::sync_once(*leeds));
  auto view = leeds->view();
  ASSERT_TRUE(view);
  EXPECT_EQ(view->answers.at("1.1.1").value.text, "ZA123456");
  EXPECT_EQ(view->answers.at("1.1.1").by.user, "Priya Shah");
  EXPECT_EQ(view->comments.at("1.1.1").value.text, "Renewed each March");
  EXPECT_TRUE(view->shared_items.count("1.1.1"));

  // Read-only at the branch: refused with the way out, and nothing recorded.
  auto refused = leeds->answer("1.1.1", "ZB999999", "", std::nullopt);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().kind, ErrorKind::refused);
  EXPECT_NE(refused.error().message.find("dsptsync override 1.1.1"), std::string::npos) << refused.error().message;

  // The branch's practice differs: it overrides with a reason, then answers itself.
  auto overridden = branch_cli(stores_ / "leeds", "override", "1.3.1", "--reason", "Leeds follows the council's policy");
  ASSERT_EQ(overridden.code, 0) << overridden.err;
  ASSERT_TRUE(leeds->answer("1.3.1", "no", "", std::nullopt));
  auto items = branch_cli(stores_ / "leeds", "items");
  ASSERT_EQ(items.code, 0) << items.err;
  for (const auto& item : items.data["items"]) {
    if (item["id"] == "1.1.1") {
      EXPECT_EQ(item["scope"], "shared");
    }
    if (item["id"] == "1.3.1") {
      EXPECT_EQ(item["scope"], "branch");
      EXPECT_EQ(item["override"], "Leeds follows the council's policy");
      EXPECT_EQ(item["answer"]["text"], "no");
    }
  }
  ASSERT_TRUE(client::sync_once(*leeds));

  auto overrides = hq("overrides");
  ASSERT_EQ(overrides.code, 0) << overrides.err;
  ASSERT_EQ(overrides.data["overrides"].size(), 1u);
  EXPECT_EQ(overrides.data["overrides"][0]["branch"], "VLAXL");
  EXPECT_EQ(overrides.data["overrides"][0]["item"], "1.3.1");
  EXPECT_EQ(overrides.data["overrides"][0]["reason"], "Leeds follows the council's policy");
  EXPECT_EQ(overrides.data["overrides"][0]["by"], "Sam Patel");
  auto progress = hq("progress", "--branch", "VLAXL");
  ASSERT_EQ(progress.code, 0) << progress.err;
  EXPECT_EQ(progress.data["branches"][0]["overrides"], 1);
  EXPECT_EQ(progress.data["branches"][0]["override_list"][0]["item"], "1.3.1");

  // Head office's answer stays head office's; York (no override) still sees it.
  auto york = server_.enrol(stores_ / "york", "Ann Lee", "VM2B3", Role::member);
  auto york_view = york->view();
  ASSERT_TRUE(york_view);
  EXPECT_EQ(york_view->answers.at("1.1.1").value.text, "ZA123456");
  EXPECT_FALSE(york_view->answers.count("1.3.1")) << "head office has not answered 1.3.1; Leeds' answer is Leeds' own";

  // Sharing is head office's decision: an item made per-branch stops coming from head office.
  auto unshared = hq("sharing", "set", "1.1.1", "branch");
  ASSERT_EQ(unshared.code, 0) << unshared.err;
  ASSERT_TRUE(client::sync_once(*york));
  york_view = york->view();
  ASSERT_TRUE(york_view);
  EXPECT_FALSE(york_view->shared_items.count("1.1.1"));
  EXPECT_FALSE(york_view->answers.count("1.1.1"));
  auto as_member = york->set_override("1.1.1", "members may record practice");  // allowed: evidence, not sharing
  EXPECT_TRUE(as_member);
}

TEST_F(HeadOfficeFlow, PublishIsRefusedWithEveryProblemThenMadeOnceForTheReadyBranches) {
  auto leeds = server_.enrol(stores_ / "leeds", "Sam Patel", "VLAXL", Role::admin);
  auto york = server_.enrol(stores_ / "york", "Ann Lee", "VM2B3", Role::admin);
  auto hull = server_.enrol(stores_ / "hull", "Joe Bloggs", "VN4C5", Role::admin);
  complete_shared();
  for (auto* site : {leeds.get(), york.get(), hull.get()}) ASSERT_TRUE(client::sync_once(*site));

  answer_all(*leeds);  // everything: Standards Met
  confirm_own(*leeds);
  // York answers the Approaching Standards set and plans the rest: Approaching Standards.
  auto york_view = york->view();
  ASSERT_TRUE(york_view);
  std::set<std::string> york_gaps;
  for (const auto& item : york->catalogue().items())
    if (item.approaching == ApproachingFlag::no && !york_view->shared_items.count(item.id)) york_gaps.insert(item.id);
  ASSERT_FALSE(york_gaps.empty());
  answer_all(*york, york_gaps);
  confirm_own(*york);
  // Hull has answered nothing of its own.
  for (auto* site : {leeds.get(), york.get(), hull.get()}) ASSERT_TRUE(client::sync_once(*site));

  // York lacks the plan Approaching Standards needs; Hull is far off: refused as a whole, every
  // problem by branch, item and group; nothing recorded.
  auto refused = hq("publish", "--year", "2021-22", "--branches", "VLAXL,VM2B3,VN4C5");
  EXPECT_EQ(refused.code, 3) << refused.out;
  EXPECT_FALSE(refused.data["published"]);
  ASSERT_EQ(refused.data["sites"].size(), 3u);
  EXPECT_TRUE(refused.data["sites"][0]["ready"]);
  EXPECT_EQ(refused.data["sites"][0]["status"], "met");
  EXPECT_FALSE(refused.data["sites"][1]["ready"]);
  EXPECT_FALSE(refused.data["sites"][2]["ready"]);
  bool plan_problem = false;
  for (const auto& problem : refused.data["sites"][1]["problems"])
    plan_problem |= problem["message"].get<std::string>().find("improvement plan") != std::string::npos &&
                    york_gaps.count(problem["item"].get<std::string>()) && !problem["group"].get<std::string>().empty();
  EXPECT_TRUE(plan_problem) << refused.data["sites"][1]["problems"].dump();
  bool names_item_and_group = false;
  for (const auto& problem : refused.data["sites"][2]["problems"])
    names_item_and_group |= problem["message"].get<std::string>().find("Please complete mandatory requirement") !=
                            std::string::npos;
  EXPECT_TRUE(names_item_and_group);
  EXPECT_NE(refused.err.find("nothing was recorded"), std::string::npos) << refused.err;
  EXPECT_EQ(hq("publications").data["publications"].size(), 0u);

  // Bad input: clear errors, nothing recorded.
  EXPECT_EQ(hq("publish", "--year", "2021-22", "--branches", "VZZZZ").code, exit_code_for(ErrorKind::not_found));
  EXPECT_EQ(hq("publish", "--year", "2019-20", "--branches", "VLAXL").code, exit_code_for(ErrorKind::not_found));
  EXPECT_NE(hq("publish", "--year", "21-22", "--branches", "VLAXL").code, 0);
  ASSERT_EQ(hq("user", "add", "Tom Member", "--role", "member").code, 0);
  auto member = hq("publish", "--year", "2021-22", "--branches", "VLAXL", "--as", "Tom Member");
  EXPECT_EQ(member.code, 3) << member.err;
  EXPECT_NE(member.err.find("only administrators publish"), std::string::npos) << member.err;
  EXPECT_EQ(hq("publications").data["publications"].size(), 0u);

  // York adds the plan; then Leeds and York publish, each with its own status; Hull is left out.
  for (const auto& id : york_gaps)
    ASSERT_TRUE(york->set_plan(id, "Train the team", "Ann Lee", "2022-05-31", std::string("open"))) << id;
  ASSERT_TRUE(client::sync_once(*york));
  auto published = hq("publish", "--year", "2021-22", "--branches", "VLAXL,VM2B3");
  ASSERT_EQ(published.code, 0) << published.out << published.err;
  EXPECT_TRUE(published.data["published"]);
  // A sign-off here, not the NHS publication: said in the JSON; 2021-22's deadline has long passed.
  EXPECT_EQ(published.data["hand_off"], service::kNhsHandOff);
  ASSERT_EQ(published.data["warnings"].size(), 1u) << published.out;
  EXPECT_NE(published.data["warnings"][0].get<std::string>().find("the 2021-22 deadline (30 June 2022) has passed"),
            std::string::npos);
  const auto& sites = published.data["publication"]["sites"];
  ASSERT_EQ(sites.size(), 2u);
  EXPECT_EQ(sites[0]["ods"], "VLAXL");
  EXPECT_EQ(sites[0]["public_status"], "21/22 Standards Met");
  EXPECT_EQ(sites[1]["ods"], "VM2B3");
  EXPECT_EQ(sites[1]["public_status"], "21/22 Approaching Standards");
  EXPECT_EQ(sites[0]["answers_hash"].get<std::string>().size(), 64u);
  EXPECT_NE(sites[0]["answers_hash"], sites[1]["answers_hash"]);

  auto list = hq("publications");
  ASSERT_EQ(list.data["publications"].size(), 1u);
  EXPECT_EQ(list.data["publications"][0]["published_by"], "Priya Shah");
  EXPECT_EQ(list.data["publications"][0]["year"], "2021-22");

  // A second Approaching Standards is refused: the next publication must reach Standards Met.
  auto second = hq("publish", "--year", "2021-22", "--branches", "VM2B3");
  EXPECT_EQ(second.code, 3);
  EXPECT_NE(second.out.find("already published Approaching Standards"), std::string::npos) << second.out;
  EXPECT_EQ(hq("publications").data["publications"].size(), 1u);
  // --all-ready picks the branches that can be published now: Leeds only.
  auto dry = hq("publish", "--year", "2021-22", "--all-ready", "--dry-run");
  ASSERT_EQ(dry.code, 0) << dry.err;
  ASSERT_EQ(dry.data["sites"].size(), 1u);
  EXPECT_EQ(dry.data["sites"][0]["ods"], "VLAXL");

  // Branches learn their status at their next sync; progress shows it.
  ASSERT_TRUE(client::sync_once(*leeds));
  auto progress = branch_cli(stores_ / "leeds", "progress");
  ASSERT_EQ(progress.code, 0) << progress.err;
  EXPECT_EQ(progress.data["published"]["public_status"], "21/22 Standards Met");
  auto hull_progress = branch_cli(stores_ / "hull", "progress");
  EXPECT_TRUE(hull_progress.data["published"].is_null());
  EXPECT_FALSE(hq("progress", "--branch", "VLAXL").data["branches"][0]["published"].is_null());

  // The public look-up: the status and date, and the note that this is the organisation's own record.
  auto looked_up = http("GET /status/vlaxl HTTP/1.1");
  ASSERT_EQ(looked_up.code, 0) << looked_up.err;
  EXPECT_EQ(looked_up.out.rfind("HTTP/1.1 200", 0), 0u) << looked_up.out;
  EXPECT_NE(looked_up.out.find("Content-Type: application/json"), std::string::npos);
  const auto status = body_of(looked_up);
  EXPECT_EQ(status, (nlohmann::json{{"ods", "VLAXL"},
                                    {"status", "21/22 Standards Met"},
                                    {"year", "2021-22"},
                                    {"published", date_of(now_ms()).iso()},
                                    {"source", "sign_off"},
                                    {"record", server::kPublicStatusRecordNote}}))
      << status.dump();
  EXPECT_EQ(body_of(http("GET /status/VM2B3 HTTP/1.1"))["status"], "21/22 Approaching Standards");
  auto unpublished = http("GET /status/VN4C5 HTTP/1.1");
  EXPECT_EQ(unpublished.out.rfind("HTTP/1.1 404", 0), 0u);
  EXPECT_EQ(body_of(unpublished), (nlohmann::json{{"ods", "VN4C5"}, {"status", "Not Published"}, {"record", server::kPublicStatusRecordNote}}));
  // A code that is not a branch here reads the same: the look-up does not reveal the branch list.
  EXPECT_EQ(body_of(http("GET /status/VQ9Q9 HTTP/1.1")), (nlohmann::json{{"ods", "VQ9Q9"}, {"status", "Not Published"}, {"record", server::kPublicStatusRecordNote}}));
  EXPECT_EQ(http("GET /status/not-a-code HTTP/1.1").out.rfind("HTTP/1.1 400", 0), 0u);
  EXPECT_EQ(http("POST /status/VLAXL HTTP/1.1", "Content-Length: 0\r\n").out.rfind("HTTP/1.1 405", 0), 0u);
  EXPECT_EQ(http("GET /answers HTTP/1.1").out.rfind("HTTP/1.1 404", 0), 0u);
  auto oversized = http("GET /status/VLAXL HTTP/1.1", "X-Padding: " + std::string(64 * 1024, 'a') + "\r\n");
  EXPECT_EQ(oversized.out.find("21/22"), std::string::npos) << "an oversized request is not answered";
  ASSERT_TRUE(client::sync_once(*hull)) << "devices still sync on the same port";

  // The certificate names the organisation, the branch, its status and the date.
  const auto certificate = scratch_.path() / "leeds.html";
  auto printed = hq("certificate", "--publication", "1", "--branch", "VLAXL", "--out", certificate.string());
  ASSERT_EQ(printed.code, 0) << printed.err;
  const std::string html = read_text_file(certificate);
  for (const char* expected : {"Acme Care Group", "Leeds", "VLAXL", "21/22 Standards Met"})
    EXPECT_NE(html.find(expected), std::string::npos) << expected;
  EXPECT_NE(html.find(date_of(now_ms()).iso()), std::string::npos);
  // Asking for one that is not there says so, and how to find what is.
  const auto elsewhere = (scratch_.path() / "none.html").string();
  auto no_publication = hq("certificate", "--publication", "9", "--branch", "VLAXL", "--out", elsewhere);
  EXPECT_EQ(no_publication.code, exit_code_for(ErrorKind::not_found));
  EXPECT_NE(no_publication.err.find("there is no publication 9; 'dsptsync-server publications' lists them"),
            std::string::npos) << no_publication.err;
  auto not_in_it = hq("certificate", "--publication", "1", "--branch", "VN4C5", "--out", elsewhere);
  EXPECT_EQ(not_in_it.code, exit_code_for(ErrorKind::not_found));
  EXPECT_NE(not_in_it.err.find("VN4C5 is not in publication 1; 'dsptsync-server publications' shows which sites each "
                               "covers"),
            std::string::npos) << not_in_it.err;
  auto which = hq("certificate", "--publication", "1", "--out", elsewhere);
  EXPECT_EQ(which.code, exit_code_for(ErrorKind::invalid_input));
  EXPECT_NE(which.err.find("publication 1 covers 2 sites; say which with --branch"), std::string::npos) << which.err;
  EXPECT_FALSE(std::filesystem::exists(elsewhere));
  // The record cannot be changed, whoever tries.
  auto office = server_.admin();
  auto before = office->publications();
  ASSERT_TRUE(before);
  EXPECT_EQ(std::system(("sqlite3 " + shell_quote((server_.data() / "server.db").string()) +
                         " \"UPDATE publication_sites SET status = 'exceeded'\" 2>/dev/null")
                            .c_str()) == 0,
            false);
  auto after = office->publications();
  ASSERT_TRUE(after);
  EXPECT_EQ(after->front().sites.front().status, "met");
}

TEST_F(HeadOfficeFlow, TheNhsPublicationIsRecordedOnceDoneAndIsWhatTheLookUpThenShows) {
  // Nothing recorded: the look-up and progress say so.
  EXPECT_EQ(hq("publications").data["nhs_publications"].size(), 0u);
  EXPECT_TRUE(hq("progress", "--branch", "VLAXL").data["branches"][0]["nhs_published"].is_null());

  // Bad input: the detail at fault named, nothing recorded. Each case changes one detail of a good entry.
  ASSERT_EQ(hq("user", "add", "Tom Member", "--role", "member").code, 0);
  struct Refusal {
    std::string site, on, status, as;
    ErrorKind kind;
    std::string words;
  };
  const std::vector<Refusal> refusals = {
      {"VZZZZ", "2026-06-20", "Standards Met", "", ErrorKind::not_found, "site: there is no branch VZZZZ"},
      {"VLAXL", "2026-02-30", "Standards Met", "", ErrorKind::invalid_input,
       "published_on: '2026-02-30' is not a real date"},
      {"VLAXL", "2099-06-20", "Standards Met", "", ErrorKind::invalid_input, "is in the future"},
      {"VLAXL", "2025-01-20", "Standards Met", "", ErrorKind::invalid_input,
       "is before the 2025-26 year began (1 April 2025)"},
      {"VLAXL", "2026-06-20", "Met-ish", "", ErrorKind::invalid_input, "status: 'Met-ish' is not a status"},
      {"VLAXL", "2026-06-20", "Standards Not Met", "", ErrorKind::invalid_input,
       "status: Standards Not Met is what the NHS website shows before"},
      {"VLAXL", "2026-06-20", "Standards Met", "Tom Member", ErrorKind::refused,
       "record a publication on the NHS website"}};
  for (const auto& refusal : refusals) {
    auto run = refusal.as.empty() ? hq("nhs-published", refusal.site, "--year", "2025-26", "--on", refusal.on,
                                       "--status", refusal.status)
                                  : hq("nhs-published", refusal.site, "--year", "2025-26", "--on", refusal.on,
                                       "--status", refusal.status, "--as", refusal.as);
    EXPECT_EQ(run.code, exit_code_for(refusal.kind)) << refusal.words << ": " << run.out << run.err;
    EXPECT_NE(run.err.find(refusal.words), std::string::npos) << run.err;
  }
  EXPECT_EQ(hq("publications").data["nhs_publications"].size(), 0u);
  EXPECT_EQ(body_of(http("GET /status/VLAXL HTTP/1.1"))["status"], "Not Published");

  // Recorded as the NHS website shows it; never signed off here, which is worth a warning.
  auto recorded =
      hq("nhs-published", "vlaxl", "--year", "2025/26", "--on", "2026-06-20", "--status", "25/26 standards met");
  ASSERT_EQ(recorded.code, 0) << recorded.err;
  EXPECT_EQ(recorded.data["recorded"]["ods"], "VLAXL");
  EXPECT_EQ(recorded.data["recorded"]["name"], "Leeds");
  EXPECT_EQ(recorded.data["recorded"]["year"], "2025-26");
  EXPECT_EQ(recorded.data["recorded"]["status"], "met");
  EXPECT_EQ(recorded.data["recorded"]["public_status"], "25/26 Standards Met");
  EXPECT_EQ(recorded.data["recorded"]["recorded_by"], "Priya Shah");
  ASSERT_EQ(recorded.data["warnings"].size(), 1u) << recorded.out;
  EXPECT_NE(recorded.data["warnings"][0].get<std::string>().find("has no sign-off for 2025-26"), std::string::npos);

  // The look-up now shows it, said to be head office's record of the NHS publication.
  const auto status = body_of(http("GET /status/VLAXL HTTP/1.1"));
  EXPECT_EQ(status, (nlohmann::json{{"ods", "VLAXL"},
                                    {"status", "25/26 Standards Met"},
                                    {"year", "2025-26"},
                                    {"published", "2026-06-20"},
                                    {"source", "nhs_website"},
                                    {"record", server::kNhsPublicationRecordNote}}))
      << status.dump();
  auto progress = hq("progress", "--branch", "VLAXL");
  EXPECT_EQ(progress.data["branches"][0]["nhs_published"]["public_status"], "25/26 Standards Met");
  // What people read says it too (the command without --json).
  const auto text_of = [&](const std::vector<std::string>& args) {
    return run_program(shell_quote(DSPTSYNC_SERVER_CLI) + " --data " + shell_quote(server_.data().string()), args,
                       scratch_.path());
  };
  const auto progress_text = text_of({"progress", "--branch", "VLAXL"});
  EXPECT_NE(progress_text.out.find("On the NHS website: 25/26 Standards Met, published 2026-06-20"), std::string::npos)
      << progress_text.out;

  // A typing mistake is corrected by recording again: the newer record of the year is the one shown,
  // and both are kept.
  auto corrected = hq("nhs-published", "VLAXL", "--year", "2025-26", "--on", "2026-06-21", "--status", "exceeded");
  ASSERT_EQ(corrected.code, 0) << corrected.err;
  EXPECT_EQ(body_of(http("GET /status/VLAXL HTTP/1.1"))["status"], "25/26 Standards Exceeded");
  auto list = hq("publications");
  ASSERT_EQ(list.data["nhs_publications"].size(), 2u);
  EXPECT_EQ(list.data["nhs_publications"][1]["published_on"], "2026-06-21");
  EXPECT_EQ(list.data["nhs_publications"][0]["current"], false) << "corrected by the later record";
  EXPECT_EQ(list.data["nhs_publications"][1]["current"], true);
  const auto list_text = text_of({"publications"});
  EXPECT_NE(list_text.out.find("On the NHS website, as recorded by head office:\n  VLAXL  25/26 Standards Met, "
                               "published 2026-06-20  (Leeds; recorded by Priya Shah)  [corrected by a later record]"),
            std::string::npos)
      << list_text.out;
  // York has none: still not published, whatever Leeds has.
  EXPECT_EQ(body_of(http("GET /status/VM2B3 HTTP/1.1"))["status"], "Not Published");

  // The records cannot be changed, whoever tries.
  EXPECT_NE(std::system(("sqlite3 " + shell_quote((server_.data() / "server.db").string()) +
                         " \"UPDATE nhs_publications SET status = 'approaching'\" 2>/dev/null")
                            .c_str()),
            0);
  EXPECT_EQ(hq("publications").data["nhs_publications"][1]["status"], "exceeded");
}

TEST_F(HeadOfficeFlow, SyncNamesTheConflictsItBroughtAndSaysWhatToDoWhenHeadOfficeIsAway) {
  auto sam = server_.enrol(stores_ / "sam", "Sam Patel", "VLAXL", Role::admin);
  auto ann = server_.enrol(stores_ / "ann", "Ann Lee", "VLAXL", Role::member);
  // A yes/no item Leeds answers itself.
  auto view = sam->view();
  ASSERT_TRUE(view);
  std::string item;
  for (const auto& each : sam->catalogue().items())
    if (item.empty() && each.type == AnswerType::yes_no && !view->shared_items.count(each.id)) item = each.id;
  ASSERT_FALSE(item.empty());

  // Sam and Ann answer it differently, neither having seen the other's: Ann's sync brings the conflict.
  ASSERT_TRUE(sam->answer(item, "yes", "", std::nullopt));
  ASSERT_TRUE(client::sync_once(*sam));
  ASSERT_TRUE(ann->answer(item, "no", "", std::nullopt));
  auto synced = branch_cli(stores_ / "ann", "sync");
  ASSERT_EQ(synced.code, 0) << synced.err;
  ASSERT_EQ(synced.data["new_conflicts"].size(), 1u) << synced.out;
  EXPECT_EQ(synced.data["new_conflicts"][0]["target"], item);
  EXPECT_EQ(synced.data["new_conflicts"][0]["field"], "answer");
  EXPECT_NE(synced.data["new_conflicts"][0]["summary"].get<std::string>().find(item), std::string::npos);
  // A sync that brings nothing new names nothing, though the conflict is still open.
  EXPECT_EQ(branch_cli(stores_ / "ann", "sync").data["new_conflicts"].size(), 0u);
  // At a terminal each step is said as it starts (on stderr); --json keeps to the result.
  const CliRun said = run_program(shell_quote(DSPTSYNC_CLI) + " --store " + shell_quote((stores_ / "ann").string()),
                                  {"sync"}, scratch_.path());
  ASSERT_EQ(said.code, 0) << said.err;
  for (const char* step : {"Connecting to head office at ws://127.0.0.1:", "Connected. Sending this laptop's changes",
                           "Receiving changes from head office"})
    EXPECT_NE(said.err.find(step), std::string::npos) << step << ": " << said.err;
  EXPECT_NE(said.out.find("Synced: "), std::string::npos) << said.out;
  EXPECT_EQ(synced.err.find("Connecting"), std::string::npos) << "--json: " << synced.err;

  // Head office away: what happened, that nothing is lost, and what to check.
  ASSERT_TRUE(ann->comment(item, "Checked the cabinet"));
  server_.stop();
  auto away = branch_cli(stores_ / "ann", "sync");
  EXPECT_EQ(away.code, exit_code_for(ErrorKind::network)) << away.err;
  for (const char* words : {"Head office could not be reached (", "Your changes are safe on this computer: 1 change(s)",
                            "ask head office whether its server is running"})
    EXPECT_NE(away.err.find(words), std::string::npos) << words << ": " << away.err;
}

TEST_F(HeadOfficeFlow, ExportsOpenAndHoldTheRows) {
  auto leeds = server_.enrol(stores_ / "leeds", "Sam Patel", "VLAXL", Role::admin);
  ASSERT_EQ(hq("answer", "1.1.1", "ZA123456").code, 0);
  ASSERT_TRUE(client::sync_once(*leeds));
  ASSERT_TRUE(leeds->answer("7.3.4", "yes", "", std::string("Tested in May, café & <all> staff")));
  ASSERT_TRUE(client::sync_once(*leeds));

  const auto xlsx = scratch_.path() / "leeds.xlsx";
  auto exported = hq("export", "--branch", "VLAXL", "--out", xlsx.string());
  ASSERT_EQ(exported.code, 0) << exported.err;
  EXPECT_EQ(exported.data["rows"], 42);
  // Opened with a reader that is not ours: Python's zipfile, the sheet and its shared strings.
  const std::string script =
      "import sys, zipfile\n"
      "z = zipfile.ZipFile(sys.argv[1])\n"
      "sheet = z.read('xl/worksheets/sheet1.xml').decode()\n"
      "strings = z.read('xl/sharedStrings.xml').decode()\n"
      "print(sheet.count('<row '), 'ZA123456' in strings, 'Priya Shah' in strings, 'Sam Patel' in strings,"
      " 'café &amp; &lt;all&gt; staff' in strings, 'shared' in strings)\n";
  std::ofstream(scratch_.path() / "read.py") << script;
  auto read = run_program("python3 " + shell_quote((scratch_.path() / "read.py").string()), {xlsx.string()},
                          scratch_.path());
  ASSERT_EQ(read.code, 0) << read.err;
  EXPECT_EQ(read.out, "43 True True True True True\n") << "a header row and 42 item rows";

  // The same assessment as CSV and JSON, from head office and from the branch's own laptop.
  const auto csv = scratch_.path() / "leeds.csv";
  ASSERT_EQ(hq("export", "--branch", "VLAXL", "--out", csv.string()).code, 0);
  EXPECT_NE(read_text_file(csv).find("ZA123456"), std::string::npos);
  const auto json_file = scratch_.path() / "mine.json";
  auto mine = branch_cli(stores_ / "leeds", "export", "--out", json_file.string());
  ASSERT_EQ(mine.code, 0) << mine.err;
  auto parsed = nlohmann::json::parse(read_text_file(json_file));
  ASSERT_EQ(parsed["items"].size(), 42u);
  for (const auto& row : parsed["items"]) {
    if (row["id"] == "1.1.1") {
      EXPECT_EQ(row["answer"], "ZA123456");
      EXPECT_EQ(row["scope"], "shared");
      EXPECT_EQ(row["changed_by"], "Priya Shah");
    }
    if (row["id"] == "7.3.4") {
      EXPECT_EQ(row["scope"], "branch");
    }
  }
  // The improvement plan as a workbook too.
  ASSERT_EQ(hq("plan", "set", "9.5.2", "--branch", "VLAXL", "--action", "Encrypt laptops", "--owner", "Sam Patel",
               "--due", "2022-05-01").code,
            0);
  const auto plan = scratch_.path() / "plan.xlsx";
  auto plan_export = hq("export", "--branch", "VLAXL", "--plan", "--out", plan.string());
  ASSERT_EQ(plan_export.code, 0) << plan_export.err;
  EXPECT_EQ(plan_export.data["rows"], 1);
  // A wrong format or folder is a clear error, and writes nothing.
  EXPECT_EQ(hq("export", "--out", (scratch_.path() / "x.pdf").string()).code, exit_code_for(ErrorKind::invalid_input));
  EXPECT_NE(hq("export", "--out", (scratch_.path() / "missing" / "x.csv").string()).code, 0);
  EXPECT_FALSE(std::filesystem::exists(scratch_.path() / "missing"));
}

TEST_F(HeadOfficeFlow, ConfirmationsAndEditsFollowTheRules) {
  // Viewers and members at the console are held to the same rules as devices.
  ASSERT_EQ(hq("user", "add", "Val Viewer", "--role", "viewer").code, 0);
  ASSERT_EQ(hq("user", "add", "Tom Member", "--role", "member").code, 0);
  EXPECT_EQ(hq("answer", "1.1.1", "ZA1", "--as", "Val Viewer").code, 3);
  EXPECT_EQ(hq("confirm", "1.4", "--as", "Tom Member").code, 3);
  EXPECT_EQ(hq("answer", "1.1.1", "ZA1", "--as", "Nobody").code, exit_code_for(ErrorKind::not_found));
  EXPECT_EQ(hq("answer", "99.1.1", "yes").code, exit_code_for(ErrorKind::invalid_input));
  EXPECT_EQ(hq("answer", "2.1.1", "perhaps").code, exit_code_for(ErrorKind::invalid_input));
  EXPECT_EQ(hq("confirm", "1.1", "--branch", "VZZZZ").code, exit_code_for(ErrorKind::not_found));
  // A shared-only assertion is head office's to confirm; a branch's own, the branch's (or HQ's for it).
  EXPECT_EQ(hq("confirm", "1.4", "--branch", "VLAXL").code, 3) << "1.4 rests on shared answers only";
  auto for_branch = hq("confirm", "7.3", "--branch", "VLAXL");
  ASSERT_EQ(for_branch.code, 0) << for_branch.err;
  // Recorded, with the items Leeds has not answered named: confirming vouches for them.
  ASSERT_EQ(for_branch.data["warnings"].size(), 1u) << for_branch.out;
  const std::string warning = for_branch.data["warnings"][0];
  EXPECT_NE(warning.find("of assertion 7.3,"), std::string::npos) << warning;
  EXPECT_NE(warning.find("not answered yet"), std::string::npos) << warning;
  auto leeds = server_.enrol(stores_ / "leeds", "Sam Patel", "VLAXL", Role::member);
  auto view = leeds->view();
  ASSERT_TRUE(view);
  EXPECT_TRUE(view->confirmed.count("7.3"));
  EXPECT_TRUE(view->shared_assertions.count("1.4"));
  EXPECT_FALSE(view->confirmed.count("1.4"));
  ASSERT_EQ(hq("confirm", "1.4").code, 0);
  ASSERT_TRUE(client::sync_once(*leeds));
  view = leeds->view();
  ASSERT_TRUE(view);
  EXPECT_TRUE(view->confirmed.count("1.4")) << "head office's confirmation holds for every branch";
  // A branch administrator's laptop refuses what would not be used, rather than saying "Confirmed".
  auto leeds_admin = server_.enrol(stores_ / "leeds-admin", "Lee Admin", "VLAXL", Role::admin);
  const auto changes_before = *leeds_admin->store().change_count();
  auto no_effect = leeds_admin->confirm("1.4", false);
  ASSERT_FALSE(no_effect);
  EXPECT_EQ(no_effect.error().kind, ErrorKind::refused);  // exit code 3
  EXPECT_NE(no_effect.error().message.find("head office confirms it once"), std::string::npos)
      << no_effect.error().message;
  EXPECT_FALSE(leeds_admin->set_owner("1.4", "Lee Admin"));
  EXPECT_EQ(*leeds_admin->store().change_count(), changes_before) << "nothing recorded";
  EXPECT_TRUE(leeds_admin->confirm("7.3", false)) << "the branch's own assertion stays the branch's";
  // A device cannot decide sharing, nor put an override in head office's assessment.
  auto hq_member = server_.enrol(stores_ / "hq-member", "Mo Member", "", Role::member);
  ASSERT_TRUE(hq_member->ledger().record(
      Edit{FieldKey{"A1B2", "2021-22", TargetKind::item, "1.1.1", Field::sharing}, FieldValue{"branch", ""}}));
  auto refused = client::sync_once(*hq_member);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("only head office administrators decide what is shared"), std::string::npos)
      << refused.error().message;
  // Every console edit is in the audit trail, signed by the server, and verifies.
  auto audit = hq("audit", "--verify");
  EXPECT_EQ(audit.code, 0) << audit.out << audit.err;
}

TEST_F(HeadOfficeFlow, TheOrganisationRollsForwardAndBranchesFollowWithTheirOfflineEdits) {
  auto leeds = server_.enrol(stores_ / "leeds", "Sam Patel", "VLAXL", Role::admin);
  ASSERT_EQ(hq("answer", "2.1.2", "yes").code, 0);  // shared in both years: 2.1.2 becomes 2.2.1
  ASSERT_EQ(hq("sharing", "set", "1.3.2", "shared").code, 0);
  ASSERT_TRUE(leeds->answer("7.3.4", "yes", "", std::nullopt));
  ASSERT_TRUE(client::sync_once(*leeds));
  ASSERT_TRUE(leeds->answer("9.5.2", "yes", "", std::nullopt));  // offline during the roll-forward

  auto dry = hq("rollforward", "--to", "2023-24", "--dry-run");
  ASSERT_EQ(dry.code, 0) << dry.err;
  EXPECT_FALSE(dry.data["applied"]);
  auto moved = hq("rollforward", "--to", "2023-24");
  ASSERT_EQ(moved.code, 0) << moved.err;
  EXPECT_TRUE(moved.data["applied"]);
  bool renamed = false;
  for (const auto& pair : moved.data["renamed"]) renamed |= pair["from"] == "2.1.2" && pair["to"] == "2.2.1";
  EXPECT_TRUE(renamed);
  EXPECT_EQ(hq("rollforward", "--to", "2023-24").code, exit_code_for(ErrorKind::invalid_input)) << "once";

  auto synced = client::sync_once(*leeds);
  ASSERT_TRUE(synced) << synced.error().message;
  EXPECT_EQ(leeds->year().label(), "2023-24");
  EXPECT_EQ(synced->pending, 0);
  auto view = leeds->view();
  ASSERT_TRUE(view);
  EXPECT_EQ(view->answers.at("2.2.1").value.text, "yes");  // head office's, renamed
  EXPECT_TRUE(view->shared_items.count("2.2.1"));
  EXPECT_TRUE(view->shared_items.count("1.3.2")) << "head office's sharing choice carried";
  EXPECT_EQ(view->answers.at("7.3.4").value.text, "yes");  // carried by head office
  EXPECT_EQ(view->answers.at("9.5.2").value.text, "yes");  // carried by the laptop: made offline
  EXPECT_TRUE(view->conflicts.empty());
  auto progress = hq("progress", "--branch", "VLAXL");
  EXPECT_EQ(progress.data["organisation"]["year"], "2023-24");
  EXPECT_EQ(progress.data["branches"][0]["year"], "2023-24");
}

}  // namespace
}  // namespace dsptsync::testing
