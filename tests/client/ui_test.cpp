// `dsptsync ui`: the web app served from a laptop's own store on 127.0.0.1. Real stores (one made
// offline with init, others enrolled with a real head office server on loopback), the listener
// in-process on a port the OS picks, and a plain HTTP/1.1 client of raw bytes over TCP; then the
// real `dsptsync ui` program, started, signed into and stopped by a signal.
#include "../common/child_process.h"
#include "../common/cli_runner.h"
#include "../common/test_support.h"
#include "../server/fixture.h"

#include "dsptsync/client/ui_server.h"
#include "dsptsync/client/workspace.h"
#include "dsptsync/limits.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <future>
#include <map>
#include <string>
#include <thread>

namespace dsptsync {
namespace {

using json = nlohmann::json;
using protocol::Role;
using testing::RunningServer;
using testing::TempDir;

constexpr auto kStep = std::chrono::seconds(10);  // no exchange of a test may take longer

struct Reply {
  int status = 0;
  std::multimap<std::string, std::string> headers;  // names in lower case
  std::string body;
  std::string header(const std::string& name) const {
    auto found = headers.find(name);
    return found == headers.end() ? "" : found->second;
  }
  json parsed() const { return json::parse(body, nullptr, false); }
};

// Sends raw bytes on a new connection and returns everything the server sends until it closes
// the connection (or kStep passes).
std::string raw_exchange(std::uint16_t port, const std::string& request) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error("no socket");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    ::close(fd);
    throw std::runtime_error("cannot connect to 127.0.0.1:" + std::to_string(port));
  }
  std::string_view left = request;
  while (!left.empty()) {
    const auto sent = ::send(fd, left.data(), left.size(), MSG_NOSIGNAL);
    if (sent <= 0) break;
    left.remove_prefix(static_cast<std::size_t>(sent));
  }
  std::string received;
  const auto deadline = std::chrono::steady_clock::now() + kStep;
  for (;;) {
    const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    pollfd waiting{fd, POLLIN, 0};
    if (wait.count() <= 0 || ::poll(&waiting, 1, static_cast<int>(wait.count())) <= 0) break;
    char chunk[16384];
    const auto got = ::recv(fd, chunk, sizeof chunk, 0);
    if (got <= 0) break;
    received.append(chunk, static_cast<std::size_t>(got));
  }
  ::close(fd);
  return received;
}

std::size_t count_of(const std::string& text, const std::string& part) {
  std::size_t count = 0;
  for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + part.size())) ++count;
  return count;
}

// One request on its own connection (Connection: close), answered whole within kStep.
Reply http(std::uint16_t port, const std::string& method, const std::string& target,
           const std::map<std::string, std::string>& headers = {}, const std::string& body = "") {
  std::string request = method + " " + target + " HTTP/1.1\r\n";
  std::map<std::string, std::string> all = {{"Host", "127.0.0.1:" + std::to_string(port)}, {"Connection", "close"}};
  for (const auto& [name, value] : headers) all[name] = value;
  if (!body.empty() || method == "PUT" || method == "POST") {
    if (!all.count("Content-Length")) all["Content-Length"] = std::to_string(body.size());
    if (!all.count("Content-Type")) all["Content-Type"] = "application/json";
  }
  for (const auto& [name, value] : all)
    if (!value.empty()) request += name + ": " + value + "\r\n";
  request += "\r\n" + body;

  const std::string received = raw_exchange(port, request);

  Reply reply;
  const auto end = received.find("\r\n\r\n");
  if (received.rfind("HTTP/1.1 ", 0) != 0 || end == std::string::npos) return reply;  // status 0: no answer
  reply.status = std::stoi(received.substr(9, 3));
  std::size_t line = received.find("\r\n") + 2;
  while (line < end) {
    const auto line_end = received.find("\r\n", line);
    const std::string text = received.substr(line, line_end - line);
    line = line_end + 2;
    const auto colon = text.find(':');
    std::string name = text.substr(0, colon);
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string value = text.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.erase(0, 1);
    reply.headers.emplace(name, value);
  }
  reply.body = received.substr(end + 4);
  return reply;
}

