// Crash test of the real server process: kill -9 `dsptsync-server serve` hundreds of times while
// real clients edit and sync, restart it on the same data folder each time, and check that nothing
// it acknowledged was lost, that its database stays sound, and that every replica converges.
//
// The server is the real binary in a child process, so a kill lands anywhere: mid-handshake,
// mid-transaction, between COMMIT and the ack. The clients are the real client library
// (client::sync_once over a real loopback socket) in threads of this test, each on its own store.
// An acknowledgement is what a client recorded in its store (server_seq set): the server sends an
// ack only once its COMMIT returned, so every one of them must survive every later kill.
//
// DSPTSYNC_CRASH_KILLS sets the number of kills (default 200, the CI run), DSPTSYNC_CRASH_MINUTES the
// time they may take (a soak); DSPTSYNC_CRASH_SEED
// replays a seed's kill moments and edits (thread timing still varies from run to run).
#include "../common/sanitizers.h"
#include "../common/test_support.h"
#include "server_process.h"

#include "dsptsync/client/sync.h"
#include "dsptsync/client/workspace.h"
#include "dsptsync/server/head_office.h"
#include "dsptsync/sqlite_store.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

extern char** environ;

namespace dsptsync {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using nlohmann::json;
using testing::TempDir;

constexpr int kDefaultKills = 200;
// How long a client waits on one sync while the server is being killed: a killed server's sockets
// are reset by the kernel at once, so this only bounds a wedged server.
constexpr auto kChaosSyncTimeout = 2s;
constexpr auto kFinalSyncTimeout = 15s;
// A burst larger than one push (limits::kMaxChangesPerPush is 500), so a kill can land between the
// acks of two batches of the same sync.
constexpr int kBurstMin = 520;
constexpr int kBurstMax = 640;
constexpr int kMaxBurstsPerClient = 2;
// In a soak (more kills than the CI run) a client pauses up to this long between its syncs. Without
// a pause the four clients add ~80 KiB to the log per kill, and copying a log of hundreds of MiB
// for every crash image check would take longer than the kills; with it, every kind of kill still
// meets pushes and pulls in flight.
constexpr auto kSoakMaxPause = 40ms;

// ---------------------------------------------------------------------------------------------
// Child processes

using testing::Child;
using testing::describe_status;
using testing::tail_of;

// Runs a one-shot server command (init, branch add, invite) and returns its stdout; throws on
// failure, with the command's stderr.
std::string run_server_command(const std::filesystem::path& data, std::vector<std::string> args,
                               const std::filesystem::path& log) {
  args.insert(args.begin(), {DSPTSYNC_SERVER_CLI, "--data", data.string(), "--json"});
  const auto deadline = Clock::now() + 30s;
  auto child = Child::start(args, log);
  std::string out = child->read_all(deadline);
  const auto status = child->signal_and_reap(0, deadline);
  if (!status || !WIFEXITED(*status) || WEXITSTATUS(*status) != 0)
    throw std::runtime_error("dsptsync-server " + args[4] + " failed (" +
                             (status ? describe_status(*status) : std::string("still running")) + "):\n" + out +
                             tail_of(log, 5));
  return out;
}

// A free port on 127.0.0.1 below the kernel's ephemeral range. While the server is down, a
// client's connect to 127.0.0.1:P may be given P itself as its local port (a TCP self-connect),
// which then holds the port the server must bind again; the kernel never hands out these ports.
std::uint16_t free_port_below_ephemeral_range() {
  int ephemeral_low = 32768;
  std::ifstream("/proc/sys/net/ipv4/ip_local_port_range") >> ephemeral_low;
  const int high = ephemeral_low - 1;
  const int low = std::max(1024, high - 12000);
  if (high - low < 100) throw std::runtime_error("the ephemeral port range leaves no ports below it");
  std::mt19937 random(std::random_device{}());  // not the test's seed: two runs must not pick alike
  for (int attempt = 0; attempt < 200; ++attempt) {
    const auto port = static_cast<std::uint16_t>(std::uniform_int_distribution<int>(low, high)(random));
    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) throw std::system_error(errno, std::generic_category(), "socket");
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    // No SO_REUSEADDR: a port with a listener or connections lingering in TIME_WAIT is refused.
    const bool free = bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0;
    ::close(fd);
    if (free) return port;
  }
  throw std::runtime_error("no free port found on 127.0.0.1");
}

