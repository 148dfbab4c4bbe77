// The deterministic simulation (simulation.h). CI runs 20 seeds of 1,000 operations and at least
// 50 faults each. Longer runs and replays, from the build folder:
//   DSPTSYNC_SIM_SEEDS=5000 tests/server_tests --gtest_filter='Simulation.ManySeeds'
//   DSPTSYNC_SIM_SEED=1234  tests/server_tests --gtest_filter='Simulation.ManySeeds'   (replays one seed)
#include "simulation.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <iostream>

namespace dsptsync {
namespace {

std::uint64_t env_number(const char* name, std::uint64_t fallback) {
  const char* text = std::getenv(name);
  return text && *text ? std::strtoull(text, nullptr, 10) : fallback;
}

TEST(Simulation, ManySeeds) {
  const std::uint64_t only = env_number("DSPTSYNC_SIM_SEED", 0);
  const std::uint64_t first = only ? only : env_number("DSPTSYNC_SIM_FIRST_SEED", 1);
  const std::uint64_t count = only ? 1 : env_number("DSPTSYNC_SIM_SEEDS", 20);
  const int operations = static_cast<int>(env_number("DSPTSYNC_SIM_OPERATIONS", 1000));
  int failed = 0, faults = 0, edits = 0, conflicts = 0, merges = 0, agreements = 0, concurrent = 0, equal = 0;
  for (std::uint64_t seed = first; seed < first + count; ++seed) {
    const simulation::Report report = simulation::run({seed, operations, 50});
    std::cout << "[simulation] " << report.summary() << std::endl;
    EXPECT_GE(report.operations, operations);
    EXPECT_GE(report.faults, 50);
    faults += report.faults;
    edits += report.edits;
    conflicts += report.open_conflicts;
    merges += report.merged_fields;
    agreements += report.agreeing_fields;
    concurrent += report.concurrent_edits;
    equal += report.equal_concurrent_edits;
    if (!report.failures.empty()) {
      ++failed;
      for (const auto& failure : report.failures) ADD_FAILURE() << "seed " << seed << ": " << failure;
      std::cout << "[simulation] replay with DSPTSYNC_SIM_SEED=" << seed << std::endl;
    }
  }
  std::cout << "[simulation] " << count << " seeds, " << edits << " edits, " << faults << " faults, " << concurrent
            << " concurrent edits (" << equal << " agreeing with one), " << agreements << " agreeing fields, " << merges
            << " merged fields, " << conflicts << " open conflicts kept, " << failed << " seeds failed" << std::endl;
  // The run exercises agreement: at least a fifth of the concurrent edits gave the same value as
  // another (docs/merge.md), and differing ones still reach conflicts.
  EXPECT_GE(equal * 5, concurrent) << equal << " of " << concurrent << " concurrent edits agree";
  if (operations >= 1000) {
    EXPECT_GT(conflicts, 0);
    EXPECT_GT(agreements, 0);
  }
}

TEST(Simulation, ASeedReplaysExactly) {
  const simulation::Report first = simulation::run({7, 400, 50});
  const simulation::Report again = simulation::run({7, 400, 50});
  ASSERT_TRUE(first.failures.empty()) << first.summary();
  EXPECT_EQ(first.trace_hash, again.trace_hash);
  EXPECT_EQ(first.state_hash, again.state_hash);
  EXPECT_EQ(first.server_changes, again.server_changes);
  const simulation::Report other = simulation::run({8, 400, 50});
  EXPECT_NE(first.trace_hash, other.trace_hash);
}

}  // namespace
}  // namespace dsptsync
