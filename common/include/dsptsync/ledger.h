// A replica's change log over a Store: records local edits, applies changes made elsewhere, and
// reads the current state. Used unchanged by the branch client and the HQ server, so the rules
// for what an edit replaces live in one place (change.h) and every replica reaches the same state.
#pragma once

#include "dsptsync/change.h"
#include "dsptsync/crypto.h"
#include "dsptsync/permissions.h"
#include "dsptsync/store.h"

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace dsptsync {

struct Identity {
  std::string user;    // display name, as enrolled ("Sam Patel")
  std::string device;  // device id: lower-case hex
};

struct Edit {
  FieldKey key;
  std::optional<FieldValue> value;  // empty: clear the field
};

// A change as read back from the store, with this replica's bookkeeping.
struct LoggedChange {
  Change change;
  std::int64_t seq = 0;
  std::optional<std::int64_t> server_seq;
};

struct ApplyOutcome {
  std::vector<std::string> applied;     // ids newly added to the log
  std::vector<std::string> duplicates;  // ids already present: skipped, nothing changed
};

using AssessmentState = std::map<FieldKey, FieldState>;

// Field states that changes applied inside a transaction have changed and that are not written yet.
// Head office's group commit applies many pushes in one transaction: a field that several of them
// touch is opened once, and sealed and written once, for the commit instead of once a push.
class UnwrittenFields {
 public:
  // Takes the states one push staged, once that push is kept (its savepoint released).
  void keep(UnwrittenFields&& staged);
  bool empty() const { return fields_.empty(); }

 private:
  friend class Ledger;
  struct Touched {
    FieldState state;
    std::int64_t last_seq = 0;
  };
  std::map<FieldKey, Touched> fields_;
};

// Changes checked (codec::validate) and sealed at rest by one ledger, ready for its apply_within.
// Preparing reads no store, so it may run on another thread while the store writes the changes
// before them: a laptop's pull prepares the next page while it applies this one.
class PreparedChanges {
 private:
  friend class Ledger;
  std::vector<Change> changes_;
  std::vector<Bytes> sealed_;              // changes_[i] sealed under the ledger's key
  std::vector<std::int64_t> server_seqs_;  // head office's seq for changes_[i]; empty: none
  std::optional<std::int64_t> server_seq(std::size_t i) const {
    if (server_seqs_.empty()) return std::nullopt;
    return server_seqs_[i];
  }
};

// The permission rule for one edit as every door asks it (permissions.h): for an incident, with
// whether anyone but `who` has changed it in `store` already (a viewer completes only their own report).
Status may_record(Store& store, const Person& who, const FieldKey& key, const std::optional<FieldValue>& value);

class Ledger {
 public:
  // `key` seals every change and field state at rest.
  Ledger(Store& store, crypto::SecretKey key, Identity identity);

  const Identity& identity() const { return identity_; }
  // Where local edits read the time (the wall clock by default; a simulated one in simulations).
  void set_clock(std::function<TimestampMs()> clock) { clock_ = std::move(clock); }
  Store& store() { return store_; }

  // Records local edits atomically: each is based on its field's current heads. Durable on return.
  // `settings` are written in the same transaction (a roll-forward switches year with its edits).
  Result<std::vector<Change>> record(const std::vector<Edit>& edits,
                                     const std::vector<std::pair<std::string, std::string>>& settings = {});
  Result<Change> record(const Edit& edit);
  // The same inside the caller's transaction, attributed to `user` on this replica's device: the
  // HQ server records its administrators' edits this way, with their audit record, in one commit.
  Result<std::vector<Change>> record_within(StoreTransaction& txn, const std::vector<Edit>& edits,
                                            const std::string& user);

  // Applies changes made elsewhere. A change already in the log is skipped. A change whose parents
  // are not in the log is refused (protocol): changes travel in causal order, so this means the
  // sender skipped one.
  Result<ApplyOutcome> apply(const std::vector<Change>& changes);
  // The same inside the caller's transaction (the server's group commit), giving each change's seq
  // in this log: the new seq, or the existing one for a change already present.
  Result<std::vector<std::int64_t>> apply_within(StoreTransaction& txn, const std::vector<Change>& changes,
                                                 ApplyOutcome* outcome = nullptr);
  // The same, reading a field from `unwritten` before the store, and leaving the states it changes
  // in `staged` rather than writing them: for many pushes in one transaction, each kept or rolled
  // back alone. Nothing reaches the fields table until write_fields.
  Result<std::vector<std::int64_t>> apply_within(StoreTransaction& txn, const std::vector<Change>& changes,
                                                 ApplyOutcome* outcome, const UnwrittenFields& unwritten,
                                                 UnwrittenFields& staged);
  // Seals and writes the field states, and empties `fields`.
  Status write_fields(StoreTransaction& txn, UnwrittenFields& fields);
  // Checks and seals changes for the apply_within below: what applying spends on each change
  // without the store. Touches only the key, so any thread may call it. `server_seqs`, for changes
  // pulled from head office, gives head office's seq for each, kept with it (StoredChange::server_seq).
  Result<PreparedChanges> prepare(std::vector<Change> changes, std::vector<std::int64_t> server_seqs = {}) const;
  // apply_within for changes this ledger prepared.
  Result<std::vector<std::int64_t>> apply_within(StoreTransaction& txn, PreparedChanges&& changes,
                                                 ApplyOutcome* outcome = nullptr);

  Result<AssessmentState> state(std::string_view scope, std::string_view year);
  // Every field of one target kind (incidents), of one scope or (empty) every scope, every year.
  Result<AssessmentState> state_of_kind(TargetKind kind, std::string_view scope);
  Result<FieldState> field(const FieldKey& key);
  Result<std::vector<LoggedChange>> history(std::string_view scope, std::string_view year, TargetKind kind,
                                            std::string_view target);
  // Opens stored changes (e.g. from Store::changes_after) for sending.
  Result<std::vector<LoggedChange>> open_changes(const std::vector<StoredChange>& stored);

 private:
  Result<FieldState> read_field(StoreTransaction& txn, const FieldKey& key);
  Bytes seal_change(const Change& change) const;
  // What every apply_within does; `prepared`, when given, holds these changes checked and sealed
  // already (and `changes` are its own).
  Result<std::vector<std::int64_t>> apply_each(StoreTransaction& txn, const std::vector<Change>& changes,
                                               PreparedChanges* prepared, ApplyOutcome* outcome,
                                               const UnwrittenFields& unwritten, UnwrittenFields& staged);
  Status check_same_as_logged(const Change& change);
  // apply_each for one transaction of its own changes: the field states it stages written at once.
  Result<std::vector<std::int64_t>> apply_and_write(StoreTransaction& txn, const std::vector<Change>& changes,
                                                    PreparedChanges* prepared, ApplyOutcome* outcome);
  Status find_merge_base(FieldState& state);
  Result<AssessmentState> open_fields(const std::vector<StoredField>& stored);
  Result<std::int64_t> write(StoreTransaction& txn, const Change& change, std::optional<std::int64_t> server_seq);

  Store& store_;
  crypto::SecretKey key_;
  Identity identity_;
  std::function<TimestampMs()> clock_ = now_ms;
};

// The associated data that binds a sealed field state to its row.
std::string associated_data(const FieldKey& key);

}  // namespace dsptsync
