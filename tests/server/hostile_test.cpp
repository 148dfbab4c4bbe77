// Hostile clients against a real HQ server on 127.0.0.1: garbage, oversized, replayed, altered and
// misattributed frames, server-only messages, silent connections, revocation in the middle of a
// watch, and a seeded loop of mutated frames. Each test checks that the server refuses the attack,
// stores nothing because of it, and still serves a well-behaved client afterwards.
//
// The hostile side speaks the protocol by hand (RawClient over client::WsClient, or plain TCP for
// what a WebSocket library would not send), so each test controls every byte it sends.
#include "fixture.h"
#include "hand_made_pushes.h"

#include "dsptsync/client/ws_client.h"
#include "dsptsync/codec.h"
#include "dsptsync/file_store.h"
#include "dsptsync/limits.h"
#include "dsptsync/protocol.h"
#include "dsptsync/tuning.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <future>
#include <iostream>
#include <optional>
#include <random>
#include <sstream>
#include <thread>
#include <variant>

namespace dsptsync {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using protocol::ErrorCode;
using protocol::FrameKind;
using protocol::Message;
using protocol::Role;
using dsptsync::testing::eventually;

constexpr const char* kLeeds = "VLAXL";  // the fixture's branches
constexpr const char* kYork = "VM2B3";
constexpr const char* kHq = "A1B2";

// How long a test waits for the server to answer or close. Everything here answers in
// milliseconds; the bound only keeps a hung server from hanging the test.
constexpr auto kAnswerWait = 5s;

// ---- The server's log ----

// Collects what the server logs (one JSON object per line on stderr) so a test can check that a
// refusal was logged. It swaps file descriptor 2, which the server's std::cerr writes through.
class CapturedLog {
 public:
  CapturedLog() {
    std::cerr.flush();
    std::fflush(stderr);
    file_ = std::tmpfile();
    if (!file_) return;
    saved_ = ::dup(2);
    ::dup2(::fileno(file_), 2);
  }
  ~CapturedLog() {
    restore();
    if (file_) std::fclose(file_);
  }
  CapturedLog(const CapturedLog&) = delete;
  CapturedLog& operator=(const CapturedLog&) = delete;

  std::string text() const {
    std::cerr.flush();
    std::string out;
    if (!file_) return out;
    char chunk[4096];
    // pread leaves the shared file offset alone, so the server keeps appending where it was.
    for (off_t at = 0;;) {
      const auto got = ::pread(::fileno(file_), chunk, sizeof chunk, at);
      if (got <= 0) break;
      out.append(chunk, static_cast<std::size_t>(got));
      at += got;
    }
    return out;
  }

  // Every logged event named `event` (and, when given, with this "code" field).
  std::vector<nlohmann::json> events(std::string_view event, std::string_view code = {}) const {
    std::vector<nlohmann::json> out;
    std::istringstream lines(text());
    for (std::string line; std::getline(lines, line);) {
      auto parsed = nlohmann::json::parse(line, nullptr, false);
      if (parsed.is_discarded() || !parsed.is_object() || parsed.value("event", "") != event) continue;
      if (!code.empty() && parsed.value("code", "") != code) continue;
      out.push_back(std::move(parsed));
    }
    return out;
  }

  std::size_t count_level(std::string_view level) const {
    std::size_t count = 0;
    std::istringstream lines(text());
    for (std::string line; std::getline(lines, line);) {
      auto parsed = nlohmann::json::parse(line, nullptr, false);
      if (!parsed.is_discarded() && parsed.is_object() && parsed.value("level", "") == level) ++count;
    }
    return count;
  }

 private:
  void restore() {
    if (saved_ < 0) return;
    std::cerr.flush();
    ::dup2(saved_, 2);
    ::close(saved_);
    saved_ = -1;
  }

  std::FILE* file_ = nullptr;
  int saved_ = -1;
};

// ---- Hand-made protocol ----

using testing::Credentials;
using testing::credentials_of;
using testing::signed_push;

std::string describe(const Message& message) {
  if (const auto* error = std::get_if<protocol::ErrorMessage>(&message))
    return "error " + std::string(protocol::to_string(error->code)) + ": " + error->message;
  return std::string(protocol::message_name(message));
}

// A client that speaks the protocol by hand over a real WebSocket, so a test can send exactly the
// bytes it wants: well-formed, replayed, altered, or of a kind no real client sends.
class RawClient {
 public:
  // `version`: the protocol version this client speaks in every frame (an older laptop's, say).
  static std::unique_ptr<RawClient> connect(const std::string& url, std::uint8_t version = protocol::kProtocolVersion) {
    auto parsed = client::parse_server_url(url);
    if (!parsed) throw std::runtime_error(parsed.error().message);
    auto ws = client::WsClient::connect(*parsed, kAnswerWait);
    if (!ws) throw std::runtime_error("connect: " + ws.error().message);
    return std::unique_ptr<RawClient>(new RawClient(std::move(*ws), version));
  }

  Status send_frame(ByteView frame) { return ws_->send(frame, 10s); }
  // A frame; nullopt when none came in time; an error once the connection is closed.
  Result<std::optional<Bytes>> receive_frame(std::chrono::milliseconds wait = kAnswerWait) {
    return ws_->receive(wait);
  }

  // A fresh Hello frame for this connection (sent by handshake(), or mutated by a test).
  Bytes make_hello() {
    ephemeral_ = protocol::EphemeralKeys::generate();
    hello_ = protocol::Hello{};
    hello_.version = version_;
    hello_.client_ephemeral = ephemeral_.public_key;
    const auto nonce = crypto::from_hex(crypto::random_hex(hello_.client_nonce.size()));
    std::copy(nonce->begin(), nonce->end(), hello_.client_nonce.begin());
    return protocol::encode_frame(FrameKind::hello, protocol::encode_hello(hello_), version_);
  }

  // Hello -> Welcome, as a well-behaved client: checks the server signed the transcript, then
  // derives the session keys.
  ::testing::AssertionResult handshake() {
    if (auto sent = send_frame(make_hello()); !sent)
      return ::testing::AssertionFailure() << sent.error().message;
    auto frame = receive_frame();
    if (!frame) return ::testing::AssertionFailure() << "no welcome: " << frame.error().message;
    if (!*frame) return ::testing::AssertionFailure() << "no welcome in time";
    auto parsed = protocol::parse_frame(**frame);
    if (!parsed || parsed->kind != FrameKind::welcome)
      return ::testing::AssertionFailure() << "not a welcome frame";
    auto welcome = protocol::decode_welcome(parsed->body);
    if (!welcome) return ::testing::AssertionFailure() << welcome.error().message;
    transcript_ = protocol::transcript(hello_, *welcome);
    if (!crypto::verify(welcome->server_identity, transcript_, welcome->signature))
      return ::testing::AssertionFailure() << "the welcome's signature does not verify";
    auto cipher = protocol::SessionCipher::establish(true, ephemeral_.public_key, ephemeral_.secret_key,
                                                     welcome->server_ephemeral);
    if (!cipher) return ::testing::AssertionFailure() << cipher.error().message;
    cipher_.emplace(std::move(*cipher));
    return ::testing::AssertionSuccess();
  }

  protocol::Authenticate authenticate_message(const Credentials& device) const {
    std::vector<std::uint8_t> signed_bytes{'d', 's', 'p', 't', 's', 'y', 'n', 'c',
                                           ' ', 'a', 'u', 't', 'h', ' ', 'v', '1'};
    signed_bytes.insert(signed_bytes.end(), transcript_.begin(), transcript_.end());
    return protocol::Authenticate{device.device_id, crypto::sign(device.keys, signed_bytes)};
  }

  ::testing::AssertionResult authenticate(const Credentials& device) {
    if (auto sent = send(authenticate_message(device)); !sent)
      return ::testing::AssertionFailure() << sent.error().message;
    auto reply = receive();
    if (!reply) return ::testing::AssertionFailure() << "no ready: " << reply.error().message;
    if (!*reply) return ::testing::AssertionFailure() << "no ready in time";
    if (!std::holds_alternative<protocol::Ready>(**reply))
      return ::testing::AssertionFailure() << "expected ready, got " << describe(**reply);
    return ::testing::AssertionSuccess();
  }

