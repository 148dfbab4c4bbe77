// Private helpers shared by the SQLite implementations of Store and Directory: one prepared
// statement, one use of it (bind, step, read, and always reset), and the file header value.
#pragma once

#include "dsptsync/bytes.h"
#include "dsptsync/change.h"
#include "dsptsync/error.h"
#include "dsptsync/platform.h"
#include "dsptsync/tuning.h"

#include <sqlite3.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace dsptsync::sqlite {

// 'DSPT' in ASCII: written to the database header so a foreign SQLite file is recognised as such.
inline constexpr int kApplicationId = 0x44535054;

// The one busy rule of the store and the directory: another connection holds the lock. Compared on
// the primary code, as extended result codes are on (SQLITE_BUSY_SNAPSHOT, SQLITE_LOCKED_SHAREDCACHE...).
inline bool is_busy(int extended_code) {
  const int primary = extended_code & 0xff;
  return primary == SQLITE_BUSY || primary == SQLITE_LOCKED;
}

// The error for a failed statement on `db`: busy says to try again, damage says to restore, the rest
// is a store error. The same words from the store and the directory.
inline Error failure_of(sqlite3* db, const std::filesystem::path& path, std::string_view what,
                        std::string_view detail = {}) {
  const int code = sqlite3_extended_errcode(db);
  std::string message = "the database " + path.string() + " failed while " + std::string(what) + ": " +
                        std::string(detail.empty() ? sqlite3_errmsg(db) : detail);
  if (is_busy(code)) message += " (another dsptsync process is using it; try again when it has finished)";
  if ((code & 0xff) == SQLITE_CORRUPT || (code & 0xff) == SQLITE_NOTADB)
    return corrupt(message + " (restore it from a backup: docs/operations.md)");
  return store_error(message);
}

// Opens a connection as the store and the directory both use one: the busy timeout given (by
// default tuning.h's), defensive mode, extended result codes. `vfs` empty: the default.
inline Result<sqlite3*> open_connection(const std::filesystem::path& path, int flags, const std::string& vfs,
                                        std::chrono::milliseconds busy_timeout) {
  sqlite3* raw = nullptr;
  if (sqlite3_open_v2(platform::utf8_of(path).c_str(), &raw, flags | SQLITE_OPEN_NOMUTEX,
                      vfs.empty() ? nullptr : vfs.c_str()) != SQLITE_OK) {
    std::string message = raw ? sqlite3_errmsg(raw) : "out of memory";
    sqlite3_close_v2(raw);
    return store_error("cannot open the database " + path.string() + ": " + message);
  }
  sqlite3_busy_timeout(raw, static_cast<int>(busy_timeout.count()));
  sqlite3_db_config(raw, SQLITE_DBCONFIG_DEFENSIVE, 1, nullptr);
  sqlite3_extended_result_codes(raw, 1);
  return raw;
}

class Statement {
 public:
  Statement(sqlite3* db, std::string_view sql) {
    if (sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr) !=
        SQLITE_OK)
      stmt_ = nullptr;
  }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement() { sqlite3_finalize(stmt_); }
  sqlite3_stmt* get() const { return stmt_; }

 private:
  sqlite3_stmt* stmt_ = nullptr;
};

// One use of a cached statement: binds, steps, reads columns, and resets it whatever the path out.
class Use {
 public:
  explicit Use(sqlite3_stmt* stmt) : stmt_(stmt) {}
  Use(const Use&) = delete;
  Use& operator=(const Use&) = delete;
  Use(Use&& other) noexcept : stmt_(other.stmt_) { other.stmt_ = nullptr; }
  ~Use() {
    if (!stmt_) return;
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  sqlite3_stmt* get() const { return stmt_; }
  int step() { return sqlite3_step(stmt_); }
  // How SQLite holds a bound text or blob: a copy of its own (the default), or the caller's memory,
  // borrowed, which must then outlive this use (its end clears the bindings). The statements that
  // write every change and field state borrow: copying each value was a measurable part of them.
  enum class Binding { copied, borrowed };
  void text(int index, std::string_view value, Binding binding = Binding::copied) {
    sqlite3_bind_text(stmt_, index, value.data(), static_cast<int>(value.size()), destructor(binding));
  }
  void blob(int index, ByteView value, Binding binding = Binding::copied) {
    sqlite3_bind_blob(stmt_, index, value.data(), static_cast<int>(value.size()), destructor(binding));
  }
  void integer(int index, std::int64_t value) { sqlite3_bind_int64(stmt_, index, value); }
  void null(int index) { sqlite3_bind_null(stmt_, index); }
  void optional_integer(int index, const std::optional<std::int64_t>& value) {
    if (value) integer(index, *value);
    else null(index);
  }
  // Binds the five columns of a FieldKey from `first` on.
  void key(int first, const FieldKey& key, Binding binding = Binding::copied) {
    text(first, key.scope, binding);
    text(first + 1, key.year, binding);
    integer(first + 2, static_cast<int>(key.kind));
    text(first + 3, key.target, binding);
    integer(first + 4, static_cast<int>(key.field));
  }
  std::string column_text(int index) const {
    const auto* data = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, index));
    return data ? std::string(data, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, index))) : std::string();
  }
  Bytes column_blob(int index) const {
    const auto* data = static_cast<const std::uint8_t*>(sqlite3_column_blob(stmt_, index));
    return data ? Bytes(data, data + sqlite3_column_bytes(stmt_, index)) : Bytes();
  }
  std::int64_t column_int(int index) const { return sqlite3_column_int64(stmt_, index); }
  bool column_is_null(int index) const { return sqlite3_column_type(stmt_, index) == SQLITE_NULL; }
  std::optional<std::int64_t> column_optional_int(int index) const {
    if (column_is_null(index)) return std::nullopt;
    return column_int(index);
  }

 private:
  static sqlite3_destructor_type destructor(Binding binding) {
    return binding == Binding::borrowed ? SQLITE_STATIC : SQLITE_TRANSIENT;
  }

  sqlite3_stmt* stmt_;
};

// Sets up a connection that writes, as the store and the directory both do: WAL with
// synchronous=FULL (a COMMIT that has returned survives power loss), foreign keys, and a checkpoint
// once the log holds tuning.h's kWalCheckpointBytes, counted in this file's pages.
inline Status set_up_for_writing(sqlite3* db, const std::filesystem::path& path) {
  for (const char* pragma : {"PRAGMA journal_mode = WAL", "PRAGMA synchronous = FULL", "PRAGMA foreign_keys = ON"})
    if (sqlite3_exec(db, pragma, nullptr, nullptr, nullptr) != SQLITE_OK)
      return failure_of(db, path, std::string("running '") + pragma + "'");
  Statement page_size(db, "PRAGMA page_size");
  if (!page_size.get() || sqlite3_step(page_size.get()) != SQLITE_ROW)
    return failure_of(db, path, "reading the page size");
  const auto page_bytes = static_cast<std::size_t>(sqlite3_column_int64(page_size.get(), 0));
  sqlite3_wal_autocheckpoint(db, static_cast<int>(tuning::kWalCheckpointBytes / page_bytes));
  return {};
}

}  // namespace dsptsync::sqlite
