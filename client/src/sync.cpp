#include "dsptsync/client/sync.h"

#include "dsptsync/client/connection.h"
#include "dsptsync/client/file_transfer.h"
#include "dsptsync/client/push_signer.h"
#include "queue_screen.h"

#include "dsptsync/client/ws_client.h"
#include "dsptsync/limits.h"
#include "dsptsync/platform.h"
#include "dsptsync/tuning.h"

#include <sodium.h>

#include <algorithm>
#include <charconv>
#include <future>
#include <random>
#include <sstream>
#include <thread>

namespace dsptsync::client {
namespace {

using namespace std::chrono_literals;
using protocol::Message;

// Settings an enrolled store keeps (docs/storage.md).
constexpr std::string_view kUrlSetting = "sync.url";
constexpr std::string_view kServerIdentitySetting = "sync.server_identity";  // hex Ed25519 public key, pinned
constexpr std::string_view kRoleSetting = "sync.role";
constexpr std::string_view kBranchSetting = "sync.branch";
constexpr std::string_view kHqSetting = "sync.hq_code";
constexpr std::string_view kCursorSetting = "sync.cursor";
constexpr std::string_view kLastSyncedSetting = "sync.last_synced_at";
constexpr std::string_view kLogEpochSetting = "sync.log_epoch";
// Set when head office has moved the organisation to a later year this store has not followed yet:
// "YEAR SEQ" (the year, and the server log position when it moved).
constexpr std::string_view kFollowSetting = "sync.follow_year";

std::int64_t to_int(const std::optional<std::string>& text) {
  std::int64_t value = 0;
  if (text) std::from_chars(text->data(), text->data() + text->size(), value);
  return value;
}

Error from_server(const protocol::ErrorMessage& error) { return error_from_server(error); }

Result<protocol::Ready> expect_ready(Connection& connection) {
  auto reply = connection.expect();
  if (!reply) return reply.error();
  if (auto* error = std::get_if<protocol::ErrorMessage>(&*reply)) return from_server(*error);
  if (auto* ready = std::get_if<protocol::Ready>(&*reply)) return *ready;
  return make_error(ErrorKind::protocol, "the server answered with " + std::string(protocol::message_name(*reply)));
}

// Applies a page of pulled changes, prepared (Ledger::prepare), and moves the cursor past it, within
// a transaction the caller commits (the changes and the cursor always land together, so a crash
// re-pulls what was lost).
Result<std::size_t> apply_prepared_within(Workspace& workspace, StoreTransaction& txn, PreparedChanges&& changes,
                                          std::int64_t next_cursor) {
  ApplyOutcome outcome;
  if (auto seqs = workspace.ledger().apply_within(txn, std::move(changes), &outcome); !seqs) return seqs.error();
  auto cursor = txn.setting(kCursorSetting);
  if (!cursor) return cursor.error();
  if (next_cursor > to_int(*cursor))
    if (auto s = txn.put_setting(kCursorSetting, std::to_string(next_cursor)); !s) return s.error();
  return outcome.applied.size();
}

// A page's changes moved out of it, each with head office's seq for it: kept with the change, so
// that what head office already has stays out of this laptop's upload queue and its index.
struct ReceivedChanges {
  std::vector<Change> changes;
  std::vector<std::int64_t> server_seqs;
};

ReceivedChanges take_changes(protocol::Changes& page) {
  ReceivedChanges received;
  received.changes.reserve(page.changes.size());
  received.server_seqs.reserve(page.changes.size());
  for (auto& sequenced : page.changes) {
    received.changes.push_back(std::move(sequenced.change));
    received.server_seqs.push_back(sequenced.server_seq);
  }
  return received;
}

Result<PreparedChanges> prepare_received(const Ledger& ledger, ReceivedChanges received) {
  return ledger.prepare(std::move(received.changes), std::move(received.server_seqs));
}

Result<std::size_t> apply_page(Workspace& workspace, protocol::Changes& page) {
  auto prepared = prepare_received(workspace.ledger(), take_changes(page));
  if (!prepared) return prepared.error();
  auto txn = workspace.store().begin();
  if (!txn) return txn.error();
  auto applied = apply_prepared_within(workspace, **txn, std::move(*prepared), page.next_cursor);
  if (!applied) return applied.error();
  if (auto s = (*txn)->commit(); !s) return s.error();
  return applied;
}

// A page of a pull whose changes are being checked and sealed for the store (Ledger::prepare).
struct PageInPreparation {
  std::future<Result<PreparedChanges>> changes;
  std::int64_t next_cursor = 0;
  bool more = false;
};

// On a thread of its own when `alongside`: while this one writes the page before.
PageInPreparation start_preparing(Ledger& ledger, protocol::Changes& page, bool alongside) {
  return {std::async(alongside ? std::launch::async : std::launch::deferred,
                     [&ledger, received = take_changes(page)]() mutable {
                       return prepare_received(ledger, std::move(received));
                     }),
          page.next_cursor, page.more};
}

// Cuts the queue into the next push: at most kMaxChangesPerPush changes and kMaxPushBytes bytes,
// leaving out the changes the question set in force refuses (queue_screen.h): they stay queued here.
// The push goes unsigned: push_all's PushSigner covers it.
Result<protocol::Push> next_push(Workspace& workspace, std::uint64_t batch) {
  QueueScreen screen(workspace);
  protocol::Push push;
  push.batch = batch;
  std::size_t bytes = 0;
  for (std::int64_t after = 0;;) {
    auto stored = workspace.store().pending_changes(workspace.device_id(), after, limits::kMaxChangesPerPush);
    if (!stored) return stored.error();
    if (stored->empty()) break;
    after = stored->back().seq;
    auto opened = workspace.ledger().open_changes(*stored);
    if (!opened) return opened.error();
    bool full = false;
    for (std::size_t i = 0; i < opened->size() && !full; ++i) {
      auto reason = screen.reason_to_hold((*opened)[i].change);
      if (!reason) return reason.error();
      if (!reason->empty()) continue;
      const std::size_t size = (*stored)[i].sealed.size() - crypto::kSealOverheadBytes;
      full = push.changes.size() == limits::kMaxChangesPerPush ||
             (!push.changes.empty() && bytes + size > limits::kMaxPushBytes);
      if (full) break;
      push.changes.push_back(std::move((*opened)[i].change));
      bytes += size;
    }
    if (full) break;
  }
  return push;
}

Status record_ack(Workspace& workspace, const protocol::Push& push, const protocol::Ack& ack) {
  if (ack.server_seqs.size() != push.changes.size())
    return make_error(ErrorKind::protocol, "the server acknowledged " + std::to_string(ack.server_seqs.size()) +
                                               " changes of a push of " + std::to_string(push.changes.size()));
  std::vector<std::pair<std::string, std::int64_t>> acknowledged;
  for (std::size_t i = 0; i < push.changes.size(); ++i) acknowledged.emplace_back(push.changes[i].id, ack.server_seqs[i]);
  auto txn = workspace.store().begin();
  if (!txn) return txn.error();
  if (auto s = (*txn)->mark_acknowledged(acknowledged); !s) return s;
  if (auto s = (*txn)->put_setting(kLastSyncedSetting, std::to_string(now_ms())); !s) return s;
  return (*txn)->commit();
}

struct Enrolment {
  std::string url;
  protocol::PublicKey server_identity{};
};

Result<Enrolment> enrolment_of(Workspace& workspace) {
  auto url = workspace.store().setting(kUrlSetting);
  if (!url) return url.error();
  auto identity = workspace.store().setting(kServerIdentitySetting);
  if (!identity) return identity.error();
  if (!*url || !*identity)
    return refused("this store works offline only: it was made with 'dsptsync init', not enrolled with a head office "
                   "server ('dsptsync enrol ws://HOST:PORT CODE' makes an enrolled store)");
  auto key = crypto::from_hex(**identity);
  if (!key || key->size() != 32) return corrupt("the pinned server key in the store is damaged");
  Enrolment out{**url, {}};
  std::copy(key->begin(), key->end(), out.server_identity.begin());
  return out;
}

// Head office restored its server from a backup: what it acknowledged since may be gone, and its
// sequence numbers start again from the backup's. Send every own change again (the server keeps
// what it has: an id it holds is a duplicate) and read its log from the start.
Status follow_log_epoch(Workspace& workspace, const std::string& epoch) {
  auto known = workspace.store().setting(kLogEpochSetting);
  if (!known) return known.error();
  if (*known && **known == epoch) return {};
  auto txn = workspace.store().begin();
  if (!txn) return txn.error();
  if (*known) {
    if (auto s = (*txn)->forget_acknowledgements(workspace.device_id()); !s) return s;
    if (auto s = (*txn)->put_setting(kCursorSetting, "0"); !s) return s;
  }
  if (auto s = (*txn)->put_setting(kLogEpochSetting, epoch); !s) return s;
  return (*txn)->commit();
}

// What the server said at the start of a session that the store keeps: its publications, and
// whether head office has moved the organisation to a later year (followed once the session has
// pushed and pulled everything, so the late edits and head office's carry are both here).
Status note_ready(Workspace& workspace, const protocol::Ready& ready) {
  if (auto s = workspace.keep_published(ready.published); !s) return s;
  auto year = parse_assessment_year(ready.year);
  if (!year) return make_error(ErrorKind::protocol, "the server named the year '" + ready.year + "': " + year.error().message);
  if (*year <= workspace.year()) return {};
  auto txn = workspace.store().begin();
  if (!txn) return txn.error();
  if (auto s = (*txn)->put_setting(kFollowSetting, year->label() + " " + std::to_string(ready.year_started_seq)); !s)
    return s;
  return (*txn)->commit();
}

// Follows head office to the year it moved to, carrying this device's own edits of the old year
// that head office had not received when it moved. Returns whether it moved.
Result<bool> follow_organisation_year(Workspace& workspace) {
  auto follow = workspace.store().setting(kFollowSetting);
  if (!follow) return follow.error();
  if (!*follow || (*follow)->empty()) return false;
  std::istringstream fields(**follow);
  std::string year;
  std::int64_t started = 0;
  fields >> year >> started;
  const std::string old_year = workspace.year().label();
  auto late = workspace.store().own_changes_since(workspace.device_id(), started, old_year, limits::kMaxLateEditsCarried);
  if (!late) return late.error();
  std::vector<FieldKey> keys;
  for (const auto& change : *late) keys.push_back(change.key);
  auto moved = workspace.follow_year(year, keys);
  if (!moved) return moved.error();
  auto txn = workspace.store().begin();
  if (!txn) return txn.error();
  if (auto s = (*txn)->put_setting(kFollowSetting, ""); !s) return s.error();
  if (auto s = (*txn)->commit(); !s) return s.error();
  return moved->applied;
}

// Asks head office for the question sets in force `wanted` names, all at once, and checks each
// against `head_office_key` (pinned at enrolment) as it comes: a set that does not check out stops the
// sync before anything is pushed or pulled, and nothing of it is kept.
Result<std::vector<QuestionSet>> fetch_question_sets(Connection& connection,
                                                     const std::vector<QuestionSetSummary>& wanted,
                                                     ByteView head_office_key) {
  for (const auto& summary : wanted)
    if (auto s = connection.send(protocol::FetchQuestionSet{summary.year}); !s) return s.error();
  std::vector<QuestionSet> sets;
  for (const auto& summary : wanted) {
    auto reply = connection.expect();
    if (!reply) return reply.error();
    if (auto* error = std::get_if<protocol::ErrorMessage>(&*reply)) return from_server(*error);
    auto* message = std::get_if<protocol::QuestionSetMessage>(&*reply);
    if (!message || summary_of(message->set) != summary)
      return make_error(ErrorKind::protocol, "head office answered the request for the " + summary.year +
                                                 " question set with something else");
    if (auto verified = verify_question_set(message->set, head_office_key); !verified) return verified.error();
    sets.push_back(std::move(message->set));
  }
  return sets;
}

// Takes every question set in force that Ready lists and this store does not hold yet; returns the
// years taken.
Result<std::vector<std::string>> follow_question_sets(Workspace& workspace, Connection& connection,
                                                      const protocol::Ready& ready) {
  std::vector<QuestionSetSummary> wanted;
  for (const auto& summary : ready.question_sets) {
    auto held = workspace.store().question_set(summary.year);
    if (!held) return held.error();
    if (!*held || summary_of((*held)->set) != summary) wanted.push_back(summary);
  }
  auto sets = fetch_question_sets(connection, wanted, connection.server_identity());
  if (!sets) return sets.error();
  std::vector<std::string> taken;
  for (const auto& set : *sets) {
    auto accepted = workspace.accept_question_set(set);
    if (!accepted) return accepted.error();
    if (*accepted) taken.push_back(set.year);
  }
  return taken;
}

Transport& transport_or_network(Transport* transport) { return transport ? *transport : network_transport(); }

// `enrolment` is the store's, as enrolment_of read it (the caller has it already, to say where it connects).
Result<std::unique_ptr<Connection>> connect_authenticated(Workspace& workspace, const Enrolment& enrolment,
                                                          const crypto::SigningKeyPair& keys, Transport& transport,
                                                          std::chrono::milliseconds timeout,
                                                          std::vector<std::string>* sets_taken = nullptr) {
  auto connection = transport.open(enrolment.url, ServerCheck{enrolment.server_identity, ""}, timeout);
  if (!connection) return connection.error();
  protocol::Authenticate authenticate;
  authenticate.device_id = workspace.device_id();
  authenticate.signature = crypto::sign(keys, protocol::authentication_payload((*connection)->transcript()));
  if (auto s = (*connection)->send(authenticate); !s) return s.error();
  auto ready = expect_ready(**connection);
  if (!ready) return ready.error();
  if (auto s = follow_log_epoch(workspace, ready->log_epoch); !s) return s.error();
  if (auto s = note_ready(workspace, *ready); !s) return s.error();
  auto sets = follow_question_sets(workspace, **connection, *ready);
  if (!sets) return sets.error();
  if (sets_taken) *sets_taken = std::move(*sets);
  return connection;
}

// Sends every queued change, one batch at a time, each push waiting for its acknowledgement.
Result<std::size_t> push_unsigned(Workspace& workspace, Connection& connection, PushSigner& signer) {
  std::size_t pushed = 0;
  for (std::uint64_t batch = 1;; ++batch) {
    auto push = next_push(workspace, batch);
    if (!push) return push.error();
    if (push->changes.empty()) return pushed;
    signer.sent(*push);
    if (auto s = connection.send(*push); !s) return s.error();
    auto reply = connection.expect();
    if (!reply) return reply.error();
    if (auto* error = std::get_if<protocol::ErrorMessage>(&*reply)) {
      Error refusal = from_server(*error);
      refusal.message += " — " + std::to_string(push->changes.size()) +
                         " change(s) stay queued on this device, nothing was lost ('dsptsync status')";
      return refusal;
    }
    auto* ack = std::get_if<protocol::Ack>(&*reply);
    if (!ack || ack->batch != push->batch)
      return make_error(ErrorKind::protocol, "the server answered a push with " + std::string(protocol::message_name(*reply)));
    if (auto s = record_ack(workspace, *push, *ack); !s) return s.error();
    pushed += push->changes.size();
  }
}

// Push every queued change, one batch at a time, then sign them all with one signature.
Result<std::size_t> push_all(Workspace& workspace, Connection& connection, const crypto::SigningKeyPair& keys) {
  PushSigner signer(workspace.device_id(), keys);
  auto pushed = push_unsigned(workspace, connection, signer);
  // Signed whether or not every push was taken: the signature covers what head office received.
  if (auto cover = signer.cover())
    if (auto s = connection.send(*cover); !s && pushed) return s.error();
  return pushed;
}

Result<std::size_t> pull_all(Workspace& workspace, Connection& connection) {
  // The next page is asked for as soon as a page arrives, before it is applied: head office reads
  // and sends page N+1 while this laptop writes page N, instead of each side waiting for the other.
  // The server answers a session's requests in order, and a page says where the next one starts.
  // A page's changes are checked and sealed at rest on a thread of their own while this one writes
  // the page before: that work needs no store, and it is a quarter of a long pull's.
  // Up to kPullPagesPerCommit pages share one transaction: nothing here is acknowledged to anyone,
  // so a crash only means pulling those pages again, and a long history pays for few durable commits.
  auto cursor = workspace.store().setting(kCursorSetting);
  if (!cursor) return cursor.error();
  const auto ask = [&](std::int64_t after) {
    return connection.send(protocol::Pull{after, static_cast<std::uint32_t>(limits::kPullPageChanges)});
  };
  if (auto s = ask(to_int(*cursor)); !s) return s.error();
  std::size_t received = 0;
  std::unique_ptr<StoreTransaction> txn;
  std::size_t pages_in_txn = 0;
  const auto apply = [&](PageInPreparation& page) -> Status {
    auto prepared = page.changes.get();
    if (!prepared) return prepared.error();
    if (!txn) {
      auto begun = workspace.store().begin();
      if (!begun) return begun.error();
      txn = std::move(*begun);
    }
    auto applied = apply_prepared_within(workspace, *txn, std::move(*prepared), page.next_cursor);
    if (!applied) return applied.error();
    received += *applied;
    if (!page.more || ++pages_in_txn == limits::kPullPagesPerCommit) {
      if (auto s = txn->commit(); !s) return s.error();
      txn.reset();
      pages_in_txn = 0;
    }
    return {};
  };
  std::optional<PageInPreparation> before;  // received, not applied yet
  for (;;) {
    auto reply = connection.expect();
    if (!reply) return reply.error();
    if (auto* error = std::get_if<protocol::ErrorMessage>(&*reply)) return from_server(*error);
    auto* page = std::get_if<protocol::Changes>(&*reply);
    if (!page)
      return make_error(ErrorKind::protocol,
                        "the server answered a pull with " + std::string(protocol::message_name(*reply)));
    if (page->more)
      if (auto s = ask(page->next_cursor); !s) return s.error();
    auto arrived = start_preparing(workspace.ledger(), *page, before || page->more);
    if (before)
      if (auto s = apply(*before); !s) return s.error();
    if (!arrived.more) {
      if (auto s = apply(arrived); !s) return s.error();
      return received;
    }
    before = std::move(arrived);
  }
}

// The policy library's files, after the answers: what this laptop lacks comes down, its own go up. A
// failure is reported in the summary, never as a failed sync: the answers are synced already.
FileTransferSummary move_files(Workspace& workspace, Connection& connection, const FileProgressCallback& progress) {
  FileTransferSummary summary;
  auto wanted = workspace.files_to_fetch();
  Status moved =
      wanted ? fetch_files_into(connection, workspace.files(), *wanted, progress, summary) : Status(wanted.error());
  if (moved) {
    auto own = workspace.files_to_upload();
    moved = own ? upload_files_into(connection, workspace.files(), *own, progress, summary) : Status(own.error());
  }
  for (const auto& root : summary.held_by_head_office)
    if (auto marked = workspace.mark_uploaded(root); !marked && moved) moved = marked;
  if (!moved)
    summary.interrupted = moved.error().message + "; what arrived is kept and the next sync carries on from there";
  return summary;
}

// The files this laptop would move now: those it lacks and its own head office has not taken yet.
Result<std::vector<files::Hash>> files_to_move(Workspace& workspace) {
  std::vector<files::Hash> roots;
  for (auto list : {&Workspace::files_to_fetch, &Workspace::files_to_upload}) {
    auto listed = (workspace.*list)();
    if (!listed) return listed.error();
    for (const auto& file : *listed) roots.push_back(file.root);
  }
  std::sort(roots.begin(), roots.end());
  return roots;
}

// While it watches, the files a live change asks for (a version added at head office, a file attached
// here) move on a second session of their own: a transfer's answers never interleave with the watch's
// live changes. Tried again only when the files to move are others than at the last try, so a file
// head office does not hold yet is not asked for after every page.
void move_files_beside_watch(Workspace& workspace, const Enrolment& enrolment, const crypto::SigningKeyPair& keys,
                             const WatchOptions& options, std::vector<files::Hash>& last_tried,
                             const std::function<void(std::string_view, const std::string&)>& event) {
  auto roots = files_to_move(workspace);
  if (!roots || roots->empty() || *roots == last_tried) return;
  last_tried = std::move(*roots);
  auto connection = connect_authenticated(workspace, enrolment, keys, transport_or_network(options.transport), 15s);
  if (!connection) return event("files", "not moved: " + connection.error().message);
  const FileTransferSummary files = move_files(workspace, **connection, {});
  if (files.fetched + files.uploaded > 0)
    event("files", std::to_string(files.fetched) + " fetched, " + std::to_string(files.uploaded) + " sent");
  if (!files.interrupted.empty()) {
    event("files", files.interrupted);
    last_tried.clear();  // a broken transfer is worth another try at the next change
  }
}

}  // namespace

Error error_from_server(const protocol::ErrorMessage& error) {
  const std::string text =
      "head office refused: " + error.message + " (" + std::string(protocol::to_string(error.code)) + ")";
  switch (protocol::action_for(error.code)) {
    case protocol::ClientAction::retry: return make_error(ErrorKind::network, text + "; try again later");
    case protocol::ClientAction::reenrol:
      return refused(text + "; this device must be enrolled again with a new code from head office");
    case protocol::ClientAction::stop: return refused(text);
  }
  return refused(text);
}

Result<std::unique_ptr<Connection>> connect(Workspace& workspace, const SyncOptions& options) {
  auto keys = workspace.signing_key();
  if (!keys) return keys.error();
  auto enrolment = enrolment_of(workspace);
  if (!enrolment) return enrolment.error();
  return connect_authenticated(workspace, *enrolment, *keys, transport_or_network(options.transport), options.timeout);
}

Result<EnrolResult> enrol(const EnrolOptions& options) {
  if (auto s = crypto::initialise(); !s) return s.error();
  auto code = protocol::parse_enrolment_code(options.code);
  if (!code) return code.error();
  if (std::filesystem::exists(options.dir / "store.db"))
    return refused("a store already exists at " + platform::utf8_of(options.dir) +
                   "; enrol into another folder with --store");
  auto connection = transport_or_network(options.transport)
                        .open(options.url, ServerCheck{std::nullopt, code->server_fingerprint}, options.timeout);
  if (!connection) return connection.error();

  const auto keys = crypto::SigningKeyPair::generate();
  protocol::Enrol request;
  request.invite_id = code->invite_id;
  request.secret = code->secret;
  request.device_id = crypto::random_hex(16);
  std::copy(keys.public_key.begin(), keys.public_key.end(), request.device_key.begin());
  request.device_name = options.device_name.empty() ? platform::host_name() : options.device_name;
  request.signature = crypto::sign(keys, protocol::enrolment_payload((*connection)->transcript()));
  if (auto s = (*connection)->send(request); !s) return s.error();
  auto ready = expect_ready(**connection);
  if (!ready) return ready.error();

  InitOptions init;
  init.dir = options.dir;
  init.ods = ready->branch.empty() ? ready->hq_code : ready->branch;
  init.name = ready->organisation;
  init.year = ready->year;
  init.user = ready->user;
  init.passphrase = options.passphrase;
  init.device_id = request.device_id;
  init.signing_key = keys;
  init.record_profile = false;
  auto sets = fetch_question_sets(**connection, ready->question_sets, (*connection)->server_identity());
  if (!sets) return sets.error();
  init.question_sets = std::move(*sets);
  init.settings = {{std::string(kUrlSetting), options.url},
                   {std::string(kServerIdentitySetting), crypto::to_hex((*connection)->server_identity())},
                   {std::string(kRoleSetting), std::string(protocol::to_string(ready->role))},
                   {std::string(kBranchSetting), ready->branch},
                   {std::string(kHqSetting), ready->hq_code},
                   {std::string(kCursorSetting), "0"},
                   {std::string(kLogEpochSetting), ready->log_epoch}};
  auto workspace = Workspace::create(init);
  if (!workspace) return workspace.error();
  auto received = pull_all(**workspace, **connection);
  if (!received) return received.error();
  if (auto s = (*workspace)->keep_published(ready->published); !s) return s.error();
  {
    auto txn = (*workspace)->store().begin();
    if (!txn) return txn.error();
    if (auto s = (*txn)->put_setting(kLastSyncedSetting, std::to_string(now_ms())); !s) return s.error();
    if (auto s = (*txn)->commit(); !s) return s.error();
  }
  return EnrolResult{*ready, request.device_id, init.ods, *received};
}

Result<SyncResult> sync_once(Workspace& workspace, std::chrono::milliseconds timeout) {
  return sync_once(workspace, SyncOptions{timeout, nullptr});
}

Result<SyncResult> sync_once(Workspace& workspace, const SyncOptions& options) {
  const auto say = [&options](const std::string& step) {
    if (options.on_step) options.on_step(step);
  };
  auto keys = workspace.signing_key();
  if (!keys) return keys.error();
  SyncResult result;
  auto enrolment = enrolment_of(workspace);
  if (!enrolment) return enrolment.error();
  say("Connecting to head office at " + enrolment->url + " ...");
  auto connection = connect_authenticated(workspace, *enrolment, *keys, transport_or_network(options.transport),
                                          options.timeout, &result.question_sets);
  if (!connection) return connection.error();
  say("Connected. Sending this laptop's changes ...");
  auto pushed = push_all(workspace, **connection, *keys);
  if (!pushed) return pushed.error();
  result.pushed = *pushed;
  say("Receiving changes from head office ...");
  auto received = pull_all(workspace, **connection);
  if (!received) return received.error();
  result.received = *received;
  auto moved = follow_organisation_year(workspace);
  if (!moved) return moved.error();
  if (*moved) {  // the carried edits go up in the same sync
    auto carried = push_all(workspace, **connection, *keys);
    if (!carried) return carried.error();
    result.pushed += *carried;
  }
  say("Moving the policy library's files ...");
  result.files = move_files(workspace, **connection, options.on_file_progress);
  auto txn = workspace.store().begin();
  if (!txn) return txn.error();
  if (auto s = (*txn)->put_setting(kLastSyncedSetting, std::to_string(now_ms())); !s) return s.error();
  if (auto s = (*txn)->commit(); !s) return s.error();
  auto status = sync_status(workspace);
  if (!status) return status.error();
  result.cursor = status->cursor;
  result.pending = status->pending;
  result.held = std::move(status->held);
  return result;
}

Status sync_watch(Workspace& workspace, const WatchOptions& options) {
  auto keys = workspace.signing_key();
  if (!keys) return keys.error();
  const auto started = std::chrono::steady_clock::now();
  auto should_stop = [&] {
    if (options.stop && options.stop->load()) return true;
    return options.run_for && std::chrono::steady_clock::now() - started >= *options.run_for;
  };
  auto event = [&](std::string_view name, const std::string& detail) {
    if (options.on_event) options.on_event(name, detail);
  };
  std::mt19937_64 random(std::random_device{}());
  std::chrono::milliseconds backoff = tuning::kWatchFirstBackoff;

  while (!should_stop()) {
    auto enrolment = enrolment_of(workspace);
    if (!enrolment) return enrolment.error();  // a refusal or a damaged store: retrying cannot help
    auto connection = connect_authenticated(workspace, *enrolment, *keys, transport_or_network(options.transport), 15s);
    Status failure;
    if (!connection) {
      failure = connection.error();
    } else {
      event("connected", "");
      backoff = tuning::kWatchFirstBackoff;
      // Head office moved the organisation to a new year: catch up, follow it, then watch.
      auto follow = workspace.store().setting(kFollowSetting);
      if (!follow) return follow.error();
      if (*follow && !(*follow)->empty()) {
        auto pushed = push_all(workspace, **connection, *keys);
        auto pulled = pushed ? pull_all(workspace, **connection) : Result<std::size_t>(pushed.error());
        if (!pulled) {
          failure = pulled.error();
        } else {
          auto moved = follow_organisation_year(workspace);
          if (!moved) return moved.error();
          if (*moved) event("year", "moved to " + workspace.year().label() + " with head office");
        }
      }
      // The library's files this laptop lacks, and its own, at each connection before watching; those
      // asked for while it watches move beside it (move_files_beside_watch).
      if (failure) {
        auto pulled = pull_all(workspace, **connection);  // the documents first, then their files
        if (!pulled) failure = pulled.error();
      }
      if (failure) {
        const FileTransferSummary files = move_files(workspace, **connection, {});
        if (files.fetched + files.uploaded > 0)
          event("files", std::to_string(files.fetched) + " fetched, " + std::to_string(files.uploaded) + " sent");
        if (!files.interrupted.empty()) failure = make_error(ErrorKind::network, files.interrupted);
      }
      auto cursor = workspace.store().setting(kCursorSetting);
      if (!cursor) return cursor.error();
      if (failure) failure = (*connection)->send(protocol::Watch{to_int(*cursor)});
      std::optional<protocol::Push> in_flight;
      std::uint64_t batch = 0;
      PushSigner signer(workspace.device_id(), *keys);
      auto last_version = workspace.store().data_version();
      bool check_queue = true;
      bool check_files = false;
      std::vector<files::Hash> files_tried;
      while (failure && !should_stop()) {
        if (check_files) {
          move_files_beside_watch(workspace, *enrolment, *keys, options, files_tried, event);
          check_files = false;
        }
        if (!in_flight && check_queue) {
          auto push = next_push(workspace, ++batch);
          if (!push) return push.error();
          const bool queue_empty = push->changes.empty();
          if (!queue_empty) {
            signer.sent(*push);
            failure = (*connection)->send(*push);
            in_flight = std::move(*push);
          }
          // Signed once the queue is sent, or while a long run of pushes goes on (tuning.h).
          if (failure && (queue_empty || signer.due()))
            if (auto cover = signer.cover()) failure = (*connection)->send(*cover);
          check_queue = false;
        }
        if (!failure) break;
        auto message = (*connection)->receive(tuning::kWatchReceivePoll);
        if (!message) {
          failure = message.error();
          break;
        }
        if (*message) {
          if (auto* page = std::get_if<protocol::Changes>(&**message)) {
            auto applied = apply_page(workspace, *page);
            if (!applied) return applied.error();
            if (*applied) event("received", std::to_string(*applied) + " change(s)");
            check_files = check_files || *applied > 0;
          } else if (auto* ack = std::get_if<protocol::Ack>(&**message); ack && in_flight && ack->batch == in_flight->batch) {
            if (auto s = record_ack(workspace, *in_flight, *ack); !s) return s;
            event("pushed", std::to_string(in_flight->changes.size()) + " change(s)");
            in_flight.reset();
            check_queue = true;
          } else if (auto* set = std::get_if<protocol::QuestionSetMessage>(&**message)) {
            auto accepted = workspace.accept_question_set(set->set);
            if (!accepted) return accepted.error();
            if (*accepted) event("question_set", set->set.year + " version " + std::to_string(set->set.version) +
                                                    " from head office");
            check_queue = true;  // the new set may hold back queued changes, or let held ones go
          } else if (auto* error = std::get_if<protocol::ErrorMessage>(&**message)) {
            Error refusal = from_server(*error);
            if (protocol::action_for(error->code) != protocol::ClientAction::retry) {
              if (in_flight) refusal.message += " — the refused changes stay queued on this device";
              return refusal;
            }
            failure = refusal;
          } else {
            failure = make_error(ErrorKind::protocol, "unexpected " + std::string(protocol::message_name(**message)));
          }
        }
        // A local edit (another dsptsync command) changes the database: look at the queue again.
        auto version = workspace.store().data_version();
        if (version && last_version && *version != *last_version) {
          last_version = version;
          check_queue = true;
          check_files = true;
        }
      }
      // Stopping with pushes not yet signed: sign them on the way out if the connection still works.
      if (failure)
        if (auto cover = signer.cover()) (void)(*connection)->send(*cover);
    }
    if (should_stop()) break;
    if (failure) continue;
    // Only a network fault or a garbled connection is worth retrying; a refusal or a local store
    // problem would fail the same way again.
    if (!is_unreachable(failure.error())) return failure;
    // Exponential back-off with full jitter, so many branches do not reconnect in step.
    std::uniform_int_distribution<std::int64_t> jitter(backoff.count() / 2, backoff.count());
    const auto wait = std::chrono::milliseconds(jitter(random));
    event("disconnected", failure.error().message + "; retrying in " + std::to_string(wait.count()) + " ms");
    for (auto waited = 0ms; waited < wait && !should_stop(); waited += tuning::kStopFlagPoll) std::this_thread::sleep_for(tuning::kStopFlagPoll);
    backoff = std::min(backoff * 2, options.max_backoff);
  }
  return {};
}

Result<SyncStatus> sync_status(Workspace& workspace) {
  SyncStatus status;
  Store& store = workspace.store();
  auto url = store.setting(kUrlSetting);
  if (!url) return url.error();
  status.enrolled = url->has_value();
  status.url = url->value_or("");
  status.user = workspace.ledger().identity().user;
  for (auto [name, out] : {std::pair{kRoleSetting, &status.role}, std::pair{kBranchSetting, &status.branch}}) {
    auto value = store.setting(name);
    if (!value) return value.error();
    *out = value->value_or("");
  }
  auto last = store.setting(kLastSyncedSetting);
  if (!last) return last.error();
  if (*last) status.last_synced_at = to_int(*last);
  auto cursor = store.setting(kCursorSetting);
  if (!cursor) return cursor.error();
  status.cursor = to_int(*cursor);
  auto pending = store.pending_count(workspace.device_id());
  if (!pending) return pending.error();
  status.pending = *pending;
  if (status.enrolled) {
    auto held = workspace.held_changes();
    if (!held) return held.error();
    status.held = std::move(*held);
  }
  return status;
}

bool is_unreachable(const Error& error) {
  return error.kind == ErrorKind::network || error.kind == ErrorKind::protocol;
}

std::string unreachable_message(const Error& error, std::int64_t pending) {
  return "Head office could not be reached (" + error.message +
         "). Your changes are safe on this computer: " + std::to_string(pending) +
         " change(s) stay queued and go up at the next sync. Check the internet " +
         "connection, or ask head office whether its server is running, then sync again";
}

std::vector<Conflict> new_conflicts(const std::vector<Conflict>& before, const std::vector<Conflict>& after) {
  std::vector<Conflict> out;
  for (const auto& conflict : after)
    if (std::none_of(before.begin(), before.end(), [&](const Conflict& old) { return old.key == conflict.key; }))
      out.push_back(conflict);
  return out;
}

}  // namespace dsptsync::client
