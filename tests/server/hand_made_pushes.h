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

// A comment on the n-th item of the catalogue, recorded straight into the laptop's ledger, as an edit
// the laptop would push (the client refuses a viewer's edits itself: a pushed one is a modified client's).
inline Change recorded_comment(client::Workspace& workspace, std::size_t item, const std::string& text) {
  auto change = workspace.ledger().record(Edit{{workspace.site().code, workspace.year().label(), TargetKind::item,
                                                workspace.catalogue().items().at(item).id, Field::comment},
                                               FieldValue{text, ""}});
  if (!change) throw std::runtime_error("comment: " + change.error().message);
  return *change;
}

inline protocol::Push signed_push(const Credentials& device, std::vector<Change> changes, std::uint64_t batch) {
  const auto digest = protocol::push_digest(device.device_id, changes);
  return protocol::Push{batch, std::move(changes), crypto::sign(device.keys, digest)};
}

}  // namespace dsptsync::testing
