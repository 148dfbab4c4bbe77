#include "principal.h"

#include "sync_replies.h"

namespace dsptsync::server {

using protocol::ErrorCode;
using sync_replies::error;

std::variant<Principal, protocol::ErrorMessage> principal_for(Directory& directory, const Device& device) {
  if (device.revoked_at) return error(ErrorCode::device_revoked, "this device was revoked by head office");
  auto user = directory.user(device.user);
  if (!user) return error(ErrorCode::internal, "the server could not read its directory");
  if (!*user) return error(ErrorCode::unknown_device, "this device's user is not known here; enrol again");
  if ((*user)->revoked_at)
    return error(ErrorCode::device_revoked, "the user " + device.user + " was revoked by head office");
  return Principal{device.id, (*user)->name, (*user)->role, (*user)->branch, device.public_key};
}

std::variant<Principal, protocol::ErrorMessage> principal_of_device(Directory& directory,
                                                                    const std::string& device_id) {
  auto device = directory.device(device_id);
  if (!device) return error(ErrorCode::internal, "the server could not read its directory");
  if (!*device) return error(ErrorCode::unknown_device, "this device is not enrolled here; enrol again");
  return principal_for(directory, **device);
}

}  // namespace dsptsync::server
