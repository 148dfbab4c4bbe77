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
// A window of a download (FileServer::fetch_chunks), sealed where it is read, off the I/O thread: the
// session lends its sending side and gets it back with the window's frames sealed in counter order.
// It holds `reading` until they are queued, and the file server reads no further ahead than
// tuning::kFileWindowsUnqueued such windows.
struct ChunkWindow {
  protocol::FrameSealer sender;
  std::uint8_t version = protocol::kProtocolVersion;  // the session's, which every frame carries
  std::vector<Bytes> frames;
  std::shared_ptr<void> reading;
};
using ChunksCallback = std::function<void(ChunkWindow window)>;

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
