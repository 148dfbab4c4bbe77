// The policy library's file store against real SQLite files and real crypto: whole files and chunked
// transfers, their refusals, the quota, what is on disk, and what kinds of file are taken.
#include "dsptsync/file_store.h"

#include "dsptsync/limits.h"
#include "dsptsync/sqlite_store.h"
#include "dsptsync/tuning.h"

#include "test_support.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <zip.h>

#include <fstream>
#include <iterator>

namespace dsptsync::files {
namespace {

using testing::TempDir;

constexpr std::string_view kMarker = "Caldicott-guardian-rota-of-Leeds-branch";

// 1 MiB + 5 bytes of text with a distinctive line, so it is five chunks, the last 5 bytes long.
Bytes multi_chunk_content() {
  std::string text;
  while (text.size() < 1024 * 1024 + 5) text += std::string(kMarker) + " line " + std::to_string(text.size()) + "\n";
  text.resize(1024 * 1024 + 5);
  return Bytes(text.begin(), text.end());
}

ByteView chunk_of(const Bytes& content, std::uint32_t index) {
  const std::size_t at = std::size_t{index} * tuning::kFileChunkBytes;
  return ByteView(content).subspan(at, std::min(tuning::kFileChunkBytes, content.size() - at));
}

Bytes read_all(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::int64_t count_rows(const std::filesystem::path& path, const char* sql) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open(path.string().c_str(), &db), SQLITE_OK);
  sqlite3_stmt* statement = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, sql, -1, &statement, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
  EXPECT_EQ(sqlite3_step(statement), SQLITE_ROW);
  const std::int64_t count = sqlite3_column_int64(statement, 0);
  sqlite3_finalize(statement);
  sqlite3_close(db);
  return count;
}

class FileStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { open(); }

  void open() {
    files.reset();
    store.reset();
    auto opened = open_sqlite_store(path(), {.create_if_missing = true});
    ASSERT_TRUE(opened) << opened.error().message;
    store = std::move(*opened);
    files = std::make_unique<FileStore>(*store, key);
  }

  std::filesystem::path path() const { return dir / "store.db"; }

  Hash put(const Bytes& content, std::string_view scope = "VLAXL", std::uint64_t quota = 0) {
    auto root = files->put(content, scope, quota);
    EXPECT_TRUE(root) << root.error().message;
    return root ? *root : Hash{};
  }

  std::uint64_t stored() {
    auto bytes = files->stored_bytes();
    EXPECT_TRUE(bytes) << bytes.error().message;
    return bytes ? *bytes : 0;
  }

  std::uint32_t chunks_kept(const Hash& root) {
    auto kept = store->file_chunks_kept(to_hex(root));
    EXPECT_TRUE(kept) << kept.error().message;
    return kept ? *kept : 0;
  }

  // Sends every chunk for `scope` after beginning, checking each answer.
  void send_all(const Hash& root, const Bytes& content, std::string_view scope, std::uint32_t from = 0) {
    const auto count =
        static_cast<std::uint32_t>((content.size() + tuning::kFileChunkBytes - 1) / tuning::kFileChunkBytes);
    for (std::uint32_t index = from; index < count; ++index) {
      auto progress = files->add_chunk(root, scope, index, chunk_of(content, index));
      ASSERT_TRUE(progress) << progress.error().message;
      EXPECT_EQ(progress->next_chunk, index + 1);
    }
  }

  TempDir dir;
  crypto::SecretKey key = crypto::SecretKey::random();
  std::unique_ptr<Store> store;
  std::unique_ptr<FileStore> files;
};

