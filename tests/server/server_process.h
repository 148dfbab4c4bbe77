// A program this test run starts as a real child process (`dsptsync-server serve`, a one-shot
// command): its standard output on a pipe, its errors appended to a log file, every wait bounded,
// and killed and reaped by its own process id when the test is done with it.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <iterator>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

extern char** environ;

namespace dsptsync::testing {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// The environment for the server binary: without the variables that would make it use another
// data folder or a passphrase this test does not know.
inline std::vector<std::string> server_environment() {
  std::vector<std::string> out;
  for (char** entry = environ; entry && *entry; ++entry) {
    const std::string_view text(*entry);
    if (text.starts_with("DSPTSYNC_SERVER_PASSPHRASE=") || text.starts_with("DSPTSYNC_SERVER_DATA=")) continue;
    out.emplace_back(text);
  }
  return out;
}

// A process this test started. Its stdout comes back through a pipe; its stderr is appended to a
// log file. The destructor kills and reaps it, so no process outlives a failing test; and
// PR_SET_PDEATHSIG kills it should the test process itself die first.
class Child {
 public:
  static std::unique_ptr<Child> start(const std::vector<std::string>& args, const std::filesystem::path& log) {
    // Everything the child needs is built before fork: other threads of this test may hold the
    // allocator's lock at that moment, so the child may only make async-signal-safe calls.
    std::vector<char*> argv;
    for (const auto& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
    argv.push_back(nullptr);
    static const std::vector<std::string> environment = server_environment();
    std::vector<char*> envp;
    for (const auto& entry : environment) envp.push_back(const_cast<char*>(entry.c_str()));
    envp.push_back(nullptr);

    int out[2];
    if (pipe2(out, O_CLOEXEC) != 0) throw std::system_error(errno, std::generic_category(), "pipe2");
    const int err = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (err < 0) {
      ::close(out[0]);
      ::close(out[1]);
      throw std::system_error(errno, std::generic_category(), "open " + log.string());
    }
    const pid_t parent = getpid();
    const pid_t pid = fork();
    if (pid < 0) {
      const int error = errno;
      ::close(out[0]);
      ::close(out[1]);
      ::close(err);
      throw std::system_error(error, std::generic_category(), "fork");
    }
    if (pid == 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (getppid() != parent) _exit(127);
      sigset_t none;
      sigemptyset(&none);
      sigprocmask(SIG_SETMASK, &none, nullptr);
      const int null = ::open("/dev/null", O_RDONLY);
      if (null < 0 || dup2(null, STDIN_FILENO) < 0 || dup2(out[1], STDOUT_FILENO) < 0 ||
          dup2(err, STDERR_FILENO) < 0)
        _exit(127);
      // The client threads' sockets and SQLite files must not leak into the server: a copy of a
      // client's socket held by the server would keep that connection open after the client
      // closed it.
      if (close_range(3, ~0U, 0) != 0)
        for (int fd = 3; fd < 4096; ++fd) ::close(fd);
      execve(argv[0], argv.data(), envp.data());
      _exit(127);
    }
    ::close(out[1]);
    ::close(err);
    return std::unique_ptr<Child>(new Child(pid, out[0]));
  }

  ~Child() {
    if (!reaped_) {
      ::kill(pid_, SIGKILL);
      int status = 0;
      while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
      }
    }
    ::close(out_);
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  pid_t pid() const { return pid_; }

  // The processor time it has used, user and system, in seconds (/proc/PID/stat).
  double cpu_seconds() const {
    std::ifstream in("/proc/" + std::to_string(pid_) + "/stat");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const auto after_name = text.rfind(')');
    if (after_name == std::string::npos) return 0;
    std::istringstream fields(text.substr(after_name + 2));
    std::string field;
    double ticks = 0;
    for (int i = 0; fields >> field; ++i)  // utime and stime are the 14th and 15th fields
      if (i == 11 || i == 12) ticks += std::stod(field);
    return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
  }

  // A figure of /proc/PID/status in bytes: "VmRSS" (resident now) or "VmHWM" (the peak since it
  // started, or since reset_peak_memory); 0 if it is not there.
  std::size_t memory_bytes(std::string_view figure) const {
    std::ifstream in("/proc/" + std::to_string(pid_) + "/status");
    const std::string prefix = std::string(figure) + ":";
    for (std::string line; std::getline(in, line);)
      if (line.starts_with(prefix)) return std::stoull(line.substr(prefix.size())) * 1024;  // in kB
    return 0;
  }

  // Starts VmHWM again from the present VmRSS (/proc/PID/clear_refs), to measure one phase's peak.
  void reset_peak_memory() const {
    std::ofstream("/proc/" + std::to_string(pid_) + "/clear_refs") << "5";
  }

  // The next line of its stdout; nothing on end of file (it exited) or at the deadline.
  std::optional<std::string> read_line(Clock::time_point deadline) {
    for (;;) {
      if (const auto end = buffer_.find('\n'); end != std::string::npos) {
        std::string line = buffer_.substr(0, end);
        buffer_.erase(0, end + 1);
        return line;
      }
      if (!fill(deadline)) return std::nullopt;
    }
  }

  // Everything it writes to stdout until it closes it (or the deadline).
  std::string read_all(Clock::time_point deadline) {
    while (fill(deadline)) {
    }
    return std::exchange(buffer_, {});
  }

  // Sends `signal` (unless it has already exited) and reaps it; its wait status, or nothing if it
  // has not exited by the deadline.
  std::optional<int> signal_and_reap(int signal, Clock::time_point deadline) {
    if (reaped_) return status_;
    if (signal) ::kill(pid_, signal);
    for (;;) {
      int status = 0;
      const pid_t done = waitpid(pid_, &status, WNOHANG);
      if (done == pid_) {
        reaped_ = true;
        status_ = status;
        return status;
      }
      if (done < 0 && errno != EINTR) throw std::system_error(errno, std::generic_category(), "waitpid");
      if (Clock::now() >= deadline) return std::nullopt;
      std::this_thread::sleep_for(1ms);
    }
  }

 private:
  Child(pid_t pid, int out) : pid_(pid), out_(out) {}

  // Reads what is available into the buffer; false on end of file or at the deadline.
  bool fill(Clock::time_point deadline) {
    for (;;) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
      if (left <= 0) return false;
      pollfd entry{out_, POLLIN, 0};
      const int ready = poll(&entry, 1, static_cast<int>(left));
      if (ready < 0 && errno == EINTR) continue;
      if (ready <= 0) return false;
      char chunk[4096];
      const ssize_t got = ::read(out_, chunk, sizeof chunk);
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) return false;
      buffer_.append(chunk, static_cast<std::size_t>(got));
      return true;
    }
  }

  pid_t pid_;
  int out_;
  std::string buffer_;
  bool reaped_ = false;
  int status_ = 0;
};

inline std::string describe_status(int status) {
  if (WIFEXITED(status)) return "exit code " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return std::string("signal ") + strsignal(WTERMSIG(status));
  return "wait status " + std::to_string(status);
}

inline std::string tail_of(const std::filesystem::path& file, std::size_t lines) {
  std::ifstream in(file);
  std::vector<std::string> all;
  for (std::string line; std::getline(in, line);) all.push_back(line);
  std::string out;
  for (std::size_t i = all.size() > lines ? all.size() - lines : 0; i < all.size(); ++i) out += all[i] + "\n";
  return out;
}

}  // namespace dsptsync::testing
