// `dsptsync ui`: the web app (web/app.h) served from the laptop's own store on 127.0.0.1, for the
// branch manager's browser, offline. The listener (client/src/net/ui_server.cpp) is the only file
// of it that includes Beast; this header has none of it.
#pragma once

#include "dsptsync/client/workspace.h"
#include "dsptsync/error.h"
#include "dsptsync/tuning.h"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

namespace dsptsync::client {

struct UiServeOptions {
  // The port on 127.0.0.1; 0: any free one (on_listening says which).
  std::uint16_t port = 0;
  // Stops the server when set (tests); SIGINT and SIGTERM stop it too.
  std::atomic<bool>* stop_requested = nullptr;
  // `POST /api/sync`: how long each step of a sync waits for head office.
  std::chrono::milliseconds sync_timeout = tuning::kUiSyncTimeout;
  // Called once listening, before any request is served, with the port and the one-time sign-in
  // link ("http://127.0.0.1:PORT/signin?token=...") for the store's user.
  std::function<void(std::uint16_t port, const std::string& link)> on_listening;
  // Failures of the store that the page hears of only as "internal", in full (default: none).
  std::function<void(const std::string&)> log;
};

// Serves until stopped (SIGINT, SIGTERM or `stop_requested`), one request at a time on this
// thread, which alone uses the workspace meanwhile. An error when the port cannot be listened on.
Status serve_ui(Workspace& workspace, const UiServeOptions& options);

}  // namespace dsptsync::client
