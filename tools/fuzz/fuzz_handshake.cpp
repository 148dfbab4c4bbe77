// libFuzzer entry point for everything a peer can send on the sync port before it is trusted
// (tools/fuzz/README.md says how to build and run it): the plain frame header, the Hello and
// Welcome of the handshake, the sealed channel, the messages inside it, and the enrolment code a
// user types.
//
// Each decoder must refuse with corrupt or protocol (invalid_input for an enrolment code), or
// return a value whose encoding decodes again to the same encoding: a decoder that accepted bytes
// it cannot write back means two peers could read one frame two ways. The sealed channel must open
// what its peer sealed, byte for byte, and refuse anything else without crashing.
// AddressSanitizer catches reads past the input and leaks; -malloc_limit_mb catches a length
// prefix believed before it was checked.
//
// Built with -DDSPTSYNC_FUZZ_WRITE_SEEDS instead, the same file is a small program that writes
// valid frames and messages into a directory, as a starting corpus.
#include "dsptsync/protocol.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>

namespace {

using namespace dsptsync;
using namespace dsptsync::protocol;

[[noreturn]] void fail(const char* what, const char* why) {
  std::fprintf(stderr, "%s: %s\n", what, why);
  std::abort();
}

bool same(ByteView a, ByteView b) { return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin()); }

// A refusal must be one a peer's bad bytes can cause: corrupt, or protocol (a version we do not speak).
void expect_refusal(const char* what, const Error& error) {
  if (error.kind != ErrorKind::corrupt && error.kind != ErrorKind::protocol) fail(what, "refused with an unexpected kind of error");
}

// decode -> encode -> decode -> encode must give the same bytes twice.
template <class Decode, class Encode>
void check_stable(const char* what, ByteView input, Decode decode, Encode encode) {
  auto first = decode(input);
  if (!first) return expect_refusal(what, first.error());
  const Bytes once = encode(*first);
  auto second = decode(once);
  if (!second) fail(what, "refused its own encoding of a value it accepted");
  if (!same(once, encode(*second))) fail(what, "an accepted value does not encode the same way twice");
}

[[maybe_unused]] void check_frame(ByteView input) {
  auto frame = parse_frame(input);
  if (!frame) return expect_refusal("parse_frame", frame.error());
  if (frame->body.size() + 2 != input.size()) fail("parse_frame", "the body is not the rest of the frame");
  if (!same(encode_frame(frame->kind, frame->body), input)) fail("parse_frame", "the frame does not encode back to itself");
}

// Both ends of one session, established once (the key exchange is the cost; the channel's state is
// what carries from frame to frame): what one end seals the other opens, once; a frame nobody sealed
// (the input itself) and a replayed one are refused, and neither moves the channel on.
struct Channel {
  protocol::SessionCipher client, server;
  static Channel establish() {
    const auto client_keys = EphemeralKeys::generate();
    const auto server_keys = EphemeralKeys::generate();
    auto client = SessionCipher::establish(true, client_keys.public_key, client_keys.secret_key, server_keys.public_key);
    auto server = SessionCipher::establish(false, server_keys.public_key, server_keys.secret_key, client_keys.public_key);
    if (!client || !server) fail("SessionCipher", "could not establish a session from fresh keys");
    return {std::move(*client), std::move(*server)};
  }
};

[[maybe_unused]] void check_sealed_channel(ByteView input) {
  static Channel channel = Channel::establish();
  if (channel.server.open(input)) fail("SessionCipher::open", "opened bytes nobody sealed");
  const Bytes sealed = channel.client.seal(input);
  auto opened = channel.server.open(sealed);
  if (!opened || !same(*opened, input)) fail("SessionCipher::open", "did not open what its peer sealed");
  if (channel.server.open(sealed)) fail("SessionCipher::open", "opened a replayed frame");
}

}  // namespace

#ifndef DSPTSYNC_FUZZ_WRITE_SEEDS

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const ByteView input(data, size);
  check_frame(input);
  check_stable("decode_hello", input, decode_hello, encode_hello);
  check_stable("decode_welcome", input, decode_welcome, encode_welcome);
  check_stable("decode_message", input, decode_message, encode_message);
  if (auto code = parse_enrolment_code(std::string_view(reinterpret_cast<const char*>(data), size)); code) {
    if (!parse_enrolment_code(format_enrolment_code(*code))) fail("parse_enrolment_code", "refused a code it formatted");
  } else if (code.error().kind != ErrorKind::invalid_input) {
    fail("parse_enrolment_code", "refused with an error other than invalid_input");
  }
  check_sealed_channel(input);
  return 0;
}

#else

#include "seeds.h"

int main(int argc, char** argv) {
  const auto folder = fuzz::corpus_folder(argc, argv);
  if (!folder) return 2;
  const Change change = fuzz::sample_change();

  Hello hello;
  hello.client_nonce.fill(7);
  Welcome welcome;
  welcome.server_identity.fill(9);
  Ready ready{"Priya Shah", Role::admin, "V8X4R", "AB123", "Caring Hands", "2025-26", 42, 1764930000000, "e1", 0, {}, {}};
  Push push{3, {change}, {}};
  Changes changes{{{41, change}}, 41, false, true};
  const std::string code = "3f9a01c2-8d41e7b09c5a2f6e1d3b-5aa1c9e07f3b2d18";
  return fuzz::write_seeds<Bytes>(*folder, {
      {"frame-hello", encode_frame(FrameKind::hello, encode_hello(hello))},
      {"hello", encode_hello(hello)},
      {"welcome", encode_welcome(welcome)},
      {"authenticate", encode_message(Authenticate{"3f9a1c07d2e64b5a9e0c11d4a7b2f6e8", {}})},
      {"enrol", encode_message(Enrol{"3f9a01c2", "8d41e7b09c5a2f6e1d3b", "3f9a1c07", {}, "laptop-1", {}})},
      {"ready", encode_message(ready)},
      {"push", encode_message(push)},
      {"ack", encode_message(Ack{3, {41}})},
      {"pull", encode_message(Pull{40, 500})},
      {"changes", encode_message(changes)},
      {"watch", encode_message(Watch{41})},
      {"error", encode_message(ErrorMessage{ErrorCode::forbidden, "viewers cannot edit", 3})},
      {"fetch", encode_message(FetchQuestionSet{"2025-26"})},
      {"code", Bytes(code.begin(), code.end())},
  });
}

#endif
