// libFuzzer entry point for HTTP requests as a stranger can send them to the sync port (tools/fuzz/
// README.md says how to build and run it): Beast's request parser with the server's limits, then
// everything dsptsync itself reads from a request before anyone is signed in: the route, the body
// limit, the client address behind a trusted proxy, the path's segments, query parameters, cookies
// and the JSON body.
//
// Nothing may crash, read out of bounds or leak; a request the parser accepted must keep its
// headers within the limit; a route must be one of the documented answers; a body refused for its
// length must be refused with 411 or 413. The request is fed in two pieces split at a point taken
// from the input, so the parser's resumption is exercised as a slow client would.
//
// Built with -DDSPTSYNC_FUZZ_WRITE_SEEDS instead, the same file is a small program that writes
// realistic requests into a directory, as a starting corpus.
#include "../../server/src/http_routes.h"
#include "dsptsync/limits.h"
#include "dsptsync/web/api.h"
#include "dsptsync/web/http.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#ifndef DSPTSYNC_FUZZ_WRITE_SEEDS

#include <boost/beast/core/buffers_range.hpp>
#include <boost/beast/http.hpp>

namespace {

using namespace dsptsync;
namespace http = boost::beast::http;

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "%s\n", what);
  std::abort();
}

// Feeds `bytes` to the parser; false when it refused them.
bool feed(http::request_parser<http::empty_body>& parser, std::string_view bytes) {
  boost::beast::error_code ec;
  while (!bytes.empty() && !parser.is_header_done()) {
    const std::size_t used = parser.put(boost::asio::buffer(bytes.data(), bytes.size()), ec);
    if (ec == http::error::need_more) return true;
    if (ec) return false;
    if (used == 0) return true;
    bytes.remove_prefix(used);
  }
  return true;
}

void check_web_request(const web::HttpRequest& request, std::string_view rest) {
  (void)request.path();
  for (const char* name : {"token", "scope", "format", "plan", "year", "dryRun"}) (void)request.query(name);
  (void)request.cookie("dsptsync_session");
  (void)web::path_segments(request.path(), "/api/");
  const auto address = web::client_address("127.0.0.1", request.header("x-forwarded-for"), {"127.0.0.1", "10.0.0.2"});
  if (address.empty()) fail("client_address gave an empty address");
  web::HttpRequest with_body = request;
  with_body.body = std::string(rest);
  (void)web::json_body(with_body);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::string_view all(reinterpret_cast<const char*>(data + 1), size - 1);
  const std::size_t split = all.empty() ? 0 : data[0] % (all.size() + 1);

  http::request_parser<http::empty_body> parser;
  parser.header_limit(limits::kMaxHttpHeaderBytes);
  parser.body_limit(boost::none);
  if (!feed(parser, all.substr(0, split)) || !feed(parser, all.substr(split)) || !parser.is_header_done()) return 0;

  const auto& header = parser.get();
  web::HttpRequest request;
  request.method = std::string(header.method_string());
  request.target = std::string(header.target());
  std::size_t header_bytes = 0;
  for (const auto& field : header) {
    header_bytes += field.name_string().size() + field.value().size();
    request.set_header(field.name_string(), std::string(field.value()));
  }
  if (header_bytes > limits::kMaxHttpHeaderBytes) fail("the parser accepted headers over the limit");

  const auto route = server::route_http(request.method, request.target);
  if (const auto* response = std::get_if<web::HttpResponse>(&route)) {
    const int status = response->status;
    if (status != 200 && status != 400 && status != 405) fail("route_http answered with an undocumented status");
  } else if (std::holds_alternative<server::WebAppRequest>(route)) {
    if (!parser.is_done()) {
      const auto length = parser.content_length();
      if (auto refused = web::refuse_body(request, length ? std::optional<std::uint64_t>(*length) : std::nullopt)) {
        if (refused->status != 411 && refused->status != 413) fail("refuse_body answered with an undocumented status");
      } else if (!length || *length > web::body_limit(request)) {
        fail("refuse_body let through a body it cannot bound");
      }
    }
    const std::size_t end_of_header = all.find("\r\n\r\n");
    check_web_request(request, end_of_header == std::string_view::npos ? std::string_view() : all.substr(end_of_header + 4));
  }
  return 0;
}

#else

#include "seeds.h"

int main(int argc, char** argv) {
  const auto folder = dsptsync::fuzz::corpus_folder(argc, argv);
  if (!folder) return 2;
  // The first byte of each seed is where the fuzz target splits the rest.
  return dsptsync::fuzz::write_seeds<std::string>(*folder, {
      {"status", "\x10GET /status/V8X4R HTTP/1.1\r\nHost: hq.example\r\n\r\n"},
      {"health", "\x05HEAD /health HTTP/1.1\r\nHost: hq\r\nConnection: keep-alive\r\n\r\n"},
      {"sign-in", std::string("\x30POST /api/session HTTP/1.1\r\nHost: hq\r\nContent-Type: application/json\r\n"
                              "Content-Length: 45\r\nX-Forwarded-For: 203.0.113.9, 10.0.0.2\r\n\r\n"
                              "{\"name\":\"Priya Shah\",\"password\":\"correct horse\"}")},
      {"answer", "\x40PUT /api/assessment/V8X4R/items/1.1.5/answer HTTP/1.1\r\nHost: hq\r\n"
                 "Cookie: theme=light; dsptsync_session=abc%20def\r\nContent-Length: 24\r\n\r\n{\"text\":\"Reviewed, ok\"}"},
      {"export", "\x22GET /api/export?scope=V8X4R&format=csv&plan=1 HTTP/1.1\r\nHost: hq\r\n\r\n"},
      {"import", "\x01POST /api/question-sets/import?year=2026-27&dryRun=1 HTTP/1.1\r\nHost: hq\r\n"
                 "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"},
      {"upgrade", "\x02GET /sync HTTP/1.1\r\nHost: hq\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                  "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"},
  });
}

#endif
