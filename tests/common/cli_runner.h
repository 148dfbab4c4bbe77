// Runs a command-line program as a real process and captures its exit code and output, for the
// tests of both CLIs.
#pragma once

#include <nlohmann/json.hpp>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace dsptsync::testing {

struct CliRun {
  int code = -1;
  std::string out;
  std::string err;
  nlohmann::json data;  // stdout parsed as JSON when it is JSON
  const nlohmann::json& parsed() const { return data; }
};

inline std::string shell_quote(const std::string& arg) {
  std::string out = "'";
  for (char c : arg) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

inline std::string read_text_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// std::system, but the program inherits no descriptor beyond the standard three: a server this test
// runs in its own process keeps its listening socket to itself, even when the program leaves a
// daemon behind (Wine's wineserver), so the port is free again once the server stops.
inline int run_shell(const std::string& command) {
  const pid_t pid = ::fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    ::close_range(3, ~0U, 0);
    ::execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) return -1;
  return status;
}

// Runs `prefix ARGS...` through the shell (prefix: the program, its fixed options, and any `env`
// settings, already quoted), capturing stdout and stderr through files in `scratch`.
inline CliRun run_program(const std::string& prefix, const std::vector<std::string>& args,
                          const std::filesystem::path& scratch) {
  std::string command = prefix;
  for (const auto& arg : args) command += " " + shell_quote(arg);
  command += " >" + shell_quote((scratch / "out").string()) + " 2>" + shell_quote((scratch / "err").string());
  const int status = run_shell(command);
  CliRun result{WIFEXITED(status) ? WEXITSTATUS(status) : -1, read_text_file(scratch / "out"),
                read_text_file(scratch / "err"), nullptr};
  result.data = nlohmann::json::parse(result.out, nullptr, /*allow_exceptions=*/false);
  return result;
}

}  // namespace dsptsync::testing
