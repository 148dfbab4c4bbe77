// The sync service: serves branch clients over WebSockets (docs/protocol.md).
#pragma once

#include "dsptsync/error.h"
#include "dsptsync/server/head_office.h"

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace dsptsync::server {

struct ServeOptions {
  std::string listen = "127.0.0.1:8443";  // HOST:PORT; port 0 picks a free one
  std::optional<std::filesystem::path> tls_certificate;  // PEM; TLS is on when both are given
  std::optional<std::filesystem::path> tls_private_key;
  // Addresses of reverse proxies whose X-Forwarded-For names the client (sign-in limits, logs);
  // from anyone else it is ignored.
  std::vector<std::string> trusted_proxies;
  // Called once the listener is bound, with the port actually used (tests use port 0).
  std::function<void(std::uint16_t port)> on_listening;
  // Set to stop the server from another thread (tests); SIGTERM and SIGINT also stop it.
  std::atomic<bool>* stop_requested = nullptr;
};

// Runs until SIGTERM/SIGINT (or *stop_requested): finishes in-flight commits, tells connected
// clients it is shutting down, closes. Logs one JSON object per line to stderr.
Status serve(HeadOffice& head_office, const ServeOptions& options);

}  // namespace dsptsync::server
