// The load generator: drives a real `dsptsync-server` process over 127.0.0.1 with real enrolled
// devices, the real handshake, sealed sessions, signed pushes and durable acknowledgements, and
// prints the figures as one JSON object, with the field names of the peer's benchmark
// (../shared/bench/peer/bench-hp.mjs): editsPerSec, ackLatencyMs, serverCpuSeconds,
// serverPeakRssMB, kBperConnRss. docs/performance.md says what each workload is.
//
// Edits are made in memory and signed here, not through a laptop's store: what is measured is the
// server, as the peer's load generator measures the peer. One workload, store-floor, starts no
// server: it times what each change costs the store alone, the floor under catch-up and a first sync.
#include "dsptsync/client/connection.h"
#include "dsptsync/client/push_signer.h"
#include "dsptsync/client/sync.h"
#include "dsptsync/codec.h"
#include "dsptsync/crypto.h"
#include "dsptsync/ledger.h"
#include "dsptsync/limits.h"
#include "dsptsync/server/head_office.h"
#include "dsptsync/sqlite_store.h"
#include "dsptsync/tuning.h"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

namespace dsptsync::loadgen {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;
using protocol::Role;

constexpr std::string_view kYear = "2021-22";
constexpr std::string_view kHq = "A1B2";
// File descriptors for 10,000 idle connections with room to spare (see run()).
constexpr rlim_t kWantedFiles = 65536;
constexpr std::size_t kConnectionsPerHolder = 2500;

[[noreturn]] void die(const std::string& message) {
  std::cerr << "loadgen: " << message << "\n";
  std::exit(1);
}

template <class T>
T must(Result<T> result, const std::string& what) {
  if (!result) die(what + ": " + result.error().message);
  return std::move(*result);
}
void must(const Status& status, const std::string& what) {
  if (!status) die(what + ": " + status.error().message);
}

double since_ms(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

double percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const auto index = std::min(values.size() - 1, static_cast<std::size_t>(p / 100.0 * values.size()));
  return values[index];
}

json latency_json(const std::vector<double>& values) {
  auto round2 = [](double v) { return std::round(v * 100) / 100; };
  return {{"p50", round2(percentile(values, 50))},
          {"p95", round2(percentile(values, 95))},
          {"p99", round2(percentile(values, 99))},
          {"max", round2(percentile(values, 100))}};
}

std::string site_code(std::size_t index) {
  static constexpr char kDigits[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
  std::string code = "V0000";
  for (int position = 4; position >= 1; --position) {
    code[position] = kDigits[index % 36];
    index /= 36;
  }
  return code;
}

// ---- the server process ----

struct ServerProcess {
  pid_t pid = -1;
  std::uint16_t port = 0;

  static ServerProcess start(const std::string& binary, const std::filesystem::path& data,
                             const std::filesystem::path& log) {
    int out[2];
    if (pipe(out) != 0) die("pipe failed");
    const pid_t pid = fork();
    if (pid < 0) die("fork failed");
    if (pid == 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);  // a load generator that dies (or times out) takes its server along
      dup2(out[1], STDOUT_FILENO);
      const int err = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      if (err >= 0) dup2(err, STDERR_FILENO);
      close(out[0]);
      execl(binary.c_str(), binary.c_str(), "--json", "--data", data.c_str(), "serve", "--listen", "127.0.0.1:0",
            static_cast<char*>(nullptr));
      _exit(127);
    }
    close(out[1]);
    FILE* stream = fdopen(out[0], "r");
    char line[4096];
    ServerProcess server{pid, 0};
    while (fgets(line, sizeof line, stream)) {
      auto parsed = json::parse(line, nullptr, false);
      if (parsed.is_object() && parsed.contains("listening")) {
        server.port = parsed["listening"]["port"].get<std::uint16_t>();
        break;
      }
    }
    if (!server.port) die("the server did not start; see " + log.string());
    // Keep reading (and dropping) its stdout so it never blocks on a full pipe.
    std::thread([stream] {
      char rest[4096];
      while (fgets(rest, sizeof rest, stream)) {
      }
      fclose(stream);
    }).detach();
    return server;
  }

  // CPU seconds (user + system) so far.
  double cpu_seconds() const {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::istringstream fields(text.substr(text.rfind(')') + 2));
    std::string field;
    double ticks = 0;
    for (int i = 0; fields >> field; ++i)
      if (i == 11 || i == 12) ticks += std::stod(field);
    return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
  }
  // A field of /proc/PID/status in bytes (VmRSS, VmHWM).
  double status_bytes(std::string_view name) const {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(in, line))
      if (line.rfind(std::string(name) + ":", 0) == 0) return std::stod(line.substr(name.size() + 1)) * 1024;
    return 0;
  }
  void stop() {
    if (pid <= 0) return;
    kill(pid, SIGTERM);
    int status = 0;
    for (int i = 0; i < 100 && waitpid(pid, &status, WNOHANG) == 0; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (waitpid(pid, &status, WNOHANG) == 0) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
    }
    pid = -1;
  }
};

// ---- devices ----

struct Device {
  std::string id;
  std::string user;
  std::string branch;  // empty: head office
  crypto::SigningKeyPair keys;
};

// Registers devices straight in the directory (an invite redeemed in-process, as enrolment does),
// so thousands can be made in seconds without a laptop store each.
std::vector<Device> register_devices(server::HeadOffice& office, const std::vector<std::string>& branches,
                                     std::size_t count, const std::string& prefix) {
  std::vector<Device> devices;
  for (std::size_t i = 0; i < count; ++i) {
    Device device{crypto::random_hex(16), prefix + std::to_string(i), branches.empty() ? "" : branches[i % branches.size()],
                  crypto::SigningKeyPair::generate()};
    server::InviteRequest request;
    request.user = device.user;
    request.branch = device.branch;
    request.head_office = device.branch.empty();
    request.role = Role::admin;
    auto issued = must(office.invite(request), "invite");
    auto code = must(protocol::parse_enrolment_code(issued.code), "enrolment code");
    dsptsync::Device record{device.id, "", {}, "load generator", now_ms(), std::nullopt};
    std::copy(device.keys.public_key.begin(), device.keys.public_key.end(), record.public_key.begin());
    auto redeemed = must(office.directory().redeem_invite(code.invite_id, server::hash_enrolment_secret(code.secret),
                                                          record, now_ms()),
                         "enrol");
    if (std::holds_alternative<RedeemRefusal>(redeemed)) die("enrolment refused");
    devices.push_back(std::move(device));
  }
  return devices;
}