  // The sealed frame of `message`, as the next frame this client sends (the nonce counter moves on
  // whether or not the frame is sent, as the server's will for each frame it opens).
  Bytes seal(const Message& message) { return seal_plain(protocol::encode_message(message)); }
  Bytes seal_plain(ByteView plain) { return protocol::encode_frame(FrameKind::sealed, cipher_->seal(plain), version_); }
  Status send(const Message& message) { return send_frame(seal(message)); }

  // The next message: nullopt when none came in time; an error (network) when the connection
  // closed, or (protocol) when the frame would not open.
  Result<std::optional<Message>> receive(std::chrono::milliseconds wait = kAnswerWait) {
    auto frame = receive_frame(wait);
    if (!frame) return frame.error();
    if (!*frame) return std::optional<Message>();
    auto parsed = protocol::parse_frame(**frame);
    if (!parsed || parsed->kind != FrameKind::sealed || !cipher_)
      return make_error(ErrorKind::protocol, "the server sent a frame that is not sealed");
    if (parsed->version != version_)
      return make_error(ErrorKind::protocol, "the server answered a version " + std::to_string(version_) +
                                                 " session in version " + std::to_string(parsed->version));
    auto plain = cipher_->open(parsed->body);
    if (!plain) return make_error(ErrorKind::protocol, plain.error().message);
    auto message = protocol::decode_message(*plain);
    if (!message) return make_error(ErrorKind::protocol, message.error().message);
    return std::optional<Message>(std::move(*message));
  }

  // The next message, which must come in time.
  Result<Message> expect() {
    auto message = receive();
    if (!message) return message.error();
    if (!*message) return make_error(ErrorKind::network, "no answer within the wait");
    return std::move(**message);
  }

  // The server closed the connection without sending anything first.
  ::testing::AssertionResult closed_without_answer() {
    auto frame = receive_frame();
    if (frame) {
      if (!*frame) return ::testing::AssertionFailure() << "the connection was still open after the wait";
      return ::testing::AssertionFailure()
             << "the server answered with a frame of " << (*frame)->size() << " bytes";
    }
    if (frame.error().kind != ErrorKind::network)
      return ::testing::AssertionFailure() << frame.error().message;
    return ::testing::AssertionSuccess();
  }

  // The server said `expected` and then closed the connection.
  ::testing::AssertionResult refused_and_closed(ErrorCode expected) {
    if (auto refusal = refused(expected); !refusal) return refusal;
    return closed_without_answer();
  }

  // The server answered with `expected` (and, when given, for this batch); the session may go on.
  ::testing::AssertionResult refused(ErrorCode expected, std::optional<std::uint64_t> batch = std::nullopt) {
    auto message = expect();
    if (!message) return ::testing::AssertionFailure() << "no error message: " << message.error().message;
    const auto* error = std::get_if<protocol::ErrorMessage>(&*message);
    if (!error) return ::testing::AssertionFailure() << "expected an error, got " << describe(*message);
    if (error->code != expected)
      return ::testing::AssertionFailure()
             << "expected " << protocol::to_string(expected) << ", got " << describe(*message);
    if (batch && error->batch != *batch)
      return ::testing::AssertionFailure()
             << "the error answers batch " << error->batch << ", not " << *batch;
    return ::testing::AssertionSuccess();
  }

  Result<protocol::Ack> expect_ack(std::uint64_t batch) {
    auto message = expect();
    if (!message) return message.error();
    const auto* ack = std::get_if<protocol::Ack>(&*message);
    if (!ack) return make_error(ErrorKind::protocol, "expected an ack, got " + describe(*message));
    if (ack->batch != batch)
      return make_error(ErrorKind::protocol,
                        "ack for batch " + std::to_string(ack->batch) + ", not " + std::to_string(batch));
    return *ack;
  }

  void close() { ws_->close(); }
  const std::array<std::uint8_t, 32>& transcript() const { return transcript_; }

 private:
  RawClient(std::unique_ptr<client::WsClient> ws, std::uint8_t version) : ws_(std::move(ws)), version_(version) {}

  std::unique_ptr<client::WsClient> ws_;
  std::uint8_t version_;
  protocol::EphemeralKeys ephemeral_;
  protocol::Hello hello_;
  std::array<std::uint8_t, 32> transcript_{};
  std::optional<protocol::SessionCipher> cipher_;
};

// A plain TCP connection to the server, for bytes a WebSocket library would not send: a frame
// header announcing more than the limit, or nothing at all.
class TcpPeer {
 public:
  explicit TcpPeer(std::uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd_ < 0 || ::connect(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0)
      throw std::runtime_error("cannot connect to 127.0.0.1:" + std::to_string(port));
  }
  ~TcpPeer() {
    if (fd_ >= 0) ::close(fd_);
  }
  TcpPeer(const TcpPeer&) = delete;
  TcpPeer& operator=(const TcpPeer&) = delete;

  bool write_all(ByteView bytes) {
    for (std::size_t sent = 0; sent < bytes.size();) {
      const auto n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return false;
      sent += static_cast<std::size_t>(n);
    }
    return true;
  }

  // Reads until `enough(received)` holds, the peer closes (closed() turns true) or the deadline.
  template <class Enough>
  std::string read_until(Enough enough, std::chrono::milliseconds wait = kAnswerWait) {
    std::string received;
    const auto deadline = Clock::now() + wait;
    while (!enough(received) && !closed_) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
      if (left <= 0) break;
      pollfd ready{fd_, POLLIN, 0};
      if (::poll(&ready, 1, static_cast<int>(left)) <= 0) continue;
      char chunk[4096];
      const auto n = ::recv(fd_, chunk, sizeof chunk, 0);
      if (n <= 0)
        closed_ = true;
      else
        received.append(chunk, static_cast<std::size_t>(n));
    }
    return received;
  }

  // The client half of the WebSocket upgrade (RFC 6455 section 4.1).
  ::testing::AssertionResult upgrade(std::uint16_t port) {
    const std::string request =
        "GET / HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
        "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
    if (!write_all(as_bytes(request))) return ::testing::AssertionFailure() << "could not send the upgrade";
    const std::string response =
        read_until([](const std::string& text) { return text.find("\r\n\r\n") != std::string::npos; });
    if (response.rfind("HTTP/1.1 101", 0) != 0)
      return ::testing::AssertionFailure() << "upgrade answered: " << response;
    return ::testing::AssertionSuccess();
  }

  bool closed() const { return closed_; }

 private:
  int fd_ = -1;
  bool closed_ = false;
};

// ---- Mutation ----

// Deterministic damage to a frame or message: bit flips, boundary values, truncation, extension,
// 0xff runs (a length prefix claiming exabytes) and duplicated slices. Never returns the input.
Bytes mutate(Bytes bytes, std::mt19937_64& random) {
  const Bytes original = bytes;
  auto below = [&](std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(random); };
  static constexpr std::uint8_t kBoundaries[] = {0x00, 0x01, 0x02, 0x7f, 0x80, 0xfe, 0xff};
  const std::size_t operations = 1 + below(3);
  for (std::size_t op = 0; op < operations; ++op) {
    switch (below(6)) {
      case 0:
        if (!bytes.empty()) bytes[below(bytes.size())] ^= static_cast<std::uint8_t>(1 + below(255));
        break;
      case 1:
        if (!bytes.empty()) bytes[below(bytes.size())] = kBoundaries[below(std::size(kBoundaries))];
        break;
      case 2:
        bytes.resize(below(bytes.size() + 1));
        break;
      case 3:
        for (std::size_t n = 1 + below(16); n > 0; --n)
          bytes.push_back(static_cast<std::uint8_t>(below(256)));
        break;
      case 4:
        if (bytes.size() >= 8)
          std::fill_n(bytes.begin() + static_cast<std::ptrdiff_t>(below(bytes.size() - 7)), 8, 0xff);
        break;
      default:
        if (!bytes.empty()) {
          const std::size_t from = below(bytes.size());
          const std::size_t length = 1 + below(std::min<std::size_t>(32, bytes.size() - from));
          const Bytes slice(bytes.begin() + static_cast<std::ptrdiff_t>(from),
                            bytes.begin() + static_cast<std::ptrdiff_t>(from + length));
          bytes.insert(bytes.begin() + static_cast<std::ptrdiff_t>(below(bytes.size() + 1)), slice.begin(),
                       slice.end());
        }
        break;
    }
  }
  if (bytes == original) bytes.push_back(0);
  return bytes;
}

