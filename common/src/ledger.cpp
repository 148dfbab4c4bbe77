#include "dsptsync/ledger.h"

#include "dsptsync/assessment.h"
#include "dsptsync/codec.h"
#include "dsptsync/conflict.h"
#include "dsptsync/document.h"
#include "dsptsync/limits.h"

#include <algorithm>
#include <charconv>
#include <iterator>
#include <map>
#include <set>

namespace dsptsync {
namespace {

// Settings names of the ledger's own bookkeeping (docs/storage.md).
constexpr std::string_view kCounterSetting = "ledger.counter";
constexpr std::string_view kClockSetting = "ledger.hlc";

std::uint64_t parse_u64(const std::optional<std::string>& text) {
  std::uint64_t value = 0;
  if (text) std::from_chars(text->data(), text->data() + text->size(), value);
  return value;
}

Error too_many_heads(const FieldKey& key) {
  return invalid_input(field_in_words(key, nullptr) + " already has " + std::to_string(limits::kMaxHeads) +
                       " concurrent values; resolve its conflicts before editing it from another device");
}

}  // namespace

bool keep_within_bytes(std::vector<StoredChange>& rows, std::size_t max_bytes) {
  std::size_t bytes = 0;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    bytes += rows[i].sealed.size() - std::min(rows[i].sealed.size(), crypto::kSealOverheadBytes);
    if (i > 0 && bytes > max_bytes) {
      rows.resize(i);
      return true;
    }
  }
  return false;
}

std::string associated_data(const FieldKey& key) {
  return key.scope + '\x1f' + key.year + '\x1f' + std::string(to_string(key.kind)) + '\x1f' + key.target + '\x1f' +
         std::string(to_string(key.field));
}

Ledger::Ledger(Store& store, crypto::SecretKey key, Identity identity)
    : store_(store), key_(std::move(key)), identity_(std::move(identity)) {}

Result<FieldState> Ledger::read_field(StoreTransaction& txn, const FieldKey& key) {
  auto stored = txn.field(key);
  if (!stored) return stored.error();
  if (!*stored) return FieldState{};
  auto plain = crypto::open(key_, (*stored)->sealed, associated_data(key));
  if (!plain) return plain.error();
  return codec::decode_field_state(*plain);
}

Result<std::int64_t> Ledger::write(StoreTransaction& txn, const Change& change,
                                   std::optional<std::int64_t> server_seq) {
  auto current = read_field(txn, change.key);
  if (!current) return current.error();
  FieldState next = apply_change(std::move(*current), change);
  if (next.heads.size() > limits::kMaxHeads)
    return too_many_heads(change.key);

  auto sealed = seal_change(change);
  StoredChange stored{0, change.id, change.key, change.hlc, change.user, change.device, std::move(sealed), server_seq};
  auto seq = txn.insert_change(stored);
  if (!seq) return seq.error();
  if (auto s = txn.put_field(StoredField{change.key, next.concurrent(),
                                         crypto::seal(key_, codec::encode(next), associated_data(change.key)), *seq});
      !s)
    return s.error();
  return *seq;
}

Result<std::vector<Change>> Ledger::record(const std::vector<Edit>& edits,
                                           const std::vector<std::pair<std::string, std::string>>& settings) {
  auto txn = store_.begin();
  if (!txn) return txn.error();
  auto recorded = record_within(**txn, edits, identity_.user);
  if (!recorded) return recorded.error();
  for (const auto& [name, value] : settings)
    if (auto s = (*txn)->put_setting(name, value); !s) return s.error();
  if (auto s = (*txn)->commit(); !s) return s.error();
  return recorded;
}

