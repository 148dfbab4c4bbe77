// The WebSocket transport of the sync service (Boost.Beast, C++20 coroutines). The only server
// file that compiles Beast: the accept loop, the caps on connections, and the server's start and
// shutdown here; each connection's session (WebSocket frames to ServerSession and back, plain HTTP
// through the transport-free router in http_routes.h and the web app, web/app.h, with the HTTP
// handling `dsptsync ui` uses too) in ws_session.h.
//
// One I/O thread runs every connection (a branch client sends little; the work that costs is on
// the storage worker).
#include "dsptsync/server/sync_server.h"

#include "../web_backend.h"
#include "ws_session.h"

#include <csignal>

namespace dsptsync::server {
namespace {

using namespace ws;

struct Server {
  HeadOffice& head_office;
  const ServeOptions& options;
  net::io_context io{1};
  SyncCore core{head_office};
  std::optional<net::ssl::context> tls;
  tcp::acceptor acceptor{io};
  std::size_t descriptors = raise_descriptor_limit();
  ConnectionTable connections{connection_cap(descriptors), tuning::kMaxUnauthenticatedPerAddress};
  bool stopping = false;
  HeadOfficeWebBackend web_backend{head_office};
  std::optional<web::WebApp> web_app;  // made once TLS is known (its cookies are Secure then)
  net::thread_pool sign_in_pool{1};    // password checks, off the I/O and storage threads
  WebDoor web{nullptr, &sign_in_pool, {}, options.trusted_proxies};
  // Accepts that failed (out of descriptors) since the last line about them.
  std::size_t accept_failures = 0;
  std::chrono::steady_clock::time_point accept_failures_logged{};

  awaitable<void> accept_loop() {
    auto delay = std::chrono::duration_cast<std::chrono::milliseconds>(tuning::kAcceptRetryFirstDelay);
    for (;;) {
      auto [ec, socket] = co_await acceptor.async_accept(tuple_awaitable);
      if (stopping) co_return;
      if (!ec) {
        delay = tuning::kAcceptRetryFirstDelay;
        admit(std::move(socket));
        continue;
      }
      // Out of descriptors (or another failure): the waiting connection stays queued, so trying
      // again at once would spin. Make room if an idle connection can give one up, then wait.
      note_accept_failure(ec, delay);
      connections.drop_oldest_idle("out_of_descriptors");
      net::steady_timer pause(io, delay);
      co_await pause.async_wait(tuple_awaitable);
      delay = std::min(delay * 2, std::chrono::duration_cast<std::chrono::milliseconds>(tuning::kAcceptRetryMaxDelay));
    }
  }

  // One line for the first failure and then at most one per tuning::kLogInterval, with the count.
  void note_accept_failure(boost::system::error_code ec, std::chrono::milliseconds retry) {
    ++accept_failures;
    const auto now = std::chrono::steady_clock::now();
    if (accept_failures > 1 && now - accept_failures_logged < tuning::kLogInterval) return;
    log_event("warn", "accept_failed", {{"reason", ec.message()}, {"failures", accept_failures},
                                        {"connections", connections.prune()}, {"retry_ms", retry.count()}});
    accept_failures = 0;
    accept_failures_logged = now;
  }

  // A new connection, if a cap leaves room for it (connection_table.h).
  void admit(tcp::socket socket) {
    boost::system::error_code endpoint_error;
    auto remote = socket.remote_endpoint(endpoint_error);
    const std::string address = endpoint_error ? std::string() : remote.address().to_string();
    const std::string peer = endpoint_error ? std::string() : address + ":" + std::to_string(remote.port());
    if (!connections.make_room(address)) {
      log_event("warn", "connection_refused", {{"peer", peer}, {"connections", connections.prune()}});
      return;  // the socket closes as it goes out of scope
    }
    socket.set_option(tcp::no_delay(true), endpoint_error);
    if (tls) {
      using Stream = beast::ssl_stream<beast::tcp_stream>;
      start_session(std::make_shared<WsSession<Stream>>(core, web, peer,
                                                        Stream(beast::tcp_stream(std::move(socket)), *tls)),
                    address);
    } else {
      start_session(std::make_shared<WsSession<beast::tcp_stream>>(core, web, peer,
                                                                   beast::tcp_stream(std::move(socket))),
                    address);
    }
  }

  template <class Session>
  void start_session(std::shared_ptr<Session> session, std::string address) {
    connections.add(session, std::move(address));
    net::co_spawn(io, session->run(session), net::detached);
  }

  void begin_shutdown(std::string_view why) {
    if (stopping) return;
    stopping = true;
    log_event("info", "shutting_down", {{"reason", why}, {"connections", connections.prune()}});
    boost::system::error_code ignored;
    acceptor.close(ignored);
    // Every push already queued is committed and acknowledged before clients are told to go.
    core.stop();
    connections.for_each([](Connection& connection) { connection.shut_down(); });
    auto grace = std::make_shared<net::steady_timer>(io, tuning::kShutdownGrace);
    grace->async_wait([this, grace](boost::system::error_code) { io.stop(); });
    stop_once_connections_gone(std::make_shared<net::steady_timer>(io));
  }

