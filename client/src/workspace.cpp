#include "dsptsync/client/workspace.h"

#include "dsptsync/conflict.h"
#include "dsptsync/limits.h"
#include "dsptsync/permissions.h"
#include "dsptsync/platform.h"
#include "dsptsync/profile_input.h"
#include "dsptsync/question_set.h"
#include "dsptsync/roll_forward.h"

#include <nlohmann/json.hpp>

#include "dsptsync/store_keys.h"
#include "dsptsync/sqlite_store.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <set>

namespace dsptsync::client {
namespace {

// Settings names this client keeps in its store (docs/storage.md).
constexpr std::string_view kSiteSetting = "site.ods";
constexpr std::string_view kNameSetting = "site.name";
constexpr std::string_view kYearSetting = "site.year";
// Written by enrolment and sync (sync.cpp): the organisation's HQ code, and the publications the
// server told this device of (JSON).
constexpr std::string_view kHeadOfficeSetting = "sync.hq_code";
constexpr std::string_view kPublishedSetting = "sync.published";
constexpr std::string_view kUserSetting = "identity.user";
constexpr std::string_view kDeviceSetting = "identity.device";
constexpr std::string_view kSigningKeySetting = "identity.signing_key";  // sealed with the store key

constexpr std::string_view kDatabaseFile = "store.db";
constexpr std::string_view kKeyFile = "store.key";

Result<std::string> required_setting(Store& store, std::string_view name) {
  auto value = store.setting(name);
  if (!value) return value.error();
  if (!*value) return corrupt("the store has no '" + std::string(name) + "'; it was not made by dsptsync init");
  return **value;
}

// Suggests ids that share the first two parts, so a typo gets a useful answer.
std::string close_ids(const Catalogue& catalogue, std::string_view id) {
  const std::string prefix(id.substr(0, id.rfind('.') == std::string_view::npos ? id.size() : id.rfind('.')));
  std::string out;
  for (const auto& item : catalogue.items())
    if (item.id.rfind(prefix + ".", 0) == 0) out += (out.empty() ? "" : ", ") + item.id;
  return out;
}

}  // namespace

std::filesystem::path default_store_dir() {
  if (auto explicit_dir = platform::environment("DSPTSYNC_STORE")) return platform::path_from_utf8(*explicit_dir);
  if (auto data = platform::user_data_dir()) return *data / "dsptsync";
  return std::filesystem::current_path() / ".dsptsync";
}

Result<std::unique_ptr<Workspace>> Workspace::create(const InitOptions& options) {
  auto site = parse_ods_code(options.ods);
  if (!site) return site.error();
  auto year = parse_assessment_year(options.year);
  if (!year) return year.error();
  const bool set_given = std::any_of(options.question_sets.begin(), options.question_sets.end(),
                                     [&](const QuestionSet& set) { return set.year == year->label(); });
  if (!set_given)
    if (auto catalogue = shipped_catalogue(*year); !catalogue) return catalogue.error();
  if (options.name.empty()) return invalid_input("the organisation needs a name (--name \"Leeds branch\")");
  if (options.user.empty()) return invalid_input("say who is making the edits (--user \"Sam Patel\")");

  const auto database = options.dir / kDatabaseFile;
  std::error_code ec;
  if (std::filesystem::exists(database, ec))
    return refused("a store already exists at " + platform::utf8_of(options.dir) +
                   "; use it as it is, or choose another folder with --store");
  std::filesystem::create_directories(options.dir, ec);
  if (ec) return io_error("cannot create " + platform::utf8_of(options.dir) + ": " + ec.message());
  std::filesystem::permissions(options.dir, std::filesystem::perms::owner_all, ec);

  // A failed init removes what it made, so the next try starts clean instead of meeting a
  // half-made store.
  bool made_key_file = false;
  struct Cleanup {
    const std::filesystem::path& dir;
    const bool& made_key_file;
    bool armed = true;
    ~Cleanup() {
      if (!armed) return;
      std::error_code ignored;
      for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(dir / (std::string(kDatabaseFile) + suffix), ignored);
      if (made_key_file) std::filesystem::remove(dir / kKeyFile, ignored);
    }
  } cleanup{options.dir, made_key_file};

  auto store = open_sqlite_store(database, {.create_if_missing = true});
  if (!store) return store.error();
  auto key = create_store_key(**store, {options.dir / kKeyFile, options.passphrase});
  if (!key) return key.error();
  made_key_file = !options.passphrase;

  const std::string device = options.device_id.empty() ? crypto::random_hex(16) : options.device_id;
  auto txn = (*store)->begin();
  if (!txn) return txn.error();
  for (const auto& [name, value] : {std::pair{kSiteSetting, site->code}, std::pair{kNameSetting, options.name},
                                    std::pair{kYearSetting, year->label()}, std::pair{kUserSetting, options.user},
                                    std::pair{kDeviceSetting, device}})
    if (auto s = (*txn)->put_setting(name, value); !s) return s.error();
  for (const auto& [name, value] : options.settings)
    if (auto s = (*txn)->put_setting(name, value); !s) return s.error();
  for (const auto& set : options.question_sets)
    if (auto s = (*txn)->add_question_set(set, now_ms()); !s) return s.error();
  if (options.signing_key) {
    const auto& secret = options.signing_key->secret_key;
    const Bytes sealed = crypto::seal(*key, ByteView(secret.data(), secret.size()), kSigningKeySetting);
    if (auto s = (*txn)->put_setting(kSigningKeySetting, crypto::to_hex(sealed)); !s) return s.error();
  }
  if (auto s = (*txn)->commit(); !s) return s.error();

  store->reset();
  auto workspace = open(options.dir, options.passphrase);
  if (!workspace) return workspace.error();
  cleanup.armed = false;
  if (!options.record_profile) return workspace;
  // The profile starts with the ODS code and name, recorded like any other edit.
  auto recorded = (*workspace)->set_profile({{std::string(profile::kOdsCode), site->code},
                                             {std::string(profile::kName), options.name}});
  if (!recorded) return recorded.error();
  return workspace;
}

Result<std::unique_ptr<Workspace>> Workspace::open(const std::filesystem::path& dir,
                                                   const std::optional<std::string>& passphrase,
                                                   const std::optional<std::string>& user_override) {
  std::unique_ptr<Workspace> workspace(new Workspace());
  workspace->dir_ = dir;
  auto store = open_sqlite_store(dir / kDatabaseFile, {});
  if (!store) return store.error();
  workspace->store_ = std::move(*store);
  Store& s = *workspace->store_;

  auto key = unlock_store(s, {dir / kKeyFile, passphrase});
  if (!key) return key.error();
  auto site = required_setting(s, kSiteSetting);
  if (!site) return site.error();
  auto parsed_site = parse_ods_code(*site);
  if (!parsed_site) return corrupt("the store's ODS code is damaged: " + parsed_site.error().message);
  workspace->site_ = *parsed_site;
  auto name = required_setting(s, kNameSetting);
  if (!name) return name.error();
  workspace->name_ = *name;
  auto year_text = required_setting(s, kYearSetting);
  if (!year_text) return year_text.error();
  auto year = parse_assessment_year(*year_text);
  if (!year) return corrupt("the store's assessment year is damaged");
  workspace->year_ = *year;
  auto user = required_setting(s, kUserSetting);
  if (!user) return user.error();
  auto device = required_setting(s, kDeviceSetting);
  if (!device) return device.error();

  auto catalogue = catalogue_in_store(s, *year);
  if (!catalogue) return catalogue.error();
  workspace->catalogue_ = std::move(*catalogue);
  auto enrolled = s.setting("sync.url");
  if (!enrolled) return enrolled.error();
  // An enrolled device's edits are signed for its enrolled user: head office would refuse any
  // other name for ever, so refuse it here, before anything is recorded.
  if (*enrolled && user_override && !user_override->empty() && *user_override != *user)
    workspace->foreign_user_ = *user_override;  // reading is fine; check_role refuses edits
  workspace->store_key_ = *key;
  workspace->ledger_ = std::make_unique<Ledger>(
      s, *key,
      Identity{user_override && !user_override->empty() && !workspace->foreign_user_ ? *user_override : *user, *device});
  workspace->files_ = std::make_unique<files::FileStore>(s, *key);
  return workspace;
}

Result<crypto::SigningKeyPair> Workspace::signing_key() {
  auto sealed_hex = store_->setting(kSigningKeySetting);
  if (!sealed_hex) return sealed_hex.error();
  if (!*sealed_hex)
    return refused("this store is not enrolled with a head office server; enrol it with 'dsptsync enrol'");
  auto sealed = crypto::from_hex(**sealed_hex);
  if (!sealed) return corrupt("the device key in the store is damaged");
  auto secret = crypto::open(store_key_, *sealed, kSigningKeySetting);
  if (!secret || secret->size() != crypto::kSigningSecretBytes) return corrupt("the device key in the store is damaged");
  crypto::SigningKeyPair keys;
  std::copy(secret->begin(), secret->end(), keys.secret_key.begin());
  // An Ed25519 secret key in libsodium's form carries its public key in its last 32 bytes.
  std::copy(secret->end() - crypto::kPublicKeyBytes, secret->end(), keys.public_key.begin());
  return keys;
}

Result<std::optional<Person>> Workspace::enrolled_person() {
  if (foreign_user_)
    return refused("this device is enrolled for " + ledger_->identity().user + "; edits cannot be recorded as " +
                   *foreign_user_ + " (enrol another device for them)");
  auto role_text = store_->setting("sync.role");
  if (!role_text) return role_text.error();
  if (!*role_text) return std::optional<Person>();  // an offline store: its user may do everything
  auto role = parse_role(**role_text);
  if (!role) return corrupt("the store's enrolled role is damaged");
  auto branch = store_->setting("sync.branch");
  if (!branch) return branch.error();
  return std::optional<Person>(Person{ledger_->identity().user, *role, branch->value_or("")});
}

Status Workspace::check_role(Field field) {
  auto person = enrolled_person();
  if (!person) return person.error();
  // As head office will judge the edit when it is pushed: refused here, nothing is recorded.
  return *person ? may_edit(**person, site_.code, field) : Status{};
}

FieldKey Workspace::key(TargetKind kind, std::string_view target, Field field) const {
  return FieldKey{site_.code, year_.label(), kind, std::string(target), field};
}

Result<std::optional<std::string>> Workspace::head_office_code() {
  auto hq = store_->setting(kHeadOfficeSetting);
  if (!hq) return hq.error();
  if (!*hq || (*hq)->empty()) return std::optional<std::string>();
  return *hq;
}

Result<AssessmentView> Workspace::view() {
  auto state = ledger_->state(site_.code, year_.label());
  if (!state) return state.error();
  AssessmentView own = view_of(*state, &catalogue_);
  // An enrolled store also holds head office's shared answers: the branch's effective assessment
  // is what its status rests on. An offline store has no head office: all its answers are its own.
  auto hq = head_office_code();
  if (!hq) return hq.error();
  if (!*hq) return own;
  if (**hq == site_.code) return shared_view(catalogue_, own);
  auto head_office_state = ledger_->state(**hq, year_.label());
  if (!head_office_state) return head_office_state.error();
  return effective_view(catalogue_, view_of(*head_office_state, &catalogue_), own);
}

Status Workspace::check_not_shared(const FieldKey& key) {
  auto hq = head_office_code();
  if (!hq) return hq.error();
  if (!*hq || **hq == site_.code) return {};
  auto current = view();
  if (!current) return current.error();
  return dsptsync::check_not_shared(*current, key);
}

Result<Change> Workspace::set_override(std::string_view item_id, const std::optional<std::string>& reason) {
  if (auto allowed = check_role(Field::override_reason); !allowed) return allowed.error();
  auto found = item(item_id);
  if (!found) return found.error();
  auto hq = head_office_code();
  if (!hq) return hq.error();
  if (!*hq || **hq == site_.code)
    return refused("only a branch overrides a shared answer; this store is " +
                   std::string(*hq ? "head office's own" : "a single organisation's, with nothing shared"));
  std::optional<FieldValue> value;
  if (reason) {
    std::string text = *reason;
    if (text.find_first_not_of(" \t\r\n") == std::string::npos)
      return invalid_input("say why your branch's practice differs from the shared answer: --reason \"...\"");
    value = FieldValue{text, ""};
  }
  return ledger_->record(Edit{key(TargetKind::item, item_id, Field::override_reason), value});
}

Result<std::vector<protocol::PublishedStatus>> Workspace::published() {
  auto text = store_->setting(kPublishedSetting);
  if (!text) return text.error();
  std::vector<protocol::PublishedStatus> out;
  if (!*text || (*text)->empty()) return out;
  auto parsed = nlohmann::json::parse(**text, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_array()) return corrupt("the publications kept in the store are damaged");
  for (const auto& entry : parsed)
    out.push_back({entry.value("publication_id", std::int64_t{0}), entry.value("ods", ""), entry.value("year", ""),
                   entry.value("status", ""), entry.value("public_status", ""),
                   entry.value("published_at_ms", std::int64_t{0})});
  return out;
}

Status Workspace::keep_published(const std::vector<protocol::PublishedStatus>& published) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& entry : published)
    list.push_back({{"publication_id", entry.publication_id}, {"ods", entry.ods}, {"year", entry.year},
                    {"status", entry.status}, {"public_status", entry.public_status},
                    {"published_at_ms", entry.published_at_ms}});
  auto txn = store_->begin();
  if (!txn) return txn.error();
  if (auto s = (*txn)->put_setting(kPublishedSetting, list.dump()); !s) return s;
  return (*txn)->commit();
}

