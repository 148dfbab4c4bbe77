#include "dsptsync/client/ws_client.h"

#include "dsptsync/limits.h"
#include "dsptsync/platform.h"
#include "dsptsync/tuning.h"

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include <cstdlib>
#include <variant>

namespace dsptsync::client {
namespace {
namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

Error network_error(const std::string& what, const boost::system::error_code& ec) {
  // What to do about it is the caller's to say (unreachable_message): this says what happened.
  return make_error(ErrorKind::network, what + ": " + ec.message());
}
}  // namespace

Result<ServerUrl> parse_server_url(std::string_view text) {
  ServerUrl url;
  std::string_view rest;
  if (text.rfind("ws://", 0) == 0) rest = text.substr(5);
  else if (text.rfind("wss://", 0) == 0) {
    url.tls = true;
    rest = text.substr(6);
  } else {
    return invalid_input("'" + std::string(text) + "' is not a server address; it looks like ws://hq.example:8443");
  }
  const auto slash = rest.find('/');
  const std::string_view authority = rest.substr(0, slash);
  if (slash != std::string_view::npos) url.path = std::string(rest.substr(slash));
  const auto colon = authority.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == authority.size())
    return invalid_input("'" + std::string(text) + "' needs a host and a port, e.g. ws://127.0.0.1:8443");
  url.host = std::string(authority.substr(0, colon));
  url.port = std::string(authority.substr(colon + 1));
  if (url.host.size() > 2 && url.host.front() == '[') url.host = url.host.substr(1, url.host.size() - 2);
  if (url.port.find_first_not_of("0123456789") != std::string::npos)
    return invalid_input("'" + url.port + "' is not a port number");
  return url;
}

struct WsClient::Impl {
  using Plain = websocket::stream<beast::tcp_stream>;
  using Secure = websocket::stream<beast::ssl_stream<beast::tcp_stream>>;

  net::io_context io{1};
  net::ssl::context tls_context{net::ssl::context::tls_client};
  std::variant<std::monostate, Plain, Secure> ws;
  beast::flat_buffer buffer;
  bool read_pending = false;
  bool read_done = false;
  boost::system::error_code read_error;

  template <class F>
  auto with_stream(F&& f) {
    if (auto* plain = std::get_if<Plain>(&ws)) return f(*plain);
    return f(std::get<Secure>(ws));
  }

  // Runs the I/O loop until `done` or the deadline.
  bool run_until(const bool& done, Clock::time_point deadline) {
    while (!done) {
      if (io.stopped()) io.restart();
      if (Clock::now() >= deadline) return false;
      io.run_one_until(deadline);
    }
    return true;
  }

  void start_read() {
    if (read_pending) return;
    read_pending = true;
    read_done = false;
    with_stream([this](auto& stream) {
      stream.async_read(buffer, [this](boost::system::error_code ec, std::size_t) {
        read_error = ec;
        read_done = true;
      });
    });
  }
};

WsClient::WsClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
WsClient::~WsClient() { close(); }

