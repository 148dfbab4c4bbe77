// The policy library's file store (file_store.h): manifests and root hashes, and the chunks kept sealed
// through the Store interface. Hashing is libsodium's BLAKE2b (crypto_generichash), sealing crypto::seal.
#include "dsptsync/file_store.h"

#include "dsptsync/limits.h"
#include "dsptsync/tuning.h"

#include <sodium.h>

#include <charconv>
#include <cstring>

namespace dsptsync::files {
namespace {

constexpr std::string_view kRootContext = "dsptsync file v1";

Hash blake2b(ByteView bytes) {
  Hash hash{};
  crypto_generichash(hash.data(), hash.size(), bytes.data(), bytes.size(), nullptr, 0);
  return hash;
}

template <class Integer>
void append_little_endian(Bytes& out, Integer value) {
  for (std::size_t i = 0; i < sizeof(Integer); ++i) out.push_back(static_cast<std::uint8_t>(value >> (8 * i)));
}

template <class Integer>
Integer read_little_endian(ByteView bytes) {
  Integer value = 0;
  for (std::size_t i = 0; i < sizeof(Integer); ++i) value |= static_cast<Integer>(bytes[i]) << (8 * i);
  return value;
}

std::string mib(std::uint64_t bytes) { return std::to_string(bytes / (1024 * 1024)) + " MiB"; }

std::uint32_t chunk_count_for(std::uint64_t size, std::uint32_t chunk_bytes) {
  return static_cast<std::uint32_t>((size + chunk_bytes - 1) / chunk_bytes);
}

// The manifest as the store keeps it: chunk size (u32), then the chunk hashes; the size has its own
// column, as it is what the quota adds up.
Bytes encode_manifest(const Manifest& manifest) {
  Bytes out;
  out.reserve(4 + manifest.chunks.size() * sizeof(Hash));
  append_little_endian(out, manifest.chunk_bytes);
  for (const auto& hash : manifest.chunks) out.insert(out.end(), hash.begin(), hash.end());
  return out;
}

// A stored manifest is trusted no more than a received one: it must still be the manifest of its root,
// so an altered row in the database is found before any chunk is served by it.
Result<Manifest> decode_manifest(const StoredFile& file, const Hash& root) {
  const Bytes& bytes = file.manifest;
  if (bytes.size() < 4 || (bytes.size() - 4) % sizeof(Hash) != 0)
    return corrupt("the stored manifest of file " + file.root + " is damaged (" + std::to_string(bytes.size()) +
                   " bytes)");
  Manifest manifest;
  manifest.size = file.size;
  manifest.chunk_bytes = read_little_endian<std::uint32_t>(bytes);
  for (std::size_t at = 4; at < bytes.size(); at += sizeof(Hash)) {
    Hash hash{};
    std::memcpy(hash.data(), bytes.data() + at, hash.size());
    manifest.chunks.push_back(hash);
  }
  if (auto checked = check_manifest(manifest, root); !checked)
    return corrupt("the stored manifest of file " + file.root + " is damaged: " + checked.error().message);
  return manifest;
}

std::string chunk_associated_data(std::string_view root_hex, std::uint32_t index) {
  return "dsptsync file chunk " + std::string(root_hex) + " " + std::to_string(index);
}

// Seals and keeps a chunk, unless it is kept already (for this site or another): stored once.
Status keep_chunk(StoreTransaction& txn, const crypto::SecretKey& key, const std::string& hex, std::uint32_t index,
                  ByteView bytes) {
  auto held = txn.has_file_chunk(hex, index);
  if (!held) return held.error();
  if (*held) return {};
  return txn.add_file_chunk(hex, index, crypto::seal(key, bytes, chunk_associated_data(hex, index)));
}

Status check_size(std::uint64_t size) {
  if (size == 0) return invalid_input("the file is empty: there is nothing to keep");
  if (size > limits::kMaxFileBytes)
    return invalid_input("the file is " + mib(size) + ", more than the " + mib(limits::kMaxFileBytes) +
                         " a file of the library may be (the DSPT's own upload takes no more)");
  return {};
}

Status check_quota(StoreTransaction& txn, std::uint64_t size, std::uint64_t quota) {
  if (quota == 0) return {};
  auto stored = txn.stored_file_bytes();
  if (!stored) return stored.error();
  if (*stored + size <= quota) return {};
  return refused("the library holds " + mib(*stored) + " of its " + mib(quota) + " quota, and this file (" +
                 std::to_string(size) +
                 " bytes) does not fit: ask head office to raise the quota "
                 "('dsptsync-server doc quota --set')");
}

// Records the file once; a file already recorded costs nothing more against the quota.
Status record_file(StoreTransaction& txn, const Hash& root, const Manifest& manifest, std::uint64_t quota) {
  const std::string hex = to_hex(root);
  auto existing = txn.file(hex);
  if (!existing) return existing.error();
  if (*existing) return {};
  if (auto s = check_quota(txn, manifest.size, quota); !s) return s;
  return txn.add_file({hex, manifest.size, encode_manifest(manifest), now_ms()});
}

// Whether `bytes` are the chunk this site waits for: the next index, the manifest's length and hash.
Status check_next_chunk(const Manifest& manifest, const FileProgress& progress, const std::string& hex,
                        std::uint32_t index, ByteView bytes) {
  const std::string chunk = "chunk " + std::to_string(index) + " of file " + hex;
  if (progress.complete()) return refused("file " + hex + " is already complete here: no chunk is wanted");
  if (index != progress.next_chunk)
    return refused(chunk + " is out of order: chunk " + std::to_string(progress.next_chunk) +
                   " is the next one wanted");
  if (bytes.size() != chunk_length(manifest, index))
    return invalid_input(chunk + " is " + std::to_string(bytes.size()) + " bytes; its manifest says " +
                         std::to_string(chunk_length(manifest, index)));
  if (blake2b(bytes) != manifest.chunks[index])
    return invalid_input(chunk +
                         " does not match its hash in the manifest: the file changed or was damaged on "
                         "the way");
  return {};
}

}  // namespace

// ----- manifests -----

Hash root_of(const Manifest& manifest) {
  crypto_generichash_state state;
  crypto_generichash_init(&state, nullptr, 0, sizeof(Hash));
  Bytes header(kRootContext.begin(), kRootContext.end());
  append_little_endian(header, manifest.size);
  append_little_endian(header, manifest.chunk_bytes);
  crypto_generichash_update(&state, header.data(), header.size());
  for (const auto& hash : manifest.chunks) crypto_generichash_update(&state, hash.data(), hash.size());
  Hash root{};
  crypto_generichash_final(&state, root.data(), root.size());
  return root;
}

Result<Manifest> manifest_of(ByteView content) {
  if (auto s = check_size(content.size()); !s) return s.error();
  Manifest manifest;
  manifest.size = content.size();
  manifest.chunk_bytes = static_cast<std::uint32_t>(tuning::kFileChunkBytes);
  for (std::size_t at = 0; at < content.size(); at += manifest.chunk_bytes)
    manifest.chunks.push_back(
        blake2b(content.subspan(at, std::min<std::size_t>(manifest.chunk_bytes, content.size() - at))));
  return manifest;
}

Status check_manifest(const Manifest& manifest, const Hash& root) {
  if (auto s = check_size(manifest.size); !s) return s;
  // One chunk size for every file: it bounds a chunk to a frame and a manifest to 100 hashes.
  if (manifest.chunk_bytes != tuning::kFileChunkBytes)
    return invalid_input("the manifest's chunk size is " + std::to_string(manifest.chunk_bytes) + " bytes, not the " +
                         std::to_string(tuning::kFileChunkBytes) + " this version of dsptsync uses");
  const std::uint32_t expected = chunk_count_for(manifest.size, manifest.chunk_bytes);
  if (manifest.chunks.size() != expected)
    return invalid_input("the manifest lists " + std::to_string(manifest.chunks.size()) + " chunks, but a file of " +
                         std::to_string(manifest.size) + " bytes has " + std::to_string(expected));
  if (root_of(manifest) != root)
    return invalid_input("the manifest is not that of file " + to_hex(root) + " (its hashes do not add up to it)");
  return {};
}

std::size_t chunk_length(const Manifest& manifest, std::uint32_t index) {
  if (manifest.chunks.empty() || index >= manifest.chunks.size()) return 0;
  if (index + 1 < manifest.chunks.size()) return manifest.chunk_bytes;
  return static_cast<std::size_t>(manifest.size - std::uint64_t{manifest.chunk_bytes} * index);
}

std::string to_hex(const Hash& hash) { return crypto::to_hex(hash); }

Result<Hash> parse_hash(std::string_view hex) {
  const bool well_formed =
      hex.size() == 2 * sizeof(Hash) && hex.find_first_not_of("0123456789abcdef") == std::string_view::npos;
  if (!well_formed)
    return invalid_input("'" + std::string(hex.substr(0, 80)) +
                         "' is not a file's hash: that is 64 lower-case hex digits (0-9, a-f)");
  auto bytes = crypto::from_hex(hex);
  if (!bytes) return bytes.error();
  Hash hash{};
  std::memcpy(hash.data(), bytes->data(), hash.size());
  return hash;
}

Result<std::uint64_t> quota_of(Store& store) {
  auto text = store.setting(kQuotaSetting);
  if (!text) return text.error();
  if (!*text) return limits::kDefaultFileQuotaBytes;
  std::uint64_t quota = 0;
  const char* end = (*text)->data() + (*text)->size();
  auto [stop, error] = std::from_chars((*text)->data(), end, quota);
  if (error != std::errc() || stop != end || (*text)->empty())
    return corrupt("the library's quota setting (" + std::string(kQuotaSetting) + ") is '" + **text +
                   "', not a number of bytes");
  return quota;
}

// ----- the stored files -----

FileStore::FileStore(Store& store, crypto::SecretKey key) : store_(store), key_(std::move(key)) {}

Result<Hash> FileStore::put(ByteView content, std::string_view scope, std::uint64_t quota) {
  auto manifest = manifest_of(content);
  if (!manifest) return manifest.error();
  const Hash root = root_of(*manifest);
  const std::string hex = to_hex(root);
  auto txn = store_.begin();
  if (!txn) return txn.error();
  if (auto s = record_file(**txn, root, *manifest, quota); !s) return s.error();
  const auto count = static_cast<std::uint32_t>(manifest->chunks.size());
  for (std::uint32_t index = 0; index < count; ++index) {
    const auto bytes = content.subspan(std::size_t{index} * manifest->chunk_bytes, chunk_length(*manifest, index));
    if (auto s = keep_chunk(**txn, key_, hex, index, bytes); !s) return s.error();
  }
  if (auto s = (*txn)->put_file_progress(hex, scope, count); !s) return s.error();
  if (auto s = (*txn)->commit(); !s) return s.error();
  return root;
}

Result<FileProgress> FileStore::begin(const Hash& root, const Manifest& manifest, std::string_view scope,
                                      std::uint64_t quota) {
  if (auto s = check_manifest(manifest, root); !s) return s.error();
  const std::string hex = to_hex(root);
  auto txn = store_.begin();
  if (!txn) return txn.error();
  if (auto s = record_file(**txn, root, manifest, quota); !s) return s.error();
  auto next = (*txn)->file_progress(hex, scope);
  if (!next) return next.error();
  if (!*next) {
    if (auto s = (*txn)->put_file_progress(hex, scope, 0); !s) return s.error();
  }
  if (auto s = (*txn)->commit(); !s) return s.error();
  return FileProgress{next->value_or(0), static_cast<std::uint32_t>(manifest.chunks.size())};
}

Result<FileProgress> FileStore::add_chunk(const Hash& root, std::string_view scope, std::uint32_t index,
                                          ByteView bytes) {
  const std::string hex = to_hex(root);
  auto txn = store_.begin();
  if (!txn) return txn.error();
  auto file = (*txn)->file(hex);
  if (!file) return file.error();
  if (!*file) return not_found("file " + hex + " was never begun here: send its manifest first");
  auto manifest = decode_manifest(**file, root);
  if (!manifest) return manifest.error();
  auto next = (*txn)->file_progress(hex, scope);
  if (!next) return next.error();
  if (!*next)
    return not_found("file " + hex + " was never begun for " + std::string(scope) + ": send its manifest first");
  const FileProgress before{**next, static_cast<std::uint32_t>(manifest->chunks.size())};
  if (auto s = check_next_chunk(*manifest, before, hex, index, bytes); !s) return s.error();
  if (auto s = keep_chunk(**txn, key_, hex, index, bytes); !s) return s.error();
  if (auto s = (*txn)->put_file_progress(hex, scope, index + 1); !s) return s.error();
  if (auto s = (*txn)->commit(); !s) return s.error();
  return FileProgress{index + 1, before.chunk_count};
}

Result<std::optional<Manifest>> FileStore::manifest(const Hash& root) {
  auto file = store_.file(to_hex(root));
  if (!file) return file.error();
  if (!*file) return std::optional<Manifest>();
  auto manifest = decode_manifest(**file, root);
  if (!manifest) return manifest.error();
  return std::optional<Manifest>(std::move(*manifest));
}

Result<std::optional<FileProgress>> FileStore::progress(const Hash& root, std::string_view scope) {
  auto manifest = this->manifest(root);
  if (!manifest) return manifest.error();
  if (!*manifest) return std::optional<FileProgress>();
  auto next = store_.file_progress(to_hex(root), scope);
  if (!next) return next.error();
  if (!*next) return std::optional<FileProgress>();
  return std::optional<FileProgress>(FileProgress{**next, static_cast<std::uint32_t>((*manifest)->chunks.size())});
}

Result<bool> FileStore::held_by_any(const Hash& root, const std::vector<std::string>& scopes) {
  for (const auto& scope : scopes) {
    auto progress = this->progress(root, scope);
    if (!progress) return progress.error();
    if (*progress && (*progress)->complete()) return true;
  }
  return false;
}

Result<Bytes> FileStore::chunk(const Hash& root, std::uint32_t index) {
  auto manifest = this->manifest(root);
  if (!manifest) return manifest.error();
  auto opened = open_chunks(root, *manifest, index, 1);
  if (!opened) return opened.error();
  Bytes& bytes = opened->front();
  if (blake2b(bytes) != (**manifest).chunks[index])
    return corrupt("chunk " + std::to_string(index) + " of file " + to_hex(root) + " does not match its manifest");
  return std::move(bytes);
}

Result<std::vector<Bytes>> FileStore::chunks(const Hash& root, std::uint32_t first, std::uint32_t count) {
  auto manifest = this->manifest(root);
  if (!manifest) return manifest.error();
  return open_chunks(root, *manifest, first, count);
}

Result<std::vector<Bytes>> FileStore::open_chunks(const Hash& root, const std::optional<Manifest>& manifest,
                                                  std::uint32_t first, std::uint32_t count) {
  const std::string hex = to_hex(root);
  if (!manifest) return not_found("there is no file " + hex + " here");
  auto kept = store_.file_chunks_kept(hex);
  if (!kept) return kept.error();
  if (*kept != manifest->chunks.size()) return not_found("file " + hex + " is not complete here yet");
  if (first >= manifest->chunks.size() || count > manifest->chunks.size() - first)
    return invalid_input("file " + hex + " has " + std::to_string(manifest->chunks.size()) +
                         " chunks; there are no chunks " + std::to_string(first) + " to " +
                         std::to_string(std::uint64_t{first} + count - 1));
  std::vector<Bytes> opened;
  for (std::uint32_t index = first; index < first + count; ++index) {
    auto sealed = store_.file_chunk(hex, index);
    if (!sealed) return sealed.error();
    if (!*sealed) return corrupt("chunk " + std::to_string(index) + " of file " + hex + " is missing from the store");
    auto bytes = crypto::open(key_, **sealed, chunk_associated_data(hex, index));
    if (!bytes)
      return corrupt("chunk " + std::to_string(index) + " of file " + hex +
                     " cannot be opened: " + bytes.error().message);
    if (bytes->size() != chunk_length(*manifest, index))
      return corrupt("chunk " + std::to_string(index) + " of file " + hex + " does not match its manifest");
    opened.push_back(std::move(*bytes));
  }
  return opened;
}

Result<Bytes> FileStore::read(const Hash& root) {
  auto manifest = this->manifest(root);
  if (!manifest) return manifest.error();
  if (!*manifest) return not_found("there is no file " + to_hex(root) + " here");
  Bytes content;
  content.reserve(static_cast<std::size_t>((*manifest)->size));
  // Each chunk is checked against the manifest, and the manifest against the root: the whole is the file.
  for (std::uint32_t index = 0; index < (*manifest)->chunks.size(); ++index) {
    auto bytes = chunk(root, index);
    if (!bytes) return bytes.error();
    content.insert(content.end(), bytes->begin(), bytes->end());
  }
  return content;
}

Result<std::uint64_t> FileStore::stored_bytes() { return store_.stored_file_bytes(); }

}  // namespace dsptsync::files