// `dsptsync-server serve` on the data folder and port, once it has printed its listening line.
// A start that fails to listen (the port briefly held) is retried until the deadline.
std::unique_ptr<Child> start_server(const std::filesystem::path& data, std::uint16_t port,
                                    const std::filesystem::path& log, int& retries) {
  const std::string listen = "127.0.0.1:" + std::to_string(port);
  const auto deadline = Clock::now() + 10s;
  for (;;) {
    auto child =
        Child::start({DSPTSYNC_SERVER_CLI, "--data", data.string(), "--json", "serve", "--listen", listen}, log);
    if (auto line = child->read_line(deadline)) {
      const json parsed = json::parse(*line, nullptr, /*allow_exceptions=*/false);
      if (!parsed.contains("listening") || parsed["listening"].value("port", 0) != port)
        throw std::runtime_error("unexpected first line from the server: " + *line);
      return child;
    }
    const auto status = child->signal_and_reap(SIGKILL, Clock::now() + 5s);
    if (Clock::now() >= deadline)
      throw std::runtime_error("the server did not listen on " + listen + " within 10 s (" +
                               (status ? describe_status(*status) : std::string("not reaped")) + "):\n" +
                               tail_of(log, 10));
    ++retries;
    std::this_thread::sleep_for(20ms);
  }
}

// ---------------------------------------------------------------------------------------------
// Clients

struct SharedCounters {
  std::atomic<bool> stop{false};
  std::atomic<std::int64_t> syncs_ok{0};
  std::atomic<std::int64_t> syncs_failed{0};           // network: the server was down or died mid-sync
  std::atomic<std::int64_t> syncs_failed_protocol{0};  // a connection cut mid-frame may read as garbled
  std::mutex mutex;
  std::vector<std::string> unexpected;  // anything else: a bug, reported at the end
  std::size_t unexpected_count() {
    std::lock_guard lock(mutex);
    return unexpected.size();
  }
  void report(std::string what) {
    std::lock_guard lock(mutex);
    if (unexpected.size() < 20) unexpected.push_back(std::move(what));
    stop = true;
  }
};

struct TestClient {
  std::string name;
  std::string scope;  // its own assessment: the branch code, or the HQ code
  std::filesystem::path dir;
  std::unique_ptr<client::Workspace> workspace;  // its thread's only, until the thread is joined
  std::unique_ptr<client::Workspace> observer;   // a second connection to its store, for the main thread

  // Written by its thread, read after the join.
  std::vector<std::string> made;  // every change id it recorded
  int bursts = 0;

  // The main thread's view of what the server acknowledged: change id -> server seq, as recorded.
  std::map<std::string, std::int64_t> acknowledged;
  std::set<std::string> unacknowledged;  // own changes seen without a server seq yet
  std::int64_t scanned_seq = 0;
};

std::string answer_for(const CatalogueItem& item, std::mt19937_64& random, const std::string& tag) {
  switch (item.type) {
    case AnswerType::yes_no: return random() % 2 ? "yes" : "no";
    case AnswerType::date: return "2022-03-" + std::to_string(10 + random() % 18);
    case AnswerType::number: return std::to_string(random() % 1000);
    case AnswerType::text:
    case AnswerType::document: break;
  }
  return "answer " + tag;
}

