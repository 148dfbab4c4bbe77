// SyncCore: pulls, a watch's catch-up pages and live changes (fan-out), and edits made at the server
// reaching watching devices.
#include "sync_core.h"

#include "log.h"
#include "sync_replies.h"

#include "dsptsync/codec.h"
#include "dsptsync/limits.h"

namespace dsptsync::server {
namespace {

using protocol::ErrorCode;
using protocol::ErrorMessage;
using sync_replies::error;

}  // namespace

Result<protocol::Changes> SyncCore::read_page(const Principal& who, std::int64_t after_seq, std::size_t max_changes) {
  if (max_changes == 0 || max_changes > limits::kPullPageChanges) max_changes = limits::kPullPageChanges;
  const auto scopes = readable_scopes(who);
  // One more than asked tells whether another page is waiting.
  auto stored = scopes.empty() ? head_office_.store().changes_after(after_seq, max_changes + 1)
                               : head_office_.store().changes_after_in_scopes(after_seq, scopes, max_changes + 1);
  if (!stored) return stored.error();
  protocol::Changes page;
  page.more = stored->size() > max_changes;
  if (page.more) stored->resize(max_changes);
  // Cut by bytes before opening anything: what does not fit waits for the next page.
  if (keep_within_bytes(*stored, limits::kMaxPageBytes)) page.more = true;
  auto opened = head_office_.ledger().open_changes(*stored);
  if (!opened) return opened.error();
  page.next_cursor = after_seq;
  for (auto& logged : *opened) {
    page.next_cursor = logged.seq;
    page.changes.push_back({logged.seq, std::move(logged.change)});
  }
  return page;
}

void SyncCore::pull(Principal who, protocol::Pull pull, ReplyCallback done) {
  if (overloaded()) return done(error(ErrorCode::server_busy, std::string(sync_replies::kBusy)));
  enqueue({[this, who = std::move(who), pull, done = std::move(done)] {
             auto page = read_page(who, pull.after_seq, pull.max_changes);
             if (!page) {
               log_event("error", "pull_failed", {{"reason", page.error().message}});
               return done(error(ErrorCode::internal, "the server could not read its log"));
             }
             done(std::move(*page));
           },
           std::nullopt, {}});
}

void SyncCore::watch(Principal who, std::int64_t after_seq, std::weak_ptr<SessionSink> sink, ReplyCallback page) {
  const SessionSink* key = sink.lock().get();
  if (!key) return;
  enqueue({[this, who = std::move(who), after_seq, sink, key, page = std::move(page)]() mutable {
             watchers_[key] = Watcher{who, sink, after_seq, false, std::move(page)};
             continue_watch(key);
           },
           std::nullopt, {}});
}

void SyncCore::next_watch_page(const SessionSink* sink) {
  // A job of its own: commits waiting meanwhile go first, and the page reads what they wrote.
  enqueue({[this, sink] { continue_watch(sink); }, std::nullopt, {}});
}

void SyncCore::continue_watch(const SessionSink* key) {
  auto found = watchers_.find(key);
  if (found == watchers_.end() || found->second.sink.expired()) {
    if (found != watchers_.end()) watchers_.erase(found);
    return;
  }
  Watcher& watcher = found->second;
  if (watcher.live) return;  // caught up: fan_out delivers
  auto next = read_page(watcher.who, watcher.cursor, limits::kPullPageChanges);
  if (!next) return watcher.page(error(ErrorCode::internal, "the server could not read its log"));
  watcher.cursor = next->next_cursor;
  // Until the last page nothing but the cursor is kept for this watcher: the session asks for the
  // next page (next_watch_page) when it has room, so a slow line paces its own catch-up.
  if (!next->more) watcher.live = true;  // from here on, fan_out delivers every new change
  watcher.page(std::move(*next));
}

void SyncCore::unwatch(const SessionSink* sink) {
  enqueue({[this, sink] { watchers_.erase(sink); }, std::nullopt, {}});
}

void SyncCore::fan_out(const std::vector<protocol::SequencedChange>& committed) {
  // Watchers that read the same scopes get the same bytes: encode once per scope set.
  std::map<std::string, std::vector<std::shared_ptr<const Bytes>>> encoded_by_scope;
  std::vector<std::size_t> sizes;  // each change's encoded size, worked out once for every watcher
  sizes.reserve(committed.size());
  for (const auto& sequenced : committed) sizes.push_back(codec::encode(sequenced.change).size());
  const std::string& hq = head_office_.hq().code;
  for (auto it = watchers_.begin(); it != watchers_.end();) {
    auto sink = it->second.sink.lock();
    if (!sink) {
      it = watchers_.erase(it);
      continue;
    }
    Watcher& watcher = it->second;
    ++it;
    if (!watcher.live) continue;
    const std::string scope_key = watcher.who.branch.empty() ? "*" : watcher.who.branch;
    auto cached = encoded_by_scope.find(scope_key);
    if (cached == encoded_by_scope.end()) {
      // One commit can hold many pushes: cut it into messages within the page limits.
      std::vector<std::shared_ptr<const Bytes>> messages;
      protocol::Changes live;
      live.live = true;
      std::size_t bytes = 0;
      auto flush = [&] {
        if (live.changes.empty()) return;
        live.next_cursor = live.changes.back().server_seq;
        messages.push_back(std::make_shared<const Bytes>(protocol::encode_message(live)));
        live.changes.clear();
        bytes = 0;
      };
      for (std::size_t c = 0; c < committed.size(); ++c) {
        const auto& sequenced = committed[c];
        const std::string& scope = sequenced.change.key.scope;
        if (scope_key != "*" && scope != watcher.who.branch && scope != hq) continue;
        const std::size_t size = sizes[c];
        if (!live.changes.empty() &&
            (live.changes.size() == limits::kMaxChangesPerMessage || bytes + size > limits::kMaxPageBytes))
          flush();
        live.changes.push_back(sequenced);
        bytes += size;
      }
      flush();
      cached = encoded_by_scope.emplace(scope_key, std::move(messages)).first;
    }
    if (!cached->second.empty()) {
      watcher.cursor = std::max(watcher.cursor, committed.back().server_seq);
      for (const auto& message : cached->second) sink->deliver_live(message);
    }
  }
}

void SyncCore::deliver_server_edits() {
  // Edits made at the server by its administrators (another process: the console) reach
  // watching devices here. Only the server's own device's changes: pushes were fanned out as
  // they were committed.
  const std::string& server_device = head_office_.ledger().identity().device;
  for (;;) {
    auto page = head_office_.store().changes_after(server_edits_cursor_, limits::kMaxChangesPerMessage);
    if (!page || page->empty()) return;
    server_edits_cursor_ = page->back().seq;
    std::erase_if(*page, [&](const StoredChange& stored) { return stored.device != server_device; });
    if (!page->empty()) {
      auto opened = head_office_.ledger().open_changes(*page);
      if (!opened) {
        log_event("error", "server_edits_unreadable", {{"reason", opened.error().message}});
        return;
      }
      std::vector<protocol::SequencedChange> sequenced;
      for (auto& logged : *opened) sequenced.push_back({logged.seq, std::move(logged.change)});
      fan_out(sequenced);
    }
  }
}

}  // namespace dsptsync::server
