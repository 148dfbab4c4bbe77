// A browser's side of head office's web API for tests (docs/api.md): real HTTP over TCP on 127.0.0.1,
// the session cookie and CSRF token kept as a browser keeps them, and passwords set with the real
// `dsptsync-server user passwd`.
#pragma once

#include "../common/cli_runner.h"
#include "../common/raw_http.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>

namespace dsptsync::testing {

using json = nlohmann::json;

inline constexpr const char* kPassword = "correct horse battery staple";

// A browser's side of the API: its cookie and CSRF token, one connection per request.
class WebClient {
 public:
  explicit WebClient(std::uint16_t port) : port_(port) {}

  Answer call(const std::string& method, const std::string& target, const std::optional<json>& body = std::nullopt,
              std::string extra_headers = "") {
    RawHttp http(port_);
    std::string request = headers(method, target) + extra_headers;
    if (body) return exchange(http, method, target, request, "application/json", body->dump());
    return exchange(http, method, target, request, "", "");
  }
  // A file as the body (Content-Type: application/octet-stream), as the page uploads one.
  Answer upload(const std::string& target, const std::string& bytes) {
    RawHttp http(port_);
    return exchange(http, "POST", target, headers("POST", target), "application/octet-stream", bytes);
  }
  Answer get(const std::string& target) { return call("GET", target); }
  Answer put(const std::string& target, const json& body) { return call("PUT", target, body); }
  Answer post(const std::string& target, const json& body) { return call("POST", target, body); }

  Answer sign_in(const std::string& user, const std::string& password) {
    auto answer = post("/api/session", json{{"user", user}, {"password", password}});
    if (answer.status == 200) {
      const std::string set_cookie = answer.header("set-cookie");
      const auto start = set_cookie.find('=') + 1;
      cookie_ = set_cookie.substr(start, set_cookie.find(';') - start);
      csrf_ = answer.parsed()["csrf"];
    }
    return answer;
  }
  void without_csrf() { with_csrf_ = false; }

 private:
  // The request line and the session's headers.
  std::string headers(const std::string& method, const std::string& target) const {
    std::string request = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port_) + "\r\n";
    if (!cookie_.empty()) request += "Cookie: dsptsync_session=" + cookie_ + "\r\n";
    if (!csrf_.empty() && with_csrf_) request += "X-CSRF-Token: " + csrf_ + "\r\n";
    return request;
  }
  static Answer exchange(RawHttp& http, const std::string& method, const std::string& target, std::string request,
                         const std::string& content_type, const std::string& body) {
    if (!content_type.empty())
      request += "Content-Type: " + content_type + "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
    request += "\r\n" + body;
    if (!http.send(request)) throw std::runtime_error("the server closed the connection");
    auto answer = http.next(method == "HEAD");
    if (!answer) throw std::runtime_error("no answer to " + method + " " + target);
    return *answer;
  }

  std::uint16_t port_;
  std::string cookie_;
  std::string csrf_;
  bool with_csrf_ = true;
};

// Sets a person's password with the real CLI, the password on stdin as a script would pipe it.
inline void set_web_password(const std::filesystem::path& data, const std::string& name,
                             const std::filesystem::path& scratch) {
  const std::string prefix = "printf '%s\\n' " + shell_quote(kPassword) + " | " + shell_quote(DSPTSYNC_SERVER_CLI) +
                             " --json --data " + shell_quote(data.string());
  auto set = run_program(prefix, {"user", "passwd", name}, scratch);
  ASSERT_EQ(set.code, 0) << set.err;
  EXPECT_EQ(set.data["password_set"], true);
}

// A client signed in as `name`, whose password is set first as above.
inline WebClient signed_in_client(const std::filesystem::path& data, std::uint16_t port, const std::string& name,
                                  const std::filesystem::path& scratch) {
  set_web_password(data, name, scratch);
  WebClient client(port);
  auto answer = client.sign_in(name, kPassword);
  EXPECT_EQ(answer.status, 200) << answer.body;
  return client;
}

}  // namespace dsptsync::testing
