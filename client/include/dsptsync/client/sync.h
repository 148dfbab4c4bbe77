// Enrolment and sync with the HQ server (docs/protocol.md). Offline work never depends on it:
// edits queue in the local store and go up whenever a sync reaches the server.
#pragma once

#include "dsptsync/client/file_transfer.h"
#include "dsptsync/client/workspace.h"
#include "dsptsync/protocol.h"
#include "dsptsync/tuning.h"

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace dsptsync::client {

class Transport;   // connection.h
class Connection;  // connection.h

struct EnrolOptions {
  std::filesystem::path dir;
  std::string url;   // ws://HOST:PORT
  std::string code;  // from `dsptsync-server invite`
  std::optional<std::string> passphrase;
  std::string device_name;  // defaults to the host name
  std::chrono::milliseconds timeout = tuning::kEnrolTimeout;
  Transport* transport = nullptr;  // how to reach head office: the network unless a test gives another
};

struct EnrolResult {
  protocol::Ready ready;
  std::string device_id;
  std::string scope;  // the assessment this device edits: its branch, or the HQ code
  std::size_t changes_received = 0;
};

// Creates this device's keys and local store, registers the device with the server for the user,
// branch and role the code was made for, and fills the store from the server.
Result<EnrolResult> enrol(const EnrolOptions& options);

struct SyncResult {
  std::size_t pushed = 0;    // changes the server acknowledged in this sync
  std::size_t received = 0;  // changes pulled from the server and new here
  std::int64_t cursor = 0;   // the server seq this store has everything up to
  std::int64_t pending = 0;  // changes still waiting to go up (0 after a full sync, but for held ones)
  std::vector<std::string> question_sets;  // years whose question set in force head office sent this time
  std::vector<HeldChange> held;            // queued changes the set in force refuses: kept here, not sent
  // The policy library's files moved after the answers (file_transfer.h); a file refused or a transfer
  // cut short is reported here and never fails the sync of the answers.
  FileTransferSummary files;
};

struct SyncOptions {
  std::chrono::milliseconds timeout = tuning::kSyncTimeout;  // for the connection and for each answer
  // How to reach head office: the network (network_transport) unless a test gives another (the
  // deterministic simulation gives its simulated network).
  Transport* transport = nullptr;
  // Each step as it starts, in plain words ("Connecting to head office at ..."), for a person waiting.
  std::function<void(const std::string& step)> on_step;
  // How far each file of the policy library has come (bytes done of its size), for a person waiting.
  FileProgressCallback on_file_progress;
};

// Pushes everything queued, pulls everything new, then returns. A push the server refuses stays
// queued (nothing is dropped) and the error says why.
Result<SyncResult> sync_once(Workspace& workspace, const SyncOptions& options);
Result<SyncResult> sync_once(Workspace& workspace, std::chrono::milliseconds timeout = tuning::kSyncTimeout);

// A session with head office as sync opens one: connected, authenticated, the log epoch and question
// sets followed. For moving files outside sync_once (fetch_files, upload_files).
Result<std::unique_ptr<Connection>> connect(Workspace& workspace, const SyncOptions& options);

// What the laptop makes of an Error head office sent: retry (network), re-enrol or stop (refused).
Error error_from_server(const protocol::ErrorMessage& error);

struct WatchOptions {
  std::optional<std::chrono::seconds> run_for;     // stop after this long (scripts and tests)
  std::atomic<bool>* stop = nullptr;               // or when this is set (signals)
  std::chrono::milliseconds max_backoff = tuning::kWatchMaxBackoff;
  std::function<void(std::string_view event, const std::string& detail)> on_event;  // progress lines
  Transport* transport = nullptr;  // the network unless a test gives another
};

// Stays connected: pushes each local edit as it is saved, receives others' changes as they
// happen, and reconnects with exponential back-off and jitter. Returns when told to stop, or with
// an error the server says retrying cannot cure (revoked, forbidden).
Status sync_watch(Workspace& workspace, const WatchOptions& options);

struct SyncStatus {
  bool enrolled = false;
  std::string url;
  std::string user;
  std::string role;
  std::string branch;
  std::optional<TimestampMs> last_synced_at;
  std::int64_t pending = 0;
  std::int64_t cursor = 0;
  std::vector<HeldChange> held;  // of the pending changes, those the question set in force refuses
};
Result<SyncStatus> sync_status(Workspace& workspace);

// Whether a failed sync failed to reach head office (the network, a server gone or not answering),
// rather than being refused by it.
bool is_unreachable(const Error& error);
// What a person reads then, on every front-end: what happened, that nothing is lost (`pending`
// changes stay queued), and what to check.
std::string unreachable_message(const Error& error, std::int64_t pending);

// The conflicts open after a sync that were not open before it: what this sync brought in.
std::vector<Conflict> new_conflicts(const std::vector<Conflict>& before, const std::vector<Conflict>& after);

}  // namespace dsptsync::client
