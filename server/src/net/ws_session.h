// One connection of the sync port (Boost.Beast, C++20 coroutines): the WebSocket session, and plain
// HTTP (the public status look-up, the web app) on the same port. Included by ws_server.cpp alone, so
// Beast is still compiled in one server file; ws_server.cpp keeps the accept loop, the connection
// caps and the server's start and shutdown.
//
// Each connection has one reader coroutine and one writer coroutine with a bounded queue, as Beast
// allows one read and one write in flight per stream.
#pragma once

#include "../connection_table.h"
#include "../http_routes.h"
#include "../log.h"
#include "../server_session.h"
#include "../sign_in_queue.h"
#include "../sync_core.h"

#include "dsptsync/limits.h"
#include "dsptsync/tuning.h"
#include "dsptsync/web/api.h"
#include "dsptsync/web/app.h"
#include "http_connection.h"

#include <boost/asio.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include <list>

namespace dsptsync::server::ws {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace http = beast::http;
namespace transport = web::transport;
using tcp = net::ip::tcp;
using net::awaitable;
using net::use_awaitable;
constexpr auto tuple_awaitable = net::as_tuple(net::use_awaitable);

// What a connection needs to answer the web app: the app (null: none on this port, in tests of the
// sync service alone), the thread that checks passwords and its bounded queue, and the proxies
// whose X-Forwarded-For is believed.
struct WebDoor {
  web::WebApp* app = nullptr;
  net::thread_pool* sign_in_pool = nullptr;
  SignInQueue sign_ins;
  std::vector<std::string> trusted_proxies;
};

template <class Stream>
class WsSession final : public ServerSession, public Connection {
 public:
  WsSession(SyncCore& core, WebDoor& web, std::string peer, Stream stream)
      : ServerSession(core, std::move(peer)), core_(core), web_(web), web_app_(web.app), ws_(std::move(stream)) {}

  // `self` keeps the session alive while the coroutine runs.
  awaitable<void> run(std::shared_ptr<WsSession> /*self*/) {
    if constexpr (!std::is_same_v<Stream, beast::tcp_stream>) {
      beast::get_lowest_layer(ws_).expires_after(tuning::kTlsHandshakeTimeout);
      auto [ec] = co_await ws_.next_layer().async_handshake(net::ssl::stream_base::server, tuple_awaitable);
      if (ec) {
        log_event("warn", "tls_failed", {{"peer", peer()}, {"reason", ec.message()}});
        co_return;
      }
    }
    // Each request decides: a WebSocket upgrade is a device and takes the connection over; any
    // other request is plain HTTP (the public status look-up), routed by http_routes.h. Only the
    // headers are read here (http_connection.h: bounded in size and time).
    beast::flat_buffer buffer;  // keeps bytes read past one request for the next
    for (std::size_t served = 0;;) {
      answering_ = false;
      transport::HeaderParser parser;
      http_idle_ = true;
      const auto ec = co_await transport::read_header(ws_.next_layer(), buffer, parser);
      http_idle_ = false;
      answering_ = !ec;
      if (ec) {
        co_await refuse_request(ec, served);
        co_return;
      }
      if (websocket::is_upgrade(parser.get())) {
        // The HTTP buffer lives in this frame for as long as the session: give its memory back
        // (a device never sends before the upgrade is answered, so nothing in it is lost).
        buffer.clear();
        buffer.shrink_to_fit();
        co_await run_websocket(parser.release());
        co_return;
      }
      ++served;
      // Kept alive only when the client asks for it (browsers do; a script reading to the end does
      // not), while nothing of the request is left unread, up to a bounded number of requests.
      const bool asked_keep_alive = transport::asks_keep_alive(parser.get(), served);
      bool keep_alive = parser.is_done() && asked_keep_alive && !http_stopping_;
      bool written = false;
      if (std::holds_alternative<WebAppRequest>(route_http(parser.get().method_string(), parser.get().target()))) {
        // The web app's requests may carry a body, read here whole (it is small and bounded).
        keep_alive = asked_keep_alive;
        written = co_await answer_web(parser, buffer, keep_alive);
      } else {
        written = co_await answer_http(parser.release(), keep_alive);
      }
      if (!written) co_return;
      if (!keep_alive || http_stopping_) {
        co_await finish_http();
        co_return;
      }
    }
  }

