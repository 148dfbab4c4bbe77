// The policy library's file messages (protocol version 6): each encodes and decodes to itself, and the
// bounded decoder refuses sizes no honest peer sends before anything is allocated for them.
#include "dsptsync/limits.h"
#include "dsptsync/protocol.h"
#include "dsptsync/tuning.h"

#include <gtest/gtest.h>

namespace dsptsync {
namespace {

using protocol::ErrorCode;
using protocol::Message;

files::Hash hash_of(std::uint8_t seed) {
  files::Hash hash{};
  for (std::size_t i = 0; i < hash.size(); ++i) hash[i] = static_cast<std::uint8_t>(seed + i);
  return hash;
}

files::Manifest three_chunks() {
  return files::Manifest{2 * tuning::kFileChunkBytes + 17,
                         static_cast<std::uint32_t>(tuning::kFileChunkBytes),
                         {hash_of(1), hash_of(2), hash_of(3)}};
}

template <class T>
T round_trip(const T& message) {
  auto decoded = protocol::decode_message(protocol::encode_message(message));
  EXPECT_TRUE(decoded) << decoded.error().message;
  if (!decoded) return T{};
  EXPECT_TRUE(std::holds_alternative<T>(*decoded)) << protocol::message_name(*decoded);
  return std::get<T>(*decoded);
}

// Why the decoder refuses the message's encoding; empty when it decodes.
std::string decode_error(const Message& message) {
  auto decoded = protocol::decode_message(protocol::encode_message(message));
  return decoded ? std::string() : decoded.error().message;
}

TEST(ProtocolFiles, EveryFileMessageDecodesToWhatWasEncoded) {
  const auto root = hash_of(40);
  EXPECT_EQ(round_trip(protocol::FetchFile{root}).root, root);

  const auto manifest = round_trip(protocol::FileManifest{root, three_chunks()});
  EXPECT_EQ(manifest.root, root);
  EXPECT_EQ(manifest.manifest, three_chunks());

  const auto fetch = round_trip(protocol::FetchChunks{root, 7, 3});
  EXPECT_EQ(fetch.root, root);
  EXPECT_EQ(fetch.first, 7u);
  EXPECT_EQ(fetch.count, 3u);

  const Bytes bytes(tuning::kFileChunkBytes, 0xab);
  const auto chunk = round_trip(protocol::FileChunk{root, 2, bytes});
  EXPECT_EQ(chunk.index, 2u);
  EXPECT_EQ(chunk.bytes, bytes);

  const auto put = round_trip(protocol::PutFile{root, "VLAXL", three_chunks()});
  EXPECT_EQ(put.root, root);
  EXPECT_EQ(put.scope, "VLAXL");
  EXPECT_EQ(put.manifest, three_chunks());

  const auto wanted = round_trip(protocol::FileWanted{root, 1, 3});
  EXPECT_EQ(wanted.next_chunk, 1u);
  EXPECT_EQ(wanted.chunk_count, 3u);

  const auto refused = round_trip(protocol::FileRefused{root, ErrorCode::forbidden, "no such file for this device"});
  EXPECT_EQ(refused.code, ErrorCode::forbidden);
  EXPECT_EQ(refused.message, "no such file for this device");
}

TEST(ProtocolFiles, TypesFollowSignPushesInOrder) {
  const std::vector<std::pair<Message, std::uint8_t>> types = {
      {protocol::FetchFile{}, 13},   {protocol::FileManifest{}, 14}, {protocol::FetchChunks{{}, 0, 1}, 15},
      {protocol::FileChunk{}, 16},   {protocol::PutFile{}, 17},      {protocol::FileWanted{}, 18},
      {protocol::FileRefused{}, 19},
  };
  for (const auto& [message, type] : types) {
    EXPECT_EQ(protocol::encode_message(message).at(0), type) << protocol::message_name(message);
    EXPECT_TRUE(protocol::is_file_message(message));
  }
  EXPECT_FALSE(protocol::is_file_message(protocol::Pull{}));
}

TEST(ProtocolFiles, SizesOverTheLimitsAreRefusedByTheDecoder) {
  const auto root = hash_of(9);
  EXPECT_NE(decode_error(protocol::FileChunk{root, 0, Bytes(tuning::kFileChunkBytes + 1, 1)}), "");
  EXPECT_EQ(decode_error(protocol::FileChunk{root, 0, Bytes(tuning::kFileChunkBytes, 1)}), "");

  files::Manifest too_many = three_chunks();
  too_many.chunks.assign(limits::kMaxFileBytes / tuning::kFileChunkBytes + 2, hash_of(1));
  EXPECT_NE(decode_error(protocol::FileManifest{root, too_many}), "");
  EXPECT_NE(decode_error(protocol::PutFile{root, "VLAXL", too_many}), "");
  files::Manifest most = three_chunks();
  most.chunks.assign(limits::kMaxFileBytes / tuning::kFileChunkBytes + 1, hash_of(1));
  EXPECT_EQ(decode_error(protocol::FileManifest{root, most}), "");

  files::Manifest too_big = three_chunks();
  too_big.size = limits::kMaxFileBytes + 1;
  EXPECT_NE(decode_error(protocol::FileManifest{root, too_big}), "");
  files::Manifest wide_chunks = three_chunks();
  wide_chunks.chunk_bytes = static_cast<std::uint32_t>(tuning::kFileChunkBytes + 1);
  EXPECT_NE(decode_error(protocol::PutFile{root, "VLAXL", wide_chunks}), "");

  EXPECT_NE(decode_error(protocol::FetchChunks{root, 0, 0}), "");
  EXPECT_NE(decode_error(protocol::FetchChunks{root, 0, static_cast<std::uint32_t>(tuning::kFileFetchWindow + 1)}), "");
  EXPECT_EQ(decode_error(protocol::FetchChunks{root, 0, static_cast<std::uint32_t>(tuning::kFileFetchWindow)}), "");

  EXPECT_NE(decode_error(protocol::PutFile{root, std::string(limits::kMaxKeyPartBytes + 1, 'V'), three_chunks()}), "");
  EXPECT_NE(decode_error(
                protocol::FileRefused{root, ErrorCode::forbidden, std::string(limits::kMaxErrorMessageBytes + 1, 'x')}),
            "");
}

TEST(ProtocolFiles, ALengthPrefixClaimingMoreThanTheMessageHoldsIsRefused) {
  // A chunk whose byte count says 2^62 in a message of a few dozen bytes: refused before allocating.
  Bytes encoded = protocol::encode_message(protocol::FileChunk{hash_of(1), 0, Bytes(4, 1)});
  const std::size_t count_at = 1 + 1 + 32 + 4;  // type, endianness flag, root, index
  for (std::size_t i = 0; i < 8; ++i) encoded[count_at + i] = i == 7 ? 0x40 : 0x00;
  EXPECT_FALSE(protocol::decode_message(encoded));
  // A FileRefused whose code is no declared value.
  Bytes refused = protocol::encode_message(protocol::FileRefused{hash_of(1), ErrorCode::forbidden, "x"});
  refused[1 + 1 + 32] = 0x63;
  EXPECT_FALSE(protocol::decode_message(refused));
}

TEST(ProtocolFiles, FramesCarryTheSessionsVersionAndTheTranscriptCoversTheHellos) {
  // Version 5 builds cannot decode the library's changes: their frames are refused (told to update).
  EXPECT_FALSE(protocol::parse_frame(protocol::encode_frame(protocol::FrameKind::sealed, Bytes{1, 2}, 5)));
  auto six = protocol::parse_frame(protocol::encode_frame(protocol::FrameKind::sealed, Bytes{1, 2}));
  ASSERT_TRUE(six) << six.error().message;
  EXPECT_EQ(six->version, protocol::kProtocolVersion);
  EXPECT_EQ(protocol::kProtocolVersion, 6);
  EXPECT_FALSE(protocol::parse_frame(protocol::encode_frame(protocol::FrameKind::sealed, Bytes{1, 2}, 4)));
  EXPECT_FALSE(protocol::parse_frame(protocol::encode_frame(protocol::FrameKind::sealed, Bytes{1, 2}, 7)));

  protocol::Hello hello;
  protocol::Welcome welcome;
  protocol::Hello older = hello;
  older.version = 5;
  EXPECT_NE(protocol::transcript(hello, welcome), protocol::transcript(older, welcome));
}

}  // namespace
}  // namespace dsptsync
