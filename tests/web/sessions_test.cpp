// The web app's sessions, sign-in limits and edit rules, without sockets: a clock the test moves
// shows idle and absolute expiry, one-time links and sliding windows exactly at their edges.
#include "dsptsync/limits.h"
#include "dsptsync/tuning.h"
#include "dsptsync/web/app.h"
#include "dsptsync/web/http.h"
#include "dsptsync/web/sessions.h"

#include <gtest/gtest.h>

namespace dsptsync::web {
namespace {

constexpr TimestampMs kSessionMinute = 60 * 1000;
constexpr TimestampMs kStart = 1'795'000'000'000;

TEST(WebSessions, ASessionEndsAfterIdlingAndAfterItsLongestLifeHoweverBusy) {
  SessionStore sessions;
  const std::string token = sessions.create("Priya Shah", kStart);
  EXPECT_EQ(token.size(), 64u);
  auto used = sessions.use(token, kStart + kSessionMinute);
  ASSERT_TRUE(used);
  EXPECT_EQ(used->user, "Priya Shah");
  EXPECT_EQ(used->csrf.size(), 64u);
  EXPECT_NE(used->csrf, token);

  // Idle: a request just before the limit keeps it; one after it finds it gone.
  const TimestampMs idle = limits::kWebSessionIdleMinutes * kSessionMinute;
  EXPECT_TRUE(sessions.use(token, kStart + kSessionMinute + idle - 1));
  EXPECT_FALSE(sessions.use(token, kStart + kSessionMinute + idle - 1 + idle));
  EXPECT_EQ(sessions.size(), 0u);

  // Busy all day: still ends at the longest life.
  const std::string busy = sessions.create("Priya Shah", kStart);
  TimestampMs now = kStart;
  const TimestampMs longest = kStart + limits::kWebSessionMaxMinutes * kSessionMinute;
  while (now + 10 * kSessionMinute < longest) {
    now += 10 * kSessionMinute;
    ASSERT_TRUE(sessions.use(busy, now)) << (now - kStart) / kSessionMinute << " minutes in";
  }
  EXPECT_FALSE(sessions.use(busy, longest));
}

TEST(WebSessions, TokensAreUnguessableAndEndingAUserEndsEveryOneOfTheirs) {
  SessionStore sessions;
  const std::string one = sessions.create("Mo Member", kStart);
  const std::string two = sessions.create("Mo Member", kStart);
  const std::string other = sessions.create("Priya Shah", kStart);
  EXPECT_NE(one, two);
  EXPECT_FALSE(sessions.use(std::string(64, '0'), kStart));
  EXPECT_FALSE(sessions.use(one.substr(0, 63), kStart)) << "a prefix is not the token";
  EXPECT_FALSE(sessions.use("", kStart));
  sessions.end_all_of("Mo Member");
  EXPECT_FALSE(sessions.use(one, kStart));
  EXPECT_FALSE(sessions.use(two, kStart));
  EXPECT_TRUE(sessions.use(other, kStart));
  sessions.end(other);
  EXPECT_FALSE(sessions.use(other, kStart));
}

TEST(WebSessions, ASignInLinkWorksOnceAndOnlyForAFewMinutes) {
  SessionStore sessions;
  const std::string link = sessions.issue_link_token("Sam Patel", kStart);
  EXPECT_EQ(sessions.redeem_link_token(link, kStart + kSessionMinute), "Sam Patel");
  EXPECT_FALSE(sessions.redeem_link_token(link, kStart + kSessionMinute)) << "used once";
  const std::string late = sessions.issue_link_token("Sam Patel", kStart);
  EXPECT_FALSE(sessions.redeem_link_token(late, kStart + limits::kSignInLinkMinutes * kSessionMinute));
  EXPECT_FALSE(sessions.redeem_link_token("not a token", kStart));
}

TEST(WebSignInLimiter, FailuresSlowDownOnlyTheNameFromThatAddressWithGrowingDelays) {
  SignInLimiter limiter;
  for (int i = 0; i < tuning::kSignInFreeFailuresPerName; ++i) {
    EXPECT_EQ(limiter.wait_seconds("Mo", "10.0.0.1", kStart), 0) << i;
    limiter.failed("Mo", "10.0.0.1", kStart);
  }
  EXPECT_EQ(limiter.wait_seconds("Mo", "10.0.0.1", kStart), 0) << "the free failures cost nothing";
  limiter.failed("Mo", "10.0.0.1", kStart);
  const int first = limiter.wait_seconds("Mo", "10.0.0.1", kStart);
  EXPECT_EQ(first, std::chrono::seconds(tuning::kSignInFirstDelay).count());
  EXPECT_EQ(limiter.wait_seconds("Mo", "10.0.0.2", kStart), 0) << "the real Mo, elsewhere, is not held";
  EXPECT_EQ(limiter.wait_seconds("Priya", "10.0.0.1", kStart), 0) << "nor another name from that address";
  limiter.failed("Mo", "10.0.0.1", kStart + 1000);
  EXPECT_EQ(limiter.wait_seconds("Mo", "10.0.0.1", kStart + 1000), 2 * first) << "each failure doubles the delay";
  for (int i = 0; i < 40; ++i) limiter.failed("Mo", "10.0.0.1", kStart + 2000);
  EXPECT_EQ(limiter.wait_seconds("Mo", "10.0.0.1", kStart + 2000), std::chrono::seconds(tuning::kSignInMaxDelay).count())
      << "up to the longest delay";
  const TimestampMs forgotten = kStart + 2000 + std::chrono::milliseconds(tuning::kSignInForgetAfter).count();
  EXPECT_EQ(limiter.wait_seconds("Mo", "10.0.0.1", forgotten), 0) << "and forgotten after a quiet while";
}

TEST(WebSignInLimiter, AnAddressGuessingManyNamesIsSlowedDown) {
  SignInLimiter spraying;
  for (int i = 0; i <= tuning::kSignInFreeFailuresPerAddress; ++i)
    spraying.failed("user " + std::to_string(i), "10.9.9.9", kStart);
  EXPECT_GT(spraying.wait_seconds("someone new", "10.9.9.9", kStart), 0);
  EXPECT_EQ(spraying.wait_seconds("someone new", "10.9.9.8", kStart), 0);
}

TEST(WebSignInLimiter, ASuccessOrANewPasswordForgetsTheNamesFailures) {
  SignInLimiter limiter;
  limiter.password_set("Ann", kStart - kSessionMinute);
  for (int i = 0; i <= tuning::kSignInFreeFailuresPerName; ++i) {
    limiter.failed("Ann", "10.0.0.3", kStart);
    limiter.failed("Ann", "10.0.0.4", kStart);
  }
  limiter.succeeded("Ann", "10.0.0.3");
  EXPECT_EQ(limiter.wait_seconds("Ann", "10.0.0.3", kStart), 0) << "a success from that address";
  EXPECT_GT(limiter.wait_seconds("Ann", "10.0.0.4", kStart), 0) << "but not from another";
  limiter.password_set("Ann", kStart - kSessionMinute);
  EXPECT_GT(limiter.wait_seconds("Ann", "10.0.0.4", kStart), 0) << "the same password: still held";
  limiter.password_set("Ann", kStart);
  EXPECT_EQ(limiter.wait_seconds("Ann", "10.0.0.4", kStart), 0) << "a new password: forgotten everywhere";
}

TEST(WebHttp, XForwardedForIsBelievedOnlyFromATrustedProxy) {
  const std::vector<std::string> proxies{"10.0.0.5", "10.0.0.6"};
  EXPECT_EQ(client_address("192.0.2.9", std::string("203.0.113.7"), proxies), "192.0.2.9") << "not a proxy";
  EXPECT_EQ(client_address("10.0.0.5", std::string("203.0.113.7"), proxies), "203.0.113.7");
  EXPECT_EQ(client_address("10.0.0.5", std::string("198.51.100.1, 203.0.113.7, 10.0.0.6"), proxies), "203.0.113.7")
      << "the last address a trusted proxy saw; what the client wrote before it is not believed";
  EXPECT_EQ(client_address("10.0.0.5", std::nullopt, proxies), "10.0.0.5");
  EXPECT_EQ(client_address("10.0.0.5", std::string("not an address"), proxies), "10.0.0.5");
  EXPECT_EQ(client_address("10.0.0.5", std::string("10.0.0.6"), proxies), "10.0.0.5") << "only proxies";
}

TEST(WebHttp, QueriesCookiesAndPathsAreReadAsBrowsersSendThem) {
  HttpRequest request;
  request.target = "/api/export?scope=VLAXL&format=x%6Csx&name=Sam+Patel&empty=&flag";
  request.headers["cookie"] = "theme=dark; dsptsync_session=abc123 ;other=1";
  EXPECT_EQ(request.path(), "/api/export");
  EXPECT_EQ(request.query("scope"), "VLAXL");
  EXPECT_EQ(request.query("format"), "xlsx");
  EXPECT_EQ(request.query("name"), "Sam Patel");
  EXPECT_EQ(request.query("empty"), "");
  EXPECT_EQ(request.query("flag"), "");
  EXPECT_FALSE(request.query("missing"));
  EXPECT_EQ(request.cookie("dsptsync_session"), "abc123");
  EXPECT_EQ(request.cookie("other"), "1");
  EXPECT_FALSE(request.cookie("dsptsync"));
  EXPECT_EQ(url_decoded("%ZZ%4"), "%ZZ%4") << "a broken escape stays as it is";
}

// The edit rules on a real question set: head office shares 1.1.1 (a policy), Leeds answers 1.3.12.
class WebEditRules : public ::testing::Test {
 protected:
  WebEditRules() {
    auto catalogue = shipped_catalogue(AssessmentYear{2021});
    EXPECT_TRUE(catalogue);
    branch.scope = "VLAXL";
    branch.catalogue = *catalogue;
    branch.view.shared_items = {"1.1.1", "2.1.1", "2.1.2"};
    branch.view.shared_assertions = {"2.1"};
    head_office.scope = "A1B2";
    head_office.head_office = true;
    head_office.catalogue = *catalogue;
  }
  static FieldKey key(const ScopeSnapshot& snapshot, TargetKind kind, std::string target, Field field) {
    return {snapshot.scope, "2021-22", kind, std::move(target), field};
  }
  static std::string why(const Status& status) { return status ? "" : status.error().message; }