// ---- Fixture ----

class HostileTest : public ::testing::Test {
 protected:
  void TearDown() override {
    if (HasFailure()) std::cout << "---- server log ----\n" << log_.text() << "--------------------\n";
  }

  // A new client store for a new user, enrolled through the running server.
  std::unique_ptr<client::Workspace> enrol(const std::string& user, const std::string& branch = kLeeds,
                                           Role role = Role::member) {
    std::string folder = user;
    std::replace(folder.begin(), folder.end(), ' ', '-');
    return server_.enrol(stores_ / folder, user, branch, role);
  }

  std::unique_ptr<RawClient> connect(std::uint8_t version = protocol::kProtocolVersion) {
    return RawClient::connect(server_.url(), version);
  }

  // A raw connection that has done the handshake and authenticated as `device`.
  std::unique_ptr<RawClient> authenticated(const Credentials& device,
                                           std::uint8_t version = protocol::kProtocolVersion) {
    auto raw = connect(version);
    EXPECT_TRUE(raw->handshake());
    EXPECT_TRUE(raw->authenticate(device));
    return raw;
  }

  static Change comment(client::Workspace& workspace, std::size_t item, const std::string& text) {
    return testing::recorded_comment(workspace, item, text);
  }

  // Read from another HeadOffice on the same folder, as the admin CLI would while the server runs.
  std::int64_t stored_changes() {
    auto count = server_.admin()->store().change_count();
    if (!count) throw std::runtime_error(count.error().message);
    return *count;
  }

  // The server still does its job: a well-behaved client pushes a fresh edit and pulls.
  ::testing::AssertionResult serves_a_real_client() {
    if (!healthy_) healthy_ = enrol("Hana Healthy", kYork);
    comment(*healthy_, 0, "checked after the attack, round " + std::to_string(++healthy_rounds_));
    auto synced = client::sync_once(*healthy_, 10s);
    if (!synced) return ::testing::AssertionFailure() << "sync failed: " << synced.error().message;
    if (synced->pushed < 1 || synced->pending != 0)
      return ::testing::AssertionFailure()
             << "pushed " << synced->pushed << ", still pending " << synced->pending;
    return ::testing::AssertionSuccess();
  }

  // Declared first so it captures the server's whole life, and is restored after it stops.
  CapturedLog log_;
  dsptsync::testing::TempDir stores_;
  dsptsync::testing::RunningServer server_;
  std::unique_ptr<client::Workspace> healthy_;
  int healthy_rounds_ = 0;
};

// ---- 1. Garbage before the handshake ----

TEST_F(HostileTest, GarbageFirstFramesCloseTheConnectionAreLoggedAndTheServerKeepsServing) {
  std::mt19937_64 random(7);
  Bytes noise(100);
  for (auto& byte : noise) byte = static_cast<std::uint8_t>(random());
  auto hello_body = [] {
    protocol::Hello hello;
    hello.client_ephemeral = protocol::EphemeralKeys::generate().public_key;
    return protocol::encode_hello(hello);
  };
  auto with_header = [](std::uint8_t version, std::uint8_t kind, ByteView body) {
    Bytes frame;
    frame.reserve(2 + body.size());
    frame.push_back(version);
    frame.push_back(kind);
    frame.insert(frame.end(), body.begin(), body.end());
    return frame;
  };
  // An all-zero key makes the X25519 exchange fail: the server must refuse, not derive weak keys.
  const Bytes zero_key_hello =
      protocol::encode_frame(FrameKind::hello, protocol::encode_hello(protocol::Hello{}));
  struct Case {
    std::string name;
    Bytes frame;
    std::vector<std::string> codes;  // what the server may log for it
  };
  const std::vector<Case> cases = {
      {"random bytes", noise, {"bad_frame", "unsupported_version"}},
      {"a newer version", with_header(protocol::kProtocolVersion + 1, 1, hello_body()), {"unsupported_version"}},
      {"the previous version",
       with_header(protocol::kOldestProtocolVersion - 1, 1, hello_body()),
       {"unsupported_version"}},
      {"version 0", with_header(0, 1, hello_body()), {"unsupported_version"}},
      {"unknown kind 9", with_header(protocol::kProtocolVersion, 9, hello_body()), {"bad_frame"}},
      {"unknown kind 0", with_header(protocol::kProtocolVersion, 0, hello_body()), {"bad_frame"}},
      {"a welcome first", with_header(protocol::kProtocolVersion, 2, hello_body()), {"bad_frame"}},
      {"a sealed frame first", with_header(protocol::kProtocolVersion, 3, hello_body()), {"bad_frame"}},
      {"empty", {}, {"bad_frame"}},
      {"header only", with_header(protocol::kProtocolVersion, 1, {}), {"bad_frame"}},
      {"hello with a trailing byte",
       [&] {
         auto f = with_header(protocol::kProtocolVersion, 1, hello_body());
         f.push_back(0);
         return f;
       }(),
       {"bad_frame"}},
      {"hello with an all-zero key", zero_key_hello, {"handshake_failed"}},
  };
  for (const auto& each : cases) {
    SCOPED_TRACE(each.name);
    const auto logged_before = log_.events("session_failed").size();
    auto raw = connect();
    ASSERT_TRUE(raw->send_frame(each.frame));
    EXPECT_TRUE(raw->closed_without_answer());
    // The session logs before it closes, so the line is there once the close has arrived.
    const auto logged = log_.events("session_failed");
    ASSERT_EQ(logged.size(), logged_before + 1);
    const std::string code = logged.back().value("code", "");
    EXPECT_NE(std::find(each.codes.begin(), each.codes.end(), code), each.codes.end()) << "logged " << code;
  }
  EXPECT_TRUE(serves_a_real_client());
}

// ---- 2. Frames over the limit ----