TEST_F(FileStoreTest, AMultiChunkFileComesBackWhole) {
  const Bytes content = multi_chunk_content();
  const Hash root = put(content);
  auto manifest = files->manifest(root);
  ASSERT_TRUE(manifest && *manifest);
  EXPECT_EQ((*manifest)->chunks.size(), 5u);
  EXPECT_EQ(chunk_length(**manifest, 4), 5u);
  EXPECT_EQ(root, root_of(**manifest));
  auto read = files->read(root);
  ASSERT_TRUE(read) << read.error().message;
  EXPECT_EQ(*read, content);
  EXPECT_EQ(stored(), content.size());
  auto progress = files->progress(root, "VLAXL");
  ASSERT_TRUE(progress && *progress);
  EXPECT_TRUE((*progress)->complete());
  EXPECT_TRUE(*files->held_by_any(root, {"RX1", "VLAXL"}));
  EXPECT_FALSE(*files->held_by_any(root, {"RX1"}));
  auto last = files->chunk(root, 4);
  ASSERT_TRUE(last) << last.error().message;
  EXPECT_EQ(*last, Bytes(content.end() - 5, content.end()));
}

TEST_F(FileStoreTest, ATransferResumesAfterTheLastChunkKeptWhenTheStoreIsOpenedAgain) {
  const Bytes content = multi_chunk_content();
  auto manifest = manifest_of(content);
  ASSERT_TRUE(manifest);
  const Hash root = root_of(*manifest);
  auto started = files->begin(root, *manifest, "VLAXL", 0);
  ASSERT_TRUE(started) << started.error().message;
  EXPECT_EQ(started->next_chunk, 0u);
  EXPECT_EQ(started->chunk_count, 5u);
  for (std::uint32_t index = 0; index < 2; ++index)
    ASSERT_TRUE(files->add_chunk(root, "VLAXL", index, chunk_of(content, index)));
  auto incomplete = files->read(root);
  ASSERT_FALSE(incomplete);
  EXPECT_EQ(incomplete.error().kind, ErrorKind::not_found);

  open();
  auto resumed = files->begin(root, *manifest, "VLAXL", 0);
  ASSERT_TRUE(resumed) << resumed.error().message;
  EXPECT_EQ(resumed->next_chunk, 2u);
  send_all(root, content, "VLAXL", 2);
  auto read = files->read(root);
  ASSERT_TRUE(read) << read.error().message;
  EXPECT_EQ(*read, content);
}

TEST_F(FileStoreTest, AChunkOutOfOrderOrNotMatchingItsHashIsRefusedAndNothingIsKept) {
  const Bytes content = multi_chunk_content();
  auto manifest = manifest_of(content);
  ASSERT_TRUE(manifest);
  const Hash root = root_of(*manifest);
  ASSERT_TRUE(files->begin(root, *manifest, "VLAXL", 0));

  auto skipped = files->add_chunk(root, "VLAXL", 1, chunk_of(content, 1));
  ASSERT_FALSE(skipped);
  EXPECT_EQ(skipped.error().kind, ErrorKind::refused);
  EXPECT_NE(skipped.error().message.find("out of order"), std::string::npos) << skipped.error().message;

  Bytes altered(chunk_of(content, 0).begin(), chunk_of(content, 0).end());
  altered[100] ^= 1;
  auto wrong = files->add_chunk(root, "VLAXL", 0, altered);
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().kind, ErrorKind::invalid_input);
  EXPECT_NE(wrong.error().message.find("does not match its hash"), std::string::npos) << wrong.error().message;

  auto short_chunk = files->add_chunk(root, "VLAXL", 0, chunk_of(content, 0).first(10));
  ASSERT_FALSE(short_chunk);
  EXPECT_NE(short_chunk.error().message.find("its manifest says"), std::string::npos);

  EXPECT_EQ(chunks_kept(root), 0u);
  EXPECT_EQ(count_rows(path(), "SELECT count(*) FROM file_chunks"), 0);
  EXPECT_EQ((*files->progress(root, "VLAXL"))->next_chunk, 0u);
  send_all(root, content, "VLAXL");
  EXPECT_EQ(*files->read(root), content);
  auto more = files->add_chunk(root, "VLAXL", 5, chunk_of(content, 4));
  ASSERT_FALSE(more);
  EXPECT_NE(more.error().message.find("already complete"), std::string::npos);
}