Result<RollForwardReport> Workspace::follow_year(std::string_view to_year_text, const std::vector<FieldKey>& late_edits) {
  auto to_year = parse_assessment_year(to_year_text);
  if (!to_year) return to_year.error();
  RollForwardReport report;
  report.from_year = year_.label();
  report.to_year = to_year->label();
  if (*to_year <= year_) return report;
  auto path = roll_forward_path(*store_, catalogue_, *to_year);
  if (!path) return path.error();
  auto old_state = ledger_->state(site_.code, year_.label());
  if (!old_state) return old_state.error();
  auto new_state = ledger_->state(site_.code, to_year->label());
  if (!new_state) return new_state.error();
  // Head office carried everything it had when it rolled forward; these are this device's edits it
  // had not seen then. Each is carried over what is there now, so nothing is lost, and where head
  // office's carry and the edit differ the edit is the later word.
  std::vector<Edit> edits;
  std::set<FieldKey> carried;
  for (const auto& old_key : late_edits) {
    if (old_key.scope != site_.code || old_key.year != year_.label()) continue;
    auto next = path->successor_key(old_key);
    if (!next || !carried.insert(*next).second) continue;
    auto before = old_state->find(old_key);
    std::optional<FieldValue> value;
    if (before != old_state->end() && before->second.winner()) value = before->second.winner()->value;
    auto now = new_state->find(*next);
    std::optional<FieldValue> current;
    if (now != new_state->end() && now->second.winner()) current = now->second.winner()->value;
    if (value == current) continue;
    report.carried.emplace_back(old_key.target, next->target);
    edits.push_back({*next, value});
  }
  report.changes_recorded = edits.size();
  auto recorded = ledger_->record(edits, {{std::string(kYearSetting), to_year->label()}});
  if (!recorded) return recorded.error();
  year_ = *to_year;
  catalogue_ = path->to();
  report.applied = true;
  return report;
}