Result<std::unique_ptr<WsClient>> WsClient::connect(const ServerUrl& url, std::chrono::milliseconds timeout) {
  auto impl = std::make_unique<Impl>();
  const auto deadline = Clock::now() + timeout;
  tcp::resolver resolver(impl->io);
  boost::system::error_code ec;
  auto endpoints = resolver.resolve(url.host, url.port, ec);
  if (ec) return network_error("cannot find " + url.host, ec);

  beast::tcp_stream tcp_stream(impl->io);
  bool connected = false;
  tcp_stream.async_connect(endpoints, [&](boost::system::error_code error, const tcp::endpoint&) {
    ec = error;
    connected = true;
  });
  if (!impl->run_until(connected, deadline))
    return make_error(ErrorKind::network, "connecting to " + url.host + ":" + url.port + " timed out");
  if (ec) return network_error("cannot connect to " + url.host + ":" + url.port, ec);
  tcp_stream.socket().set_option(tcp::no_delay(true), ec);

  if (url.tls) {
    // A head office with its own (self-signed) certificate gives its branches the certificate to
    // trust: DSPTSYNC_TLS_CA names that PEM file. Otherwise the system's CAs are used.
    if (auto ca = platform::environment("DSPTSYNC_TLS_CA")) {
      impl->tls_context.load_verify_file(*ca, ec);
      if (ec) return invalid_input("DSPTSYNC_TLS_CA: cannot read " + *ca + ": " + ec.message());
    } else if (auto roots = platform::trusted_root_certificates()) {
      // Windows: OpenSSL does not read the system's store; the platform hands over its roots.
      // One the store holds twice is refused as a duplicate: harmless, so not an error here.
      for (const auto& pem : *roots) impl->tls_context.add_certificate_authority(net::buffer(pem), ec);
      ec.clear();
    } else {
      impl->tls_context.set_default_verify_paths();
    }
    impl->tls_context.set_verify_mode(net::ssl::verify_peer);
    impl->tls_context.set_verify_callback(net::ssl::host_name_verification(url.host));
    impl->ws.emplace<Impl::Secure>(std::move(tcp_stream), impl->tls_context);
    auto& secure = std::get<Impl::Secure>(impl->ws);
    SSL_set_tlsext_host_name(secure.next_layer().native_handle(), url.host.c_str());
    bool shaken = false;
    secure.next_layer().async_handshake(net::ssl::stream_base::client, [&](boost::system::error_code error) {
      ec = error;
      shaken = true;
    });
    if (!impl->run_until(shaken, deadline)) return make_error(ErrorKind::network, "the TLS handshake timed out");
    if (ec) return network_error("the TLS handshake with " + url.host + " failed", ec);
  } else {
    impl->ws.emplace<Impl::Plain>(std::move(tcp_stream));
  }

  bool upgraded = false;
  impl->with_stream([&](auto& stream) {
    beast::get_lowest_layer(stream).expires_never();
    stream.set_option(websocket::stream_base::timeout::suggested(beast::role_type::client));
    stream.read_message_max(limits::kMaxFrameBytes);
    stream.binary(true);
    stream.async_handshake(url.host + ":" + url.port, url.path, [&](boost::system::error_code error) {
      ec = error;
      upgraded = true;
    });
  });
  if (!impl->run_until(upgraded, deadline)) return make_error(ErrorKind::network, "the WebSocket handshake timed out");
  if (ec) return network_error("the server at " + url.host + ":" + url.port + " refused the WebSocket", ec);
  return std::unique_ptr<WsClient>(new WsClient(std::move(impl)));
}

Status WsClient::send(ByteView frame, std::chrono::milliseconds timeout) {
  bool written = false;
  boost::system::error_code ec;
  impl_->with_stream([&](auto& stream) {
    stream.async_write(net::buffer(frame.data(), frame.size()), [&](boost::system::error_code error, std::size_t) {
      ec = error;
      written = true;
    });
  });
  if (!impl_->run_until(written, Clock::now() + timeout))
    return make_error(ErrorKind::network, "sending to the server timed out");
  if (ec) return network_error("the connection to the server failed", ec);
  return {};
}

Result<std::optional<Bytes>> WsClient::receive(std::chrono::milliseconds timeout) {
  impl_->start_read();
  if (!impl_->run_until(impl_->read_done, Clock::now() + timeout)) return std::optional<Bytes>();
  impl_->read_pending = false;
  if (impl_->read_error) {
    if (impl_->read_error == websocket::error::closed) {
      std::string reason = impl_->with_stream([](auto& stream) { return std::string(stream.reason().reason.c_str()); });
      return make_error(ErrorKind::network, "the server closed the connection" + (reason.empty() ? "" : ": " + reason));
    }
    return network_error("the connection to the server failed", impl_->read_error);
  }
  const auto data = impl_->buffer.cdata();
  Bytes frame(static_cast<const std::uint8_t*>(data.data()), static_cast<const std::uint8_t*>(data.data()) + data.size());
  impl_->buffer.consume(impl_->buffer.size());
  return std::optional<Bytes>(std::move(frame));
}

void WsClient::close() {
  if (!impl_ || std::holds_alternative<std::monostate>(impl_->ws)) return;
  bool closed = false;
  impl_->with_stream([&](auto& stream) {
    if (!stream.is_open()) {
      closed = true;
      return;
    }
    stream.async_close(websocket::close_code::normal, [&](boost::system::error_code) { closed = true; });
  });
  impl_->run_until(closed, Clock::now() + tuning::kCloseTimeout);
  impl_->ws.emplace<std::monostate>();
}

}  // namespace dsptsync::client