TEST_F(FileStoreTest, ASecondSiteSendsEveryChunkButTheBytesAreKeptOnce) {
  const Bytes content = multi_chunk_content();
  const Hash root = put(content, "VLAXL");
  const std::uint64_t before = stored();
  auto manifest = files->manifest(root);
  ASSERT_TRUE(manifest && *manifest);

  auto started = files->begin(root, **manifest, "RX1", 1);  // already kept: costs nothing against any quota
  ASSERT_TRUE(started) << started.error().message;
  EXPECT_EQ(started->next_chunk, 0u) << "holding the bytes is the proof: the second site sends them all";
  EXPECT_FALSE(*files->held_by_any(root, {"RX1"}));
  ASSERT_FALSE(files->add_chunk(root, "RX1", 3, chunk_of(content, 3)));
  Bytes altered(chunk_of(content, 0).begin(), chunk_of(content, 0).end());
  altered[0] ^= 0x20;
  ASSERT_FALSE(files->add_chunk(root, "RX1", 0, altered));
  send_all(root, content, "RX1");

  EXPECT_TRUE(*files->held_by_any(root, {"RX1"}));
  EXPECT_EQ(stored(), before);
  EXPECT_EQ(count_rows(path(), "SELECT count(*) FROM file_chunks"), 5);
  EXPECT_EQ(count_rows(path(), "SELECT count(*) FROM files"), 1);
  EXPECT_EQ(count_rows(path(), "SELECT count(*) FROM file_holders"), 2);
  EXPECT_EQ(*files->read(root), content);

  const Hash again = put(content, "RX2");  // a whole put of bytes already kept stores nothing more
  EXPECT_EQ(again, root);
  EXPECT_EQ(count_rows(path(), "SELECT count(*) FROM file_chunks"), 5);
}

TEST_F(FileStoreTest, TheQuotaRefusesANewFileButNotOneAlreadyKept) {
  const Bytes first(1000, 'a');
  const Bytes second(500, 'b');
  put(first, "VLAXL", 1200);
  auto over = files->put(second, "VLAXL", 1200);
  ASSERT_FALSE(over);
  EXPECT_EQ(over.error().kind, ErrorKind::refused);
  EXPECT_NE(over.error().message.find("quota"), std::string::npos) << over.error().message;
  EXPECT_EQ(stored(), 1000u);

  auto manifest = manifest_of(second);
  ASSERT_TRUE(manifest);
  auto begun = files->begin(root_of(*manifest), *manifest, "VLAXL", 1200);
  ASSERT_FALSE(begun);
  EXPECT_EQ(begun.error().kind, ErrorKind::refused);
  EXPECT_FALSE(*files->manifest(root_of(*manifest))) << "nothing recorded of a refused file";

  put(first, "RX1", 1000);  // the same bytes again: within a quota they fill exactly
  put(second, "VLAXL", 0);  // 0: no quota
  EXPECT_EQ(stored(), 1500u);
}

TEST_F(FileStoreTest, AnEmptyFileAndOneOverTheLimitAreRefused) {
  auto empty = files->put({}, "VLAXL", 0);
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().kind, ErrorKind::invalid_input);
  EXPECT_NE(empty.error().message.find("empty"), std::string::npos);

  const Bytes huge(limits::kMaxFileBytes + 1, 'x');
  auto too_big = files->put(huge, "VLAXL", 0);
  ASSERT_FALSE(too_big);
  EXPECT_NE(too_big.error().message.find("25 MiB"), std::string::npos) << too_big.error().message;
  EXPECT_EQ(stored(), 0u);
  EXPECT_TRUE(files->put(Bytes(limits::kMaxFileBytes, 'x'), "VLAXL", 0)) << "exactly the limit is taken";
}

TEST_F(FileStoreTest, AManifestThatIsNotThatOfTheRootIsRefused) {
  auto manifest = manifest_of(multi_chunk_content());
  ASSERT_TRUE(manifest);
  const Hash root = root_of(*manifest);
  Manifest changed = *manifest;
  changed.chunks[2][0] ^= 1;
  auto refused_begin = files->begin(root, changed, "VLAXL", 0);
  ASSERT_FALSE(refused_begin);
  EXPECT_NE(refused_begin.error().message.find("not that of file"), std::string::npos);
  Manifest short_list = *manifest;
  short_list.chunks.pop_back();
  auto counted = check_manifest(short_list, root_of(short_list));
  ASSERT_FALSE(counted);
  EXPECT_NE(counted.error().message.find("lists 4 chunks"), std::string::npos) << counted.error().message;
  EXPECT_EQ(count_rows(path(), "SELECT count(*) FROM files"), 0);
  auto never = files->add_chunk(root, "VLAXL", 0, Bytes(10, 1));
  ASSERT_FALSE(never);
  EXPECT_EQ(never.error().kind, ErrorKind::not_found);
}