TEST_F(HostileTest, AnOversizedFrameIsRefusedFromItsHeaderWithoutReadingItWhole) {
  TcpPeer peer(server_.port());
  ASSERT_TRUE(peer.upgrade(server_.port()));
  // A masked binary frame header announcing kMaxFrameBytes + 1 bytes of payload, then only 4 KiB of
  // it: a server that waited for the whole frame before judging it would never answer.
  const std::uint64_t announced = limits::kMaxFrameBytes + 1;
  Bytes header{0x82, 0x80 | 127};
  for (int shift = 56; shift >= 0; shift -= 8)
    header.push_back(static_cast<std::uint8_t>(announced >> shift));
  const std::uint8_t mask[4] = {0x11, 0x22, 0x33, 0x44};
  header.insert(header.end(), std::begin(mask), std::end(mask));
  Bytes payload(4096);
  for (std::size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<std::uint8_t>(0xab ^ mask[i % 4]);
  ASSERT_TRUE(peer.write_all(header));
  ASSERT_TRUE(peer.write_all(payload));

  const std::string answer = peer.read_until([](const std::string& text) { return text.size() >= 4; });
  ASSERT_GE(answer.size(), 4u) << "the server neither answered nor closed within the wait (closed: "
                               << peer.closed() << ")";
  // A close frame (opcode 8) with status 1009, "message too big" (RFC 6455 section 7.4.1).
  EXPECT_EQ(static_cast<std::uint8_t>(answer[0]), 0x88);
  EXPECT_EQ((static_cast<std::uint8_t>(answer[2]) << 8) | static_cast<std::uint8_t>(answer[3]), 1009);
  EXPECT_TRUE(eventually([&] { return log_.events("frame_too_large").size() == 1; }));
  EXPECT_TRUE(log_.events("session_failed").empty()) << "the frame must not reach the protocol layer";
  EXPECT_TRUE(serves_a_real_client());
}

TEST_F(HostileTest, AFrameOneByteOverTheLimitSentWholeIsRefusedAndTheServerKeepsServing) {
  auto raw = connect();
  Bytes frame = protocol::encode_frame(FrameKind::hello, {});
  frame.resize(limits::kMaxFrameBytes + 1, 0x5a);
  // The client library may fail the send once the server gives up on the frame; either way the
  // connection must end without an answer.
  (void)raw->send_frame(frame);
  EXPECT_TRUE(raw->closed_without_answer());
  EXPECT_TRUE(eventually([&] { return log_.events("frame_too_large").size() == 1; }));
  EXPECT_TRUE(log_.events("session_failed").empty());
  EXPECT_TRUE(serves_a_real_client());
}

TEST_F(HostileTest, AFrameOfExactlyTheLimitIsReadAndJudgedByItsContent) {
  // The boundary: kMaxFrameBytes is allowed through the transport, so it reaches the session and is
  // refused there as a malformed hello rather than as too large.
  auto raw = connect();
  Bytes frame = protocol::encode_frame(FrameKind::hello, {});
  frame.resize(limits::kMaxFrameBytes, 0x5a);
  ASSERT_TRUE(raw->send_frame(frame));
  EXPECT_TRUE(raw->closed_without_answer());
  EXPECT_EQ(log_.events("session_failed", "bad_frame").size(), 1u);
  EXPECT_TRUE(log_.events("frame_too_large").empty());
  EXPECT_TRUE(serves_a_real_client());
}

// ---- 3. After the handshake ----

TEST_F(HostileTest, AReplayedSealedFrameEndsTheSession) {
  auto member = enrol("Sam Patel");
  auto raw = authenticated(credentials_of(*member));
  const Bytes pull = raw->seal(protocol::Pull{0, 10});
  ASSERT_TRUE(raw->send_frame(pull));
  auto first = raw->expect();
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_TRUE(std::holds_alternative<protocol::Changes>(*first)) << describe(*first);
  ASSERT_TRUE(raw->send_frame(pull));  // the very same bytes again
  EXPECT_TRUE(raw->refused_and_closed(ErrorCode::bad_frame));
  EXPECT_TRUE(serves_a_real_client());
}

TEST_F(HostileTest, ASealedFrameWithOneFlippedByteEndsTheSession) {
  auto member = enrol("Sam Patel");
  auto raw = authenticated(credentials_of(*member));
  Bytes pull = raw->seal(protocol::Pull{0, 10});
  pull[pull.size() / 2] ^= 0x01;  // inside the ciphertext, past the two header bytes
  ASSERT_TRUE(raw->send_frame(pull));
  EXPECT_TRUE(raw->refused_and_closed(ErrorCode::bad_frame));
  EXPECT_TRUE(serves_a_real_client());
}

TEST_F(HostileTest, AMessageBeforeAuthenticationIsRefusedAndEndsTheSession) {
  auto member = enrol("Sam Patel");
  const auto stored = stored_changes();
  for (const Message& early : std::vector<Message>{
           protocol::Pull{0, 10}, protocol::Watch{0}, protocol::FetchQuestionSet{"2021-22"},
           signed_push(credentials_of(*member), {comment(*member, 0, "before authenticating")}, 1)}) {
    SCOPED_TRACE(describe(early));
    auto raw = connect();
    ASSERT_TRUE(raw->handshake());
    ASSERT_TRUE(raw->send(early));
    EXPECT_TRUE(raw->refused_and_closed(ErrorCode::bad_frame));
  }
  EXPECT_EQ(stored_changes(), stored);
  EXPECT_TRUE(serves_a_real_client());
}

TEST_F(HostileTest, AuthenticationThatDoesNotProveTheDeviceKeyIsRefused) {
  auto member = enrol("Sam Patel");
  const Credentials device = credentials_of(*member);
  {
    // A signature made for another session's transcript (a replayed Authenticate).
    auto earlier = connect();
    ASSERT_TRUE(earlier->handshake());
    const auto replayed = earlier->authenticate_message(device);
    auto raw = connect();
    ASSERT_TRUE(raw->handshake());
    ASSERT_TRUE(raw->send(replayed));
    EXPECT_TRUE(raw->refused_and_closed(ErrorCode::handshake_failed));
  }
  {
    // The right device id, signed by a key that is not the device's.
    auto raw = connect();
    ASSERT_TRUE(raw->handshake());
    ASSERT_TRUE(raw->send(raw->authenticate_message({device.device_id, crypto::SigningKeyPair::generate()})));
    EXPECT_TRUE(raw->refused_and_closed(ErrorCode::handshake_failed));
  }
  {
    auto raw = connect();
    ASSERT_TRUE(raw->handshake());
    ASSERT_TRUE(raw->send(raw->authenticate_message({std::string(32, 'f'), device.keys})));
    EXPECT_TRUE(raw->refused_and_closed(ErrorCode::unknown_device));
  }
  EXPECT_TRUE(serves_a_real_client());
}

TEST_F(HostileTest, PushesOfChangesTheDeviceMayNotMakeAreForbiddenAndStoreNothing) {
  auto member = enrol("Sam Patel");
  auto colleague = enrol("Ann Lee");
  const Credentials device = credentials_of(*member);
  const Change original = comment(*member, 0, "Rota checked by Sam");

  Change other_user = original;
  other_user.user = "Ann Lee";
  Change other_branch = original;
  other_branch.key.scope = kYork;
  Change head_office_scope = original;
  head_office_scope.key.scope = kHq;
  Change other_device = original;  // Ann's device named as the author, sent (and signed) by Sam's
  other_device.device = colleague->device_id();
  other_device.id = colleague->device_id() + ":1";
  // The client itself refuses a member's confirmation; recorded under the hood, as a modified
  // client would, the server refuses it.
  EXPECT_FALSE(member->confirm(member->catalogue().assertions().at(0).id, true));
  auto confirmation = member->ledger().record(Edit{{member->site().code, member->year().label(), TargetKind::assertion,
                                                    member->catalogue().assertions().at(0).id, Field::confirmed},
                                                   FieldValue{"yes", ""}});
  ASSERT_TRUE(confirmation) << confirmation.error().message;
  struct Case {
    std::string name;
    Change change;
  };
  const std::vector<Case> cases = {{"attributed to another user", other_user},
                                   {"in another branch's assessment", other_branch},
                                   {"in the head office assessment", head_office_scope},
                                   {"made by another device", other_device},
                                   {"a member confirming an assertion", *confirmation}};

  const auto stored = stored_changes();
  // One session for every attempt: a refused push is answered, not fatal, and the session goes on.
  auto raw = authenticated(device);
  std::uint64_t batch = 0;
  for (const auto& each : cases) {
    SCOPED_TRACE(each.name);
    ++batch;
    ASSERT_TRUE(raw->send(signed_push(device, {each.change}, batch)));
    EXPECT_TRUE(raw->refused(ErrorCode::forbidden, batch));
    EXPECT_EQ(stored_changes(), stored);
  }
  // A push of one good change and one bad one is refused whole.
  ++batch;
  ASSERT_TRUE(raw->send(signed_push(device, {original, other_user}, batch)));
  EXPECT_TRUE(raw->refused(ErrorCode::forbidden, batch));
  EXPECT_EQ(stored_changes(), stored);

  // The control: the same change as made is accepted on the same session, so the refusals above
  // were for what was forged and nothing else.
  ++batch;
  ASSERT_TRUE(raw->send(signed_push(device, {original}, batch)));
  auto ack = raw->expect_ack(batch);
  ASSERT_TRUE(ack) << ack.error().message;
  EXPECT_EQ(ack->server_seqs.size(), 1u);
  EXPECT_EQ(stored_changes(), stored + 1);
  EXPECT_EQ(log_.events("push_refused", "forbidden").size(), cases.size() + 1);
}

TEST_F(HostileTest, AViewersPushIsForbiddenAndStoresNothing) {
  auto viewer = enrol("Vic Viewer", kLeeds, Role::viewer);
  const Credentials device = credentials_of(*viewer);
  // The client refuses a viewer's edits itself; one recorded under the hood (a modified client)
  // meets the server, which is where the role is enforced.
  const Change edit = comment(*viewer, 0, "A viewer writing");
  const auto stored = stored_changes();
  auto raw = authenticated(device);
  ASSERT_TRUE(raw->send(signed_push(device, {edit}, 1)));
  EXPECT_TRUE(raw->refused(ErrorCode::forbidden, 1));
  EXPECT_EQ(stored_changes(), stored);
  // Reading stays allowed: the refusal did not end the session.
  ASSERT_TRUE(raw->send(protocol::Pull{0, 10}));
  auto page = raw->expect();
  ASSERT_TRUE(page) << page.error().message;
  EXPECT_TRUE(std::holds_alternative<protocol::Changes>(*page)) << describe(*page);
  // A real sync from the viewer's store is refused too, and keeps the edit queued.
  auto synced = client::sync_once(*viewer, 10s);
  ASSERT_FALSE(synced);
  EXPECT_EQ(synced.error().kind, ErrorKind::refused) << synced.error().message;
  EXPECT_EQ(stored_changes(), stored);
}

// ---- 4. Push signatures ----

TEST_F(HostileTest, APushWithABadSignatureIsForbiddenAndStoresNothing) {
  auto member = enrol("Sam Patel");
  auto colleague = enrol("Ann Lee");
  const Credentials device = credentials_of(*member);
  const Change change = comment(*member, 0, "Signed, sealed, delivered");
  const Change other = comment(*member, 1, "Something else");
  const auto stored = stored_changes();

  auto sign_digest_of = [](const crypto::SigningKeyPair& keys, std::string_view device_id,
                           const std::vector<Change>& changes) {
    return crypto::sign(keys, protocol::push_digest(device_id, changes));
  };
  struct Case {
    std::string name;
    protocol::Signature signature;
  };
  const std::vector<Case> cases = {
      {"over other changes", sign_digest_of(device.keys, device.device_id, {other})},
      {"over another device id", sign_digest_of(device.keys, colleague->device_id(), {change})},
      {"by another device's key", sign_digest_of(credentials_of(*colleague).keys, device.device_id, {change})},
  };
  auto raw = authenticated(device);
  std::uint64_t batch = 0;
  for (const auto& each : cases) {
    SCOPED_TRACE(each.name);
    ASSERT_TRUE(raw->send(protocol::Push{++batch, {change}, each.signature}));
    EXPECT_TRUE(raw->refused(ErrorCode::forbidden, batch));
  }
  EXPECT_EQ(stored_changes(), stored);
  ASSERT_TRUE(raw->send(signed_push(device, {change}, ++batch)));
  auto ack = raw->expect_ack(batch);
  ASSERT_TRUE(ack) << ack.error().message;
  EXPECT_EQ(stored_changes(), stored + 1);
}

// Version 5: pushes sent unsigned are covered by one SignPushes. A cover that does not check out
// (the wrong count, or another device's key) ends the session and is not kept, so the pushes it
// claimed stay "never signed" in the audit trail; a good one makes them verify.
TEST_F(HostileTest, UnsignedPushesAreProvedOnlyByTheirDevicesCover) {
  auto member = enrol("Sam Patel");
  auto colleague = enrol("Ann Lee");
  const Credentials device = credentials_of(*member);
  auto unsigned_push = [&](std::size_t item, const std::string& text, std::uint64_t batch) {
    return protocol::Push{batch, {comment(*member, item, text)}, protocol::Signature{}};
  };
  auto cover_of = [&](const crypto::SigningKeyPair& keys, const std::vector<protocol::Push>& pushes) {
    std::vector<protocol::Digest> digests;
    for (const auto& push : pushes) digests.push_back(protocol::push_digest(device.device_id, push.changes));
    return protocol::SignPushes{static_cast<std::uint32_t>(digests.size()),
                                crypto::sign(keys, protocol::cover_digest(device.device_id, digests))};
  };
  {
    SCOPED_TRACE("the wrong count");
    auto raw = authenticated(device);
    const auto push = unsigned_push(0, "counted wrong", 1);
    ASSERT_TRUE(raw->send(push));
    ASSERT_TRUE(raw->expect_ack(1));
    auto cover = cover_of(device.keys, {push});
    cover.pushes = 2;
    ASSERT_TRUE(raw->send(cover));
    EXPECT_TRUE(raw->refused_and_closed(ErrorCode::forbidden));
  }
  {
    SCOPED_TRACE("another device's key");
    auto raw = authenticated(device);
    const auto push = unsigned_push(1, "signed by someone else", 1);
    ASSERT_TRUE(raw->send(push));
    ASSERT_TRUE(raw->expect_ack(1));
    ASSERT_TRUE(raw->send(cover_of(credentials_of(*colleague).keys, {push})));
    EXPECT_TRUE(raw->refused_and_closed(ErrorCode::forbidden));
  }
  {
    SCOPED_TRACE("a good cover of two pushes, one of them refused");
    auto raw = authenticated(device);
    const auto first = unsigned_push(2, "covered", 1);
    ASSERT_TRUE(raw->send(first));
    ASSERT_TRUE(raw->expect_ack(1));
    protocol::Push foreign{2, {comment(*colleague, 0, "not this device's")}, protocol::Signature{}};
    ASSERT_TRUE(raw->send(foreign));
    EXPECT_TRUE(raw->refused(ErrorCode::forbidden, 2));
    ASSERT_TRUE(raw->send(cover_of(device.keys, {first, foreign})));
    // The session goes on: a signed push after the cover is taken, and so the cover was too.
    ASSERT_TRUE(raw->send(signed_push(device, {comment(*member, 3, "signed on its own")}, 3)));
    ASSERT_TRUE(raw->expect_ack(3));
  }
  auto checks = server_.admin()->audit(0, 100);
  ASSERT_TRUE(checks) << checks.error().message;
  ASSERT_EQ(checks->size(), 4u);
  EXPECT_TRUE((*checks)[0].never_signed) << (*checks)[0].problem;
  EXPECT_TRUE((*checks)[1].never_signed) << (*checks)[1].problem;
  EXPECT_TRUE((*checks)[2].verified) << (*checks)[2].problem;
  EXPECT_GT((*checks)[2].cover, 0);
  EXPECT_TRUE((*checks)[3].verified) << (*checks)[3].problem;
  EXPECT_EQ((*checks)[3].cover, 0);
  for (const auto& check : *checks) EXPECT_EQ(check.record.device_id, device.device_id);
  EXPECT_TRUE(serves_a_real_client());
}

// A device must sign its pushes at least every limits::kMaxUnsignedPushes.
TEST_F(HostileTest, TooManyUnsignedPushesEndTheSession) {
  auto member = enrol("Sam Patel");
  const Credentials device = credentials_of(*member);
  const Change change = comment(*member, 0, "again and again");
  const auto stored = stored_changes();
  auto raw = authenticated(device);
  for (std::uint64_t batch = 1; batch <= limits::kMaxUnsignedPushes; ++batch) {
    ASSERT_TRUE(raw->send(protocol::Push{batch, {change}, protocol::Signature{}}));
    ASSERT_TRUE(raw->expect_ack(batch));  // the same change each time: a duplicate after the first
  }
  ASSERT_TRUE(raw->send(protocol::Push{limits::kMaxUnsignedPushes + 1, {change}, protocol::Signature{}}));
  EXPECT_TRUE(raw->refused_and_closed(ErrorCode::forbidden));
  EXPECT_EQ(stored_changes(), stored + 1);
  EXPECT_TRUE(serves_a_real_client());
}

// ---- 5. Revocation ----

TEST_F(HostileTest, ARevokedUserIsDisconnectedWithinASecondAndRefusedAfterwards) {
  auto member = enrol("Rita Revoked");
  const Credentials device = credentials_of(*member);
  auto bystander = enrol("Ann Lee");  // another user of the same branch, not revoked

  std::atomic<bool> connected{false};
  std::atomic<bool> stop_watching{false};
  std::promise<Status> watch_result;
  auto watch_done = watch_result.get_future();
  std::thread watcher([&] {
    client::WatchOptions options;
    options.run_for = 20s;
    options.stop = &stop_watching;
    options.on_event = [&](std::string_view event, const std::string&) {
      if (event == "connected") connected = true;
    };
    watch_result.set_value(client::sync_watch(*member, options));
  });
  struct Join {
    std::thread& thread;
    std::atomic<bool>& stop;
    ~Join() {
      stop = true;
      if (thread.joinable()) thread.join();
    }
  } join{watcher, stop_watching};

  ASSERT_TRUE(eventually([&] { return connected.load(); }, 10s));
  // A second HeadOffice on the same folder, as `dsptsync-server revoke` in another process: the
  // server only learns of it through the database.
  {
    auto admin = server_.admin();
    ASSERT_TRUE(admin->revoke_user("Rita Revoked"));
  }
  const auto revoked_at = Clock::now();
  ASSERT_EQ(watch_done.wait_for(5s), std::future_status::ready)
      << "the watch was not ended by the revocation";
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - revoked_at);
  std::cout << "revocation ended the watch after " << took.count() << " ms\n";
  EXPECT_LT(took, 1500ms) << "the server looks for revocations every 200 ms";
  const Status ended = watch_done.get();
  ASSERT_FALSE(ended) << "the watch returned without an error";
  EXPECT_EQ(ended.error().kind, ErrorKind::refused) << ended.error().message;
  EXPECT_NE(ended.error().message.find("device_revoked"), std::string::npos) << ended.error().message;
  EXPECT_EQ(log_.events("session_revoked").size(), 1u);

  // Later connections are refused: by the real client, and at the protocol level.
  comment(*member, 0, "after revocation");
  auto synced = client::sync_once(*member, 10s);
  ASSERT_FALSE(synced);
  EXPECT_EQ(synced.error().kind, ErrorKind::refused);
  EXPECT_NE(synced.error().message.find("device_revoked"), std::string::npos) << synced.error().message;
  auto raw = connect();
  ASSERT_TRUE(raw->handshake());
  ASSERT_TRUE(raw->send(raw->authenticate_message(device)));
  EXPECT_TRUE(raw->refused_and_closed(ErrorCode::device_revoked));

  // Only that user is cut off.
  comment(*bystander, 1, "still here");
  auto bystander_sync = client::sync_once(*bystander, 10s);
  EXPECT_TRUE(bystander_sync) << bystander_sync.error().message;
}

