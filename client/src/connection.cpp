#include "dsptsync/client/connection.h"

#include "dsptsync/client/ws_client.h"
#include "dsptsync/crypto.h"

#include <sodium.h>

namespace dsptsync::client {
namespace {

using protocol::Message;

class SealedConnection final : public Connection {
 public:
  SealedConnection(std::unique_ptr<FrameLink> link, std::chrono::milliseconds timeout)
      : link_(std::move(link)), timeout_(timeout) {}

  // The handshake (docs/protocol.md): Hello, then a Welcome signed by the server's identity key.
  Status handshake(const std::string& url, const ServerCheck& check);

  Status send(const Message& message) override {
    const Bytes sealed = cipher_->seal(protocol::encode_message(message));
    return link_->send(protocol::encode_frame(protocol::FrameKind::sealed, sealed), timeout_);
  }
  Result<std::optional<Message>> receive(std::chrono::milliseconds wait) override;
  std::chrono::milliseconds timeout() const override { return timeout_; }
  const std::array<std::uint8_t, 32>& transcript() const override { return transcript_; }
  const protocol::PublicKey& server_identity() const override { return server_identity_; }

 private:
  std::unique_ptr<FrameLink> link_;
  std::chrono::milliseconds timeout_;
  std::optional<protocol::SessionCipher> cipher_;
  std::array<std::uint8_t, 32> transcript_{};
  protocol::PublicKey server_identity_{};
};

Status SealedConnection::handshake(const std::string& url, const ServerCheck& check) {
  const auto ephemeral = protocol::EphemeralKeys::generate();
  protocol::Hello hello;
  hello.client_ephemeral = ephemeral.public_key;
  randombytes_buf(hello.client_nonce.data(), hello.client_nonce.size());
  if (auto s = link_->send(protocol::encode_frame(protocol::FrameKind::hello, protocol::encode_hello(hello)), timeout_);
      !s)
    return s;
  auto frame = link_->receive(timeout_);
  if (!frame) return frame.error();
  if (!*frame) return make_error(ErrorKind::network, "the server did not answer the handshake in time");
  auto parsed = protocol::parse_frame(**frame);
  if (!parsed) return make_error(ErrorKind::protocol, "the server's handshake is malformed: " + parsed.error().message);
  if (parsed->kind != protocol::FrameKind::welcome)
    return make_error(ErrorKind::protocol, "the server did not answer with a welcome frame");
  auto welcome = protocol::decode_welcome(parsed->body);
  if (!welcome) return make_error(ErrorKind::protocol, welcome.error().message);
  transcript_ = protocol::transcript(hello, *welcome);
  if (!crypto::verify(welcome->server_identity, transcript_, welcome->signature))
    return make_error(ErrorKind::protocol, "the server's handshake signature is wrong: the connection may be tampered with");
  if (check.pinned_identity && *check.pinned_identity != welcome->server_identity)
    return refused("the server at " + url +
                   " is not the head office server this device enrolled with (its identity key differs); "
                   "if head office moved its server, enrol this device again");
  if (!check.expected_fingerprint.empty() &&
      protocol::fingerprint(welcome->server_identity) != check.expected_fingerprint)
    return refused("the server at " + url +
                   " is not the one that issued this enrolment code (its fingerprint differs); check the address");
  server_identity_ = welcome->server_identity;
  auto cipher = protocol::SessionCipher::establish(true, ephemeral.public_key, ephemeral.secret_key,
                                                   welcome->server_ephemeral);
  if (!cipher) return cipher.error();
  cipher_.emplace(std::move(*cipher));
  return {};
}

Result<std::optional<Message>> SealedConnection::receive(std::chrono::milliseconds wait) {
  auto frame = link_->receive(wait);
  if (!frame) return frame.error();
  if (!*frame) return std::optional<Message>();
  auto parsed = protocol::parse_frame(**frame);
  if (!parsed || parsed->kind != protocol::FrameKind::sealed)
    return make_error(ErrorKind::protocol, "the server sent a frame that is not sealed");
  auto plain = cipher_->open(parsed->body);
  if (!plain) return make_error(ErrorKind::protocol, plain.error().message);
  auto message = protocol::decode_message(*plain);
  if (!message) return make_error(ErrorKind::protocol, "the server sent an unreadable message: " + message.error().message);
  return std::optional<Message>(std::move(*message));
}

// A WebSocket connection as a frame link: one WebSocket message per frame.
class WebSocketLink final : public FrameLink {
 public:
  explicit WebSocketLink(std::unique_ptr<WsClient> ws) : ws_(std::move(ws)) {}
  Status send(ByteView frame, std::chrono::milliseconds timeout) override { return ws_->send(frame, timeout); }
  Result<std::optional<Bytes>> receive(std::chrono::milliseconds timeout) override { return ws_->receive(timeout); }

 private:
  std::unique_ptr<WsClient> ws_;
};

class NetworkTransport final : public Transport {
 public:
  Result<std::unique_ptr<Connection>> open(const std::string& url_text, const ServerCheck& check,
                                           std::chrono::milliseconds timeout) override {
    auto url = parse_server_url(url_text);
    if (!url) return url.error();
    auto ws = WsClient::connect(*url, timeout);
    if (!ws) return ws.error();
    return open_sealed(std::make_unique<WebSocketLink>(std::move(*ws)), url_text, check, timeout);
  }
};

}  // namespace

Result<Message> Connection::expect() {
  auto message = receive(timeout());
  if (!message) return message.error();
  if (!*message) return make_error(ErrorKind::network, "the server did not answer in time");
  return std::move(**message);
}

Transport& network_transport() {
  static NetworkTransport transport;
  return transport;
}

Result<std::unique_ptr<Connection>> open_sealed(std::unique_ptr<FrameLink> link, const std::string& url,
                                                const ServerCheck& check, std::chrono::milliseconds timeout) {
  auto connection = std::make_unique<SealedConnection>(std::move(link), timeout);
  if (auto s = connection->handshake(url, check); !s) return s.error();
  return std::unique_ptr<Connection>(std::move(connection));
}

}  // namespace dsptsync::client