  void shut_down() override {
    post([this] {
      if (!upgraded_) {
        // Plain HTTP: no new request on this connection; one being waited for is given up.
        http_stopping_ = true;
        if (http_idle_) beast::get_lowest_layer(ws_).cancel();
        return;
      }
      protocol::ErrorMessage bye{protocol::ErrorCode::shutting_down, "the server is shutting down; sync again later", 0};
      if (authenticated()) revoke(bye);
      else close_after_send("shutting down");
    });
  }

  bool idle_without_device() const override { return !authenticated() && !answering_; }

  void drop(const char* reason) override {
    log_event("warn", "connection_dropped", {{"peer", peer()}, {"reason", reason}});
    boost::system::error_code ignored;
    beast::get_lowest_layer(ws_).socket().close(ignored);
  }

 protected:
  // The budget is ServerSession's (limits::kMaxQueuedBytesPerConnection): it asks backlog() first.
  Backlog backlog() const override { return {outbox_.size(), outbox_bytes_}; }

  void send_frame(Bytes frame) override {
    outbox_bytes_ += frame.size();
    outbox_.push_back(std::move(frame));
    start_writer();
  }

  void close_after_send(std::string reason) override {
    closing_ = true;
    close_reason_ = std::move(reason);
    // A client that takes nothing more is not waited for: after the grace its socket is closed and
    // its queue given back.
    close_deadline_.expires_after(tuning::kShutdownGrace);
    close_deadline_.async_wait([self = shared_from_this(), this](boost::system::error_code ec) {
      if (ec) return;
      boost::system::error_code ignored;
      beast::get_lowest_layer(ws_).socket().close(ignored);
    });
    start_writer();
  }

  void post(std::function<void()> work) override {
    net::post(ws_.get_executor(), [self = shared_from_this(), work = std::move(work)] { work(); });
  }

 private:
  using LookupResult = Result<std::optional<PublicStatusRecord>>;

  awaitable<void> run_websocket(http::request<http::empty_body> request) {
    upgraded_ = true;
    beast::get_lowest_layer(ws_).expires_never();
    ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
    ws_.read_message_max(limits::kMaxFrameBytes);
    ws_.binary(true);
    // One frame per message: with fragmenting on, Beast keeps a 4 KiB write buffer for every
    // connection, most of an idle connection's memory (docs/performance.md).
    ws_.auto_fragment(false);
    if (auto [ec] = co_await ws_.async_accept(request, tuple_awaitable); ec) {
      log_event("warn", "websocket_refused", {{"peer", peer()}, {"reason", ec.message()}});
      co_return;
    }
    request = {};  // its headers are not needed again, and this frame lives as long as the session
    beast::flat_buffer buffer;
    for (;;) {
      auto [ec, size] = co_await ws_.async_read(buffer, tuple_awaitable);
      if (ec) {
        if (ec == websocket::error::message_too_big)
          log_event("warn", "frame_too_large", {{"peer", peer()}, {"limit", limits::kMaxFrameBytes}});
        break;
      }
      const auto data = buffer.cdata();
      on_frame(ByteView(static_cast<const std::uint8_t*>(data.data()), data.size()));
      buffer.consume(size);
      if (buffer.capacity() > limits::kMaxKeptReadBufferBytes) buffer.shrink_to_fit();
      if (closing_) break;
      // Backpressure: while the pushes waiting for the storage thread fill their budget, read
      // nothing more from this device (TCP holds it back) until commits make room.
      if (!core_.has_room_for_pushes()) co_await room_for_pushes();
    }
    close_deadline_.cancel();
    on_closed();
  }

  // Resumes here, on this connection's executor, once the pushes waiting have room.
  awaitable<void> room_for_pushes() {
    return net::async_initiate<const net::use_awaitable_t<>&, void()>(
        [this](auto handler) {
          auto waiting = std::make_shared<decltype(handler)>(std::move(handler));
          core_.when_room_for_pushes([waiting, executor = ws_.get_executor()] {
            net::post(executor, [waiting]() mutable { (*waiting)(); });
          });
        },
        use_awaitable);
  }

  // Routes one plain HTTP request, runs the look-up it needs, and writes the answer. False when
  // the connection failed.
  awaitable<bool> answer_http(http::request<http::empty_body> request, bool keep_alive) {
    const std::string method(request.method_string());
    const std::string target(request.target());
    HttpRoute route = route_http(method, target);
    HttpResponse response;
    if (auto* query = std::get_if<PublicStatusQuery>(&route)) {
      LookupResult found = co_await look_up_public_status(query->ods);
      response = respond_public_status(*query, found);
    } else if (std::holds_alternative<HealthQuery>(route)) {
      response = respond_health(core_.storage_health());
    } else {
      response = std::move(std::get<HttpResponse>(route));
    }
    log_event("info", "http", {{"peer", peer()}, {"method", method}, {"path", target.substr(0, target.find('?'))},
                               {"status", response.status}});
    const bool written = co_await write_http(std::move(response), request.version(),
                                             request.method() == http::verb::head, keep_alive);
    co_return written;
  }

