// Deterministic simulation of an organisation syncing under faults (docs/merge.md, "Proof").
//
// The real server (HeadOffice, SyncCore: permissions, signatures, group commit, paging; a
// ServerSession per connection: handshake, session cipher, routing) and the real branch client
// (Workspace over its SQLite store, and client::sync_once with its handshake and cipher) run in one
// thread under a seeded scheduler, joined by a simulated network (simulation_network.h) that carries
// real frames. The scheduler interleaves connections, cuts and stalls them, partitions clients,
// replays and swaps frames as someone on the path could, and crashes clients (in the middle of a sync
// too) and the server, which restart from their files. After the faults heal every client must sync
// cleanly, and every invariant is checked. The same seed always gives the same run (trace hash).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace dsptsync::simulation {

struct Config {
  std::uint64_t seed = 1;
  int operations = 1000;  // scheduler steps before healing (a sync takes tens of them)
  int min_faults = 50;    // faults injected at least (more happen at random)
};

struct Report {
  std::uint64_t seed = 0;
  int operations = 0;
  int edits = 0;
  int resolutions = 0;
  int syncs = 0;         // client::sync_once runs that succeeded
  int failed_syncs = 0;  // that a fault broke off (a network or protocol error: retried by the next one)
  int faults = 0;
  int cuts = 0, stalls = 0, replays = 0, swaps = 0, partitions = 0, client_crashes = 0, server_crashes = 0;
  int acknowledged = 0;   // changes acknowledged in syncs that succeeded
  int server_changes = 0; // changes in the server's log at the end
  int open_conflicts = 0; // at the end (kept, visible)
  int merged_fields = 0;  // text fields whose concurrent edits merged
  int agreeing_fields = 0;  // fields whose concurrent heads all hold the same value: settled
  int concurrent_edits = 0;        // edits concurrent with another edit of their field
  int equal_concurrent_edits = 0;  // of those, edits that gave the same value as one concurrent with them
  std::string trace_hash;  // of every scheduler decision: equal for equal seeds
  std::string state_hash;  // of the server's final state
  std::vector<std::string> failures;  // broken invariants; empty means the run passed
  std::string summary() const;
};

Report run(const Config& config);

}  // namespace dsptsync::simulation
