// A test SQLite VFS that models power loss: what a file holds after the power goes is what its
// last xSync made durable, and nothing written after.
//
// Why: kill -9 cannot show a missing fsync, because the kernel still writes its page cache to disk
// (docs: /work/shared/engineering.md, "Traps"). This shim sits over the real "unix" VFS and keeps
// every write since a file's last xSync in memory (its "pending" sectors) instead of on disk, so the
// real file on disk is always exactly the durable image. xRead serves pending over durable, xSync
// writes the pending sectors to the real file and fsyncs it, and a power loss throws them away.
//
// The model, file by file:
// - Database, WAL and journal files: pending sectors per path (not per handle), because the page
//   cache belongs to the file: a write through one handle is visible through another, survives
//   closing the handle, and any handle's fsync makes it durable.
// - xTruncate: applies to what readers see at once, and to the disk at the next xSync.
// - The -shm file: shared memory, never durable. After a power loss it is deleted, as SQLite's own
//   crash tests do, so the next opener rebuilds the wal-index from the WAL.
// - xDelete: removes the file at once and for good (directory entries are not modelled: a delete
//   or a create without a directory fsync counts as durable; weaker than ext4, where either may be
//   undone). Temporary files without a name pass straight through: nobody reopens them.
//
// A power loss (simulate_power_loss(), or cut_power_after() in the middle of a later operation)
// makes every later write, truncate, sync, delete and open fail, like a dead machine: the caller
// then destroys its connections (nothing they do reaches the disk) and calls restore_power(), which
// decides what of the unsynced data reached the platter (PowerLossMode), deletes the -shm files and
// accepts I/O again.
//
// Memory-mapped I/O is disabled (io methods version 2, no xFetch) so SQLite cannot read the real
// file behind the shim's back; capabilities are reduced to powersafe overwrite, which the sector
// model honours (a persisted sector holds, outside the bytes written, exactly its durable bytes).
#pragma once

#include <sqlite3.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <vector>

namespace dsptsync::testing {

// What of the data written since the last sync reaches the disk when the power goes.
enum class PowerLossMode {
  drop_unsynced,  // none of it: every file is exactly its last sync (the brief's model)
  tear_unsynced,  // a seeded random subset of 512-byte sectors, and of pending truncations
  keep_unsynced,  // all of it, but nothing more happens: a process crash (kill -9), not a power cut
};

// Which operations count down to a scheduled power cut.
enum class CutOn {
  any_mutation,   // xWrite, xTruncate and xSync of durable files, and xDelete
  main_db_write,  // xWrite of a main database file: in WAL mode only a checkpoint writes it
};

struct PowerLossStats {
  std::uint64_t writes = 0;  // xWrite calls on durable files
  std::uint64_t syncs = 0;   // xSync calls that made pending data durable
  std::uint64_t truncates = 0;
  std::uint64_t deletes = 0;
  std::uint64_t power_losses = 0;
  std::uint64_t cuts_during_checkpoint = 0;  // the main database file had unsynced writes at the cut
  std::uint64_t unsynced_writes = 0;         // xWrite calls not yet synced when the power went
  std::uint64_t dropped_sectors = 0;         // unsynced sectors that did not reach the disk
  std::uint64_t kept_sectors = 0;            // unsynced sectors that did (tear and keep modes)
  std::uint64_t refused_while_dead = 0;      // operations refused between the cut and restore_power()
};

class PowerLossVfs {
 public:
  static constexpr const char* kName = "dsptsync-power-loss";
  static constexpr sqlite3_int64 kSector = 512;

