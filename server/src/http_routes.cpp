#include "http_routes.h"

#include "dsptsync/ods.h"

#include <nlohmann/json.hpp>

namespace dsptsync::server {
namespace {

constexpr std::string_view kStatusPrefix = "/status/";

HttpReply json_reply(int status, const nlohmann::json& body) { return {status, body.dump() + "\n", {}}; }

HttpReply error_reply(int status, std::string message) { return json_reply(status, {{"error", std::move(message)}}); }

// %XX escapes in a path segment; an invalid escape leaves the text as it is (the code check refuses it).
std::string url_decoded(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && std::isxdigit(static_cast<unsigned char>(text[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(text[i + 2]))) {
      out += static_cast<char>(std::stoi(std::string(text.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

}  // namespace

HttpReply route_http(std::string_view method, std::string_view target, const PublicStatusLookup& lookup) {
  const std::string_view path = target.substr(0, target.find('?'));
  const bool readable = method == "GET" || method == "HEAD";
  if (path == "/health") {
    if (!readable) return {405, nlohmann::json{{"error", "use GET"}}.dump() + "\n", {{"Allow", "GET, HEAD"}}};
    return json_reply(200, {{"ok", true}});
  }
  if (!path.starts_with(kStatusPrefix)) return error_reply(404, "no such page; the public look-up is /status/ODS-CODE");
  if (!readable) return {405, nlohmann::json{{"error", "use GET"}}.dump() + "\n", {{"Allow", "GET, HEAD"}}};
  const std::string raw = url_decoded(path.substr(kStatusPrefix.size()));
  auto code = parse_ods_code(raw);
  if (!code) return error_reply(400, code.error().message);
  auto found = lookup(code->code);
  if (!found) return error_reply(503, "the look-up is unavailable just now; try again shortly");
  // Public data: anyone may read it, from any page. Whether a code is one of this organisation's
  // branches is not said: every well-formed code without a publication reads "Not Published".
  HttpReply reply = !*found ? json_reply(404, {{"ods", code->code}, {"status", "Not Published"}})
                            : json_reply(200, {{"ods", (*found)->ods},
                                               {"status", (*found)->public_status},
                                               {"year", (*found)->year},
                                               {"published", date_of((*found)->published_at).iso()}});
  reply.headers.emplace_back("Access-Control-Allow-Origin", "*");
  return reply;
}

}  // namespace dsptsync::server