// ---- 6. A lost acknowledgement ----

TEST_F(HostileTest, TheSamePushSentTwiceIsAcknowledgedTwiceWithTheSameSeqsAndStoredOnce) {
  auto member = enrol("Sam Patel");
  const Credentials device = credentials_of(*member);
  const std::vector<Change> changes = {comment(*member, 0, "first"), comment(*member, 1, "second")};
  const auto stored = stored_changes();
  auto raw = authenticated(device);

  // Sent again after the first Ack, as a client does when the Ack was lost on the way.
  ASSERT_TRUE(raw->send(signed_push(device, changes, 1)));
  auto first = raw->expect_ack(1);
  ASSERT_TRUE(first) << first.error().message;
  ASSERT_TRUE(raw->send(signed_push(device, changes, 2)));
  auto again = raw->expect_ack(2);
  ASSERT_TRUE(again) << again.error().message;
  ASSERT_EQ(first->server_seqs.size(), 2u);
  EXPECT_EQ(again->server_seqs, first->server_seqs);
  EXPECT_EQ(stored_changes(), stored + 2);

  // Both copies in flight at once, so they can fall into one group commit.
  const std::vector<Change> third = {comment(*member, 2, "third")};
  ASSERT_TRUE(raw->send(signed_push(device, third, 3)));
  ASSERT_TRUE(raw->send(signed_push(device, third, 4)));
  auto third_ack = raw->expect_ack(3);
  ASSERT_TRUE(third_ack) << third_ack.error().message;
  auto fourth_ack = raw->expect_ack(4);
  ASSERT_TRUE(fourth_ack) << fourth_ack.error().message;
  ASSERT_EQ(third_ack->server_seqs.size(), 1u);
  EXPECT_EQ(fourth_ack->server_seqs, third_ack->server_seqs);
  EXPECT_EQ(stored_changes(), stored + 3);

  // The same change twice within one push.
  const Change fourth = comment(*member, 3, "fourth");
  ASSERT_TRUE(raw->send(signed_push(device, {fourth, fourth}, 5)));
  auto doubled = raw->expect_ack(5);
  ASSERT_TRUE(doubled) << doubled.error().message;
  ASSERT_EQ(doubled->server_seqs.size(), 2u);
  EXPECT_EQ(doubled->server_seqs[0], doubled->server_seqs[1]);
  EXPECT_EQ(stored_changes(), stored + 4);

  // The real client, which never saw those Acks, sends them all again and gets the same seqs.
  raw->close();
  auto synced = client::sync_once(*member, 10s);
  ASSERT_TRUE(synced) << synced.error().message;
  EXPECT_EQ(synced->pushed, 4u);
  EXPECT_EQ(synced->pending, 0);
  EXPECT_EQ(stored_changes(), stored + 4);
  auto local = member->store().changes_by_id({changes[0].id, changes[1].id, third[0].id, fourth.id});
  ASSERT_TRUE(local) << local.error().message;
  std::vector<std::int64_t> acknowledged;
  for (const auto& each : *local) acknowledged.push_back(each.server_seq.value_or(-1));
  std::sort(acknowledged.begin(), acknowledged.end());
  std::vector<std::int64_t> expected = first->server_seqs;
  expected.push_back(third_ack->server_seqs[0]);
  expected.push_back(doubled->server_seqs[0]);
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(acknowledged, expected);
}

