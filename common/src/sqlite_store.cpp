// SQLite implementation of Store. Schema and migrations: docs/storage.md.
//
// Durability: WAL with synchronous=FULL, so a COMMIT that has returned survives power loss; every
// write goes through BEGIN IMMEDIATE so two writers never deadlock on a lock upgrade.
#include "dsptsync/sqlite_store.h"
#include "dsptsync/platform.h"

#include "sqlite_schema.h"
#include "sqlite_support.h"

#include <sqlite3.h>

#include <algorithm>
#include <array>
#include <functional>
#include <sstream>
#include <map>
#include <string>

namespace dsptsync {
namespace {

using sqlite::kApplicationId;
using sqlite::Statement;
using sqlite::Use;


const int kSchemaVersion = static_cast<int>(sqlite::migrations().size());



constexpr std::string_view kChangeColumns =
    "seq, change_id, scope, year, target_kind, target, field, hlc, user, device, sealed, server_seq";

StoredChange read_change(const Use& row) {
  StoredChange change;
  change.seq = row.column_int(0);
  change.id = row.column_text(1);
  change.key.scope = row.column_text(2);
  change.key.year = row.column_text(3);
  change.key.kind = static_cast<TargetKind>(row.column_int(4));
  change.key.target = row.column_text(5);
  change.key.field = static_cast<Field>(row.column_int(6));
  change.hlc = static_cast<Hlc>(row.column_int(7));
  change.user = row.column_text(8);
  change.device = row.column_text(9);
  change.sealed = row.column_blob(10);
  if (!row.column_is_null(11)) change.server_seq = row.column_int(11);
  return change;
}

StoredField read_field(const Use& row) {
  StoredField field;
  field.key.scope = row.column_text(0);
  field.key.year = row.column_text(1);
  field.key.kind = static_cast<TargetKind>(row.column_int(2));
  field.key.target = row.column_text(3);
  field.key.field = static_cast<Field>(row.column_int(4));
  field.in_conflict = row.column_int(5) != 0;
  field.sealed = row.column_blob(6);
  field.last_seq = row.column_int(7);
  return field;
}

class SqliteStore;

class SqliteTransaction final : public StoreTransaction {
 public:
  explicit SqliteTransaction(SqliteStore& store) : store_(store) {}
  ~SqliteTransaction() override;
  Result<bool> has_change(std::string_view change_id) override;
  Result<std::optional<std::int64_t>> change_seq(std::string_view change_id) override;
  Result<std::int64_t> insert_change(const StoredChange& change) override;
  Result<std::optional<std::int64_t>> insert_change_if_new(const StoredChange& change) override;
  Result<std::optional<StoredField>> field(const FieldKey& key) override;
  Status put_field(const StoredField& field) override;
  Result<std::optional<std::string>> setting(std::string_view name) override;
  Status put_setting(std::string_view name, std::string_view value) override;
  Status mark_acknowledged(const std::vector<std::pair<std::string, std::int64_t>>& acknowledged) override;
  Result<std::int64_t> append_audit(const AuditRecord& record) override;
  Result<std::int64_t> append_audit_cover(const AuditCover& cover) override;
  Result<std::int64_t> add_question_set(const QuestionSet& set, TimestampMs stored_at) override;
  Result<std::optional<StoredQuestionSet>> question_set(std::string_view year) override;
  Status forget_acknowledgements(std::string_view device) override;
  Result<std::optional<StoredFile>> file(std::string_view root) override;
  Status add_file(const StoredFile& file) override;
  Result<bool> has_file_chunk(std::string_view root, std::uint32_t index) override;
  Status add_file_chunk(std::string_view root, std::uint32_t index, ByteView sealed) override;
  Result<std::optional<std::uint32_t>> file_progress(std::string_view root, std::string_view scope) override;
  Status put_file_progress(std::string_view root, std::string_view scope, std::uint32_t next_chunk) override;
  Result<std::uint64_t> stored_file_bytes() override;
  Status savepoint() override;
  Status release_savepoint() override;
  Status rollback_to_savepoint() override;
  Status commit() override;

 private:
  SqliteStore& store_;
  bool open_ = true;
};

class SqliteStore final : public Store {
 public:
  SqliteStore(sqlite3* db, std::filesystem::path path) : db_(db), path_(std::move(path)) {}
  sqlite3* handle() const { return db_; }
  ~SqliteStore() override {
    statements_.clear();
    sqlite3_close_v2(db_);
  }