  explicit PowerLossVfs(std::uint64_t seed = 1) : random_(seed) {
    real_ = sqlite3_vfs_find("unix");
    vfs_.iVersion = 2;
    vfs_.szOsFile = static_cast<int>(sizeof(File));
    vfs_.mxPathname = real_ ? real_->mxPathname : 512;
    vfs_.zName = kName;
    vfs_.pAppData = this;
    vfs_.xOpen = &x_open;
    vfs_.xDelete = &x_delete;
    vfs_.xAccess = &x_access;
    vfs_.xFullPathname = &x_full_pathname;
    vfs_.xDlOpen = &x_dl_open;
    vfs_.xDlError = &x_dl_error;
    vfs_.xDlSym = &x_dl_sym;
    vfs_.xDlClose = &x_dl_close;
    vfs_.xRandomness = &x_randomness;
    vfs_.xSleep = &x_sleep;
    vfs_.xCurrentTime = &x_current_time;
    vfs_.xGetLastError = &x_get_last_error;
    vfs_.xCurrentTimeInt64 = &x_current_time_int64;
  }
  ~PowerLossVfs() {
    if (registered_) sqlite3_vfs_unregister(&vfs_);
  }
  PowerLossVfs(const PowerLossVfs&) = delete;
  PowerLossVfs& operator=(const PowerLossVfs&) = delete;

  // Registers the shim; as the default VFS, every sqlite3_open_v2 without a VFS name (such as
  // open_sqlite_store) goes through it until this object is destroyed.
  int install(bool make_default) {
    if (!real_) return SQLITE_ERROR;
    const int rc = sqlite3_vfs_register(&vfs_, make_default ? 1 : 0);
    registered_ = rc == SQLITE_OK;
    return rc;
  }

  // The power goes now. Every later mutation fails until restore_power().
  void simulate_power_loss(PowerLossMode mode = PowerLossMode::drop_unsynced) {
    std::lock_guard lock(mutex_);
    lose_power(mode, false);
  }

  // The power goes at the `operations`-th counted operation from now, which fails: a cut in the
  // middle of a commit or a checkpoint rather than between them.
  void cut_power_after(std::uint64_t operations, PowerLossMode mode, CutOn on = CutOn::any_mutation) {
    std::lock_guard lock(mutex_);
    countdown_ = operations;
    cut_mode_ = mode;
    cut_on_ = on;
  }

  // After every connection through the shim has been closed: puts on disk what the mode says
  // survived, deletes the -shm files and accepts I/O again. Returns what went wrong, or "".
  std::string restore_power() {
    std::lock_guard lock(mutex_);
    if (!dead_) return "the power is on";
    if (open_files_ != 0)
      return std::to_string(open_files_) + " file(s) are still open; close every connection first";
    std::string problem;
    for (auto& [path, state] : states_) {
      stats_.unsynced_writes += state->pending_writes;
      if (auto p = persist_unsynced(*state); !p.empty() && problem.empty()) problem = p;
    }
    states_.clear();
    for (const auto& db : main_dbs_) {
      std::error_code ec;
      std::filesystem::remove(db + "-shm", ec);
      if (ec && problem.empty()) problem = "cannot delete " + db + "-shm: " + ec.message();
    }
    dead_ = false;
    countdown_ = 0;
    return problem;
  }

  // A disk (or a program) that does not sync: xSync returns success and makes nothing durable. Only
  // for controls that show the checks notice lost data.
  void set_syncs_lie(bool lie) {
    std::lock_guard lock(mutex_);
    syncs_lie_ = lie;
  }

  bool powered() const {
    std::lock_guard lock(mutex_);
    return !dead_;
  }
  int open_files() const {
    std::lock_guard lock(mutex_);
    return open_files_;
  }
  PowerLossStats stats() const {
    std::lock_guard lock(mutex_);
    return stats_;
  }

 private:
  // What readers of one path see beyond its durable image on disk.
  struct FileState {
    std::string path;
    // The size readers see now.
    sqlite3_int64 size = 0;
    // Bytes of the real file that still belong to the file: a pending truncation hides the rest,
    // so a file cut short and then extended reads zeros, not its old tail. Never above `size`.
    sqlite3_int64 durable_limit = 0;
    // Pending sectors by index; bytes at or beyond `size` are kept zero.
    std::map<sqlite3_int64, std::array<unsigned char, kSector>> sectors;
    std::uint64_t pending_writes = 0;
    bool truncated = false;  // since the last sync
    bool main_db = false;
  };

