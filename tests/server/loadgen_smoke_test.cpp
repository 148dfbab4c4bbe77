// A short run of every load generator workload against a real server: the figures are produced and
// sane. How fast they are is for the benchmark (tools/bench-vs-peer, docs/performance.md), never a
// test: machines here are shared and noisy.
#include "../common/cli_runner.h"
#include "../common/test_support.h"

#include <gtest/gtest.h>

#include <thread>

namespace dsptsync::testing {
namespace {

nlohmann::json run_loadgen(const std::vector<std::string>& args) {
  TempDir scratch;
  std::vector<std::string> all = {"--server", DSPTSYNC_SERVER_CLI, "--timeout", "100"};
  all.insert(all.end(), args.begin(), args.end());
  auto run = run_program(shell_quote(DSPTSYNC_LOADGEN), all, scratch.path());
  EXPECT_EQ(run.code, 0) << run.err;
  EXPECT_TRUE(run.data.is_object()) << run.out << run.err;
  return run.data;
}

void expect_sane_latency(const nlohmann::json& latency) {
  EXPECT_GT(latency["p50"].get<double>(), 0);
  EXPECT_LE(latency["p50"].get<double>(), latency["p95"].get<double>());
  EXPECT_LE(latency["p95"].get<double>(), latency["p99"].get<double>());
  EXPECT_LE(latency["p99"].get<double>(), latency["max"].get<double>());
}

TEST(LoadgenSmoke, StreamingWorkloadsAcknowledgeEveryEditAndReportTheFigures) {
  for (const char* workload : {"stream-w1", "stream-w32", "catchup"}) {
    SCOPED_TRACE(workload);
    auto out = run_loadgen({"--workload", workload, "--clients", "4", "--updates", "60"});
    ASSERT_TRUE(out.contains("load")) << out.dump();
    const auto& load = out["load"];
    EXPECT_EQ(load["edits"], 240);
    EXPECT_GT(load["editsPerSec"].get<double>(), 0);
    // The kernel counts CPU time in clock ticks (10 ms): a short run may honestly read 0.
    const double cpu = load["serverCpuSeconds"].get<double>();
    EXPECT_GE(cpu, 0);
    EXPECT_LE(cpu, load["seconds"].get<double>() * std::thread::hardware_concurrency() + 0.5)
        << "no more CPU than the cores give in the run's wall time (connecting is outside it)";
    EXPECT_GT(load["serverPeakRssMB"].get<double>(), 1);
    EXPECT_GE(load["serverPeakRssMB"].get<double>(), load["serverRssMB"].get<double>());
    expect_sane_latency(load["ackLatencyMs"]);
  }
}

TEST(LoadgenSmoke, FanoutDeliversEachEditToTheOtherDevicesOfItsBranch) {
  auto out = run_loadgen({"--workload", "fanout", "--clients", "4", "--updates", "30", "--docs", "2"});
  ASSERT_TRUE(out.contains("load")) << out.dump();
  EXPECT_EQ(out["load"]["edits"], 120);
  // Two devices per branch: each edit reaches the one other device of its branch (what is still
  // on its way when the last acknowledgement arrives is not counted).
  EXPECT_GT(out["load"]["deliveries"].get<int>(), 0);
  EXPECT_LE(out["load"]["deliveries"].get<int>(), 120);
  expect_sane_latency(out["load"]["deliveryLatencyMs"]);

  auto hq = run_loadgen({"--workload", "fanout-hq", "--branches", "5", "--edits", "3"});
  ASSERT_TRUE(hq.contains("fanout")) << hq.dump();
  EXPECT_EQ(hq["fanout"]["deliveries"], 15) << "every head office edit reaches every branch";
  expect_sane_latency(hq["fanout"]["deliveryLatencyMs"]);
}

TEST(LoadgenSmoke, IdleFirstSyncAndPublishReportTheirFigures) {
  auto idle = run_loadgen({"--workload", "idle", "--idle", "20"});
  ASSERT_TRUE(idle.contains("idle")) << idle.dump();
  EXPECT_EQ(idle["idle"]["conns"], 20);
  EXPECT_GT(idle["idle"]["rssMB"].get<double>(), 1);

  auto first = run_loadgen({"--workload", "first-sync", "--history", "600"});
  ASSERT_TRUE(first.contains("firstSync")) << first.dump();
  EXPECT_EQ(first["firstSync"]["changesReceived"], 600);
  EXPECT_GT(first["firstSync"]["seconds"].get<double>(), 0);

  auto publish = run_loadgen({"--workload", "publish", "--branches", "3"});
  ASSERT_TRUE(publish.contains("publish")) << publish.dump();
  EXPECT_EQ(publish["publish"]["sites"], 3);
}

// The store alone, no server: every layer of each side wrote every change once and was timed.
TEST(LoadgenSmoke, StoreFloorTimesEachLayerOfBothSides) {
  TempDir scratch;
  auto run = run_program(shell_quote(DSPTSYNC_LOADGEN),
                         {"--workload", "store-floor", "--clients", "3", "--updates", "700", "--timeout", "100"},
                         scratch.path());
  ASSERT_EQ(run.code, 0) << run.err;
  ASSERT_TRUE(run.data.contains("floor")) << run.out;
  for (const char* side : {"headOffice", "laptop"}) {
    SCOPED_TRACE(side);
    const auto& floor = run.data["floor"][side];
    EXPECT_EQ(floor["changes"], 2100);
    EXPECT_EQ(floor["apply"]["rows"], 2100);
    EXPECT_EQ(floor["insert"]["rows"], 2100);
    for (const char* layer : {"prepare", "insert", "apply"}) {
      EXPECT_GT(floor[layer]["usPerChange"].get<double>(), 0) << layer;
      EXPECT_GT(floor[layer]["cpuUsPerChange"].get<double>(), 0) << layer;
    }
  }
  EXPECT_EQ(run.data["floor"]["headOffice"]["perTransaction"], 500) << "a catch-up push a transaction";
}

TEST(LoadgenSmoke, DocumentsEveryBranchFetchesThePolicyWhileEditsAreTimed) {
  auto out = run_loadgen({"--workload", "documents", "--branches", "3", "--file-mib", "1"});
  ASSERT_TRUE(out.contains("documents")) << out.dump();
  const auto& documents = out["documents"];
  EXPECT_EQ(documents["branches"], 3);
  EXPECT_EQ(documents["receivedMiB"].get<double>(), 3.0) << "each branch received the whole file";
  EXPECT_GT(documents["throughputMiBps"].get<double>(), 0);
  EXPECT_GT(documents["loopbackMiBps"].get<double>(), 0);
  EXPECT_GT(documents["cryptoBoundMiBps"].get<double>(), 0);
  EXPECT_GT(documents["serverPeakRssMB"].get<double>(), 1);
  expect_sane_latency(documents["ackLatencyIdleMs"]);
  expect_sane_latency(documents["ackLatencyDuringMs"]);
}

}  // namespace
}  // namespace dsptsync::testing