Result<std::vector<Change>> Ledger::record_within(StoreTransaction& txn, const std::vector<Edit>& edits,
                                                  const std::string& user) {
  for (const auto& edit : edits) {
    if (!field_belongs_to(edit.key.field, edit.key.kind))
      return invalid_input("a " + std::string(to_string(edit.key.kind)) + " has no field '" +
                           std::string(to_string(edit.key.field)) + "'");
    if (edit.value)
      if (auto plain = check_plain_text(edit.key, *edit.value); !plain) return plain.error();
  }
  auto counter_text = txn.setting(kCounterSetting);
  if (!counter_text) return counter_text.error();
  auto clock_text = txn.setting(kClockSetting);
  if (!clock_text) return clock_text.error();
  std::uint64_t counter = parse_u64(*counter_text);
  HybridClock clock(parse_u64(*clock_text));

  std::vector<Change> recorded;
  recorded.reserve(edits.size());
  for (const auto& edit : edits) {
    auto current = read_field(txn, edit.key);
    if (!current) return current.error();
    Change change;
    change.id = identity_.device + ":" + std::to_string(++counter);
    change.key = edit.key;
    change.value = edit.value;
    for (const auto& head : current->heads) change.parents.push_back(head.change_id);
    change.hlc = clock.tick(clock_());
    change.user = user;
    change.device = identity_.device;
    if (auto valid = codec::validate(change); !valid) return valid.error();
    if (auto seq = write(txn, change, std::nullopt); !seq) return seq.error();
    recorded.push_back(std::move(change));
  }
  if (auto s = txn.put_setting(kCounterSetting, std::to_string(counter)); !s) return s.error();
  if (auto s = txn.put_setting(kClockSetting, std::to_string(clock.last())); !s) return s.error();
  return recorded;
}

Result<Change> Ledger::record(const Edit& edit) {
  auto changes = record(std::vector<Edit>{edit});
  if (!changes) return changes.error();
  return std::move(changes->front());
}

Result<ApplyOutcome> Ledger::apply(const std::vector<Change>& changes) {
  auto txn = store_.begin();
  if (!txn) return txn.error();
  ApplyOutcome outcome;
  if (auto seqs = apply_within(**txn, changes, &outcome); !seqs) return seqs.error();
  if (auto s = (*txn)->commit(); !s) return s.error();
  return outcome;
}

void UnwrittenFields::keep(UnwrittenFields&& staged) {
  for (auto& [key, field] : staged.fields_) fields_.insert_or_assign(key, std::move(field));
  staged.fields_.clear();
}

Result<std::vector<std::int64_t>> Ledger::apply_within(StoreTransaction& txn, const std::vector<Change>& changes,
                                                       ApplyOutcome* outcome) {
  return apply_and_write(txn, changes, nullptr, outcome);
}

Result<std::vector<std::int64_t>> Ledger::apply_and_write(StoreTransaction& txn, const std::vector<Change>& changes,
                                                          PreparedChanges* prepared, ApplyOutcome* outcome) {
  UnwrittenFields staged;
  auto seqs = apply_each(txn, changes, prepared, outcome, UnwrittenFields{}, staged);
  if (!seqs) return seqs;
  if (auto s = write_fields(txn, staged); !s) return s.error();
  return seqs;
}

Status Ledger::write_fields(StoreTransaction& txn, UnwrittenFields& fields) {
  for (auto& [key, field] : fields.fields_) {
    field.state.merge_base.reset();  // derived when read, never stored
    if (auto s = txn.put_field(StoredField{key, field.state.concurrent(),
                                           crypto::seal(key_, codec::encode(field.state), associated_data(key)),
                                           field.last_seq});
        !s)
      return s;
  }
  fields.fields_.clear();
  return {};
}

Result<std::vector<std::int64_t>> Ledger::apply_within(StoreTransaction& txn, const std::vector<Change>& changes,
                                                       ApplyOutcome* outcome, const UnwrittenFields& unwritten,
                                                       UnwrittenFields& staged) {
  return apply_each(txn, changes, nullptr, outcome, unwritten, staged);
}

Result<PreparedChanges> Ledger::prepare(std::vector<Change> changes, std::vector<std::int64_t> server_seqs) const {
  if (!server_seqs.empty() && server_seqs.size() != changes.size())
    return make_error(ErrorKind::internal, std::to_string(server_seqs.size()) + " server seqs given for " +
                                               std::to_string(changes.size()) + " changes");
  PreparedChanges prepared;
  prepared.sealed_.reserve(changes.size());
  for (const auto& change : changes) {
    if (auto valid = codec::validate(change); !valid) return valid.error();
    prepared.sealed_.push_back(seal_change(change));
  }
  prepared.changes_ = std::move(changes);
  prepared.server_seqs_ = std::move(server_seqs);
  return prepared;
}