Result<Evaluation> Workspace::progress(Date today) {
  auto current = view();
  if (!current) return current.error();
  auto evaluation = evaluate(catalogue_, *current, today);
  auto advice = year_advice(today);
  if (!advice) return advice.error();
  add_year_advice(evaluation, std::move(*advice));
  return evaluation;
}

Result<YearAdvice> Workspace::year_advice(Date today) {
  auto head_office = head_office_code();
  if (!head_office) return head_office.error();
  const YearRole role = *head_office ? YearRole::enrolled_laptop : YearRole::offline_store;
  return dsptsync::year_advice(year_, today, role,
                               [this](AssessmentYear year) { return bool(catalogue_in_store(*store_, year)); });
}

Result<const CatalogueItem*> Workspace::item(std::string_view id) const {
  if (const auto* found = catalogue_.find_item(id)) return found;
  const std::string close = close_ids(catalogue_, id);
  return not_found("there is no evidence item '" + std::string(id) + "' in the " + year_.label() + " question set" +
                   (close.empty() ? "; 'dsptsync items' lists them" : "; did you mean " + close + "?"));
}

Result<const CatalogueAssertion*> Workspace::assertion(std::string_view id) const {
  if (const auto* found = catalogue_.find_assertion(id)) return found;
  return not_found("there is no assertion '" + std::string(id) + "' in the " + year_.label() +
                   " question set; assertions are numbered like 1.1 ('dsptsync assertions' lists them)");
}

