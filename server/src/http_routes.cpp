#include "http_routes.h"

#include "dsptsync/ods.h"
#include "dsptsync/time.h"

#include <nlohmann/json.hpp>

#include <cctype>

namespace dsptsync::server {
namespace {

constexpr std::string_view kStatusPrefix = "/status/";
constexpr std::string_view kHealthPath = "/health";
constexpr std::string_view kReadMethods = "GET, HEAD";

// Every response: JSON that no browser may sniff into something else, and never cached (a status
// changes when head office publishes).
HttpResponse json_response(int status, const nlohmann::json& body) {
  HttpResponse response;
  response.status = status;
  // `replace`: a request's bytes echoed in an error message may not be UTF-8.
  response.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  response.headers = {{"Cache-Control", "no-store"}, {"X-Content-Type-Options", "nosniff"}};
  return response;
}

HttpResponse method_not_allowed(std::string_view method, std::string_view path) {
  HttpResponse response = json_response(
      405, {{"error", std::string(method) + " is not allowed on " + std::string(path) + "; use GET or HEAD"}});
  response.headers.emplace_back("Allow", std::string(kReadMethods));
  return response;
}

// Public data: any page may read it.
HttpResponse public_data(HttpResponse response) {
  response.headers.emplace_back("Access-Control-Allow-Origin", "*");
  return response;
}

bool is_read(std::string_view method) { return method == "GET" || method == "HEAD"; }

}  // namespace

HttpRoute route_http(std::string_view method, std::string_view target) {
  const std::string_view path = target.substr(0, target.find('?'));
  if (path == kHealthPath) {
    if (!is_read(method)) return method_not_allowed(method, path);
    return HealthQuery{};
  }
  if (path.starts_with(kStatusPrefix)) {
    if (!is_read(method)) return public_data(method_not_allowed(method, "/status"));
    auto code = parse_ods_code(web::url_decoded(path.substr(kStatusPrefix.size())));
    if (!code) return public_data(json_response(400, {{"error", code.error().message}}));
    return PublicStatusQuery{code->code};
  }
  return WebAppRequest{};
}

HttpResponse respond_public_status(const PublicStatusQuery& query,
                                   const Result<std::optional<PublicStatusRecord>>& found) {
  HttpResponse response;
  if (!found) {
    response = json_response(503, {{"error", "the status look-up is unavailable just now; try again shortly"}});
    response.headers.emplace_back("Retry-After", "5");
  } else if (!*found) {
    // "Not Published", the words the toolkit's search uses, for scripts that read them. Said of every
    // well-formed code, a branch here or not, so the look-up does not reveal the branch list.
    response = json_response(404, {{"ods", query.ods}, {"status", "Not Published"}, {"record", kPublicStatusRecordNote}});
  } else {
    // Only what the toolkit itself publishes: the status and the date. Never an answer.
    const PublicStatusRecord& record = **found;
    response =
        json_response(200, {{"ods", record.ods},
                            {"status", record.public_status},
                            {"year", record.year},
                            {"published", date_of(record.published_at).iso()},
                            {"source", record.on_nhs_website ? "nhs_website" : "sign_off"},
                            {"record", record.on_nhs_website ? kNhsPublicationRecordNote : kPublicStatusRecordNote}});
  }
  return public_data(std::move(response));
}

HttpResponse respond_health(const StorageHealthReport& storage) {
  nlohmann::json figures = {{"writable", storage.writable},
                            {"commits", storage.commits},
                            {"failed_commits", storage.failed_commits},
                            {"acknowledged_but_failed", storage.acknowledged_but_failed}};
  if (storage.failing_since) figures["failing_since"] = format_timestamp(*storage.failing_since);
  if (!storage.writable) figures["problem"] = storage.problem;
  if (storage.writable && storage.acknowledged_but_failed == 0)
    return json_response(200, {{"ok", true}, {"storage", figures}});
  const std::string error =
      !storage.writable ? "the server cannot write to its database (" + storage.problem +
                              "): edits stay queued on the laptops until it can; look at the disk of the data folder"
                        : "the server acknowledged edits it had not stored: report this bug";
  return json_response(503, {{"ok", false}, {"error", error}, {"storage", figures}});
}

HttpResponse http_error(int status, std::string message) { return json_response(status, {{"error", std::move(message)}}); }

}  // namespace dsptsync::server
