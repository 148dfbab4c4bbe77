// SyncCore: checking a push, the question sets it is checked against, the group commit, and the
// store's health after a commit failed.
#include "sync_core.h"

#include "log.h"
#include "sync_replies.h"

#include "dsptsync/assessment.h"
#include "dsptsync/limits.h"
#include "dsptsync/permissions.h"
#include "dsptsync/tuning.h"

#include <algorithm>
#include <chrono>

namespace dsptsync::server {
namespace {

using protocol::ErrorCode;
using protocol::ErrorMessage;
using sync_replies::error;

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

}  // namespace

void SyncCore::push(Principal who, protocol::Push push, ReplyCallback done,
                    std::vector<protocol::Digest>& unsigned_pushes) {
  std::size_t bytes = 0;
  const auto digest = protocol::push_digest(who.device_id, push.changes, &bytes);
  // What the push holds of memory while it waits: its text (about its encoded size) and each
  // decoded Change, several times a small change's encoding (docs/performance.md, catch-up).
  const std::size_t memory = bytes + push.changes.size() * sizeof(Change);
  // The device's next SignPushes covers every unsigned push it sent, whatever the answer to each.
  const bool signed_later = protocol::is_unsigned(push.signature);
  if (signed_later) unsigned_pushes.push_back(digest);
  if (overloaded()) return done(error(ErrorCode::server_busy, std::string(sync_replies::kBusy), push.batch));
  if (push.changes.empty())
    return done(error(ErrorCode::invalid_change, "a push must carry at least one change", push.batch));
  // A signature is checked here, on the caller's (I/O) thread, not on the storage thread: an
  // Ed25519 verification costs about as much as applying the change, and this way the two run on
  // two cores at once (docs/performance.md).
  if (!signed_later && !crypto::verify(who.device_key, digest, push.signature))
    return done(error(ErrorCode::forbidden, "the push's signature does not match this device's key", push.batch));
  enqueue({{}, std::make_pair(std::move(who), std::move(push)), std::move(done), digest, bytes, memory});
}

std::optional<ErrorMessage> SyncCore::sign_pushes(const Principal& who, const protocol::SignPushes& request,
                                                  std::vector<protocol::Digest>& unsigned_pushes) {
  if (request.pushes != unsigned_pushes.size())
    return error(ErrorCode::forbidden,
                 "the device signed " + std::to_string(request.pushes) + " pushes, but head office received " +
                     std::to_string(unsigned_pushes.size()) + " unsigned since its last signature on this connection");
  if (!crypto::verify(who.device_key, protocol::cover_digest(who.device_id, unsigned_pushes), request.signature))
    return error(ErrorCode::forbidden, "the signature of the pushes does not match this device's key");
  AuditCover cover{0, who.device_id, who.user, now_ms(), std::move(unsigned_pushes), request.signature};
  unsigned_pushes.clear();
  Job job;
  job.cover = std::move(cover);
  enqueue(std::move(job));
  return std::nullopt;
}

std::optional<ErrorMessage> SyncCore::check_push(const Principal& connected, const protocol::Push& push) {
  const std::uint64_t batch = push.batch;
  if (push.changes.empty()) return error(ErrorCode::invalid_change, "a push must carry at least one change", batch);
  // Judged as the person is now, not as when the device connected: a role changed (or a revocation)
  // while a device watches applies to its very next push (docs/protocol.md, "The role of now").
  auto current = principal_now(connected.device_id);
  if (auto* refused = std::get_if<ErrorMessage>(&current)) {
    refused->batch = batch;
    return *refused;
  }
  const Principal& who = std::get<Principal>(current);
  const Person person{who.user, who.role, who.branch};
  const std::string id_prefix = who.device_id + ":";
  for (const auto& change : push.changes) {
    const std::string where = "change " + change.id + ": ";
    if (change.device != who.device_id || change.id.rfind(id_prefix, 0) != 0)
      return error(ErrorCode::forbidden, where + "a device may only send changes it made itself", batch);
    if (change.user != who.user)
      return error(ErrorCode::forbidden, where + "is attributed to '" + change.user + "', not to " + who.user, batch);
    if (auto allowed = may_record(head_office_.store(), person, change.key, change.value); !allowed)
      return error(allowed.error().kind == ErrorKind::refused ? ErrorCode::forbidden : ErrorCode::server_busy,
                   where + allowed.error().message, batch);
    if (change.key.kind == TargetKind::profile)
      if (auto allowed = may_change_profile(person, change.key.scope, head_office_.hq().code); !allowed)
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
  if (overloaded()) return done(error(ErrorCode::server_busy, std::string(sync_replies::kBusy)));
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

void SyncCore::commit_pushes(std::vector<Job>& pushes, std::vector<AuditCover>& covers) {
  // While commits fail, signatures alone wait for the next push commit: their few bytes may fit
  // where a push did not, and would say nothing of whether pushes can be written.
  if (pushes.empty() && (covers.empty() || !storage_health_.report().writable)) return;
  refresh_question_sets();  // edits are checked against the set in force now
  forget_principals_if_changed();  // and by the people's roles of now
  std::vector<protocol::Message> replies(pushes.size());
  // Nothing of this commit is written: every push is told to send again.
  auto none_written = [&](const Error& failure) {
    commit_failed(failure);
    for (std::size_t i = 0; i < pushes.size(); ++i) replies[i] = could_not_write(pushes[i].push->second.batch);
    answer_pushes(pushes, replies, false);
  };
  auto txn = head_office_.store().begin();
  if (!txn) return none_written(txn.error());
  std::vector<AddedChange> added;
  std::optional<Error> write_failure;
  UnwrittenFields unwritten;
  for (std::size_t i = 0; i < pushes.size(); ++i)
    replies[i] = apply_push(**txn, pushes, i, added, write_failure, unwritten);
  if (auto written = head_office_.ledger().write_fields(**txn, unwritten); !written)
    return none_written(written.error());
  record_covers(**txn, covers, write_failure);
  // Acknowledge only once the COMMIT (synchronous=FULL) has returned: an Ack means durable.
  if (auto committed = (*txn)->commit(); !committed) return none_written(committed.error());
  ++commits_;
  if (write_failure) commit_failed(*write_failure);  // one push could not be written: not healthy
  // Only pushes tell the store is healthy again: a cover's few bytes may fit where a push did not.
  else if (!pushes.empty()) storage_health_.committed();
  auto committed = take_for_watchers(pushes, added);
  answer_pushes(pushes, replies, true);
  if (!committed.empty()) fan_out(committed);
}

std::vector<protocol::SequencedChange> SyncCore::take_for_watchers(std::vector<Job>& pushes,
                                                                   const std::vector<AddedChange>& added) {
  std::vector<protocol::SequencedChange> committed;
  const bool watched = std::any_of(watchers_.begin(), watchers_.end(), [](const auto& w) { return w.second.live; });
  if (added.empty() || !watched) return committed;
  committed.reserve(added.size());
  for (const auto& change : added)
    committed.push_back({change.seq, std::move(pushes[change.push].push->second.changes[change.change])});
  return committed;
}

protocol::Message SyncCore::apply_push(StoreTransaction& txn, const std::vector<Job>& pushes, std::size_t index,
                                       std::vector<AddedChange>& added, std::optional<Error>& write_failure,
                                       UnwrittenFields& unwritten) {
  const Job& job = pushes[index];
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
  UnwrittenFields staged;
  auto seqs = head_office_.ledger().apply_within(txn, push.changes, &outcome, unwritten, staged);
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
  unwritten.keep(std::move(staged));
  std::set<std::string> fresh(outcome.applied.begin(), outcome.applied.end());
  for (std::size_t c = 0; c < push.changes.size(); ++c)
    if (fresh.count(push.changes[c].id)) added.push_back({index, c, (*seqs)[c]});
  return protocol::Ack{push.batch, *seqs};
}

// A cover acknowledges nothing, so one that cannot be written is logged, not answered: the pushes it
// covered stay unsigned in the audit trail ('audit --verify' says so).
void SyncCore::record_covers(StoreTransaction& txn, std::vector<AuditCover>& covers,
                             std::optional<Error>& write_failure) {
  for (const auto& cover : covers) {
    auto written = txn.append_audit_cover(cover);
    if (written) continue;
    log_event("error", "cover_not_recorded", {{"device", cover.device_id}, {"reason", written.error().message}});
    write_failure = written.error();
  }
  covers.clear();
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
    release_push_bytes(pushes[i].memory);
  }
  pushes.clear();
}

void SyncCore::commit_failed(const Error& failure) {
  log_event("error", "commit_failed", {{"reason", failure.message}});
  storage_health_.failed(failure.message);
  // The first write check comes an interval after the failure, not at once: a few bytes may still
  // fit where a push did not (a nearly full disk), and /health would turn 200 before anyone saw 503.
  storage_checked_ = std::chrono::steady_clock::now();
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

}  // namespace dsptsync::server