Result<std::vector<std::int64_t>> Ledger::apply_within(StoreTransaction& txn, PreparedChanges&& changes,
                                                       ApplyOutcome* outcome) {
  return apply_and_write(txn, changes.changes_, &changes, outcome);
}

Bytes Ledger::seal_change(const Change& change) const { return crypto::seal(key_, codec::encode(change), change.id); }

// The same id must mean the same edit. A different one means a store was restored from a backup or
// copied and reused its ids: skipping it would lose that edit without a word.
Status Ledger::check_same_as_logged(const Change& change) {
  auto stored = store_.changes_by_id({change.id});
  if (!stored) return stored.error();
  auto opened = open_changes(*stored);
  if (!opened) return opened.error();
  if (opened->empty() || opened->front().change != change)
    return invalid_input("change " + change.id +
                         " was received before with different content: the device's store was restored from a backup "
                         "or copied to another machine; enrol this device again so its edits get new ids (nothing "
                         "was applied)");
  return {};
}

Result<std::vector<std::int64_t>> Ledger::apply_each(StoreTransaction& txn, const std::vector<Change>& changes,
                                                     PreparedChanges* prepared, ApplyOutcome* outcome,
                                                     const UnwrittenFields& unwritten, UnwrittenFields& staged) {
  auto clock_text = txn.setting(kClockSetting);
  if (!clock_text) return clock_text.error();
  HybridClock clock(parse_u64(*clock_text));

  std::vector<std::int64_t> seqs;
  seqs.reserve(changes.size());
  std::map<std::string, std::int64_t> in_this_batch;
  // Each field touched is read and opened once and sealed and written once for the whole batch, not
  // once per change: a first sync brings hundreds of changes to the same few fields in a page.
  auto& touched = staged.fields_;
  for (std::size_t i = 0; i < changes.size(); ++i) {
    const Change& change = changes[i];
    if (!prepared)
      if (auto valid = codec::validate(change); !valid) return valid.error();
    if (auto twice = in_this_batch.find(change.id); twice != in_this_batch.end()) {
      seqs.push_back(twice->second);
      if (outcome) outcome->duplicates.push_back(change.id);
      continue;
    }
    for (const auto& parent : change.parents) {
      if (in_this_batch.count(parent)) continue;
      auto known = txn.has_change(parent);
      if (!known) return known.error();
      if (!*known)
        return make_error(ErrorKind::protocol, "change " + change.id + " is based on " + parent +
                                                   ", which this replica has not received; send changes in order");
    }
    // Inserted first, so that finding it already logged costs no look-up of its own; any error
    // below rolls the insert back with the caller's transaction.
    auto seq = txn.insert_change_if_new({0, change.id, change.key, change.hlc, change.user, change.device,
                                         prepared ? std::move(prepared->sealed_[i]) : seal_change(change),
                                         prepared ? prepared->server_seq(i) : std::nullopt});
    if (!seq) return seq.error();
    if (!*seq) {
      if (auto same = check_same_as_logged(change); !same) return same.error();
      auto existing = txn.change_seq(change.id);
      if (!existing) return existing.error();
      if (!*existing) return make_error(ErrorKind::internal, "change " + change.id + " is logged but has no seq");
      seqs.push_back(**existing);
      if (outcome) outcome->duplicates.push_back(change.id);
      continue;
    }
    auto field = touched.find(change.key);
    if (field == touched.end()) {
      if (auto earlier = unwritten.fields_.find(change.key); earlier != unwritten.fields_.end()) {
        field = touched.emplace(change.key, earlier->second).first;  // an earlier push of this commit
      } else {
        auto current = read_field(txn, change.key);
        if (!current) return current.error();
        field = touched.emplace(change.key, UnwrittenFields::Touched{std::move(*current), 0}).first;
      }
    }
    FieldState next = apply_change(field->second.state, change);
    if (next.heads.size() > limits::kMaxHeads)
      return too_many_heads(change.key);
    field->second = {std::move(next), **seq};
    clock.observe(change.hlc);
    in_this_batch.emplace(change.id, **seq);
    seqs.push_back(**seq);
    if (outcome) outcome->applied.push_back(change.id);
  }
  if (auto s = txn.put_setting(kClockSetting, std::to_string(clock.last())); !s) return s.error();
  return seqs;
}