Result<std::vector<Change>> Workspace::answer(std::string_view item_id, std::string_view value,
                                              std::string_view location, const std::optional<std::string>& comment) {
  if (auto allowed = check_role(Field::answer); !allowed) return allowed.error();
  auto found = item(item_id);
  if (!found) return found.error();
  if (auto own = check_not_shared(key(TargetKind::item, item_id, Field::answer)); !own) return own.error();
  auto normalised = normalise_answer(**found, value, location);
  if (!normalised) return normalised.error();
  std::vector<Edit> edits{{key(TargetKind::item, item_id, Field::answer), *normalised}};
  if (comment) edits.push_back({key(TargetKind::item, item_id, Field::comment), FieldValue{*comment, ""}});
  if (auto linked = check_library_links(edits); !linked) return linked.error();
  return ledger_->record(edits);
}

Result<Change> Workspace::comment(std::string_view item_id, std::string_view text) {
  if (auto allowed = check_role(Field::comment); !allowed) return allowed.error();
  auto found = item(item_id);
  if (!found) return found.error();
  if (auto own = check_not_shared(key(TargetKind::item, item_id, Field::comment)); !own) return own.error();
  std::optional<FieldValue> value;
  if (!text.empty()) value = FieldValue{std::string(text), ""};
  return ledger_->record(Edit{key(TargetKind::item, item_id, Field::comment), value});
}

