// SyncCore: the policy library's files over sync (protocol version 6, docs/protocol.md): manifests and
// chunks fetched by laptops, files uploaded by them. Every database access runs on the worker thread,
// like every other request; a refusal is a FileRefused and the session goes on.
#include "sync_core.h"

#include "log.h"
#include "sync_replies.h"

#include "dsptsync/limits.h"
#include "dsptsync/permissions.h"

#include <algorithm>

namespace dsptsync::server {
namespace {

using protocol::ErrorCode;
using protocol::FileRefused;

// One answer for a file that does not exist and for one the device may not fetch: a guess learns nothing.
constexpr std::string_view kNoSuchFile = "no such file for this device";

FileRefused refusal(const files::Hash& root, ErrorCode code, std::string message) {
  if (message.size() > limits::kMaxErrorMessageBytes) message.resize(limits::kMaxErrorMessageBytes);
  return FileRefused{root, code, std::move(message)};
}

FileRefused no_such_file(const files::Hash& root) {
  return refusal(root, ErrorCode::forbidden, std::string(kNoSuchFile));
}

FileRefused unreadable(const files::Hash& root, std::string_view event, const Error& error) {
  log_event("error", event, {{"file", files::to_hex(root)}, {"reason", error.message}});
  return refusal(root, ErrorCode::internal, "head office could not use its file store; try again later");
}

// What a refusal of the file store (FileStore::begin, add_chunk) is on the wire.
FileRefused store_refusal(const files::Hash& root, std::string_view event, const Error& error) {
  switch (error.kind) {
    case ErrorKind::refused: return refusal(root, ErrorCode::forbidden, error.message);
    case ErrorKind::invalid_input:
    case ErrorKind::not_found:
    case ErrorKind::corrupt: return refusal(root, ErrorCode::invalid_change, error.message);
    default: return unreadable(root, event, error);
  }
}

protocol::FileWanted wanted(const files::Hash& root, const files::FileProgress& progress) {
  return protocol::FileWanted{root, progress.next_chunk, progress.chunk_count};
}

Person person_of(const Principal& who) { return Person{who.user, who.role, who.branch}; }

}  // namespace

std::variant<Principal, FileRefused> SyncCore::file_principal(const Principal& who, const files::Hash& root) {
  // The person of now: a role changed or revoked since the session began counts at once.
  auto now = principal_now(who.device_id);
  if (auto* refused = std::get_if<protocol::ErrorMessage>(&now)) return refusal(root, refused->code, refused->message);
  return std::get<Principal>(std::move(now));
}

Result<bool> SyncCore::may_fetch(const Principal& who, const files::Hash& root) {
  // A branch reads its own files and head office's; head office any file some site holds whole.
  std::vector<std::string> scopes{head_office_.hq().code};
  if (!who.branch.empty()) {
    scopes.push_back(who.branch);
  } else {
    auto branches = head_office_.directory().branches();
    if (!branches) return branches.error();
    for (const auto& branch : *branches) scopes.push_back(branch.ods);
  }
  return head_office_.files().held_by_any(root, scopes);
}

void SyncCore::fetch_file(Principal who, protocol::FetchFile request, ReplyCallback done) {
  if (overloaded()) return done(refusal(request.root, ErrorCode::server_busy, "the server is busy; try again shortly"));
  enqueue({[this, who = std::move(who), root = request.root, done = std::move(done)] {
             auto person = file_principal(who, root);
             if (auto* refused = std::get_if<FileRefused>(&person)) return done(std::move(*refused));
             auto allowed = may_fetch(std::get<Principal>(person), root);
             if (!allowed) return done(unreadable(root, "file_fetch_failed", allowed.error()));
             if (!*allowed) return done(no_such_file(root));
             auto manifest = head_office_.files().manifest(root);
             if (!manifest) return done(unreadable(root, "file_fetch_failed", manifest.error()));
             if (!*manifest) return done(no_such_file(root));
             done(protocol::FileManifest{root, std::move(**manifest)});
           },
           std::nullopt,
           {}});
}

void SyncCore::fetch_chunks(Principal who, protocol::FetchChunks request, RepliesCallback done) {
  const files::Hash root = request.root;
  if (overloaded()) return done({refusal(root, ErrorCode::server_busy, "the server is busy; try again shortly")});
  enqueue({[this, who = std::move(who), request, done = std::move(done)] {
             const files::Hash& root = request.root;
             auto person = file_principal(who, root);
             if (auto* refused = std::get_if<FileRefused>(&person)) return done({std::move(*refused)});
             // Asked again for every window: a chunk is never served on the strength of an earlier answer.
             auto allowed = may_fetch(std::get<Principal>(person), root);
             if (!allowed) return done({unreadable(root, "file_fetch_failed", allowed.error())});
             if (!*allowed) return done({no_such_file(root)});
             auto manifest = head_office_.files().manifest(root);
             if (!manifest) return done({unreadable(root, "file_fetch_failed", manifest.error())});
             if (!*manifest) return done({no_such_file(root)});
             const std::size_t chunk_count = (*manifest)->chunks.size();
             if (request.first >= chunk_count || request.count > chunk_count - request.first)
               return done({refusal(root, ErrorCode::invalid_change,
                                    "chunks " + std::to_string(request.first) + " to " +
                                        std::to_string(std::uint64_t{request.first} + request.count - 1) +
                                        " asked for; the file has " + std::to_string(chunk_count))});
             std::vector<protocol::Message> answers;
             for (std::uint32_t index = request.first; index < request.first + request.count; ++index) {
               auto bytes = head_office_.files().chunk(root, index);
               if (!bytes) {
                 answers.push_back(unreadable(root, "file_chunk_unreadable", bytes.error()));
                 break;
               }
               answers.push_back(protocol::FileChunk{root, index, std::move(*bytes)});
             }
             done(std::move(answers));
           },
           std::nullopt,
           {}});
}

void SyncCore::put_file(Principal who, protocol::PutFile request, ReplyCallback done) {
  if (overloaded()) return done(refusal(request.root, ErrorCode::server_busy, "the server is busy; try again shortly"));
  enqueue({[this, who = std::move(who), request = std::move(request), done = std::move(done)] {
             const files::Hash& root = request.root;
             auto person = file_principal(who, root);
             if (auto* refused = std::get_if<FileRefused>(&person)) return done(std::move(*refused));
             if (auto may = may_keep_file(person_of(std::get<Principal>(person)), request.scope); !may)
               return done(refusal(root, ErrorCode::forbidden, may.error().message));
             if (request.scope != head_office_.hq().code) {
               auto branch = head_office_.directory().branch(request.scope);
               if (!branch) return done(unreadable(root, "file_put_failed", branch.error()));
               if (!*branch)
                 return done(refusal(root, ErrorCode::invalid_change,
                                     "'" + request.scope.substr(0, 16) + "' is not a site of this organisation"));
             }
             auto quota = files::quota_of(head_office_.store());
             if (!quota) return done(unreadable(root, "file_put_failed", quota.error()));
             auto progress = head_office_.files().begin(root, request.manifest, request.scope, *quota);
             if (!progress) return done(store_refusal(root, "file_put_failed", progress.error()));
             log_event("info", "file_put",
                       {{"file", files::to_hex(root)},
                        {"scope", request.scope},
                        {"device", who.device_id},
                        {"next_chunk", progress->next_chunk}});
             done(wanted(root, *progress));
           },
           std::nullopt,
           {}});
}

void SyncCore::add_chunk(Principal who, std::string scope, protocol::FileChunk chunk, ReplyCallback done) {
  if (overloaded()) return done(refusal(chunk.root, ErrorCode::server_busy, "the server is busy; try again shortly"));
  // Counted with the pushes waiting: while they fill their budget the transport reads nothing more.
  const std::size_t bytes = chunk.bytes.size();
  Job job{[this, who = std::move(who), scope = std::move(scope), chunk = std::move(chunk), done = std::move(done),
           bytes]() mutable {
            const files::Hash root = chunk.root;
            auto person = file_principal(who, root);
            if (auto* refused = std::get_if<FileRefused>(&person)) {
              chunk.bytes = {};
              release_push_bytes(bytes);
              return done(std::move(*refused));
            }
            Status may = may_keep_file(person_of(std::get<Principal>(person)), scope);
            auto progress = may ? head_office_.files().add_chunk(root, scope, chunk.index, chunk.bytes)
                                : Result<files::FileProgress>(may.error());
            chunk.bytes = {};
            release_push_bytes(bytes);
            if (!progress) return done(store_refusal(root, "file_chunk_failed", progress.error()));
            if (progress->complete())
              log_event("info", "file_received",
                        {{"file", files::to_hex(root)},
                         {"scope", scope},
                         {"device", who.device_id},
                         {"chunks", progress->chunk_count}});
            done(wanted(root, *progress));
          },
          std::nullopt,
          {}};
  job.bytes = bytes;
  enqueue(std::move(job));
}

}  // namespace dsptsync::server
