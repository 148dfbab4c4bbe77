// Plain HTTP on the sync port, transport-free: what the server answers to a request that is not a
// WebSocket upgrade. Today the public status look-up (as the toolkit's organisation search: a
// site's latest published status and date, never an answer) and a health check.
#pragma once

#include "dsptsync/directory.h"
#include "dsptsync/error.h"

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace dsptsync::server {

struct HttpReply {
  int status = 200;
  std::string body;  // JSON
  std::vector<std::pair<std::string, std::string>> headers;  // beyond the ones every reply has
};

// Finds a site's latest publication (Directory::latest_published_status).
using PublicStatusLookup = std::function<Result<std::optional<PublicStatusRecord>>(const std::string& ods)>;

// GET|HEAD /status/{ODS}: 200 {ods, status, year, published} | 404 {ods, status: "Not Published"}
// | 400 for a malformed code. GET /health: 200. Anything else 404, or 405 for another method.
HttpReply route_http(std::string_view method, std::string_view target, const PublicStatusLookup& lookup);

}  // namespace dsptsync::server