// An authenticated session of one device.
std::unique_ptr<client::Connection> connect(const Device& device, const std::string& url, protocol::Ready* ready = nullptr) {
  auto connection = must(client::network_transport().open(url, {}, std::chrono::seconds(30)), "connect");
  protocol::Authenticate authenticate{device.id,
                                      crypto::sign(device.keys, protocol::authentication_payload(connection->transcript()))};
  must(connection->send(authenticate), "authenticate");
  auto reply = must(connection->expect(), "ready");
  auto* got = std::get_if<protocol::Ready>(&reply);
  if (!got) die("the server did not accept the device: " + std::string(protocol::message_name(reply)));
  if (ready) *ready = *got;
  return connection;
}

// Makes one device's edits: comments on the question set's items in turn, each based on the
// previous edit of its field, about the size of the peer's records.
class EditMaker {
 public:
  EditMaker(const Device& device, const Catalogue& catalogue) : device_(device), catalogue_(catalogue) {}
  Change next(std::string_view extra = {}) {
    const auto& item = catalogue_.items()[counter_ % catalogue_.items().size()];
    Change change;
    change.id = device_.id + ":" + std::to_string(++counter_);
    change.key = FieldKey{device_.branch.empty() ? std::string(kHq) : device_.branch, std::string(kYear),
                          TargetKind::item, item.id, Field::comment};
    change.value = FieldValue{"Reviewed by " + device_.user + ", step " + std::to_string(counter_) +
                                  ": records checked, backups verified." + std::string(extra),
                              ""};
    auto& last = last_[item.id];
    if (!last.empty()) change.parents.push_back(last);
    last = change.id;
    clock_ = std::max<Hlc>(clock_ + 1, static_cast<Hlc>(now_ms()) << 16);
    change.hlc = clock_;
    change.user = device_.user;
    change.device = device_.id;
    return change;
  }
  protocol::Push push(std::vector<Change> changes, std::uint64_t batch) const {
    protocol::Push push{batch, std::move(changes), {}};
    push.signature = crypto::sign(device_.keys, protocol::push_digest(device_.id, push.changes));
    return push;
  }
  // As a laptop pushes (version 5): unsigned, noted by the session's signer, which covers it later.
  protocol::Push unsigned_push(std::vector<Change> changes, std::uint64_t batch, client::PushSigner& signer) const {
    protocol::Push push{batch, std::move(changes), {}};
    signer.sent(push);
    return push;
  }

 private:
  const Device& device_;
  const Catalogue& catalogue_;
  std::uint64_t counter_ = 0;
  Hlc clock_ = 0;
  std::map<std::string, std::string> last_;
};

std::string self_path() {
  return std::filesystem::read_symlink("/proc/self/exe").string();
}

// `loadgen --hold URL DEVICES FIRST LAST`: opens and holds the connections of devices [FIRST, LAST)
// of the list (id, user, secret key hex per line), says so with one byte, and exits when its
// stdin closes (the idle workload's helper).
int hold_connections(const std::string& url, const std::string& list, std::size_t first, std::size_t last) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  must(crypto::initialise(), "libsodium");
  std::ifstream in(list);
  std::vector<Device> devices;
  std::string id, user, secret;
  while (in >> id >> user >> secret) {
    Device device{id, user, "", {}};
    auto bytes = must(crypto::from_hex(secret), "device key");
    std::copy(bytes.begin(), bytes.end(), device.keys.secret_key.begin());
    // An Ed25519 secret key (libsodium's form) ends with its public key.
    std::copy(bytes.end() - device.keys.public_key.size(), bytes.end(), device.keys.public_key.begin());
    devices.push_back(std::move(device));
  }
  std::vector<std::unique_ptr<client::Connection>> open;
  for (std::size_t i = first; i < last && i < devices.size(); ++i) {
    protocol::Ready ready;
    open.push_back(connect(devices[i], url, &ready));
    must(open.back()->send(protocol::Watch{ready.head_seq}), "watch");
  }
  const char done = 1;
  if (write(STDOUT_FILENO, &done, 1) != 1) return 1;
  char ignored;
  while (read(STDIN_FILENO, &ignored, 1) > 0) {
  }
  return 0;
}

constexpr const char* kWebPassword = "load generator password";

struct HttpReply {
  int status = 0;
  std::string set_cookie;
  std::string body;
};

// One HTTP/1.1 request on its own connection to 127.0.0.1 (the server answers and closes it).
HttpReply http_call(std::uint16_t port, const std::string& method, const std::string& path, const std::string& cookie,
                    const std::string& body) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) die("cannot connect");
  std::string request = method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) + "\r\n";
  if (!cookie.empty()) request += "Cookie: dsptsync_session=" + cookie + "\r\n";
  if (!body.empty())
    request += "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  request += "\r\n" + body;
  for (std::size_t sent = 0; sent < request.size();) {
    const auto n = ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) die("cannot send the request");
    sent += static_cast<std::size_t>(n);
  }
  std::string response;
  char chunk[65536];
  for (ssize_t n; (n = ::recv(fd, chunk, sizeof chunk, 0)) > 0;) response.append(chunk, static_cast<std::size_t>(n));
  ::close(fd);
  HttpReply reply;
  const auto end_of_headers = response.find("\r\n\r\n");
  if (response.rfind("HTTP/1.1 ", 0) != 0 || end_of_headers == std::string::npos) die("not an HTTP answer");
  reply.status = std::stoi(response.substr(9, 3));
  const std::string headers = response.substr(0, end_of_headers);
  if (auto at = headers.find("\r\nSet-Cookie: "); at != std::string::npos)
    reply.set_cookie = headers.substr(at + 14, headers.find("\r\n", at + 2) - at - 14);
  reply.body = response.substr(end_of_headers + 4);
  return reply;
}

struct Options {
  std::string workload = "stream-w1";
  std::size_t clients = 100;
  std::size_t updates = 1000;
  std::size_t window = 1;
  std::size_t docs = 10;
  std::size_t idle = 1000;
  std::size_t history = 50000;
  std::size_t branches = 500;
  std::size_t edits = 100;
  std::size_t file_mib = 5;  // documents: the policy every branch fetches
  int timeout_s = 300;
  std::string server_binary;
  std::string keep;
};

// ---- documents: every branch fetches head office's policy at once ----

// A PDF of `mib` MiB (the library tells a file by its first bytes).
Bytes policy_bytes(std::size_t mib) {
  Bytes bytes(mib * 1024 * 1024);
  const std::string header = "%PDF-1.7\n";
  std::copy(header.begin(), header.end(), bytes.begin());
  std::uint32_t x = 2463534242u;
  for (std::size_t i = header.size(); i < bytes.size(); ++i) {
    x ^= x << 13, x ^= x >> 17, x ^= x << 5;  // xorshift: content that does not compress
    bytes[i] = static_cast<std::uint8_t>(x);
  }
  return bytes;
}

