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
#include <utility>

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

// Failed sign-ins, counted per name from one address and per address, each with growing delays
// (tuning.h): a stranger's guesses slow down only the stranger. A new password for a name forgets
// its failures from every address.
class SignInLimiter {
 public:
  // Seconds until the next attempt for `user` from `address` is allowed, or 0 when it is allowed now.
  int wait_seconds(std::string_view user, std::string_view address, TimestampMs now);
  void failed(std::string_view user, std::string_view address, TimestampMs now);
  void succeeded(std::string_view user, std::string_view address);
  // The time `user`'s password was set, as stored now: when it is newer than the one last seen, an
  // administrator set a new password and the name's failures are forgotten.
  void password_set(std::string_view user, TimestampMs set_at);

 private:
  struct Counter {
    int failures = 0;
    TimestampMs last_failure_at = 0;
  };
  using NameAndAddress = std::pair<std::string, std::string>;
  template <class Key>
  static int wait(std::map<Key, Counter, std::less<>>& counters, const Key& key, int free_failures, TimestampMs now);
  template <class Key>
  static void count(std::map<Key, Counter, std::less<>>& counters, const Key& key, TimestampMs now);

  std::mutex mutex_;
  std::map<NameAndAddress, Counter, std::less<>> by_name_and_address_;
  std::map<std::string, Counter, std::less<>> by_address_;
  std::map<std::string, TimestampMs, std::less<>> password_set_at_;
};

}  // namespace dsptsync::web