// `dsptsync ui`'s listener on a store, in a thread of the test, on a port the OS picks.
class RunningUi {
 public:
  explicit RunningUi(const std::filesystem::path& store) {
    auto workspace = client::Workspace::open(store, std::nullopt);
    if (!workspace) throw std::runtime_error(workspace.error().message);
    workspace_ = std::move(*workspace);
    std::promise<std::pair<std::uint16_t, std::string>> listening;
    auto ready = listening.get_future();
    thread_ = std::thread([this, &listening] {
      client::UiServeOptions options;
      options.stop_requested = &stop_;
      options.sync_timeout = std::chrono::seconds(5);
      options.on_listening = [&](std::uint16_t port, const std::string& link) { listening.set_value({port, link}); };
      result_ = client::serve_ui(*workspace_, options);
      if (!result_) listening.set_exception(std::make_exception_ptr(std::runtime_error(result_.error().message)));
    });
    if (ready.wait_for(kStep) != std::future_status::ready) throw std::runtime_error("dsptsync ui is not listening");
    std::tie(port_, link_) = ready.get();
  }
  ~RunningUi() { stop(); }

  void stop() {
    if (!thread_.joinable()) return;
    stop_ = true;
    thread_.join();
  }

  std::uint16_t port() const { return port_; }
  const std::string& link() const { return link_; }
  // The link's path and query, as the browser asks for it.
  std::string link_target() const { return link_.substr(link_.find('/', std::string("http://").size())); }
  Status result() const { return result_; }

 private:
  std::unique_ptr<client::Workspace> workspace_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::uint16_t port_ = 0;
  std::string link_;
  Status result_;
};

// A browser signed in through the link: its session cookie and CSRF token.
struct Browser {
  std::uint16_t port = 0;
  std::string cookie;
  std::string csrf;

  Reply get(const std::string& target) const { return http(port, "GET", target, {{"Cookie", cookie}}); }
  Reply change(const std::string& method, const std::string& target, const json& body) const {
    return http(port, method, target, {{"Cookie", cookie}, {"X-CSRF-Token", csrf}}, body.dump());
  }
};

Browser sign_in(const RunningUi& ui) {
  Reply redeemed = http(ui.port(), "GET", ui.link_target());
  EXPECT_EQ(redeemed.status, 303) << redeemed.body;
  const std::string set_cookie = redeemed.header("set-cookie");
  Browser browser{ui.port(), set_cookie.substr(0, set_cookie.find(';')), ""};
  Reply session = browser.get("/api/session");
  EXPECT_EQ(session.status, 200) << session.body;
  browser.csrf = session.parsed().value("csrf", "");
  return browser;
}

const json& item_of(const json& assessment, const std::string& id) {
  for (const auto& group : assessment["groups"])
    for (const auto& item : group["items"])
      if (item["id"] == id) return item;
  throw std::runtime_error("no item " + id + " on the page");
}

// The first yes/no item a branch answers itself, and the first one head office shares.
std::pair<std::string, std::string> branch_and_shared_items(client::Workspace& workspace) {
  auto view = workspace.view();
  if (!view) throw std::runtime_error(view.error().message);
  std::string own, shared;
  for (const auto& item : workspace.catalogue().items()) {
    if (item.type != AnswerType::yes_no) continue;
    if (view->shared_items.count(item.id)) {
      if (shared.empty()) shared = item.id;
    } else if (own.empty()) {
      own = item.id;
    }
  }
  if (own.empty() || shared.empty()) throw std::runtime_error("the question set has no yes/no item of each kind");
  return {own, shared};
}

