// The transport-free heart of the sync service. One worker thread owns the database: it runs
// authentication, enrolment, pulls and pushes in arrival order, folding every push waiting at the
// same moment into one transaction (group commit: many clients share one durable COMMIT), and
// hands each result back through the caller's callback once the commit has returned.
#pragma once

#include "file_server.h"
#include "principal.h"
#include "storage_health.h"
#include "sync_replies.h"

#include "dsptsync/ledger.h"
#include "dsptsync/protocol.h"
#include "dsptsync/server/head_office.h"
#include "dsptsync/web/http.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <variant>
#include <vector>

namespace dsptsync::server {

// A connected client, as the core sees it. The core calls these from its worker thread; the
// transport must hand the work to the session's own executor.
class SessionSink {
 public:
  virtual ~SessionSink() = default;
  // A live message (Changes, or a question set head office just imported), encoded once for every
  // watcher (the session seals it).
  virtual void deliver_live(std::shared_ptr<const Bytes> encoded_message) = 0;
  // The device or its user was revoked: end the session with this error.
  virtual void revoke(protocol::ErrorMessage error) = 0;
};

using AuthCallback = std::function<void(std::variant<Principal, protocol::ErrorMessage>, protocol::Ready)>;

class SyncCore {
 public:
  explicit SyncCore(HeadOffice& head_office);
  // Without start(), nothing runs until run_pending(): the deterministic simulation decides when
  // the server works, on its own thread, so every run of a seed is the same.
  void run_pending();
  ~SyncCore();
  SyncCore(const SyncCore&) = delete;
  SyncCore& operator=(const SyncCore&) = delete;

  // Starts the worker thread.
  void start();
  // Finishes every queued job (pushes are committed and acknowledged), then stops the worker.
  void stop();

  const protocol::PublicKey& identity_public_key() const { return identity_public_; }
  const crypto::SigningKeyPair& identity() const { return head_office_.identity(); }

  void authenticate(protocol::Authenticate request, std::array<std::uint8_t, 32> transcript, AuthCallback done);
  void enrol(protocol::Enrol request, std::array<std::uint8_t, 32> transcript, AuthCallback done);
  // `unsigned_pushes` is the session's list of pushes it received unsigned since the device last
  // signed them (version 5): an unsigned push's digest is added to it, whatever its answer.
  void push(Principal who, protocol::Push push, ReplyCallback done, std::vector<protocol::Digest>& unsigned_pushes);
  // The device's signature over the session's unsigned pushes: checked here, on the caller's thread,
  // then kept in the audit trail with the next group commit. An error ends the session.
  std::optional<protocol::ErrorMessage> sign_pushes(const Principal& who, const protocol::SignPushes& request,
                                                    std::vector<protocol::Digest>& unsigned_pushes);
  // Pushes wait for the storage thread within limits::kMaxQueuedPushBytes. While that is spent a
  // transport reads nothing more from a connection (backpressure): `resume` runs, on the worker or
  // the caller's thread, once there is room again (at once if there is).
  bool has_room_for_pushes();
  void when_room_for_pushes(std::function<void()> resume);
  void pull(Principal who, protocol::Pull pull, ReplyCallback done);
  // The question set in force for a year, signed by head office (a year Ready listed).
  void fetch_question_set(Principal who, protocol::FetchQuestionSet request, ReplyCallback done);
  // ---- the policy library's files (version 6) ----
  // Downloads, answered by the file server on its own thread (file_server.h).
  void fetch_file(Principal who, protocol::FetchFile request, ReplyCallback done) {
    file_server_.fetch_file(std::move(who), std::move(request), std::move(done));
  }
  void fetch_chunks(Principal who, protocol::FetchChunks request, ChunkWindow window, ChunksCallback done) {
    file_server_.fetch_chunks(std::move(who), std::move(request), std::move(window), std::move(done));
  }
  // Uploads (sync_core_files.cpp), written on the worker thread. Every answer is the file's message or a
  // FileRefused: a refused file never ends the session.
  // An upload: whether the device's person may keep the file for the scope, within the quota; FileWanted.
  void put_file(Principal who, protocol::PutFile request, ReplyCallback done);
  // One uploaded chunk for the scope the session's PutFile named, durable before its FileWanted.
  void add_chunk(Principal who, std::string scope, protocol::FileChunk chunk, ReplyCallback done);
  // The public status look-up (GET /status/ODS): the site's latest publication, read on the worker
  // thread like every other request. An error when the store fails or the server is overloaded.
  void public_status(std::string ods, std::function<void(Result<std::optional<PublicStatusRecord>>)> done);
  // A request of the web app (web/app.h), run on the worker thread where the database may be used;
  // what it recorded then reaches watching devices at once. 503 when the server is overloaded.
  void run_web(std::function<web::HttpResponse()> work, std::function<void(web::HttpResponse)> done);
  // Worker thread only (a web request that revoked someone): ends every session no longer allowed.
  void check_every_session();
  // Sends the first page after the cursor through `page`; while a page says more, the session asks
  // for the next with next_watch_page once it has room, so a slow line paces its own catch-up and
  // holds nothing here but its cursor. After the last page the sink gets every new change live, with
  // no gap: the catch-up and the registration happen on the worker thread, where every commit happens too.
  void watch(Principal who, std::int64_t after_seq, std::weak_ptr<SessionSink> sink, ReplyCallback page);
  void next_watch_page(const SessionSink* sink);
  void unwatch(const SessionSink* sink);
  // Sessions register so a revocation can end them at once.
  void attach(const std::string& device_id, std::weak_ptr<SessionSink> sink);
  void detach(const std::string& device_id, const SessionSink* sink);

