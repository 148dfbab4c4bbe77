// Every timing and tuning number of both programs, in one place: how the server holds up when it is
// short of something or under attack (connection caps, descriptor reserve, back-off, log rate
// limits, sign-in limits), storage's busy timeout, the transports' timeouts and the laptop's sync
// waits and back-off. limits.h holds the sizes of records and messages. docs/operations.md explains
// the server's to operators; docs/protocol.md the transports' and the laptop's.
#pragma once

#include <chrono>
#include <cstddef>

namespace dsptsync::tuning {

using namespace std::chrono_literals;

// ---- Connections and file descriptors ----

// Connections the server holds at once, whatever the open-file limit allows: well above the
// 10,000 idle devices of docs/performance.md, so that a real group never meets it.
inline constexpr std::size_t kMaxConnections = 50000;

// File descriptors kept back from connections: the databases and their WAL and shared-memory
// files, a backup or a key file being written, the log, the listener, the event loop's own. The
// cap on connections is the open-file limit less this reserve, so the server never runs out of
// descriptors for its own work, and a new connection can always be accepted (making room, below).
inline constexpr std::size_t kReservedDescriptors = 32;

// Connections from one address that have not signed in (no device authenticated on them): an
// office behind one NAT address with a few dozen browsers (six connections each) stays far below.
inline constexpr std::size_t kMaxUnauthenticatedPerAddress = 256;

// When accept fails for lack of descriptors (EMFILE, ENFILE) the server waits before trying again,
// from the first delay doubling up to the last, instead of retrying at once in a loop.
inline constexpr auto kAcceptRetryFirstDelay = 50ms;
inline constexpr auto kAcceptRetryMaxDelay = 1s;

// ---- The log ----

// Lines of one kind of event (its "event" name) written per interval; past it the rest are counted
// and one "log_suppressed" line gives the count when the interval ends, so no input can fill a disk
// through the log.
inline constexpr std::size_t kLogLinesPerKind = 200;
inline constexpr auto kLogInterval = 10s;

// ---- Storage ----

// How long a database write waits for another process's write lock (the running server's group
// commit, a CLI command on the same folder) before it fails as busy. Commits take milliseconds; five
// seconds covers a backup's checkpoint on a slow disk while still answering a person who waits. The
// store and the directory both use it (sqlite_support.h open_connection).
inline constexpr std::chrono::milliseconds kSqliteBusyTimeout = 5s;

// How much the write-ahead log holds before the commit that passes it copies the log's pages into
// the database (a checkpoint). SQLite's default is 1,000 pages (4 MiB). A checkpoint costs the
// distinct pages it copies, and head office's pushes dirty the same index pages again and again (a
// device's region of each index), so a longer log copies each page once for more commits: in
// stream-w1 it cut the bytes written per edit from 33.5 kB to 27.4 kB and the commit's time per push
// from 68 to 49 µs (docs/performance.md). 40 and 80 MiB made commits no cheaper and the commit that
// checkpoints up to 37 ms long. The log file keeps its largest size on disk: 16 MiB.
inline constexpr std::size_t kWalCheckpointBytes = 16 * 1024 * 1024;

// After a commit failed (a full or read-only disk), how often the storage thread writes a small
// record to learn whether the store can commit again, so /health turns back to 200 soon after the
// disk is fixed even when no laptop pushes. Once a second costs nothing and is as often as a
// monitor asks.
inline constexpr auto kStorageWriteCheckInterval = 1s;

// How often the storage thread looks for revocations made by another process (the admin CLI)
// when idle; a busy one checks between rounds.
inline constexpr std::chrono::milliseconds kRevocationPoll = 200ms;

// ---- Transports (the sync port and `dsptsync ui`) ----

// To receive one HTTP request's headers (and its body), and to write its answer: a request slower
// than this is dropped, so idle or slow-drip connections cannot hold memory.
inline constexpr std::chrono::seconds kHttpRequestTimeout = 30s;
// To complete a TLS handshake on the sync port.
inline constexpr std::chrono::seconds kTlsHandshakeTimeout = 30s;
// How long a graceful shutdown, or a connection being closed, waits for the client to take its last
// frames (a client that takes nothing gives its queue back after this); and how often a stopping
// listener looks whether every connection has gone (it stops as soon as they have).
inline constexpr std::chrono::seconds kShutdownGrace = 5s;
inline constexpr std::chrono::milliseconds kShutdownPoll = 20ms;
// How often a listener run with a stop flag (tests, `dsptsync ui` in-process) reads it.
inline constexpr std::chrono::milliseconds kStopFlagPoll = 50ms;

// ---- The laptop's sync (client/sync.h) ----

// How long each step of an enrolment, a `dsptsync sync`, and the web page's Sync button waits for
// head office before it gives up with a network error (nothing is lost: the edits stay queued).
inline constexpr std::chrono::milliseconds kEnrolTimeout = 15s;
inline constexpr std::chrono::milliseconds kSyncTimeout = 30s;
inline constexpr std::chrono::milliseconds kUiSyncTimeout = 20s;
// `sync --watch` reconnects after a failure with exponential back-off and jitter, from the first
// delay up to the most; while connected it looks for local edits to push this often.
inline constexpr std::chrono::milliseconds kWatchFirstBackoff = 500ms;
inline constexpr std::chrono::milliseconds kWatchMaxBackoff = 30s;
inline constexpr std::chrono::milliseconds kWatchReceivePoll = 200ms;
// A device sends its pushes unsigned and signs them together (protocol version 5, SignPushes):
// after this many, or once the oldest unsigned one is this old, and always before it stops
// pushing. One Ed25519 signature (and one check at head office) then covers a stream of small
// pushes; the interval is how long an acknowledged push waits for the signature that proves it.
inline constexpr std::size_t kSignPushesEvery = 64;
inline constexpr std::chrono::milliseconds kSignPushesInterval = 250ms;
// Files of the policy library travel and rest in chunks of this size (docs/documents.md): each is
// checked against its hash on arrival, a broken transfer resumes from the last chunk received, and
// one chunk is sealed at rest on its own. 256 KiB keeps a chunk well inside a frame
// (limits::kMaxFrameBytes) and a 25 MiB file to 100 chunks.
inline constexpr std::size_t kFileChunkBytes = 256 * 1024;
// Chunks a laptop asks for at once: enough to keep a line busy without a round trip per chunk, and
// a bound on what head office holds for one download (4 x 256 KiB).
inline constexpr std::size_t kFileFetchWindow = 4;
// Head office's file server reads and seals at most this many windows ahead of the sessions that
// queue them to their connections: 200 downloads at once then hold one window in memory between
// the file server and the I/O thread, not one per downloading session (docs/performance.md, the
// documents workload).
inline constexpr std::size_t kFileWindowsUnqueued = 1;
// The niceness of head office's file server thread (Linux counts it per thread): downloads use the
// CPU that answer sync leaves, so an edit is acknowledged promptly while 200 branches fetch a policy
// ("metadata first, bytes after"), and a download alone still runs at full speed.
inline constexpr int kFileServerNiceness = 10;
// How long a copy `dsptsync doc open` wrote stays in the store's opened/ folder: the program that
// showed it has long read it by then, and the copy is in plain, so the next `doc open` removes it.
inline constexpr std::chrono::hours kOpenedCopyLifetime{24};
// How long the laptop waits for the server's answer to its WebSocket close.
inline constexpr std::chrono::milliseconds kCloseTimeout = 2s;

}  // namespace dsptsync::tuning