  struct Handle {
    std::vector<std::max_align_t> storage;  // the real VFS's sqlite3_file
    std::shared_ptr<FileState> state;       // null: a nameless temporary file, passed through
    sqlite3_file* real() { return reinterpret_cast<sqlite3_file*>(storage.data()); }
  };

  struct File {
    sqlite3_file base;
    PowerLossVfs* owner;
    Handle* handle;
  };

  static PowerLossVfs& owner(sqlite3_vfs* vfs) { return *static_cast<PowerLossVfs*>(vfs->pAppData); }
  static File& file(sqlite3_file* f) { return *reinterpret_cast<File*>(f); }
  static sqlite3_file* real(sqlite3_file* f) { return file(f).handle->real(); }

  // Called with the mutex held.
  void lose_power(PowerLossMode mode, bool during_main_db_write) {
    if (dead_) return;
    dead_ = true;
    mode_ = mode;
    countdown_ = 0;
    ++stats_.power_losses;
    bool checkpointing = during_main_db_write;
    for (const auto& [path, state] : states_)
      if (state->main_db && !state->sectors.empty()) checkpointing = true;
    if (checkpointing) ++stats_.cuts_during_checkpoint;
  }

  // Whether a mutation of a durable file (`state`; null for a delete) may go ahead: false once the
  // power is gone, including when this operation is the one a scheduled cut falls on. Called with
  // the mutex held.
  bool mutation_allowed(const FileState* state, bool is_write) {
    const bool main_db_write = is_write && state && state->main_db;
    const bool counts = cut_on_ == CutOn::any_mutation || main_db_write;
    if (!dead_ && counts && countdown_ > 0 && --countdown_ == 0) lose_power(cut_mode_, main_db_write);
    if (dead_) ++stats_.refused_while_dead;
    return !dead_;
  }

  // Decides, per the power-loss mode, which unsynced sectors and truncations reached the disk and
  // writes them with plain POSIX calls: every SQLite handle is closed by now, so no POSIX lock can
  // be dropped by closing this descriptor.
  std::string persist_unsynced(FileState& state) {
    std::bernoulli_distribution coin(0.5);
    std::vector<const std::pair<const sqlite3_int64, std::array<unsigned char, kSector>>*> kept;
    for (const auto& sector : state.sectors) {
      const bool keep =
          mode_ == PowerLossMode::keep_unsynced || (mode_ == PowerLossMode::tear_unsynced && coin(random_));
      if (keep) kept.push_back(&sector);
      ++(keep ? stats_.kept_sectors : stats_.dropped_sectors);
    }
    const bool truncate = state.truncated && (mode_ == PowerLossMode::keep_unsynced ||
                                              (mode_ == PowerLossMode::tear_unsynced && coin(random_)));
    if (kept.empty() && !truncate) return {};
    const int fd = ::open(state.path.c_str(), O_RDWR | O_CLOEXEC);
    if (fd < 0)
      return errno == ENOENT ? std::string() : "cannot open " + state.path + ": " + std::strerror(errno);
    std::string problem;
    struct stat info {};
    if (::fstat(fd, &info) != 0) problem = "cannot stat " + state.path;
    if (problem.empty() && truncate && info.st_size > state.durable_limit &&
        ::ftruncate(fd, state.durable_limit) != 0)
      problem = "cannot truncate " + state.path;
    for (const auto* sector : kept) {
      const sqlite3_int64 start = sector->first * kSector;
      const auto length = static_cast<std::size_t>(std::min(kSector, state.size - start));
      if (problem.empty() &&
          ::pwrite(fd, sector->second.data(), length, start) != static_cast<ssize_t>(length))
        problem = "cannot write " + state.path;
    }
    if (problem.empty() && mode_ == PowerLossMode::keep_unsynced && ::fstat(fd, &info) == 0 &&
        info.st_size < state.size && ::ftruncate(fd, state.size) != 0)
      problem = "cannot extend " + state.path;
    if (problem.empty() && ::fsync(fd) != 0) problem = "cannot fsync " + state.path;
    ::close(fd);
    return problem;
  }