  // Figures for logs and tests.
  std::uint64_t commits() const { return commits_; }
  // Whether the store can commit, from any thread, without touching the database (/health).
  StorageHealthReport storage_health() const { return storage_health_.report(); }

 private:
  struct Job {
    std::function<void()> run;
    std::optional<std::pair<Principal, protocol::Push>> push;  // pushes are grouped
    ReplyCallback push_done;
    std::array<std::uint8_t, 32> digest{};  // of the push, whose signature was checked before queueing
    std::size_t bytes = 0;                  // a push's encoded changes: a group commit's size
    std::size_t memory = 0;                 // what it holds while queued, counted in queued_push_bytes_
    std::optional<AuditCover> cover;        // a device's signature over pushes it sent unsigned
  };
  struct Watcher {
    Principal who;
    std::weak_ptr<SessionSink> sink;
    std::int64_t cursor = 0;
    bool live = false;
    ReplyCallback page;  // where catch-up pages go
  };

  void enqueue(Job job);
  bool overloaded();
  void run_worker();
  void run_round(std::vector<Job>& batch);
  // One transaction (group commit) for the pushes and the covers waiting.
  void commit_pushes(std::vector<Job>& pushes, std::vector<AuditCover>& covers);
  void record_covers(StoreTransaction& txn, std::vector<AuditCover>& covers, std::optional<Error>& write_failure);
  // A change a group commit added to the log: its place among the commit's pushes, and its seq.
  struct AddedChange {
    std::size_t push = 0;
    std::size_t change = 0;
    std::int64_t seq = 0;
  };
  // Applies pushes[index] within the group's transaction (in a savepoint of its own); its reply. The
  // field states it changes join `unwritten`, written once for the commit; the changes it adds to
  // the log join `added`.
  protocol::Message apply_push(StoreTransaction& txn, const std::vector<Job>& pushes, std::size_t index,
                               std::vector<AddedChange>& added, std::optional<Error>& write_failure,
                               UnwrittenFields& unwritten);
  // Once the commit has succeeded: the changes it added, moved out of their pushes (answered and
  // freed next) for the devices watching live; nothing at all when none does.
  std::vector<protocol::SequencedChange> take_for_watchers(std::vector<Job>& pushes,
                                                           const std::vector<AddedChange>& added);
  static AuditRecord audit_of(const Job& job);
  // The one place pushes are answered: an Ack only for a transaction that committed.
  void answer_pushes(std::vector<Job>& pushes, std::vector<protocol::Message>& replies, bool committed);
  void commit_failed(const Error& error);
  // After a failed commit, a small write now and then tells when the store can commit again, even
  // if no laptop pushes meanwhile.
  void check_storage_recovered();
  void check_revocations();
  // Whether a people event (a revocation is one) was recorded since the last look.
  bool people_changed();
  // Ends the sessions of a device that is no longer allowed (revoked, or its user revoked).
  void check_session(const std::string& device_id);
  void deliver_server_edits();
  void continue_watch(const SessionSink* key);
  // A push's bytes left the queue (answered): wakes the connections waiting for room.
  void release_push_bytes(std::size_t bytes);
  std::vector<std::string> readable_scopes(const Principal& who) const;
  // Who the device acts for now, as the directory says (the role may have changed, or the device or
  // its user been revoked, since it connected).
  // Read once per device and kept until anything is committed elsewhere (forget_principals_if_changed):
  // a stream of pushes costs no directory reads.
  std::variant<Principal, protocol::ErrorMessage> principal_now(const std::string& device_id);
  // Before each group commit: another process (or the directory's own connection) committed since
  // the principals were read, so a role may have changed.
  void forget_principals_if_changed();
  void note_sync(const std::string& device_id);
  void record_sync_notes();
  protocol::Ready ready_for(const Principal& who);
  // Whether `connected`'s device may apply the push, judged with the role its person has now.
  std::optional<protocol::ErrorMessage> check_push(const Principal& connected, const protocol::Push& push);
  Result<protocol::Changes> read_page(const Principal& who, std::int64_t after_seq, std::size_t max_changes);
  void fan_out(const std::vector<protocol::SequencedChange>& committed);
  // Reads the question sets in force again when one was stored since they were read (an import at
  // the console or in the web app), and sends every watching device the sets that changed.
  void refresh_question_sets();
  Result<const Catalogue*> catalogue_for(const std::string& year);
  // Worker thread: the person of now for a file request, or the refusal to send.
  std::variant<Principal, protocol::FileRefused> file_principal(const Principal& who, const files::Hash& root);

