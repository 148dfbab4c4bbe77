// An encrypted session with the HQ server: the handshake (the server proves its identity, session
// keys are agreed) and sealed messages after it (docs/protocol.md). Used by sync and by the load
// generator (tools/loadgen), so both speak exactly the same protocol.
#pragma once

#include "dsptsync/client/ws_client.h"
#include "dsptsync/protocol.h"

#include <array>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

namespace dsptsync::client {

class Connection {
 public:
  // Connects and runs the handshake. The server must prove it holds `pinned_identity` (an
  // enrolled store) or a key with `expected_fingerprint` (enrolment); neither: any server.
  static Result<std::unique_ptr<Connection>> open(const std::string& url_text,
                                                  const std::optional<protocol::PublicKey>& pinned_identity,
                                                  const std::string& expected_fingerprint,
                                                  std::chrono::milliseconds timeout);

  Status send(const protocol::Message& message);
  // A message, or nothing within `wait`.
  Result<std::optional<protocol::Message>> receive(std::chrono::milliseconds wait);
  // The next message, which must come within the connection's timeout.
  Result<protocol::Message> expect();

  const std::array<std::uint8_t, 32>& transcript() const { return transcript_; }
  const protocol::PublicKey& server_identity() const { return server_identity_; }

 private:
  Connection(std::unique_ptr<WsClient> ws, std::chrono::milliseconds timeout) : ws_(std::move(ws)), timeout_(timeout) {}
  std::unique_ptr<WsClient> ws_;
  std::chrono::milliseconds timeout_;
  std::optional<protocol::SessionCipher> cipher_;
  std::array<std::uint8_t, 32> transcript_{};
  protocol::PublicKey server_identity_{};
};

}  // namespace dsptsync::client
