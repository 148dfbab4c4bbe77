// Sign-in limits of the web app that a stranger cannot turn on real users, against the real
// `dsptsync-server serve` process: guesses slow down only the guesser's name and address, a new
// password from `user passwd` lifts them, X-Forwarded-For is believed only from a trusted proxy, and a
// flood of sign-ins does not hold up a real one (tuning.h, docs/threat-model.md).
#include "served_head_office.h"
#include "web_client.h"

#include "../common/raw_http.h"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <vector>

namespace dsptsync {
namespace {

using namespace std::chrono_literals;
using testing::Answer;
using testing::kPassword;
using testing::RawHttp;
using testing::ServedHeadOffice;

constexpr const char* kAnn = "Ann Admin";
constexpr const char* kBob = "Bob Admin";

// The sign-in request a browser sends, through a proxy when `forwarded_for` is given.
std::string sign_in_request(const std::string& user, const std::string& password, const std::string& forwarded_for) {
  const std::string body = nlohmann::json{{"user", user}, {"password", password}}.dump();
  std::string request = "POST /api/session HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n";
  if (!forwarded_for.empty()) request += "X-Forwarded-For: " + forwarded_for + "\r\n";
  return request + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

// One sign-in from `source`; its status, 0 when there was no answer.
int sign_in(std::uint16_t port, const char* source, const std::string& user, const std::string& password,
            const std::string& forwarded_for = "") {
  RawHttp http(port, source);
  if (!http.send(sign_in_request(user, password, forwarded_for))) return 0;
  auto answer = http.next();
  return answer ? answer->status : 0;
}

class SignInLimits : public ::testing::Test {
 protected:
  explicit SignInLimits(std::vector<std::string> serve_flags = {}) : server_({}, std::move(serve_flags)) {
    auto office = server_.admin();
    for (const char* name : {kAnn, kBob}) {
      EXPECT_TRUE(office->add_console_user(name, protocol::Role::admin));
      testing::set_web_password(server_.data(), name, scratch_.path());
    }
  }
  ServedHeadOffice server_;
  testing::TempDir scratch_;
};

TEST_F(SignInLimits, GuessesFromAnotherAddressDoNotLockTheRealUserOut) {
  const auto port = server_.port();
  for (int i = 0; i < tuning::kSignInFreeFailuresPerName + 5; ++i)
    EXPECT_NE(sign_in(port, "127.0.0.2", kAnn, "guess " + std::to_string(i)), 200);
  EXPECT_EQ(sign_in(port, "127.0.0.2", kAnn, kPassword), 429) << "the guesser waits, even with the right password";
  EXPECT_EQ(sign_in(port, "127.0.0.1", kAnn, kPassword), 200) << "Ann, at her own desk, is not held";
}

TEST_F(SignInLimits, ANewPasswordFromAnAdministratorLiftsTheWait) {
  const auto port = server_.port();
  for (int i = 0; i <= tuning::kSignInFreeFailuresPerName; ++i) sign_in(port, "127.0.0.1", kBob, "mistyped");
  ASSERT_EQ(sign_in(port, "127.0.0.1", kBob, kPassword), 429) << "Bob's own mistakes made him wait";
  std::this_thread::sleep_for(5ms);  // the new password is stamped later than the old one
  testing::set_web_password(server_.data(), kBob, scratch_.path());
  EXPECT_EQ(sign_in(port, "127.0.0.1", kBob, kPassword), 200) << "`user passwd` lifts it at once";
}

class SignInBehindAProxy : public SignInLimits {
 protected:
  SignInBehindAProxy() : SignInLimits({"--trusted-proxy", "127.0.0.3"}) {}
};

// Behind a trusted proxy each client is counted by the address it forwards; anyone else's
// X-Forwarded-For is ignored, so it cannot be used to escape the limit.
TEST_F(SignInBehindAProxy, ForwardedAddressesAreBelievedOnlyFromTheTrustedProxy) {
  const auto port = server_.port();
  for (int i = 0; i <= tuning::kSignInFreeFailuresPerAddress; ++i)
    sign_in(port, "127.0.0.3", "user " + std::to_string(i), "spray", "203.0.113.5");
  EXPECT_EQ(sign_in(port, "127.0.0.3", kAnn, kPassword, "203.0.113.5"), 429) << "the sprayer behind the proxy waits";
  EXPECT_EQ(sign_in(port, "127.0.0.3", kAnn, kPassword, "198.51.100.7"), 200) << "others behind the proxy do not";

  for (int i = 0; i <= tuning::kSignInFreeFailuresPerAddress; ++i)
    sign_in(port, "127.0.0.2", "user " + std::to_string(i), "spray", "192.0.2." + std::to_string(i));
  EXPECT_EQ(sign_in(port, "127.0.0.2", kAnn, kPassword, "192.0.2.200"), 429)
      << "an untrusted address cannot pick a new X-Forwarded-For to escape";
}

// A flood of wrong sign-ins takes one address's share of the password checks; past it they are
// answered 503 at once, and a real sign-in from elsewhere is answered within 2 s.
TEST_F(SignInLimits, AFloodOfSignInsDoesNotHoldUpARealOne) {
  const auto port = server_.port();
  std::vector<std::unique_ptr<RawHttp>> flood;
  for (int i = 0; i < 120; ++i) {
    flood.push_back(std::make_unique<RawHttp>(port, "127.0.0.2"));
    ASSERT_TRUE(flood.back()->send(sign_in_request("user " + std::to_string(i), "flood", "")));
  }
  std::this_thread::sleep_for(100ms);  // the server has read the flood
  const auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(sign_in(port, "127.0.0.1", kAnn, kPassword), 200);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);
  std::size_t busy = 0;
  for (auto& http : flood)
    if (auto answer = http->next(); answer && answer->status == 503) {
      EXPECT_FALSE(answer->header("retry-after").empty());
      ++busy;
    }
  EXPECT_GT(busy, 100u) << "past its share, the flood is answered busy at once";
}

}  // namespace
}  // namespace dsptsync
