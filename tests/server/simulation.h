// Deterministic simulation of an organisation syncing under faults (docs/merge.md, "Proof").
//
// The real server storage and rules (HeadOffice, SyncCore: permissions, signatures, group commit,
// paging) and real branch clients (Workspace: SQLite store, ledger, the client's sync steps) run in
// one thread under a seeded scheduler. Messages are encoded with the real protocol encoding and
// travel through a simulated network that drops, duplicates, reorders and delays them, and
// partitions clients; any replica may crash and restart from its files. After the faults heal,
// every invariant is checked. The same seed always gives the same run (trace hash).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace dsptsync::simulation {

struct Config {
  std::uint64_t seed = 1;
  int operations = 1000;  // scheduler steps before healing
  int min_faults = 50;    // faults injected at least (more happen at random)
};

struct Report {
  std::uint64_t seed = 0;
  int operations = 0;
  int edits = 0;
  int resolutions = 0;
  int faults = 0;
  int drops = 0, duplicates = 0, reorders = 0, delays = 0, partitions = 0, client_crashes = 0, server_crashes = 0;
  int acknowledged = 0;   // changes whose acknowledgement reached their client
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
