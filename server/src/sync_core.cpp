#include "sync_core.h"

#include "log.h"

#include "dsptsync/assessment.h"
#include "dsptsync/codec.h"
#include "dsptsync/limits.h"
#include "dsptsync/permissions.h"
#include "dsptsync/tuning.h"

#include <algorithm>
#include <chrono>

namespace dsptsync::server {
namespace {

using protocol::ErrorCode;
using protocol::ErrorMessage;

using limits::kMaxPushesPerCommit;

ErrorMessage error(ErrorCode code, std::string message, std::uint64_t batch = 0) {
  if (message.size() > limits::kMaxErrorMessageBytes) message.resize(limits::kMaxErrorMessageBytes);
  return ErrorMessage{code, std::move(message), batch};
}

// The answer to a push the server could not write: the laptop keeps it queued and sends it again.
ErrorMessage could_not_write(std::uint64_t batch) {
  return error(ErrorCode::server_busy, "the server could not write to its database just now; send again", batch);
}

// The store failed (a full or read-only disk, an I/O error), as opposed to the change breaking a rule.
bool is_storage_failure(const Error& failure) {
  return failure.kind == ErrorKind::store || failure.kind == ErrorKind::io;
}

// What /health's write check writes when a commit failed (docs/storage.md, Settings).
constexpr std::string_view kWriteCheckSetting = "server.write_check";

std::vector<std::uint8_t> with_context(std::string_view context, const std::array<std::uint8_t, 32>& transcript) {
  std::vector<std::uint8_t> out(context.begin(), context.end());
  out.insert(out.end(), transcript.begin(), transcript.end());
  return out;
}

}  // namespace

SyncCore::SyncCore(HeadOffice& head_office) : head_office_(head_office) {
  std::copy(head_office.identity().public_key.begin(), head_office.identity().public_key.end(),
            identity_public_.begin());
}

SyncCore::~SyncCore() { stop(); }

void SyncCore::start() {
  std::lock_guard lock(mutex_);
  if (worker_.joinable()) return;
  stopping_ = false;
  worker_ = std::thread([this] { run_worker(); });
}

void SyncCore::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (worker_.joinable()) worker_.join();
}

void SyncCore::enqueue(Job job) {
  {
    std::lock_guard lock(mutex_);
    queued_push_bytes_ += job.bytes;
    jobs_.push_back(std::move(job));
  }
  wake_.notify_one();
}

bool SyncCore::has_room_for_pushes() {
  std::lock_guard lock(mutex_);
  return queued_push_bytes_ < limits::kMaxQueuedPushBytes;
}

void SyncCore::when_room_for_pushes(std::function<void()> resume) {
  {
    std::lock_guard lock(mutex_);
    if (queued_push_bytes_ >= limits::kMaxQueuedPushBytes) {
      waiting_for_room_.push_back(std::move(resume));
      return;
    }
  }
  resume();
}

void SyncCore::release_push_bytes(std::size_t bytes) {
  std::vector<std::function<void()>> resume;
  {
    std::lock_guard lock(mutex_);
    queued_push_bytes_ -= bytes;
    if (queued_push_bytes_ < limits::kMaxQueuedPushBytes) resume.swap(waiting_for_room_);
  }
  for (auto& waiting : resume) waiting();
}

void SyncCore::run_worker() {
  for (;;) {
    std::vector<Job> batch;
    {
      std::unique_lock lock(mutex_);
      wake_.wait_for(lock, tuning::kRevocationPoll, [this] { return stopping_ || !jobs_.empty(); });
      if (jobs_.empty() && stopping_) return;
      // Everything queued now runs as one round: consecutive pushes share one commit.
      while (!jobs_.empty()) {
        batch.push_back(std::move(jobs_.front()));
        jobs_.pop_front();
      }
    }
    run_round(batch);
    check_storage_recovered();
  }
}

void SyncCore::run_round(std::vector<Job>& batch) {
  std::vector<Job> pushes;
  std::size_t bytes = 0;
  for (auto& job : batch) {
    if (job.push) {
      bytes += job.bytes;
      pushes.push_back(std::move(job));
      if (pushes.size() == kMaxPushesPerCommit || bytes >= limits::kMaxPushBytesPerCommit) {
        commit_pushes(pushes);
        bytes = 0;
      }
      continue;
    }
    commit_pushes(pushes);  // keep arrival order between a client's push and its next pull
    bytes = 0;
    job.run();
  }
  commit_pushes(pushes);
  check_revocations();
}