  ScopeSnapshot branch;
  ScopeSnapshot head_office;
};

TEST_F(WebEditRules, EachRoleAndScopeMayDoWhatTheCliAllowsAndNoMore) {
  const Actor admin{"Priya Shah", protocol::Role::admin, ""};
  const Actor member{"Mo Member", protocol::Role::member, ""};
  const Actor viewer{"Victor Viewer", protocol::Role::viewer, ""};
  const Actor leeds_admin{"Sam Patel", protocol::Role::admin, "VLAXL"};
  const Actor york_admin{"Nia Jones", protocol::Role::admin, "VM2B3"};

  const auto answer = key(branch, TargetKind::item, "1.3.12", Field::answer);
  EXPECT_TRUE(check_edit_allowed(admin, branch, answer));
  EXPECT_TRUE(check_edit_allowed(member, branch, answer));
  EXPECT_TRUE(check_edit_allowed(leeds_admin, branch, answer));
  EXPECT_NE(why(check_edit_allowed(viewer, branch, answer)).find("viewer"), std::string::npos);
  EXPECT_NE(why(check_edit_allowed(york_admin, branch, answer)).find("VM2B3"), std::string::npos);

  // Shared items: read-only in a branch's assessment until it records an override.
  for (Field field : {Field::answer, Field::comment}) {
    const auto status = check_edit_allowed(leeds_admin, branch, key(branch, TargetKind::item, "1.1.1", field));
    EXPECT_NE(why(status).find("override"), std::string::npos) << to_string(field);
  }
  EXPECT_FALSE(check_edit_allowed(admin, branch, key(branch, TargetKind::plan, "1.1.1", Field::plan_action)));
  EXPECT_TRUE(check_edit_allowed(leeds_admin, branch, key(branch, TargetKind::item, "1.1.1", Field::override_reason)));
  EXPECT_FALSE(check_edit_allowed(admin, head_office, key(head_office, TargetKind::item, "1.1.1", Field::override_reason)));
  EXPECT_TRUE(check_edit_allowed(admin, head_office, key(head_office, TargetKind::item, "1.1.1", Field::answer)));

  // Confirmations: administrators only; a shared assertion is head office's, in its own assessment.
  const auto confirm = key(branch, TargetKind::assertion, "3.2", Field::confirmed);
  EXPECT_TRUE(check_edit_allowed(leeds_admin, branch, confirm));
  EXPECT_TRUE(check_edit_allowed(admin, branch, confirm));
  EXPECT_NE(why(check_edit_allowed(member, branch, confirm)).find("members cannot confirm"), std::string::npos);
  EXPECT_FALSE(check_edit_allowed(admin, branch, key(branch, TargetKind::assertion, "2.1", Field::confirmed)));

  // Sharing: head office's administrators, in head office's assessment.
  const auto sharing = key(head_office, TargetKind::item, "1.3.12", Field::sharing);
  EXPECT_TRUE(check_edit_allowed(admin, head_office, sharing));
  EXPECT_FALSE(check_edit_allowed(member, head_office, sharing));
  EXPECT_FALSE(check_edit_allowed(leeds_admin, head_office, sharing));
  EXPECT_FALSE(check_edit_allowed(admin, branch, key(branch, TargetKind::item, "1.3.12", Field::sharing)));
}

}  // namespace
}  // namespace dsptsync::web