  Status exec(std::string_view sql) {
    char* message = nullptr;
    if (sqlite3_exec(db_, std::string(sql).c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
      std::string text = message ? message : sqlite3_errmsg(db_);
      sqlite3_free(message);
      return failure("running '" + std::string(sql.substr(0, 40)) + "'", text);
    }
    return {};
  }

  // A statement without parameters or rows that runs for every transaction or push (BEGIN,
  // SAVEPOINT, COMMIT...): taken from the cache rather than compiled each time, as exec() does.
  Status run(std::string_view sql) {
    auto use = prepare(sql);
    if (!use) return use.error();
    return step_done(*use, "running '" + std::string(sql) + "'");
  }

  Error failure(std::string_view what, std::string_view detail = {}) const {
    return sqlite::failure_of(db_, path_, what, detail);
  }

  // Cached prepared statements, compiled once per connection.
  Result<Use> prepare(std::string_view sql) {
    auto found = statements_.find(sql);
    if (found == statements_.end()) {
      auto statement = std::make_unique<Statement>(db_, sql);
      if (!statement->get()) return failure("preparing a query");
      found = statements_.emplace(std::string(sql), std::move(statement)).first;
    }
    return Use(found->second->get());
  }

  Status step_done(Use& use, std::string_view what) {
    if (sqlite3_step(use.get()) != SQLITE_DONE) return failure(what);
    return {};
  }

  Status migrate() {
    auto version = schema_version();
    if (!version) return version.error();
    if (*version > kSchemaVersion) return newer_than_known(*version);
    while (*version < kSchemaVersion) {
      // Each step judges the version again inside its transaction: another program opening the
      // same store at the same moment (`dsptsync ui` and a command, after an upgrade) may have
      // taken that step while this one waited for the write lock.
      Status step = in_write_transaction([&]() -> Status {
        version = schema_version();
        if (!version) return version.error();
        if (*version > kSchemaVersion) return newer_than_known(*version);
        if (*version == kSchemaVersion) return {};
        if (auto s = exec(sqlite::migrations()[static_cast<std::size_t>(*version)]); !s) return s;
        if (auto s = exec("PRAGMA user_version = " + std::to_string(*version + 1)); !s) return s;
        version = *version + 1;
        return exec("PRAGMA application_id = " + std::to_string(kApplicationId));
      });
      if (!step) return step;
    }
    return {};
  }

  Error newer_than_known(int version) const {
    return store_error("the database " + platform::utf8_of(path_) + " is at schema version " + std::to_string(version) +
                       ", newer than this dsptsync understands (" + std::to_string(kSchemaVersion) +
                       "); install the newer dsptsync that wrote it");
  }

  // Runs `work` in a transaction of its own that holds the write lock from its start, committed if
  // `work` succeeds and rolled back if not: the schema's changes at open.
  Status in_write_transaction(const std::function<Status()>& work) {
    if (auto s = exec("BEGIN IMMEDIATE"); !s) return s;
    if (auto done = work(); !done) {
      (void)exec("ROLLBACK");
      return done;
    }
    return exec("COMMIT");
  }

  Result<std::unique_ptr<StoreTransaction>> begin() override {
    if (auto s = run("BEGIN IMMEDIATE"); !s) return s.error();
    return std::unique_ptr<StoreTransaction>(std::make_unique<SqliteTransaction>(*this));
  }

  Result<std::optional<std::string>> setting(std::string_view name) override {
    auto use = prepare("SELECT value FROM settings WHERE name = ?1");
    if (!use) return use.error();
    use->text(1, name);
    const int rc = sqlite3_step(use->get());
    if (rc == SQLITE_ROW) {
      Bytes value = use->column_blob(0);
      return std::optional<std::string>(std::string(value.begin(), value.end()));
    }
    if (rc != SQLITE_DONE) return failure("reading a setting");
    return std::optional<std::string>();
  }

  Status write_setting(std::string_view name, std::string_view value) {
    auto use = prepare("INSERT INTO settings(name, value) VALUES(?1, ?2) "
                       "ON CONFLICT(name) DO UPDATE SET value = excluded.value");
    if (!use) return use.error();
    use->text(1, name);
    use->blob(2, as_bytes(value));
    return step_done(*use, "writing a setting");
  }

  Result<std::vector<std::pair<std::string, std::string>>> settings_with_prefix(std::string_view prefix) override {
    auto use = prepare("SELECT name, value FROM settings WHERE substr(name, 1, length(?1)) = ?1 ORDER BY name");
    if (!use) return use.error();
    use->text(1, prefix);
    std::vector<std::pair<std::string, std::string>> out;
    int rc;
    while ((rc = sqlite3_step(use->get())) == SQLITE_ROW) {
      Bytes value = use->column_blob(1);
      out.emplace_back(use->column_text(0), std::string(value.begin(), value.end()));
    }
    if (rc != SQLITE_DONE) return failure("reading settings");
    return out;
  }

  Result<std::vector<StoredField>> fields(std::string_view scope, std::string_view year) override {
    auto use = prepare("SELECT scope, year, target_kind, target, field, in_conflict, sealed, last_seq FROM fields "
                       "WHERE scope = ?1 AND year = ?2 ORDER BY target_kind, target, field");
    if (!use) return use.error();
    use->text(1, scope);
    use->text(2, year);
    std::vector<StoredField> out;
    int rc;
    while ((rc = sqlite3_step(use->get())) == SQLITE_ROW) out.push_back(read_field(*use));
    if (rc != SQLITE_DONE) return failure("reading the assessment");
    return out;
  }

  Result<std::vector<StoredField>> fields_of_kind(TargetKind kind, std::string_view scope) override {
    auto use = prepare(
        "SELECT scope, year, target_kind, target, field, in_conflict, sealed, last_seq FROM fields "
        "WHERE target_kind = ?1 AND (?2 = '' OR scope = ?2) ORDER BY scope, year, target, field");
    if (!use) return use.error();
    use->integer(1, static_cast<std::int64_t>(kind));
    use->text(2, scope);
    std::vector<StoredField> out;
    int rc;
    while ((rc = sqlite3_step(use->get())) == SQLITE_ROW) out.push_back(read_field(*use));
    if (rc != SQLITE_DONE) return failure("reading the incidents");
    return out;
  }

  Result<std::vector<StoredChange>> collect_changes(Use& use, std::string_view what) {
    std::vector<StoredChange> out;
    int rc;
    while ((rc = sqlite3_step(use.get())) == SQLITE_ROW) out.push_back(read_change(use));
    if (rc != SQLITE_DONE) return failure(what);
    return out;
  }

  Result<std::vector<StoredChange>> changes_of_target(std::string_view scope, std::string_view year, TargetKind kind,
                                                      std::string_view target) override {
    // SQLite uses a partial index only for a query that states its condition as written, so an
    // incident's kind goes in as a literal: its changes are found through changes_of_incidents, on
    // head office too. Other kinds use changes_by_target on a laptop, and the scope's changes on
    // head office, which goes without that index (shape_role_indexes).
    const std::string kind_term = kind == TargetKind::incident
                                      ? "target_kind = " + std::to_string(static_cast<int>(TargetKind::incident))
                                      : std::string("target_kind = ?3");
    auto use = prepare("SELECT " + std::string(kChangeColumns) + " FROM changes WHERE scope = ?1 AND year = ?2 AND " +
                       kind_term + " AND target = ?4 ORDER BY seq");
    if (!use) return use.error();
    use->text(1, scope);
    use->text(2, year);
    use->integer(3, static_cast<int>(kind));
    use->text(4, target);
    return collect_changes(*use, "reading the history");
  }

  Result<std::vector<StoredChange>> changes_after(std::int64_t after_seq, std::size_t limit) override {
    auto use = prepare("SELECT " + std::string(kChangeColumns) + " FROM changes WHERE seq > ?1 ORDER BY seq LIMIT ?2");
    if (!use) return use.error();
    use->integer(1, after_seq);
    use->integer(2, static_cast<std::int64_t>(limit));
    return collect_changes(*use, "reading changes");
  }

  Result<std::vector<StoredChange>> changes_by_id(const std::vector<std::string>& ids) override {
    std::vector<StoredChange> out;
    for (const auto& id : ids) {
      auto use = prepare("SELECT " + std::string(kChangeColumns) + " FROM changes WHERE change_id = ?1");
      if (!use) return use.error();
      use->text(1, id);
      auto found = collect_changes(*use, "reading a change");
      if (!found) return found.error();
      for (auto& change : *found) out.push_back(std::move(change));
    }
    return out;
  }

  Result<std::vector<StoredChange>> changes_after_in_scopes(std::int64_t after_seq,
                                                            const std::vector<std::string>& scopes,
                                                            std::size_t limit) override {
    // Scopes are few (a branch and its head office), so one indexed query per scope, merged.
    std::vector<StoredChange> out;
    for (const auto& scope : scopes) {
      auto use = prepare("SELECT " + std::string(kChangeColumns) +
                         " FROM changes WHERE scope = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3");
      if (!use) return use.error();
      use->text(1, scope);
      use->integer(2, after_seq);
      use->integer(3, static_cast<std::int64_t>(limit));
      auto part = collect_changes(*use, "reading changes");
      if (!part) return part.error();
      out.insert(out.end(), std::make_move_iterator(part->begin()), std::make_move_iterator(part->end()));
    }
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.seq < b.seq; });
    if (out.size() > limit) out.resize(limit);
    return out;
  }

