// Private helpers shared by the SQLite implementations of Store and Directory: one prepared
// statement, one use of it (bind, step, read, and always reset), and the file header value.
#pragma once

#include "dsptsync/bytes.h"
#include "dsptsync/change.h"

#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace dsptsync::sqlite {

// 'DSPT' in ASCII: written to the database header so a foreign SQLite file is recognised as such.
inline constexpr int kApplicationId = 0x44535054;

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
  void text(int index, std::string_view value) {
    sqlite3_bind_text(stmt_, index, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT);
  }
  void blob(int index, ByteView value) {
    sqlite3_bind_blob(stmt_, index, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT);
  }
  void integer(int index, std::int64_t value) { sqlite3_bind_int64(stmt_, index, value); }
  void null(int index) { sqlite3_bind_null(stmt_, index); }
  void optional_integer(int index, const std::optional<std::int64_t>& value) {
    if (value) integer(index, *value);
    else null(index);
  }
  // Binds the five columns of a FieldKey from `first` on.
  void key(int first, const FieldKey& key) {
    text(first, key.scope);
    text(first + 1, key.year);
    integer(first + 2, static_cast<int>(key.kind));
    text(first + 3, key.target);
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
  sqlite3_stmt* stmt_;
};

}  // namespace dsptsync::sqlite
