// The policy library's files over sync (protocol version 6), end to end: a real server on 127.0.0.1,
// real laptops (stores, keys, crypto), real SQLite files. Head office's file reaches a branch laptop
// byte for byte; a transfer cut part-way resumes at the next chunk; a branch cannot fetch another
// branch's file and learns nothing from trying, and its session goes on; a laptop's upload into its
// own branch reaches head office, into another site is refused; a chunk that does not match its
// manifest is refused and nothing of it is kept.
#include "fixture.h"
#include "hand_made_pushes.h"

#include "dsptsync/client/connection.h"
#include "dsptsync/client/file_transfer.h"
#include "dsptsync/tuning.h"

#include <gtest/gtest.h>

#include <random>

namespace dsptsync::testing {
namespace {

using protocol::ErrorCode;
using protocol::Message;
using protocol::Role;
using namespace std::chrono_literals;

constexpr const char* kLeeds = "VLAXL";
constexpr const char* kYork = "VM2B3";
constexpr const char* kHq = "A1B2";
constexpr std::size_t kChunk = tuning::kFileChunkBytes;

// A PDF's first bytes, then bytes from a seed: every file of a test differs.
Bytes file_content(std::size_t size, std::uint32_t seed) {
  const std::string header = "%PDF-1.7\n";
  Bytes content(header.begin(), header.end());
  std::mt19937 random(seed);
  while (content.size() < size) content.push_back(static_cast<std::uint8_t>(random()));
  return content;
}

// A session that stops after `chunks` FileChunk messages, as a line does when it drops part-way.
class CutAfterChunks final : public client::Connection {
 public:
  CutAfterChunks(std::unique_ptr<client::Connection> inner, std::size_t chunks)
      : inner_(std::move(inner)),
        chunks_left_(chunks),
        timeout_(inner_->timeout()),
        transcript_(inner_->transcript()),
        identity_(inner_->server_identity()) {}

  Status send(const Message& message) override {
    if (!inner_) return make_error(ErrorKind::network, "the connection was cut");
    return inner_->send(message);
  }
  Result<std::optional<Message>> receive(std::chrono::milliseconds wait) override {
    if (chunks_left_ == 0) {
      inner_.reset();  // closes the WebSocket: head office sees the laptop go
      return make_error(ErrorKind::network, "the connection was cut");
    }
    auto message = inner_->receive(wait);
    if (message && *message && std::holds_alternative<protocol::FileChunk>(**message)) --chunks_left_;
    return message;
  }
  std::chrono::milliseconds timeout() const override { return timeout_; }
  const std::array<std::uint8_t, 32>& transcript() const override { return transcript_; }
  const protocol::PublicKey& server_identity() const override { return identity_; }

 private:
  std::unique_ptr<client::Connection> inner_;
  std::size_t chunks_left_;
  std::chrono::milliseconds timeout_;
  std::array<std::uint8_t, 32> transcript_;
  protocol::PublicKey identity_;
};

class FileTransfer : public ::testing::Test {
 protected:
  // A session of this laptop with head office, as sync opens one.
  std::unique_ptr<client::Connection> session(client::Workspace& laptop) {
    auto connection = client::connect(laptop, client::SyncOptions{10s});
    if (!connection) throw std::runtime_error("connect: " + connection.error().message);
    return std::move(*connection);
  }

  // Head office keeps a file for a scope, as its own library does.
  files::Hash head_office_keeps(const Bytes& content, const std::string& scope) {
    auto kept = server_.admin()->files().put(content, scope, 0);
    if (!kept) throw std::runtime_error("put: " + kept.error().message);
    return *kept;
  }

  Bytes head_office_copy(const files::Hash& root) {
    auto read = server_.admin()->files().read(root);
    if (!read) throw std::runtime_error("read: " + read.error().message);
    return *read;
  }

