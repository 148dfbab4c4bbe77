// The part of the platform seam that is the same everywhere (platform.h); the rest is in
// platform/posix.cpp or platform/windows.cpp.
#include "dsptsync/platform.h"

namespace dsptsync::platform {

std::filesystem::path path_from_utf8(std::string_view text) {
  return std::filesystem::path(std::u8string(text.begin(), text.end()));
}

std::string utf8_of(const std::filesystem::path& path) {
  const std::u8string text = path.u8string();
  return std::string(text.begin(), text.end());
}

}  // namespace dsptsync::platform