class OfflineUi : public ::testing::Test {
 protected:
  OfflineUi() {
    client::InitOptions init;
    init.dir = dir_ / "store";
    init.ods = "VLAXL";
    init.name = "Leeds";
    init.year = "2021-22";
    init.user = "Sam Patel";
    auto made = client::Workspace::create(init);
    if (!made) throw std::runtime_error(made.error().message);
  }
  TempDir dir_;
};

TEST_F(OfflineUi, TheSignInLinkWorksOnceAndSetsAStrictHttpOnlyCookie) {
  RunningUi ui(dir_ / "store");
  EXPECT_EQ(ui.link().rfind("http://127.0.0.1:" + std::to_string(ui.port()) + "/signin?token=", 0), 0u) << ui.link();
  Reply first = http(ui.port(), "GET", ui.link_target());
  ASSERT_EQ(first.status, 303) << first.body;
  EXPECT_EQ(first.header("location"), "/");
  const std::string cookie = first.header("set-cookie");
  EXPECT_EQ(cookie.rfind("dsptsync_session=", 0), 0u) << cookie;
  EXPECT_NE(cookie.find("HttpOnly"), std::string::npos) << cookie;
  EXPECT_NE(cookie.find("SameSite=Strict"), std::string::npos) << cookie;
  EXPECT_EQ(cookie.find("Secure"), std::string::npos) << "plain HTTP on 127.0.0.1: " << cookie;
  EXPECT_EQ(first.header("cache-control"), "no-store");

  Reply again = http(ui.port(), "GET", ui.link_target());
  EXPECT_EQ(again.status, 403) << "the link works once";
  EXPECT_TRUE(again.header("set-cookie").empty());

  Reply session = http(ui.port(), "GET", "/api/session", {{"Cookie", cookie.substr(0, cookie.find(';'))}});
  ASSERT_EQ(session.status, 200) << session.body;
  const json body = session.parsed();
  EXPECT_EQ(body["mode"], "branch");
  EXPECT_EQ(body["user"], "Sam Patel");
  EXPECT_EQ(body["role"], "admin") << "an offline store's user runs its own site";
  EXPECT_EQ(body["branch"], "VLAXL");
  EXPECT_EQ(body["organisation"]["hq"], "VLAXL") << "never enrolled: its own code";
  EXPECT_EQ(body["organisation"]["year"], "2021-22");
  EXPECT_EQ(body["site"]["ods"], "VLAXL");
  EXPECT_EQ(body["site"]["name"], "Leeds");
  EXPECT_FALSE(body["csrf"].get<std::string>().empty());
}

TEST_F(OfflineUi, WithoutACookieTheApiAnswers401InBranchMode) {
  RunningUi ui(dir_ / "store");
  Reply session = http(ui.port(), "GET", "/api/session");
  EXPECT_EQ(session.status, 401);
  EXPECT_EQ(session.parsed()["mode"], "branch");
  EXPECT_EQ(session.parsed()["error"]["code"], "not_signed_in");
  Reply forged = http(ui.port(), "GET", "/api/dashboard", {{"Cookie", "dsptsync_session=00ff"}});
  EXPECT_EQ(forged.status, 401);
  // The page itself needs no session (it signs in with the link).
  Reply page = http(ui.port(), "GET", "/");
  EXPECT_EQ(page.status, 200);
  EXPECT_NE(page.header("content-type").find("text/html"), std::string::npos);
  EXPECT_EQ(page.header("x-frame-options"), "DENY");
}

TEST_F(OfflineUi, AnotherHostHeaderIsRefusedAgainstDnsRebinding) {
  RunningUi ui(dir_ / "store");
  const std::string port = std::to_string(ui.port());
  EXPECT_EQ(http(ui.port(), "GET", "/api/session", {{"Host", "attacker.example:" + port}}).status, 400);
  EXPECT_EQ(http(ui.port(), "GET", "/", {{"Host", "attacker.example:" + port}}).status, 400);
  EXPECT_EQ(http(ui.port(), "GET", ui.link_target(), {{"Host", "127.0.0.1:1"}}).status, 400);
  // The link still works on its own host after the refusals, and localhost is this host too.
  Reply redeemed = http(ui.port(), "GET", ui.link_target(), {{"Host", "localhost:" + port}});
  EXPECT_EQ(redeemed.status, 303) << redeemed.body;
}

