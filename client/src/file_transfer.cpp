#include "dsptsync/client/file_transfer.h"

#include "dsptsync/client/sync.h"
#include "dsptsync/tuning.h"

#include <algorithm>
#include <deque>

namespace dsptsync::client {
namespace {

using protocol::Message;

constexpr std::uint32_t kWindow = static_cast<std::uint32_t>(tuning::kFileFetchWindow);

// Bytes of the first `chunks` chunks: every chunk but the last is manifest.chunk_bytes long.
std::uint64_t bytes_before(const files::Manifest& manifest, std::uint32_t chunks) {
  if (chunks >= manifest.chunks.size()) return manifest.size;
  return std::uint64_t{chunks} * manifest.chunk_bytes;
}

// The next message about `root`: a file message for another file, or anything else, is the server
// breaking the protocol; an Error ends the session as everywhere in sync.
Result<Message> expect_about(Connection& connection, const files::Hash& root) {
  auto reply = connection.expect();
  if (!reply) return reply.error();
  if (auto* error = std::get_if<protocol::ErrorMessage>(&*reply)) return error_from_server(*error);
  const files::Hash* about = std::visit(
      [](const auto& m) -> const files::Hash* {
        if constexpr (requires { m.root; }) return &m.root;
        else return nullptr;
      },
      *reply);
  if (!about || *about != root)
    return make_error(ErrorKind::protocol, "head office answered a request for file " + files::to_hex(root) + " with " +
                                               std::string(protocol::message_name(*reply)));
  return std::move(*reply);
}

void record_refusal(FileTransferSummary& summary, const files::LibraryFile& file, bool upload, std::string code,
                    std::string message) {
  summary.refused.push_back({file, upload, std::move(code), std::move(message)});
}

void record_refusal(FileTransferSummary& summary, const files::LibraryFile& file, bool upload,
                    const protocol::FileRefused& refusal) {
  record_refusal(summary, file, upload, std::string(protocol::to_string(refusal.code)), refusal.message);
}

// A chunk that does not match its manifest, or a manifest not of its root: head office's copy is not
// the file named. Reported for this file; the others go on.
bool is_mismatch(const Error& error) {
  return error.kind == ErrorKind::corrupt || error.kind == ErrorKind::invalid_input;
}

void report(const FileProgressCallback& progress, const files::LibraryFile& file, bool upload, std::uint64_t done,
            std::uint64_t total) {
  if (progress) progress(FileTransferProgress{file, upload, done, total});
}

// The manifest of a file to fetch: kept here when an earlier transfer began it, else head office's.
// nullopt: refused (recorded in `summary`).
Result<std::optional<files::Manifest>> manifest_to_fetch(Connection& connection, files::FileStore& store,
                                                         const files::LibraryFile& file, bool begun,
                                                         FileTransferSummary& summary) {
  if (begun) {
    auto kept = store.manifest(file.root);
    if (!kept) return kept.error();
    if (*kept) return kept;
  }
  if (auto s = connection.send(protocol::FetchFile{file.root}); !s) return s.error();
  auto reply = expect_about(connection, file.root);
  if (!reply) return reply.error();
  if (auto* refusal = std::get_if<protocol::FileRefused>(&*reply)) {
    record_refusal(summary, file, false, *refusal);
    return std::optional<files::Manifest>();
  }
  auto* manifest = std::get_if<protocol::FileManifest>(&*reply);
  if (!manifest)
    return make_error(ErrorKind::protocol, "head office answered a request for a file's manifest with " +
                                               std::string(protocol::message_name(*reply)));
  if (auto checked = files::check_manifest(manifest->manifest, file.root); !checked) {
    record_refusal(summary, file, false, "corrupt",
                   "head office sent a manifest that is not this file's: " + checked.error().message);
    return std::optional<files::Manifest>();
  }
  return std::optional<files::Manifest>(std::move(manifest->manifest));
}

// The chunks of one file asked for and not yet received, request by request: head office answers each
// request with its chunks in order, or a FileRefused in place of the rest.
class Window {
 public:
  Window(Connection& connection, const files::Hash& root, std::uint32_t next, std::uint32_t count)
      : connection_(connection), root_(root), next_(next), count_(count) {}