  // ---- sqlite3_vfs ----

  static int x_open(sqlite3_vfs* vfs, sqlite3_filename name, sqlite3_file* out, int flags, int* out_flags) {
    PowerLossVfs& self = owner(vfs);
    out->pMethods = nullptr;
    File& f = file(out);
    f.owner = &self;
    f.handle = nullptr;
    {
      std::lock_guard lock(self.mutex_);
      if (self.dead_) return SQLITE_CANTOPEN;
    }
    auto handle = std::make_unique<Handle>();
    const auto words = (static_cast<std::size_t>(self.real_->szOsFile) + sizeof(std::max_align_t) - 1) /
                       sizeof(std::max_align_t);
    handle->storage.assign(words, std::max_align_t{});
    const int rc = self.real_->xOpen(self.real_, name, handle->real(), flags, out_flags);
    if (rc != SQLITE_OK) {
      if (handle->real()->pMethods) handle->real()->pMethods->xClose(handle->real());
      return rc;
    }
    std::lock_guard lock(self.mutex_);
    if (name && !(flags & SQLITE_OPEN_DELETEONCLOSE)) {
      auto& state = self.states_[name];
      if (!state) {
        // First sight of this path since the last power loss: the disk holds everything there is.
        sqlite3_int64 size = 0;
        if (const int src = handle->real()->pMethods->xFileSize(handle->real(), &size); src != SQLITE_OK) {
          handle->real()->pMethods->xClose(handle->real());
          self.states_.erase(name);
          return src;
        }
        state = std::make_shared<FileState>();
        state->path = name;
        state->size = size;
        state->durable_limit = size;
      }
      if (flags & SQLITE_OPEN_MAIN_DB) {
        state->main_db = true;
        self.main_dbs_.insert(name);
      }
      handle->state = state;
    }
    f.handle = handle.release();
    ++self.open_files_;
    out->pMethods = methods();
    return SQLITE_OK;
  }

  static int x_delete(sqlite3_vfs* vfs, const char* name, int sync_dir) {
    PowerLossVfs& self = owner(vfs);
    {
      std::lock_guard lock(self.mutex_);
      if (!self.mutation_allowed(nullptr, false)) return SQLITE_IOERR_DELETE;
      // The unsynced data of a deleted file goes with it; a handle still open keeps its own view.
      self.states_.erase(name);
      ++self.stats_.deletes;
    }
    return self.real_->xDelete(self.real_, name, sync_dir);
  }