  // A request of the web app (web/app.h): its body is read (only a Content-Length one, at most
  // web::body_limit), a page or file is answered here, the API on the storage thread, where
  // the database may be used. `keep_alive` comes back false when the connection must close.
  awaitable<bool> answer_web(transport::HeaderParser& header_parser, beast::flat_buffer& buffer, bool& keep_alive) {
    const auto& header = header_parser.get();  // not used once the parser moves on to the body
    web::HttpRequest request =
        transport::web_request(header, peer().substr(0, peer().rfind(':')), !std::is_same_v<Stream, beast::tcp_stream>);
    request.peer_address = web::client_address(request.peer_address, request.header("x-forwarded-for"), web_.trusted_proxies);
    const unsigned version = header.version();
    const bool head = header.method() == http::verb::head;
    beast::error_code ec;
    if (auto refused = co_await transport::read_body(ws_.next_layer(), buffer, header_parser, request, ec)) {
      keep_alive = false;
      co_return co_await write_http(std::move(*refused), version, head, false);
    }
    if (ec) co_return false;
    keep_alive = keep_alive && !http_stopping_;
    const std::string method = request.method;
    const std::string path(request.path().substr(0, 200));
    HttpResponse response;
    if (!web_app_) {
      response = web::api_error(404, "not_found", "there is no page at this address");
    } else if (auto file = web_app_->serve_static(request)) {
      response = std::move(*file);
    } else if (web::WebApp::is_sign_in(request)) {
      response = co_await run_sign_in(std::move(request));
    } else {
      response = co_await run_web_app(std::move(request));
    }
    log_event("info", "http", {{"peer", peer()}, {"method", method}, {"path", path}, {"status", response.status}});
    co_return co_await write_http(std::move(response), version, head, keep_alive);
  }

  // Runs the web app on the storage thread (SyncCore::run_web) and resumes here with its answer.
  awaitable<HttpResponse> run_web_app(web::HttpRequest request) {
    return net::async_initiate<const net::use_awaitable_t<>&, void(HttpResponse)>(
        [this](auto handler, web::HttpRequest request) {
          auto waiting = std::make_shared<decltype(handler)>(std::move(handler));
          core_.run_web([app = web_app_, request = std::move(request)] { return app->handle(request); },
                        [waiting, executor = ws_.get_executor()](HttpResponse response) {
                          net::post(executor, [waiting, response = std::move(response)]() mutable {
                            (*waiting)(std::move(response));
                          });
                        });
        },
        use_awaitable, std::move(request));
  }

  // A sign-in checks an Argon2id hash (tens of milliseconds, 64 MiB): on its own thread, so sync
  // never waits for it, one at a time, so a flood of sign-ins cannot take the server's memory; and
  // only as many waiting as SignInQueue gives places, so a flood cannot delay a real one for long.
  awaitable<HttpResponse> run_sign_in(web::HttpRequest request) {
    const std::string address = request.peer_address;
    if (!web_.sign_ins.enter(address)) {
      log_event("warn", "sign_in_busy", {{"peer", peer()}, {"address", address}});
      co_return sign_in_busy();
    }
    HttpResponse response = co_await check_sign_in(std::move(request));
    web_.sign_ins.leave(address);
    co_return response;
  }

  static HttpResponse sign_in_busy() {
    const auto retry = std::chrono::duration_cast<std::chrono::seconds>(tuning::kSignInBusyRetryAfter).count();
    HttpResponse response =
        web::api_error(503, "busy", "Too many sign-ins are being checked at once. Try again in a moment");
    response.headers.emplace_back("Retry-After", std::to_string(retry));
    return response;
  }

  awaitable<HttpResponse> check_sign_in(web::HttpRequest request) {
    return net::async_initiate<const net::use_awaitable_t<>&, void(HttpResponse)>(
        [this](auto handler, web::HttpRequest request) {
          auto waiting = std::make_shared<decltype(handler)>(std::move(handler));
          net::post(*web_.sign_in_pool, [app = web_app_, request = std::move(request), waiting,
                                         executor = ws_.get_executor()] {
            HttpResponse response = app->handle(request);
            net::post(executor, [waiting, response = std::move(response)]() mutable {
              (*waiting)(std::move(response));
            });
          });
        },
        use_awaitable, std::move(request));
  }

