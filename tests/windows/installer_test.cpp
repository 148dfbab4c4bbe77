// The Windows installer (scripts/package-windows.sh, packaging/windows/dsptsync.nsi), run silently
// under Wine as an IT person would (`/S`), in a Wine prefix of its own: what it installs, where,
// the user's PATH, the Start menu and Start-up entries, the default store in %LOCALAPPDATA%, and an
// uninstaller that leaves the store unless asked to delete it.
#include "windows_build.h"

#include <gtest/gtest.h>

#include <cctype>
#include <chrono>

namespace dsptsync {
namespace {

using testing::CliRun;
using testing::shell_quote;
using testing::TempDir;

class WindowsInstaller : public ::testing::Test {
 protected:
  void SetUp() override {
    // A fresh user profile each time: nothing left from an earlier run decides the result.
    ASSERT_EQ(run({"cmd", "/c", "echo", "ready"}).code, 0);
    local_ = user_folder("LOCALAPPDATA");
    roaming_ = user_folder("APPDATA");
    std::error_code ec;
    std::filesystem::remove_all(local_ / "Programs" / "dsptsync", ec);
    std::filesystem::remove_all(local_ / "dsptsync", ec);
    run({"reg", "delete", "HKCU\\Environment", "/v", "Path", "/f"});
  }

  // A Windows program under Wine, in this test's prefix.
  CliRun run(const std::vector<std::string>& args) {
    return testing::run_program("WINEPREFIX=" + shell_quote(prefix_.string()) + " " + shell_quote(testing::kWineRun),
                                args, scratch_.path());
  }
  // Where a Windows folder of this user is on the Linux side.
  std::filesystem::path user_folder(const std::string& variable) {
    CliRun windows_name = run({"cmd", "/c", "echo", "%" + variable + "%"});
    std::string name = windows_name.out.substr(0, windows_name.out.find_first_of("\r\n"));
    CliRun unix_name = testing::run_program("WINEPREFIX=" + shell_quote(prefix_.string()) + " winepath -u", {name},
                                            scratch_.path());
    return unix_name.out.substr(0, unix_name.out.find('\n'));
  }
  std::string user_path() {
    CliRun query = run({"reg", "query", "HKCU\\Environment", "/v", "Path"});
    return query.code == 0 ? query.out : "";
  }
  // The uninstaller copies itself away and returns at once; the copy removes the files. Waits for
  // every program of this test's Wine prefix to end (no other test uses it), within a bound.
  bool uninstalled_within(std::chrono::seconds bound) {
    const std::string wait = "WINEPREFIX=" + shell_quote(prefix_.string()) + " timeout " +
                             std::to_string(bound.count()) + " wineserver -w";
    return testing::run_program(wait, {}, scratch_.path()).code == 0;
  }
  std::filesystem::path installed() const { return local_ / "Programs" / "dsptsync"; }
  std::filesystem::path start_menu() const { return roaming_ / "Microsoft/Windows/Start Menu/Programs"; }
  // The Start-up entry. Windows names its folder "Startup", Wine "StartUp": Windows does not tell
  // the two apart, and the test looks as Windows does.
  std::filesystem::path startup_link() const {
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(start_menu(), ec)) {
      std::string name = entry.path().filename().string();
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (name == "startup") return entry.path() / "dsptsync sync.lnk";
    }
    return start_menu() / "Startup" / "dsptsync sync.lnk";
  }

  std::filesystem::path prefix_ = testing::kWindowsBuild / "wine-installer-test";
  std::filesystem::path local_, roaming_;
  TempDir scratch_;
};

TEST_F(WindowsInstaller, InstallsForTheUserAndUninstallsLeavingTheStore) {
  const auto setup = testing::windows_installer();
  CliRun installing = run({setup.string(), "/S", "/WATCH"});
  ASSERT_EQ(installing.code, 0) << installing.err;
  EXPECT_TRUE(std::filesystem::exists(installed() / "dsptsync.exe"));
  EXPECT_TRUE(std::filesystem::exists(installed() / "README.txt"));
  EXPECT_TRUE(std::filesystem::exists(installed() / "uninstall.exe"));
  EXPECT_TRUE(std::filesystem::exists(start_menu() / "dsptsync" / "DSPT sync.lnk"));
  EXPECT_TRUE(std::filesystem::exists(startup_link())) << "/WATCH: sync at sign-in";
  EXPECT_NE(user_path().find("Programs\\dsptsync"), std::string::npos) << user_path();

  // A new command prompt finds dsptsync on the PATH; with no --store and no DSPTSYNC_STORE the
  // store goes to %LOCALAPPDATA%\dsptsync.
  CliRun made = run({"cmd", "/c", "dsptsync", "init", "--ods", "VLAXL", "--name", "Leeds", "--year", "2021-22",
                     "--user", "Sam Patel"});
  ASSERT_EQ(made.code, 0) << made.out << made.err;
  EXPECT_TRUE(std::filesystem::exists(local_ / "dsptsync" / "store.db"));
  EXPECT_TRUE(std::filesystem::exists(local_ / "dsptsync" / "store.key"));

  ASSERT_EQ(run({(installed() / "uninstall.exe").string(), "/S"}).code, 0);
  ASSERT_TRUE(uninstalled_within(std::chrono::seconds(60)));
  EXPECT_FALSE(std::filesystem::exists(installed() / "dsptsync.exe"));
  EXPECT_FALSE(std::filesystem::exists(installed()));
  EXPECT_FALSE(std::filesystem::exists(start_menu() / "dsptsync"));
  EXPECT_FALSE(std::filesystem::exists(startup_link()));
  EXPECT_EQ(user_path().find("Programs\\dsptsync"), std::string::npos) << user_path();
  EXPECT_TRUE(std::filesystem::exists(local_ / "dsptsync" / "store.db")) << "the answers stay unless asked";
  EXPECT_TRUE(std::filesystem::exists(local_ / "dsptsync" / "store.key"));
}

TEST_F(WindowsInstaller, WithoutWatchNoStartUpEntryAndRemoveStoreDeletesTheStore) {
  const auto setup = testing::windows_installer();
  ASSERT_EQ(run({setup.string(), "/S"}).code, 0);
  EXPECT_TRUE(std::filesystem::exists(installed() / "dsptsync.exe"));
  EXPECT_FALSE(std::filesystem::exists(startup_link())) << "sign-in sync is a choice";
  ASSERT_EQ(run({(installed() / "dsptsync.exe").string(), "init", "--ods", "VLAXL", "--name", "Leeds", "--year",
                 "2021-22", "--user", "Sam Patel"})
                .code,
            0);
  ASSERT_TRUE(std::filesystem::exists(local_ / "dsptsync" / "store.db"));

  ASSERT_EQ(run({(installed() / "uninstall.exe").string(), "/S", "/REMOVESTORE"}).code, 0);
  ASSERT_TRUE(uninstalled_within(std::chrono::seconds(60)));
  EXPECT_FALSE(std::filesystem::exists(installed()));
  EXPECT_FALSE(std::filesystem::exists(local_ / "dsptsync")) << "asked: the store is deleted too";
}

}  // namespace
}  // namespace dsptsync
