// Signed-in sessions of the web app and the limit on sign-in attempts. Kept in memory: a restart
// signs everyone out, which is the safe direction, and nothing secret is written to disk. Every
// method is thread-safe (the transport checks the static files on its own threads).
#pragma once

#include "dsptsync/time.h"

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace dsptsync::web {

struct Session {
  std::string user;
  std::string csrf;  // sent by the page with every change (X-CSRF-Token)
  TimestampMs created_at = 0;
  TimestampMs last_seen_at = 0;
  TimestampMs expires_at = 0;  // the earlier of idle and absolute expiry, as of the last request
};

class SessionStore {
 public:
  // A new session for `user`; returns its token (the cookie's value, 256 random bits as hex).
  std::string create(std::string user, TimestampMs now);
  // The session of a token, refreshed (idle expiry moves on); nullopt when unknown or expired.
  std::optional<Session> use(std::string_view token, TimestampMs now);
  void end(std::string_view token);
  // Ends every session of a user (revoked, password changed).
  void end_all_of(std::string_view user);
  std::size_t size() const;

  // Branch mode: a token for the sign-in link `dsptsync ui` prints, good once, for a few minutes.
  std::string issue_link_token(std::string user, TimestampMs now);
  // The user the link was for, if the token is good; it is used up either way.
  std::optional<std::string> redeem_link_token(std::string_view token, TimestampMs now);

 private:
  void drop_expired(TimestampMs now);  // with the mutex held

  mutable std::mutex mutex_;
  std::map<std::string, Session> sessions_;  // by the BLAKE2b hash of the token, not the token
  std::map<std::string, std::pair<std::string, TimestampMs>> link_tokens_;  // hash -> user, expiry
};

// Failed sign-ins counted per name and per address over a sliding window (limits.h).
class SignInLimiter {
 public:
  // Seconds until the next attempt is allowed, or 0 when it is allowed now.
  int wait_seconds(std::string_view user, std::string_view address, TimestampMs now);
  void failed(std::string_view user, std::string_view address, TimestampMs now);
  void succeeded(std::string_view user);

 private:
  struct Window {
    TimestampMs started_at = 0;
    int failures = 0;
  };
  static int wait(std::map<std::string, Window>& windows, const std::string& key, int limit, TimestampMs now);

  std::mutex mutex_;
  std::map<std::string, Window> by_user_;
  std::map<std::string, Window> by_address_;
};

}  // namespace dsptsync::web
