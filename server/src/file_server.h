// The policy library's files served to laptops (FetchFile, FetchChunks; docs/protocol.md) on a thread
// and a database connection of their own. Two hundred branches fetching a 5 MiB policy read and open
// four thousand chunks: on the storage thread, every one of them would wait ahead of an edit's commit
// (docs/performance.md, the documents workload). Reads need no order with the writes beyond what a
// committed transaction gives: a file is served only once it is held whole, and never changes after.
#pragma once

#include "principal.h"
#include "sync_replies.h"

#include "dsptsync/server/head_office.h"

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <variant>

namespace dsptsync::server {

class FileServer {
 public:
  // `on_storage_thread` runs a job on the storage thread: where requests go until start() (the
  // deterministic simulation drives that thread itself), or if the server's own connection cannot be
  // opened; they then use head office's connection, as every other request does.
  FileServer(HeadOffice& head_office, std::function<void(std::function<void()>)> on_storage_thread);
  ~FileServer();
  FileServer(const FileServer&) = delete;
  FileServer& operator=(const FileServer&) = delete;

  // Opens the connection of its own and starts the thread; answers what is queued, then stops.
  void start();
  void stop();

  // Every answer is the file's message or a FileRefused. Who may fetch is asked again for every
  // request, from the directory as it is now; a file the device may not fetch is refused exactly as
  // one that does not exist.
  void fetch_file(Principal who, protocol::FetchFile request, ReplyCallback done);
  // The chunks asked for, read one request at a time (a window of chunks in memory at most) and
  // sealed with the session's sending side, lent in `window`: request.count FileChunk, or a
  // FileRefused in place of the rest.
  void fetch_chunks(Principal who, protocol::FetchChunks request, ChunkWindow window, ChunksCallback done);

 private:
  // The connection a job reads through: the file server's own, or head office's on the storage thread.
  struct Reads {
    Directory& directory;
    files::FileStore& files;
    bool own_thread;  // false: on the storage thread, which never waits for a session
  };
  // Windows read and not yet queued by their sessions (tuning::kFileWindowsUnqueued at most). Shared
  // with the tickets sessions hold, which may outlive the file server.
  struct Budget {
    std::mutex mutex;
    std::condition_variable room;
    std::size_t unqueued = 0;
    bool stopping = false;  // at shutdown nothing waits for sessions that may never queue theirs
  };
  std::shared_ptr<void> take_window();
  void run(std::function<void(Reads)> job, std::function<void()> busy);
  void run_thread();
  std::optional<protocol::FileRefused> refusal_for(Reads reads, const Principal& who, const files::Hash& root);
  Result<bool> may_fetch(Reads reads, const Principal& who, const files::Hash& root);
  std::vector<protocol::Message> chunks(Reads reads, const protocol::FetchChunks& request);
  static void seal(ChunkWindow& window, const std::vector<protocol::Message>& answers);

  HeadOffice& head_office_;
  std::function<void(std::function<void()>)> on_storage_thread_;
  std::optional<LibraryReader> reader_;  // the file server's own connection, while started

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> jobs_;
  bool started_ = false;
  bool stopping_ = false;
  std::thread thread_;
  std::shared_ptr<Budget> budget_ = std::make_shared<Budget>();
};

}  // namespace dsptsync::server