// One client's work: a few edits, a sync, again, until told to stop. Edits go through the
// workspace as the CLI makes them; the rare burst is one transaction of many comments, so one
// sync needs two pushes.
void work(TestClient& client, std::uint64_t seed, SharedCounters& shared, Clock::time_point deadline,
          std::chrono::milliseconds max_pause) {
  std::mt19937_64 random(seed);
  client::Workspace& workspace = *client.workspace;
  // The items this site answers itself: a branch edits none of head office's shared ones.
  std::vector<CatalogueItem> items;
  {
    auto view = workspace.view();
    if (!view) throw std::runtime_error(view.error().message);
    for (const auto& item : workspace.catalogue().items())
      if (!view->shared_items.count(item.id) || workspace.site().code == "A1B2") items.push_back(item);
  }
  const std::string year = workspace.year().label();
  auto fail = [&](const std::string& what, const Error& error) {
    shared.report(client.name + ": " + what + ": " + std::string(to_string(error.kind)) + ": " + error.message);
  };
  // One sync; false when it failed because the server was down or died mid-sync. Anything else (a
  // refusal, a store error) is a bug: it is reported and stops every client.
  auto sync = [&] {
    auto synced = client::sync_once(workspace, kChaosSyncTimeout);
    if (synced) {
      ++shared.syncs_ok;
      return true;
    }
    if (synced.error().kind == ErrorKind::network) ++shared.syncs_failed;
    else if (synced.error().kind == ErrorKind::protocol) ++shared.syncs_failed_protocol;
    else fail("sync", synced.error());
    // Connecting to a dead server fails at once: pause so four threads do not spin on two cores.
    std::this_thread::sleep_for(std::chrono::milliseconds(1 + random() % 5));
    return false;
  };
  constexpr int kMaxRounds = 1'000'000;  // a bound; the stop flag or the deadline ends the loop first
  bool online = true;
  for (int round = 0; round < kMaxRounds && !shared.stop && Clock::now() < deadline; ++round) {
    // While the server is down a client retries every few ms: editing at that pace would mostly
    // grow the queue (and the log every crash image copies), not the traffic that meets a kill.
    if (!online && random() % 4 != 0) {
      online = sync();
      continue;
    }
    const std::string tag = client.name + "-" + std::to_string(round);
    if (client.bursts < kMaxBurstsPerClient && random() % 200 == 0) {
      std::vector<Edit> edits;
      const int count = kBurstMin + static_cast<int>(random() % (kBurstMax - kBurstMin));
      for (int i = 0; i < count; ++i) {
        const auto& item = items[random() % items.size()];
        edits.push_back({{client.scope, year, TargetKind::item, item.id, Field::comment},
                         FieldValue{"burst " + tag + "/" + std::to_string(i), ""}});
      }
      auto recorded = workspace.ledger().record(edits);
      if (!recorded) return fail("burst", recorded.error());
      for (const auto& change : *recorded) client.made.push_back(change.id);
      ++client.bursts;
    }
    const int edits = 1 + static_cast<int>(random() % 3);
    for (int i = 0; i < edits; ++i) {
      const auto& item = items[random() % items.size()];
      const auto kind = random() % 20;
      if (kind < 10) {
        auto changes = workspace.answer(item.id, answer_for(item, random, tag), "", std::nullopt);
        if (!changes) return fail("answer " + item.id, changes.error());
        for (const auto& change : *changes) client.made.push_back(change.id);
      } else if (kind < 17) {
        auto change = workspace.comment(item.id, "comment " + tag + "/" + std::to_string(i));
        if (!change) return fail("comment " + item.id, change.error());
        client.made.push_back(change->id);
      } else {
        auto change = workspace.clear(item.id, Field::answer);
        if (!change) return fail("clear " + item.id, change.error());
        client.made.push_back(change->id);
      }
    }
    online = sync();
    if (max_pause.count() > 0) std::this_thread::sleep_for(std::chrono::milliseconds(random() % max_pause.count()));
  }
}

