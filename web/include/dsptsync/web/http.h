// Plain HTTP requests and responses as the web app and the public look-up see them: transport-free,
// so routes are tested without sockets and the same app runs behind the server's listener and the
// branch laptop's (`dsptsync ui`).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace dsptsync::web {

struct HttpRequest {
  std::string method;  // "GET", "POST", ... as sent
  std::string target;  // path and query as sent
  // Header names in lower case; a repeated header keeps its last value.
  std::map<std::string, std::string> headers;
  std::string body;
  std::string peer_address;  // the client's IP address (rate limits)
  bool tls = false;          // whether it came over TLS (cookies are Secure then)

  // Records a header as received (any case; kept in lower case).
  void set_header(std::string_view name, std::string value);
  std::string_view path() const;  // the target without its query
  // A query parameter, %-decoded ('+' is a space); empty when absent.
  std::optional<std::string> query(std::string_view name) const;
  std::optional<std::string> header(std::string_view lower_case_name) const;
  // The value of one cookie of the Cookie header.
  std::optional<std::string> cookie(std::string_view name) const;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json; charset=utf-8";
  std::string body;  // the body a GET gets; the transport leaves it out for HEAD
  // Every header but Content-Type, Content-Length and Connection (the transport's), in order.
  std::vector<std::pair<std::string, std::string>> headers;

  // The value of a header, if set (names compare case-insensitively).
  std::optional<std::string> header(std::string_view name) const;
};

// The address a request came from, for rate limits and logs: the peer's own, unless the peer is one
// of `trusted_proxies`; then the last address of X-Forwarded-For that is not itself a trusted proxy
// (the one the nearest trusted proxy saw). Nobody else's X-Forwarded-For is believed.
std::string client_address(std::string_view peer, const std::optional<std::string>& forwarded_for,
                           const std::vector<std::string>& trusted_proxies);

// %XX escapes decoded; a broken escape stays as it is. With `plus_is_space`, '+' is a space (query).
std::string url_decoded(std::string_view text, bool plus_is_space = false);

}  // namespace dsptsync::web
