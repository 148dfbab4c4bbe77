// The real `dsptsync-server serve` process short of file descriptors and flooded with connections:
// it stays quiet (bounded processor time and log), and an honest laptop and the health check still
// get in (tuning.h, docs/operations.md).
#include "served_head_office.h"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <thread>
#include <vector>

namespace dsptsync {
namespace {

using namespace std::chrono_literals;
using testing::ServedHeadOffice;

// TCP connections that connect and then say nothing, from `source` (any 127.x.y.z address is this
// machine), closed when this goes out of scope.
class SilentConnections {
 public:
  SilentConnections(std::uint16_t port, std::size_t count, const char* source = "127.0.0.1") {
    for (std::size_t i = 0; i < count; ++i) {
      const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      if (fd < 0) throw std::runtime_error("no socket");
      fds_.push_back(fd);
      sockaddr_in local{};
      local.sin_family = AF_INET;
      ::inet_pton(AF_INET, source, &local.sin_addr);
      sockaddr_in server{};
      server.sin_family = AF_INET;
      server.sin_port = htons(port);
      server.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      if (::bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0 ||
          ::connect(fd, reinterpret_cast<sockaddr*>(&server), sizeof server) != 0)
        throw std::runtime_error("cannot connect from " + std::string(source));
    }
  }
  ~SilentConnections() {
    for (int fd : fds_) ::close(fd);
  }
  SilentConnections(const SilentConnections&) = delete;
  SilentConnections& operator=(const SilentConnections&) = delete;

  // How many of them the server has closed (end of file or reset waiting to be read).
  std::size_t closed_by_server() const {
    std::size_t closed = 0;
    for (int fd : fds_) {
      pollfd entry{fd, POLLIN, 0};
      if (::poll(&entry, 1, 0) == 1) {
        char byte = 0;
        if (::recv(fd, &byte, 1, MSG_DONTWAIT) <= 0) ++closed;
      }
    }
    return closed;
  }

 private:
  std::vector<int> fds_;
};

std::uintmax_t size_of(const std::filesystem::path& file) {
  std::error_code ignored;
  const auto size = std::filesystem::file_size(file, ignored);
  return ignored ? 0 : size;
}

// Under `prlimit --nofile=64:64` eighty silent connections would take every descriptor the server
// has: it must neither spin on a failing accept nor fill its log, and a laptop's sync and the
// health check must still be answered.
TEST(Overload, ShortOfDescriptorsTheServerStaysQuietAndServesTheHonest) {
  ServedHeadOffice server({"/usr/bin/prlimit", "--nofile=64:64", "--"});
  auto laptop = server.enrol("leeds", "Lee Leeds", "VLAXL");
  ASSERT_TRUE(laptop->comment(server.branch_item(*laptop), "before the flood"));

  SilentConnections flood(server.port(), 80);
  std::this_thread::sleep_for(500ms);  // the server meets all of them
  const double cpu_before = server.cpu_seconds();
  const auto log_before = size_of(server.log());
  const auto started = std::chrono::steady_clock::now();

  ASSERT_TRUE(laptop->comment(server.branch_item(*laptop), "during the flood"));
  auto synced = client::sync_once(*laptop, 5s);
  ASSERT_TRUE(synced) << synced.error().message;
  EXPECT_EQ(synced->pushed, 2u);
  EXPECT_EQ(server.health().status, 200);

  std::this_thread::sleep_until(started + 10s);
  const double cpu = server.cpu_seconds() - cpu_before;
  const auto log_growth = size_of(server.log()) - log_before;
  // Spinning on accept takes a whole core (10 s here) and writes megabytes of log a second.
  EXPECT_LT(cpu, 1.5) << "server processor seconds over 10 s of flood";
  EXPECT_LT(log_growth, 64u * 1024) << "log bytes written over 10 s of flood";
  EXPECT_GE(flood.closed_by_server(), 1u) << "the server made room by closing silent connections";
}

// One address may hold at most tuning::kMaxUnauthenticatedPerAddress connections nobody signed in
// on: past it its oldest silent ones are closed, and other addresses are not affected.
TEST(Overload, SilentConnectionsFromOneAddressAreCapped) {
  ServedHeadOffice server;
  auto laptop = server.enrol("leeds", "Lee Leeds", "VLAXL");
  constexpr std::size_t kOver = 40;
  SilentConnections flood(server.port(), tuning::kMaxUnauthenticatedPerAddress + kOver, "127.0.0.2");
  EXPECT_TRUE(testing::eventually([&] { return flood.closed_by_server() >= kOver; }))
      << flood.closed_by_server() << " closed";
  ASSERT_TRUE(laptop->comment(server.branch_item(*laptop), "from another address"));
  auto synced = client::sync_once(*laptop, 5s);
  ASSERT_TRUE(synced) << synced.error().message;
  EXPECT_EQ(server.health().status, 200);
}

}  // namespace
}  // namespace dsptsync