  Result<std::vector<StoredChange>> pending_changes(std::string_view device, std::int64_t after_seq,
                                                    std::size_t limit) override {
    auto use = prepare("SELECT " + std::string(kChangeColumns) +
                       " FROM changes WHERE device = ?1 AND server_seq IS NULL AND seq > ?2 ORDER BY seq LIMIT ?3");
    if (!use) return use.error();
    use->text(1, device);
    use->integer(2, after_seq);
    use->integer(3, static_cast<std::int64_t>(limit));
    return collect_changes(*use, "reading the changes waiting to go up");
  }

  // A scan of the log: the upload queue's index holds only the changes not acknowledged, and this
  // runs once, when head office moves to a new year.
  Result<std::vector<StoredChange>> own_changes_since(std::string_view device, std::int64_t after_server_seq,
                                                      std::string_view year, std::size_t limit) override {
    auto use = prepare("SELECT " + std::string(kChangeColumns) +
                       " FROM changes WHERE device = ?1 AND year = ?2 AND (server_seq IS NULL OR server_seq > ?3) "
                       "ORDER BY seq LIMIT ?4");
    if (!use) return use.error();
    use->text(1, device);
    use->text(2, year);
    use->integer(3, after_server_seq);
    use->integer(4, static_cast<std::int64_t>(limit));
    return collect_changes(*use, "reading this device's recent changes");
  }

  Result<std::int64_t> pending_count(std::string_view device) override {
    auto use = prepare("SELECT count(*) FROM changes WHERE device = ?1 AND server_seq IS NULL");
    if (!use) return use.error();
    use->text(1, device);
    if (sqlite3_step(use->get()) != SQLITE_ROW) return failure("counting the changes waiting to go up");
    return use->column_int(0);
  }

  Result<std::int64_t> last_seq() override {
    auto use = prepare("SELECT coalesce(max(seq), 0) FROM changes");
    if (!use) return use.error();
    if (sqlite3_step(use->get()) != SQLITE_ROW) return failure("reading the log");
    return use->column_int(0);
  }

