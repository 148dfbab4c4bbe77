// A session with the HQ server as the client's sync code sees it: sealed protocol messages after a
// handshake in which the server proves its identity (docs/protocol.md). The sync code asks a
// Transport for its connection, so the same sync_once runs over the network (network_transport:
// WebSocket and handshake) or over the deterministic simulation's network (tests/server/simulation.cpp).
// The load generator (tools/loadgen) speaks through it too, so all three use exactly one protocol.
#pragma once

#include "dsptsync/bytes.h"
#include "dsptsync/error.h"
#include "dsptsync/protocol.h"

#include <array>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

namespace dsptsync::client {

class Connection {
 public:
  virtual ~Connection() = default;

  virtual Status send(const protocol::Message& message) = 0;
  // A message, or nothing within `wait`; an error once the connection is gone.
  virtual Result<std::optional<protocol::Message>> receive(std::chrono::milliseconds wait) = 0;
  // The next message, which must come within timeout().
  Result<protocol::Message> expect();

  // How long the connection waits for an answer: the timeout it was opened with.
  virtual std::chrono::milliseconds timeout() const = 0;
  // The handshake's transcript (Authenticate and Enrol sign it) and the key the server proved it holds.
  virtual const std::array<std::uint8_t, 32>& transcript() const = 0;
  virtual const protocol::PublicKey& server_identity() const = 0;
};

// Whom the server must prove to be: the key an enrolled store pinned, or a key with the fingerprint
// an enrolment code names; neither: any server (the load generator).
struct ServerCheck {
  std::optional<protocol::PublicKey> pinned_identity;
  std::string expected_fingerprint;
};

class Transport {
 public:
  virtual ~Transport() = default;
  // Connects to `url` and runs the handshake: an error (network, protocol or refused) if the server
  // cannot be reached or is not the one `check` names.
  virtual Result<std::unique_ptr<Connection>> open(const std::string& url, const ServerCheck& check,
                                                   std::chrono::milliseconds timeout) = 0;
};

// The real one: ws:// or wss:// (net/ws_client.cpp) and the handshake over it.
Transport& network_transport();

// What the handshake and the sealed messages travel over: frames in order, each whole (a WebSocket
// message, or a frame of a simulated network).
class FrameLink {
 public:
  virtual ~FrameLink() = default;
  virtual Status send(ByteView frame, std::chrono::milliseconds timeout) = 0;
  // A frame, or nothing within `timeout`; an error once the link is gone.
  virtual Result<std::optional<Bytes>> receive(std::chrono::milliseconds timeout) = 0;
};

// Runs the client's side of the handshake over `link` (`url` names the server in refusals) and returns
// the sealed session over it. Every transport ends here, so the checks of the server's identity are
// made once.
Result<std::unique_ptr<Connection>> open_sealed(std::unique_ptr<FrameLink> link, const std::string& url,
                                                const ServerCheck& check, std::chrono::milliseconds timeout);

}  // namespace dsptsync::client
