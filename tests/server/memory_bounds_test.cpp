// The real `dsptsync-server serve` process holds memory bounded by bytes however much waits to go
// out or to be stored (limits.h): a watcher that takes nothing is cut off at its queue's budget and
// catches up from its cursor afterwards, and a flood of pushes larger than the budget of pushes
// waiting for the storage thread is held back by TCP, each push acknowledged and durable, whether
// its pushes carry a few large changes or many small ones.
#include "../common/sanitizers.h"
#include "hand_made_pushes.h"
#include "served_head_office.h"

#include "dsptsync/client/connection.h"
#include "dsptsync/client/sync.h"
#include "dsptsync/crypto.h"
#include "dsptsync/limits.h"
#include "dsptsync/protocol.h"

#include <gtest/gtest.h>

#include <signal.h>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <sstream>

namespace dsptsync {
namespace {

using namespace std::chrono_literals;
using testing::Child;
using testing::Clock;
using testing::ServedHeadOffice;

constexpr std::size_t kMiB = 1024 * 1024;
// Comments of this size, fifteen to a push: pushes of about 1 MiB, as a laptop cuts them.
constexpr std::size_t kCommentBytes = 64000;
constexpr std::size_t kChangesPerPush = 15;
// What else the server may hold at its peak besides the budget under test: the push being read,
// decoded, applied and sent out, SQLite's page caches, the allocator's slack.
constexpr std::size_t kWorkingMemory = 24 * kMiB;
// The same with pushes of about 120 KiB: no 1 MiB frame read, decoded and applied at once, and no
// copy of a commit's changes when nobody watches. The small-change flood below measured 11 MiB
// above the start (budget and working memory together), and 21 MiB when the budget counted encoded
// bytes alone: this bound tells them apart.
constexpr std::size_t kSmallPushWorkingMemory = 8 * kMiB;

// Comments on one item by an enrolled device, each based on the one before, made in memory and
// signed with the device's key: `per_push` to a push, each `comment_bytes` long and a number.
class CommentPushes {
 public:
  CommentPushes(client::Workspace& laptop, std::string item, std::size_t per_push = kChangesPerPush,
                std::size_t comment_bytes = kCommentBytes)
      : device_(testing::credentials_of(laptop)),
        key_{laptop.site().code, laptop.year().label(), TargetKind::item, std::move(item), Field::comment},
        user_(laptop.ledger().identity().user),
        per_push_(per_push),
        comment_bytes_(comment_bytes) {}

  protocol::Push next(std::uint64_t batch) {
    std::vector<Change> changes;
    for (std::size_t i = 0; i < per_push_; ++i) {
      Change change;
      change.id = device_.device_id + ":" + std::to_string(++counter_);
      change.key = key_;
      change.value = FieldValue{std::to_string(counter_) + std::string(comment_bytes_, 'x'), ""};
      if (!last_.empty()) change.parents.push_back(last_);
      last_ = change.id;
      clock_ = std::max<Hlc>(clock_ + 1, static_cast<Hlc>(now_ms()) << 16);
      change.hlc = clock_;
      change.user = user_;
      change.device = device_.device_id;
      changes.push_back(std::move(change));
    }
    return testing::signed_push(device_, std::move(changes), batch);
  }
  const testing::Credentials& device() const { return device_; }
  std::size_t per_push() const { return per_push_; }