void SyncCore::run_pending() {
  for (;;) {
    std::vector<Job> batch;
    {
      std::lock_guard lock(mutex_);
      while (!jobs_.empty()) {
        batch.push_back(std::move(jobs_.front()));
        jobs_.pop_front();
      }
    }
    if (batch.empty()) return;
    run_round(batch);  // jobs may enqueue more (watch pages): loop until none are left
  }
}

std::vector<std::string> SyncCore::readable_scopes(const Principal& who) const {
  if (who.branch.empty()) return {};  // head office: every scope
  return {who.branch, head_office_.hq().code};
}

std::variant<Principal, ErrorMessage> SyncCore::principal_for(const Device& device) {
  if (device.revoked_at) return error(ErrorCode::device_revoked, "this device was revoked by head office");
  auto user = head_office_.directory().user(device.user);
  if (!user) return error(ErrorCode::internal, "the server could not read its directory");
  if (!*user) return error(ErrorCode::unknown_device, "this device's user is not known here; enrol again");
  if ((*user)->revoked_at)
    return error(ErrorCode::device_revoked, "the user " + device.user + " was revoked by head office");
  return Principal{device.id, (*user)->name, (*user)->role, (*user)->branch, device.public_key};
}

protocol::Ready SyncCore::ready_for(const Principal& who) {
  // The admin CLI may have moved the organisation to a new year a moment ago: say the current one.
  if (auto refreshed = head_office_.refresh(); !refreshed)
    log_event("error", "refresh_failed", {{"reason", refreshed.error().message}});
  auto last = head_office_.store().last_seq();
  protocol::Ready ready{who.user,
                        who.role,
                        who.branch,
                        head_office_.hq().code,
                        head_office_.name(),
                        head_office_.year().label(),
                        last ? *last : 0,
                        now_ms(),
                        head_office_.log_epoch()};
  auto started = head_office_.year_started_seq();
  if (started) ready.year_started_seq = *started;
  refresh_question_sets();
  for (const auto& [year, set] : question_sets_) ready.question_sets.push_back(summary_of(set));
  // A branch learns its own publications; head office devices learn every site's. Bounded so a
  // long history never outgrows a frame: the newest are the ones that matter.
  auto published = head_office_.published_statuses(who.branch);
  if (published) {
    if (published->size() > limits::kMaxPublishedStatusesPerReady)
      published->erase(published->begin(), published->end() - limits::kMaxPublishedStatusesPerReady);
    ready.published = std::move(*published);
  }
  return ready;
}

void SyncCore::authenticate(protocol::Authenticate request, std::array<std::uint8_t, 32> transcript,
                            AuthCallback done) {
  enqueue({[this, request = std::move(request), transcript, done = std::move(done)] {
             auto device = head_office_.directory().device(request.device_id);
             if (!device) return done(error(ErrorCode::internal, "the server could not read its directory"), {});
             if (!*device)
               return done(error(ErrorCode::unknown_device,
                                 "this device is not enrolled with " + head_office_.name() +
                                     "; enrol it again with a new code from head office"),
                           {});
             const auto signed_bytes = with_context("dsptsync auth v1", transcript);
             if (!crypto::verify((*device)->public_key, signed_bytes, request.signature))
               return done(error(ErrorCode::handshake_failed, "the device's signature does not match its key"), {});
             auto who = principal_for(**device);
             if (auto* refused = std::get_if<ErrorMessage>(&who)) return done(*refused, {});
             const auto& principal = std::get<Principal>(who);
             done(principal, ready_for(principal));
           },
           std::nullopt, {}});
}