  Result<std::vector<AuditCover>> audit_covers_of(std::string_view device_id) override {
    auto use = prepare(
        "SELECT cover, device_id, user, received_at, digests, signature FROM audit_covers "
        "WHERE device_id = ?1 ORDER BY cover");
    if (!use) return use.error();
    use->text(1, device_id);
    std::vector<AuditCover> out;
    int rc;
    while ((rc = sqlite3_step(use->get())) == SQLITE_ROW) {
      AuditCover cover;
      cover.cover = use->column_int(0);
      cover.device_id = use->column_text(1);
      cover.user = use->column_text(2);
      cover.received_at = use->column_int(3);
      const Bytes digests = use->column_blob(4);
      const Bytes signature = use->column_blob(5);
      if (digests.size() % 32 != 0 || signature.size() != cover.signature.size())
        return corrupt("audit cover " + std::to_string(cover.cover) + " is damaged");
      for (std::size_t at = 0; at < digests.size(); at += 32) {
        std::array<std::uint8_t, 32> digest{};
        std::copy(digests.begin() + static_cast<std::ptrdiff_t>(at),
                  digests.begin() + static_cast<std::ptrdiff_t>(at + 32), digest.begin());
        cover.digests.push_back(digest);
      }
      std::copy(signature.begin(), signature.end(), cover.signature.begin());
      out.push_back(std::move(cover));
    }
    if (rc != SQLITE_DONE) return failure("reading the audit trail");
    return out;
  }

  Result<std::vector<AuditRecord>> audit_after(std::int64_t after_batch, std::size_t limit) override {
    auto use = prepare("SELECT batch, device_id, user, received_at, change_ids, digest, signature FROM audit "
                       "WHERE batch > ?1 ORDER BY batch LIMIT ?2");
    if (!use) return use.error();
    use->integer(1, after_batch);
    use->integer(2, static_cast<std::int64_t>(limit));
    std::vector<AuditRecord> out;
    int rc;
    while ((rc = sqlite3_step(use->get())) == SQLITE_ROW) {
      AuditRecord record;
      record.batch = use->column_int(0);
      record.device_id = use->column_text(1);
      record.user = use->column_text(2);
      record.received_at = use->column_int(3);
      std::istringstream ids(use->column_text(4));
      for (std::string id; ids >> id;) record.change_ids.push_back(id);
      const Bytes digest = use->column_blob(5);
      const Bytes signature = use->column_blob(6);
      if (digest.size() != record.digest.size() || signature.size() != record.signature.size())
        return corrupt("audit record " + std::to_string(record.batch) + " is damaged");
      std::copy(digest.begin(), digest.end(), record.digest.begin());
      std::copy(signature.begin(), signature.end(), record.signature.begin());
      out.push_back(std::move(record));
    }
    if (rc != SQLITE_DONE) return failure("reading the audit trail");
    return out;
  }

  Result<std::vector<StoredQuestionSet>> read_question_sets(Use& use) {
    std::vector<StoredQuestionSet> out;
    int rc;
    while ((rc = sqlite3_step(use.get())) == SQLITE_ROW) {
      const Bytes record = use.column_blob(2);
      auto set = decode_question_set(record);
      if (!set)
        return corrupt("the question set kept as number " + std::to_string(use.column_int(0)) + " in " +
                       platform::utf8_of(path_) + " is damaged: " + set.error().message);
      out.push_back({use.column_int(0), std::move(*set), use.column_int(1)});
    }
    if (rc != SQLITE_DONE) return failure("reading the question sets");
    return out;
  }

  Result<std::optional<StoredQuestionSet>> question_set(std::string_view year) override {
    auto use = prepare("SELECT seq, stored_at, record FROM question_sets WHERE year = ?1 ORDER BY seq DESC LIMIT 1");
    if (!use) return use.error();
    use->text(1, year);
    auto found = read_question_sets(*use);
    if (!found) return found.error();
    if (found->empty()) return std::optional<StoredQuestionSet>();
    return std::optional<StoredQuestionSet>(std::move(found->front()));
  }

  Result<std::vector<StoredQuestionSet>> question_sets() override {
    auto use = prepare("SELECT seq, stored_at, record FROM question_sets ORDER BY seq");
    if (!use) return use.error();
    return read_question_sets(*use);
  }

  Result<std::int64_t> last_question_set_seq() override {
    auto use = prepare("SELECT coalesce(max(seq), 0) FROM question_sets");
    if (!use) return use.error();
    if (sqlite3_step(use->get()) != SQLITE_ROW) return failure("reading the question sets");
    return use->column_int(0);
  }

  Result<std::int64_t> data_version() override {
    auto use = prepare("PRAGMA data_version");
    if (!use) return use.error();
    if (sqlite3_step(use->get()) != SQLITE_ROW) return failure("reading the data version");
    return use->column_int(0);
  }

  Result<ScopeSummary> scope_summary(std::string_view scope) override {
    auto use = prepare("SELECT count(*), coalesce(max(hlc), 0) FROM changes WHERE scope = ?1");
    if (!use) return use.error();
    use->text(1, scope);
    if (sqlite3_step(use->get()) != SQLITE_ROW) return failure("counting a scope's changes");
    return ScopeSummary{use->column_int(0), static_cast<Hlc>(use->column_int(1))};
  }