// Fetches one file whole over `connection` as a laptop does (a window of chunks in flight), checking
// each chunk against the manifest; the bytes received.
std::uint64_t fetch_whole(client::Connection& connection, const files::Hash& root) {
  must(connection.send(protocol::FetchFile{root}), "fetch");
  auto reply = must(connection.expect(), "manifest");
  auto* manifest = std::get_if<protocol::FileManifest>(&reply);
  if (!manifest) die("the file was refused: " + std::string(protocol::message_name(reply)));
  const auto count = static_cast<std::uint32_t>(manifest->manifest.chunks.size());
  std::uint64_t received = 0;
  for (std::uint32_t first = 0; first < count; first += tuning::kFileFetchWindow) {
    const auto asked = std::min<std::uint32_t>(tuning::kFileFetchWindow, count - first);
    must(connection.send(protocol::FetchChunks{root, first, asked}), "fetch chunks");
    for (std::uint32_t i = 0; i < asked; ++i) {
      auto message = must(connection.expect(), "chunk");
      auto* chunk = std::get_if<protocol::FileChunk>(&message);
      if (!chunk || chunk->index != first + i) die("a chunk was missing or out of order");
      if (crypto::hash_hex(chunk->bytes) != files::to_hex(manifest->manifest.chunks[chunk->index]))
        die("a chunk did not match its manifest");
      received += chunk->bytes.size();
    }
  }
  if (received != manifest->manifest.size) die("the file arrived short");
  return received;
}

// What a plain copy over 127.0.0.1 moves per second on this machine: the bound for a file transfer.
double loopback_mib_per_second(std::size_t total_bytes) {
  int listener = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 || listen(listener, 1) != 0 ||
      getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length) != 0)
    die("loopback socket");
  std::thread sender([&] {
    int out = socket(AF_INET, SOCK_STREAM, 0);
    if (::connect(out, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) die("loopback connect");
    std::vector<char> block(256 * 1024, 'x');
    for (std::size_t sent = 0; sent < total_bytes;) {
      const auto n = ::send(out, block.data(), std::min(block.size(), total_bytes - sent), 0);
      if (n <= 0) die("loopback send");
      sent += static_cast<std::size_t>(n);
    }
    close(out);
  });
  int in = accept(listener, nullptr, nullptr);
  std::vector<char> block(256 * 1024);
  const auto started = Clock::now();
  std::size_t got = 0;
  for (ssize_t n; (n = ::recv(in, block.data(), block.size(), 0)) > 0;) got += static_cast<std::size_t>(n);
  const double seconds = since_ms(started) / 1000;
  sender.join();
  close(in);
  close(listener);
  return got / 1048576.0 / seconds;
}

// What one core moves per second through the work every byte of a download needs, with nothing
// else: opened at rest on head office, sealed for the session, opened by the laptop, hashed against
// the manifest. With the server and the laptops on the same cores, `cpus` times this bounds the
// transfer: unlike the loopback copy, it cannot be beaten without dropping a seal or the check.
double crypto_mib_per_second(std::size_t total_bytes) {
  const auto server = protocol::EphemeralKeys::generate(), laptop = protocol::EphemeralKeys::generate();
  auto sending = protocol::SessionCipher::establish(false, server.public_key, server.secret_key, laptop.public_key);
  auto receiving = protocol::SessionCipher::establish(true, laptop.public_key, laptop.secret_key, server.public_key);
  if (!sending || !receiving) die("session keys");
  const auto at_rest = crypto::SecretKey::random();
  const Bytes chunk(tuning::kFileChunkBytes, 0x5a);
  const Bytes sealed = crypto::seal(at_rest, chunk, "chunk");
  const auto started = Clock::now();
  std::size_t moved = 0;
  for (; moved < total_bytes; moved += chunk.size()) {
    const Bytes plain = must(crypto::open(at_rest, sealed, "chunk"), "open at rest");
    const Bytes arrived = must(receiving->open(sending->seal(plain)), "open the session's frame");
    if (crypto::hash_hex(arrived).empty()) die("hash");
  }
  return moved / 1048576.0 / (since_ms(started) / 1000);
}

