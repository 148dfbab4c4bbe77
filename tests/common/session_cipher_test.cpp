// The session's sealed frames (docs/protocol.md): each direction opens only in the order it was
// sealed, and a sending side lent to another thread (head office's file server seals a window of
// chunks there) continues the same counter when it is given back.
#include "dsptsync/protocol.h"

#include <gtest/gtest.h>

namespace dsptsync {
namespace {

using protocol::SessionCipher;

struct Pair {
  SessionCipher server;
  SessionCipher laptop;
};

Pair established() {
  const auto server = protocol::EphemeralKeys::generate(), laptop = protocol::EphemeralKeys::generate();
  auto sending = SessionCipher::establish(false, server.public_key, server.secret_key, laptop.public_key);
  auto receiving = SessionCipher::establish(true, laptop.public_key, laptop.secret_key, server.public_key);
  EXPECT_TRUE(sending && receiving);
  return Pair{std::move(*sending), std::move(*receiving)};
}

Bytes text(std::string_view words) { return Bytes(words.begin(), words.end()); }

// What the laptop makes of a whole frame: its header, then the sealed message opened.
std::string opened(SessionCipher& laptop, const Bytes& frame) {
  auto parsed = protocol::parse_frame(frame);
  EXPECT_TRUE(parsed) << parsed.error().message;
  if (!parsed) return {};
  EXPECT_EQ(parsed->kind, protocol::FrameKind::sealed);
  auto plain = laptop.open(parsed->body);
  if (!plain) return "refused: " + plain.error().message;
  return std::string(plain->begin(), plain->end());
}

TEST(SessionCipher, ASealedFrameIsTheEncodedFrameOfItsSealedMessage) {
  auto [server, laptop] = established();
  const Bytes frame = server.seal_frame(text("ack 1"), protocol::kProtocolVersion);
  EXPECT_EQ(frame[0], protocol::kProtocolVersion);
  EXPECT_EQ(opened(laptop, frame), "ack 1");
  // The same bytes as the two-step form, which the laptop uses: one frame layout.
  auto [server2, laptop2] = established();
  const Bytes two_step = protocol::encode_frame(protocol::FrameKind::sealed, server2.seal(text("ack 1")));
  EXPECT_EQ(opened(laptop2, two_step), "ack 1");
  EXPECT_EQ(two_step.size(), frame.size());
}

TEST(SessionCipher, ALentSenderContinuesTheCounterAndTheCipherFollowsItWhenGivenBack) {
  auto [server, laptop] = established();
  const Bytes before = server.seal_frame(text("page"), protocol::kProtocolVersion);
  protocol::FrameSealer lent = server.lend_sender();
  EXPECT_TRUE(server.lent());
  const Bytes chunk0 = lent.seal_frame(text("chunk 0"), protocol::kProtocolVersion);
  const Bytes chunk1 = lent.seal_frame(text("chunk 1"), protocol::kProtocolVersion);
  server.take_back(std::move(lent));
  EXPECT_FALSE(server.lent());
  const Bytes after = server.seal_frame(text("ack"), protocol::kProtocolVersion);
  for (const auto& [frame, words] :
       {std::pair{before, "page"}, {chunk0, "chunk 0"}, {chunk1, "chunk 1"}, {after, "ack"}})
    EXPECT_EQ(opened(laptop, frame), words);
}

TEST(SessionCipher, FramesOpenOnlyInTheOrderTheyWereSealed) {
  auto [server, laptop] = established();
  const Bytes first = server.seal_frame(text("first"), protocol::kProtocolVersion);
  const Bytes second = server.seal_frame(text("second"), protocol::kProtocolVersion);
  EXPECT_NE(opened(laptop, second).find("refused: frame 0 failed authentication"), std::string::npos);
  EXPECT_EQ(opened(laptop, first), "first");
  EXPECT_EQ(opened(laptop, second), "second");
  EXPECT_NE(opened(laptop, second).find("refused"), std::string::npos) << "a replayed frame opens";
}

TEST(SessionCipherDeathTest, SealingWhileTheSenderIsLentStopsRatherThanReuseACounter) {
  auto [server, laptop] = established();
  protocol::FrameSealer lent = server.lend_sender();
  EXPECT_DEATH(server.seal_frame(text("ack"), protocol::kProtocolVersion), "");
  (void)lent;
}

}  // namespace
}  // namespace dsptsync
