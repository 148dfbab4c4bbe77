// Storage behind an interface: the change log, the current state of every field, and settings.
//
// The interface knows nothing of SQL dialects: values arrive already sealed (crypto.h) as opaque
// bytes with the plain metadata needed to find them. SQLite (sqlite_store.h) is the embedded
// default for the client and the HQ server; a PostgreSQL backend for hosted deployments implements
// the same two classes.
#pragma once

#include "dsptsync/bytes.h"
#include "dsptsync/change.h"
#include "dsptsync/error.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dsptsync {

// A change as the store keeps it: the metadata in the clear, the whole change sealed.
struct StoredChange {
  std::int64_t seq = 0;          // this store's own order of arrival, from 1
  std::string id;
  FieldKey key;
  Hlc hlc = 0;
  std::string user;
  std::string device;
  Bytes sealed;                  // crypto::seal(codec::encode(change)), bound to the id
  std::optional<std::int64_t> server_seq;  // set once the HQ server has acknowledged it
};

// The current state of one field, sealed (it holds values).
struct StoredField {
  FieldKey key;
  bool in_conflict = false;      // in the clear, so conflicts can be counted without keys
  Bytes sealed;
  std::int64_t last_seq = 0;     // seq of the change that last touched it
};

// All reads and writes between begin() and commit() are atomic. Destroying a transaction
// without commit() rolls it back. commit() returns only once the data is durable.
class StoreTransaction {
 public:
  virtual ~StoreTransaction() = default;
  virtual Result<bool> has_change(std::string_view change_id) = 0;
  // Inserts and returns the new seq.
  virtual Result<std::int64_t> insert_change(const StoredChange& change) = 0;
  virtual Result<std::optional<StoredField>> field(const FieldKey& key) = 0;
  virtual Status put_field(const StoredField& field) = 0;
  virtual Result<std::optional<std::string>> setting(std::string_view name) = 0;
  virtual Status put_setting(std::string_view name, std::string_view value) = 0;
  virtual Status commit() = 0;
};

class Store {
 public:
  virtual ~Store() = default;

  virtual Result<std::unique_ptr<StoreTransaction>> begin() = 0;

  virtual Result<std::optional<std::string>> setting(std::string_view name) = 0;
  // Settings whose name starts with the prefix, sorted by name.
  virtual Result<std::vector<std::pair<std::string, std::string>>> settings_with_prefix(std::string_view prefix) = 0;

  // Every field of one assessment (scope and year), in key order.
  virtual Result<std::vector<StoredField>> fields(std::string_view scope, std::string_view year) = 0;
  // The changes of one field target (all its fields), oldest first.
  virtual Result<std::vector<StoredChange>> changes_of_target(std::string_view scope, std::string_view year,
                                                              TargetKind kind, std::string_view target) = 0;
  // Changes with seq > after_seq, oldest first, at most `limit`: paging through the log.
  virtual Result<std::vector<StoredChange>> changes_after(std::int64_t after_seq, std::size_t limit) = 0;
  // Looks changes up by id (missing ids are left out).
  virtual Result<std::vector<StoredChange>> changes_by_id(const std::vector<std::string>& ids) = 0;
  virtual Result<std::int64_t> change_count() = 0;

  // The schema version this store is at (docs/storage.md lists them).
  virtual Result<int> schema_version() = 0;
  // Runs the backend's own consistency check; returns the problems found (empty: healthy).
  virtual Result<std::vector<std::string>> check_integrity() = 0;
};

}  // namespace dsptsync