// Ack latency of one edit at a time on `connection` while `running` (at least `minimum` edits).
std::vector<double> probe_acks(client::Connection& connection, EditMaker& maker, std::uint64_t& batch,
                               const std::atomic<bool>& running, std::size_t minimum) {
  std::vector<double> acks;
  while (running || acks.size() < minimum) {
    const auto sent = Clock::now();
    must(connection.send(maker.push({maker.next()}, ++batch)), "push");
    auto reply = must(connection.expect(), "ack");
    if (!std::get_if<protocol::Ack>(&reply))
      die("the probe's edit was refused: " + std::string(protocol::message_name(reply)));
    acks.push_back(since_ms(sent));
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return acks;
}

json run_documents(const std::vector<Device>& branches, const Device& probe, const files::Hash& root,
                   std::size_t file_bytes, const std::string& url, const Catalogue& catalogue, ServerProcess& server,
                   double cpu_before) {
  std::atomic<bool> running{false};
  auto probe_connection = connect(probe, url);
  EditMaker maker(probe, catalogue);  // one maker for both phases: each edit follows the last
  std::uint64_t batch = 0;
  const auto idle = probe_acks(*probe_connection, maker, batch, running, 50);
  std::vector<std::unique_ptr<client::Connection>> connections;
  for (const auto& device : branches) connections.push_back(connect(device, url));
  std::atomic<std::uint64_t> received{0};
  running = true;
  std::vector<double> during;
  std::thread prober([&] { during = probe_acks(*probe_connection, maker, batch, running, 20); });
  const auto started = Clock::now();
  std::vector<std::thread> fetchers;
  for (auto& connection : connections)
    fetchers.emplace_back([&, raw = connection.get()] { received += fetch_whole(*raw, root); });
  for (auto& fetcher : fetchers) fetcher.join();
  const double seconds = since_ms(started) / 1000;
  running = false;
  prober.join();
  const double mib = received / 1048576.0;
  const double loopback = loopback_mib_per_second(std::min<std::size_t>(received, 1024ull * 1024 * 1024));
  const double crypto_bound = crypto_mib_per_second(256ull * 1024 * 1024) * std::thread::hardware_concurrency();
  const double idle_p50 = percentile(idle, 50), during_p50 = percentile(during, 50);
  return {{"branches", branches.size()},
          {"fileMiB", file_bytes / 1048576.0},
          {"receivedMiB", std::round(mib * 10) / 10},
          {"seconds", std::round(seconds * 1000) / 1000},
          {"throughputMiBps", std::round(mib / seconds * 10) / 10},
          {"loopbackMiBps", std::round(loopback * 10) / 10},
          {"ofLoopback", std::round(mib / seconds / loopback * 100) / 100},
          {"cryptoBoundMiBps", std::round(crypto_bound * 10) / 10},
          {"ofCryptoBound", std::round(mib / seconds / crypto_bound * 100) / 100},
          {"ackLatencyIdleMs", latency_json(idle)},
          {"ackLatencyDuringMs", latency_json(during)},
          {"ackLatencyRatio", std::round(during_p50 / idle_p50 * 100) / 100},
          {"serverCpuSeconds", std::round((server.cpu_seconds() - cpu_before) * 100) / 100},
          {"serverPeakRssMB", std::round(server.status_bytes("VmHWM") / 1048576 * 10) / 10}};
}

// Pushes each device's edits on its own connection and thread, at most `window` unacknowledged;
// `per_push` changes in each push. With `watch`, each device also watches and the delivery delay
// of the other devices' edits is measured (the edit carries its send time).
struct StreamResult {
  std::vector<double> ack_ms;
  std::vector<double> delivery_ms;
  std::size_t edits = 0;
  double seconds = 0;
};
StreamResult stream(const std::vector<Device>& devices, const std::string& url, const Catalogue& catalogue,
                    std::size_t updates, std::size_t window, std::size_t per_push, bool watch) {
  const auto epoch = Clock::now();
  std::vector<std::unique_ptr<client::Connection>> connections;
  std::vector<std::int64_t> heads;
  for (const auto& device : devices) {
    protocol::Ready ready;
    connections.push_back(connect(device, url, &ready));
    heads.push_back(ready.head_seq);
  }
  if (watch)
    for (std::size_t i = 0; i < devices.size(); ++i) {
      must(connections[i]->send(protocol::Watch{heads[i]}), "watch");
    }
  std::mutex merge;
  StreamResult result;
  std::atomic<bool> failed{false};
  std::atomic<std::size_t> ready{0};
  std::atomic<bool> go{false};
  Clock::time_point started;
  Clock::time_point last_acked{};
  std::vector<std::thread> threads;
  for (std::size_t d = 0; d < devices.size(); ++d) {
    threads.emplace_back([&, d] {
      EditMaker maker(devices[d], catalogue);
      client::PushSigner signer(devices[d].id, devices[d].keys);
      std::vector<double> acks, deliveries;
      std::map<std::uint64_t, Clock::time_point> in_flight;
      std::size_t sent = 0, acked = 0;
      std::uint64_t batch = 0;
      auto& connection = *connections[d];
      // Each other device's edit carries its send time: its delivery delay is now less that.
      const auto count_deliveries = [&](const protocol::Changes& page) {
        const auto now_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - epoch).count();
        for (const auto& sequenced : page.changes) {
          if (sequenced.change.device == devices[d].id || !sequenced.change.value) continue;
          const auto& text = sequenced.change.value->text;
          const auto at = text.rfind(" t=");
          if (at != std::string::npos) deliveries.push_back((now_ns - std::stoll(text.substr(at + 3))) / 1e6);
        }
      };
      ++ready;
      while (!go) std::this_thread::yield();
      while (acked < updates && !failed) {
        while (sent < updates && in_flight.size() < window) {
          std::vector<Change> changes;
          const auto now_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - epoch).count();
          for (std::size_t k = 0; k < per_push && sent < updates; ++k, ++sent)
            changes.push_back(maker.next(" t=" + std::to_string(now_ns)));
          in_flight[++batch] = Clock::now();
          if (!connection.send(maker.unsigned_push(std::move(changes), batch, signer))) {
            failed = true;
            break;
          }
        }
        if (auto cover = signer.due() ? signer.cover() : std::nullopt; cover && !connection.send(*cover)) failed = true;
        auto message = connection.expect();
        if (!message) {
          std::cerr << "loadgen: " << devices[d].user << ": " << message.error().message << "\n";
          failed = true;
          break;
        }
        if (auto* ack = std::get_if<protocol::Ack>(&*message)) {
          auto found = in_flight.find(ack->batch);
          if (found == in_flight.end()) continue;
          acks.push_back(since_ms(found->second));
          acked += ack->server_seqs.size();
          in_flight.erase(found);
        } else if (auto* page = std::get_if<protocol::Changes>(&*message)) {
          count_deliveries(*page);
        } else if (auto* error = std::get_if<protocol::ErrorMessage>(&*message)) {
          std::cerr << "loadgen: the server refused: " << error->message << "\n";
          failed = true;
        }
      }
      const auto all_acked = Clock::now();
      if (auto cover = signer.cover(); cover && !failed && !connection.send(*cover)) failed = true;
      // The other devices' last edits may trail this device's last acknowledgement: take what comes
      // until the line has been quiet a moment, so a short run still counts its deliveries.
      while (watch && !failed) {
        auto message = connection.receive(std::chrono::milliseconds(200));
        if (!message || !*message) break;
        if (auto* page = std::get_if<protocol::Changes>(&**message)) count_deliveries(*page);
      }
      std::lock_guard lock(merge);
      last_acked = std::max(last_acked, all_acked);
      result.ack_ms.insert(result.ack_ms.end(), acks.begin(), acks.end());
      result.delivery_ms.insert(result.delivery_ms.end(), deliveries.begin(), deliveries.end());
      result.edits += acked;
    });
  }
  while (ready < devices.size()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  started = Clock::now();
  go = true;
  for (auto& thread : threads) thread.join();
  // Until the last acknowledgement: the wait for trailing deliveries is not the edits' time.
  result.seconds = std::chrono::duration<double>(last_acked - started).count();
  if (failed) die("the load run failed");
  return result;
}

// ---- store-floor: what each change costs the store alone, in this process ----

// One side's writing of its changes, in transactions of `per_transaction`, as its store is shaped.
struct FloorSide {
  bool laptop;  // the laptop's indexes; its changes are pulled, so each keeps head office's seq
  std::vector<Change> changes;
  std::size_t per_transaction;
};

double thread_cpu_seconds() {
  timespec now{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) / 1e9;
}