Result<Change> Workspace::clear(std::string_view item_id, Field field) {
  if (auto allowed = check_role(field); !allowed) return allowed.error();
  auto found = item(item_id);
  if (!found) return found.error();
  return ledger_->record(Edit{key(TargetKind::item, item_id, field), std::nullopt});
}

Result<Change> Workspace::confirm(std::string_view assertion_id, bool confirmed) {
  if (auto allowed = check_role(Field::confirmed); !allowed) return allowed.error();
  auto found = assertion(assertion_id);
  if (!found) return found.error();
  if (auto own = check_not_shared(key(TargetKind::assertion, assertion_id, Field::confirmed)); !own)
    return own.error();
  std::optional<FieldValue> value;
  if (confirmed) value = FieldValue{"yes", ""};
  return ledger_->record(Edit{key(TargetKind::assertion, assertion_id, Field::confirmed), value});
}

Result<Change> Workspace::set_owner(std::string_view assertion_id, std::string_view owner) {
  if (auto allowed = check_role(Field::owner); !allowed) return allowed.error();
  auto found = assertion(assertion_id);
  if (!found) return found.error();
  if (auto own = check_not_shared(key(TargetKind::assertion, assertion_id, Field::owner)); !own) return own.error();
  std::optional<FieldValue> value;
  if (!owner.empty()) value = FieldValue{std::string(owner), ""};
  return ledger_->record(Edit{key(TargetKind::assertion, assertion_id, Field::owner), value});
}