TEST_F(HostileTest, AChangeIdSentAgainWithOtherContentIsRefusedAndTheStoredEditIsKept) {
  // Only the device itself can send its ids (the server checks the prefix), but a store restored
  // from a backup, or a hostile device, can reuse one for a different edit. Acknowledging it as a
  // duplicate would tell the device its edit is at head office when another one is.
  auto member = enrol("Sam Patel");
  const Credentials device = credentials_of(*member);
  const Change original = comment(*member, 0, "what was said first");
  auto raw = authenticated(device);
  ASSERT_TRUE(raw->send(signed_push(device, {original}, 1)));
  auto ack = raw->expect_ack(1);
  ASSERT_TRUE(ack) << ack.error().message;
  const auto stored = stored_changes();

  Change rewritten = original;
  rewritten.value = FieldValue{"what it was changed to later", ""};
  ASSERT_TRUE(raw->send(signed_push(device, {rewritten}, 2)));
  EXPECT_TRUE(raw->refused(ErrorCode::invalid_change, 2));
  EXPECT_EQ(stored_changes(), stored);

  ASSERT_TRUE(raw->send(protocol::Pull{0, 0}));
  auto page = raw->expect();
  ASSERT_TRUE(page) << page.error().message;
  const auto* changes = std::get_if<protocol::Changes>(&*page);
  ASSERT_TRUE(changes) << describe(*page);
  auto held =
      std::find_if(changes->changes.begin(), changes->changes.end(),
                   [&](const protocol::SequencedChange& each) { return each.change.id == original.id; });
  ASSERT_NE(held, changes->changes.end());
  EXPECT_EQ(held->change, original);
}

// ---- Enrolment and reading ----