// Runs `work` once: its wall time and this thread's CPU time, in microseconds for each of `changes`.
json per_change(std::size_t changes, const std::function<void()>& work) {
  const auto started = Clock::now();
  const double cpu_started = thread_cpu_seconds();
  work();
  const double cpu = thread_cpu_seconds() - cpu_started;
  auto us = [changes](double seconds) { return std::round(seconds * 1e6 / static_cast<double>(changes) * 100) / 100; };
  return {{"usPerChange", us(since_ms(started) / 1000)}, {"cpuUsPerChange", us(cpu)}};
}

// Each layer of writing a side's changes, timed on its own: checking and sealing them at rest
// (`prepare`: head office's storage thread does it, a laptop's pull on a thread of its own); the
// store's insert of the sealed rows with nothing else (`insert`: what SQLite needs for a row and its
// indexes); and the rest of applying prepared changes (`apply`: that insert, the parents' check and
// the field states, as the storage thread and a laptop's pull do), each into a fresh store.
json floor_of(const std::filesystem::path& dir, const FloorSide& side) {
  std::filesystem::create_directories(dir);
  const auto open = [&](const char* name) {
    return must(open_sqlite_store(dir / name, {.create_if_missing = true, .laptop_indexes = side.laptop}), "store");
  };
  const auto in_transactions = [&](Store& store,
                                   const std::function<void(StoreTransaction&, std::size_t, std::size_t)>& write) {
    for (std::size_t first = 0; first < side.changes.size(); first += side.per_transaction) {
      auto txn = must(store.begin(), "begin");
      write(*txn, first, std::min(side.per_transaction, side.changes.size() - first));
      must(txn->commit(), "commit");
    }
  };
  const auto seq_of = [&](std::size_t i) {
    return side.laptop ? std::optional<std::int64_t>(static_cast<std::int64_t>(i) + 1) : std::nullopt;
  };
  // What each store holds afterwards: every change, once (read after the timing).
  const auto rows_in = [&](Store& store) {
    return must(store.changes_after(0, side.changes.size() + 1), "read").size();
  };
  json out = {{"changes", side.changes.size()}, {"perTransaction", side.per_transaction}};

  auto applied = open("apply.db");
  Ledger ledger(*applied, crypto::SecretKey::random(), {"Floor", "floor"});
  std::vector<PreparedChanges> prepared;
  out["prepare"] = per_change(side.changes.size(), [&] {
    for (std::size_t first = 0; first < side.changes.size(); first += side.per_transaction) {
      const std::size_t last = std::min(first + side.per_transaction, side.changes.size());
      std::vector<std::int64_t> seqs;
      for (std::size_t i = first; side.laptop && i < last; ++i) seqs.push_back(*seq_of(i));
      prepared.push_back(
          must(ledger.prepare({side.changes.begin() + first, side.changes.begin() + last}, seqs), "prepare"));
    }
  });
  out["apply"] = per_change(side.changes.size(), [&] {
    std::size_t next = 0;
    in_transactions(*applied, [&](StoreTransaction& txn, std::size_t, std::size_t) {
      must(ledger.apply_within(txn, std::move(prepared[next++])), "apply");
    });
  });
  out["apply"]["rows"] = rows_in(*applied);

  const auto key = crypto::SecretKey::random();
  std::vector<StoredChange> rows;
  for (std::size_t i = 0; i < side.changes.size(); ++i) {
    const Change& change = side.changes[i];
    rows.push_back({0, change.id, change.key, change.hlc, change.user, change.device,
                    crypto::seal(key, codec::encode(change), change.id), seq_of(i)});
  }
  auto inserted = open("insert.db");
  out["insert"] = per_change(side.changes.size(), [&] {
    in_transactions(*inserted, [&](StoreTransaction& txn, std::size_t first, std::size_t count) {
      for (std::size_t i = first; i < first + count; ++i) must(txn.insert_change_if_new(rows[i]), "insert");
    });
  });
  out["insert"]["rows"] = rows_in(*inserted);
  return out;
}

// Head office in catch-up: `clients` branches' devices each send `updates` changes in pushes of
// kMaxChangesPerPush, one push a transaction, the branches in turn. A laptop's first sync: one
// branch's history of `clients` × `updates` changes, in a pull's transactions.
json store_floor(const std::filesystem::path& dir, const Catalogue& catalogue, std::size_t clients,
                 std::size_t updates) {
  if (clients == 0 || updates == 0) die("store-floor needs --clients and --updates above 0");
  std::vector<Device> devices;
  for (std::size_t i = 0; i < clients; ++i)
    devices.push_back(
        {crypto::random_hex(16), "Floor User " + std::to_string(i), site_code(i), crypto::SigningKeyPair::generate()});
  std::vector<EditMaker> makers;
  for (const auto& device : devices) makers.emplace_back(device, catalogue);
  FloorSide head_office{false, {}, limits::kMaxChangesPerPush};
  for (std::size_t done = 0; done < updates; done += limits::kMaxChangesPerPush)
    for (auto& maker : makers)
      for (std::size_t k = done; k < std::min(updates, done + limits::kMaxChangesPerPush); ++k)
        head_office.changes.push_back(maker.next());
  FloorSide laptop{true, {}, limits::kPullPageChanges * limits::kPullPagesPerCommit};
  EditMaker history(devices.front(), catalogue);
  for (std::size_t i = 0; i < clients * updates; ++i) laptop.changes.push_back(history.next());
  return {{"headOffice", floor_of(dir / "hq-floor", head_office)}, {"laptop", floor_of(dir / "laptop-floor", laptop)}};
}

json figures(const ServerProcess& server, double cpu_before, const StreamResult& run) {
  json load = {{"seconds", std::round(run.seconds * 1000) / 1000},
               {"edits", run.edits},
               {"editsPerSec", run.seconds > 0 ? std::llround(run.edits / run.seconds) : 0},
               {"ackMessages", run.ack_ms.size()},
               {"ackLatencyMs", latency_json(run.ack_ms)},
               {"serverCpuSeconds", std::round((server.cpu_seconds() - cpu_before) * 100) / 100},
               {"serverRssMB", std::round(server.status_bytes("VmRSS") / 1048576 * 10) / 10},
               {"serverPeakRssMB", std::round(server.status_bytes("VmHWM") / 1048576 * 10) / 10}};
  if (!run.delivery_ms.empty()) {
    load["deliveries"] = run.delivery_ms.size();
    load["deliveryLatencyMs"] = latency_json(run.delivery_ms);
  }
  return load;
}