Result<std::vector<Change>> Workspace::set_profile(const std::vector<std::pair<std::string, std::string>>& entries) {
  if (auto allowed = check_role(Field::value); !allowed) return allowed.error();
  auto person = enrolled_person();
  if (!person) return person.error();
  auto hq = head_office_code();
  if (!hq) return hq.error();
  // Head office's own profile is every branch's: refused here as head office would refuse the push.
  if (*person && *hq)
    if (auto allowed = may_change_profile(**person, site_.code, **hq); !allowed) return allowed.error();
  auto edits = profile_edits(catalogue_, site_.code, year_.label(), entries);
  if (!edits) return edits.error();
  // The name shown by every command follows the profile's name, in the same transaction.
  std::vector<std::pair<std::string, std::string>> settings;
  for (const auto& edit : *edits)
    if (edit.key.target == profile::kName && edit.value) settings.emplace_back(std::string(kNameSetting), edit.value->text);
  auto recorded = ledger_->record(*edits, settings);
  if (!recorded) return recorded.error();
  if (!settings.empty()) name_ = settings.back().second;
  return recorded;
}

Result<std::vector<Change>> Workspace::set_plan(std::string_view item_id, const std::optional<std::string>& action,
                                                const std::optional<std::string>& owner,
                                                const std::optional<std::string>& due,
                                                const std::optional<std::string>& state) {
  if (auto allowed = check_role(Field::plan_action); !allowed) return allowed.error();
  auto found = item(item_id);
  if (!found) return found.error();
  if (auto own = check_not_shared(key(TargetKind::plan, item_id, Field::plan_action)); !own) return own.error();
  std::vector<Edit> edits;
  auto add = [&](Field field, const std::optional<std::string>& text) {
    if (!text) return;
    std::optional<FieldValue> value;
    if (!text->empty()) value = FieldValue{*text, ""};
    edits.push_back({key(TargetKind::plan, item_id, field), value});
  };
  std::optional<std::string> due_iso = due;
  if (due) {
    auto iso = normalise_plan_due(*due);
    if (!iso) return invalid_input("--due: " + iso.error().message);
    due_iso = *iso;
  }
  if (state && !state->empty() && !is_plan_state(*state))
    return invalid_input("--state is open, in_progress or done, not '" + *state + "'");
  add(Field::plan_action, action);
  add(Field::plan_owner, owner);
  add(Field::plan_due, due_iso);
  add(Field::plan_state, state);
  if (edits.empty()) return invalid_input("nothing to change: give --action, --owner, --due or --state");
  return ledger_->record(edits);
}

Result<Workspace::PlanOutcome> Workspace::set_plans(const std::vector<std::string>& items, const PlanParts& parts) {
  auto batch = plan_set_edits(catalogue_, site_.code, year_.label(), items, parts);
  if (!batch) return batch.error();
  auto changes = record_edits(batch->edits);
  if (!changes) return changes.error();
  return PlanOutcome{std::move(batch->items), std::move(*changes)};
}

Result<Workspace::PlanOutcome> Workspace::generate_plan(const PlanParts& parts) {
  auto hq = head_office_code();
  if (!hq) return hq.error();
  auto current = view();
  if (!current) return current.error();
  const bool branch = *hq && **hq != site_.code;
  auto batch = plan_generate_edits(catalogue_, *current, site_.code, year_.label(), branch, parts);
  if (!batch) return batch.error();
  if (batch->edits.empty()) return PlanOutcome{};
  auto changes = record_edits(batch->edits);
  if (!changes) return changes.error();
  return PlanOutcome{std::move(batch->items), std::move(*changes)};
}

