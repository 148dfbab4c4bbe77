// The real `dsptsync-server serve` process when its disk refuses writes: /health tells a monitor the
// store cannot commit, nothing is acknowledged meanwhile, and it turns back to ok once writes work.
// The disk is made to refuse by a file-size limit (prlimit --fsize, soft only, so this test can lift
// it): the server ignores SIGXFSZ, so a write past the limit fails with EFBIG as on a full disk.
#include "served_head_office.h"

#include <gtest/gtest.h>

#include <sys/resource.h>

#include <string>

namespace dsptsync {
namespace {

using namespace std::chrono_literals;
using testing::ServedHeadOffice;

// Room for the data folder as `init` makes it, the enrolment and the log; not for the edits below.
constexpr rlim_t kFileSizeLimit = 4 * 1024 * 1024;
// Comments of 60 KB: enough of them to write well past the limit, in a few pushes of 1 MiB.
constexpr std::size_t kCommentBytes = 60 * 1024;
constexpr int kComments = 100;

void lift_file_size_limit(pid_t pid) {
  const rlimit unlimited{RLIM_INFINITY, RLIM_INFINITY};
  ASSERT_EQ(::prlimit(pid, RLIMIT_FSIZE, &unlimited, nullptr), 0) << std::strerror(errno);
}

TEST(StorageHealth, HealthIs503WhileCommitsFailAndOkOnceTheStoreCommitsAgain) {
  ServedHeadOffice server({"/usr/bin/prlimit", "--fsize=" + std::to_string(kFileSizeLimit) + ":unlimited", "--"});
  auto laptop = server.enrol("leeds", "Lee Leeds", "VLAXL");
  const auto healthy = server.health();
  ASSERT_EQ(healthy.status, 200) << healthy.body;
  EXPECT_EQ(healthy.parsed()["storage"]["writable"], true);

  const std::string item = ServedHeadOffice::branch_item(*laptop);
  for (int i = 0; i < kComments; ++i)
    ASSERT_TRUE(laptop->comment(item, std::to_string(i) + std::string(kCommentBytes, 'x')));
  auto refused = client::sync_once(*laptop, 10s);
  ASSERT_FALSE(refused) << "every edit went up past the file-size limit";
  EXPECT_EQ(refused.error().kind, ErrorKind::network) << refused.error().message;  // retry, not refused

  const auto failing = server.health();
  EXPECT_EQ(failing.status, 503) << failing.body;
  const auto body = failing.parsed();
  EXPECT_EQ(body["ok"], false);
  EXPECT_EQ(body["storage"]["writable"], false);
  EXPECT_GE(body["storage"]["failed_commits"].get<int>(), 1);
  EXPECT_EQ(body["storage"]["acknowledged_but_failed"], 0);
  EXPECT_FALSE(body["storage"]["problem"].get<std::string>().empty()) << body.dump();
  EXPECT_NE(body["error"].get<std::string>().find("cannot write to its database"), std::string::npos) << body.dump();
  auto status = client::sync_status(*laptop);
  ASSERT_TRUE(status);
  EXPECT_GT(status->pending, 0) << "what was not committed stays queued on the laptop";

  lift_file_size_limit(server.pid());
  EXPECT_TRUE(testing::eventually([&] { return server.health().status == 200; }, 5s))
      << "no laptop pushed, yet the server saw its store commit again: " << server.health().body;
  auto synced = client::sync_once(*laptop, 30s);
  ASSERT_TRUE(synced) << synced.error().message;
  status = client::sync_status(*laptop);
  ASSERT_TRUE(status);
  EXPECT_EQ(status->pending, 0);

  const auto recovered = server.health().parsed();
  EXPECT_EQ(recovered["ok"], true);
  EXPECT_GE(recovered["storage"]["failed_commits"].get<int>(), 1) << "failures are counted, not forgotten";
  EXPECT_EQ(recovered["storage"]["acknowledged_but_failed"], 0);
  // Durable: every acknowledged edit is in the server's database.
  auto count = server.admin()->store().change_count();
  ASSERT_TRUE(count);
  EXPECT_GE(*count, kComments);
}

}  // namespace
}  // namespace dsptsync