  // One look-up per scope, each the newest entry of the (scope, seq) index: cheap however long the log.
  Result<std::vector<std::int64_t>> scope_positions(const std::vector<std::string>& scopes) override {
    auto use = prepare("SELECT coalesce(max(seq), 0) FROM changes WHERE scope = ?1");
    if (!use) return use.error();
    std::vector<std::int64_t> out;
    out.reserve(scopes.size());
    for (const auto& scope : scopes) {
      sqlite3_reset(use->get());
      use->text(1, scope);
      if (sqlite3_step(use->get()) != SQLITE_ROW) return failure("reading a scope's log position");
      out.push_back(use->column_int(0));
    }
    return out;
  }

  Result<std::int64_t> change_count() override {
    auto use = prepare("SELECT count(*) FROM changes");
    if (!use) return use.error();
    if (sqlite3_step(use->get()) != SQLITE_ROW) return failure("counting changes");
    return use->column_int(0);
  }

  // ---- the policy library's files ----

  Result<std::optional<StoredFile>> file(std::string_view root) override {
    auto use = prepare("SELECT root, size, manifest, created_at FROM files WHERE root = ?1");
    if (!use) return use.error();
    use->text(1, root);
    const int rc = sqlite3_step(use->get());
    if (rc == SQLITE_DONE) return std::optional<StoredFile>();
    if (rc != SQLITE_ROW) return failure("reading a file of the library");
    StoredFile file{use->column_text(0), static_cast<std::uint64_t>(use->column_int(1)), use->column_blob(2),
                    use->column_int(3)};
    return std::optional<StoredFile>(std::move(file));
  }

  Result<std::optional<Bytes>> file_chunk(std::string_view root, std::uint32_t index) override {
    auto use = prepare("SELECT sealed FROM file_chunks WHERE root = ?1 AND chunk = ?2");
    if (!use) return use.error();
    use->text(1, root);
    use->integer(2, index);
    const int rc = sqlite3_step(use->get());
    if (rc == SQLITE_DONE) return std::optional<Bytes>();
    if (rc != SQLITE_ROW) return failure("reading a chunk of a file");
    return std::optional<Bytes>(use->column_blob(0));
  }

  Result<std::uint32_t> file_chunks_kept(std::string_view root) override {
    auto use = prepare("SELECT count(*) FROM file_chunks WHERE root = ?1");
    if (!use) return use.error();
    use->text(1, root);
    if (sqlite3_step(use->get()) != SQLITE_ROW) return failure("counting a file's chunks");
    return static_cast<std::uint32_t>(use->column_int(0));
  }

  Result<std::optional<std::uint32_t>> file_progress(std::string_view root, std::string_view scope) override {
    auto use = prepare("SELECT next_chunk FROM file_holders WHERE root = ?1 AND scope = ?2");
    if (!use) return use.error();
    use->text(1, root);
    use->text(2, scope);
    const int rc = sqlite3_step(use->get());
    if (rc == SQLITE_DONE) return std::optional<std::uint32_t>();
    if (rc != SQLITE_ROW) return failure("reading a site's progress with a file");
    return std::optional<std::uint32_t>(static_cast<std::uint32_t>(use->column_int(0)));
  }

  Result<std::uint64_t> stored_file_bytes() override {
    auto use = prepare("SELECT coalesce(sum(size), 0) FROM files");
    if (!use) return use.error();
    if (sqlite3_step(use->get()) != SQLITE_ROW) return failure("adding up the library's files");
    return static_cast<std::uint64_t>(use->column_int(0));
  }

  Result<int> schema_version() override {
    auto use = prepare("PRAGMA user_version");
    if (!use) return use.error();
    if (sqlite3_step(use->get()) != SQLITE_ROW) return failure("reading the schema version");
    return static_cast<int>(use->column_int(0));
  }

  Result<int> application_id() {
    auto use = prepare("PRAGMA application_id");
    if (!use) return use.error();
    if (sqlite3_step(use->get()) != SQLITE_ROW) return failure("reading the file header");
    return static_cast<int>(use->column_int(0));
  }

  // The indexes that serve one kind of store only (SqliteStoreOptions::laptop_indexes), made,
  // remade or dropped at each open, and only when not already as wanted, so opening never writes
  // for nothing. Each is a write to a page of its own for every change inserted, so a store goes
  // without those the other side needs (docs/storage.md). A store from before version 13 has all of
  // them whichever program used it; one from before this shape, the upload queue's index over
  // every change.
  Status shape_role_indexes(bool laptop) {
    auto unshaped = reshape_role_indexes(laptop, /*write=*/false);
    if (!unshaped) return unshaped.error();
    if (!*unshaped) return {};
    // Judged again in one transaction: a program opening the store at the same moment waits for
    // it, then finds the store shaped.
    return in_write_transaction([&]() -> Status {
      if (auto reshaped = reshape_role_indexes(laptop, /*write=*/true); !reshaped) return reshaped.error();
      return {};
    });
  }

