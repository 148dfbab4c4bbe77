// A program started as a real child process for tests that talk to it while it runs (`dsptsync ui`,
// `sync --watch`): its standard output on a pipe, its errors in a file, every wait bounded, and
// stopped by its own process id only.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace dsptsync::testing {

constexpr auto kChildStep = std::chrono::seconds(10);  // the default bound of every wait below

struct Child {
  pid_t pid = -1;
  int out = -1;  // its standard output
};

// Starts args[0] (a path) with the rest as its arguments.
inline Child start_program(const std::vector<std::string>& args, const std::filesystem::path& err_file) {
  int pipe_fds[2];
  if (::pipe(pipe_fds) != 0) throw std::runtime_error("no pipe");
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(pipe_fds[1], STDOUT_FILENO);
    const int err = ::open(err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (err >= 0) ::dup2(err, STDERR_FILENO);
    ::close_range(3, ~0U, 0);  // nothing of the test's own, such as a server's listening socket
    std::vector<char*> argv;
    for (const auto& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(pipe_fds[1]);
  return {pid, pipe_fds[0]};
}

// One line of the child's output, within `within`.
inline std::string read_line(int fd, std::chrono::milliseconds within = kChildStep) {
  std::string line;
  const auto deadline = std::chrono::steady_clock::now() + within;
  while (line.empty() || line.back() != '\n') {
    const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    pollfd waiting{fd, POLLIN, 0};
    if (wait.count() <= 0 || ::poll(&waiting, 1, static_cast<int>(wait.count())) <= 0) break;
    char c = 0;
    if (::read(fd, &c, 1) != 1) break;
    line += c;
  }
  return line;
}

// The child's exit code once it ends, within `within`; -1 (and killed) if it does not.
inline int wait_for_exit(pid_t pid, std::chrono::milliseconds within = kChildStep) {
  const auto deadline = std::chrono::steady_clock::now() + within;
  int status = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    if (::waitpid(pid, &status, WNOHANG) == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ::kill(pid, SIGKILL);
  ::waitpid(pid, &status, 0);
  return -1;
}

}  // namespace dsptsync::testing