  // Asks for more while fewer than a window's chunks are on their way.
  Status fill() {
    while (!stopped_ && next_ < count_ && in_flight_ < kWindow) {
      const std::uint32_t ask = std::min(kWindow - in_flight_, count_ - next_);
      if (auto s = connection_.send(protocol::FetchChunks{root_, next_, ask}); !s) return s;
      requests_.push_back(ask);
      in_flight_ += ask;
      next_ += ask;
    }
    return {};
  }
  bool waiting() const { return !requests_.empty(); }
  void chunk_arrived() {
    --in_flight_;
    if (--requests_.front() == 0) requests_.pop_front();
  }
  void request_refused() {
    in_flight_ -= requests_.front();
    requests_.pop_front();
  }
  // Asks for nothing more; what was asked for still comes, and is read and dropped.
  void stop() { stopped_ = true; }

 private:
  Connection& connection_;
  files::Hash root_;
  std::uint32_t next_;
  std::uint32_t count_;
  std::uint32_t in_flight_ = 0;
  std::deque<std::uint32_t> requests_;  // chunks still to come of each request, oldest first
  bool stopped_ = false;
};

Status fetch_one(Connection& connection, files::FileStore& store, const files::LibraryFile& file,
                 const FileProgressCallback& progress, FileTransferSummary& summary) {
  auto kept = store.progress(file.root, file.scope);
  if (!kept) return kept.error();
  if (*kept && (*kept)->complete()) return {};
  auto manifest = manifest_to_fetch(connection, store, file, kept->has_value(), summary);
  if (!manifest) return manifest.error();
  if (!*manifest) return {};
  auto begun = store.begin(file.root, **manifest, file.scope, 0);
  if (!begun) return begun.error();
  if (begun->complete()) {  // the bytes were here already, for another site
    ++summary.fetched;
    return {};
  }
  const files::Manifest& m = **manifest;
  std::uint32_t expected = begun->next_chunk;
  report(progress, file, false, bytes_before(m, expected), m.size);
  Window window(connection, file.root, begun->next_chunk, begun->chunk_count);
  bool failed = false;
  if (auto s = window.fill(); !s) return s;
  while (window.waiting()) {
    auto reply = expect_about(connection, file.root);
    if (!reply) return reply.error();
    if (auto* refusal = std::get_if<protocol::FileRefused>(&*reply)) {
      window.request_refused();
      if (!failed) record_refusal(summary, file, false, *refusal);
      failed = true;
      window.stop();
      continue;
    }
    auto* chunk = std::get_if<protocol::FileChunk>(&*reply);
    if (!chunk)
      return make_error(ErrorKind::protocol, "head office answered a request for chunks with " +
                                                 std::string(protocol::message_name(*reply)));
    window.chunk_arrived();
    if (failed) continue;
    summary.bytes_received += chunk->bytes.size();
    auto added = chunk->index == expected
                     ? store.add_chunk(file.root, file.scope, chunk->index, chunk->bytes)
                     : Result<files::FileProgress>(corrupt("head office sent chunk " + std::to_string(chunk->index) +
                                                           " where chunk " + std::to_string(expected) + " was due"));
    if (!added && !is_mismatch(added.error())) return added.error();
    if (!added) {
      record_refusal(summary, file, false, "corrupt", added.error().message);
      failed = true;
      window.stop();
      continue;
    }
    expected = added->next_chunk;
    report(progress, file, false, bytes_before(m, expected), m.size);
    if (added->complete()) ++summary.fetched;
    if (auto s = window.fill(); !s) return s;
  }
  return {};
}

// Sends the chunks head office wants of one file, at most a window unanswered at a time; each answer
// (FileWanted) says what it holds. Stops at a refusal, reading the answers still due.
Status send_chunks(Connection& connection, files::FileStore& store, const files::LibraryFile& file,
                   const files::Manifest& manifest, protocol::FileWanted wanted, const FileProgressCallback& progress,
                   FileTransferSummary& summary) {
  std::uint32_t next = wanted.next_chunk;
  std::uint32_t unanswered = 0;
  bool failed = false;
  for (;;) {
    while (!failed && next < wanted.chunk_count && unanswered < kWindow) {
      auto bytes = store.chunk(file.root, next);
      if (!bytes) return bytes.error();
      const std::size_t size = bytes->size();
      if (auto s = connection.send(protocol::FileChunk{file.root, next, std::move(*bytes)}); !s) return s;
      summary.bytes_sent += size;
      ++next;
      ++unanswered;
    }
    if (unanswered == 0) return {};
    auto reply = expect_about(connection, file.root);
    if (!reply) return reply.error();
    --unanswered;
    if (auto* refusal = std::get_if<protocol::FileRefused>(&*reply)) {
      if (!failed) record_refusal(summary, file, true, *refusal);
      failed = true;
      continue;
    }
    auto* answer = std::get_if<protocol::FileWanted>(&*reply);
    if (!answer)
      return make_error(ErrorKind::protocol,
                        "head office answered an uploaded chunk with " + std::string(protocol::message_name(*reply)));
    if (failed) continue;
    report(progress, file, true, bytes_before(manifest, answer->next_chunk), manifest.size);
    if (answer->next_chunk == answer->chunk_count) {
      ++summary.uploaded;
      summary.held_by_head_office.push_back(file.root);
      failed = true;  // done: read the answers still due, send nothing more
    }
  }
}

Status upload_one(Connection& connection, files::FileStore& store, const files::LibraryFile& file,
                  const FileProgressCallback& progress, FileTransferSummary& summary) {
  auto manifest = store.manifest(file.root);
  if (!manifest) return manifest.error();
  auto held = store.progress(file.root, file.scope);
  if (!held) return held.error();
  if (!*manifest || !*held || !(*held)->complete()) {
    record_refusal(summary, file, true, "not_found", "this laptop does not hold " + file.name + " whole");
    return {};
  }
  if (auto s = connection.send(protocol::PutFile{file.root, file.scope, **manifest}); !s) return s;
  auto reply = expect_about(connection, file.root);
  if (!reply) return reply.error();
  if (auto* refusal = std::get_if<protocol::FileRefused>(&*reply)) {
    record_refusal(summary, file, true, *refusal);
    return {};
  }
  auto* wanted = std::get_if<protocol::FileWanted>(&*reply);
  if (!wanted || wanted->chunk_count != (*manifest)->chunks.size() || wanted->next_chunk > wanted->chunk_count)
    return make_error(ErrorKind::protocol,
                      "head office answered an offered file with " + std::string(protocol::message_name(*reply)));
  report(progress, file, true, bytes_before(**manifest, wanted->next_chunk), (*manifest)->size);
  if (wanted->next_chunk == wanted->chunk_count) {
    ++summary.uploaded;  // head office had it whole already
    summary.held_by_head_office.push_back(file.root);
    return {};
  }
  return send_chunks(connection, store, file, **manifest, *wanted, progress, summary);
}

}  // namespace

Status fetch_files_into(Connection& connection, files::FileStore& store, const std::vector<files::LibraryFile>& wanted,
                        const FileProgressCallback& progress, FileTransferSummary& summary) {
  for (const auto& file : wanted)
    if (auto s = fetch_one(connection, store, file, progress, summary); !s) return s;
  return {};
}

Status upload_files_into(Connection& connection, files::FileStore& store, const std::vector<files::LibraryFile>& own,
                         const FileProgressCallback& progress, FileTransferSummary& summary) {
  for (const auto& file : own)
    if (auto s = upload_one(connection, store, file, progress, summary); !s) return s;
  return {};
}

Result<FileTransferSummary> fetch_files(Connection& connection, files::FileStore& store,
                                        const std::vector<files::LibraryFile>& wanted,
                                        const FileProgressCallback& progress) {
  FileTransferSummary summary;
  if (auto s = fetch_files_into(connection, store, wanted, progress, summary); !s) return s.error();
  return summary;
}

Result<FileTransferSummary> upload_files(Connection& connection, files::FileStore& store,
                                         const std::vector<files::LibraryFile>& own,
                                         const FileProgressCallback& progress) {
  FileTransferSummary summary;
  if (auto s = upload_files_into(connection, store, own, progress, summary); !s) return s.error();
  return summary;
}

}  // namespace dsptsync::client