Result<AssessmentState> Ledger::state(std::string_view scope, std::string_view year) {
  auto stored = store_.fields(scope, year);
  if (!stored) return stored.error();
  return open_fields(*stored);
}

Result<AssessmentState> Ledger::state_of_kind(TargetKind kind, std::string_view scope) {
  auto stored = store_.fields_of_kind(kind, scope);
  if (!stored) return stored.error();
  return open_fields(*stored);
}

Result<AssessmentState> Ledger::open_fields(const std::vector<StoredField>& stored) {
  AssessmentState state;
  for (const auto& field : stored) {
    auto plain = crypto::open(key_, field.sealed, associated_data(field.key));
    if (!plain) return plain.error();
    auto decoded = codec::decode_field_state(*plain);
    if (!decoded) return decoded.error();
    if (decoded->in_conflict())  // differing values: they may merge as text (assessment.h)
      if (auto s = find_merge_base(*decoded); !s) return s.error();
    state.emplace(field.key, std::move(*decoded));
  }
  return state;
}

Status Ledger::find_merge_base(FieldState& state) {
  std::vector<std::string> ids;
  for (const auto& head : state.heads) ids.push_back(head.change_id);
  auto stored = store_.changes_by_id(ids);
  if (!stored) return stored.error();
  auto opened = open_changes(*stored);
  if (!opened) return opened.error();
  if (opened->size() != ids.size()) return {};
  // The ancestor every head was based on: the one parent they all name.
  std::set<std::string> common(opened->front().change.parents.begin(), opened->front().change.parents.end());
  for (const auto& logged : *opened) {
    std::set<std::string> parents(logged.change.parents.begin(), logged.change.parents.end());
    std::set<std::string> kept;
    std::set_intersection(common.begin(), common.end(), parents.begin(), parents.end(), std::inserter(kept, kept.end()));
    common = std::move(kept);
  }
  const bool all_new = std::all_of(opened->begin(), opened->end(), [](const auto& l) { return l.change.parents.empty(); });
  if (all_new) {
    state.merge_base = std::optional<FieldValue>();  // concurrent first answers: the base is empty
    return {};
  }
  if (common.size() != 1) return {};
  auto base = store_.changes_by_id({*common.begin()});
  if (!base) return base.error();
  auto base_opened = open_changes(*base);
  if (!base_opened) return base_opened.error();
  if (base_opened->size() == 1) state.merge_base = base_opened->front().change.value;
  return {};
}

Result<FieldState> Ledger::field(const FieldKey& key) {
  auto all = state(key.scope, key.year);
  if (!all) return all.error();
  auto found = all->find(key);
  return found == all->end() ? FieldState{} : found->second;
}

Result<std::vector<LoggedChange>> Ledger::open_changes(const std::vector<StoredChange>& stored) {
  std::vector<LoggedChange> out;
  out.reserve(stored.size());
  for (const auto& row : stored) {
    auto plain = crypto::open(key_, row.sealed, row.id);
    if (!plain) return plain.error();
    auto change = codec::decode_change(*plain);
    if (!change) return change.error();
    if (change->id != row.id || change->key != row.key)
      return corrupt("stored change " + row.id + " does not match its row; the database has been altered");
    out.push_back(LoggedChange{std::move(*change), row.seq, row.server_seq});
  }
  return out;
}

Result<std::vector<LoggedChange>> Ledger::history(std::string_view scope, std::string_view year, TargetKind kind,
                                                  std::string_view target) {
  auto stored = store_.changes_of_target(scope, year, kind, target);
  if (!stored) return stored.error();
  return open_changes(*stored);
}

Status may_record(Store& store, const Person& who, const FieldKey& key, const std::optional<FieldValue>& value) {
  if (auto own = check_acknowledger(key, who.name); !own) return own;
  if (key.kind != TargetKind::incident) return may_edit(who, key.scope, key.field);
  auto changes = store.changes_of_target(key.scope, key.year, key.kind, key.target);
  if (!changes) return changes.error();
  const bool by_others = std::any_of(changes->begin(), changes->end(),
                                     [&](const StoredChange& change) { return change.user != who.name; });
  return may_edit_incident(who, key.scope, key.field, value, by_others);
}

}  // namespace dsptsync