void SyncCore::enrol(protocol::Enrol request, std::array<std::uint8_t, 32> transcript, AuthCallback done) {
  enqueue({[this, request = std::move(request), transcript, done = std::move(done)] {
             const auto signed_bytes = with_context("dsptsync enrol v1", transcript);
             if (!crypto::verify(request.device_key, signed_bytes, request.signature))
               return done(error(ErrorCode::handshake_failed, "the new device's signature does not match its key"),
                           {});
             if (request.device_id.size() != 32 || request.device_id.find_first_not_of("0123456789abcdef") !=
                                                        std::string::npos)
               return done(error(ErrorCode::bad_frame, "a device id is 32 lower-case hex characters"), {});
             Device device{request.device_id, "", request.device_key, request.device_name, now_ms(), std::nullopt};
             auto redeemed = head_office_.directory().redeem_invite(
                 request.invite_id, hash_enrolment_secret(request.secret), device, now_ms());
             if (!redeemed) {
               log_event("error", "enrol_failed", {{"reason", redeemed.error().message}});
               return done(error(ErrorCode::internal, "the server could not record the enrolment"), {});
             }
             if (auto* refusal = std::get_if<RedeemRefusal>(&*redeemed)) {
               log_event("warn", "enrol_refused", {{"invite", request.invite_id}, {"reason", refusal->reason}});
               return done(error(refusal->code, refusal->reason), {});
             }
             const User& user = std::get<User>(*redeemed);
             Principal principal{request.device_id, user.name, user.role, user.branch, request.device_key};
             log_event("info", "enrolled", {{"user", user.name}, {"branch", user.branch}, {"device", request.device_id},
                                            {"role", protocol::to_string(user.role)}});
             done(principal, ready_for(principal));
           },
           std::nullopt, {}});
}

bool SyncCore::overloaded() {
  std::lock_guard lock(mutex_);
  return jobs_.size() >= limits::kMaxQueuedRequests;
}

void SyncCore::push(Principal who, protocol::Push push, ReplyCallback done) {
  if (overloaded()) return done(error(ErrorCode::server_busy, "the server is busy; try again shortly", push.batch));
  // The signature is checked here, on the caller's (I/O) thread, not on the storage thread: an
  // Ed25519 verification costs about as much as applying the change, and this way the two run on
  // two cores at once (docs/performance.md).
  if (push.changes.empty())
    return done(error(ErrorCode::invalid_change, "a push must carry at least one change", push.batch));
  const auto digest = protocol::push_digest(who.device_id, push.changes);
  if (!crypto::verify(who.device_key, digest, push.signature))
    return done(error(ErrorCode::forbidden, "the push's signature does not match this device's key", push.batch));
  std::size_t bytes = 0;
  for (const auto& change : push.changes) bytes += codec::encode(change).size();
  enqueue({{}, std::make_pair(std::move(who), std::move(push)), std::move(done), digest, bytes});
}

std::optional<ErrorMessage> SyncCore::check_push(const Principal& who, const protocol::Push& push) {
  const std::uint64_t batch = push.batch;
  if (push.changes.empty()) return error(ErrorCode::invalid_change, "a push must carry at least one change", batch);
  const Person person{who.user, who.role, who.branch};
  const std::string id_prefix = who.device_id + ":";
  for (const auto& change : push.changes) {
    const std::string where = "change " + change.id + ": ";
    if (change.device != who.device_id || change.id.rfind(id_prefix, 0) != 0)
      return error(ErrorCode::forbidden, where + "a device may only send changes it made itself", batch);
    if (change.user != who.user)
      return error(ErrorCode::forbidden, where + "is attributed to '" + change.user + "', not to " + who.user, batch);
    if (auto allowed = may_edit(person, change.key.scope, change.key.field); !allowed)
      return error(ErrorCode::forbidden, where + allowed.error().message, batch);
    if (who.branch.empty() && change.key.scope != head_office_.hq().code) {
      auto branch = head_office_.directory().branch(change.key.scope);
      if (!branch || !*branch)
        return error(ErrorCode::invalid_change, where + change.key.scope + " is not a branch of this organisation",
                     batch);
    }
    // A clock far ahead would win every conflict and drag every replica's clock with it.
    if (hlc_wall_ms(change.hlc) > now_ms() + limits::kMaxClockAheadMs)
      return error(ErrorCode::invalid_change,
                   where + "was made at " + format_timestamp(hlc_wall_ms(change.hlc)) +
                       ", in the future by this server's clock; set the device's date and time correctly",
                   batch);
    if (auto scoped = check_edit_scope(change.key, head_office_.hq().code); !scoped)
      return error(ErrorCode::invalid_change, where + scoped.error().message, batch);
    auto catalogue = catalogue_for(change.key.year);
    if (!catalogue) return error(ErrorCode::invalid_change, where + catalogue.error().message, batch);
    // An answer made offline under the item's earlier answer type is kept (flagged for review).
    if (auto valid = check_received_edit(**catalogue, change.key, change.value); !valid)
      return error(ErrorCode::invalid_change, where + valid.error().message, batch);
  }
  return std::nullopt;
}