Result<std::vector<Change>> Workspace::record_edits(const std::vector<Edit>& edits) {
  if (edits.empty()) return invalid_input("nothing to change");
  auto hq = head_office_code();
  if (!hq) return hq.error();
  const bool branch_of_head_office = *hq && **hq != site_.code;
  std::optional<AssessmentView> current;  // read once, for the batch's first edit
  for (const auto& edit : edits) {
    if (auto allowed = check_role(edit.key.field); !allowed) return allowed.error();
    if (edit.key.scope != site_.code || edit.key.year != year_.label())
      return refused("this store holds only " + site_.code + "'s " + year_.label() + " assessment; " +
                     edit.key.scope + " " + edit.key.year + " cannot be changed here");
    if (auto valid = check_edit(catalogue_, edit.key, edit.value); !valid) return valid.error();
    if (edit.key.field == Field::override_reason && !branch_of_head_office)
      return refused("only a branch overrides a shared answer; this store is " +
                     std::string(*hq ? "head office's own" : "a single organisation's, with nothing shared"));
    if (auto scoped = check_edit_scope(edit.key, hq->value_or(site_.code)); !scoped) return scoped.error();
    if (!branch_of_head_office) continue;
    if (!current) {
      auto view = this->view();
      if (!view) return view.error();
      current = std::move(*view);
    }
    // An override recorded in the same batch makes the item the branch's own.
    const bool overridden_here = std::any_of(edits.begin(), edits.end(), [&](const Edit& other) {
      return other.key.kind == TargetKind::item && other.key.target == edit.key.target &&
             other.key.field == Field::override_reason && other.value.has_value();
    });
    if (overridden_here) continue;
    if (auto own = dsptsync::check_not_shared(*current, edit.key); !own) return own.error();
  }
  if (auto linked = check_library_links(edits); !linked) return linked.error();
  return ledger_->record(edits);
}

Result<RollForwardReport> Workspace::roll_forward(std::string_view to_year_text, bool dry_run) {
  auto to_year = parse_assessment_year(to_year_text);
  if (!to_year) return to_year.error();
  if (*to_year <= year_)
    return invalid_input("roll-forward goes to a later year than " + year_.label() + ", not " + to_year->label());
  auto head_office = head_office_code();
  if (!head_office) return head_office.error();
  if (*head_office)
    return refused("head office moves the whole organisation to a new year ('dsptsync-server rollforward --to " +
                   to_year->label() + "'); this device follows at its next sync, carrying any edits made offline");
  auto path = roll_forward_path(*store_, catalogue_, *to_year);
  if (!path) return path.error();
  auto current_state = ledger_->state(site_.code, year_.label());
  if (!current_state) return current_state.error();

  RollForwardReport report;
  report.from_year = year_.label();
  report.to_year = to_year->label();
  const std::string new_year = to_year->label();
  auto plan = plan_roll_forward(*path, *current_state, site_.code);
  report.carried = std::move(plan.carried);
  report.removed = std::move(plan.removed);
  report.added = std::move(plan.added);
  report.notes = std::move(plan.notes);
  report.steps = std::move(plan.steps);
  std::vector<Edit> edits = std::move(plan.edits);
  report.changes_recorded = edits.size();
  auto enrolled = store_->setting("sync.url");
  if (!enrolled) return enrolled.error();
  if (*enrolled) {  // an offline store has nowhere to send its edits: nothing is "queued"
    auto queued = store_->pending_count(device_id());
    if (!queued) return queued.error();
    report.queued_from_previous_year = *queued;
  }
  if (dry_run) return report;

  auto existing = ledger_->state(site_.code, new_year);
  if (!existing) return existing.error();
  if (!existing->empty())
    return refused("the " + new_year + " assessment already has answers; roll-forward only starts a new year");
  auto recorded = ledger_->record(edits, {{std::string(kYearSetting), new_year}});
  if (!recorded) return recorded.error();
  year_ = *to_year;
  catalogue_ = path->to();
  report.applied = true;
  return report;
}

}  // namespace dsptsync::client