  HeadOffice& head_office_;
  protocol::PublicKey identity_public_{};
  // Worker thread only: the question sets in force, signed, by year; the newest set stored when they
  // were read (-1: not yet); and their catalogues, parsed on first use by check_push.
  std::map<std::string, QuestionSet> question_sets_;
  std::int64_t question_sets_seq_ = -1;
  std::map<std::string, Catalogue> catalogues_;

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Job> jobs_;
  std::size_t queued_push_bytes_ = 0;
  std::vector<std::function<void()>> waiting_for_room_;
  bool stopping_ = false;
  std::thread worker_;

  // Worker-thread state.
  std::map<const SessionSink*, Watcher> watchers_;
  std::int64_t data_version_ = -1;
  std::int64_t people_position_ = -1;     // the last people event seen by people_changed
  std::int64_t server_edits_cursor_ = 0;  // the log position up to which server edits were delivered
  std::vector<std::pair<std::string, TimestampMs>> sync_notes_;  // devices signed in this round, and when
  std::map<std::string, Principal> principals_;                  // principal_now's, by device id
  std::int64_t principals_version_ = -1;                         // the store's data version they were read at
  std::vector<AuditCover> covers_;  // worker thread: signatures checked, waiting for a commit

  std::mutex sessions_mutex_;
  std::multimap<std::string, std::weak_ptr<SessionSink>> sessions_;  // by device id
  std::vector<std::string> attached_since_check_;  // devices attached since the last check

  std::atomic<std::uint64_t> commits_{0};
  StorageHealth storage_health_;
  std::chrono::steady_clock::time_point storage_checked_{};  // worker thread: the last write check
  // Declared last: destroyed (stopped) first, while everything its fallback jobs use is still alive.
  FileServer file_server_{head_office_, [this](std::function<void()> job) {
                            enqueue({std::move(job), std::nullopt, {}});
                          }};
};

}  // namespace dsptsync::server
