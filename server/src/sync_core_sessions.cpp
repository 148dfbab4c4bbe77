// SyncCore: authentication, enrolment, and the sessions it ends when their device or user is revoked.
#include "sync_core.h"

#include "log.h"
#include "sync_replies.h"

#include "dsptsync/limits.h"

namespace dsptsync::server {
namespace {

using protocol::ErrorCode;
using protocol::ErrorMessage;
using sync_replies::error;

std::vector<std::uint8_t> with_context(std::string_view context, const std::array<std::uint8_t, 32>& transcript) {
  std::vector<std::uint8_t> out(context.begin(), context.end());
  out.insert(out.end(), transcript.begin(), transcript.end());
  return out;
}

}  // namespace

std::vector<std::string> SyncCore::readable_scopes(const Principal& who) const {
  if (who.branch.empty()) return {};  // head office: every scope
  return {who.branch, head_office_.hq().code};
}

void SyncCore::forget_principals_if_changed() {
  auto version = head_office_.store().data_version();
  if (version && *version == principals_version_) return;
  principals_.clear();
  if (version) principals_version_ = *version;
}

std::variant<Principal, ErrorMessage> SyncCore::principal_now(const std::string& device_id) {
  if (auto known = principals_.find(device_id); known != principals_.end()) return known->second;
  auto now = principal_of_device(head_office_.directory(), device_id);
  if (auto* who = std::get_if<Principal>(&now)) principals_.emplace(device_id, *who);
  return now;
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

// Head office's "last synced" of the device's site, written with the others of this round
// (record_sync_notes) rather than one durable commit per connection.
void SyncCore::note_sync(const std::string& device_id) { sync_notes_.emplace_back(device_id, now_ms()); }

// Only informative: failing to note them is logged and sync goes on.
void SyncCore::record_sync_notes() {
  if (sync_notes_.empty()) return;
  if (auto noted = head_office_.directory().record_syncs(sync_notes_); !noted)
    log_event("warn", "sync_not_noted", {{"devices", sync_notes_.size()}, {"reason", noted.error().message}});
  sync_notes_.clear();
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
             auto who = principal_for(head_office_.directory(), **device);
             if (auto* refused = std::get_if<ErrorMessage>(&who)) return done(*refused, {});
             const auto& principal = std::get<Principal>(who);
             note_sync(principal.device_id);
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
             note_sync(principal.device_id);
             done(principal, ready_for(principal));
           },
           std::nullopt, {}});
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
  // Something was committed elsewhere. Only a revocation ends a session, and each records a people
  // event: the round's own "last synced" notes are commits too, and looking at every session after
  // each made signing in cost O(sessions) (docs/performance.md, idle-10k).
  if (people_changed()) check_every_session();
}

bool SyncCore::people_changed() {
  auto position = head_office_.directory().last_people_event();
  if (!position) return true;  // cannot tell: look
  if (*position == people_position_) return false;
  people_position_ = *position;
  return true;
}

void SyncCore::check_session(const std::string& device_id) {
  auto device = head_office_.directory().device(device_id);
  if (!device || !*device) return;
  auto who = principal_for(head_office_.directory(), **device);
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
