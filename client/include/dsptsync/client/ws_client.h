// A WebSocket connection to the HQ server with blocking calls bounded by timeouts. Beast stays in
// its one .cpp file; one read may stay pending across receive() calls while sends go out, which
// is what `dsptsync sync --watch` needs to hear the server and push local edits on one thread.
#pragma once

#include "dsptsync/bytes.h"
#include "dsptsync/error.h"

#include <chrono>
#include <memory>
#include <optional>
#include <string>

namespace dsptsync::client {

struct ServerUrl {
  bool tls = false;
  std::string host;
  std::string port;
  std::string path = "/";
};
// ws://HOST:PORT[/PATH] or wss://...; the error says what a URL looks like.
Result<ServerUrl> parse_server_url(std::string_view text);

class WsClient {
 public:
  static Result<std::unique_ptr<WsClient>> connect(const ServerUrl& url, std::chrono::milliseconds timeout);
  ~WsClient();

  Status send(ByteView frame, std::chrono::milliseconds timeout);
  // A frame, or nothing if none arrived within the timeout; an error once the connection is gone.
  Result<std::optional<Bytes>> receive(std::chrono::milliseconds timeout);
  void close();

 private:
  struct Impl;
  explicit WsClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace dsptsync::client
