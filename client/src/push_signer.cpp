#include "dsptsync/client/push_signer.h"

#include "dsptsync/tuning.h"

namespace dsptsync::client {

void PushSigner::sent(const protocol::Push& push, Clock::time_point now) {
  if (digests_.empty()) oldest_ = now;
  digests_.push_back(protocol::push_digest(device_id_, push.changes));
}

bool PushSigner::due(Clock::time_point now) const {
  return !digests_.empty() &&
         (digests_.size() >= tuning::kSignPushesEvery || now - oldest_ >= tuning::kSignPushesInterval);
}

std::optional<protocol::SignPushes> PushSigner::cover() {
  if (digests_.empty()) return std::nullopt;
  protocol::SignPushes out{static_cast<std::uint32_t>(digests_.size()),
                           crypto::sign(keys_, protocol::cover_digest(device_id_, digests_))};
  digests_.clear();
  return out;
}

}  // namespace dsptsync::client
