// The Windows build under test (scripts/build-windows.sh) and how the tests run it under Wine.
// Without a Windows build these tests are skipped, unless DSPTSYNC_REQUIRE_WINDOWS is set
// (scripts/test.sh sets it): then they fail.
#pragma once

#include "../common/cli_runner.h"
#include "../common/test_support.h"

#include <filesystem>
#include <string>
#include <vector>

namespace dsptsync::testing {

// dsptsync.exe run under Wine, as one program path (tests/windows/dsptsync-windows.in).
inline const std::string kWindowsCli = DSPTSYNC_WINDOWS_CLI;
// Any Windows program under Wine: `wine-run PROGRAM ARGS...` (tests/windows/wine-run.in).
inline const std::string kWineRun = DSPTSYNC_WINE_RUN;
inline const std::filesystem::path kWindowsBuild = DSPTSYNC_WINDOWS_BUILD_DIR;

// The Windows name of a path on this machine: Wine shows the whole Linux file system as drive Z:.
inline std::string windows_path(const std::filesystem::path& path) {
  std::string text = "Z:" + std::filesystem::absolute(path).string();
  for (char& c : text)
    if (c == '/') c = '\\';
  return text;
}

// The installer built beside dsptsync.exe (scripts/package-windows.sh).
std::filesystem::path windows_installer();

}  // namespace dsptsync::testing