Result<const Catalogue*> SyncCore::catalogue_for(const std::string& year_text) {
  auto year = parse_assessment_year(year_text);
  if (!year) return year.error();
  auto parsed = catalogues_.find(year->label());
  if (parsed != catalogues_.end()) return &parsed->second;
  auto set = question_sets_.find(year->label());
  if (set == question_sets_.end())
    return not_found("head office holds no question set for " + year->label() +
                     "; an administrator imports the official list ('dsptsync-server catalogue import')");
  auto catalogue = catalogue_of(set->second);
  if (!catalogue) return catalogue.error();
  return &catalogues_.emplace(year->label(), std::move(*catalogue)).first->second;
}

void SyncCore::refresh_question_sets() {
  auto seq = head_office_.store().last_question_set_seq();
  if (!seq) {
    log_event("error", "question_sets_unreadable", {{"reason", seq.error().message}});
    return;
  }
  if (*seq == question_sets_seq_) return;
  auto sets = head_office_.question_sets_in_force();
  if (!sets) {
    log_event("error", "question_sets_unreadable", {{"reason", sets.error().message}});
    return;
  }
  const bool first = question_sets_seq_ < 0;
  std::map<std::string, QuestionSet> before = std::move(question_sets_);
  question_sets_.clear();
  catalogues_.clear();
  for (auto& set : *sets) question_sets_.emplace(set.year, std::move(set));
  question_sets_seq_ = *seq;
  if (first) return;
  // A set changed while devices watch: each gets it now, ahead of any edit checked against it.
  for (const auto& [year, set] : question_sets_) {
    auto old = before.find(year);
    if (old != before.end() && summary_of(old->second) == summary_of(set)) continue;
    log_event("info", "question_set_in_force", {{"year", year}, {"version", std::to_string(set.version)},
                                                {"hash", crypto::to_hex(set.content_hash)}});
    const auto encoded = std::make_shared<const Bytes>(protocol::encode_message(protocol::QuestionSetMessage{set, true}));
    for (auto it = watchers_.begin(); it != watchers_.end(); ++it)
      if (auto sink = it->second.sink.lock()) sink->deliver_live(encoded);
  }
}

void SyncCore::fetch_question_set(Principal who, protocol::FetchQuestionSet request, ReplyCallback done) {
  if (overloaded()) return done(error(ErrorCode::server_busy, "the server is busy; try again shortly"));
  enqueue({[this, who = std::move(who), request = std::move(request), done = std::move(done)] {
             refresh_question_sets();
             auto set = question_sets_.find(request.year);
             if (set == question_sets_.end())
               return done(error(ErrorCode::invalid_change, "head office holds no question set for '" +
                                                                request.year.substr(0, 16) + "'"));
             done(protocol::QuestionSetMessage{set->second, false});
           },
           std::nullopt, {}});
}

void SyncCore::commit_pushes(std::vector<Job>& pushes) {
  if (pushes.empty()) return;
  refresh_question_sets();  // edits are checked against the set in force now
  std::vector<protocol::Message> replies(pushes.size());
  auto txn = head_office_.store().begin();
  if (!txn) {
    commit_failed(txn.error());
    for (std::size_t i = 0; i < pushes.size(); ++i) replies[i] = could_not_write(pushes[i].push->second.batch);
    return answer_pushes(pushes, replies, false);
  }
  std::vector<protocol::SequencedChange> applied;
  std::optional<Error> write_failure;
  for (std::size_t i = 0; i < pushes.size(); ++i)
    replies[i] = apply_push(**txn, pushes[i], applied, write_failure);
  // Acknowledge only once the COMMIT (synchronous=FULL) has returned: an Ack means durable.
  if (auto committed = (*txn)->commit(); !committed) {
    commit_failed(committed.error());
    for (std::size_t i = 0; i < pushes.size(); ++i) replies[i] = could_not_write(pushes[i].push->second.batch);
    return answer_pushes(pushes, replies, false);
  }
  ++commits_;
  if (write_failure) commit_failed(*write_failure);  // one push could not be written: not healthy
  else storage_health_.committed();
  answer_pushes(pushes, replies, true);
  if (!applied.empty()) fan_out(applied);
}

