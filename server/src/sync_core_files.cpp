// SyncCore: the policy library's files uploaded by laptops (protocol version 6, docs/protocol.md), written
// on the worker thread like every other write; a refusal is a FileRefused and the session goes on.
// Downloads are the file server's (file_server.h), on a thread of their own.
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
using sync_replies::file_refusal;
using sync_replies::file_store_failed;

// What a refusal of the file store (FileStore::begin, add_chunk) is on the wire.
FileRefused store_refusal(const files::Hash& root, std::string_view event, const Error& error) {
  switch (error.kind) {
    case ErrorKind::refused: return file_refusal(root, ErrorCode::forbidden, error.message);
    case ErrorKind::invalid_input:
    case ErrorKind::not_found:
    case ErrorKind::corrupt: return file_refusal(root, ErrorCode::invalid_change, error.message);
    default: return file_store_failed(root, event, error);
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
  if (auto* refused = std::get_if<protocol::ErrorMessage>(&now))
    return file_refusal(root, refused->code, refused->message);
  return std::get<Principal>(std::move(now));
}

void SyncCore::put_file(Principal who, protocol::PutFile request, ReplyCallback done) {
  if (overloaded()) return done(sync_replies::file_busy(request.root));
  enqueue({[this, who = std::move(who), request = std::move(request), done = std::move(done)] {
             const files::Hash& root = request.root;
             auto person = file_principal(who, root);
             if (auto* refused = std::get_if<FileRefused>(&person)) return done(std::move(*refused));
             if (auto may = may_keep_file(person_of(std::get<Principal>(person)), request.scope); !may)
               return done(file_refusal(root, ErrorCode::forbidden, may.error().message));
             if (request.scope != head_office_.hq().code) {
               auto branch = head_office_.directory().branch(request.scope);
               if (!branch) return done(file_store_failed(root, "file_put_failed", branch.error()));
               if (!*branch)
                 return done(file_refusal(root, ErrorCode::invalid_change,
                                          "'" + request.scope.substr(0, 16) + "' is not a site of this organisation"));
             }
             auto quota = files::quota_of(head_office_.store());
             if (!quota) return done(file_store_failed(root, "file_put_failed", quota.error()));
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
  if (overloaded()) return done(sync_replies::file_busy(chunk.root));
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
  job.memory = bytes;
  enqueue(std::move(job));
}

}  // namespace dsptsync::server
