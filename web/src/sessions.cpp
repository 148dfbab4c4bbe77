#include "dsptsync/web/sessions.h"

#include "dsptsync/crypto.h"
#include "dsptsync/limits.h"


#include <algorithm>

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

int SignInLimiter::wait(std::map<std::string, Window>& windows, const std::string& key, int limit, TimestampMs now) {
  auto found = windows.find(key);
  if (found == windows.end()) return 0;
  const TimestampMs ends_at = found->second.started_at + limits::kSignInWindowMinutes * kMinuteMs;
  if (now >= ends_at) {
    windows.erase(found);
    return 0;
  }
  if (found->second.failures < limit) return 0;
  return static_cast<int>((ends_at - now + 999) / 1000);
}

int SignInLimiter::wait_seconds(std::string_view user, std::string_view address, TimestampMs now) {
  std::lock_guard lock(mutex_);
  return std::max(wait(by_user_, std::string(user), limits::kSignInFailuresPerUser, now),
                  wait(by_address_, std::string(address), limits::kSignInFailuresPerAddress, now));
}

void SignInLimiter::failed(std::string_view user, std::string_view address, TimestampMs now) {
  std::lock_guard lock(mutex_);
  for (auto* windows : {&by_user_, &by_address_}) {
    const std::string key(windows == &by_user_ ? user : address);
    if (windows->size() >= limits::kMaxSignInWindows && !windows->contains(key)) {
      // Forget the window that started first (its failures are the oldest).
      auto oldest = std::min_element(windows->begin(), windows->end(), [](const auto& a, const auto& b) {
        return a.second.started_at < b.second.started_at;
      });
      windows->erase(oldest);
    }
    Window& window = (*windows)[key];
    if (window.failures == 0 || now >= window.started_at + limits::kSignInWindowMinutes * kMinuteMs)
      window = Window{now, 0};
    ++window.failures;
  }
}

void SignInLimiter::succeeded(std::string_view user) {
  std::lock_guard lock(mutex_);
  by_user_.erase(std::string(user));
}

}  // namespace dsptsync::web