namespace dsptsync::tuning {

// ---- Sign-in to the web app (docs/api.md, threat-model.md) ----

// Failed sign-ins are counted per name from one address, and per address: one stranger's guesses
// slow down only that stranger, never the real user signing in from elsewhere. The first failures
// cost nothing; each one after that makes the next attempt wait, from the first delay doubling up to
// the last. An address counts failures for any name (guessing many names), with a larger allowance:
// an office behind one NAT address shares it.
inline constexpr int kSignInFreeFailuresPerName = 5;
inline constexpr int kSignInFreeFailuresPerAddress = 20;
inline constexpr auto kSignInFirstDelay = 1s;
inline constexpr auto kSignInMaxDelay = 15min;
// Failures are forgotten this long after the last one.
inline constexpr auto kSignInForgetAfter = 15min;
// Names and addresses whose failures are remembered at once: past it the oldest are forgotten.
inline constexpr std::size_t kMaxSignInCounters = 50000;

// Password checks (Argon2id, about a tenth of a second and 64 MiB each, one at a time) waiting at
// once, in all and per address; past either, sign-in answers 503 with Retry-After at once, so a
// flood of sign-ins cannot delay a real one by more than a few checks.
inline constexpr std::size_t kMaxQueuedSignIns = 16;
inline constexpr std::size_t kMaxQueuedSignInsPerAddress = 2;
inline constexpr auto kSignInBusyRetryAfter = 1s;

}  // namespace dsptsync::tuning
