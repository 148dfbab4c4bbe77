// The HTTP/1.1 listener of `dsptsync ui` (Boost.Beast, C++20 coroutines): the only file of the ui
// that includes Beast. It turns requests on 127.0.0.1 into web::HttpRequest for the web app
// (web/app.h) over the laptop's store (ui_backend.h), and its answers back into HTTP.
//
// One thread runs everything: the Workspace is single-threaded, and one person's browser sends a
// request at a time. Each connection is one coroutine reading a request, answering it, and reading
// the next (keep-alive, bounded), with the HTTP handling the server's sync port uses too
// (web/transport/http_connection.h: header and body limits, timeouts).
#include "dsptsync/client/ui_server.h"

#include "../ui_backend.h"

#include "dsptsync/tuning.h"
#include "dsptsync/web/api.h"
#include "dsptsync/web/app.h"
#include "http_connection.h"

#include <csignal>
#include <list>
#include <memory>
#include <optional>

namespace dsptsync::client {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace transport = web::transport;
using tcp = net::ip::tcp;
using net::awaitable;
constexpr auto tuple_awaitable = net::as_tuple(net::use_awaitable);

class HttpSession {
 public:
  HttpSession(web::WebApp& app, beast::tcp_stream stream) : app_(app), stream_(std::move(stream)) {}

  // `self` keeps the session alive while the coroutine runs.
  awaitable<void> run(std::shared_ptr<HttpSession> /*self*/) {
    beast::flat_buffer buffer;  // keeps bytes read past one request for the next
    for (std::size_t served = 0;;) {
      transport::HeaderParser parser;
      idle_ = true;
      const auto ec = co_await transport::read_header(stream_, buffer, parser);
      idle_ = false;
      if (ec) {
        co_await refuse_request(ec);
        co_return;
      }
      ++served;
      // Kept alive only when the client asks for it (browsers do), up to a bounded number of
      // requests, and not once the server is stopping.
      bool keep_alive = transport::asks_keep_alive(parser.get(), served);
      const bool written = co_await answer(parser, buffer, keep_alive);
      if (!written) co_return;
      if (!keep_alive || stopping_) {
        finish();
        co_return;
      }
    }
  }

  // No new request on this connection; one being waited for is given up.
  void shut_down() {
    stopping_ = true;
    if (idle_) stream_.cancel();
  }

 private:
  // Reads the body (if any), asks the web app, writes its answer. False when the connection failed;
  // `keep_alive` comes back false when the connection must close.
  awaitable<bool> answer(transport::HeaderParser& header_parser, beast::flat_buffer& buffer, bool& keep_alive) {
    const auto& header = header_parser.get();  // not used once the parser moves on to the body
    web::HttpRequest request = transport::web_request(header, "127.0.0.1", false);
    const unsigned version = header.version();
    const bool head = header.method() == http::verb::head;
    beast::error_code ec;
    if (auto refused = co_await transport::read_body(stream_, buffer, header_parser, request, ec)) {
      keep_alive = false;
      const bool written = co_await transport::write_response(stream_, std::move(*refused), version, head, false);
      if (written) finish();
      co_return false;
    }
    if (ec) co_return false;
    web::HttpResponse response;
    try {
      if (auto file = app_.serve_static(request)) response = std::move(*file);
      else response = app_.handle(request);
    } catch (const std::exception& e) {
      response = web::api_error(500, "internal", "dsptsync ui failed to answer (" + std::string(e.what()) +
                                                     "); try again, or restart dsptsync ui");
    }
    keep_alive = keep_alive && !stopping_;
    co_return co_await transport::write_response(stream_, std::move(response), version, head, keep_alive);
  }

  // A request that could not be read: headers too large (431) or not HTTP (400) get an answer
  // before the connection closes; a client that went away, stayed silent or was too slow is just
  // closed.
  awaitable<void> refuse_request(beast::error_code ec) {
    auto response = transport::unreadable_request(ec, "dsptsync ui", [](int status, std::string message) {
      return web::api_error(status, status == 431 ? "too_large" : "invalid_input", std::move(message));
    });
    if (!response) co_return;
    const bool written = co_await transport::write_response(stream_, std::move(*response), 11, false, false);
    if (written) finish();
  }

