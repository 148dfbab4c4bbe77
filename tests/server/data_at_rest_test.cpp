// No plaintext where it should not be, with the real `dsptsync-server`: the data folder, database,
// WAL, backups and key file are its account's only whatever umask it was started with, and the web
// app's exports are built in memory, never written as temporary files.
#include "served_head_office.h"
#include "web_client.h"

#include "../common/cli_runner.h"

#include <gtest/gtest.h>

#include <sys/inotify.h>
#include <sys/stat.h>

namespace dsptsync {
namespace {

using namespace std::chrono_literals;
using testing::Child;
using testing::Clock;
using testing::ServedHeadOffice;
using testing::shell_quote;

unsigned mode_of(const std::filesystem::path& path) {
  struct stat status{};
  if (::stat(path.c_str(), &status) != 0) return 0;
  return status.st_mode & 0777;
}

// Everything `init`, `serve` and `backup` create, started with umask 000.
TEST(DataAtRest, FilesAreOwnerOnlyWhateverTheUmask) {
  testing::TempDir dir;
  const auto data = dir / "hq";
  const std::string permissive = "umask 000; " + shell_quote(DSPTSYNC_SERVER_CLI) + " --json --data " + shell_quote(data.string());
  auto init = testing::run_program(permissive, {"init", "--ods", "A1B2", "--name", "Acme", "--year", "2021-22"}, dir.path());
  ASSERT_EQ(init.code, 0) << init.err;
  auto server = Child::start({"/bin/sh", "-c", "umask 000; exec \"$0\" \"$@\"", DSPTSYNC_SERVER_CLI, "--data",
                              data.string(), "--json", "serve", "--listen", "127.0.0.1:0"},
                             dir / "server.log");
  ASSERT_TRUE(server->read_line(Clock::now() + 10s)) << testing::tail_of(dir / "server.log", 5);
  auto backup = testing::run_program(permissive, {"backup", "--to", (dir / "backup.db").string()}, dir.path());
  ASSERT_EQ(backup.code, 0) << backup.err;

  EXPECT_EQ(mode_of(data), 0700u);
  for (const char* file : {"server.db", "server.db-wal", "server.db-shm", "server.key"})
    if (std::filesystem::exists(data / file)) {
      EXPECT_EQ(mode_of(data / file), 0600u) << file;
    }
  EXPECT_TRUE(std::filesystem::exists(data / "server.db-wal")) << "the serving server has its WAL open";
  EXPECT_EQ(mode_of(dir / "backup.db"), 0600u);
}

// Files created in a folder while watched (inotify).
class CreatedFiles {
 public:
  explicit CreatedFiles(const std::filesystem::path& folder) : fd_(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) {
    if (fd_ < 0 || ::inotify_add_watch(fd_, folder.c_str(), IN_CREATE) < 0) throw std::runtime_error("no inotify");
  }
  ~CreatedFiles() { ::close(fd_); }
  std::size_t count() const {
    alignas(inotify_event) char events[8192];
    std::size_t created = 0;
    for (;;) {
      const auto got = ::read(fd_, events, sizeof events);
      if (got <= 0) return created;
      for (ssize_t at = 0; at < got;) {
        const auto* event = reinterpret_cast<const inotify_event*>(events + at);
        ++created;
        at += static_cast<ssize_t>(sizeof(inotify_event) + event->len);
      }
    }
  }

 private:
  int fd_;
};

TEST(DataAtRest, WebExportsAreBuiltInMemory) {
  testing::TempDir temporary;
  ServedHeadOffice server({"/usr/bin/env", "TMPDIR=" + temporary.path().string()});
  testing::TempDir scratch;
  ASSERT_TRUE(server.admin()->add_console_user("Ann Admin", protocol::Role::admin));
  testing::set_web_password(server.data(), "Ann Admin", scratch.path());
  testing::WebClient browser(server.port());
  ASSERT_EQ(browser.sign_in("Ann Admin", testing::kPassword).status, 200);

  CreatedFiles created(temporary.path());
  for (const char* format : {"xlsx", "csv", "json"}) {
    auto download = browser.get(std::string("/api/export?scope=A1B2&format=") + format);
    ASSERT_EQ(download.status, 200) << format << ": " << download.body;
    EXPECT_FALSE(download.body.empty()) << format;
  }
  EXPECT_EQ(browser.get("/api/export?scope=A1B2&format=xlsx").body.substr(0, 2), "PK") << "a real workbook";
  EXPECT_EQ(created.count(), 0u) << "no temporary file or folder was made for a download";
}

}  // namespace
}  // namespace dsptsync