int run(const Options& options) {
  // Ten thousand idle connections need that many file descriptors, here and in the server (which
  // inherits the limit).
  // Each client connection here holds its own event loop (3 to 4 descriptors): raise the limit as
  // far as allowed (root may raise the hard limit too), else to the hard limit.
  rlimit files{};
  if (getrlimit(RLIMIT_NOFILE, &files) == 0) {
    rlimit wanted{kWantedFiles, kWantedFiles};
    if (files.rlim_max >= kWantedFiles || setrlimit(RLIMIT_NOFILE, &wanted) != 0) {
      files.rlim_cur = files.rlim_max;
      setrlimit(RLIMIT_NOFILE, &files);
    }
  }
  must(crypto::initialise(), "libsodium");
  const auto dir = std::filesystem::temp_directory_path() / ("dsptsync-loadgen-" + crypto::random_hex(4));
  std::filesystem::create_directories(dir);
  const auto data = dir / "hq";
  const auto setup_started = Clock::now();
  auto office = must(server::HeadOffice::create({data, std::string(kHq), "Load Test Care Group", std::string(kYear),
                                                 std::nullopt}),
                     "init");
  const Catalogue catalogue = office->catalogue();
  const std::string& w = options.workload;
  if (w == "store-floor") {  // no server: the store alone, in this process
    office.reset();
    json floor = {{"workload", w},
                  {"store", "SQLite WAL, synchronous=FULL, one thread"},
                  {"params", {{"clients", options.clients}, {"updates", options.updates}}},
                  {"floor", store_floor(dir, catalogue, options.clients, options.updates)}};
    if (options.keep.empty()) std::filesystem::remove_all(dir);
    std::cout << floor.dump(2) << std::endl;
    return 0;
  }

  json out = {{"workload", w},
              {"server", "dsptsync-server (SQLite WAL, synchronous=FULL; acknowledged after COMMIT)"},
              {"host", {{"cpus", std::thread::hardware_concurrency()}}},
              {"params", {{"clients", options.clients}, {"updates", options.updates}}}};

  // What each workload needs before the server starts.
  std::vector<std::string> branch_codes;
  std::vector<Device> devices, watchers;
  files::Hash policy_root{};
  std::size_t policy_size = 0;
  std::size_t window = 1, per_push = 1;
  bool watch = false;
  if (w == "stream-w1" || w == "stream-w32" || w == "catchup") {
    for (std::size_t i = 0; i < options.clients; ++i) branch_codes.push_back(site_code(i));
    window = w == "stream-w32" ? 32 : 1;
    per_push = w == "catchup" ? limits::kMaxChangesPerPush : 1;
    if (w == "catchup") window = options.updates;  // everything made offline goes at once
  } else if (w == "fanout") {
    for (std::size_t i = 0; i < options.docs; ++i) branch_codes.push_back(site_code(i));
    window = 32;
    watch = true;
    out["params"]["docs"] = options.docs;
  } else if (w == "fanout-hq") {
    for (std::size_t i = 0; i < options.branches; ++i) branch_codes.push_back(site_code(i));
    out["params"] = {{"branches", options.branches}, {"edits", options.edits}};
  } else if (w == "idle") {
    for (std::size_t i = 0; i < 100; ++i) branch_codes.push_back(site_code(i));
    out["params"] = {{"idle", options.idle}};
  } else if (w == "first-sync") {
    branch_codes.push_back(site_code(0));
    out["params"] = {{"history", options.history}};
  } else if (w == "publish" || w == "dashboard") {
    for (std::size_t i = 0; i < options.branches; ++i) branch_codes.push_back(site_code(i));
    out["params"] = {{"branches", options.branches}};
  } else if (w == "documents") {
    for (std::size_t i = 0; i < options.branches; ++i) branch_codes.push_back(site_code(i));
    out["params"] = {{"branches", options.branches}, {"fileMiB", options.file_mib}};
  } else {
    die("unknown workload '" + w +
        "'; use stream-w1, stream-w32, catchup, fanout, fanout-hq, idle, first-sync, publish, dashboard, documents or "
        "store-floor");
  }
  for (const auto& code : branch_codes) must(office->add_branch(code, "Branch " + code), "branch add");

  if (w == "fanout-hq") {
    watchers = register_devices(*office, branch_codes, options.branches, "branch-");
    devices = register_devices(*office, {}, 1, "hq-");
  } else if (w == "idle") {
    devices = register_devices(*office, branch_codes, options.idle, "idle-");
  } else if (w == "first-sync") {
    devices = register_devices(*office, branch_codes, 1, "history-");
    // The history: the branch's log of `history` changes, written as pushes would have been.
    EditMaker maker(devices[0], catalogue);
    std::vector<Change> changes;
    for (std::size_t i = 0; i < options.history; ++i) changes.push_back(maker.next());
    must(office->ledger().apply(changes), "history");
  } else if (w == "publish" || w == "dashboard") {
    // Every branch ready: head office answers and confirms what it shares, each branch the rest.
    must(office->add_console_user("Load Admin", Role::admin), "user add");
    must(
        office->directory().set_password("Load Admin", must(crypto::hash_password(kWebPassword), "hash"), now_ms(), ""),
        "password");
    auto admin = must(office->acting_user("Load Admin"), "admin");
    auto shared = must(office->effective_view(std::string(kHq), catalogue.year()), "view");
    auto value_for = [](const CatalogueItem& item) {
      return FieldValue{item.type == AnswerType::yes_no ? "yes" : item.type == AnswerType::date ? "2021-09-01"
                                                                   : item.type == AnswerType::number ? "12"
                                                                                                     : "In place",
                        ""};
    };
    std::vector<Edit> hq_edits;
    for (const auto& item : catalogue.items())
      if (shared.shared_items.count(item.id))
        hq_edits.push_back({{std::string(kHq), std::string(kYear), TargetKind::item, item.id, Field::answer}, value_for(item)});
    for (const auto& id : shared.shared_assertions)
      hq_edits.push_back({{std::string(kHq), std::string(kYear), TargetKind::assertion, id, Field::confirmed},
                          FieldValue{"yes", ""}});
    must(office->edit_as(admin, hq_edits), "head office's answers");
    for (const auto& code : branch_codes) {
      std::vector<Edit> edits;
      for (const auto& item : catalogue.items())
        if (!shared.shared_items.count(item.id))
          edits.push_back({{code, std::string(kYear), TargetKind::item, item.id, Field::answer}, value_for(item)});
      for (const auto& assertion : catalogue.assertions())
        if (!shared.shared_assertions.count(assertion.id))
          edits.push_back({{code, std::string(kYear), TargetKind::assertion, assertion.id, Field::confirmed},
                           FieldValue{"yes", ""}});
      must(office->edit_as(admin, edits), "a branch's answers");
    }
  } else if (w == "documents") {
    // One laptop per branch, and one more at the first branch whose edits are timed throughout.
    devices = register_devices(*office, branch_codes, options.branches, "doc-");
    watchers = register_devices(*office, {branch_codes[0]}, 1, "probe-");
    must(office->add_console_user("Load Admin", Role::admin), "user add");
    auto admin = must(office->acting_user("Load Admin"), "admin");
    const Bytes policy = policy_bytes(options.file_mib);
    auto added = must(office->add_document(admin, std::nullopt, {"Data protection policy", "policy", {}, {}, {}},
                                           {"policy.pdf", policy, ""}),
                      "the policy");
    policy_root = added.document.versions.front().root;
    policy_size = policy.size();
  } else {
    devices = register_devices(*office, branch_codes, options.clients, "load-");
  }
  office.reset();
  out["setupSeconds"] = std::round(since_ms(setup_started)) / 1000;

  auto server = ServerProcess::start(options.server_binary, data, dir / "server.log");
  const std::string url = "ws://127.0.0.1:" + std::to_string(server.port);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  out["serverBaseline"] = {{"rssMB", std::round(server.status_bytes("VmRSS") / 1048576 * 10) / 10}};
  const double cpu_before = server.cpu_seconds();

  if (w == "idle") {
    const double rss_before = server.status_bytes("VmRSS");
    // Each client connection holds its own event loop (3 to 4 file descriptors) and a process may
    // not raise its limit past the hard one (20,000 here): the connections are held by child
    // processes of at most kConnectionsPerHolder each, which wait until told to go.
    // (Started with exec, not a bare fork: this process has threads, and a forked copy of a
    // threaded process may hang on a lock another thread held.)
    const auto devices_file = dir / "devices.txt";
    {
      std::ofstream list(devices_file);
      for (const auto& device : devices)
        list << device.id << ' ' << device.user << ' ' << crypto::to_hex(device.keys.secret_key) << '\n';
    }
    std::vector<std::pair<pid_t, int>> holders;  // pid, the write end of its stdin: closing it ends it
    std::size_t opened = 0;
    for (std::size_t first = 0; first < devices.size(); first += kConnectionsPerHolder) {
      const std::size_t last = std::min(devices.size(), first + kConnectionsPerHolder);
      int to_child[2], from_child[2];
      // Close-on-exec, so a later holder does not keep an earlier one's stdin open.
      if (pipe2(to_child, O_CLOEXEC) != 0 || pipe2(from_child, O_CLOEXEC) != 0) die("pipe failed");
      const pid_t pid = fork();
      if (pid < 0) die("fork failed");
      if (pid == 0) {
        dup2(to_child[0], STDIN_FILENO);
        dup2(from_child[1], STDOUT_FILENO);
        close(to_child[1]);
        close(from_child[0]);
        const std::string first_text = std::to_string(first), last_text = std::to_string(last);
        execl(self_path().c_str(), "loadgen", "--hold", url.c_str(), devices_file.c_str(), first_text.c_str(),
              last_text.c_str(), static_cast<char*>(nullptr));
        _exit(127);
      }
      close(to_child[0]);
      close(from_child[1]);
      char done = 0;
      if (read(from_child[0], &done, 1) != 1) die("a connection holder failed");
      close(from_child[0]);
      opened += last - first;
      holders.emplace_back(pid, to_child[1]);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1000));
    const double rss_after = server.status_bytes("VmRSS");
    for (const auto& [pid, stop] : holders) {
      close(stop);
      waitpid(pid, nullptr, 0);
    }
    const std::size_t conns = opened;
    out["idle"] = {{"conns", conns},
                   {"rssBeforeMB", std::round(rss_before / 1048576 * 10) / 10},
                   {"rssMB", std::round(rss_after / 1048576 * 10) / 10},
                   {"kBperConnRss", std::round((rss_after - rss_before) / conns / 1024 * 10) / 10},
                   {"serverPeakRssMB", std::round(server.status_bytes("VmHWM") / 1048576 * 10) / 10}};
  } else if (w == "first-sync") {
    // A new laptop of the branch enrols (the real client: its own store, every change opened,
    // checked and written) and receives the whole history.
    auto enrol_office = must(server::HeadOffice::open(data, std::nullopt), "open");
    server::InviteRequest request;
    request.user = "New Laptop";
    request.branch = branch_codes[0];
    request.role = Role::member;
    auto issued = must(enrol_office->invite(request), "invite");
    enrol_office.reset();
    const auto started = Clock::now();
    auto enrolled = must(client::enrol({dir / "laptop", url, issued.code, std::nullopt, "loadgen", std::chrono::seconds(60)}),
                         "first sync");
    const double seconds = since_ms(started) / 1000;
    out["firstSync"] = {{"changesReceived", enrolled.changes_received},
                        {"seconds", std::round(seconds * 1000) / 1000},
                        {"changesPerSec", std::llround(enrolled.changes_received / seconds)},
                        {"serverCpuSeconds", std::round((server.cpu_seconds() - cpu_before) * 100) / 100},
                        {"serverPeakRssMB", std::round(server.status_bytes("VmHWM") / 1048576 * 10) / 10}};
  } else if (w == "dashboard") {
    // Head office's web app: sign in, then the dashboard (every branch's effective assessment
    // evaluated) a few times, as an administrator reloading it.
    const auto signed_in = http_call(server.port, "POST", "/api/session", "",
                                     json{{"user", "Load Admin"}, {"password", kWebPassword}}.dump());
    const auto cookie_start = signed_in.set_cookie.find('=') + 1;
    const std::string cookie = signed_in.set_cookie.substr(cookie_start, signed_in.set_cookie.find(';') - cookie_start);
    if (signed_in.status != 200 || cookie.empty()) die("sign-in failed: " + signed_in.body);
    std::vector<double> times;
    std::size_t sites = 0, bytes = 0;
    for (std::size_t i = 0; i < options.edits; ++i) {
      const auto started = Clock::now();
      const auto page = http_call(server.port, "GET", "/api/dashboard", cookie, "");
      times.push_back(since_ms(started));
      if (page.status != 200) die("the dashboard failed: " + page.body.substr(0, 300));
      sites = json::parse(page.body)["sites"].size();
      bytes = page.body.size();
    }
    if (sites != options.branches + 1) die("the dashboard did not list every branch");
    out["dashboard"] = {{"sites", sites},
                        {"loads", times.size()},
                        {"bytes", bytes},
                        {"ms", latency_json(times)},
                        {"serverPeakRssMB", std::round(server.status_bytes("VmHWM") / 1048576 * 10) / 10}};
  } else if (w == "publish") {
    const std::string command = options.server_binary + " --json --data " + data.string() +
                                " publish --year 2021-22 --all-ready --as 'Load Admin' > " + (dir / "publish.json").string();
    const auto started = Clock::now();
    const int status = std::system(command.c_str());
    const double seconds = since_ms(started) / 1000;
    std::ifstream in(dir / "publish.json");
    auto published = json::parse(in, nullptr, false);
    const std::size_t sites = published.is_object() && published.contains("publication")
                                  ? published["publication"]["sites"].size()
                                  : 0;
    if (status != 0 || sites != options.branches) die("the publish failed; see " + (dir / "publish.json").string());
    out["publish"] = {{"sites", sites}, {"seconds", std::round(seconds * 1000) / 1000}};
  } else if (w == "fanout-hq") {
    // Every branch watches; head office edits one shared answer at a time; each edit reaches every
    // branch. Delivery delay: from the push being sent to each branch reading it.
    const auto epoch = Clock::now();
    std::vector<std::unique_ptr<client::Connection>> branch_connections;
    for (const auto& device : watchers) {
      protocol::Ready ready;
      branch_connections.push_back(connect(device, url, &ready));
      must(branch_connections.back()->send(protocol::Watch{ready.head_seq}), "watch");
    }
    std::mutex merge;
    std::vector<double> deliveries;
    std::atomic<bool> stop{false};
    std::vector<std::thread> readers;
    for (auto& connection : branch_connections)
      readers.emplace_back([&, raw = connection.get()] {
        std::vector<double> mine;
        std::size_t got = 0;
        while (!stop && got < options.edits) {
          auto message = raw->receive(std::chrono::milliseconds(100));
          if (!message) break;
          if (!*message) continue;
          if (auto* page = std::get_if<protocol::Changes>(&**message)) {
            const auto now_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - epoch).count();
            for (const auto& sequenced : page->changes) {
              if (!sequenced.change.value) continue;
              const auto& text = sequenced.change.value->text;
              const auto at = text.rfind(" t=");
              if (at == std::string::npos) continue;
              mine.push_back((now_ns - std::stoll(text.substr(at + 3))) / 1e6);
              ++got;
            }
          }
        }
        std::lock_guard lock(merge);
        deliveries.insert(deliveries.end(), mine.begin(), mine.end());
      });
    protocol::Ready ready;
    auto hq = connect(devices[0], url, &ready);
    EditMaker maker(devices[0], catalogue);
    std::vector<double> acks;
    const auto started = Clock::now();
    for (std::size_t i = 0; i < options.edits; ++i) {
      const auto now_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - epoch).count();
      const auto sent = Clock::now();
      must(hq->send(maker.push({maker.next(" t=" + std::to_string(now_ns))}, i + 1)), "push");
      auto reply = must(hq->expect(), "ack");
      if (!std::get_if<protocol::Ack>(&reply)) die("head office's edit was refused");
      acks.push_back(since_ms(sent));
      std::this_thread::sleep_for(std::chrono::milliseconds(20));  // one edit at a time, as a person makes them
    }
    const auto deadline = Clock::now() + std::chrono::seconds(10);
    while (Clock::now() < deadline) {
      {
        std::lock_guard lock(merge);
        if (deliveries.size() >= options.edits * watchers.size()) break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    stop = true;
    for (auto& reader : readers) reader.join();
    out["fanout"] = {{"branches", watchers.size()},
                     {"edits", options.edits},
                     {"deliveries", deliveries.size()},
                     {"expected", options.edits * watchers.size()},
                     {"deliveryLatencyMs", latency_json(deliveries)},
                     {"ackLatencyMs", latency_json(acks)},
                     {"seconds", std::round(since_ms(started)) / 1000},
                     {"serverCpuSeconds", std::round((server.cpu_seconds() - cpu_before) * 100) / 100},
                     {"serverPeakRssMB", std::round(server.status_bytes("VmHWM") / 1048576 * 10) / 10}};
  } else if (w == "documents") {
    out["documents"] =
        run_documents(devices, watchers[0], policy_root, policy_size, url, catalogue, server, cpu_before);
  } else {
    auto result = stream(devices, url, catalogue, options.updates, window, per_push, watch);
    out["params"]["window"] = window;
    out["load"] = figures(server, cpu_before, result);
    if (result.edits != options.clients * options.updates) die("not every edit was acknowledged");
  }
  server.stop();
  if (options.keep.empty()) std::filesystem::remove_all(dir);
  std::cout << out.dump(2) << std::endl;
  return 0;
}

}  // namespace
}  // namespace dsptsync::loadgen

