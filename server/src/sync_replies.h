// The error a sync request is answered with, shared by the files of SyncCore (sync_core*.cpp).
#pragma once

#include "dsptsync/limits.h"
#include "dsptsync/protocol.h"

#include <cstdint>
#include <string>

namespace dsptsync::server::sync_replies {

// Cut to what an error frame may carry, so a long reason (a path, a list of items) never breaks the reply.
inline protocol::ErrorMessage error(protocol::ErrorCode code, std::string message, std::uint64_t batch = 0) {
  if (message.size() > limits::kMaxErrorMessageBytes) message.resize(limits::kMaxErrorMessageBytes);
  return protocol::ErrorMessage{code, std::move(message), batch};
}

}  // namespace dsptsync::server::sync_replies