  // Whether any role index is not as a laptop's store (`laptop`) or head office's wants it; with
  // `write`, makes, remakes or drops each such index.
  Result<bool> reshape_role_indexes(bool laptop, bool write) {
    struct RoleIndex {
      std::string_view name;
      std::string_view definition;
      bool on_laptop;  // else on head office
    };
    static constexpr RoleIndex kRoleIndexes[] = {
        // The upload queue: partial, so the changes a pull brings (head office has them: they
        // carry its seq) cost it nothing. The queries that use it say `server_seq IS NULL` as written.
        {"changes_pending", "CREATE INDEX changes_pending ON changes(device, seq) WHERE server_seq IS NULL", true},
        {"changes_by_target", "CREATE INDEX changes_by_target ON changes(scope, year, target_kind, target)", true},
        // What each branch's devices may pull, and each scope's position.
        {"changes_by_scope", "CREATE INDEX changes_by_scope ON changes(scope, seq)", false},
    };
    bool unshaped = false;
    for (const auto& index : kRoleIndexes) {
      auto present = index_definition(index.name);
      if (!present) return present.error();
      const bool wanted = index.on_laptop == laptop;
      if (wanted ? *present == index.definition : !*present) continue;
      unshaped = true;
      if (!write) continue;
      if (*present)
        if (auto s = exec("DROP INDEX " + std::string(index.name)); !s) return s.error();
      if (wanted)
        if (auto s = exec(std::string(index.definition)); !s) return s.error();
    }
    return unshaped;
  }

  // The statement that made the index `name`, as SQLite keeps it, or none if there is no such index.
  Result<std::optional<std::string>> index_definition(std::string_view name) {
    auto use = prepare("SELECT sql FROM sqlite_schema WHERE type = 'index' AND name = ?1");
    if (!use) return use.error();
    use->text(1, name);
    const int rc = sqlite3_step(use->get());
    if (rc == SQLITE_DONE) return std::optional<std::string>{};
    if (rc != SQLITE_ROW) return failure("reading the schema");
    return std::optional<std::string>{use->column_text(0)};
  }

  Result<std::int64_t> table_count() {
    auto use = prepare("SELECT count(*) FROM sqlite_schema");
    if (!use) return use.error();
    if (sqlite3_step(use->get()) != SQLITE_ROW) return failure("reading the file header");
    return use->column_int(0);
  }

  Status backup_to(const std::filesystem::path& file) override {
    std::error_code ec;
    if (std::filesystem::exists(file, ec))
      return refused("the backup file " + platform::utf8_of(file) + " already exists; choose a new name");
    // VACUUM INTO writes a consistent, compact copy from one read transaction: writers carry on.
    auto use = prepare("VACUUM INTO ?1");
    if (!use) return use.error();
    use->text(1, platform::utf8_of(file));
    return step_done(*use, "writing the backup " + platform::utf8_of(file));
  }

  Result<std::vector<std::string>> check_integrity() override {
    auto use = prepare("PRAGMA integrity_check");
    if (!use) return use.error();
    std::vector<std::string> problems;
    int rc;
    while ((rc = sqlite3_step(use->get())) == SQLITE_ROW) {
      std::string line = use->column_text(0);
      if (line != "ok") problems.push_back(line);
    }
    if (rc != SQLITE_DONE) return failure("checking integrity");
    return problems;
  }

  sqlite3* db() const { return db_; }

