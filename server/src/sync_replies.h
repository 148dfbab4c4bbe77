// How a sync request is answered, shared by the files of SyncCore (sync_core*.cpp) and the file server.
#pragma once

#include "log.h"

#include "dsptsync/error.h"
#include "dsptsync/file_store.h"
#include "dsptsync/limits.h"
#include "dsptsync/protocol.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace dsptsync::server {

using ReplyCallback = std::function<void(protocol::Message reply)>;
using RepliesCallback = std::function<void(std::vector<protocol::Message> replies)>;
// A window of file chunks (FileServer::fetch_chunks): `sealing` is held until the session has sealed
// and queued them, and the file server reads no further ahead than a few such windows.
using ChunksCallback = std::function<void(std::vector<protocol::Message> chunks, std::shared_ptr<void> sealing)>;

namespace sync_replies {

// What a request is told when the queue it would join is full.
inline constexpr std::string_view kBusy = "the server is busy; try again shortly";

// Cut to what an error frame may carry, so a long reason (a path, a list of items) never breaks the reply.
inline protocol::ErrorMessage error(protocol::ErrorCode code, std::string message, std::uint64_t batch = 0) {
  if (message.size() > limits::kMaxErrorMessageBytes) message.resize(limits::kMaxErrorMessageBytes);
  return protocol::ErrorMessage{code, std::move(message), batch};
}

// A file request refused: the session goes on.
inline protocol::FileRefused file_refusal(const files::Hash& root, protocol::ErrorCode code, std::string message) {
  if (message.size() > limits::kMaxErrorMessageBytes) message.resize(limits::kMaxErrorMessageBytes);
  return protocol::FileRefused{root, code, std::move(message)};
}

inline protocol::FileRefused file_busy(const files::Hash& root) {
  return file_refusal(root, protocol::ErrorCode::server_busy, std::string(kBusy));
}

// The file store failed: logged with its reason, which the device is not told.
inline protocol::FileRefused file_store_failed(const files::Hash& root, std::string_view event, const Error& error) {
  log_event("error", event, {{"file", files::to_hex(root)}, {"reason", error.message}});
  return file_refusal(root, protocol::ErrorCode::internal, "head office could not use its file store; try again later");
}

}  // namespace sync_replies
}  // namespace dsptsync::server