protocol::Message SyncCore::apply_push(StoreTransaction& txn, const Job& job,
                                       std::vector<protocol::SequencedChange>& applied,
                                       std::optional<Error>& write_failure) {
  const Principal& who = job.push->first;
  const protocol::Push& push = job.push->second;
  if (auto refused = check_push(who, push)) return *refused;
  // A write the store could not make is the server's problem, never the laptop's: it sends again.
  auto not_written = [&](const Error& failure) -> protocol::Message {
    write_failure = failure;
    (void)txn.rollback_to_savepoint();
    return could_not_write(push.batch);
  };
  if (auto s = txn.savepoint(); !s) {
    write_failure = s.error();
    return could_not_write(push.batch);
  }
  ApplyOutcome outcome;
  auto seqs = head_office_.ledger().apply_within(txn, push.changes, &outcome);
  if (!seqs) {
    if (is_storage_failure(seqs.error())) return not_written(seqs.error());
    (void)txn.rollback_to_savepoint();
    const bool order = seqs.error().kind == ErrorKind::protocol;
    return error(order ? ErrorCode::out_of_order : ErrorCode::invalid_change, seqs.error().message, push.batch);
  }
  if (!outcome.applied.empty()) {
    if (auto recorded = txn.append_audit(audit_of(job)); !recorded) return not_written(recorded.error());
  }
  if (auto s = txn.release_savepoint(); !s) return not_written(s.error());
  std::set<std::string> fresh(outcome.applied.begin(), outcome.applied.end());
  for (std::size_t c = 0; c < push.changes.size(); ++c)
    if (fresh.count(push.changes[c].id)) applied.push_back({(*seqs)[c], push.changes[c]});
  return protocol::Ack{push.batch, *seqs};
}

AuditRecord SyncCore::audit_of(const Job& job) {
  AuditRecord audit;
  audit.device_id = job.push->first.device_id;
  audit.user = job.push->first.user;
  audit.received_at = now_ms();
  // Every change the signature covers, in push order (also those already held from an earlier
  // send), so the digest can be recomputed from the log and checked.
  for (const auto& change : job.push->second.changes) audit.change_ids.push_back(change.id);
  audit.digest = job.digest;  // worked out when the signature was checked
  audit.signature = job.push->second.signature;
  return audit;
}

void SyncCore::answer_pushes(std::vector<Job>& pushes, std::vector<protocol::Message>& replies, bool committed) {
  for (std::size_t i = 0; i < pushes.size(); ++i) {
    const Principal& who = pushes[i].push->first;
    if (!committed && std::holds_alternative<protocol::Ack>(replies[i])) {
      // Never sent: an Ack promises the push is durable. Counted, so /health shows the bug.
      storage_health_.acknowledged_without_commit();
      log_event("error", "acknowledged_without_commit", {{"device", who.device_id}});
      replies[i] = could_not_write(pushes[i].push->second.batch);
    }
    if (auto* refused = std::get_if<ErrorMessage>(&replies[i]); refused && committed)
      log_event("warn", "push_refused", {{"user", who.user}, {"device", who.device_id},
                                         {"code", protocol::to_string(refused->code)}, {"reason", refused->message}});
    pushes[i].push_done(std::move(replies[i]));
    release_push_bytes(pushes[i].bytes);
  }
  pushes.clear();
}

void SyncCore::commit_failed(const Error& failure) {
  log_event("error", "commit_failed", {{"reason", failure.message}});
  storage_health_.failed(failure.message);
}

void SyncCore::check_storage_recovered() {
  if (storage_health_.report().writable) return;
  const auto now = std::chrono::steady_clock::now();
  if (now - storage_checked_ < tuning::kStorageWriteCheckInterval) return;
  storage_checked_ = now;
  auto txn = head_office_.store().begin();
  Status written = txn ? (*txn)->put_setting(kWriteCheckSetting, format_timestamp(now_ms())) : Status(txn.error());
  if (written) written = (*txn)->commit();
  if (written) {
    log_event("info", "storage_writable", {});
    storage_health_.writable_again();
  }
}

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
  if (overloaded()) return done(error(ErrorCode::server_busy, "the server is busy; try again shortly"));
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

