// The platform seam: everything dsptsync asks of the operating system beyond the C++ standard
// library, Asio and SQLite, in one small interface (in the manner of leveldb's Env). There is one
// implementation per platform, src/platform/posix.cpp and src/platform/windows.cpp, and the build
// picks one: no other file includes an operating system's headers or asks which one it runs on.
//
// Text is UTF-8 everywhere in dsptsync. On Windows a path is UTF-16 and a narrow string handed to
// std::filesystem::path is read in the ANSI code page, so text becomes a path, and a path text,
// only through path_from_utf8 and utf8_of.
#pragma once

#include "dsptsync/bytes.h"
#include "dsptsync/error.h"

#include <atomic>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dsptsync::platform {

// ---- Text and paths (the same code on every platform: C++20's char8_t conversions).
std::filesystem::path path_from_utf8(std::string_view text);
std::string utf8_of(const std::filesystem::path& path);

// ---- The process
// The command line as UTF-8. (Windows hands main() the ANSI code page's bytes: an "é" in a folder
// name would not survive; the wide command line is read instead.)
std::vector<std::string> utf8_arguments(int argc, char** argv);

// Makes the console show UTF-8 and keeps '\n' line ends in output that goes to a file or a pipe
// (Windows); nothing to do elsewhere.
void prepare_console();

// When the program has a console window of its own (started from the Start menu or Explorer, not
// from a terminal), that window closes when the program ends: waits for Enter first, so its last
// message can be read (Windows). Nothing to do elsewhere.
void keep_own_console_open();

// From now on the files and folders this process creates are for its own account only (POSIX:
// umask 077), whatever umask it was started with: the databases, their WAL, backups, key files and
// exports hold confidential answers. Windows: new files take their folder's access list; nothing here.
void keep_new_files_private();

// The value of an environment variable, as UTF-8; nullopt when it is unset or empty.
std::optional<std::string> environment(std::string_view name);

// The folder where this user's applications keep their data: %LOCALAPPDATA% on Windows,
// $XDG_DATA_HOME or ~/.local/share elsewhere; nullopt when there is none (no HOME).
std::optional<std::filesystem::path> user_data_dir();

// Who is signed in, as people write it: the account's full name (POSIX: the GECOS field up to its
// first comma; Windows: the display name), else the login name; empty when neither can be read.
std::string login_name();

// This computer's name (a device's default name at enrolment); "device" when it cannot be read.
std::string host_name();

// From now on a request to stop (Ctrl-C; SIGTERM; on Windows also Ctrl-Break and closing the
// console window) sets `flag` instead of ending the process, so the command can close its
// connections and its store. Closing a Windows console leaves the process a few seconds to do so.
void stop_on_request(std::atomic<bool>& flag);

// Opens a link in the user's default browser without waiting for it. Silent when there is no
// browser or desktop: callers print the link anyway.
void open_in_browser(const std::string& url);

// ---- Files
// Creates `path`, which must not exist yet, writes `content` and makes it durable (the file and
// its folder's entry) before returning. owner_only: no other account may read it (POSIX mode 0600;
// on Windows an access list naming only the current user). On failure the error's message is the
// system's reason; its kind is `refused` when a file was already there, `io` otherwise.
enum class FileAccess { owner_only, usual };
Status write_new_file(const std::filesystem::path& path, std::string_view content, FileAccess access);

// A file holding a secret key: written like write_new_file with owner_only, and on Windows also
// sealed with the user's data protection key (DPAPI), so a copy of the file opens only for the
// same user on the same computer. read_secret_file gives back the bytes written; it also reads a
// plain (unsealed) file. A missing file is `not_found`; a sealed file another account or computer
// wrote is `refused`.
Status write_secret_file(const std::filesystem::path& path, ByteView secret);
Result<Bytes> read_secret_file(const std::filesystem::path& path);

// A file that lives in memory only (Linux: memfd_create), for a library that writes only to a file
// name (libxlsxwriter): nothing of it reaches a disk. nullopt where the system has none.
class MemoryFile {
 public:
  static std::optional<MemoryFile> create();
  MemoryFile(MemoryFile&& other) noexcept;
  MemoryFile& operator=(MemoryFile&&) = delete;
  ~MemoryFile();
  // A name that opens it (/proc/self/fd/N).
  std::filesystem::path path() const;
  // Everything written to it so far.
  Result<std::string> read() const;

 private:
  explicit MemoryFile(int fd) : fd_(fd) {}
  int fd_ = -1;
};
// A folder in memory (Linux: /dev/shm) for a library's own temporary files; nullopt when none.
std::optional<std::filesystem::path> memory_folder();

// Makes an existing file's content durable (fsync; FlushFileBuffers).
Status sync_file(const std::filesystem::path& path);

// Makes the entries of a folder durable after a file in it was created or renamed (fsync of the
// folder). On Windows there is nothing to do: NTFS journals them itself.
Status sync_directory(const std::filesystem::path& folder);

// ---- TLS
// The certificates of the authorities this system trusts, in PEM, for a TLS library that does not
// read the system's store itself (OpenSSL on Windows). nullopt: the TLS library's own default
// paths are the system's (Linux).
std::optional<std::vector<std::string>> trusted_root_certificates();

}  // namespace dsptsync::platform