TEST_F(HostileTest, EnrollingWithAnotherDevicesIdIsRefusedAndLeavesBothUsable) {
  // Device ids travel in every change id, so any branch member can learn a colleague's.
  auto victim = enrol("Sam Patel");
  const std::string code = server_.invite("Mallory", kLeeds, Role::member);
  auto parsed = protocol::parse_enrolment_code(code);
  ASSERT_TRUE(parsed) << parsed.error().message;
  const auto attacker_keys = crypto::SigningKeyPair::generate();
  auto enrol_as = [&](RawClient& raw, const std::string& device_id) {
    protocol::Enrol request;
    request.invite_id = parsed->invite_id;
    request.secret = parsed->secret;
    request.device_id = device_id;
    std::copy(attacker_keys.public_key.begin(), attacker_keys.public_key.end(), request.device_key.begin());
    request.device_name = "not Sam's laptop";
    std::vector<std::uint8_t> signed_bytes{'d', 's', 'p', 't', 's', 'y', 'n', 'c', ' ',
                                           'e', 'n', 'r', 'o', 'l', ' ', 'v', '1'};
    const auto& transcript = raw.transcript();
    signed_bytes.insert(signed_bytes.end(), transcript.begin(), transcript.end());
    request.signature = crypto::sign(attacker_keys, signed_bytes);
    return raw.send(request);
  };
  {
    auto raw = connect();
    ASSERT_TRUE(raw->handshake());
    ASSERT_TRUE(enrol_as(*raw, victim->device_id()));
    EXPECT_TRUE(raw->refused_and_closed(ErrorCode::enrolment_code_invalid));
  }
  // The victim's key still stands: its store syncs, and the attacker's key does not log in as it.
  comment(*victim, 0, "still mine");
  auto synced = client::sync_once(*victim, 10s);
  EXPECT_TRUE(synced) << synced.error().message;
  {
    auto raw = connect();
    ASSERT_TRUE(raw->handshake());
    ASSERT_TRUE(raw->send(raw->authenticate_message({victim->device_id(), attacker_keys})));
    EXPECT_TRUE(raw->refused_and_closed(ErrorCode::handshake_failed));
  }
  // The refusal changed nothing: the code still enrols a device of its own.
  {
    auto raw = connect();
    ASSERT_TRUE(raw->handshake());
    ASSERT_TRUE(enrol_as(*raw, crypto::random_hex(16)));
    auto ready = raw->expect();
    ASSERT_TRUE(ready) << ready.error().message;
    EXPECT_TRUE(std::holds_alternative<protocol::Ready>(*ready)) << describe(*ready);
  }
}

TEST_F(HostileTest, ABranchClientReadsNoOtherBranchsChangesByPullOrWatch) {
  auto leeds = enrol("Sam Patel");
  auto leeds_colleague = enrol("Ann Lee");
  auto york = enrol("Yusuf York", kYork);
  comment(*york, 0, "York's private answer");
  ASSERT_TRUE(client::sync_once(*york, 10s));

  auto only_readable = [&](const protocol::Changes& page) {
    for (const auto& each : page.changes)
      if (each.change.key.scope != kLeeds && each.change.key.scope != kHq)
        return ::testing::AssertionFailure()
               << "change " << each.change.id << " of " << each.change.key.scope;
    return ::testing::AssertionSuccess();
  };
  auto raw = authenticated(credentials_of(*leeds));
  ASSERT_TRUE(raw->send(protocol::Pull{0, 0}));
  auto page = raw->expect();
  ASSERT_TRUE(page) << page.error().message;
  ASSERT_TRUE(std::holds_alternative<protocol::Changes>(*page)) << describe(*page);
  EXPECT_TRUE(only_readable(std::get<protocol::Changes>(*page)));

  ASSERT_TRUE(raw->send(protocol::Watch{0}));
  auto caught_up = raw->expect();
  ASSERT_TRUE(caught_up) << caught_up.error().message;
  ASSERT_TRUE(std::holds_alternative<protocol::Changes>(*caught_up)) << describe(*caught_up);
  EXPECT_TRUE(only_readable(std::get<protocol::Changes>(*caught_up)));
  // Live: York's next edit is committed before Leeds's, so a leak would arrive first.
  comment(*york, 1, "York again");
  ASSERT_TRUE(client::sync_once(*york, 10s));
  const Change leeds_edit = comment(*leeds_colleague, 1, "Leeds, live");
  ASSERT_TRUE(client::sync_once(*leeds_colleague, 10s));
  auto live = raw->expect();
  ASSERT_TRUE(live) << live.error().message;
  ASSERT_TRUE(std::holds_alternative<protocol::Changes>(*live)) << describe(*live);
  const auto& live_page = std::get<protocol::Changes>(*live);
  EXPECT_TRUE(live_page.live);
  EXPECT_TRUE(only_readable(live_page));
  ASSERT_EQ(live_page.changes.size(), 1u);
  EXPECT_EQ(live_page.changes[0].change.id, leeds_edit.id);
}

// Forty long comments, each legal and pushed in legal batches, once made a pull page of ~2.4 MB:
// over kMaxFrameBytes, so every client of the branch refused the frame and could no longer pull or
// enrol. Pages (pull, watch and live) now stop at limits::kMaxPageBytes, always carrying at least
// one change.
TEST_F(HostileTest, LongCommentsArriveInPagesThatFitTheFrameLimit) {
  auto author = enrol("Pat Paster");
  const auto stored = stored_changes();
  constexpr std::size_t kEdits = 40;
  const std::string long_text(60'000, 'x');  // under kMaxValueBytes, so each edit is valid
  for (std::size_t i = 0; i < kEdits; ++i) comment(*author, i, std::to_string(i) + ": " + long_text);

  auto synced = client::sync_once(*author, 30s);
  EXPECT_EQ(stored_changes(), stored + static_cast<std::int64_t>(kEdits)) << "the pushes themselves fit";
  EXPECT_TRUE(synced) << "the author's own pull fails: " << synced.error().message;

  // A colleague enrolling afterwards must be able to download the branch.
  client::EnrolOptions options{stores_ / "colleague", server_.url(),
                               server_.invite("Col League", kLeeds, Role::member), std::nullopt,
                               "colleague laptop"};
  options.timeout = 30s;
  auto enrolled = client::enrol(options);
  EXPECT_TRUE(enrolled) << "enrolment fails: " << enrolled.error().message;
}

// ---- 7. Messages only a server sends ----

TEST_F(HostileTest, ServerOnlyMessagesFromAClientAreRefusedAndEndTheSession) {
  auto member = enrol("Sam Patel");
  const Credentials device = credentials_of(*member);
  // A Changes message carrying a change the device could legitimately push: it must still not be
  // applied, because Changes only ever flows from the server.
  const Change change = comment(*member, 0, "smuggled in a Changes message");
  const auto stored = stored_changes();
  protocol::Changes changes_message;
  changes_message.changes.push_back({1, change});
  changes_message.next_cursor = 1;
  changes_message.live = true;
  const std::vector<Message> messages = {
      changes_message,
      protocol::Ready{"Sam Patel", Role::admin, "", kHq, "Acme Care Group", "2021-22", 0, 0},
      protocol::Ack{1, {1}},
      protocol::ErrorMessage{ErrorCode::internal, "the client says the server is broken", 0},
      // A question set only ever flows from head office, signed by it.
      protocol::QuestionSetMessage{make_question_set(member->catalogue(), 9, {}, {}), true},
      // Not server-only, but out of place: authentication happens once per session.
      protocol::Authenticate{device.device_id, protocol::Signature{}},
  };
  for (const auto& message : messages) {
    SCOPED_TRACE(describe(message));
    auto raw = authenticated(device);
    ASSERT_TRUE(raw->send(message));
    EXPECT_TRUE(raw->refused_and_closed(ErrorCode::bad_frame));
  }
  EXPECT_EQ(stored_changes(), stored);
  EXPECT_TRUE(serves_a_real_client());
}

TEST_F(HostileTest, AQuestionSetHeadOfficeDoesNotHoldIsRefusedAndTheSessionGoesOn) {
  auto member = enrol("Sam Patel");
  auto raw = authenticated(credentials_of(*member));
  for (const std::string& year : {std::string("2031-32"), std::string("not a year"), std::string(200, 'y')}) {
    SCOPED_TRACE(year.substr(0, 20));
    ASSERT_TRUE(raw->send(protocol::FetchQuestionSet{year}));
    EXPECT_TRUE(raw->refused(ErrorCode::invalid_change));
  }
  // Still served: the set it does hold comes, signed by head office.
  ASSERT_TRUE(raw->send(protocol::FetchQuestionSet{"2021-22"}));
  auto reply = raw->expect();
  ASSERT_TRUE(reply) << reply.error().message;
  const auto* set = std::get_if<protocol::QuestionSetMessage>(&*reply);
  ASSERT_TRUE(set) << describe(*reply);
  EXPECT_TRUE(verify_question_set(set->set, server_.admin()->identity().public_key));
}

// ---- 7b. Versions, and the policy library's files (version 6) ----

TEST_F(HostileTest, BrokenFileRequestsEndTheSessionAndStoreNothing) {
  auto member = enrol("Sam Patel");
  const Credentials device = credentials_of(*member);
  Bytes content(300 * 1024, 0x5a);
  auto manifest = files::manifest_of(content);
  ASSERT_TRUE(manifest) << manifest.error().message;
  const files::Hash root = files::root_of(*manifest);
  files::Manifest lying = *manifest;
  lying.chunks[1][0] ^= 1;  // no longer the manifest of `root`
  files::Manifest too_long = *manifest;
  too_long.chunks.resize(limits::kMaxFileBytes / tuning::kFileChunkBytes + 2);

  struct Case {
    const char* what;
    std::vector<Message> messages;
  };
  const std::vector<Case> cases = {
      {"a manifest that is not its root's", {protocol::PutFile{root, kLeeds, lying}}},
      {"a manifest over the limit", {protocol::PutFile{root, kLeeds, too_long}}},
      {"a chunk of a file the session did not put", {protocol::FileChunk{root, 0, Bytes(10, 1)}}},
      {"a chunk over the chunk size",
       {protocol::PutFile{root, kLeeds, *manifest},
        protocol::FileChunk{root, 0, Bytes(tuning::kFileChunkBytes + 1, 1)}}},
      {"no chunks asked for", {protocol::FetchChunks{root, 0, 0}}},
      {"more than a window asked for at once",
       {protocol::FetchChunks{root, 0, static_cast<std::uint32_t>(tuning::kFileFetchWindow + 1)}}},
      {"a FileManifest from the client", {protocol::FileManifest{root, *manifest}}},
      {"a FileRefused from the client", {protocol::FileRefused{root, ErrorCode::forbidden, "no"}}},
  };
  for (const auto& each : cases) {
    SCOPED_TRACE(each.what);
    auto raw = authenticated(device);
    for (std::size_t i = 0; i + 1 < each.messages.size(); ++i) {
      ASSERT_TRUE(raw->send(each.messages[i]));
      auto answer = raw->expect();  // the PutFile's answer: FileWanted
      ASSERT_TRUE(answer) << answer.error().message;
    }
    ASSERT_TRUE(raw->send(each.messages.back()));
    EXPECT_TRUE(raw->refused_and_closed(ErrorCode::bad_frame));
  }
  auto held = server_.admin()->files().progress(root, kLeeds);
  ASSERT_TRUE(held) << held.error().message;
  EXPECT_TRUE(!*held || (*held)->next_chunk == 0);
  EXPECT_TRUE(serves_a_real_client());
}

// ---- 8. Silent connections ----

TEST_F(HostileTest, SilentConnectionsDoNotHoldUpOtherClients) {
  // One TCP connection that never starts the upgrade, one upgraded WebSocket that never says a
  // word, and one that sent Hello and never authenticates.
  TcpPeer not_upgraded(server_.port());
  auto upgraded = connect();
  auto half_shaken = connect();
  ASSERT_TRUE(half_shaken->handshake());
  const auto started = Clock::now();
  EXPECT_TRUE(serves_a_real_client());
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started);
  std::cout << "enrolment and sync beside three silent connections took " << took.count() << " ms\n";
  EXPECT_LT(took, 5s);
  // They are still connected: the server did not drop them to make room either.
  EXPECT_EQ(not_upgraded.read_until([](const std::string&) { return false; }, 50ms), "");
  EXPECT_FALSE(not_upgraded.closed());
  auto nothing = upgraded->receive_frame(50ms);
  ASSERT_TRUE(nothing) << nothing.error().message;
  EXPECT_FALSE(*nothing);
}