  awaitable<bool> write_http(HttpResponse response, unsigned version, bool head, bool keep_alive) {
    return transport::write_response(ws_.next_layer(), std::move(response), version, head, keep_alive);
  }

  // A request that could not be read: headers too large (431) or not HTTP (400) get an answer
  // before the connection closes; a client that went away, stayed silent or was too slow is just
  // closed.
  awaitable<void> refuse_request(beast::error_code ec, std::size_t served) {
    auto response = transport::unreadable_request(ec, "this server", http_error);
    if (!response) {
      if (served == 0) log_event("warn", "request_refused", {{"peer", peer()}, {"reason", ec.message()}});
      co_return;
    }
    log_event("warn", "request_refused", {{"peer", peer()}, {"reason", ec.message()}, {"status", response->status}});
    const bool written = co_await write_http(std::move(*response), 11, false, false);
    if (written) co_await finish_http();
  }

  // Ends a plain HTTP connection: TLS close_notify, or a TCP half-close so the client reads to the
  // end of the answer.
  awaitable<void> finish_http() {
    if constexpr (!std::is_same_v<Stream, beast::tcp_stream>) {
      beast::get_lowest_layer(ws_).expires_after(tuning::kShutdownGrace);
      auto [ec] = co_await ws_.next_layer().async_shutdown(tuple_awaitable);
      (void)ec;
    } else {
      boost::system::error_code ignored;
      beast::get_lowest_layer(ws_).socket().shutdown(tcp::socket::shutdown_send, ignored);
    }
  }

  // Runs the look-up on the storage thread (SyncCore::public_status) and resumes here, on this
  // connection's executor, with its result.
  awaitable<LookupResult> look_up_public_status(std::string ods) {
    return net::async_initiate<const net::use_awaitable_t<>&, void(LookupResult)>(
        [this](auto handler, std::string code) {
          auto waiting = std::make_shared<decltype(handler)>(std::move(handler));
          core_.public_status(std::move(code), [waiting, executor = ws_.get_executor()](LookupResult found) {
            net::post(executor, [waiting, found = std::move(found)]() mutable { (*waiting)(std::move(found)); });
          });
        },
        use_awaitable, std::move(ods));
  }

  void start_writer() {
    if (writing_) return;
    writing_ = true;
    auto self = std::static_pointer_cast<WsSession>(shared_from_this());
    net::co_spawn(ws_.get_executor(), write_loop(self), net::detached);
  }

  awaitable<void> write_loop(std::shared_ptr<WsSession> /*self: alive while writing*/) {
    while (!outbox_.empty()) {
      Bytes frame = std::move(outbox_.front());
      outbox_.pop_front();
      auto [ec, written] = co_await ws_.async_write(net::buffer(frame), tuple_awaitable);
      if (ec) {
        outbox_.clear();
        outbox_bytes_ = 0;
        break;
      }
      outbox_bytes_ -= frame.size();
      on_sent();
    }
    writing_ = false;
    if (closing_ && ws_.is_open()) {
      websocket::close_reason reason(websocket::close_code::normal);
      reason.reason = close_reason_.substr(0, 120);  // a close frame's reason is at most 123 bytes
      auto [ec] = co_await ws_.async_close(reason, tuple_awaitable);
      (void)ec;
    }
  }

  SyncCore& core_;
  WebDoor& web_;
  web::WebApp* web_app_;  // web_.app: null when there is no web app on this port
  websocket::stream<Stream> ws_;
  bool upgraded_ = false;       // a WebSocket now; before that, plain HTTP
  bool http_idle_ = false;      // waiting for the next HTTP request's headers
  bool http_stopping_ = false;  // shutting down: answer no further HTTP request
  bool answering_ = false;      // a plain HTTP request is being answered
  // A list, not a deque: an empty libstdc++ deque still holds about 600 bytes, and most of the time
  // every connection's queue is empty (docs/performance.md: memory per idle connection).
  std::list<Bytes> outbox_;
  std::size_t outbox_bytes_ = 0;  // in outbox_ and the frame being written
  net::steady_timer close_deadline_{ws_.get_executor()};
  bool writing_ = false;
  bool closing_ = false;
  std::string close_reason_;
};

}  // namespace dsptsync::server::ws