 private:
  sqlite3* db_;
  std::filesystem::path path_;
  std::map<std::string, std::unique_ptr<Statement>, std::less<>> statements_;
};

SqliteTransaction::~SqliteTransaction() {
  if (open_) (void)store_.run("ROLLBACK");
}

Result<bool> SqliteTransaction::has_change(std::string_view change_id) {
  auto use = store_.prepare("SELECT 1 FROM changes WHERE change_id = ?1");
  if (!use) return use.error();
  use->text(1, change_id);
  const int rc = sqlite3_step(use->get());
  if (rc == SQLITE_ROW) return true;
  if (rc != SQLITE_DONE) return store_.failure("looking up a change");
  return false;
}

Result<std::optional<std::int64_t>> SqliteTransaction::change_seq(std::string_view change_id) {
  auto use = store_.prepare("SELECT seq FROM changes WHERE change_id = ?1");
  if (!use) return use.error();
  use->text(1, change_id);
  const int rc = sqlite3_step(use->get());
  if (rc == SQLITE_ROW) return std::optional<std::int64_t>(use->column_int(0));
  if (rc != SQLITE_DONE) return store_.failure("looking up a change");
  return std::optional<std::int64_t>();
}

namespace {

constexpr std::string_view kInsertChange =
    "INSERT INTO changes(change_id, scope, year, target_kind, target, field, hlc, user, device, sealed, server_seq) "
    "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)";

// Borrows the change's values: `change` outlives the use that inserts it.
void bind_change(sqlite::Use& use, const StoredChange& change) {
  constexpr auto borrowed = sqlite::Use::Binding::borrowed;
  use.text(1, change.id, borrowed);
  use.key(2, change.key, borrowed);
  use.integer(7, static_cast<std::int64_t>(change.hlc));
  use.text(8, change.user, borrowed);
  use.text(9, change.device, borrowed);
  use.blob(10, change.sealed, borrowed);
  if (change.server_seq) use.integer(11, *change.server_seq);
  else use.null(11);
}

}  // namespace

Result<std::int64_t> SqliteTransaction::insert_change(const StoredChange& change) {
  auto use = store_.prepare(kInsertChange);
  if (!use) return use.error();
  bind_change(*use, change);
  if (auto s = store_.step_done(*use, "recording a change"); !s) return s.error();
  return static_cast<std::int64_t>(sqlite3_last_insert_rowid(store_.db()));
}

Result<std::optional<std::int64_t>> SqliteTransaction::insert_change_if_new(const StoredChange& change) {
  // The change id's unique index finds a change already logged as it inserts.
  static const std::string if_new = std::string(kInsertChange) + " ON CONFLICT(change_id) DO NOTHING";
  auto use = store_.prepare(if_new);
  if (!use) return use.error();
  bind_change(*use, change);
  if (auto s = store_.step_done(*use, "recording a change"); !s) return s.error();
  if (sqlite3_changes(store_.db()) == 0) return std::optional<std::int64_t>();
  return std::optional<std::int64_t>(sqlite3_last_insert_rowid(store_.db()));
}

Result<std::optional<StoredField>> SqliteTransaction::field(const FieldKey& key) {
  auto use = store_.prepare("SELECT scope, year, target_kind, target, field, in_conflict, sealed, last_seq FROM fields "
                            "WHERE scope = ?1 AND year = ?2 AND target_kind = ?3 AND target = ?4 AND field = ?5");
  if (!use) return use.error();
  use->key(1, key);
  const int rc = sqlite3_step(use->get());
  if (rc == SQLITE_ROW) return std::optional<StoredField>(read_field(*use));
  if (rc != SQLITE_DONE) return store_.failure("reading a field");
  return std::optional<StoredField>();
}

Status SqliteTransaction::put_field(const StoredField& field) {
  auto use = store_.prepare(
      "INSERT INTO fields(scope, year, target_kind, target, field, in_conflict, sealed, last_seq) "
      "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT(scope, year, target_kind, target, field) DO UPDATE SET "
      "in_conflict = excluded.in_conflict, sealed = excluded.sealed, last_seq = excluded.last_seq");
  if (!use) return use.error();
  use->key(1, field.key, sqlite::Use::Binding::borrowed);  // `field` outlives the use
  use->integer(6, field.in_conflict ? 1 : 0);
  use->blob(7, field.sealed, sqlite::Use::Binding::borrowed);
  use->integer(8, field.last_seq);
  return store_.step_done(*use, "writing a field");
}

Result<std::optional<std::string>> SqliteTransaction::setting(std::string_view name) { return store_.setting(name); }

Status SqliteTransaction::put_setting(std::string_view name, std::string_view value) {
  return store_.write_setting(name, value);
}

Status SqliteTransaction::mark_acknowledged(const std::vector<std::pair<std::string, std::int64_t>>& acknowledged) {
  for (const auto& [id, server_seq] : acknowledged) {
    auto use = store_.prepare("UPDATE changes SET server_seq = ?2 WHERE change_id = ?1");
    if (!use) return use.error();
    use->text(1, id);
    use->integer(2, server_seq);
    if (auto s = store_.step_done(*use, "recording an acknowledgement"); !s) return s;
  }
  return {};
}

// A scan of the log, run only after head office restores its server.
Status SqliteTransaction::forget_acknowledgements(std::string_view device) {
  auto use = store_.prepare("UPDATE changes SET server_seq = NULL WHERE device = ?1");
  if (!use) return use.error();
  use->text(1, device);
  return store_.step_done(*use, "marking changes to be sent again");
}

Result<std::int64_t> SqliteTransaction::append_audit(const AuditRecord& record) {
  auto use = store_.prepare("INSERT INTO audit(device_id, user, received_at, change_ids, digest, signature) "
                            "VALUES(?1, ?2, ?3, ?4, ?5, ?6)");
  if (!use) return use.error();
  std::string ids;
  for (const auto& id : record.change_ids) ids += (ids.empty() ? "" : " ") + id;
  use->text(1, record.device_id);
  use->text(2, record.user);
  use->integer(3, record.received_at);
  use->text(4, ids);
  use->blob(5, record.digest);
  use->blob(6, record.signature);
  if (auto s = store_.step_done(*use, "recording the audit trail"); !s) return s.error();
  return static_cast<std::int64_t>(sqlite3_last_insert_rowid(store_.db()));
}

Result<std::int64_t> SqliteTransaction::append_audit_cover(const AuditCover& cover) {
  auto use = store_.prepare(
      "INSERT INTO audit_covers(device_id, user, received_at, digests, signature) "
      "VALUES(?1, ?2, ?3, ?4, ?5)");
  if (!use) return use.error();
  Bytes digests;
  digests.reserve(cover.digests.size() * 32);
  for (const auto& digest : cover.digests) digests.insert(digests.end(), digest.begin(), digest.end());
  use->text(1, cover.device_id);
  use->text(2, cover.user);
  use->integer(3, cover.received_at);
  use->blob(4, digests);
  use->blob(5, cover.signature);
  if (auto s = store_.step_done(*use, "recording the audit trail"); !s) return s.error();
  return static_cast<std::int64_t>(sqlite3_last_insert_rowid(store_.db()));
}

Result<std::int64_t> SqliteTransaction::add_question_set(const QuestionSet& set, TimestampMs stored_at) {
  auto use = store_.prepare("INSERT INTO question_sets(year, version, content_hash, source, stored_at, record) "
                            "VALUES(?1, ?2, ?3, ?4, ?5, ?6)");
  if (!use) return use.error();
  use->text(1, set.year);
  use->integer(2, set.version);
  use->blob(3, set.content_hash);
  use->text(4, to_string(set.origin.source));
  use->integer(5, stored_at);
  use->blob(6, encode_question_set(set));
  if (auto s = store_.step_done(*use, "keeping a question set"); !s) return s.error();
  return static_cast<std::int64_t>(sqlite3_last_insert_rowid(store_.db()));
}

Result<std::optional<StoredQuestionSet>> SqliteTransaction::question_set(std::string_view year) {
  return store_.question_set(year);
}

Result<std::optional<StoredFile>> SqliteTransaction::file(std::string_view root) { return store_.file(root); }

Status SqliteTransaction::add_file(const StoredFile& file) {
  auto use = store_.prepare(
      "INSERT INTO files(root, size, manifest, created_at) VALUES(?1, ?2, ?3, ?4) "
      "ON CONFLICT(root) DO NOTHING");
  if (!use) return use.error();
  use->text(1, file.root);
  use->integer(2, static_cast<std::int64_t>(file.size));
  use->blob(3, file.manifest);
  use->integer(4, file.created_at);
  return store_.step_done(*use, "recording a file of the library");
}

Result<bool> SqliteTransaction::has_file_chunk(std::string_view root, std::uint32_t index) {
  auto use = store_.prepare("SELECT 1 FROM file_chunks WHERE root = ?1 AND chunk = ?2");
  if (!use) return use.error();
  use->text(1, root);
  use->integer(2, index);
  const int rc = sqlite3_step(use->get());
  if (rc == SQLITE_ROW) return true;
  if (rc != SQLITE_DONE) return store_.failure("looking up a chunk of a file");
  return false;
}

Status SqliteTransaction::add_file_chunk(std::string_view root, std::uint32_t index, ByteView sealed) {
  auto use = store_.prepare(
      "INSERT INTO file_chunks(root, chunk, sealed) VALUES(?1, ?2, ?3) "
      "ON CONFLICT(root, chunk) DO NOTHING");
  if (!use) return use.error();
  use->text(1, root);
  use->integer(2, index);
  use->blob(3, sealed);
  return store_.step_done(*use, "keeping a chunk of a file");
}

Result<std::optional<std::uint32_t>> SqliteTransaction::file_progress(std::string_view root, std::string_view scope) {
  return store_.file_progress(root, scope);
}

Status SqliteTransaction::put_file_progress(std::string_view root, std::string_view scope, std::uint32_t next_chunk) {
  auto use = store_.prepare(
      "INSERT INTO file_holders(root, scope, next_chunk) VALUES(?1, ?2, ?3) "
      "ON CONFLICT(root, scope) DO UPDATE SET next_chunk = excluded.next_chunk");
  if (!use) return use.error();
  use->text(1, root);
  use->text(2, scope);
  use->integer(3, next_chunk);
  return store_.step_done(*use, "recording a site's progress with a file");
}

Result<std::uint64_t> SqliteTransaction::stored_file_bytes() { return store_.stored_file_bytes(); }

Status SqliteTransaction::savepoint() { return store_.run("SAVEPOINT push"); }
Status SqliteTransaction::release_savepoint() { return store_.run("RELEASE push"); }
Status SqliteTransaction::rollback_to_savepoint() {
  if (auto s = store_.run("ROLLBACK TO push"); !s) return s;
  return store_.run("RELEASE push");
}

Status SqliteTransaction::commit() {
  if (auto s = store_.run("COMMIT"); !s) return s;
  open_ = false;
  return {};
}

}  // namespace