void SyncCore::public_status(std::string ods, std::function<void(Result<std::optional<PublicStatusRecord>>)> done) {
  if (overloaded()) return done(make_error(ErrorKind::refused, "the server is busy; try again shortly"));
  enqueue({[this, ods = std::move(ods), done = std::move(done)] {
             auto found = head_office_.directory().latest_published_status(ods);
             if (!found) log_event("error", "public_status_failed", {{"reason", found.error().message}});
             done(std::move(found));
           },
           std::nullopt, {}});
}

void SyncCore::run_web(std::function<web::HttpResponse()> work, std::function<void(web::HttpResponse)> done) {
  if (overloaded()) {
    web::HttpResponse busy;
    busy.status = 503;
    busy.body = R"({"error":{"code":"busy","message":"the server is busy just now; try again in a moment"}})";
    busy.headers = {{"Retry-After", "5"}, {"Cache-Control", "no-store"}};
    return done(std::move(busy));
  }
  enqueue({[this, work = std::move(work), done = std::move(done)] {
             // The first check sets where server edits start: before this request's, not after.
             if (data_version_ < 0) check_revocations();
             auto response = work();
             deliver_server_edits();
             refresh_question_sets();  // an import made in the web app
             done(std::move(response));
           },
           std::nullopt, {}});
}

void SyncCore::check_every_session() {
  std::set<std::string> connected;
  {
    std::lock_guard lock(sessions_mutex_);
    for (const auto& [device_id, weak] : sessions_) connected.insert(device_id);
  }
  for (const auto& device_id : connected) check_session(device_id);
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

void SyncCore::attach(const std::string& device_id, std::weak_ptr<SessionSink> sink) {
  {
    std::lock_guard lock(sessions_mutex_);
    sessions_.emplace(device_id, std::move(sink));
    // A revocation may have committed between authenticating this device and attaching it: look
    // at this device again at the next round, whatever the data version says. Only this one:
    // looking at every session each time one arrives made connecting cost O(sessions).
    attached_since_check_.push_back(device_id);
  }
  wake_.notify_one();
}

void SyncCore::detach(const std::string& device_id, const SessionSink* sink) {
  std::lock_guard lock(sessions_mutex_);
  auto [first, last] = sessions_.equal_range(device_id);
  for (auto it = first; it != last;) {
    auto held = it->second.lock();
    if (!held || held.get() == sink) it = sessions_.erase(it);
    else ++it;
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

void SyncCore::check_revocations() {
  auto version = head_office_.store().data_version();
  std::vector<std::string> fresh;
  {
    std::lock_guard lock(sessions_mutex_);
    fresh.swap(attached_since_check_);
  }
  if (!version) return;
  if (*version == data_version_) {  // nothing committed elsewhere: only the sessions just attached
    for (const auto& device_id : fresh) check_session(device_id);
    return;
  }
  const bool first_check = data_version_ < 0;
  data_version_ = *version;
  if (first_check) {
    auto last = head_office_.store().last_seq();
    if (last) server_edits_cursor_ = *last;
  } else {
    // Another process committed: the organisation may have moved year, or an administrator edited.
    if (auto refreshed = head_office_.refresh(); !refreshed)
      log_event("error", "refresh_failed", {{"reason", refreshed.error().message}});
    deliver_server_edits();
    refresh_question_sets();
  }
  // Something was committed elsewhere (a revocation is one such commit): look at every session.
  check_every_session();
}

void SyncCore::check_session(const std::string& device_id) {
  auto device = head_office_.directory().device(device_id);
  if (!device || !*device) return;
  auto who = principal_for(**device);
  auto* refused = std::get_if<ErrorMessage>(&who);
  if (!refused) return;
  std::vector<std::shared_ptr<SessionSink>> sinks;
  {
    std::lock_guard lock(sessions_mutex_);
    auto [first, last] = sessions_.equal_range(device_id);
    for (auto it = first; it != last; ++it)
      if (auto sink = it->second.lock()) sinks.push_back(std::move(sink));
  }
  for (const auto& sink : sinks) {
    log_event("info", "session_revoked", {{"device", device_id}, {"reason", refused->message}});
    sink->revoke(*refused);
  }
}

}  // namespace dsptsync::server
