#include "dsptsync/web/api.h"

#include "dsptsync/limits.h"
#include "dsptsync/service/incident_json.h"

#include <algorithm>
#include <cctype>

namespace dsptsync::web {

void add_security_headers(HttpResponse& response) {
  response.headers.emplace_back("X-Content-Type-Options", "nosniff");
  response.headers.emplace_back("X-Frame-Options", "DENY");
  response.headers.emplace_back("Referrer-Policy", "no-referrer");
  // Only this origin's own files: no inline script or style, no CDN, no framing, forms post here.
  response.headers.emplace_back("Content-Security-Policy",
                                "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                                "frame-ancestors 'none'; form-action 'self'; base-uri 'none'");
}

HttpResponse json_response(int status, const nlohmann::json& body) {
  HttpResponse response;
  response.status = status;
  // `replace`: text from a request echoed in an error message may not be UTF-8.
  response.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  // Answers are confidential: no browser or proxy keeps a copy.
  response.headers = {{"Cache-Control", "no-store"}};
  add_security_headers(response);
  return response;
}

HttpResponse api_error(int status, std::string_view code, std::string message, std::string_view field) {
  nlohmann::json error = {{"code", code}, {"message", std::move(message)}};
  if (!field.empty()) error["field"] = field;
  return json_response(status, {{"error", error}});
}

HttpResponse error_response(const Error& error) {
  switch (error.kind) {
    case ErrorKind::invalid_input: return api_error(400, "invalid_input", error.message);
    case ErrorKind::not_found: return api_error(404, "not_found", error.message);
    case ErrorKind::refused: return api_error(403, "forbidden", error.message);
    case ErrorKind::network:
    case ErrorKind::protocol: return api_error(502, "unreachable", error.message);
    default:
      return api_error(500, "internal",
                       "the assessment store could not be used just now (" + std::string(to_string(error.kind)) +
                           "); try again, and if it goes on, tell whoever runs dsptsync: the log says why");
  }
}

HttpResponse error_response(const Error& error, const std::function<bool(std::string_view)>& names_field) {
  const auto colon = error.message.find(": ");
  if (error.kind != ErrorKind::invalid_input || colon == std::string::npos) return error_response(error);
  const std::string name = error.message.substr(0, colon);
  if (!names_field(name)) return error_response(error);
  return api_error(400, "invalid_input", error.message, service::api_key(name));
}

HttpResponse download_response(std::string file_name, std::string content_type, std::string bytes) {
  HttpResponse response;
  response.content_type = std::move(content_type);
  response.body = std::move(bytes);
  // The name is ours (codes, years and a fixed word), never a user's text; quote it anyway.
  std::string safe;
  for (char c : file_name)
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.') safe += c;
  response.headers = {{"Cache-Control", "no-store"}, {"Content-Disposition", "attachment; filename=\"" + safe + "\""}};
  add_security_headers(response);
  return response;
}

namespace {

// A name for the plain filename parameter: printable ASCII only, without quotes, backslashes or
// characters a header could be split on; what is left out is kept in filename*.
std::string ascii_file_name(std::string_view name) {
  std::string safe;
  for (char c : name) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte >= 0x7f || c == '"' || c == '\\' || c == '/' || c == ';' || c == '%') safe += '_';
    else safe += c;
  }
  return safe.empty() ? "file" : safe;
}

// RFC 5987's value-chars: every other byte of the UTF-8 name %-encoded.
std::string ext_file_name(std::string_view name) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out = "UTF-8''";
  for (char c : name) {
    const auto byte = static_cast<unsigned char>(c);
    if (std::isalnum(byte) || std::string_view("!#$&+-.^_`|~").find(c) != std::string_view::npos) {
      out += c;
    } else {
      out += '%';
      out += kHex[byte >> 4];
      out += kHex[byte & 0xf];
    }
  }
  return out;
}

// A type a browser would render or run as a page of this origin (its essence, before any parameter).
bool runs_in_a_browser(std::string_view media_type) {
  std::string essence;
  for (char c : media_type.substr(0, media_type.find(';')))
    if (c != ' ') essence += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (std::string_view page : {"text/html", "application/xhtml+xml", "image/svg+xml", "text/xml", "application/xml",
                                "text/javascript", "application/javascript"})
    if (essence == page) return true;
  return false;
}

