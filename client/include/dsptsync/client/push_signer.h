// How a device signs what it pushes on one session (protocol version 5, docs/protocol.md): each
// push goes unsigned, and one SignPushes covers every push sent since the last. A stream of small
// pushes then costs one Ed25519 signature here, and one check at head office, per cover instead of
// per push, and each change is still attributable to this device by anyone holding its public key.
#pragma once

#include "dsptsync/crypto.h"
#include "dsptsync/protocol.h"

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace dsptsync::client {

class PushSigner {
 public:
  using Clock = std::chrono::steady_clock;

  PushSigner(std::string device_id, const crypto::SigningKeyPair& keys)
      : device_id_(std::move(device_id)), keys_(keys) {}

  // Notes a push about to be sent unsigned (its signature left all zeros).
  void sent(const protocol::Push& push, Clock::time_point now = Clock::now());
  // Whether a cover is due now: tuning::kSignPushesEvery pushes wait, or the oldest has waited
  // tuning::kSignPushesInterval. A device also signs whenever it stops pushing (cover()).
  bool due(Clock::time_point now = Clock::now()) const;
  // The signature over every push noted since the last cover; nullopt when there is none.
  std::optional<protocol::SignPushes> cover();
  std::size_t waiting() const { return digests_.size(); }

 private:
  std::string device_id_;
  const crypto::SigningKeyPair& keys_;
  std::vector<protocol::Digest> digests_;
  Clock::time_point oldest_{};
};

}  // namespace dsptsync::client
