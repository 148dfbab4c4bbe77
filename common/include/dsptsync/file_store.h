// The files of the policy library (docs/documents.md): content-addressed, cut into chunks, each chunk
// sealed at rest on its own, on head office and on every laptop alike.
//
// A file is named by its root hash: BLAKE2b-256 over a context string, the file's size, the chunk size
// and the BLAKE2b-256 of every chunk in order (its Manifest). The manifest travels first, so every chunk
// is checked against it as it arrives, a transfer resumes after the last chunk kept, and a chunk that
// does not match (a changed file, a hostile peer) is refused before it is stored. A file's bytes are
// stored once however many documents, versions or sites refer to it; which sites hold it (its
// references) decides who may fetch it.
#pragma once

#include "dsptsync/bytes.h"
#include "dsptsync/crypto.h"
#include "dsptsync/error.h"
#include "dsptsync/store.h"
#include "dsptsync/time.h"

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dsptsync::files {

using Hash = std::array<std::uint8_t, 32>;

// Everything about a file but its bytes: enough to check each chunk on its own.
struct Manifest {
  std::uint64_t size = 0;
  std::uint32_t chunk_bytes = 0;  // every chunk but the last is this long (tuning::kFileChunkBytes)
  std::vector<Hash> chunks;       // BLAKE2b-256 of each chunk, in order
  friend bool operator==(const Manifest&, const Manifest&) = default;
};

// The file's name: BLAKE2b-256 of "dsptsync file v1", size and chunk size (little-endian u64, u32),
// then every chunk hash.
Hash root_of(const Manifest& manifest);
// Cuts content into chunks and hashes them. Refuses an empty file and one over limits::kMaxFileBytes.
Result<Manifest> manifest_of(ByteView content);
// A manifest from elsewhere: its counts agree with its size, it is within the limits, and it is the
// manifest of `root`. The error says which.
Status check_manifest(const Manifest& manifest, const Hash& root);
// Bytes of chunk `index` of a file of this manifest (the last chunk is shorter).
std::size_t chunk_length(const Manifest& manifest, std::uint32_t index);

std::string to_hex(const Hash& hash);
// A root hash as people and messages write it: 64 lower-case hex digits.
Result<Hash> parse_hash(std::string_view hex);

// ----- what a file is -----

// The kinds of file the library takes, told by their content (their first bytes, and for the zip
// based formats the type their package declares), never by their name alone.
enum class FileType { pdf, docx, xlsx, odt, png, jpeg, txt };
std::string_view to_string(FileType type);   // "pdf"
std::string_view media_type(FileType type);  // "application/pdf": what a download is served as
std::string_view extension(FileType type);   // ".pdf"
Result<FileType> parse_file_type(std::string_view text);
// What the content is; refused when it is none of the kinds, or when `name` has an extension that
// says another kind (a PDF named policy.docx). The error names the kinds accepted.
Result<FileType> sniff_type(ByteView content, std::string_view name);
// A file name as it is kept and offered back, white space around it trimmed first: refused (with the
// fault named) when empty, over limits::kMaxFileNameBytes, not UTF-8, with a path separator ('/' or
// '\\'), a control character, or when it is "." or "..".
Result<std::string> check_file_name(std::string_view name);

// A file of the library as sync moves it: which file, for which site (the document's scope), and the
// name people know it by (for progress and errors).
struct LibraryFile {
  Hash root{};
  std::string scope;
  std::string name;
};

// The organisation's quota (head office's setting kQuotaSetting, bytes as decimal text), or
// limits::kDefaultFileQuotaBytes when it has set none.
inline constexpr std::string_view kQuotaSetting = "library_quota_bytes";
Result<std::uint64_t> quota_of(Store& store);

// ----- the stored files -----

// How far a file has come for one site: chunks are received in order, so `next_chunk` chunks are
// kept; complete when it equals the manifest's count.
struct FileProgress {
  std::uint32_t next_chunk = 0;
  std::uint32_t chunk_count = 0;
  bool complete() const { return next_chunk == chunk_count; }
};

class FileStore {
 public:
  // `key` is the store's key at rest (store_keys.h): each chunk is sealed with it, bound to its
  // file and place, so a chunk moved within the database fails to open.
  FileStore(Store& store, crypto::SecretKey key);

  // Keeps a whole file held in memory for `scope` (head office's upload, a laptop's attach), durable
  // on return. The same bytes already kept cost nothing more. `quota`: refused when the library would
  // hold more than this many bytes in all (0: no quota, a laptop's own copy).
  Result<Hash> put(ByteView content, std::string_view scope, std::uint64_t quota);
  // Receiving a file for `scope` (an upload at head office, a download on a laptop): starts it from its
  // manifest or resumes it, and says which chunk to send next. Refused when the manifest is not that
  // of `root`, or it would go over `quota` (0: none).
  Result<FileProgress> begin(const Hash& root, const Manifest& manifest, std::string_view scope, std::uint64_t quota);
  // One chunk, durable on return: refused when it is not the next one this site is waiting for, or
  // its bytes do not match the manifest. A site that receives a file already held from another still
  // sends every chunk, and each is checked: holding the bytes is the proof it may refer to them.
  Result<FileProgress> add_chunk(const Hash& root, std::string_view scope, std::uint32_t index, ByteView bytes);

  Result<std::optional<Manifest>> manifest(const Hash& root);
  // How far `scope` has come with the file; nullopt when it never started it.
  Result<std::optional<FileProgress>> progress(const Hash& root, std::string_view scope);
  // Whether any of `scopes` holds the whole file: the rule for who may fetch it.
  Result<bool> held_by_any(const Hash& root, const std::vector<std::string>& scopes);
  // One chunk of a complete file, opened and checked against the manifest.
  Result<Bytes> chunk(const Hash& root, std::uint32_t index);
  // Chunks `first` to `first + count - 1` of a complete file, opened, as head office serves them. Not
  // hashed again: a chunk's seal binds it to its file and place, and it was checked against the
  // manifest before it was sealed, so one that opens is that chunk (and the laptop checks it too).
  Result<std::vector<Bytes>> chunks(const Hash& root, std::uint32_t first, std::uint32_t count);
  // The whole file, checked against its root; not_found until it is complete.
  Result<Bytes> read(const Hash& root);
  // Bytes of every distinct file kept or being received: what counts against the quota.
  Result<std::uint64_t> stored_bytes();

 private:
  // Opens the chunks of a complete file, each of the length its manifest says.
  Result<std::vector<Bytes>> open_chunks(const Hash& root, const std::optional<Manifest>& manifest, std::uint32_t first,
                                         std::uint32_t count);
  Store& store_;
  crypto::SecretKey key_;
};

}  // namespace dsptsync::files
