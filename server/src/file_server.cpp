#include "file_server.h"

#include "log.h"

#include "dsptsync/limits.h"
#include "dsptsync/tuning.h"

#include <cerrno>
#include <cstring>

#include <sys/resource.h>
#include <unistd.h>

namespace dsptsync::server {
namespace {

using protocol::ErrorCode;
using protocol::FileRefused;
using sync_replies::file_busy;
using sync_replies::file_refusal;
using sync_replies::file_store_failed;

// One answer for a file that does not exist and for one the device may not fetch: a guess learns nothing.
FileRefused no_such_file(const files::Hash& root) {
  return file_refusal(root, ErrorCode::forbidden, "no such file for this device");
}

}  // namespace

FileServer::FileServer(HeadOffice& head_office, std::function<void(std::function<void()>)> on_storage_thread)
    : head_office_(head_office), on_storage_thread_(std::move(on_storage_thread)) {}

FileServer::~FileServer() { stop(); }

void FileServer::start() {
  std::lock_guard lock(mutex_);
  if (started_) return;
  auto reader = head_office_.open_library_reader();
  if (!reader) {
    log_event("error", "file_server_not_started", {{"reason", reader.error().message}});
    return;  // files are then served on the storage thread
  }
  reader_ = std::move(*reader);
  started_ = true;
  stopping_ = false;
  {
    std::lock_guard budget_lock(budget_->mutex);
    budget_->stopping = false;
  }
  thread_ = std::thread([this] { run_thread(); });
}

void FileServer::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  {
    std::lock_guard lock(budget_->mutex);
    budget_->stopping = true;
  }
  budget_->room.notify_all();
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  std::lock_guard lock(mutex_);
  started_ = false;
  reader_.reset();
}

void FileServer::run(std::function<void(Reads)> job, std::function<void()> refuse_busy) {
  {
    std::unique_lock lock(mutex_);
    // Once stopping, the thread only drains what is queued: later requests go to the storage thread.
    if (started_ && !stopping_) {
      // Each session asks for one window at a time, so the queue holds one request per downloading
      // session at most; more means a client that does not wait for its answers.
      if (jobs_.size() >= limits::kMaxQueuedRequests) {
        lock.unlock();
        return refuse_busy();
      }
      jobs_.push_back([this, job = std::move(job)] { job({*reader_->directory, *reader_->files, true}); });
      lock.unlock();
      wake_.notify_one();
      return;
    }
  }
  on_storage_thread_([this, job = std::move(job)] { job({head_office_.directory(), head_office_.files(), false}); });
}

void FileServer::run_thread() {
  // Answer sync first, bytes after: this thread gets the CPU the others leave (Linux: per thread).
  if (setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), tuning::kFileServerNiceness) != 0)
    log_event("warn", "file_server_priority", {{"reason", std::strerror(errno)}});
  for (;;) {
    std::function<void()> job;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
      if (jobs_.empty()) return;  // stopping, with every request answered
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    job();
  }
}

std::shared_ptr<void> FileServer::take_window() {
  std::unique_lock lock(budget_->mutex);
  budget_->room.wait(lock, [&] { return budget_->stopping || budget_->unqueued < tuning::kFileWindowsUnqueued; });
  ++budget_->unqueued;
  return std::shared_ptr<void>(nullptr, [budget = budget_](void*) {
    {
      std::lock_guard released(budget->mutex);
      --budget->unqueued;
    }
    budget->room.notify_one();
  });
}

Result<bool> FileServer::may_fetch(Reads reads, const Principal& who, const files::Hash& root) {
  // A branch reads its own files and head office's; head office any file some site holds whole.
  std::vector<std::string> scopes{head_office_.hq().code};
  if (!who.branch.empty()) {
    scopes.push_back(who.branch);
  } else {
    auto branches = reads.directory.branches();
    if (!branches) return branches.error();
    for (const auto& branch : *branches) scopes.push_back(branch.ods);
  }
  return reads.files.held_by_any(root, scopes);
}

std::optional<FileRefused> FileServer::refusal_for(Reads reads, const Principal& who, const files::Hash& root) {
  // The person of now: a role changed or revoked since the session began counts at once.
  auto now = principal_of_device(reads.directory, who.device_id);
  if (auto* refused = std::get_if<protocol::ErrorMessage>(&now))
    return file_refusal(root, refused->code, refused->message);
  auto allowed = may_fetch(reads, std::get<Principal>(now), root);
  if (!allowed) return file_store_failed(root, "file_fetch_failed", allowed.error());
  if (!*allowed) return no_such_file(root);
  return std::nullopt;
}

void FileServer::fetch_file(Principal who, protocol::FetchFile request, ReplyCallback done) {
  const files::Hash root = request.root;
  auto job = [this, who = std::move(who), root, done](Reads reads) {
    if (auto refused = refusal_for(reads, who, root)) return done(std::move(*refused));
    auto manifest = reads.files.manifest(root);
    if (!manifest) return done(file_store_failed(root, "file_fetch_failed", manifest.error()));
    if (!*manifest) return done(no_such_file(root));
    done(protocol::FileManifest{root, std::move(**manifest)});
  };
  run(std::move(job), [root, done] { done(file_busy(root)); });
}

void FileServer::fetch_chunks(Principal who, protocol::FetchChunks request, ChunkWindow window, ChunksCallback done) {
  // Shared by the job and the busy answer: a std::function's parts must be copyable.
  auto lent = std::make_shared<ChunkWindow>(std::move(window));
  auto job = [this, who = std::move(who), request, lent, done](Reads reads) {
    // Asked again for every window: a chunk is never served on the strength of an earlier answer.
    auto refused = refusal_for(reads, who, request.root);
    if (!refused) lent->reading = reads.own_thread ? take_window() : nullptr;
    seal(*lent, refused ? std::vector<protocol::Message>{std::move(*refused)} : chunks(reads, request));
    done(std::move(*lent));
  };
  run(std::move(job), [root = request.root, lent, done] {
    seal(*lent, {file_busy(root)});
    done(std::move(*lent));
  });
}

void FileServer::seal(ChunkWindow& window, const std::vector<protocol::Message>& answers) {
  for (const auto& answer : answers)
    window.frames.push_back(window.sender.seal_frame(protocol::encode_message(answer), window.version));
}

std::vector<protocol::Message> FileServer::chunks(Reads reads, const protocol::FetchChunks& request) {
  const files::Hash& root = request.root;
  auto opened = reads.files.chunks(root, request.first, request.count);
  if (!opened) {
    switch (opened.error().kind) {
      case ErrorKind::not_found: return {no_such_file(root)};
      case ErrorKind::invalid_input: return {file_refusal(root, ErrorCode::invalid_change, opened.error().message)};
      default: return {file_store_failed(root, "file_chunk_unreadable", opened.error())};
    }
  }
  std::vector<protocol::Message> answers;
  std::uint32_t index = request.first;
  for (auto& bytes : *opened) answers.push_back(protocol::FileChunk{root, index++, std::move(bytes)});
  return answers;
}

}  // namespace dsptsync::server
