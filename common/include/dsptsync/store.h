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
#include "dsptsync/question_set.h"
#include "dsptsync/time.h"

#include <array>
#include <cstdint>
#include <filesystem>
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
  // On a laptop, head office's seq for the change: set when head office acknowledges this device's
  // own change, or received with a change pulled. Unset while a change waits to go up.
  std::optional<std::int64_t> server_seq;
};

// Keeps the oldest rows whose encoded changes fit in `max_bytes` (always at least one), judged
// from their sealed sizes without opening them. True when rows were cut off.
bool keep_within_bytes(std::vector<StoredChange>& rows, std::size_t max_bytes);

// The current state of one field, sealed (it holds values).
struct StoredField {
  FieldKey key;
  bool in_conflict = false;      // in the clear, so conflicts can be counted without keys
  Bytes sealed;
  std::int64_t last_seq = 0;     // seq of the change that last touched it
};

// One accepted push on the HQ server: who sent which changes, and their signature of them, so
// anyone holding the device's public key can check the attribution later (the audit trail).
struct AuditRecord {
  std::int64_t batch = 0;  // assigned by the store, from 1
  std::string device_id;
  std::string user;
  TimestampMs received_at = 0;
  std::vector<std::string> change_ids;
  std::array<std::uint8_t, 32> digest{};     // protocol::push_digest of the batch
  // The device's Ed25519 signature of the digest; all zeros for a push sent unsigned, which an
  // AuditCover of the same device covers (protocol version 5).
  std::array<std::uint8_t, 64> signature{};
};

// A device's one signature over several pushes it sent unsigned on one session (protocol version
// 5): the digests of those pushes in the order sent, refused ones too, and the device's signature
// of protocol::cover_digest over them. An unsigned AuditRecord whose digest is here is signed.
struct AuditCover {
  std::int64_t cover = 0;  // assigned by the store, from 1
  std::string device_id;
  std::string user;
  TimestampMs received_at = 0;
  std::vector<std::array<std::uint8_t, 32>> digests;
  std::array<std::uint8_t, 64> signature{};
};

// A question set as a store keeps it: every set it was given, never changed; the newest stored for a
// year is the one in force there (docs/storage.md: question_sets).
struct StoredQuestionSet {
  std::int64_t seq = 0;  // the order sets were stored in, from 1
  QuestionSet set;
  TimestampMs stored_at = 0;
};

// A file of the policy library as the store keeps it (file_store.h): named by its root hash, with its
// manifest (sizes and chunk hashes, nothing of the content) in the clear. Its chunks are kept sealed,
// once per file, and each site's progress with it separately.
struct StoredFile {
  std::string root;        // 64 lower-case hex digits
  std::uint64_t size = 0;  // the file's bytes: what counts against the library's quota
  Bytes manifest;          // encoded by the file store; opaque here
  TimestampMs created_at = 0;
};

