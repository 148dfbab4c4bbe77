// The platform seam on Linux and other POSIX systems (platform.h).
#include "dsptsync/platform.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <pwd.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <thread>
#include <utility>

extern char** environ;

namespace dsptsync::platform {
namespace {

std::atomic<bool>* g_stop_flag = nullptr;
extern "C" void on_stop_signal(int) {
  if (g_stop_flag) g_stop_flag->store(true);
}

Error errno_error() { return make_error(errno == EEXIST ? ErrorKind::refused : ErrorKind::io, std::strerror(errno)); }

// Writes all of `content` to `fd`, retrying short writes and interruptions.
bool write_all(int fd, std::string_view content) {
  std::size_t done = 0;
  while (done < content.size()) {
    const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace

std::vector<std::string> utf8_arguments(int argc, char** argv) { return {argv, argv + argc}; }

void prepare_console() {}

void keep_own_console_open() {}

void keep_new_files_private() { ::umask(077); }

std::optional<std::string> environment(std::string_view name) {
  const char* value = std::getenv(std::string(name).c_str());
  if (!value || !*value) return std::nullopt;
  return std::string(value);
}

std::optional<std::filesystem::path> user_data_dir() {
  if (auto xdg = environment("XDG_DATA_HOME")) return path_from_utf8(*xdg);
  if (auto home = environment("HOME")) return path_from_utf8(*home) / ".local" / "share";
  return std::nullopt;
}

std::string login_name() {
  if (const passwd* entry = getpwuid(getuid())) {
    std::string full_name = entry->pw_gecos ? entry->pw_gecos : "";
    full_name = full_name.substr(0, full_name.find(','));
    if (full_name.find_first_not_of(' ') != std::string::npos) return full_name;
    if (entry->pw_name && *entry->pw_name) return entry->pw_name;
  }
  return environment("USER").value_or("");
}

std::string host_name() {
  char buffer[256] = {};
  if (gethostname(buffer, sizeof buffer - 1) != 0) return "device";
  return buffer;
}

void stop_on_request(std::atomic<bool>& flag) {
  g_stop_flag = &flag;
  std::signal(SIGINT, on_stop_signal);
  std::signal(SIGTERM, on_stop_signal);
}

// xdg-open, without waiting for it (some browsers keep it running while they are open); only
// when there is a desktop to open a browser on.
void open_in_browser(const std::string& url) {
  if (!environment("DISPLAY") && !environment("WAYLAND_DISPLAY")) return;
  posix_spawn_file_actions_t actions;
  if (posix_spawn_file_actions_init(&actions) != 0) return;
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  std::string program = "xdg-open";
  std::string argument = url;
  char* argv[] = {program.data(), argument.data(), nullptr};
  pid_t pid = 0;
  const int spawned = posix_spawnp(&pid, "xdg-open", &actions, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) return;
  std::thread([pid] {
    int status = 0;
    waitpid(pid, &status, 0);
  }).detach();
}

Status write_new_file(const std::filesystem::path& path, std::string_view content, FileAccess access) {
  // O_EXCL: a file already there is not ours to overwrite.
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
                        access == FileAccess::owner_only ? 0600 : 0644);
  if (fd < 0) return errno_error();
  if (!write_all(fd, content) || ::fsync(fd) != 0) {
    const Error failed = errno_error();
    ::close(fd);
    return failed;
  }
  if (::close(fd) != 0) return errno_error();
  // The file's own fsync does not make its folder's entry durable: without this, a power cut
  // right after could keep what refers to the file but lose the file itself.
  return sync_directory(path.has_parent_path() ? path.parent_path() : std::filesystem::path("."));
}

Status write_secret_file(const std::filesystem::path& path, ByteView secret) {
  return write_new_file(path, as_text(secret), FileAccess::owner_only);
}

Result<Bytes> read_secret_file(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return not_found(ec ? ec.message() : "no such file");
  std::ifstream in(path, std::ios::binary);
  if (!in) return io_error(std::strerror(errno));
  Bytes bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return io_error(std::strerror(errno));
  return bytes;
}

Status sync_file(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno_error();
  const bool synced = ::fsync(fd) == 0;
  const Status status = synced ? Status{} : Status(errno_error());
  ::close(fd);
  return status;
}

Status sync_directory(const std::filesystem::path& folder) {
  const int dir = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0) return errno_error();
  const Status status = ::fsync(dir) == 0 ? Status{} : Status(errno_error());
  ::close(dir);
  return status;
}

std::optional<std::vector<std::string>> trusted_root_certificates() { return std::nullopt; }

std::optional<MemoryFile> MemoryFile::create() {
#ifdef __linux__
  const int fd = ::memfd_create("dsptsync-export", MFD_CLOEXEC);
  if (fd >= 0) return MemoryFile(fd);
#endif
  return std::nullopt;
}

MemoryFile::MemoryFile(MemoryFile&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}

MemoryFile::~MemoryFile() {
  if (fd_ >= 0) ::close(fd_);
}

std::filesystem::path MemoryFile::path() const { return "/proc/self/fd/" + std::to_string(fd_); }

Result<std::string> MemoryFile::read() const {
  std::string out;
  char chunk[65536];
  for (off_t at = 0;;) {
    const ssize_t got = ::pread(fd_, chunk, sizeof chunk, at);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) return errno_error();
    if (got == 0) return out;
    out.append(chunk, static_cast<std::size_t>(got));
    at += got;
  }
}

std::optional<std::filesystem::path> memory_folder() {
  std::error_code ec;
  if (std::filesystem::is_directory("/dev/shm", ec) && ::access("/dev/shm", W_OK) == 0) return "/dev/shm";
  return std::nullopt;
}

}  // namespace dsptsync::platform