Result<std::unique_ptr<Store>> open_sqlite_store(const std::filesystem::path& path, const SqliteStoreOptions& options) {
  std::error_code ec;
  const bool exists = std::filesystem::exists(path, ec);
  if (!exists && !options.create_if_missing)
    return not_found("there is no dsptsync store at " + platform::utf8_of(path) +
                     "; create one with 'dsptsync init' (or choose another with --store)");
  const int flags = SQLITE_OPEN_READWRITE | (options.create_if_missing ? SQLITE_OPEN_CREATE : 0);
  auto raw = sqlite::open_connection(path, flags, options.vfs_name, options.busy_timeout);
  if (!raw) return raw.error();
  auto store = std::make_unique<SqliteStore>(*raw, path);

  auto application = store->application_id();
  if (!application) return application.error();
  auto version = store->schema_version();
  if (!version) return version.error();
  auto tables = store->table_count();
  if (!tables) return tables.error();
  const bool empty_new_file = *application == 0 && *version == 0 && *tables == 0;
  if (*application != kApplicationId && !empty_new_file)
    return invalid_input(platform::utf8_of(path) + " is not a dsptsync store (it is some other SQLite database)");

  if (options.read_only) {
    if (*version != kSchemaVersion)
      return store_error("the database " + platform::utf8_of(path) + " is at schema version " +
                         std::to_string(*version) + ", not " + std::to_string(kSchemaVersion) +
                         "; open it for writing first");
    if (auto s = store->exec("PRAGMA query_only = ON"); !s) return s.error();
    return std::unique_ptr<Store>(std::move(store));
  }
  if (auto s = sqlite::set_up_for_writing(store->handle(), path); !s) return s.error();
  if (auto s = store->migrate(); !s) return s.error();
  if (auto s = store->shape_role_indexes(options.laptop_indexes); !s) return s.error();
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace dsptsync
