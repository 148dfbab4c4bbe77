#include "dsptsync/client/connection.h"

#include "dsptsync/crypto.h"

#include <sodium.h>

namespace dsptsync::client {

using protocol::Message;

Result<std::unique_ptr<Connection>> Connection::open(const std::string& url_text,
                                                const std::optional<protocol::PublicKey>& pinned_identity,
                                                const std::string& expected_fingerprint,
                                                std::chrono::milliseconds timeout) {
  auto url = parse_server_url(url_text);
  if (!url) return url.error();
  auto ws = WsClient::connect(*url, timeout);
  if (!ws) return ws.error();
  auto connection = std::unique_ptr<Connection>(new Connection(std::move(*ws), timeout));

  const auto ephemeral = protocol::EphemeralKeys::generate();
  protocol::Hello hello;
  hello.client_ephemeral = ephemeral.public_key;
  randombytes_buf(hello.client_nonce.data(), hello.client_nonce.size());
  if (auto s = connection->ws_->send(protocol::encode_frame(protocol::FrameKind::hello, protocol::encode_hello(hello)),
                                     timeout);
      !s)
    return s.error();
  auto frame = connection->ws_->receive(timeout);
  if (!frame) return frame.error();
  if (!*frame) return make_error(ErrorKind::network, "the server did not answer the handshake in time");
  auto parsed = protocol::parse_frame(**frame);
  if (!parsed) return make_error(ErrorKind::protocol, "the server's handshake is malformed: " + parsed.error().message);
  if (parsed->kind != protocol::FrameKind::welcome)
    return make_error(ErrorKind::protocol, "the server did not answer with a welcome frame");
  auto welcome = protocol::decode_welcome(parsed->body);
  if (!welcome) return make_error(ErrorKind::protocol, welcome.error().message);
  connection->transcript_ = protocol::transcript(hello, *welcome);
  if (!crypto::verify(welcome->server_identity, connection->transcript_, welcome->signature))
    return make_error(ErrorKind::protocol, "the server's handshake signature is wrong: the connection may be tampered with");
  if (pinned_identity && *pinned_identity != welcome->server_identity)
    return refused("the server at " + url_text +
                   " is not the head office server this device enrolled with (its identity key differs); "
                   "if head office moved its server, enrol this device again");
  if (!expected_fingerprint.empty() && protocol::fingerprint(welcome->server_identity) != expected_fingerprint)
    return refused("the server at " + url_text +
                   " is not the one that issued this enrolment code (its fingerprint differs); check the address");
  connection->server_identity_ = welcome->server_identity;
  auto cipher = protocol::SessionCipher::establish(true, ephemeral.public_key, ephemeral.secret_key,
                                                   welcome->server_ephemeral);
  if (!cipher) return cipher.error();
  connection->cipher_.emplace(std::move(*cipher));
  return connection;
}

Status Connection::send(const Message& message) {
  const Bytes sealed = cipher_->seal(protocol::encode_message(message));
  return ws_->send(protocol::encode_frame(protocol::FrameKind::sealed, sealed), timeout_);
}

Result<std::optional<Message>> Connection::receive(std::chrono::milliseconds wait) {
  auto frame = ws_->receive(wait);
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

Result<Message> Connection::expect() {
  auto message = receive(timeout_);
  if (!message) return message.error();
  if (!*message) return make_error(ErrorKind::network, "the server did not answer in time");
  return std::move(**message);
}


}  // namespace dsptsync::client