// Finds, through the observer connection, the client's changes that now carry a server seq; the
// client sets it only from the server's ack. Returns the ones new since the last scan.
std::vector<std::pair<std::string, std::int64_t>> collect_acknowledged(TestClient& client) {
  std::vector<std::pair<std::string, std::int64_t>> fresh;
  Store& store = client.observer->store();
  const std::string& device = client.observer->device_id();
  auto note = [&](const StoredChange& change) {
    if (change.device != device) return;
    if (!change.server_seq) {
      client.unacknowledged.insert(change.id);
      return;
    }
    client.unacknowledged.erase(change.id);
    if (client.acknowledged.emplace(change.id, *change.server_seq).second)
      fresh.emplace_back(change.id, *change.server_seq);
  };
  // Earlier changes without an ack first: a change acknowledged between the two reads is then
  // still seen by the second.
  if (!client.unacknowledged.empty()) {
    const std::vector<std::string> ids(client.unacknowledged.begin(), client.unacknowledged.end());
    auto rows = store.changes_by_id(ids);
    if (!rows) throw std::runtime_error(client.name + ": " + rows.error().message);
    for (const auto& row : *rows) note(row);
  }
  for (int page = 0; page < 10'000; ++page) {
    auto rows = store.changes_after(client.scanned_seq, 1000);
    if (!rows) throw std::runtime_error(client.name + ": " + rows.error().message);
    for (const auto& row : *rows) {
      client.scanned_seq = std::max(client.scanned_seq, row.seq);
      note(row);
    }
    if (rows->size() < 1000) break;
  }
  return fresh;
}

// ---------------------------------------------------------------------------------------------
// Comparing replicas

std::string key_text(const FieldKey& key) {
  return key.scope + " " + std::string(to_string(key.kind)) + " " + key.target + " " +
         std::string(to_string(key.field));
}

std::string state_text(const FieldState& state) {
  std::string out;
  for (const auto& head : state.heads)
    out += (out.empty() ? "" : ", ") + head.change_id + "=" +
           (head.value ? "\"" + head.value->text + "\"" : "(cleared)");
  return "[" + out + "]";
}

// The first field where two states of one assessment differ, or nothing when they are the same.
std::optional<std::string> first_difference(const AssessmentState& a, const AssessmentState& b) {
  auto left = a.begin();
  auto right = b.begin();
  for (; left != a.end() && right != b.end(); ++left, ++right) {
    if (left->first != right->first)
      return "fields differ: " + key_text(left->first) + " vs " + key_text(right->first);
    if (left->second.heads != right->second.heads || left->second.merge_base != right->second.merge_base)
      return key_text(left->first) + ": " + state_text(left->second) + " vs " + state_text(right->second);
  }
  if (left != a.end()) return "only the first has " + key_text(left->first);
  if (right != b.end()) return "only the second has " + key_text(right->first);
  return std::nullopt;
}

int kills_wanted() {
  if (const char* text = std::getenv("DSPTSYNC_CRASH_KILLS"); text && *text) {
    const int value = std::atoi(text);
    if (value > 0) return value;
  }
  // Under a sanitizer each cycle is slower: fewer kills keep the test inside ctest's time limit.
  return kDefaultKills / testing::kSlowdown;
}

// The time a soak may take, when DSPTSYNC_CRASH_MINUTES sets it.
std::optional<std::chrono::milliseconds> soak_time_limit() {
  if (const char* text = std::getenv("DSPTSYNC_CRASH_MINUTES"); text && *text) {
    const int value = std::atoi(text);
    if (value > 0) return std::chrono::minutes(value);
  }
  return std::nullopt;
}

std::uint64_t seed_to_use() {
  if (const char* text = std::getenv("DSPTSYNC_CRASH_SEED"); text && *text)
    return std::strtoull(text, nullptr, 10);
  return std::random_device{}();
}

// Stops and joins the client threads however the test ends (a joinable std::thread would abort).
struct ThreadsGuard {
  SharedCounters& shared;
  std::vector<std::thread>& threads;
  ~ThreadsGuard() {
    shared.stop = true;
    for (auto& thread : threads)
      if (thread.joinable()) thread.join();
  }
};