 private:
  testing::Credentials device_;
  FieldKey key_;
  std::string user_;
  std::size_t per_push_;
  std::size_t comment_bytes_;
  std::uint64_t counter_ = 0;
  Hlc clock_ = 0;
  std::string last_;
};

// Sends `pushes` pushes over one authenticated connection, keeping up to `in_flight` unanswered (1:
// as a laptop does), and reads every answer. How many changes were acknowledged, or what went wrong.
Result<std::size_t> push_comments(const std::string& url, CommentPushes& maker, std::size_t pushes,
                                  std::size_t in_flight) {
  auto connection = client::network_transport().open(url, {}, 30s);
  if (!connection) return connection.error();
  auto& session = **connection;
  const auto& device = maker.device();
  if (auto s = session.send(protocol::Authenticate{
          device.device_id, crypto::sign(device.keys, protocol::authentication_payload(session.transcript()))});
      !s)
    return s.error();
  if (auto ready = session.expect(); !ready || !std::holds_alternative<protocol::Ready>(*ready))
    return make_error(ErrorKind::protocol, "no Ready");
  std::size_t sent = 0;
  std::size_t acknowledged = 0;
  for (std::size_t answered = 0; answered < pushes; ++answered) {
    for (; sent < pushes && sent - answered < in_flight; ++sent)
      if (auto s = session.send(maker.next(sent + 1)); !s) return s.error();
    auto reply = session.expect();
    if (!reply) return reply.error();
    const auto* ack = std::get_if<protocol::Ack>(&*reply);
    if (!ack) return make_error(ErrorKind::protocol, "push answered with " + std::string(protocol::message_name(*reply)));
    acknowledged += ack->server_seqs.size();
  }
  return acknowledged;
}

// Sends `pushes` of `maker`'s pushes at once, without waiting for answers, and checks that every
// change is acknowledged. How far the server's peak memory rose above what it held before.
std::size_t flood(ServedHeadOffice& server, CommentPushes& maker, std::size_t pushes) {
  auto& process = server.process();
  const std::size_t before = process.memory_bytes("VmRSS");
  process.reset_peak_memory();
  auto acknowledged = push_comments(server.url(), maker, pushes, pushes);
  EXPECT_TRUE(acknowledged) << acknowledged.error().message;
  if (acknowledged) {
    EXPECT_EQ(*acknowledged, pushes * maker.per_push());
  }
  const std::size_t peak = process.memory_bytes("VmHWM");
  std::cout << "server memory: " << before / kMiB << " MiB before, peak " << peak / kMiB << " MiB\n";
  return peak - before;
}

std::string text_of(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// A watcher that reads nothing (the real `dsptsync sync --watch`, stopped with SIGSTOP) while
// another laptop streams edits: the server cuts it off once its queue holds
// kMaxQueuedBytesPerConnection, so its memory stays bounded; let go again, the watcher reconnects
// and catches up from its cursor.
TEST(MemoryBounds, AWatcherThatTakesNothingIsCutOffAtItsBudgetAndCatchesUpAfterwards) {
  ServedHeadOffice server;
  auto writer = server.enrol("writer", "Wendy Writer", "VLAXL");
  server.enrol("watcher", "Walt Watcher", "VLAXL");
  const auto watcher_store = server.dir() / "watcher";
  auto watcher = Child::start({DSPTSYNC_CLI, "--store", watcher_store.string(), "sync", "--watch"},
                              server.dir() / "watcher.log");
  bool connected = false;
  while (auto line = watcher->read_line(Clock::now() + 10s))
    if ((connected = line->ends_with("  connected"))) break;
  ASSERT_TRUE(connected) << testing::tail_of(server.dir() / "watcher.log", 10);
  std::this_thread::sleep_for(200ms);  // its Watch is registered
  ASSERT_EQ(::kill(watcher->pid(), SIGSTOP), 0);

  auto& process = server.process();
  const std::size_t before = process.memory_bytes("VmRSS");
  process.reset_peak_memory();
  CommentPushes maker(*writer, ServedHeadOffice::branch_item(*writer));
  const std::size_t pushes = 8 * limits::kMaxQueuedBytesPerConnection / kMiB;
  auto acknowledged = push_comments(server.url(), maker, pushes, 1);
  ASSERT_TRUE(acknowledged) << acknowledged.error().message;
  EXPECT_EQ(*acknowledged, pushes * kChangesPerPush);
  const std::size_t peak = process.memory_bytes("VmHWM");
  if (testing::kResidentMemoryIsMeaningful) {
    EXPECT_LT(peak - before, limits::kMaxQueuedBytesPerConnection + kWorkingMemory)
        << "server memory grew by " << (peak - before) / kMiB << " MiB while " << pushes
        << " MiB of edits went out to a watcher that took none";
  }
  EXPECT_TRUE(testing::eventually([&] { return text_of(server.log()).find("\"slow_client\"") != std::string::npos; }))
      << testing::tail_of(server.log(), 10);
  std::cout << "server memory: " << before / kMiB << " MiB before, peak " << peak / kMiB << " MiB\n";

  ASSERT_EQ(::kill(watcher->pid(), SIGCONT), 0);
  auto last = server.admin()->store().last_seq();
  ASSERT_TRUE(last);
  auto store = client::Workspace::open(watcher_store, std::nullopt);
  ASSERT_TRUE(store);
  auto cursor = [&] {
    auto status = client::sync_status(**store);
    return status ? status->cursor : -1;
  };
  EXPECT_TRUE(testing::eventually([&] { return cursor() == *last; }, 40s))
      << "the watcher's cursor stayed at " << cursor() << " of " << *last;
  EXPECT_TRUE(watcher->signal_and_reap(SIGTERM, Clock::now() + 10s));
}

// One device sends four times the budget of pushes waiting for the storage thread
// (kMaxQueuedPushBytes) without waiting for answers: the server stops reading it while the budget
// is spent, so its memory stays bounded, and every push is acknowledged and survives SIGKILL.
TEST(MemoryBounds, AFloodOfPushesBeyondTheBudgetIsHeldBackAndEveryOneIsAcknowledgedAndDurable) {
  ServedHeadOffice server;
  auto laptop = server.enrol("leeds", "Lee Leeds", "VLAXL");
  CommentPushes maker(*laptop, ServedHeadOffice::branch_item(*laptop));
  const std::size_t pushes = 4 * limits::kMaxQueuedPushBytes / kMiB;
  const auto started = Clock::now();
  const std::size_t growth = flood(server, maker, pushes);
  if (testing::kResidentMemoryIsMeaningful) {
    EXPECT_LT(growth, limits::kMaxQueuedPushBytes + kWorkingMemory)
        << "server memory grew by " << growth / kMiB << " MiB for " << pushes << " MiB of pushes";
  }
  std::cout << pushes << " pushes in " << std::chrono::duration<double>(Clock::now() - started).count() << " s\n";

  // Every acknowledged change is on disk: the server killed at once keeps them all.
  ASSERT_TRUE(server.process().signal_and_reap(SIGKILL, Clock::now() + 10s));
  auto count = server.admin()->store().change_count();
  ASSERT_TRUE(count);
  EXPECT_EQ(static_cast<std::size_t>(*count), pushes * kChangesPerPush);
}

// The same flood in pushes of many small changes. A small change decodes to several times its
// encoded size, so the budget counts what a waiting push holds in memory, not its encoding: counted
// by encoding alone, the pushes held would use several times the budget.
TEST(MemoryBounds, AFloodOfSmallChangesIsHeldBackByTheMemoryTheyHoldNotTheirEncoding) {
  ServedHeadOffice server;
  auto laptop = server.enrol("leeds", "Lee Leeds", "VLAXL");
  CommentPushes maker(*laptop, ServedHeadOffice::branch_item(*laptop), limits::kMaxChangesPerPush, 8);
  const std::size_t encoded = protocol::encode_message(CommentPushes(maker).next(1)).size();
  // Enough that twice the budget of encoded pushes is sent before the first few are stored.
  const std::size_t pushes = 2 * limits::kMaxQueuedPushBytes / encoded;
  const std::size_t growth = flood(server, maker, pushes);
  if (testing::kResidentMemoryIsMeaningful) {
    EXPECT_LT(growth, limits::kMaxQueuedPushBytes + kSmallPushWorkingMemory)
        << "server memory grew by " << growth / kMiB << " MiB for " << pushes << " pushes of " << encoded / 1024
        << " KiB encoded";
  }
}

}  // namespace
}  // namespace dsptsync