  // Polls until the last connection is gone. Only the pending wait owns the timer: a handler
  // that owned itself would never be freed.
  void stop_once_connections_gone(std::shared_ptr<net::steady_timer> poll) {
    if (connections.prune() == 0) return io.stop();
    poll->expires_after(tuning::kShutdownPoll);
    poll->async_wait([this, poll](boost::system::error_code) { stop_once_connections_gone(poll); });
  }
};

Result<tcp::endpoint> parse_listen(std::string_view listen) {
  const auto colon = listen.rfind(':');
  if (colon == std::string_view::npos)
    return invalid_input("--listen takes HOST:PORT, e.g. 127.0.0.1:8443, not '" + std::string(listen) + "'");
  std::string host(listen.substr(0, colon));
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  unsigned port = 0;
  const std::string port_text(listen.substr(colon + 1));
  try {
    std::size_t used = 0;
    port = static_cast<unsigned>(std::stoul(port_text, &used));
    if (used != port_text.size() || port > 65535) throw std::out_of_range("port");
  } catch (const std::exception&) {
    return invalid_input("--listen: '" + port_text + "' is not a port number (0 to 65535)");
  }
  boost::system::error_code ec;
  auto address = net::ip::make_address(host, ec);
  if (ec) return invalid_input("--listen: '" + host + "' is not an IP address; use e.g. 127.0.0.1 or 0.0.0.0");
  return tcp::endpoint(address, static_cast<unsigned short>(port));
}

}  // namespace

// Each --trusted-proxy must be an IP address written as the server prints peers (no port).
Status check_trusted_proxies(const std::vector<std::string>& proxies) {
  for (const auto& proxy : proxies) {
    boost::system::error_code ec;
    auto address = net::ip::make_address(proxy, ec);
    if (ec || address.to_string() != proxy)
      return invalid_input("--trusted-proxy: '" + proxy + "' is not an IP address as the server sees it (e.g. 10.0.0.5 or ::1)");
  }
  return {};
}

Status serve(HeadOffice& head_office, const ServeOptions& options) {
  auto endpoint = parse_listen(options.listen);
  if (!endpoint) return endpoint.error();
  if (auto proxies = check_trusted_proxies(options.trusted_proxies); !proxies) return proxies;
  auto lock = ServeLock::acquire(head_office.dir());
  if (!lock) return lock.error();
  // Past a file-size limit (RLIMIT_FSIZE) a write must fail, as a commit the server reports
  // (commit_failed, /health), rather than kill the server with SIGXFSZ.
  std::signal(SIGXFSZ, SIG_IGN);
  Server server{head_office, options};

  if (options.tls_certificate || options.tls_private_key) {
    if (!options.tls_certificate || !options.tls_private_key)
      return invalid_input("TLS needs both --tls-cert and --tls-key");
    server.tls.emplace(net::ssl::context::tls_server);
    boost::system::error_code ec;
    server.tls->set_options(net::ssl::context::default_workarounds | net::ssl::context::no_sslv2 |
                            net::ssl::context::no_sslv3 | net::ssl::context::no_tlsv1 | net::ssl::context::no_tlsv1_1);
    server.tls->use_certificate_chain_file(options.tls_certificate->string(), ec);
    if (ec) return invalid_input("cannot use the certificate " + options.tls_certificate->string() + ": " + ec.message());
    server.tls->use_private_key_file(options.tls_private_key->string(), net::ssl::context::pem, ec);
    if (ec) return invalid_input("cannot use the private key " + options.tls_private_key->string() + ": " + ec.message());
  }

  server.web_app.emplace(server.web_backend, web::AppOptions{server.tls.has_value(), ""});
  server.web.app = &*server.web_app;
  // A revocation in the web app ends the user's sync connections at once (it runs on the storage
  // thread, where sessions are checked).
  server.web_backend.on_revoked = [&server] { server.core.check_every_session(); };

  boost::system::error_code ec;
  server.acceptor.open(endpoint->protocol(), ec);
  if (!ec) server.acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) server.acceptor.bind(*endpoint, ec);
  if (!ec) server.acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec)
    return make_error(ErrorKind::network, "cannot listen on " + options.listen + ": " + ec.message() +
                                              (ec == net::error::address_in_use ? " (another program uses that port)" : ""));
  const auto port = server.acceptor.local_endpoint().port();

  server.core.start();
  net::signal_set signals(server.io, SIGTERM, SIGINT);
  signals.async_wait([&](boost::system::error_code error, int signal) {
    if (!error) server.begin_shutdown(signal == SIGTERM ? "SIGTERM" : "SIGINT");
  });
  net::steady_timer stop_poll(server.io);
  std::function<void()> poll_stop = [&] {
    if (options.stop_requested && options.stop_requested->load()) return server.begin_shutdown("stop requested");
    stop_poll.expires_after(tuning::kStopFlagPoll);
    stop_poll.async_wait([&](boost::system::error_code error) {
      if (!error) poll_stop();
    });
  };
  if (options.stop_requested) poll_stop();
  net::co_spawn(server.io, server.accept_loop(), net::detached);

  log_event("info", "listening", {{"address", endpoint->address().to_string()}, {"port", port},
                                  {"tls", server.tls.has_value()}, {"organisation", head_office.name()},
                                  {"hq", head_office.hq().code}, {"open_files", server.descriptors},
                                  {"max_connections", server.connections.max_total()}});
  if (options.on_listening) options.on_listening(port);
  server.io.run();
  server.core.stop();
  server.sign_in_pool.join();
  log_event("info", "stopped", {{"commits", server.core.commits()}});
  return {};
}

}  // namespace dsptsync::server
