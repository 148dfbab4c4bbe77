// Whether the server's store can commit, as the sync core last found it. /health reports it, so a
// monitor sees a full or read-only disk as soon as a commit fails, not when laptops start to
// complain that their edits stay queued. Safe from any thread: the storage thread records, the
// I/O thread reads.
#pragma once

#include "dsptsync/time.h"

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>

namespace dsptsync::server {

struct StorageHealthReport {
  bool writable = true;  // the last commit (or write check) succeeded
  std::uint64_t commits = 0;
  std::uint64_t failed_commits = 0;
  // Pushes acknowledged although their transaction did not commit: an Ack promises durability, so
  // anything but 0 is a bug that loses edits, and /health says so.
  std::uint64_t acknowledged_but_failed = 0;
  std::optional<TimestampMs> failing_since;  // while not writable: the first failure in a row
  std::string problem;                       // while not writable: what the store said
};

class StorageHealth {
 public:
  void committed() {
    std::lock_guard lock(mutex_);
    ++state_.commits;
    recovered();
  }
  // A write check (no commit of anyone's data) succeeded: the store can commit again.
  void writable_again() {
    std::lock_guard lock(mutex_);
    recovered();
  }
  void failed(std::string problem) {
    std::lock_guard lock(mutex_);
    ++state_.failed_commits;
    if (state_.writable) state_.failing_since = now_ms();
    state_.writable = false;
    state_.problem = std::move(problem);
  }
  void acknowledged_without_commit() {
    std::lock_guard lock(mutex_);
    ++state_.acknowledged_but_failed;
  }
  StorageHealthReport report() const {
    std::lock_guard lock(mutex_);
    return state_;
  }

 private:
  void recovered() {
    state_.writable = true;
    state_.failing_since.reset();
    state_.problem.clear();
  }

  mutable std::mutex mutex_;
  StorageHealthReport state_;
};

}  // namespace dsptsync::server