// All reads and writes between begin() and commit() are atomic. Destroying a transaction
// without commit() rolls it back. commit() returns only once the data is durable.
class StoreTransaction {
 public:
  virtual ~StoreTransaction() = default;
  virtual Result<bool> has_change(std::string_view change_id) = 0;
  // The seq of a change already in the log, if it is.
  virtual Result<std::optional<std::int64_t>> change_seq(std::string_view change_id) = 0;
  // Inserts and returns the new seq.
  virtual Result<std::int64_t> insert_change(const StoredChange& change) = 0;
  // The same for a change that may be in the log already (one received again): nothing is written
  // then, and the answer is empty. One look-up of the id, not one to ask and another to insert. The
  // seq the change would have had may go unused: seqs only ever grow, and they may skip.
  virtual Result<std::optional<std::int64_t>> insert_change_if_new(const StoredChange& change) = 0;
  virtual Result<std::optional<StoredField>> field(const FieldKey& key) = 0;
  virtual Status put_field(const StoredField& field) = 0;
  virtual Result<std::optional<std::string>> setting(std::string_view name) = 0;
  virtual Status put_setting(std::string_view name, std::string_view value) = 0;
  // Marks this replica's own changes as acknowledged by the server, with their server seq.
  virtual Status mark_acknowledged(const std::vector<std::pair<std::string, std::int64_t>>& acknowledged) = 0;
  virtual Result<std::int64_t> append_audit(const AuditRecord& record) = 0;
  virtual Result<std::int64_t> append_audit_cover(const AuditCover& cover) = 0;
  // Keeps a question set: from then on the one in force for its year here. Returns its seq.
  virtual Result<std::int64_t> add_question_set(const QuestionSet& set, TimestampMs stored_at) = 0;
  // The set in force for a year, read inside the transaction (an import decides its version here).
  virtual Result<std::optional<StoredQuestionSet>> question_set(std::string_view year) = 0;
  // Forgets which of this device's changes the server acknowledged, so they are sent again: for
  // after head office restored its server from a backup that may predate them.
  virtual Status forget_acknowledgements(std::string_view device) = 0;
  // The policy library's files (file_store.h). A file's row, if kept or being received.
  virtual Result<std::optional<StoredFile>> file(std::string_view root) = 0;
  // Records a file; a file already recorded is left as it is.
  virtual Status add_file(const StoredFile& file) = 0;
  virtual Result<bool> has_file_chunk(std::string_view root, std::uint32_t index) = 0;
  // Keeps one sealed chunk of a recorded file; a chunk already kept is left as it is.
  virtual Status add_file_chunk(std::string_view root, std::uint32_t index, ByteView sealed) = 0;
  // How many chunks `scope` has received of the file; nullopt when it never started it.
  virtual Result<std::optional<std::uint32_t>> file_progress(std::string_view root, std::string_view scope) = 0;
  virtual Status put_file_progress(std::string_view root, std::string_view scope, std::uint32_t next_chunk) = 0;
  // The sizes of every file recorded, each counted once.
  virtual Result<std::uint64_t> stored_file_bytes() = 0;
  // Nested atomic steps inside the transaction: a group commit applies many clients' pushes in
  // one transaction and rolls back just the one that fails.
  virtual Status savepoint() = 0;
  virtual Status release_savepoint() = 0;
  virtual Status rollback_to_savepoint() = 0;
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
  // Every field of one target kind (incidents) in one scope, or in every scope when `scope` is empty,
  // whatever its year, in key order.
  virtual Result<std::vector<StoredField>> fields_of_kind(TargetKind kind, std::string_view scope) = 0;
  // The changes of one field target (all its fields), oldest first.
  virtual Result<std::vector<StoredChange>> changes_of_target(std::string_view scope, std::string_view year,
                                                              TargetKind kind, std::string_view target) = 0;
  // Changes with seq > after_seq, oldest first, at most `limit`: paging through the log.
  virtual Result<std::vector<StoredChange>> changes_after(std::int64_t after_seq, std::size_t limit) = 0;
  // Looks changes up by id (missing ids are left out).
  virtual Result<std::vector<StoredChange>> changes_by_id(const std::vector<std::string>& ids) = 0;
  // The same, only changes whose scope is one of `scopes`: what one branch device may read.
  virtual Result<std::vector<StoredChange>> changes_after_in_scopes(std::int64_t after_seq,
                                                                    const std::vector<std::string>& scopes,
                                                                    std::size_t limit) = 0;
  // This device's changes the server has not acknowledged yet, after `after_seq`, oldest first.
  virtual Result<std::vector<StoredChange>> pending_changes(std::string_view device, std::int64_t after_seq,
                                                            std::size_t limit) = 0;
  virtual Result<std::int64_t> pending_count(std::string_view device) = 0;
  // This device's changes of one year that the server has not acknowledged, or acknowledged after
  // `after_server_seq`, oldest first: what a device carries itself when head office has moved the
  // organisation to a new year since.
  virtual Result<std::vector<StoredChange>> own_changes_since(std::string_view device, std::int64_t after_server_seq,
                                                              std::string_view year, std::size_t limit) = 0;
  virtual Result<std::int64_t> change_count() = 0;
  // How many changes one scope has, and the clock of its newest (0 when none), without reading them.
  struct ScopeSummary {
    std::int64_t changes = 0;
    Hlc newest = 0;
  };
  virtual Result<ScopeSummary> scope_summary(std::string_view scope) = 0;
  // Each scope's log position: the seq of its newest change (0: none), in the order asked. Changes
  // are only ever added, so while a scope's position stays the same, so do its fields: what head
  // office keeps of a site's figures between requests is keyed by it, whichever process wrote.
  virtual Result<std::vector<std::int64_t>> scope_positions(const std::vector<std::string>& scopes) = 0;
  virtual Result<std::int64_t> last_seq() = 0;
  virtual Result<std::vector<AuditRecord>> audit_after(std::int64_t after_batch, std::size_t limit) = 0;
  // Every cover a device sent, oldest first.
  virtual Result<std::vector<AuditCover>> audit_covers_of(std::string_view device_id) = 0;

  // The question set in force for a year: the newest stored (none: the shipped one applies).
  virtual Result<std::optional<StoredQuestionSet>> question_set(std::string_view year) = 0;
  // Every question set stored, oldest first: head office's record of its imports.
  virtual Result<std::vector<StoredQuestionSet>> question_sets() = 0;
  // The seq of the newest set stored (0: none): changes whenever a set is stored, by any process.
  virtual Result<std::int64_t> last_question_set_seq() = 0;
  // The policy library's files, outside a transaction (see StoreTransaction for each).
  virtual Result<std::optional<StoredFile>> file(std::string_view root) = 0;
  // One sealed chunk as kept; nullopt when it is not.
  virtual Result<std::optional<Bytes>> file_chunk(std::string_view root, std::uint32_t index) = 0;
  // How many chunks of the file are kept (they arrive in order, so these are the first ones).
  virtual Result<std::uint32_t> file_chunks_kept(std::string_view root) = 0;
  virtual Result<std::optional<std::uint32_t>> file_progress(std::string_view root, std::string_view scope) = 0;
  virtual Result<std::uint64_t> stored_file_bytes() = 0;

  // Changes whenever any connection (any process) commits to the database.
  virtual Result<std::int64_t> data_version() = 0;

  // The schema version this store is at (docs/storage.md lists them).
  virtual Result<int> schema_version() = 0;
  // Writes a consistent copy of the whole store to a new file, while others keep using it.
  virtual Status backup_to(const std::filesystem::path& file) = 0;
  // Runs the backend's own consistency check; returns the problems found (empty: healthy).
  virtual Result<std::vector<std::string>> check_integrity() = 0;
};

}  // namespace dsptsync
