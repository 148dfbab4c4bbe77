// The SQLite schema of a store, as the list of migrations that build it (docs/storage.md lists the
// versions). Private to the SQLite implementation.
#pragma once

#include <span>
#include <string_view>

namespace dsptsync::sqlite {

// Entry n upgrades the schema from version n to n + 1, each in its own transaction. Append, never edit.
std::span<const std::string_view> migrations();

}  // namespace dsptsync::sqlite
