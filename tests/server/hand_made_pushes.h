// Pushes made by hand for an enrolled device, signed with its own key, so a test can send what a
// laptop would not: many at once without waiting for answers, or pushes no laptop would send.
#pragma once

#include "dsptsync/client/workspace.h"
#include "dsptsync/crypto.h"
#include "dsptsync/protocol.h"

#include <stdexcept>
#include <string>
#include <vector>

namespace dsptsync::testing {

struct Credentials {
  std::string device_id;
  crypto::SigningKeyPair keys;
};

inline Credentials credentials_of(client::Workspace& workspace) {
  auto keys = workspace.signing_key();
  if (!keys) throw std::runtime_error("signing key: " + keys.error().message);
  return {workspace.device_id(), *keys};
}

inline protocol::Push signed_push(const Credentials& device, std::vector<Change> changes, std::uint64_t batch) {
  const auto digest = protocol::push_digest(device.device_id, changes);
  return protocol::Push{batch, std::move(changes), crypto::sign(device.keys, digest)};
}

}  // namespace dsptsync::testing
