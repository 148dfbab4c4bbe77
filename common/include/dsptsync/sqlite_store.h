// The embedded SQLite implementation of Store (docs/storage.md: schema and migrations).
#pragma once

#include "dsptsync/store.h"
#include "dsptsync/tuning.h"

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

namespace dsptsync {

struct SqliteStoreOptions {
  bool create_if_missing = false;
  // How long a write waits while another process holds the write lock.
  std::chrono::milliseconds busy_timeout = tuning::kSqliteBusyTimeout;
  // A registered SQLite VFS to use instead of the default (tests: the power-loss VFS).
  std::string vfs_name;
  // Whether the store keeps the two indexes only a laptop needs, its upload queue's (its own changes
  // not yet acknowledged) and a target's history's, or the one only head office needs, each scope's
  // changes in order. Each store goes without the other side's: each would cost every change it
  // receives a write to a page of its own. Head office finds a target's history through its scope's
  // changes (docs/storage.md).
  bool laptop_indexes = true;
  // A second connection for reads on another thread (head office's file server): never migrates or
  // writes (query_only), and is refused unless the database is at this build's schema.
  bool read_only = false;
};

// Opens (and migrates to the current schema) the database at `path`. WAL, synchronous=FULL,
// foreign keys and defensive mode on. A file that is not a dsptsync store, or one from a newer
// version, is refused with a message saying so.
Result<std::unique_ptr<Store>> open_sqlite_store(const std::filesystem::path& path, const SqliteStoreOptions& options);

}  // namespace dsptsync