TEST_F(OfflineUi, AChangeWithoutTheCsrfTokenIsRefused) {
  RunningUi ui(dir_ / "store");
  Browser browser = sign_in(ui);
  Reply refused = http(ui.port(), "PUT", "/api/assessment/VLAXL/items/1.1.1", {{"Cookie", browser.cookie}},
                       json{{"answer", "ZA123456"}}.dump());
  EXPECT_EQ(refused.status, 403);
  EXPECT_EQ(refused.parsed()["error"]["code"], "csrf");
  Reply wrong = http(ui.port(), "PUT", "/api/assessment/VLAXL/items/1.1.1",
                     {{"Cookie", browser.cookie}, {"X-CSRF-Token", browser.csrf + "0"}}, json{{"answer", "ZA1"}}.dump());
  EXPECT_EQ(wrong.status, 403);
  Reply elsewhere = http(ui.port(), "PUT", "/api/assessment/VLAXL/items/1.1.1",
                         {{"Cookie", browser.cookie}, {"X-CSRF-Token", browser.csrf}, {"Origin", "http://evil.example"}},
                         json{{"answer", "ZA1"}}.dump());
  EXPECT_EQ(elsewhere.status, 403);
  EXPECT_TRUE(item_of(browser.get("/api/assessment/VLAXL").parsed(), "1.1.1")["answer"].is_null())
      << "nothing was recorded";
}

TEST_F(OfflineUi, AnOfflineStoreIsEditedHasNothingToSyncAndNoHeadOfficeRoutes) {
  RunningUi ui(dir_ / "store");
  Browser browser = sign_in(ui);
  // Everything is this site's own: even an item head office would share elsewhere.
  Reply answered = browser.change("PUT", "/api/assessment/VLAXL/items/1.1.1", {{"answer", "ZA123456"}, {"comment", "Renewed"}});
  ASSERT_EQ(answered.status, 200) << answered.body;
  EXPECT_EQ(answered.parsed()["changes"], 2);
  const json page = browser.get("/api/assessment/VLAXL").parsed();
  EXPECT_EQ(item_of(page, "1.1.1")["answer"]["value"], "ZA123456");
  EXPECT_EQ(item_of(page, "1.1.1")["answer"]["by"], "Sam Patel");
  EXPECT_EQ(page["name"], "Leeds");

  const json dashboard = browser.get("/api/dashboard").parsed();
  ASSERT_EQ(dashboard["sites"].size(), 1u);
  EXPECT_EQ(dashboard["sites"][0]["ods"], "VLAXL");
  EXPECT_TRUE(dashboard["sites"][0]["lastChangeAt"].is_number());

  Reply history = browser.get("/api/assessment/VLAXL/history/1.1.1");
  ASSERT_EQ(history.status, 200) << history.body;
  EXPECT_EQ(history.parsed()["history"].size(), 2u);
  EXPECT_EQ(browser.get("/api/assessment/VM2B3").status, 404) << "only the store's own assessment is here";

  Reply exported = browser.get("/api/export?format=csv");
  ASSERT_EQ(exported.status, 200) << exported.body;
  EXPECT_NE(exported.header("content-disposition").find("VLAXL-2021-22-assessment.csv"), std::string::npos);
  EXPECT_NE(exported.body.find("ZA123456"), std::string::npos);

  Reply status = browser.get("/api/sync");
  ASSERT_EQ(status.status, 200) << status.body;
  EXPECT_EQ(status.parsed()["enrolled"], false);
  EXPECT_EQ(status.parsed()["waiting"], 0);
  Reply sync = browser.change("POST", "/api/sync", json::object());
  EXPECT_EQ(sync.status, 400);
  EXPECT_EQ(sync.parsed()["error"]["code"], "not_enrolled");
  EXPECT_NE(sync.parsed()["error"]["message"].get<std::string>().find("dsptsync enrol"), std::string::npos);

  for (const std::string target : {"/api/publish/preview?all=1", "/api/publications", "/api/people"}) {
    Reply not_here = browser.get(target);
    EXPECT_EQ(not_here.status, 404) << target;
    EXPECT_EQ(not_here.parsed()["error"]["code"], "not_here") << target;
  }
  Reply override = browser.change("PUT", "/api/assessment/VLAXL/items/1.1.1/override", {{"reason", "no head office"}});
  EXPECT_EQ(override.status, 403) << "nothing is shared with a single organisation: " << override.body;
}

