// Runs a command-line program as a real process and captures its exit code and output, for the
// tests of both CLIs.
#pragma once

#include <nlohmann/json.hpp>
#include <sys/wait.h>

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

// Runs `prefix ARGS...` through the shell (prefix: the program, its fixed options, and any `env`
// settings, already quoted), capturing stdout and stderr through files in `scratch`.
inline CliRun run_program(const std::string& prefix, const std::vector<std::string>& args,
                          const std::filesystem::path& scratch) {
  std::string command = prefix;
  for (const auto& arg : args) command += " " + shell_quote(arg);
  command += " >" + shell_quote((scratch / "out").string()) + " 2>" + shell_quote((scratch / "err").string());
  const int status = std::system(command.c_str());
  CliRun result{WIFEXITED(status) ? WEXITSTATUS(status) : -1, read_text_file(scratch / "out"),
                read_text_file(scratch / "err"), nullptr};
  result.data = nlohmann::json::parse(result.out, nullptr, /*allow_exceptions=*/false);
  return result;
}

}  // namespace dsptsync::testing