bool is_library_upload(const HttpRequest& request) {
  if (request.method != "POST") return false;
  const auto segments = path_segments(request.path(), "/api/");
  if (segments.empty() || segments[0] != "documents") return false;
  return segments.size() == 1 || (segments.size() == 3 && segments[2] == "versions");
}

}  // namespace

HttpResponse library_file_response(std::string_view file_name, std::string_view media_type, std::string bytes) {
  HttpResponse response;
  response.content_type = runs_in_a_browser(media_type) ? "application/octet-stream" : std::string(media_type);
  response.body = std::move(bytes);
  std::string disposition = "attachment; filename=\"" + ascii_file_name(file_name) + "\"";
  const bool ascii = std::all_of(file_name.begin(), file_name.end(), [](char c) {
    return static_cast<unsigned char>(c) >= 0x20 && static_cast<unsigned char>(c) < 0x7f;
  });
  if (!ascii) disposition += "; filename*=" + ext_file_name(file_name);
  response.headers = {{"Cache-Control", "no-store"}, {"Content-Disposition", std::move(disposition)}};
  add_security_headers(response);
  return response;
}

std::size_t body_limit(const HttpRequest& request) {
  if (request.method == "POST" && request.path() == "/api/question-sets/import") return limits::kMaxOfficialListBytes;
  if (is_library_upload(request)) return limits::kMaxFileBytes;
  return limits::kMaxWebRequestBodyBytes;
}

std::optional<HttpResponse> refuse_body(const HttpRequest& request, std::optional<std::uint64_t> content_length) {
  if (!content_length) return api_error(411, "invalid_input", "send the body with a Content-Length");
  const std::size_t limit = body_limit(request);
  if (*content_length > limit) {
    const std::string size = limit >= 1024 * 1024 ? std::to_string(limit / (1024 * 1024)) + " MiB"
                                                  : std::to_string(limit / 1024) + " KiB";
    return api_error(413, "too_large", "the request's body is larger than " + size);
  }
  return std::nullopt;
}

Result<nlohmann::json> json_body(const HttpRequest& request) {
  if (request.body.empty()) return invalid_input("the request has no body; send a JSON object");
  auto content_type = request.header("content-type").value_or("");
  if (content_type.rfind("application/json", 0) != 0)
    return invalid_input("send the body as JSON (Content-Type: application/json)");
  auto parsed = nlohmann::json::parse(request.body, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object()) return invalid_input("the body is not a JSON object");
  return Result<nlohmann::json>(boost::system::in_place_value, std::move(parsed));
}

Result<std::optional<std::string>> string_member(const nlohmann::json& body, std::string_view name) {
  auto found = body.find(name);
  if (found == body.end() || found->is_null()) return std::optional<std::string>();
  if (!found->is_string()) return invalid_input("\"" + std::string(name) + "\" must be text");
  return std::optional<std::string>(found->get<std::string>());
}

std::vector<std::string> path_segments(std::string_view path, std::string_view prefix) {
  std::vector<std::string> out;
  if (!path.starts_with(prefix)) return out;
  path.remove_prefix(prefix.size());
  while (!path.empty()) {
    const auto end = path.find('/');
    out.push_back(url_decoded(path.substr(0, end)));
    if (end == std::string_view::npos) break;
    path.remove_prefix(end + 1);
  }
  return out;
}

bool is_read(std::string_view method) { return method == "GET" || method == "HEAD"; }

HttpResponse method_not_allowed(std::string_view method, std::string_view allowed) {
  auto response = api_error(405, "method_not_allowed",
                            std::string(method) + " is not used here; this address takes " + std::string(allowed));
  response.headers.emplace_back("Allow", std::string(allowed));
  return response;
}

HttpResponse not_here(std::string_view path) {
  return api_error(
      404, "not_found",
      "there is nothing at " + std::string(path.substr(0, 200)) + "; the API's addresses are listed in docs/api.md");
}

nlohmann::json timestamp_json(TimestampMs at) { return {{"at", at}, {"atText", format_timestamp(at)}}; }

}  // namespace dsptsync::web
