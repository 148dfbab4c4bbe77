// The public status look-up: plain HTTP on the sync port. The router on its own (no sockets), then
// a real server on loopback spoken to by a real TCP client (plain POSIX sockets writing raw
// HTTP/1.1, so no HTTP library of ours is on the client side), and `openssl s_client` over TLS.
#include "fixture.h"

#include "../common/cli_runner.h"
#include "http_routes.h"
#include "../common/raw_http.h"

#include "dsptsync/limits.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <ctime>
#include <cstdlib>
#include <fstream>
#include <map>

namespace dsptsync {
namespace {

using protocol::Role;
using server::HttpResponse;
using server::PublicStatusQuery;
using testing::RunningServer;
using testing::TempDir;
using testing::Answer;
using testing::RawHttp;
using json = nlohmann::json;


// ---- The router, without sockets ----

HttpResponse answered(const server::HttpRoute& route) {
  const auto* response = std::get_if<HttpResponse>(&route);
  if (!response) throw std::runtime_error("the route needs a look-up");
  return *response;
}

std::string query_of(const server::HttpRoute& route) {
  const auto* query = std::get_if<PublicStatusQuery>(&route);
  return query ? query->ods : "(no look-up)";
}

std::vector<std::string> keys_of(const json& object) {
  std::vector<std::string> keys;
  for (const auto& [key, value] : object.items()) keys.push_back(key);
  return keys;
}

TimestampMs at(int year, int month, int day) {
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = 12;
  return static_cast<TimestampMs>(timegm(&tm)) * 1000;
}

void expect_common_headers(const HttpResponse& response, bool public_data) {
  EXPECT_EQ(response.header("Content-Type"), "application/json; charset=utf-8");
  EXPECT_EQ(response.header("Cache-Control"), "no-store");
  EXPECT_EQ(response.header("X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(response.header("Access-Control-Allow-Origin"), public_data ? std::optional<std::string>("*") : std::nullopt);
  EXPECT_TRUE(json::parse(response.body, nullptr, false).is_object()) << response.body;
}

TEST(PublicStatusRouter, AStatusRequestAsksForTheLookUpOfTheNormalisedCode) {
  EXPECT_EQ(query_of(server::route_http("GET", "/status/VLAXL")), "VLAXL");
  EXPECT_EQ(query_of(server::route_http("HEAD", "/status/VLAXL")), "VLAXL");
  EXPECT_EQ(query_of(server::route_http("GET", "/status/vlaxl")), "VLAXL");
  EXPECT_EQ(query_of(server::route_http("GET", "/status/%20vLaXl%20")), "VLAXL");
  EXPECT_EQ(query_of(server::route_http("GET", "/status/%76laxl?from=search")), "VLAXL");
  EXPECT_EQ(query_of(server::route_http("GET", "/status/A1B2")), "A1B2");  // head office publishes too
  EXPECT_EQ(query_of(server::route_http("GET", "/status/8JX12")), "8JX12");
}

TEST(PublicStatusRouter, AMalformedCodeIs400AndSaysWhatACodeLooksLike) {
  for (const std::string target : {"/status/not-a-code", "/status/", "/status/VLAXL/answers", "/status/%ZZ",
                                   "/status/V%00AXL", "/status/%FF%FE"}) {
    const auto response = answered(server::route_http("GET", target));
    EXPECT_EQ(response.status, 400) << target;
    const auto body = json::parse(response.body, nullptr, false);
    ASSERT_TRUE(body.is_object()) << target << ": " << response.body;
    EXPECT_EQ(keys_of(body), std::vector<std::string>{"error"});
    EXPECT_NE(body["error"].get<std::string>().find("e.g. VLAXL"), std::string::npos) << body.dump();
    expect_common_headers(response, true);
  }
}

TEST(PublicStatusRouter, HealthUnknownPathsAndOtherMethods) {
  // /health asks how the store is (no database read) and says so.
  EXPECT_TRUE(std::holds_alternative<server::HealthQuery>(server::route_http("GET", "/health")));
  EXPECT_TRUE(std::holds_alternative<server::HealthQuery>(server::route_http("HEAD", "/health?probe=1")));
  server::StorageHealthReport storage;
  storage.commits = 3;
  const auto health = server::respond_health(storage);
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(json::parse(health.body),
            (json{{"ok", true},
                  {"storage", {{"writable", true}, {"commits", 3}, {"failed_commits", 0}, {"acknowledged_but_failed", 0}}}}));
  expect_common_headers(health, false);

  // A store that cannot commit, or an acknowledgement without a commit, is a 503 naming the problem.
  storage.writable = false;
  storage.failed_commits = 2;
  storage.failing_since = 1'700'000'000'000;
  storage.problem = "disk I/O error";
  const auto failing = server::respond_health(storage);
  EXPECT_EQ(failing.status, 503);
  const auto body = json::parse(failing.body);
  EXPECT_EQ(body["ok"], false);
  EXPECT_NE(body["error"].get<std::string>().find("disk I/O error"), std::string::npos) << body.dump();
  EXPECT_EQ(body["storage"]["problem"], "disk I/O error");
  EXPECT_EQ(body["storage"]["failing_since"], "2023-11-14T22:13:20Z");
  expect_common_headers(failing, false);
  server::StorageHealthReport bug;
  bug.acknowledged_but_failed = 1;
  EXPECT_EQ(server::respond_health(bug).status, 503);

  // Everything else is the web app's (its pages and API; it answers 404 for what is not its own).
  for (const std::string target : {"/", "/status", "/answers", "/statusVLAXL", "/health/extra", "http://x/health"})
    EXPECT_TRUE(std::holds_alternative<server::WebAppRequest>(server::route_http("GET", target))) << target;
  for (const std::string method : {"POST", "PUT", "DELETE", "OPTIONS", "PATCH"}) {
    for (const std::string target : {"/status/VLAXL", "/health"}) {
      const auto response = answered(server::route_http(method, target));
      EXPECT_EQ(response.status, 405) << method << " " << target;
      EXPECT_EQ(response.header("Allow"), "GET, HEAD");
      expect_common_headers(response, target != "/health");
    }
  }
  EXPECT_TRUE(std::holds_alternative<server::WebAppRequest>(server::route_http("POST", "/api/session")));
}

TEST(PublicStatusRouter, TheAnswerCarriesOnlyStatusAndDateOrNotPublished) {
  const PublicStatusQuery query{"VLAXL"};
  const auto published = server::respond_public_status(
      query, Result<std::optional<PublicStatusRecord>>(
                 std::optional<PublicStatusRecord>(PublicStatusRecord{"VLAXL", "21/22 Standards Met", "2021-22",
                                                                      at(2026, 11, 23)})));
  EXPECT_EQ(published.status, 200);
  EXPECT_EQ(json::parse(published.body), (json{{"ods", "VLAXL"},
                                               {"status", "21/22 Standards Met"},
                                               {"year", "2021-22"},
                                               {"published", "2026-11-23"},
                                               {"source", "sign_off"},
                                               {"record", server::kPublicStatusRecordNote}}));
  expect_common_headers(published, true);

  const auto unpublished = server::respond_public_status(
      query, Result<std::optional<PublicStatusRecord>>(std::optional<PublicStatusRecord>()));
  EXPECT_EQ(unpublished.status, 404);
  EXPECT_EQ(json::parse(unpublished.body), (json{{"ods", "VLAXL"}, {"status", "Not Published"}, {"record", server::kPublicStatusRecordNote}}));
  expect_common_headers(unpublished, true);

  const auto failed = server::respond_public_status(
      query, Result<std::optional<PublicStatusRecord>>(make_error(ErrorKind::store, "disk I/O error")));
  EXPECT_EQ(failed.status, 503);
  EXPECT_EQ(failed.body.find("disk"), std::string::npos) << "the store's own error stays in the log";
  EXPECT_TRUE(failed.header("Retry-After").has_value());
  expect_common_headers(failed, true);
}

std::string request(const std::string& method, const std::string& target, const std::string& extra = "") {
  return method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + extra + "\r\n";
}

// One request on its own connection, as a script would: the server answers and closes.
Answer fetch(const RunningServer& server, const std::string& method, const std::string& target,
             const std::string& extra = "") {
  RawHttp http(server.port());
  EXPECT_TRUE(http.send(request(method, target, extra)));
  auto answer = http.next(method == "HEAD");
  if (!answer) throw std::runtime_error("no answer to " + method + " " + target);
  EXPECT_EQ(answer->header("connection"), "close") << method << " " << target;
  EXPECT_TRUE(http.closed_by_server()) << "a request that did not ask to keep the connection ends it";
  return *answer;
}

void expect_common_headers(const Answer& answer, bool public_data) {
  EXPECT_EQ(answer.header("content-type"), "application/json; charset=utf-8");
  EXPECT_EQ(answer.header("cache-control"), "no-store");
  EXPECT_EQ(answer.header("x-content-type-options"), "nosniff");
  EXPECT_EQ(answer.header("access-control-allow-origin"), public_data ? "*" : "");
  for (const auto& [name, value] : answer.headers)
    if (name != "access-control-allow-origin") {
      EXPECT_EQ(name.rfind("access-control-", 0), std::string::npos) << "no CORS header but Allow-Origin: " << name;
    }
}

PublishedSite site(const std::string& ods, const std::string& status, const std::string& public_status) {
  PublishedSite published;
  published.ods = ods;
  published.name = "Leeds";
  published.status = status;
  published.public_status = public_status;
  published.answers_hash = std::string(64, 'a');
  published.mandatory_provided = 42;
  published.mandatory_total = 42;
  return published;
}

void publish(const RunningServer& server, TimestampMs when, std::vector<PublishedSite> sites) {
  Publication publication;
  publication.year = "2021-22";
  publication.published_at = when;
  publication.published_by = "Hannah Hughes";
  publication.sites = std::move(sites);
  auto recorded = server.admin()->directory().add_publication(publication);
  ASSERT_TRUE(recorded) << recorded.error().message;
}

TEST(PublicStatus, TheSyncPortAnswersWithTheLatestPublishedStatusAndDateOnly) {
  RunningServer server;  // branches VLAXL (Leeds) and VM2B3 (York)

  auto unpublished = fetch(server, "GET", "/status/VLAXL");
  EXPECT_EQ(unpublished.status, 404);
  EXPECT_EQ(unpublished.parsed(), (json{{"ods", "VLAXL"}, {"status", "Not Published"}, {"record", server::kPublicStatusRecordNote}}));
  expect_common_headers(unpublished, true);

  publish(server, at(2026, 6, 1), {site("VLAXL", "approaching", "21/22 Approaching Standards")});
  auto first = fetch(server, "GET", "/status/VLAXL");
  EXPECT_EQ(first.status, 200);
  EXPECT_EQ(first.parsed()["status"], "21/22 Approaching Standards");
  EXPECT_EQ(first.parsed()["published"], "2026-06-01");

  // A later publication replaces it; the answer has exactly these four fields and the note that it is
  // the organisation's own record, never an answer, a hash, a count or who published.
  publish(server, at(2026, 11, 23), {site("VLAXL", "met", "21/22 Standards Met")});
  auto latest = fetch(server, "GET", "/status/VLAXL");
  EXPECT_EQ(latest.status, 200);
  const auto body = latest.parsed();
  ASSERT_TRUE(body.is_object()) << latest.body;
  EXPECT_EQ(keys_of(body), (std::vector<std::string>{"ods", "published", "record", "source", "status", "year"}));
  EXPECT_EQ(body, (json{{"ods", "VLAXL"},
                        {"status", "21/22 Standards Met"},
                        {"year", "2021-22"},
                        {"published", "2026-11-23"},
                        {"source", "sign_off"},
                        {"record", server::kPublicStatusRecordNote}}));
  EXPECT_NE(body["record"].get<std::string>().find("not the NHS publication"), std::string::npos);
  expect_common_headers(latest, true);

  // The code is normalised: case, surrounding space, %-escapes.
  EXPECT_EQ(fetch(server, "GET", "/status/vlaxl").parsed(), body);
  EXPECT_EQ(fetch(server, "GET", "/status/%20vlaxl%20").parsed(), body);
  EXPECT_EQ(fetch(server, "GET", "/status/VLAXL?source=search").parsed(), body);

  // HEAD: the same headers, no body.
  auto head = fetch(server, "HEAD", "/status/VLAXL");
  EXPECT_EQ(head.status, 200);
  EXPECT_TRUE(head.body.empty());
  EXPECT_EQ(head.header("content-length"), std::to_string(latest.body.size()));
  expect_common_headers(head, true);

  // A branch here that has not published and a code that is no branch here read the same: the
  // look-up does not reveal the branch list.
  auto york = fetch(server, "GET", "/status/VM2B3");
  auto stranger = fetch(server, "GET", "/status/VQ9Q9");
  EXPECT_EQ(york.status, 404);
  EXPECT_EQ(stranger.status, 404);
  EXPECT_EQ(york.parsed(), (json{{"ods", "VM2B3"}, {"status", "Not Published"}, {"record", server::kPublicStatusRecordNote}}));
  EXPECT_EQ(stranger.parsed(), (json{{"ods", "VQ9Q9"}, {"status", "Not Published"}, {"record", server::kPublicStatusRecordNote}}));
  EXPECT_EQ(york.headers, stranger.headers);
  EXPECT_EQ(fetch(server, "GET", "/status/A1B2").parsed(), (json{{"ods", "A1B2"}, {"status", "Not Published"}, {"record", server::kPublicStatusRecordNote}}));

  auto malformed = fetch(server, "GET", "/status/not-a-code");
  EXPECT_EQ(malformed.status, 400);
  EXPECT_NE(malformed.parsed()["error"].get<std::string>().find("e.g. VLAXL"), std::string::npos) << malformed.body;
  expect_common_headers(malformed, true);

  auto posted = fetch(server, "POST", "/status/VLAXL", "Content-Length: 0\r\n");
  EXPECT_EQ(posted.status, 405);
  EXPECT_EQ(posted.header("allow"), "GET, HEAD");
  // A body is never read: the request is still answered, and the connection closed.
  auto with_body = fetch(server, "POST", "/status/VLAXL", "Content-Length: 7\r\n\r\nanswers");
  EXPECT_EQ(with_body.status, 405);

  auto unknown = fetch(server, "GET", "/answers/VLAXL");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_TRUE(unknown.parsed().contains("error"));
  expect_common_headers(unknown, false);

  auto health = fetch(server, "GET", "/health");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.parsed()["ok"], true);
  EXPECT_EQ(health.parsed()["storage"]["writable"], true);
  EXPECT_EQ(health.parsed()["storage"]["acknowledged_but_failed"], 0);
  expect_common_headers(health, false);
}

TEST(PublicStatus, AKeptAliveConnectionServesABoundedNumberOfRequests) {
  RunningServer server;
  publish(server, at(2026, 11, 23), {site("VLAXL", "met", "21/22 Standards Met")});
  RawHttp http(server.port());
  const std::size_t most = limits::kMaxHttpRequestsPerConnection;
  for (std::size_t i = 1; i <= most; ++i) {
    const bool status = i % 2 == 0;
    ASSERT_TRUE(http.send(request("GET", status ? "/status/vlaxl" : "/health", "Connection: keep-alive\r\n")));
    auto answer = http.next();
    ASSERT_TRUE(answer) << "request " << i;
    EXPECT_EQ(answer->status, 200) << "request " << i;
    if (status) {
      EXPECT_EQ(answer->parsed()["ods"], "VLAXL");
    }
    // HTTP/1.1 keeps a connection unless a side says close.
    EXPECT_EQ(answer->header("connection"), i < most ? "" : "close") << "request " << i;
  }
  EXPECT_TRUE(http.closed_by_server()) << "after " << most << " requests the server closes";

  // Requests sent at once (pipelined) are answered in order, and one without keep-alive ends it.
  RawHttp pipelined(server.port());
  ASSERT_TRUE(pipelined.send(request("GET", "/status/VM2B3", "Connection: keep-alive\r\n") +
                             request("HEAD", "/health", "Connection: keep-alive\r\n") + request("GET", "/nothing")));
  auto one = pipelined.next();
  auto two = pipelined.next(/*head=*/true);
  auto three = pipelined.next();
  ASSERT_TRUE(one && two && three);
  EXPECT_EQ(one->status, 404);
  EXPECT_EQ(one->parsed()["status"], "Not Published");
  EXPECT_EQ(two->status, 200);
  EXPECT_EQ(three->status, 404);
  EXPECT_EQ(three->header("connection"), "close");
  EXPECT_TRUE(pipelined.closed_by_server());
}

TEST(PublicStatus, OversizedOrBrokenRequestsAreRefusedAndDevicesStillSyncOnTheSamePort) {
  RunningServer server(std::vector<std::pair<std::string, std::string>>{{"VLAXL", "Leeds"}});
  TempDir stores;

  {
    // 64 KiB of headers: refused (431) or cut off, never answered as a look-up.
    RawHttp http(server.port());
    http.send(request("GET", "/status/VLAXL", "X-Padding: " + std::string(64 * 1024, 'a') + "\r\n"));
    auto answer = http.next();
    if (answer) {
      EXPECT_EQ(answer->status, 431);
    }
    EXPECT_TRUE(http.closed_by_server());
  }
  {
    RawHttp http(server.port());
    ASSERT_TRUE(http.send("THIS IS NOT HTTP\r\n\r\n"));
    auto answer = http.next();
    if (answer) {
      EXPECT_EQ(answer->status, 400);
    }
    EXPECT_TRUE(http.closed_by_server());
  }
  // A connection that never sends its request holds nothing up meanwhile.
  RawHttp silent(server.port());
  ASSERT_TRUE(silent.send("GET /status/VLAXL HTTP/1.1\r\nHost: 127"));

  EXPECT_EQ(fetch(server, "GET", "/status/VLAXL").status, 404);

  // The same port still syncs devices, over WebSocket.
  auto leeds = server.enrol(stores / "leeds", "Ann Lee", "VLAXL", Role::admin);
  ASSERT_TRUE(leeds->answer("1.3.12", "The registered manager", "", std::nullopt));
  auto synced = client::sync_once(*leeds);
  ASSERT_TRUE(synced) << synced.error().message;
  EXPECT_EQ(synced->pushed, 1u);
  EXPECT_EQ(fetch(server, "GET", "/health").status, 200);

  // Stopping the server does not wait for the silent connection's request.
  const auto stopping = std::chrono::steady_clock::now();
  server.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - stopping, std::chrono::seconds(3));
  EXPECT_TRUE(silent.closed_by_server());
}

TEST(PublicStatus, OverTlsTheLookUpAndSyncShareThePort) {
  TempDir files;
  const auto [cert, key] = testing::make_test_certificate(files);
  RunningServer server({{"VLAXL", "Leeds"}}, std::make_pair(cert, key));
  publish(server, at(2026, 11, 23), {site("VLAXL", "met", "21/22 Standards Met")});

  // openssl s_client: a TLS client that is not ours; it prints what the server sends until the
  // server closes the connection.
  std::ofstream(files / "request") << request("GET", "/status/vlaxl");
  auto run = testing::run_program(
      "timeout 15 openssl s_client -quiet -verify_return_error -CAfile " + testing::shell_quote(cert.string()) +
          " -connect 127.0.0.1:" + std::to_string(server.port()) + " <" +
          testing::shell_quote((files / "request").string()),
      {}, files.path());
  EXPECT_EQ(run.out.rfind("HTTP/1.1 200", 0), 0u) << run.out << run.err;
  const auto body_start = run.out.find("\r\n\r\n");
  ASSERT_NE(body_start, std::string::npos) << run.out;
  EXPECT_EQ(json::parse(run.out.substr(body_start + 4), nullptr, false),
            (json{{"ods", "VLAXL"},
                  {"status", "21/22 Standards Met"},
                  {"year", "2021-22"},
                  {"published", "2026-11-23"},
                  {"source", "sign_off"},
                  {"record", server::kPublicStatusRecordNote}}));

  // Plain HTTP against the TLS port is not answered.
  {
    RawHttp plain(server.port());
    plain.send(request("GET", "/status/VLAXL"));
    auto answer = plain.next();
    EXPECT_FALSE(answer && answer->status == 200);
  }

  TempDir stores;
  setenv("DSPTSYNC_TLS_CA", cert.c_str(), 1);
  auto leeds = server.enrol(stores / "leeds", "Ann Lee", "VLAXL", Role::admin);
  ASSERT_TRUE(leeds->answer("1.3.12", "The manager", "", std::nullopt));
  auto synced = client::sync_once(*leeds);
  unsetenv("DSPTSYNC_TLS_CA");
  ASSERT_TRUE(synced) << synced.error().message;
  EXPECT_EQ(synced->pushed, 1u);
}

}  // namespace
}  // namespace dsptsync