  static int x_access(sqlite3_vfs* vfs, const char* name, int flags, int* out) {
    return owner(vfs).real_->xAccess(owner(vfs).real_, name, flags, out);
  }
  static int x_full_pathname(sqlite3_vfs* vfs, const char* name, int size, char* out) {
    return owner(vfs).real_->xFullPathname(owner(vfs).real_, name, size, out);
  }
  static void* x_dl_open(sqlite3_vfs* vfs, const char* name) {
    return owner(vfs).real_->xDlOpen(owner(vfs).real_, name);
  }
  static void x_dl_error(sqlite3_vfs* vfs, int size, char* out) {
    owner(vfs).real_->xDlError(owner(vfs).real_, size, out);
  }
  static void (*x_dl_sym(sqlite3_vfs* vfs, void* handle, const char* symbol))(void) {
    return owner(vfs).real_->xDlSym(owner(vfs).real_, handle, symbol);
  }
  static void x_dl_close(sqlite3_vfs* vfs, void* handle) {
    owner(vfs).real_->xDlClose(owner(vfs).real_, handle);
  }
  static int x_randomness(sqlite3_vfs* vfs, int size, char* out) {
    return owner(vfs).real_->xRandomness(owner(vfs).real_, size, out);
  }
  static int x_sleep(sqlite3_vfs* vfs, int microseconds) {
    return owner(vfs).real_->xSleep(owner(vfs).real_, microseconds);
  }
  static int x_current_time(sqlite3_vfs* vfs, double* out) {
    return owner(vfs).real_->xCurrentTime(owner(vfs).real_, out);
  }
  static int x_get_last_error(sqlite3_vfs* vfs, int size, char* out) {
    return owner(vfs).real_->xGetLastError ? owner(vfs).real_->xGetLastError(owner(vfs).real_, size, out) : 0;
  }
  static int x_current_time_int64(sqlite3_vfs* vfs, sqlite3_int64* out) {
    return owner(vfs).real_->xCurrentTimeInt64(owner(vfs).real_, out);
  }

  // ---- sqlite3_io_methods ----

  static int x_close(sqlite3_file* f) {
    File& me = file(f);
    const int rc = me.handle->real()->pMethods->xClose(me.handle->real());
    delete me.handle;
    me.handle = nullptr;
    std::lock_guard lock(me.owner->mutex_);
    --me.owner->open_files_;
    return rc;
  }

  static int x_read(sqlite3_file* f, void* buffer, int amount, sqlite3_int64 offset) {
    File& me = file(f);
    if (!me.handle->state) return real(f)->pMethods->xRead(real(f), buffer, amount, offset);
    std::lock_guard lock(me.owner->mutex_);
    const FileState& state = *me.handle->state;
    auto* out = static_cast<unsigned char*>(buffer);
    std::memset(out, 0, static_cast<std::size_t>(amount));
    const sqlite3_int64 end = offset + amount;
    if (const sqlite3_int64 disk_end = std::min(end, state.durable_limit); disk_end > offset) {
      const int rc = real(f)->pMethods->xRead(real(f), out, static_cast<int>(disk_end - offset), offset);
      if (rc != SQLITE_OK && rc != SQLITE_IOERR_SHORT_READ) return rc;
    }
    for (auto it = state.sectors.lower_bound(offset / kSector);
         it != state.sectors.end() && it->first * kSector < end; ++it) {
      const sqlite3_int64 from = std::max(offset, it->first * kSector);
      const sqlite3_int64 to = std::min(end, (it->first + 1) * kSector);
      std::memcpy(out + (from - offset), it->second.data() + (from - it->first * kSector),
                  static_cast<std::size_t>(to - from));
    }
    if (end > state.size) {
      if (state.size > offset)
        std::memset(out + (state.size - offset), 0, static_cast<std::size_t>(end - state.size));
      return SQLITE_IOERR_SHORT_READ;
    }
    return SQLITE_OK;
  }