TEST_F(FileStoreTest, ThePlainContentIsNeverWrittenToTheDatabase) {
  const Bytes content = multi_chunk_content();
  put(content, "VLAXL");
  Bytes other(content);
  other[0] = 'X';  // another file, received chunk by chunk
  auto manifest = manifest_of(other);
  ASSERT_TRUE(manifest);
  ASSERT_TRUE(files->begin(root_of(*manifest), *manifest, "RX1", 0));
  send_all(root_of(*manifest), other, "RX1");
  for (const char* suffix : {"", "-wal"}) {
    const Bytes on_disk = read_all(path().string() + suffix);
    if (std::string_view(suffix).empty()) {
      ASSERT_FALSE(on_disk.empty());
    }
    const auto found = std::search(on_disk.begin(), on_disk.end(), kMarker.begin(), kMarker.end());
    EXPECT_EQ(found, on_disk.end()) << "the plain content is in store.db" << suffix;
  }
}

TEST_F(FileStoreTest, AChunkMovedWithinTheDatabaseFailsToOpen) {
  const Bytes content = multi_chunk_content();
  const Hash root = put(content);
  files.reset();
  store.reset();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path().string().c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db,
                         "UPDATE file_chunks SET sealed = (SELECT sealed FROM file_chunks WHERE chunk = 0) "
                         "WHERE chunk = 1",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  open();
  auto read = files->read(root);
  ASSERT_FALSE(read);
  EXPECT_EQ(read.error().kind, ErrorKind::corrupt);
  EXPECT_NE(read.error().message.find("chunk 1"), std::string::npos) << read.error().message;
}

TEST_F(FileStoreTest, AStoreAtSchema11GainsTheFileTables) {
  files.reset();
  store.reset();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path().string().c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db,
                         "DROP TABLE file_holders; DROP TABLE file_chunks; DROP TABLE files; "
                         "DROP INDEX changes_of_incidents; PRAGMA user_version = 11;",
                         nullptr, nullptr, nullptr),
            SQLITE_OK)
      << sqlite3_errmsg(db);
  sqlite3_close(db);
  open();
  EXPECT_EQ(*store->schema_version(), 13);
  const Bytes content = multi_chunk_content();
  EXPECT_EQ(*files->read(put(content)), content);
}

TEST_F(FileStoreTest, TheQuotaIsTheSettingOrTheDefault) {
  EXPECT_EQ(*quota_of(*store), limits::kDefaultFileQuotaBytes);
  auto txn = store->begin();
  ASSERT_TRUE(txn);
  ASSERT_TRUE((*txn)->put_setting(kQuotaSetting, "1048576"));
  ASSERT_TRUE((*txn)->commit());
  EXPECT_EQ(*quota_of(*store), 1048576u);
  auto again = store->begin();
  ASSERT_TRUE(again);
  ASSERT_TRUE((*again)->put_setting(kQuotaSetting, "lots"));
  ASSERT_TRUE((*again)->commit());
  EXPECT_FALSE(quota_of(*store));
}

TEST(FileHash, HexRoundTripsAndRefusesOtherText) {
  auto manifest = manifest_of(as_bytes("hello"));
  ASSERT_TRUE(manifest);
  const Hash root = root_of(*manifest);
  const std::string hex = to_hex(root);
  EXPECT_EQ(hex.size(), 64u);
  EXPECT_EQ(*parse_hash(hex), root);
  std::string upper = hex;
  for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (upper != hex) {
    EXPECT_FALSE(parse_hash(upper));
  }
  EXPECT_FALSE(parse_hash(hex.substr(1)));
  EXPECT_FALSE(parse_hash(std::string(64, 'g')));
}

}  // namespace
}  // namespace dsptsync::files
