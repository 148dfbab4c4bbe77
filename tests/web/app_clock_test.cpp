// The web app reads the time from AppOptions::clock: sign-in links and sessions expire in the
// app itself, over HTTP requests, without a test waiting minutes for it.
#include "dsptsync/limits.h"
#include "dsptsync/web/app.h"

#include <gtest/gtest.h>

namespace dsptsync::web {
namespace {

constexpr TimestampMs kMinute = 60'000;

// A laptop's backend holding nothing: enough for signing in and for the session route.
class EmptyBranch final : public Backend {
 public:
  Mode mode() const override { return Mode::branch; }
  Result<OrganisationInfo> organisation() override {
    OrganisationInfo info;
    info.name = "Acme Care Group";
    info.hq = "A1B2";
    info.year = "2021-22";
    info.site_ods = "VLAXL";
    info.site_name = "Leeds";
    return info;
  }
  Result<Actor> actor(std::string_view user) override { return Actor{std::string(user), protocol::Role::admin, "VLAXL"}; }
  Result<Actor> check_password(std::string_view, std::string_view) override { return not_found("no passwords here"); }
  Result<std::vector<std::string>> scopes(const Actor&) override { return std::vector<std::string>{"VLAXL"}; }
  Result<ScopeSnapshot> snapshot(const Actor&, std::string_view) override { return not_found("nothing here"); }
  Result<std::size_t> record(const Actor&, const std::vector<Edit>&) override { return not_found("nothing here"); }
  Result<std::vector<HistoryRow>> history(const Actor&, std::string_view, std::string_view) override {
    return not_found("nothing here");
  }
  Result<Download> export_assessment(const Actor&, std::string_view, ExportFormat, ExportContent) override {
    return not_found("nothing here");
  }
  Result<QuestionSet> question_set() override { return not_found("nothing here"); }
  Result<std::vector<GradedIncident>> incidents(const Actor&, std::string_view, TimestampMs) override {
    return not_found("nothing here");
  }
  Result<IncidentOutcome> record_incident(const Actor&, std::string_view, const IncidentInput&, TimestampMs) override {
    return not_found("nothing here");
  }
  Result<IncidentOutcome> edit_incident(const Actor&, std::string_view, const IncidentInput&, TimestampMs) override {
    return not_found("nothing here");
  }
  Result<std::vector<Document>> documents(const Actor&) override { return not_found("nothing here"); }
  bool holds(const Document&, const files::Hash&) override { return false; }
  Result<std::vector<Acknowledgement>> own_acknowledgements(const Actor&) override { return not_found("nothing here"); }
  Result<DocumentOutcome> add_document(const Actor&, std::string_view, const DocumentInput&,
                                       const DocumentUpload&) override {
    return not_found("nothing here");
  }
  Result<DocumentOutcome> add_document_version(const Actor&, std::string_view, const DocumentUpload&) override {
    return not_found("nothing here");
  }
  Result<DocumentOutcome> acknowledge_document(const Actor&, std::string_view, std::optional<int>) override {
    return not_found("nothing here");
  }
  Result<DocumentFile> document_file(const Actor&, std::string_view, std::optional<int>) override {
    return not_found("nothing here");
  }
  Result<DocumentAcknowledgements> document_acknowledgements(const Actor&, std::string_view) override {
    return not_found("nothing here");
  }
  std::optional<HttpResponse> handle_own_route(const Actor&, const HttpRequest&) override { return std::nullopt; }
};

HttpRequest get(const std::string& target, const std::string& cookie = "") {
  HttpRequest request;
  request.method = "GET";
  request.target = target;
  request.peer_address = "127.0.0.1";
  if (!cookie.empty()) request.set_header("Cookie", cookie);
  return request;
}

// The session cookie a response sets ("dsptsync_session=TOKEN"), or empty.
std::string session_cookie(const HttpResponse& response) {
  const auto set = response.header("Set-Cookie");
  return set ? set->substr(0, set->find(';')) : "";
}

TEST(WebAppClock, ALinkAndASessionExpireOnTheAppsClock) {
  EmptyBranch backend;
  TimestampMs now = 1'700'000'000'000;
  AppOptions options;
  options.clock = [&] { return now; };
  WebApp app(backend, options);

  // A link is good for kSignInLinkMinutes: one left unused that long is refused.
  const std::string stale = app.sign_in_link("Sam");
  now += limits::kSignInLinkMinutes * kMinute;
  EXPECT_EQ(app.handle(get(stale)).status, 403);

  auto signed_in = app.handle(get(app.sign_in_link("Sam")));
  ASSERT_EQ(signed_in.status, 303);
  const std::string cookie = session_cookie(signed_in);
  ASSERT_FALSE(cookie.empty());

  // Each request moves the idle expiry on; a request just inside it keeps the session.
  now += (limits::kWebSessionIdleMinutes - 1) * kMinute;
  EXPECT_EQ(app.handle(get("/api/session", cookie)).status, 200);
  now += (limits::kWebSessionIdleMinutes - 1) * kMinute;
  EXPECT_EQ(app.handle(get("/api/session", cookie)).status, 200);
  // Idle for the whole idle time: signed out.
  now += limits::kWebSessionIdleMinutes * kMinute;
  EXPECT_EQ(app.handle(get("/api/session", cookie)).status, 401);
}

}  // namespace
}  // namespace dsptsync::web
