// Building blocks of the JSON API (docs/api.md) shared by the app and the backends' own routes:
// responses with the web app's security headers, errors with their HTTP status, request bodies.
#pragma once

#include "dsptsync/error.h"
#include "dsptsync/evaluator.h"
#include "dsptsync/time.h"
#include "dsptsync/web/http.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <functional>
#include <string_view>
#include <vector>

namespace dsptsync::web {

// The headers every answer of the web app carries (docs/api.md "Sessions and protection").
void add_security_headers(HttpResponse& response);

HttpResponse json_response(int status, const nlohmann::json& body);
// {"error": {"code", "message"[, "field"]}} with its status.
HttpResponse api_error(int status, std::string_view code, std::string message, std::string_view field = {});
// An Error as the API reports it: invalid_input 400, not_found 404, refused 403, network 502,
// anything else 500 (its detail stays in the server's log, not in the answer).
HttpResponse error_response(const Error& error);
// The same, naming the detail at fault: an operation's invalid_input message starts with the name of
// the detail it is about ("found_at: ...", "published_on: ..."); where `names_field` accepts that
// name, the answer carries it in `field` by its API name (foundAt, publishedOn), so the page can
// point at the control to fix.
HttpResponse error_response(const Error& error, const std::function<bool(std::string_view)>& names_field);
// GET or HEAD: a read.
bool is_read(std::string_view method);
// 405 with the methods the address takes (and an Allow header); 404 for an address the API has not.
HttpResponse method_not_allowed(std::string_view method, std::string_view allowed);
HttpResponse not_here(std::string_view path);
// A file to download (Content-Disposition: attachment).
HttpResponse download_response(std::string file_name, std::string content_type, std::string bytes);

// A file of the policy library to download: always an attachment, never shown in the page (its
// name sanitised again for the header, with RFC 6266's filename* for a name that is not ASCII),
// served as `media_type` unless that is one a browser would run (HTML, SVG): then as bytes.
HttpResponse library_file_response(std::string_view file_name, std::string_view media_type, std::string bytes);

// The largest body a request may carry, from its method and path alone (the transports ask before
// reading it): head office's upload of the official list (POST /api/question-sets/import) up to
// kMaxOfficialListBytes, as the console reads it; a policy library file (POST /api/documents and
// /api/documents/{id}/versions) up to limits::kMaxFileBytes; every other request kMaxWebRequestBodyBytes.
std::size_t body_limit(const HttpRequest& request);
// Whether a request's body can be read, from its Content-Length (none: chunked or unknown): the
// answer to send instead (411 without a length, 413 over body_limit), or nullopt.
std::optional<HttpResponse> refuse_body(const HttpRequest& request, std::optional<std::uint64_t> content_length);

// The body as a JSON object; invalid_input naming what is wrong otherwise.
Result<nlohmann::json> json_body(const HttpRequest& request);
// A string member of a body: absent -> nullopt; present but not a string -> invalid_input.
Result<std::optional<std::string>> string_member(const nlohmann::json& body, std::string_view name);

// The path's segments after a prefix: "/api/assessment/VLAXL/items/1.1.5" -> {"assessment",
// "VLAXL", "items", "1.1.5"} for prefix "/api/"; each %-decoded.
std::vector<std::string> path_segments(std::string_view path, std::string_view prefix);

// Pieces of JSON the pages show the same way everywhere.
nlohmann::json timestamp_json(TimestampMs at);  // {"at": ms, "atText": "2026-11-23T10:15:00Z"}

}  // namespace dsptsync::web