  static int x_write(sqlite3_file* f, const void* buffer, int amount, sqlite3_int64 offset) {
    File& me = file(f);
    PowerLossVfs& self = *me.owner;
    std::lock_guard lock(self.mutex_);
    FileState* state = me.handle->state.get();
    if (!state)
      return real(f)->pMethods->xWrite(real(f), buffer, amount, offset);  // temporary: nobody reopens it
    if (!self.mutation_allowed(state, true)) return SQLITE_IOERR_WRITE;
    const auto* in = static_cast<const unsigned char*>(buffer);
    const sqlite3_int64 end = offset + amount;
    try {
      for (sqlite3_int64 index = offset / kSector; index * kSector < end; ++index) {
        const sqlite3_int64 start = index * kSector;
        auto [it, fresh] = state->sectors.try_emplace(index);
        if (fresh) {
          // Read-modify-write: the sector starts as the file's current bytes (durable, else zero).
          it->second.fill(0);
          if (const sqlite3_int64 disk_end = std::min(start + kSector, state->durable_limit);
              disk_end > start) {
            const int rc = real(f)->pMethods->xRead(real(f), it->second.data(),
                                                    static_cast<int>(disk_end - start), start);
            if (rc != SQLITE_OK && rc != SQLITE_IOERR_SHORT_READ) return rc;
          }
        }
        const sqlite3_int64 from = std::max(offset, start);
        const sqlite3_int64 to = std::min(end, start + kSector);
        std::memcpy(it->second.data() + (from - start), in + (from - offset),
                    static_cast<std::size_t>(to - from));
      }
    } catch (const std::bad_alloc&) {
      return SQLITE_IOERR_NOMEM;
    }
    state->size = std::max(state->size, end);
    ++state->pending_writes;
    ++self.stats_.writes;
    return SQLITE_OK;
  }

  static int x_truncate(sqlite3_file* f, sqlite3_int64 size) {
    File& me = file(f);
    PowerLossVfs& self = *me.owner;
    std::lock_guard lock(self.mutex_);
    FileState* state = me.handle->state.get();
    if (!state) return real(f)->pMethods->xTruncate(real(f), size);  // temporary: nobody reopens it
    if (!self.mutation_allowed(state, false)) return SQLITE_IOERR_TRUNCATE;
    if (size < state->size) {
      state->sectors.erase(state->sectors.lower_bound((size + kSector - 1) / kSector), state->sectors.end());
      if (auto partial = state->sectors.find(size / kSector); partial != state->sectors.end())
        std::fill(partial->second.begin() + (size % kSector), partial->second.end(), 0);
      state->durable_limit = std::min(state->durable_limit, size);
    }
    state->size = size;
    state->truncated = true;
    ++self.stats_.truncates;
    return SQLITE_OK;
  }

  static int x_sync(sqlite3_file* f, int flags) {
    File& me = file(f);
    PowerLossVfs& self = *me.owner;
    std::lock_guard lock(self.mutex_);
    FileState* state = me.handle->state.get();
    if (!state) return real(f)->pMethods->xSync(real(f), flags);  // temporary: nobody reopens it
    if (!self.mutation_allowed(state, false)) return SQLITE_IOERR_FSYNC;
    if (self.syncs_lie_) return SQLITE_OK;
    sqlite3_file* disk = real(f);
    sqlite3_int64 disk_size = 0;
    if (const int rc = disk->pMethods->xFileSize(disk, &disk_size); rc != SQLITE_OK) return rc;
    if (disk_size > state->durable_limit)
      if (const int rc = disk->pMethods->xTruncate(disk, state->durable_limit); rc != SQLITE_OK) return rc;
    for (const auto& [index, bytes] : state->sectors) {
      const sqlite3_int64 start = index * kSector;
      const int length = static_cast<int>(std::min(kSector, state->size - start));
      if (const int rc = disk->pMethods->xWrite(disk, bytes.data(), length, start); rc != SQLITE_OK)
        return rc;
    }
    if (const int rc = disk->pMethods->xFileSize(disk, &disk_size); rc != SQLITE_OK) return rc;
    if (disk_size < state->size)  // a truncation that extended the file, past any sector written
      if (const int rc = disk->pMethods->xTruncate(disk, state->size); rc != SQLITE_OK) return rc;
    if (const int rc = disk->pMethods->xSync(disk, flags); rc != SQLITE_OK) return rc;
    state->sectors.clear();
    state->durable_limit = state->size;
    state->pending_writes = 0;
    state->truncated = false;
    ++self.stats_.syncs;
    return SQLITE_OK;
  }

  static int x_file_size(sqlite3_file* f, sqlite3_int64* size) {
    File& me = file(f);
    if (!me.handle->state) return real(f)->pMethods->xFileSize(real(f), size);
    std::lock_guard lock(me.owner->mutex_);
    *size = me.handle->state->size;
    return SQLITE_OK;
  }

