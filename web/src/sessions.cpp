#include "dsptsync/web/sessions.h"

#include "dsptsync/crypto.h"
#include "dsptsync/limits.h"
#include "dsptsync/tuning.h"

#include <algorithm>
#include <chrono>

namespace dsptsync::web {
namespace {

constexpr TimestampMs kMinuteMs = 60 * 1000;
constexpr std::size_t kTokenBytes = 32;

// Tokens are kept by their hash: a memory dump or a log line of the table does not sign anyone in.
std::string key_of(std::string_view token) {
  return crypto::hash_hex(ByteView(reinterpret_cast<const std::uint8_t*>(token.data()), token.size()));
}

// A session ends after kWebSessionIdleMinutes without a request, and kWebSessionMaxMinutes after it
// began, whichever comes first.
TimestampMs expiry(const Session& session) {
  return std::min(session.last_seen_at + limits::kWebSessionIdleMinutes * kMinuteMs,
                  session.created_at + limits::kWebSessionMaxMinutes * kMinuteMs);
}

}  // namespace

std::string SessionStore::create(std::string user, TimestampMs now) {
  const std::string token = crypto::random_hex(kTokenBytes);
  std::lock_guard lock(mutex_);
  drop_expired(now);
  if (sessions_.size() >= limits::kMaxWebSessions) {
    auto oldest = std::min_element(sessions_.begin(), sessions_.end(), [](const auto& a, const auto& b) {
      return a.second.last_seen_at < b.second.last_seen_at;
    });
    sessions_.erase(oldest);
  }
  Session session{std::move(user), crypto::random_hex(kTokenBytes), now, now, 0};
  session.expires_at = expiry(session);
  sessions_.emplace(key_of(token), std::move(session));
  return token;
}

std::optional<Session> SessionStore::use(std::string_view token, TimestampMs now) {
  if (token.size() != kTokenBytes * 2) return std::nullopt;
  std::lock_guard lock(mutex_);
  auto found = sessions_.find(key_of(token));
  if (found == sessions_.end()) return std::nullopt;
  Session& session = found->second;
  if (now >= session.expires_at) {
    sessions_.erase(found);
    return std::nullopt;
  }
  session.last_seen_at = now;
  session.expires_at = expiry(session);
  return session;
}

void SessionStore::end(std::string_view token) {
  std::lock_guard lock(mutex_);
  sessions_.erase(key_of(token));
}

void SessionStore::end_all_of(std::string_view user) {
  std::lock_guard lock(mutex_);
  std::erase_if(sessions_, [&](const auto& entry) { return entry.second.user == user; });
}

std::size_t SessionStore::size() const {
  std::lock_guard lock(mutex_);
  return sessions_.size();
}

std::string SessionStore::issue_link_token(std::string user, TimestampMs now) {
  const std::string token = crypto::random_hex(kTokenBytes);
  std::lock_guard lock(mutex_);
  drop_expired(now);
  link_tokens_[key_of(token)] = {std::move(user), now + limits::kSignInLinkMinutes * kMinuteMs};
  return token;
}

std::optional<std::string> SessionStore::redeem_link_token(std::string_view token, TimestampMs now) {
  std::lock_guard lock(mutex_);
  auto found = link_tokens_.find(key_of(token));
  if (found == link_tokens_.end()) return std::nullopt;
  auto [user, expires_at] = std::move(found->second);
  link_tokens_.erase(found);
  if (now >= expires_at) return std::nullopt;
  return user;
}

void SessionStore::drop_expired(TimestampMs now) {
  std::erase_if(sessions_, [&](const auto& entry) { return now >= entry.second.expires_at; });
  std::erase_if(link_tokens_, [&](const auto& entry) { return now >= entry.second.second; });
}

namespace {

// The delay after `failures` failures of which the first `free_failures` cost nothing.
TimestampMs sign_in_delay_ms(int failures, int free_failures) {
  if (failures <= free_failures) return 0;
  const TimestampMs first = std::chrono::milliseconds(tuning::kSignInFirstDelay).count();
  const TimestampMs most = std::chrono::milliseconds(tuning::kSignInMaxDelay).count();
  const int doublings = std::min(failures - free_failures - 1, 30);
  return std::min(most, first << doublings);
}

constexpr TimestampMs kForgetAfterMs = std::chrono::milliseconds(tuning::kSignInForgetAfter).count();

}  // namespace

template <class Key>
int SignInLimiter::wait(std::map<Key, Counter, std::less<>>& counters, const Key& key, int free_failures,
                        TimestampMs now) {
  auto found = counters.find(key);
  if (found == counters.end()) return 0;
  if (now >= found->second.last_failure_at + kForgetAfterMs) {
    counters.erase(found);
    return 0;
  }
  const TimestampMs allowed_at =
      found->second.last_failure_at + sign_in_delay_ms(found->second.failures, free_failures);
  return now >= allowed_at ? 0 : static_cast<int>((allowed_at - now + 999) / 1000);
}

template <class Key>
void SignInLimiter::count(std::map<Key, Counter, std::less<>>& counters, const Key& key, TimestampMs now) {
  if (counters.size() >= tuning::kMaxSignInCounters && !counters.contains(key)) {
    // Forget the counter whose last failure is the oldest.
    counters.erase(std::min_element(counters.begin(), counters.end(), [](const auto& a, const auto& b) {
      return a.second.last_failure_at < b.second.last_failure_at;
    }));
  }
  Counter& counter = counters[key];
  if (now >= counter.last_failure_at + kForgetAfterMs) counter = Counter{};
  ++counter.failures;
  counter.last_failure_at = now;
}

int SignInLimiter::wait_seconds(std::string_view user, std::string_view address, TimestampMs now) {
  std::lock_guard lock(mutex_);
  const NameAndAddress pair{std::string(user), std::string(address)};
  return std::max(wait(by_name_and_address_, pair, tuning::kSignInFreeFailuresPerName, now),
                  wait(by_address_, std::string(address), tuning::kSignInFreeFailuresPerAddress, now));
}

void SignInLimiter::failed(std::string_view user, std::string_view address, TimestampMs now) {
  std::lock_guard lock(mutex_);
  count(by_name_and_address_, NameAndAddress{std::string(user), std::string(address)}, now);
  count(by_address_, std::string(address), now);
}

void SignInLimiter::succeeded(std::string_view user, std::string_view address) {
  std::lock_guard lock(mutex_);
  by_name_and_address_.erase(NameAndAddress{std::string(user), std::string(address)});
}

void SignInLimiter::password_set(std::string_view user, TimestampMs set_at) {
  std::lock_guard lock(mutex_);
  auto [seen, first_time] = password_set_at_.try_emplace(std::string(user), set_at);
  if (first_time || seen->second >= set_at) return;
  seen->second = set_at;
  const std::string name(user);
  auto from = by_name_and_address_.lower_bound(NameAndAddress{name, ""});
  auto to = from;
  while (to != by_name_and_address_.end() && to->first.first == name) ++to;
  by_name_and_address_.erase(from, to);
}

}  // namespace dsptsync::web