  TempDir stores_;
  RunningServer server_;
};

TEST_F(FileTransfer, HeadOfficesFileReachesABranchLaptopByteForByte) {
  const Bytes content = file_content(3 * kChunk + 1000, 1);
  const files::Hash root = head_office_keeps(content, kHq);
  auto leeds = server_.enrol(stores_ / "leeds", "Sam Patel", kLeeds, Role::member);
  auto connection = session(*leeds);

  std::vector<client::FileTransferProgress> seen;
  auto fetched = client::fetch_files(*connection, leeds->files(), {{root, kHq, "Data protection policy.pdf"}},
                                     [&](const client::FileTransferProgress& p) { seen.push_back(p); });
  ASSERT_TRUE(fetched) << fetched.error().message;
  EXPECT_EQ(fetched->fetched, 1u);
  EXPECT_EQ(fetched->bytes_received, content.size());
  EXPECT_TRUE(fetched->refused.empty());
  auto kept = leeds->files().read(root);
  ASSERT_TRUE(kept) << kept.error().message;
  EXPECT_EQ(*kept, content);
  // Progress from nothing to the whole file, chunk by chunk.
  ASSERT_EQ(seen.size(), 5u);
  EXPECT_EQ(seen.front().done, 0u);
  EXPECT_EQ(seen.back().done, content.size());
  EXPECT_EQ(seen.back().total, content.size());
  EXPECT_EQ(seen.back().file.name, "Data protection policy.pdf");

  // Fetching again moves nothing: the laptop holds it whole.
  auto again = client::fetch_files(*connection, leeds->files(), {{root, kHq, "Data protection policy.pdf"}});
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(again->fetched, 0u);
  EXPECT_EQ(again->bytes_received, 0u);
}

TEST_F(FileTransfer, ACutTransferResumesAtTheNextChunk) {
  const Bytes content = file_content(10 * kChunk + 5, 2);
  const files::Hash root = head_office_keeps(content, kHq);
  auto leeds = server_.enrol(stores_ / "leeds", "Sam Patel", kLeeds, Role::member);
  const files::LibraryFile file{root, kHq, "Evidence photos.pdf"};

  constexpr std::size_t kBeforeTheCut = 6;
  {
    CutAfterChunks cut(session(*leeds), kBeforeTheCut);
    auto first = client::fetch_files(cut, leeds->files(), {file});
    ASSERT_FALSE(first);
    EXPECT_EQ(first.error().kind, ErrorKind::network);
  }
  auto part = leeds->files().progress(root, kHq);
  ASSERT_TRUE(part && *part);
  EXPECT_EQ((*part)->next_chunk, kBeforeTheCut);
  EXPECT_FALSE((*part)->complete());

  auto connection = session(*leeds);
  std::vector<std::uint64_t> done;
  auto second = client::fetch_files(*connection, leeds->files(), {file},
                                    [&](const client::FileTransferProgress& p) { done.push_back(p.done); });
  ASSERT_TRUE(second) << second.error().message;
  EXPECT_EQ(second->fetched, 1u);
  // Only what the first transfer did not keep came again.
  EXPECT_EQ(second->bytes_received, content.size() - kBeforeTheCut * kChunk);
  ASSERT_FALSE(done.empty());
  EXPECT_EQ(done.front(), kBeforeTheCut * kChunk);
  auto kept = leeds->files().read(root);
  ASSERT_TRUE(kept) << kept.error().message;
  EXPECT_EQ(*kept, content);
}

TEST_F(FileTransfer, ALaptopsUploadIntoItsBranchReachesHeadOfficeAndOnlyThatBranchFetchesIt) {
  auto leeds = server_.enrol(stores_ / "leeds", "Sam Patel", kLeeds, Role::member);
  auto york = server_.enrol(stores_ / "york", "Ann Lee", kYork, Role::member);
  const Bytes content = file_content(2 * kChunk + 77, 3);
  auto root = leeds->files().put(content, kLeeds, 0);
  ASSERT_TRUE(root) << root.error().message;
  const files::LibraryFile file{*root, kLeeds, "Leeds fire drill.pdf"};

  auto uploaded = client::upload_files(*session(*leeds), leeds->files(), {file});
  ASSERT_TRUE(uploaded) << uploaded.error().message;
  EXPECT_EQ(uploaded->uploaded, 1u);
  EXPECT_EQ(uploaded->bytes_sent, content.size());
  EXPECT_TRUE(uploaded->refused.empty());
  EXPECT_EQ(head_office_copy(*root), content);
  auto held = server_.admin()->files().held_by_any(*root, {kLeeds});
  ASSERT_TRUE(held) << held.error().message;
  EXPECT_TRUE(*held);

  // York asks for Leeds's file, and for one that does not exist: the same answer for both.
  auto connection = session(*york);
  files::Hash made_up = *root;
  made_up[0] ^= 0xff;
  auto refused = client::fetch_files(*connection, york->files(), {file, {made_up, kLeeds, "guess.pdf"}});
  ASSERT_TRUE(refused) << refused.error().message;
  EXPECT_EQ(refused->fetched, 0u);
  EXPECT_EQ(refused->bytes_received, 0u);
  ASSERT_EQ(refused->refused.size(), 2u);
  for (const auto& each : refused->refused) {
    EXPECT_EQ(each.code, "forbidden");
    EXPECT_EQ(each.message, "no such file for this device");
  }
  auto nothing = york->files().progress(*root, kLeeds);
  ASSERT_TRUE(nothing) << nothing.error().message;
  EXPECT_FALSE(*nothing);

  // York's session goes on: an answer pushed after the refusals is acknowledged.
  const Change change = recorded_comment(*york, 0, "pushed after a refused file");
  ASSERT_TRUE(connection->send(signed_push(credentials_of(*york), {change}, 1)));
  auto answer = connection->expect();
  ASSERT_TRUE(answer) << answer.error().message;
  const auto* ack = std::get_if<protocol::Ack>(&*answer);
  ASSERT_TRUE(ack) << protocol::message_name(*answer);
  EXPECT_EQ(ack->server_seqs.size(), 1u);

  // Leeds itself, and a head office device, fetch it.
  auto other_leeds = server_.enrol(stores_ / "leeds2", "Lee Other", kLeeds, Role::viewer);
  auto leeds_fetch = client::fetch_files(*session(*other_leeds), other_leeds->files(), {file});
  ASSERT_TRUE(leeds_fetch) << leeds_fetch.error().message;
  EXPECT_EQ(leeds_fetch->fetched, 1u);
  auto hq = server_.enrol(stores_ / "hq", "Helen Okafor", "", Role::admin);
  auto hq_fetch = client::fetch_files(*session(*hq), hq->files(), {file});
  ASSERT_TRUE(hq_fetch) << hq_fetch.error().message;
  EXPECT_EQ(hq_fetch->fetched, 1u);
  auto hq_copy = hq->files().read(*root);
  ASSERT_TRUE(hq_copy) << hq_copy.error().message;
  EXPECT_EQ(*hq_copy, content);
}

// Head office seals a download's chunks off its I/O thread, lending them the session's counter
// (docs/protocol.md, "Memory"): what the session is sent meanwhile, the acknowledgements of its own
// pushes and another laptop's live changes, must follow the window in the cipher's order, or the
// laptop could open none of it.
TEST_F(FileTransfer, AcknowledgementsAndLiveChangesSentDuringADownloadArriveWithItsChunksAndOpen) {
  constexpr std::uint32_t kWindows = 8;
  const auto window = static_cast<std::uint32_t>(tuning::kFileFetchWindow);
  const Bytes content = file_content(kWindows * window * kChunk, 7);
  const files::Hash root = head_office_keeps(content, kHq);
  auto leeds = server_.enrol(stores_ / "leeds", "Sam Patel", kLeeds, Role::member);
  auto colleague = server_.enrol(stores_ / "leeds2", "Lee Other", kLeeds, Role::member);
  auto connection = session(*leeds);
  auto colleague_connection = session(*colleague);
  ASSERT_TRUE(connection->send(protocol::FetchFile{root}));
  auto manifest = connection->expect();
  ASSERT_TRUE(manifest && std::holds_alternative<protocol::FileManifest>(*manifest));
  ASSERT_TRUE(connection->send(protocol::Watch{0}));

  std::size_t acks = 0, colleague_changes = 0, chunks = 0;
  // Reads whatever comes next, checking each chunk against the file; false once the line fails.
  auto read_one = [&]() -> bool {
    auto message = connection->expect();
    EXPECT_TRUE(message) << message.error().message;  // a frame sealed out of order fails to open
    if (!message) return false;
    if (std::holds_alternative<protocol::Ack>(*message)) ++acks;
    if (auto* changes = std::get_if<protocol::Changes>(&*message))
      for (const auto& each : changes->changes) colleague_changes += each.change.device == colleague->device_id();
    if (auto* chunk = std::get_if<protocol::FileChunk>(&*message)) {
      EXPECT_EQ(chunk->index, chunks);
      const auto from = content.begin() + static_cast<std::ptrdiff_t>(chunk->index * kChunk);
      EXPECT_TRUE(std::equal(chunk->bytes.begin(), chunk->bytes.end(), from, from + kChunk)) << chunk->index;
      ++chunks;
    }
    return true;
  };
  for (std::uint32_t w = 0; w < kWindows; ++w) {
    ASSERT_TRUE(connection->send(protocol::FetchChunks{root, w * window, window}));
    const Change own = recorded_comment(*leeds, 1, "pushed during window " + std::to_string(w));
    ASSERT_TRUE(connection->send(signed_push(credentials_of(*leeds), {own}, w + 1)));
    const Change other = recorded_comment(*colleague, 2, "live during window " + std::to_string(w));
    ASSERT_TRUE(colleague_connection->send(signed_push(credentials_of(*colleague), {other}, w + 1)));
    auto colleague_ack = colleague_connection->expect();
    ASSERT_TRUE(colleague_ack && std::holds_alternative<protocol::Ack>(*colleague_ack));
    while (chunks < (w + 1) * window) ASSERT_TRUE(read_one());
  }
  while (acks < kWindows || colleague_changes < kWindows) ASSERT_TRUE(read_one());
  EXPECT_EQ(chunks, kWindows * window);
  EXPECT_EQ(acks, kWindows);
  EXPECT_EQ(colleague_changes, kWindows);
}

TEST_F(FileTransfer, AnUploadIntoAnotherBranchOrHeadOfficeIsRefusedAndNothingIsKept) {
  auto leeds = server_.enrol(stores_ / "leeds", "Sam Patel", kLeeds, Role::admin);
  std::vector<files::LibraryFile> elsewhere;
  std::uint32_t seed = 10;
  for (const std::string scope : {kYork, kHq}) {
    auto root = leeds->files().put(file_content(kChunk + 9, seed++), scope, 0);
    ASSERT_TRUE(root) << root.error().message;
    elsewhere.push_back({*root, scope, "for " + scope + ".pdf"});
  }
  auto connection = session(*leeds);
  auto uploaded = client::upload_files(*connection, leeds->files(), elsewhere);
  ASSERT_TRUE(uploaded) << uploaded.error().message;
  EXPECT_EQ(uploaded->uploaded, 0u);
  EXPECT_EQ(uploaded->bytes_sent, 0u);
  ASSERT_EQ(uploaded->refused.size(), 2u);
  for (const auto& each : uploaded->refused) {
    EXPECT_EQ(each.code, "forbidden") << each.message;
    EXPECT_TRUE(each.upload);
    auto kept = server_.admin()->files().manifest(each.file.root);
    ASSERT_TRUE(kept) << kept.error().message;
    EXPECT_FALSE(*kept) << each.file.scope;
  }
  // A viewer of the branch keeps nothing at head office either.
  auto viewer = server_.enrol(stores_ / "viewer", "Vic Viewer", kLeeds, Role::viewer);
  auto own = viewer->files().put(file_content(100, 20), kLeeds, 0);
  ASSERT_TRUE(own) << own.error().message;
  auto refused = client::upload_files(*session(*viewer), viewer->files(), {{*own, kLeeds, "viewer.pdf"}});
  ASSERT_TRUE(refused) << refused.error().message;
  ASSERT_EQ(refused->refused.size(), 1u);
  EXPECT_EQ(refused->refused[0].code, "forbidden");
}

TEST_F(FileTransfer, AChunkThatDoesNotMatchItsManifestIsRefusedAndTheUploadGoesOnWithTheRightOne) {
  auto leeds = server_.enrol(stores_ / "leeds", "Sam Patel", kLeeds, Role::member);
  const Bytes content = file_content(kChunk + 300, 4);
  auto manifest = files::manifest_of(content);
  ASSERT_TRUE(manifest) << manifest.error().message;
  const files::Hash root = files::root_of(*manifest);
  auto connection = session(*leeds);

  ASSERT_TRUE(connection->send(protocol::PutFile{root, kLeeds, *manifest}));
  auto wanted = connection->expect();
  ASSERT_TRUE(wanted) << wanted.error().message;
  ASSERT_TRUE(std::holds_alternative<protocol::FileWanted>(*wanted)) << protocol::message_name(*wanted);
  EXPECT_EQ(std::get<protocol::FileWanted>(*wanted).next_chunk, 0u);

  Bytes first(content.begin(), content.begin() + kChunk);
  Bytes altered = first;
  altered[100] ^= 0x01;
  ASSERT_TRUE(connection->send(protocol::FileChunk{root, 0, altered}));
  auto refused = connection->expect();
  ASSERT_TRUE(refused) << refused.error().message;
  const auto* refusal = std::get_if<protocol::FileRefused>(&*refused);
  ASSERT_TRUE(refusal) << protocol::message_name(*refused);
  EXPECT_EQ(refusal->code, ErrorCode::invalid_change);
  auto held = server_.admin()->files().progress(root, kLeeds);
  ASSERT_TRUE(held && *held);
  EXPECT_EQ((*held)->next_chunk, 0u);

  ASSERT_TRUE(connection->send(protocol::FileChunk{root, 0, first}));
  auto next = connection->expect();
  ASSERT_TRUE(next) << next.error().message;
  ASSERT_TRUE(std::holds_alternative<protocol::FileWanted>(*next)) << protocol::message_name(*next);
  EXPECT_EQ(std::get<protocol::FileWanted>(*next).next_chunk, 1u);
  ASSERT_TRUE(connection->send(protocol::FileChunk{root, 1, Bytes(content.begin() + kChunk, content.end())}));
  auto whole = connection->expect();
  ASSERT_TRUE(whole) << whole.error().message;
  ASSERT_TRUE(std::holds_alternative<protocol::FileWanted>(*whole)) << protocol::message_name(*whole);
  EXPECT_EQ(std::get<protocol::FileWanted>(*whole).next_chunk, 2u);
  EXPECT_EQ(head_office_copy(root), content);
}

TEST_F(FileTransfer, AnUploadCutPartWayResumesWhereHeadOfficeGotTo) {
  auto leeds = server_.enrol(stores_ / "leeds", "Sam Patel", kLeeds, Role::member);
  const Bytes content = file_content(5 * kChunk + 1, 5);
  auto root = leeds->files().put(content, kLeeds, 0);
  ASSERT_TRUE(root) << root.error().message;
  auto manifest = leeds->files().manifest(*root);
  ASSERT_TRUE(manifest && *manifest);
  {
    // Two chunks reach head office, then the laptop goes.
    auto connection = session(*leeds);
    ASSERT_TRUE(connection->send(protocol::PutFile{*root, kLeeds, **manifest}));
    ASSERT_TRUE(connection->expect());
    for (std::uint32_t index = 0; index < 2; ++index) {
      auto bytes = leeds->files().chunk(*root, index);
      ASSERT_TRUE(bytes) << bytes.error().message;
      ASSERT_TRUE(connection->send(protocol::FileChunk{*root, index, *bytes}));
      auto answer = connection->expect();
      ASSERT_TRUE(answer) << answer.error().message;
      ASSERT_TRUE(std::holds_alternative<protocol::FileWanted>(*answer)) << protocol::message_name(*answer);
    }
  }
  auto uploaded = client::upload_files(*session(*leeds), leeds->files(), {{*root, kLeeds, "resumed.pdf"}});
  ASSERT_TRUE(uploaded) << uploaded.error().message;
  EXPECT_EQ(uploaded->uploaded, 1u);
  EXPECT_EQ(uploaded->bytes_sent, content.size() - 2 * kChunk);
  EXPECT_EQ(head_office_copy(*root), content);
}

}  // namespace
}  // namespace dsptsync::testing