  // A TCP half-close, so the client reads to the end of the answer.
  void finish() {
    boost::system::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
  }

  web::WebApp& app_;
  beast::tcp_stream stream_;
  bool idle_ = false;
  bool stopping_ = false;
};

struct UiServer {
  explicit UiServer(Workspace& workspace, const UiServeOptions& options)
      : backend(workspace, options.sync_timeout) {
    backend.log = options.log;
  }

  // Declared before the I/O context, so the sessions (ended with it) never outlive the app.
  BranchWebBackend backend;
  std::optional<web::WebApp> app;  // made once the port is known (the Host header is checked)
  net::io_context io{1};
  tcp::acceptor acceptor{io};
  std::list<std::weak_ptr<HttpSession>> sessions;
  bool stopping = false;
  net::steady_timer grace{io};
  net::steady_timer closed_poll{io};

  awaitable<void> accept_loop() {
    for (;;) {
      auto [ec, socket] = co_await acceptor.async_accept(tuple_awaitable);
      if (ec) {
        if (stopping) co_return;
        continue;
      }
      boost::system::error_code ignored;
      socket.set_option(tcp::no_delay(true), ignored);
      std::erase_if(sessions, [](const auto& weak) { return weak.expired(); });
      auto session = std::make_shared<HttpSession>(*app, beast::tcp_stream(std::move(socket)));
      sessions.push_back(session);
      net::co_spawn(io, session->run(session), net::detached);
    }
  }

  void begin_shutdown() {
    if (stopping) return;
    stopping = true;
    boost::system::error_code ignored;
    acceptor.close(ignored);
    for (auto& weak : sessions)
      if (auto session = weak.lock()) session->shut_down();
    grace.expires_after(tuning::kShutdownGrace);
    grace.async_wait([this](boost::system::error_code error) {
      if (!error) io.stop();
    });
    finish_when_closed();
  }

  // Stops as soon as every connection is gone (or when the grace period ends).
  void finish_when_closed() {
    std::erase_if(sessions, [](const auto& weak) { return weak.expired(); });
    if (sessions.empty()) return io.stop();
    closed_poll.expires_after(tuning::kShutdownPoll);
    closed_poll.async_wait([this](boost::system::error_code error) {
      if (!error) finish_when_closed();
    });
  }
};

}  // namespace

Status serve_ui(Workspace& workspace, const UiServeOptions& options) {
  UiServer server(workspace, options);
  const tcp::endpoint endpoint(net::ip::address_v4::loopback(), options.port);
  boost::system::error_code ec;
  server.acceptor.open(endpoint.protocol(), ec);
  if (!ec) server.acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) server.acceptor.bind(endpoint, ec);
  if (!ec) server.acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec)
    return make_error(ErrorKind::network,
                      "cannot listen on 127.0.0.1:" + std::to_string(options.port) + ": " + ec.message() +
                          (ec == net::error::address_in_use
                               ? " (another program uses that port; choose another with --port, or --port 0 for any "
                                 "free one)"
                               : ""));
  const std::uint16_t port = server.acceptor.local_endpoint().port();
  server.app.emplace(server.backend, web::AppOptions{false, std::to_string(port)});

  net::signal_set signals(server.io, SIGTERM, SIGINT);
  signals.async_wait([&](boost::system::error_code error, int) {
    if (!error) server.begin_shutdown();
  });
  net::steady_timer stop_poll(server.io);
  std::function<void()> poll_stop = [&] {
    if (options.stop_requested && options.stop_requested->load()) {
      boost::system::error_code ignored;
      signals.cancel(ignored);
      return server.begin_shutdown();
    }
    stop_poll.expires_after(tuning::kStopFlagPoll);
    stop_poll.async_wait([&](boost::system::error_code error) {
      if (!error) poll_stop();
    });
  };
  if (options.stop_requested) poll_stop();
  net::co_spawn(server.io, server.accept_loop(), net::detached);

  const std::string link =
      "http://127.0.0.1:" + std::to_string(port) + server.app->sign_in_link(workspace.ledger().identity().user);
  if (options.on_listening) options.on_listening(port, link);
  server.io.run();
  return {};
}

}  // namespace dsptsync::client
