// The real `dsptsync-server` and `dsptsync` programs, run as people type them: head office's on a
// running server's data folder, acting as a head office user, and a laptop's on its store. With
// --json, so a test reads what scripts read.
#pragma once

#include "../common/cli_runner.h"

#include <filesystem>
#include <string>
#include <vector>

namespace dsptsync::testing {

inline CliRun head_office_program(const std::filesystem::path& data, const std::string& acting,
                                  const std::vector<std::string>& args, const std::filesystem::path& scratch) {
  const std::string prefix = "env DSPTSYNC_SERVER_USER=" + shell_quote(acting) + " " + shell_quote(DSPTSYNC_SERVER_CLI) +
                             " --json --data " + shell_quote(data.string());
  return run_program(prefix, args, scratch);
}

inline CliRun laptop_program(const std::filesystem::path& store, const std::vector<std::string>& args,
                             const std::filesystem::path& scratch) {
  const std::string prefix = shell_quote(DSPTSYNC_CLI) + " --json --store " + shell_quote(store.string());
  return run_program(prefix, args, scratch);
}

}  // namespace dsptsync::testing