// ---- A seeded loop of mutated frames ----

TEST_F(HostileTest, MutatedFramesFromAFixedSeedLeaveTheServerHealthy) {
  constexpr int kIterations = 300;
  constexpr std::uint64_t kSeed = 0x5eed'd5b7;
  auto member = enrol("Fuzz Fiona");
  const Credentials device = credentials_of(*member);
  // A change the server already holds. A mutation that keeps the push signature valid (the batch
  // number is not signed) then only repeats it, so the store must not grow during the loop.
  const Change held = comment(*member, 0, "already on the server");
  {
    auto raw = authenticated(device);
    ASSERT_TRUE(raw->send(signed_push(device, {held}, 1)));
    auto ack = raw->expect_ack(1);
    ASSERT_TRUE(ack) << ack.error().message;
  }
  const auto stored = stored_changes();
  const auto errors_before = log_.count_level("error");

  std::mt19937_64 random(kSeed);
  struct {
    int closed = 0;    // the server closed without a word
    int refused = 0;   // the server sent an error (and usually closed)
    int answered = 0;  // the mutation happened to be valid and was served
    int silent = 0;    // neither within the wait: a hang
    int garbled = 0;   // the server's own answer would not open or decode: its cipher went out of step
  } outcomes;
  const auto started = Clock::now();
  for (int i = 0; i < kIterations; ++i) {
    SCOPED_TRACE("iteration " + std::to_string(i) + " of seed " + std::to_string(kSeed));
    auto raw = connect();
    Bytes frame;
    switch (i % 4) {
      case 0:  // a damaged Hello
        frame = mutate(raw->make_hello(), random);
        break;
      case 1: {  // after authentication, a damaged sealed frame
        ASSERT_TRUE(raw->handshake());
        ASSERT_TRUE(raw->authenticate(device));
        const Message templates[] = {protocol::Pull{0, 10}, signed_push(device, {held}, 2),
                                     protocol::Watch{0}};
        frame = mutate(raw->seal(templates[i / 4 % 3]), random);
        break;
      }
      case 2: {  // after authentication, a damaged message sealed correctly: the decoder's input
        ASSERT_TRUE(raw->handshake());
        ASSERT_TRUE(raw->authenticate(device));
        const Message templates[] = {protocol::Pull{0, 10}, signed_push(device, {held}, 2),
                                     protocol::Watch{0}};
        frame = raw->seal_plain(mutate(protocol::encode_message(templates[i / 4 % 3]), random));
        break;
      }
      default: {  // before authentication, a damaged Authenticate sealed correctly
        ASSERT_TRUE(raw->handshake());
        frame = raw->seal_plain(mutate(protocol::encode_message(raw->authenticate_message(device)), random));
        break;
      }
    }
    (void)raw->send_frame(frame);
    if (i % 4 == 0) {
      auto reply = raw->receive_frame();
      if (!reply)
        ++outcomes.closed;
      else if (!*reply)
        ++outcomes.silent;
      else
        ++outcomes.answered;  // still a valid hello: the server welcomed it
      continue;
    }
    auto reply = raw->receive();
    if (!reply && reply.error().kind == ErrorKind::network)
      ++outcomes.closed;
    else if (!reply)
      ++outcomes.garbled;
    else if (!*reply)
      ++outcomes.silent;
    else if (std::holds_alternative<protocol::ErrorMessage>(**reply))
      ++outcomes.refused;
    else
      ++outcomes.answered;
  }
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started);
  std::cout << kIterations << " mutated frames (seed " << kSeed << ") in " << took.count()
            << " ms: " << outcomes.closed << " closed, " << outcomes.refused << " refused, "
            << outcomes.answered << " answered, " << outcomes.silent << " silent, " << outcomes.garbled
            << " garbled\n";
  EXPECT_EQ(outcomes.closed + outcomes.refused + outcomes.answered + outcomes.silent + outcomes.garbled,
            kIterations);
  EXPECT_EQ(outcomes.silent, 0) << "the server neither answered nor closed some connections";
  EXPECT_EQ(outcomes.garbled, 0) << "the server answered with frames this client could not read";
  EXPECT_GT(outcomes.closed + outcomes.refused, kIterations / 2) << "the mutations barely damaged anything";
  EXPECT_EQ(stored_changes(), stored);
  EXPECT_EQ(log_.count_level("error"), errors_before) << "a mutated frame made the server log an error";
  EXPECT_TRUE(serves_a_real_client());
}

}  // namespace
}  // namespace dsptsync
