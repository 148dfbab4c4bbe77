// SyncCore's worker: the queue of requests, the rounds that run them (pushes grouped into one commit)
// and the requests of the web app and the public look-up.
#include "sync_core.h"

#include "log.h"
#include "sync_replies.h"

#include "dsptsync/limits.h"
#include "dsptsync/tuning.h"

#include <algorithm>

namespace dsptsync::server {
namespace {

using limits::kMaxPushesPerCommit;

}  // namespace

SyncCore::SyncCore(HeadOffice& head_office) : head_office_(head_office) {
  std::copy(head_office.identity().public_key.begin(), head_office.identity().public_key.end(),
            identity_public_.begin());
}

SyncCore::~SyncCore() { stop(); }

void SyncCore::start() {
  std::lock_guard lock(mutex_);
  if (worker_.joinable()) return;
  stopping_ = false;
  worker_ = std::thread([this] { run_worker(); });
  file_server_.start();
}

void SyncCore::stop() {
  file_server_.stop();
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (worker_.joinable()) worker_.join();
}

void SyncCore::enqueue(Job job) {
  {
    std::lock_guard lock(mutex_);
    queued_push_bytes_ += job.memory;
    jobs_.push_back(std::move(job));
  }
  wake_.notify_one();
}

bool SyncCore::has_room_for_pushes() {
  std::lock_guard lock(mutex_);
  return queued_push_bytes_ < limits::kMaxQueuedPushBytes;
}

void SyncCore::when_room_for_pushes(std::function<void()> resume) {
  {
    std::lock_guard lock(mutex_);
    if (queued_push_bytes_ >= limits::kMaxQueuedPushBytes) {
      waiting_for_room_.push_back(std::move(resume));
      return;
    }
  }
  resume();
}

void SyncCore::release_push_bytes(std::size_t bytes) {
  std::vector<std::function<void()>> resume;
  {
    std::lock_guard lock(mutex_);
    queued_push_bytes_ -= bytes;
    if (queued_push_bytes_ < limits::kMaxQueuedPushBytes) resume.swap(waiting_for_room_);
  }
  for (auto& waiting : resume) waiting();
}

void SyncCore::run_worker() {
  for (;;) {
    std::vector<Job> batch;
    {
      std::unique_lock lock(mutex_);
      wake_.wait_for(lock, tuning::kRevocationPoll, [this] { return stopping_ || !jobs_.empty(); });
      if (jobs_.empty() && stopping_) return;
      // Everything queued now runs as one round: consecutive pushes share one commit.
      while (!jobs_.empty()) {
        batch.push_back(std::move(jobs_.front()));
        jobs_.pop_front();
      }
    }
    run_round(batch);
    check_storage_recovered();
  }
}

void SyncCore::run_round(std::vector<Job>& batch) {
  std::vector<Job> pushes;
  std::size_t bytes = 0;
  for (auto& job : batch) {
    if (job.cover) {  // after the pushes it covers, in their commit or a later one
      covers_.push_back(std::move(*job.cover));
      continue;
    }
    if (job.push) {
      bytes += job.bytes;
      pushes.push_back(std::move(job));
      if (pushes.size() == kMaxPushesPerCommit || bytes >= limits::kMaxPushBytesPerCommit) {
        commit_pushes(pushes, covers_);
        bytes = 0;
      }
      continue;
    }
    commit_pushes(pushes, covers_);  // keep arrival order between a client's push and its next pull
    bytes = 0;
    job.run();
  }
  commit_pushes(pushes, covers_);
  record_sync_notes();
  check_revocations();
}

void SyncCore::run_pending() {
  for (;;) {
    std::vector<Job> batch;
    {
      std::lock_guard lock(mutex_);
      while (!jobs_.empty()) {
        batch.push_back(std::move(jobs_.front()));
        jobs_.pop_front();
      }
    }
    if (batch.empty()) return;
    run_round(batch);  // jobs may enqueue more (watch pages): loop until none are left
  }
}

bool SyncCore::overloaded() {
  std::lock_guard lock(mutex_);
  return jobs_.size() >= limits::kMaxQueuedRequests;
}

void SyncCore::public_status(std::string ods, std::function<void(Result<std::optional<PublicStatusRecord>>)> done) {
  if (overloaded()) return done(make_error(ErrorKind::refused, std::string(sync_replies::kBusy)));
  enqueue({[this, ods = std::move(ods), done = std::move(done)] {
             auto found = public_record(head_office_.directory(), ods);
             if (!found) log_event("error", "public_status_failed", {{"reason", found.error().message}});
             done(std::move(found));
           },
           std::nullopt,
           {}});
}

void SyncCore::run_web(std::function<web::HttpResponse()> work, std::function<void(web::HttpResponse)> done) {
  if (overloaded()) {
    web::HttpResponse busy;
    busy.status = 503;
    busy.body = R"({"error":{"code":"busy","message":"the server is busy just now; try again in a moment"}})";
    busy.headers = {{"Retry-After", "5"}, {"Cache-Control", "no-store"}};
    return done(std::move(busy));
  }
  enqueue({[this, work = std::move(work), done = std::move(done)] {
             // The first check sets where server edits start: before this request's, not after.
             if (data_version_ < 0) check_revocations();
             auto response = work();
             deliver_server_edits();
             refresh_question_sets();  // an import made in the web app
             done(std::move(response));
           },
           std::nullopt, {}});
}

void SyncCore::check_every_session() {
  std::set<std::string> connected;
  {
    std::lock_guard lock(sessions_mutex_);
    for (const auto& [device_id, weak] : sessions_) connected.insert(device_id);
  }
  for (const auto& device_id : connected) check_session(device_id);
}

}  // namespace dsptsync::server