TEST_F(OfflineUi, TheDownloadCarriesTheStoresIncidents) {
  std::string id;
  {
    auto workspace = client::Workspace::open(dir_ / "store", std::nullopt);
    ASSERT_TRUE(workspace) << workspace.error().message;
    const TimestampMs now = now_ms();
    auto recorded = (*workspace)
                        ->record_incident({{Field::what_happened, "Rota left on the bus"},
                                           {Field::happened_at, incident_time_text(now - 7'200'000)},
                                           {Field::found_at, incident_time_text(now - 3'600'000)},
                                           {Field::category, "confidentiality"}},
                                          now);
    ASSERT_TRUE(recorded) << recorded.error().message;
    id = recorded->incident.incident.id;
  }
  RunningUi ui(dir_ / "store");
  Browser browser = sign_in(ui);
  Reply csv = browser.get("/api/export?format=csv&incidents=1");
  ASSERT_EQ(csv.status, 200) << csv.body;
  EXPECT_NE(csv.header("content-disposition").find("VLAXL-2021-22-incidents.csv"), std::string::npos);
  EXPECT_NE(csv.body.find(id), std::string::npos) << csv.body;
  EXPECT_NE(csv.body.find("Rota left on the bus"), std::string::npos) << csv.body;
  Reply document = browser.get("/api/export?format=json");
  ASSERT_EQ(document.status, 200);
  ASSERT_EQ(document.parsed()["incidents"].size(), 1u);
  EXPECT_EQ(document.parsed()["incidents"][0]["id"], id);
}

TEST_F(OfflineUi, ABodyOverTheLimitIsRefusedBeforeItIsRead) {
  RunningUi ui(dir_ / "store");
  Browser browser = sign_in(ui);
  Reply refused = http(ui.port(), "PUT", "/api/assessment/VLAXL/items/1.1.1",
                       {{"Cookie", browser.cookie}, {"X-CSRF-Token", browser.csrf},
                        {"Content-Length", std::to_string(limits::kMaxWebRequestBodyBytes + 1)}});
  EXPECT_EQ(refused.status, 413);
  EXPECT_EQ(refused.parsed()["error"]["code"], "too_large");
}

TEST_F(OfflineUi, AConnectionIsKeptAliveWhenAskedAndClosedAfterItsLastRequest) {
  RunningUi ui(dir_ / "store");
  const std::string host = "Host: 127.0.0.1:" + std::to_string(ui.port()) + "\r\n";
  // Three requests sent at once: the first two keep the connection, the third closes it.
  const std::string received = raw_exchange(ui.port(), "GET /api/session HTTP/1.1\r\n" + host +
                                                       "Connection: keep-alive\r\n\r\n"
                                                       "HEAD / HTTP/1.1\r\n" + host +
                                                       "Connection: keep-alive\r\n\r\n"
                                                       "GET /api/sync HTTP/1.1\r\n" + host + "\r\n");
  EXPECT_EQ(count_of(received, "HTTP/1.1 401"), 2u) << received;
  EXPECT_EQ(count_of(received, "HTTP/1.1 200"), 1u) << received;
  // HTTP/1.1 keeps a connection unless told otherwise: only the last answer says it closes.
  EXPECT_EQ(count_of(received, "Connection: close"), 1u) << received;
  EXPECT_GT(received.find("Connection: close"), received.rfind("HTTP/1.1 401")) << received;
  EXPECT_EQ(count_of(received, "<!DOCTYPE html>"), 0u) << "HEAD has no body";
}

