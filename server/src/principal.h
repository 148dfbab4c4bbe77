// Who is at the other end of an authenticated session, and who a device acts for now, as the directory
// says: one rule for the storage thread and the file server alike.
#pragma once

#include "dsptsync/directory.h"
#include "dsptsync/protocol.h"

#include <string>
#include <variant>

namespace dsptsync::server {

struct Principal {
  std::string device_id;
  std::string user;
  protocol::Role role = protocol::Role::viewer;
  std::string branch;  // empty: head office
  protocol::PublicKey device_key{};
};

// The device's person now, or the error that ends its session: the device or its user revoked, or
// its user unknown.
std::variant<Principal, protocol::ErrorMessage> principal_for(Directory& directory, const Device& device);
// The same, from the device id: an unknown device is refused too.
std::variant<Principal, protocol::ErrorMessage> principal_of_device(Directory& directory, const std::string& device_id);

}  // namespace dsptsync::server
