// The HTTP/1.1 side of a connection, once for both listeners that serve the web app: the server's
// sync port (server/src/net/ws_server.cpp) and the laptop's `dsptsync ui` (client/src/net/
// ui_server.cpp). Private to those two files: it includes Beast, which nothing else compiles.
//
// One request at a time: read its headers (at most kMaxHttpHeaderBytes), decide whether the
// connection stays open, read a body only where the route takes one (web::refuse_body /
// web::body_limit), write the answer. Every wait is bounded by tuning::kHttpRequestTimeout.
#pragma once

#include "dsptsync/limits.h"
#include "dsptsync/tuning.h"
#include "dsptsync/web/api.h"
#include "dsptsync/web/http.h"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace dsptsync::web::transport {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using HeaderParser = http::request_parser<http::empty_body>;
using net::awaitable;
inline constexpr auto tuple_awaitable = net::as_tuple(net::use_awaitable);

// Reads the next request's headers into `parser`; the body, if any, is left for read_body.
template <class Stream>
awaitable<beast::error_code> read_header(Stream& stream, beast::flat_buffer& buffer, HeaderParser& parser) {
  parser.header_limit(limits::kMaxHttpHeaderBytes);
  // No body limit here: each route's own (web::refuse_body) answers 413 once the headers are in,
  // rather than the parser refusing a large Content-Length as a malformed request (400).
  parser.body_limit(boost::none);
  beast::get_lowest_layer(stream).expires_after(tuning::kHttpRequestTimeout);
  auto [ec, read] = co_await http::async_read_header(stream, buffer, parser, tuple_awaitable);
  (void)read;
  co_return ec;
}

// Whether the client asked to keep the connection for another request (browsers do; a script
// reading to the end does not), within the bounded number of requests per connection.
inline bool asks_keep_alive(const http::request<http::empty_body>& header, std::size_t served) {
  return header.keep_alive() && http::token_list(header[http::field::connection]).exists("keep-alive") &&
         served < limits::kMaxHttpRequestsPerConnection;
}

// The request as the web app sees it (web/http.h), from its headers.
inline HttpRequest web_request(const http::request<http::empty_body>& header, std::string peer_address, bool tls) {
  HttpRequest request;
  request.method = std::string(header.method_string());
  request.target = std::string(header.target());
  for (const auto& field : header) request.set_header(field.name_string(), std::string(field.value()));
  request.peer_address = std::move(peer_address);
  request.tls = tls;
  return request;
}

// Reads the request's body into `request.body`, when it has one the route takes. Returns the
// answer to send instead (411 without a length, 413 over the route's limit), or nullopt; `ec` is set
// when the connection failed while reading.
template <class Stream>
awaitable<std::optional<HttpResponse>> read_body(Stream& stream, beast::flat_buffer& buffer, HeaderParser& header_parser,
                                                 HttpRequest& request, beast::error_code& ec) {
  ec = {};
  if (header_parser.is_done()) co_return std::nullopt;
  const auto length = header_parser.content_length();  // a boost::optional
  if (auto refused = refuse_body(request, length ? std::optional<std::uint64_t>(*length) : std::nullopt))
    co_return refused;
  http::request_parser<http::string_body> body_parser{std::move(header_parser)};
  body_parser.body_limit(body_limit(request));
  beast::get_lowest_layer(stream).expires_after(tuning::kHttpRequestTimeout);
  auto [read_ec, read] = co_await http::async_read(stream, buffer, body_parser, tuple_awaitable);
  (void)read;
  ec = read_ec;
  if (!ec) request.body = std::move(body_parser.get().body());
  co_return std::nullopt;
}

// Writes one answer. Headers are inserted, never set: a response may carry several of one name
// (two Set-Cookie headers are two cookies). False when the connection failed.
template <class Stream>
awaitable<bool> write_response(Stream& stream, HttpResponse response, unsigned version, bool head, bool keep_alive) {
  http::response<http::string_body> message{static_cast<http::status>(response.status), version};
  message.set(http::field::server, "dsptsync");
  message.set(http::field::content_type, response.content_type);
  for (const auto& [name, value] : response.headers) message.insert(name, value);
  message.keep_alive(keep_alive);
  message.content_length(response.body.size());  // a HEAD answer says how long the GET one is
  if (!head) message.body() = std::move(response.body);
  beast::get_lowest_layer(stream).expires_after(tuning::kHttpRequestTimeout);
  auto [ec, written] = co_await http::async_write(stream, message, tuple_awaitable);
  (void)written;
  co_return !ec;
}

// A request whose headers could not be read: too large (431) or not HTTP (400) deserve an answer
// made by `answer(status, message)`; a client that went away, stayed silent or was too slow gets
// none (nullopt). `reader` names the program in the message ("this server", "dsptsync ui").
template <class Answer>
std::optional<HttpResponse> unreadable_request(beast::error_code ec, std::string_view reader, Answer answer) {
  const bool parse_error = ec.category() == http::make_error_code(http::error::header_limit).category() &&
                           ec != http::error::end_of_stream && ec != http::error::partial_message;
  if (!parse_error) return std::nullopt;
  if (ec == http::error::header_limit)
    return answer(431, "the request's headers are larger than " + std::to_string(limits::kMaxHttpHeaderBytes / 1024) +
                           " KiB");
  return answer(400, "the request is not HTTP/1.1 " + std::string(reader) + " can read (" + ec.message() + ")");
}

}  // namespace dsptsync::web::transport