TEST(CrashTest, KillNineRepeatedlyWhileClientsSyncLosesNothingAcknowledged) {
  const auto started = Clock::now();
  const int kills = kills_wanted();
  const std::uint64_t seed = seed_to_use();
  std::cout << "[ crash    ] seed " << seed << " (DSPTSYNC_CRASH_SEED), " << kills << " kills (DSPTSYNC_CRASH_KILLS)"
            << std::endl;
  std::mt19937_64 random(seed);
  // A cycle takes ~75 ms on a 2-core machine (start ~15 ms, the crash image check ~25 ms, up for
  // the rest); the limit leaves 5x that, and keeps the CI run inside ctest's 120 s timeout. A soak
  // sets its own (DSPTSYNC_CRASH_MINUTES): the crash image grows with every kill, and so does the
  // cost of checking it, so ten thousand kills take far longer than fifty times two hundred.
  const auto deadline = started + soak_time_limit().value_or(20s + kills * 400ms);

  TempDir dir;
  const auto data = dir / "head-office";  // not "hq": that is the head office laptop's store
  const auto log = dir / "server.log";
  run_server_command(data, {"init", "--ods", "A1B2", "--name", "Acme Care Group", "--year", "2021-22"}, log);
  run_server_command(data, {"branch", "add", "VLAXL", "--name", "Leeds"}, log);
  run_server_command(data, {"branch", "add", "VM2B3", "--name", "York"}, log);
  auto invite = [&](const std::vector<std::string>& who) {
    std::vector<std::string> args{"invite", "--role", "admin"};
    args.insert(args.end(), who.begin(), who.end());
    return json::parse(run_server_command(data, args, log)).at("code").get<std::string>();
  };
  const std::uint16_t port = free_port_below_ephemeral_range();
  const std::string url = "ws://127.0.0.1:" + std::to_string(port);
  int bind_retries = 0;
  auto server = start_server(data, port, log, bind_retries);

  // Two laptops at Leeds (they edit the same assessment concurrently), one at York, and one at head
  // office, whose own answers reach every branch: so the HQ scope is shared by all four.
  std::vector<std::unique_ptr<TestClient>> clients;
  for (const auto& [name, branch] : std::vector<std::pair<std::string, std::string>>{
           {"leeds-a", "VLAXL"}, {"leeds-b", "VLAXL"}, {"york", "VM2B3"}, {"hq", ""}}) {
    auto client = std::make_unique<TestClient>();
    client->name = name;
    client->scope = branch.empty() ? "A1B2" : branch;
    client->dir = dir / name;
    const std::string code = branch.empty() ? invite({"--hq", "--user", "User " + name})
                                            : invite({"--branch", branch, "--user", "User " + name});
    auto enrolled = client::enrol({client->dir, url, code, std::nullopt, name});
    ASSERT_TRUE(enrolled) << name << ": " << enrolled.error().message;
    auto opened = client::Workspace::open(client->dir, std::nullopt);
    ASSERT_TRUE(opened) << opened.error().message;
    client->workspace = std::move(*opened);
    auto observer = client::Workspace::open(client->dir, std::nullopt);
    ASSERT_TRUE(observer) << observer.error().message;
    client->observer = std::move(*observer);
    ASSERT_EQ(client->workspace->site().code, client->scope);
    clients.push_back(std::move(client));
  }

  SharedCounters shared;
  std::vector<std::thread> threads;
  ThreadsGuard guard{shared, threads};
  for (std::size_t i = 0; i < clients.size(); ++i)
    threads.emplace_back(work, std::ref(*clients[i]), seed + 1 + i, std::ref(shared), deadline,
                         kills > kDefaultKills ? std::chrono::milliseconds(kSoakMaxPause) : 0ms);

  // After each kill, while the server is down, the database as the crash left it is copied and
  // checked: every ack the clients recorded must be in it, at the seq the ack named. The copy
  // leaves the server's own files alone: opening them would recover the WAL (and, on close,
  // checkpoint it) in the server's place, and the point is to see the server recover by itself.
  std::vector<std::pair<std::string, std::int64_t>> to_check;  // acks not yet checked
  std::set<std::string> committed_unacknowledged;  // in the crash image, but the client had no ack
  std::int64_t checked = 0;
  int full_checks = 0;
  auto check_crash_image = [&](int kill, bool everything) {
    const auto image = dir / "image";
    std::filesystem::remove_all(image);
    std::filesystem::create_directories(image);
    // Not the -shm index: a fresh opener rebuilds it from the WAL, as recovery after a crash does.
    for (const std::string name : {"server.db", "server.db-wal"})
      if (std::filesystem::exists(data / name)) std::filesystem::copy_file(data / name, image / name);
    auto store = open_sqlite_store(image / "server.db", {});
    ASSERT_TRUE(store) << "after kill " << kill << ": " << store.error().message;
    if (everything)
      for (const auto& client : clients)
        for (const auto& [id, seq] : client->acknowledged) to_check.emplace_back(id, seq);
    std::vector<std::string> ids;
    for (const auto& [id, seq] : to_check) ids.push_back(id);
    auto rows = (*store)->changes_by_id(ids);
    ASSERT_TRUE(rows) << rows.error().message;
    std::map<std::string, std::int64_t> at_server;
    for (const auto& row : *rows) at_server[row.id] = row.seq;
    int lost = 0;
    for (const auto& [id, seq] : to_check) {
      const auto found = at_server.find(id);
      if (found != at_server.end() && found->second == seq) continue;
      if (++lost <= 5)
        ADD_FAILURE() << "change " << id << " was acknowledged with server seq " << seq << ", but after kill "
                      << kill << " the server's database "
                      << (found == at_server.end() ? "does not have it"
                                                   : "has it at seq " + std::to_string(found->second));
    }
    ASSERT_EQ(lost, 0) << "acknowledged changes lost by kill " << kill << " (of " << to_check.size() << " checked)";
    checked += everything ? 0 : static_cast<std::int64_t>(to_check.size());
    to_check.clear();
    // Changes the server committed but whose ack died with it: the client pushes them again, and
    // the server must take them once (checked at the end: one row per change id).
    std::vector<std::string> unacknowledged;
    for (const auto& client : clients)
      unacknowledged.insert(unacknowledged.end(), client->unacknowledged.begin(), client->unacknowledged.end());
    auto committed = (*store)->changes_by_id(unacknowledged);
    ASSERT_TRUE(committed) << committed.error().message;
    for (const auto& row : *committed) committed_unacknowledged.insert(row.id);
    if (everything) {
      ++full_checks;
      auto problems = (*store)->check_integrity();
      ASSERT_TRUE(problems) << problems.error().message;
      ASSERT_TRUE(problems->empty()) << "after kill " << kill << ", PRAGMA integrity_check: " << problems->front();
    }
  };

  enum Moment { at_once, handshakes, mid_sync, random_time, kMoments };
  const char* const moment_names[kMoments] = {"at once", "within 5 ms", "just after a sync", "5-150 ms"};
  int by_moment[kMoments] = {};
  int killed = 0;
  int restarts = 0;
  std::vector<double> start_ms;
  double check_seconds = 0;
  while (killed < kills && shared.unexpected_count() == 0 && !::testing::Test::HasFailure()) {
    ASSERT_LT(Clock::now(), deadline) << "only " << killed << " of " << kills << " kills before the time limit";
    const auto roll = random() % 100;
    const Moment moment = roll < 15 ? at_once : roll < 30 ? handshakes : roll < 65 ? mid_sync : random_time;
    ++by_moment[moment];
    switch (moment) {
      case at_once: break;
      case handshakes: std::this_thread::sleep_for(std::chrono::microseconds(random() % 5000)); break;
      case mid_sync: {
        // Kill within 3 ms of a client finishing a sync with this server: the others are then
        // most likely mid-push or mid-pull.
        const auto before = shared.syncs_ok.load();
        const auto limit = Clock::now() + 1s;
        while (shared.syncs_ok == before && Clock::now() < limit && shared.unexpected_count() == 0)
          std::this_thread::sleep_for(200us);
        std::this_thread::sleep_for(std::chrono::microseconds(random() % 3000));
        break;
      }
      case random_time: std::this_thread::sleep_for(std::chrono::milliseconds(5 + random() % 146)); break;
      case kMoments: break;
    }
    const auto status = server->signal_and_reap(SIGKILL, Clock::now() + 10s);
    ASSERT_TRUE(status) << "the server did not die within 10 s of SIGKILL";
    ASSERT_TRUE(WIFSIGNALED(*status) && WTERMSIG(*status) == SIGKILL)
        << "the server ended by itself before the kill (" << describe_status(*status) << "):\n"
        << tail_of(log, 20);
    server.reset();
    ++killed;
    // Whatever a client has recorded as acknowledged by now, the dead server had committed.
    const auto check_began = Clock::now();
    for (auto& client : clients)
      for (auto& acknowledged : collect_acknowledged(*client)) to_check.push_back(std::move(acknowledged));
    check_crash_image(killed, killed % 50 == 0 || killed == kills);
    check_seconds += std::chrono::duration<double>(Clock::now() - check_began).count();
    if (::testing::Test::HasFailure()) break;
    const auto restart_began = Clock::now();
    server = start_server(data, port, log, bind_retries);
    start_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - restart_began).count());
    ++restarts;
  }
  const auto chaos_ended = Clock::now();

  shared.stop = true;
  for (auto& thread : threads) thread.join();
  {
    std::lock_guard lock(shared.mutex);
    for (const auto& what : shared.unexpected) ADD_FAILURE() << "during the kills: " << what;
  }
  ASSERT_TRUE(shared.unexpected.empty());
  ASSERT_FALSE(::testing::Test::HasFailure()) << "stopped after kill " << killed;
  ASSERT_EQ(killed, kills);

  // The server stays up now: every client syncs until nothing is pending, then once more to pull
  // what the others pushed last.
  for (int round = 0; round < 2; ++round)
    for (auto& client : clients) {
      std::optional<client::SyncResult> last;
      for (int attempt = 0; attempt < 5 && (!last || last->pending != 0); ++attempt) {
        auto synced = client::sync_once(*client->workspace, kFinalSyncTimeout);
        ASSERT_TRUE(synced) << client->name << ": " << synced.error().message;
        last = *synced;
      }
      ASSERT_EQ(last->pending, 0) << client->name << " still has changes waiting after 5 syncs";
    }

  // A graceful stop must still be graceful after all those crashes.
  const auto stopped = server->signal_and_reap(SIGTERM, Clock::now() + 15s);
  ASSERT_TRUE(stopped) << "the server did not stop within 15 s of SIGTERM";
  EXPECT_TRUE(WIFEXITED(*stopped) && WEXITSTATUS(*stopped) == 0)
      << "SIGTERM: " << describe_status(*stopped) << "\n" << tail_of(log, 20);
  server.reset();

  auto office = server::HeadOffice::open(data, std::nullopt);
  ASSERT_TRUE(office) << office.error().message;
  Store& store = (*office)->store();
  auto problems = store.check_integrity();
  ASSERT_TRUE(problems) << problems.error().message;
  EXPECT_TRUE(problems->empty()) << "PRAGMA integrity_check: " << problems->front();

  // Every change made anywhere is at the server exactly once: all present, and no more rows than
  // distinct ids (the same change applied twice would be a second row).
  std::vector<std::string> made;
  for (const auto& client : clients) made.insert(made.end(), client->made.begin(), client->made.end());
  const std::set<std::string> distinct(made.begin(), made.end());
  ASSERT_EQ(distinct.size(), made.size()) << "a client made two changes with the same id";
  auto count = store.change_count();
  ASSERT_TRUE(count) << count.error().message;
  EXPECT_EQ(*count, static_cast<std::int64_t>(distinct.size()));
  auto rows = store.changes_by_id(made);
  ASSERT_TRUE(rows) << rows.error().message;
  std::map<std::string, std::int64_t> server_seq;
  for (const auto& row : *rows) server_seq[row.id] = row.seq;
  EXPECT_EQ(server_seq.size(), distinct.size()) << "changes made by clients are missing at the server";
  // Every acknowledgement, re-read from the client stores now, still names where the server has it.
  for (auto& client : clients) {
    const auto before = client->acknowledged;
    client->acknowledged.clear();
    client->unacknowledged.clear();
    client->scanned_seq = 0;
    (void)collect_acknowledged(*client);
    EXPECT_EQ(client->acknowledged.size(), client->made.size()) << client->name;
    for (const auto& [id, seq] : before) {
      const auto now = client->acknowledged.find(id);
      EXPECT_TRUE(now != client->acknowledged.end() && now->second == seq)
          << client->name << ": the recorded ack of " << id << " changed";
    }
    for (const auto& [id, seq] : client->acknowledged) {
      const auto found = server_seq.find(id);
      ASSERT_TRUE(found != server_seq.end()) << client->name << ": acknowledged " << id << " is not at the server";
      EXPECT_EQ(found->second, seq) << client->name << ": " << id;
    }
  }

  // Every replica holds the server's state of every assessment it can read.
  for (const std::string scope : {"VLAXL", "VM2B3", "A1B2"}) {
    auto expected = (*office)->ledger().state(scope, "2021-22");
    ASSERT_TRUE(expected) << expected.error().message;
    EXPECT_FALSE(expected->empty()) << scope << " was never edited: the test did not exercise it";
    for (const auto& client : clients) {
      if (client->scope != "A1B2" && scope != client->scope && scope != "A1B2") continue;
      auto state = client->workspace->ledger().state(scope, "2021-22");
      ASSERT_TRUE(state) << state.error().message;
      const auto difference = first_difference(*expected, *state);
      EXPECT_FALSE(difference) << client->name << " differs from the server in " << scope << ": " << *difference;
    }
  }

  // The server logs a failed commit or read as an error: a crash must not leave it failing.
  std::map<std::string, int> server_errors;
  {
    std::ifstream in(log);
    for (std::string line; std::getline(in, line);) {
      const json event = json::parse(line, nullptr, /*allow_exceptions=*/false);
      if (event.is_object() && event.value("level", "") == "error") ++server_errors[event.value("event", "?")];
    }
  }
  for (const auto& [event, times] : server_errors)
    ADD_FAILURE() << "the server logged " << event << " " << times << " times";

  // A run of the CI size must have exercised what the test claims to.
  if (kills >= kDefaultKills) {
    EXPECT_GT(shared.syncs_failed + shared.syncs_failed_protocol, kills / 2)
        << "the kills hardly interrupted the clients";
    EXPECT_GT(checked, kills) << "too few acknowledgements during the kills to mean much";
    EXPECT_GT(committed_unacknowledged.size(), 0u) << "no kill fell between a COMMIT and its ack";
  }

  std::sort(start_ms.begin(), start_ms.end());
  const auto elapsed = std::chrono::duration<double>(Clock::now() - started).count();
  std::ostringstream figures;
  figures << "kills " << killed << " (";
  for (int m = 0; m < kMoments; ++m) figures << (m ? ", " : "") << moment_names[m] << " " << by_moment[m];
  figures << "), restarts " << restarts << " (median " << start_ms[start_ms.size() / 2] << " ms, max "
          << start_ms.back() << " ms, " << bind_retries << " bind retries)\n"
          << "[ crash    ] edits " << made.size() << " (bursts";
  for (const auto& client : clients) figures << " " << client->bursts;
  figures << "), acknowledged during the kills " << checked << " (each checked in the crash image), "
          << "committed but not acknowledged when killed " << committed_unacknowledged.size()
          << " (pushed again), server changes " << *count << "\n"
          << "[ crash    ] syncs ok " << shared.syncs_ok << ", failed during outages " << shared.syncs_failed
          << " (+" << shared.syncs_failed_protocol << " garbled)\n"
          << "[ crash    ] crash image checks " << check_seconds << " s (" << full_checks
          << " of them of every ack, with integrity_check), server.db "
          << std::filesystem::file_size(data / "server.db") / 1024 << " KiB, kill phase "
          << std::chrono::duration<double>(chaos_ended - started).count() << " s, elapsed " << elapsed << " s";
  std::cout << "[ crash    ] " << figures.str() << std::endl;
}

}  // namespace
}  // namespace dsptsync
