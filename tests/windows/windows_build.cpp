// Skips every test of the binary when there is no Windows build to test, or fails them all when
// DSPTSYNC_REQUIRE_WINDOWS says there must be one (windows_build.h).
#include "windows_build.h"

#include <gtest/gtest.h>

#include <cstdlib>

namespace dsptsync::testing {

std::filesystem::path windows_installer() {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(kWindowsBuild / "dist", ec))
    if (entry.path().filename().string().ends_with("-setup.exe")) return entry.path();
  return {};
}

namespace {

class WindowsBuild : public ::testing::Environment {
 public:
  void SetUp() override {
    const bool built = std::filesystem::exists(kWindowsBuild / "client" / "dsptsync.exe") &&
                       !windows_installer().empty() && std::system("command -v wine >/dev/null 2>&1") == 0;
    if (built) return;
    const char* required = std::getenv("DSPTSYNC_REQUIRE_WINDOWS");
    if (required && *required)
      FAIL() << "no Windows build in " << kWindowsBuild << " (or no wine): run scripts/build-windows.sh";
    GTEST_SKIP() << "no Windows build in " << kWindowsBuild << ": scripts/build-windows.sh makes one";
  }
};

const auto* const registered = ::testing::AddGlobalTestEnvironment(new WindowsBuild);

}  // namespace
}  // namespace dsptsync::testing