TEST_F(OfflineUi, WhatIsNotHttpOrTooLargeIsAnsweredThenClosed) {
  RunningUi ui(dir_ / "store");
  const std::string garbage = raw_exchange(ui.port(), "HELLO THERE\r\n\r\n");
  EXPECT_EQ(garbage.rfind("HTTP/1.1 400", 0), 0u) << garbage;
  const std::string host = "Host: 127.0.0.1:" + std::to_string(ui.port()) + "\r\n";
  const std::string huge = raw_exchange(ui.port(), "GET / HTTP/1.1\r\n" + host + "X-Filler: " +
                                                   std::string(limits::kMaxHttpHeaderBytes, 'a') + "\r\n\r\n");
  EXPECT_EQ(huge.rfind("HTTP/1.1 431", 0), 0u) << huge.substr(0, 200);
  const std::string chunked = raw_exchange(ui.port(), "PUT /api/session HTTP/1.1\r\n" + host +
                                                      "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
  EXPECT_EQ(chunked.rfind("HTTP/1.1 411", 0), 0u) << chunked;
  // The server still answers after all of them.
  EXPECT_EQ(http(ui.port(), "GET", "/api/session").status, 401);
}

class EnrolledUi : public ::testing::Test {
 protected:
  // An enrolled store, closed again so that only the listener uses it.
  std::filesystem::path enrol(const std::string& name, const std::string& user, Role role) {
    const auto store = stores_ / name;
    auto workspace = server_.enrol(store, user, "VLAXL", role);
    std::tie(own_item_, shared_item_) = branch_and_shared_items(*workspace);
    return store;
  }
  std::optional<std::string> head_office_answer(const std::string& item) {
    auto view = server_.admin()->effective_view("VLAXL", AssessmentYear{2021});
    if (!view) throw std::runtime_error(view.error().message);
    auto found = view->answers.find(item);
    if (found == view->answers.end()) return std::nullopt;
    return found->second.value.text;
  }

  RunningServer server_;
  TempDir stores_;
  std::string own_item_, shared_item_;
};

TEST_F(EnrolledUi, EditsQueueWhileHeadOfficeIsAwayAndGoUpWhenItIsBack) {
  const auto store = enrol("leeds", "Sam Patel", Role::admin);
  RunningUi ui(store);
  Browser browser = sign_in(ui);
  const json session = browser.get("/api/session").parsed();
  EXPECT_EQ(session["role"], "admin");
  EXPECT_EQ(session["branch"], "VLAXL");
  EXPECT_EQ(session["organisation"]["hq"], "A1B2");
  EXPECT_EQ(session["organisation"]["name"], "Acme Care Group");

  server_.stop();  // head office is out of reach from here on
  const std::string item = "/api/assessment/VLAXL/items/" + own_item_;
  Reply answered = browser.change("PUT", item, {{"answer", "yes"}});
  ASSERT_EQ(answered.status, 200) << answered.body;
  json status = browser.get("/api/sync").parsed();
  EXPECT_EQ(status["enrolled"], true);
  EXPECT_EQ(status["server"], server_.url());
  EXPECT_EQ(status["waiting"], 1);
  EXPECT_TRUE(status["lastError"].is_null());

  Reply unreachable = browser.change("POST", "/api/sync", json::object());
  EXPECT_EQ(unreachable.status, 502) << unreachable.body;
  EXPECT_EQ(unreachable.parsed()["error"]["code"], "unreachable");
  const std::string message = unreachable.parsed()["error"]["message"];
  EXPECT_NE(message.find("Head office could not be reached"), std::string::npos) << message;
  EXPECT_NE(message.find("stay queued"), std::string::npos) << message;
  status = browser.get("/api/sync").parsed();
  EXPECT_EQ(status["waiting"], 1) << "the edit is still waiting";
  EXPECT_TRUE(status["lastError"].is_string());
  EXPECT_FALSE(head_office_answer(own_item_));

  server_.start();
  Reply synced = browser.change("POST", "/api/sync", json::object());
  ASSERT_EQ(synced.status, 200) << synced.body;
  EXPECT_EQ(synced.parsed()["pushed"], 1);
  EXPECT_EQ(synced.parsed()["waiting"], 0);
  EXPECT_TRUE(synced.parsed()["lastSyncedAt"].is_number());
  status = browser.get("/api/sync").parsed();
  EXPECT_EQ(status["waiting"], 0);
  EXPECT_TRUE(status["lastError"].is_null());
  EXPECT_EQ(head_office_answer(own_item_), "yes") << "head office has the edit";
}

TEST_F(EnrolledUi, ASharedItemIsAnsweredOnlyAfterAnOverride) {
  const auto store = enrol("leeds", "Sam Patel", Role::member);
  RunningUi ui(store);
  Browser browser = sign_in(ui);
  const std::string item = "/api/assessment/VLAXL/items/" + shared_item_;
  const json before = item_of(browser.get("/api/assessment/VLAXL").parsed(), shared_item_);
  EXPECT_EQ(before["shared"], true);
  EXPECT_EQ(before["editable"], false);

  Reply refused = browser.change("PUT", item, {{"answer", "no"}});
  EXPECT_EQ(refused.status, 403) << refused.body;
  EXPECT_EQ(refused.parsed()["error"]["code"], "forbidden");
  EXPECT_NE(refused.parsed()["error"]["message"].get<std::string>().find("override"), std::string::npos)
      << "the way out: " << refused.body;

  Reply overridden = browser.change("PUT", item + "/override", {{"reason", "Leeds follows the council's policy"}});
  ASSERT_EQ(overridden.status, 200) << overridden.body;
  Reply answered = browser.change("PUT", item, {{"answer", "no"}});
  ASSERT_EQ(answered.status, 200) << answered.body;
  const json after = item_of(browser.get("/api/assessment/VLAXL").parsed(), shared_item_);
  EXPECT_EQ(after["shared"], false);
  EXPECT_EQ(after["override"]["reason"], "Leeds follows the council's policy");
  EXPECT_EQ(after["answer"]["value"], "no");
  EXPECT_EQ(browser.get("/api/sync").parsed()["waiting"], 2);

  // A member does not confirm; head office's routes are not here.
  Reply confirm = browser.change("PUT", "/api/assessment/VLAXL/assertions/1.1", {{"confirmed", true}});
  EXPECT_EQ(confirm.status, 403) << confirm.body;
  Reply preview = browser.get("/api/publish/preview");
  EXPECT_EQ(preview.status, 404);
  EXPECT_EQ(preview.parsed()["error"]["code"], "not_here");
}

TEST_F(EnrolledUi, AViewerReadsButChangesNothing) {
  const auto store = enrol("viewer", "Vic Viewer", Role::viewer);
  RunningUi ui(store);
  Browser browser = sign_in(ui);
  EXPECT_EQ(browser.get("/api/session").parsed()["role"], "viewer");
  Reply page = browser.get("/api/assessment/VLAXL");
  ASSERT_EQ(page.status, 200);
  EXPECT_EQ(page.parsed()["canEdit"], false);
  Reply refused = browser.change("PUT", "/api/assessment/VLAXL/items/" + own_item_, {{"answer", "yes"}});
  EXPECT_EQ(refused.status, 403) << refused.body;
  EXPECT_EQ(refused.parsed()["error"]["code"], "forbidden");
  EXPECT_EQ(browser.get("/api/sync").parsed()["waiting"], 0) << "nothing was recorded";
}

// ---- The real program ----

TEST_F(OfflineUi, TheProgramPrintsItsLinkAsJsonServesAndStopsOnSigterm) {
  testing::Child child = testing::start_program({DSPTSYNC_CLI, "--store", (dir_ / "store").string(), "ui", "--no-open", "--json"},
                              dir_ / "err");
  const std::string line = testing::read_line(child.out);
  const json printed = json::parse(line, nullptr, false);
  ASSERT_TRUE(printed.is_object()) << "one JSON object on one line: " << line
                                   << testing::read_text_file(dir_ / "err");
  const auto port = printed["port"].get<std::uint16_t>();
  const std::string url = printed["url"];
  EXPECT_EQ(url.rfind("http://127.0.0.1:" + std::to_string(port) + "/signin?token=", 0), 0u) << url;
  const std::string target = url.substr(url.find('/', 7));
  EXPECT_EQ(http(port, "GET", target).status, 303);
  EXPECT_EQ(http(port, "GET", target).status, 403);

  ::kill(child.pid, SIGTERM);
  EXPECT_EQ(testing::wait_for_exit(child.pid), 0) << testing::read_text_file(dir_ / "err");
  std::string rest;
  char chunk[256];
  for (ssize_t got; (got = ::read(child.out, chunk, sizeof chunk)) > 0;) rest.append(chunk, static_cast<std::size_t>(got));
  ::close(child.out);
  EXPECT_EQ(rest, "") << "--json prints the one line only";
}

TEST_F(OfflineUi, TheProgramPrintsAnOpenLineAndStopsOnSigint) {
  testing::Child child = testing::start_program({DSPTSYNC_CLI, "--store", (dir_ / "store").string(), "ui", "--no-open"}, dir_ / "err");
  const std::string line = testing::read_line(child.out);
  EXPECT_EQ(line.rfind("Open http://127.0.0.1:", 0), 0u) << line << testing::read_text_file(dir_ / "err");
  ::kill(child.pid, SIGINT);
  EXPECT_EQ(testing::wait_for_exit(child.pid), 0) << testing::read_text_file(dir_ / "err");
  ::close(child.out);
}

TEST_F(OfflineUi, TheProgramSaysHowToMakeAStoreAndRefusesABadPort) {
  // Bounded: a program that served instead of failing is stopped after 10 s.
  const std::string program = "timeout 10 " + testing::shell_quote(DSPTSYNC_CLI);
  auto missing = testing::run_program(program + " --store " + testing::shell_quote((dir_ / "none").string()),
                                      {"ui", "--no-open"}, dir_.path());
  EXPECT_EQ(missing.code, 4);
  EXPECT_NE(missing.err.find("dsptsync init"), std::string::npos) << missing.err;
  EXPECT_NE(missing.err.find("dsptsync enrol"), std::string::npos) << missing.err;
  auto bad_port = testing::run_program(program + " --store " + testing::shell_quote((dir_ / "store").string()),
                                       {"ui", "--no-open", "--port", "70000"}, dir_.path());
  EXPECT_EQ(bad_port.code, 2) << bad_port.err;

  // A port already taken is a network error (6) that says so.
  RunningUi ui(dir_ / "store");
  auto taken = testing::run_program(program + " --store " + testing::shell_quote((dir_ / "store").string()),
                                    {"ui", "--no-open", "--port", std::to_string(ui.port())}, dir_.path());
  EXPECT_EQ(taken.code, 6) << taken.err;
  EXPECT_NE(taken.err.find("--port"), std::string::npos) << taken.err;
}

}  // namespace
}  // namespace dsptsync
