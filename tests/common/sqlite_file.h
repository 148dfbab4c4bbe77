// Asking a store's SQLite file directly, as a person with the sqlite3 shell would: what a test
// checks of the file itself (its indexes, their entries, query plans) rather than through a Store.
#pragma once

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <string>

namespace dsptsync::testing {

// What `sql` asks of the SQLite file at `path`, as one value (a count), or SQLite's plan for it:
// the last column of every row, joined.
inline std::string ask_file(const std::filesystem::path& path, const std::string& sql) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
  std::string answer;
  while (sqlite3_step(stmt) == SQLITE_ROW)
    answer += reinterpret_cast<const char*>(sqlite3_column_text(stmt, sqlite3_column_count(stmt) - 1));
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return answer;
}

}  // namespace dsptsync::testing