int main(int argc, char** argv) {
  if (argc == 6 && std::string_view(argv[1]) == "--hold")
    return dsptsync::loadgen::hold_connections(argv[2], argv[3], std::stoul(argv[4]), std::stoul(argv[5]));
  dsptsync::loadgen::Options options;
  CLI::App app{"loadgen: drives a real dsptsync-server over 127.0.0.1 and prints the figures as JSON"};
  app.add_option("--workload", options.workload,
                 "stream-w1, stream-w32, catchup, fanout, fanout-hq, idle, first-sync, publish, dashboard, documents "
                 "or store-floor");
  app.add_option("--clients", options.clients, "devices pushing (stream, catchup, fanout, store-floor)");
  app.add_option("--updates", options.updates, "edits per device");
  app.add_option("--docs", options.docs, "fanout: branches the devices share (devices per branch = clients / docs)");
  app.add_option("--idle", options.idle, "idle: connections to open");
  app.add_option("--history", options.history, "first-sync: changes in the branch's history");
  app.add_option("--branches", options.branches, "fanout-hq, publish, dashboard and documents: branches");
  app.add_option("--file-mib", options.file_mib, "documents: the size of the policy every branch fetches, in MiB");
  app.add_option("--edits", options.edits, "fanout-hq: head office's edits, one at a time; dashboard: loads");
  app.add_option("--server", options.server_binary, "the dsptsync-server binary (every workload but store-floor)");
  app.add_option("--keep", options.keep, "keep the data folder (for looking at it)");
  app.add_option("--timeout", options.timeout_s, "stop with an error after this many seconds");
  CLI11_PARSE(app, argc, argv);
  if (options.server_binary.empty() && options.workload != "store-floor") {
    std::cerr << "loadgen: --server is needed: the dsptsync-server binary to measure\n";
    return 1;
  }
  // Every run is bounded: a hung run ends itself rather than a CI job.
  std::thread([timeout = options.timeout_s] {
    std::this_thread::sleep_for(std::chrono::seconds(timeout));
    std::cerr << "loadgen: timed out after " << timeout << " s\n";
    std::_Exit(2);
  }).detach();
  return dsptsync::loadgen::run(options);
}