  static int x_lock(sqlite3_file* f, int level) { return real(f)->pMethods->xLock(real(f), level); }
  static int x_unlock(sqlite3_file* f, int level) { return real(f)->pMethods->xUnlock(real(f), level); }
  static int x_check_reserved_lock(sqlite3_file* f, int* out) {
    return real(f)->pMethods->xCheckReservedLock(real(f), out);
  }

  static int x_file_control(sqlite3_file* f, int op, void* arg) {
    switch (op) {
      // These would resize or preallocate the real file behind the durable image: only hints, so
      // ignoring them is allowed.
      case SQLITE_FCNTL_SIZE_HINT:
      case SQLITE_FCNTL_CHUNK_SIZE: return SQLITE_OK;
      // Batch atomic writes are not offered (see x_device_characteristics).
      case SQLITE_FCNTL_BEGIN_ATOMIC_WRITE:
      case SQLITE_FCNTL_COMMIT_ATOMIC_WRITE:
      case SQLITE_FCNTL_ROLLBACK_ATOMIC_WRITE: return SQLITE_NOTFOUND;
      default: return real(f)->pMethods->xFileControl(real(f), op, arg);
    }
  }
  static int x_sector_size(sqlite3_file* f) { return real(f)->pMethods->xSectorSize(real(f)); }
  static int x_device_characteristics(sqlite3_file* f) {
    // Only what the sector model honours: no atomic or sequential writes, no safe append.
    return real(f)->pMethods->xDeviceCharacteristics(real(f)) & SQLITE_IOCAP_POWERSAFE_OVERWRITE;
  }

  // Shared memory is the real VFS's (it is memory, not data); restore_power() deletes the file.
  static int x_shm_map(sqlite3_file* f, int region, int size, int extend, void volatile** out) {
    return real(f)->pMethods->xShmMap(real(f), region, size, extend, out);
  }
  static int x_shm_lock(sqlite3_file* f, int offset, int n, int flags) {
    return real(f)->pMethods->xShmLock(real(f), offset, n, flags);
  }
  static void x_shm_barrier(sqlite3_file* f) { real(f)->pMethods->xShmBarrier(real(f)); }
  static int x_shm_unmap(sqlite3_file* f, int delete_flag) {
    return real(f)->pMethods->xShmUnmap(real(f), delete_flag);
  }

  // Version 2: shared memory, but no xFetch/xUnfetch, so SQLite never memory-maps the real file.
  static const sqlite3_io_methods* methods() {
    static const sqlite3_io_methods table = {
        2,
        &x_close,
        &x_read,
        &x_write,
        &x_truncate,
        &x_sync,
        &x_file_size,
        &x_lock,
        &x_unlock,
        &x_check_reserved_lock,
        &x_file_control,
        &x_sector_size,
        &x_device_characteristics,
        &x_shm_map,
        &x_shm_lock,
        &x_shm_barrier,
        &x_shm_unmap,
        nullptr,
        nullptr,  // xFetch, xUnfetch
    };
    return &table;
  }

  sqlite3_vfs vfs_{};
  sqlite3_vfs* real_ = nullptr;
  bool registered_ = false;

  mutable std::mutex mutex_;
  std::map<std::string, std::shared_ptr<FileState>> states_;
  std::set<std::string> main_dbs_;
  int open_files_ = 0;
  bool dead_ = false;
  bool syncs_lie_ = false;
  PowerLossMode mode_ = PowerLossMode::drop_unsynced;
  std::uint64_t countdown_ = 0;
  PowerLossMode cut_mode_ = PowerLossMode::drop_unsynced;
  CutOn cut_on_ = CutOn::any_mutation;
  std::mt19937_64 random_;
  PowerLossStats stats_;
};

}  // namespace dsptsync::testing
