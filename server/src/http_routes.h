// Plain HTTP on the sync port, transport-free: what the server answers to a request that is not a
// WebSocket upgrade: the public status look-up (as the toolkit's organisation search: a site's
// latest published status and date, never an answer), a health check, and the web app.
//
// Two steps, so the transport stays thin and never learns what a route means:
//   1. route_http(method, target) reads the request line and says what it needs: either nothing
//      (an HttpResponse, ready to send) or a look-up (a PublicStatusQuery: a normalised ODS code);
//   2. the transport runs the look-up (SyncCore::public_status) and hands the result to
//      respond_public_status, which makes the response.
// A new route adds a request type to HttpRoute and a respond function for it.
#pragma once

#include "storage_health.h"

#include "dsptsync/directory.h"
#include "dsptsync/error.h"
#include "dsptsync/web/http.h"

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace dsptsync::server {

using web::HttpResponse;

// GET|HEAD /status/{ODS} with a well-formed code: needs the site's latest publication.
struct PublicStatusQuery {
  std::string ods;  // normalised: upper case, no surrounding space, %-escapes decoded
};

// GET|HEAD /health: needs whether the store can commit (SyncCore::storage_health, no database read).
struct HealthQuery {};

// Any other request: the web app's (its pages and its API, web/app.h), which reads the body.
struct WebAppRequest {};

using HttpRoute = std::variant<HttpResponse, PublicStatusQuery, HealthQuery, WebAppRequest>;

// Routes one request. `target` is the request target as sent (path and query).
//   GET|HEAD /status/{ODS}  -> PublicStatusQuery, or 400 for a malformed code
//   GET|HEAD /health        -> HealthQuery
//   another method on those -> 405 with Allow: GET, HEAD
//   anything else           -> WebAppRequest (the web app answers 404 for what is not its own)
HttpRoute route_http(std::string_view method, std::string_view target);

// Said with every answer of the look-up (`record`): it is the organisation's own record, not the NHS's.
inline constexpr std::string_view kPublicStatusRecordNote =
    "the organisation's own record of its sign-off in DSPT sync, not the NHS publication: the official status "
    "is on the NHS Data Security and Protection Toolkit website, www.dsptoolkit.nhs.uk";

// Said instead when the record is head office's entry of the site's publication on the NHS website.
inline constexpr std::string_view kNhsPublicationRecordNote =
    "the organisation's own record of its publication on the NHS Data Security and Protection Toolkit website, "
    "entered by head office: the official status is on that website, www.dsptoolkit.nhs.uk";

// The answer to a status query: 200 {ods, status, year, published (ISO date), source (nhs_website:
// head office recorded the NHS publication; sign_off: only head office's own sign-off), record} for
// the site's publication on the NHS website when recorded, else its latest sign-off; 404 {ods, status: "Not Published"}
// for any well-formed code without one (a branch here or not: the branch list is not revealed), 503 when the look-up
// failed or the server is busy.
HttpResponse respond_public_status(const PublicStatusQuery& query,
                                   const Result<std::optional<PublicStatusRecord>>& found);

// The answer to /health: 200 {"ok":true, "storage":{...}} while the store commits; 503 {"ok":false,
// "error", "storage":{...}} when its last commit failed (a full or read-only disk) or a push was ever
// acknowledged without a commit, so a monitor sees what laptops would only see as edits that stay
// queued (docs/protocol.md, operations.md).
HttpResponse respond_health(const StorageHealthReport& storage);

// An answer the transport makes itself when a request cannot be routed: 400 (unreadable request),
// 413 (a body where none is taken), 431 (headers too large). Same headers as every response.
HttpResponse http_error(int status, std::string message);

}  // namespace dsptsync::server
