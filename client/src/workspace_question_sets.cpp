// The question set in force on a laptop: the one head office sent, checked against the key pinned at
// enrolment, and the queued changes it no longer takes (docs/catalogue.md: what travels); on an
// offline store, importing NHS England's list.
#include "dsptsync/client/workspace.h"
#include "dsptsync/platform.h"

#include "dsptsync/assessment.h"
#include "dsptsync/limits.h"
#include "dsptsync/question_set.h"
#include "queue_screen.h"

#include <fstream>

namespace dsptsync::client {
namespace {

constexpr std::string_view kServerIdentitySetting = "sync.server_identity";  // hex, pinned at enrolment

// At most one byte past the official list's limit is read: the importer refuses a longer file, and
// reading the rest first would only cost memory.
Result<std::string> read_official_list_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return io_error("cannot read " + platform::utf8_of(file) + "; check the file's name and folder");
  std::string bytes(limits::kMaxOfficialListBytes + 1, '\0');
  in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (in.bad()) return io_error("cannot read " + platform::utf8_of(file));
  bytes.resize(static_cast<std::size_t>(in.gcount()));
  return bytes;
}

}  // namespace

Result<std::string> QueueScreen::reason_to_hold(const Change& change) {
  for (const auto& parent : change.parents)
    if (held_.count(parent)) return held_[change.id] = "it follows " + parent + ", which is held";
  auto year = parse_assessment_year(change.key.year);
  if (!year) return std::string();
  const Catalogue* catalogue = nullptr;
  if (*year == workspace_.year()) catalogue = &workspace_.catalogue();  // in memory, kept current
  if (!catalogue) {
    auto found = other_year(*year);
    if (!found) return found.error();
    catalogue = *found;
  }
  if (!catalogue) return std::string();
  if (auto valid = check_received_edit(*catalogue, change.key, change.value); !valid)
    return held_[change.id] = valid.error().message;
  return std::string();
}

Result<const Catalogue*> QueueScreen::other_year(AssessmentYear year) {
  auto known = catalogues_.find(year.label());
  if (known == catalogues_.end()) {
    auto loaded = catalogue_in_store(workspace_.store(), year);
    if (!loaded && loaded.error().kind != ErrorKind::not_found) return loaded.error();
    known = catalogues_.emplace(year.label(), loaded ? std::optional<Catalogue>(std::move(*loaded)) : std::nullopt).first;
  }
  return known->second ? &*known->second : nullptr;
}

Result<QuestionSet> Workspace::question_set() { return question_set_in_store(*store_, year_); }

Status Workspace::check_question_set(const QuestionSet& set) {
  auto pinned_hex = store_->setting(kServerIdentitySetting);
  if (!pinned_hex) return pinned_hex.error();
  if (!*pinned_hex) return refused("this store is not enrolled with head office: it takes no question set from one");
  auto pinned = crypto::from_hex(**pinned_hex);
  if (!pinned || pinned->size() != crypto::kPublicKeyBytes) return corrupt("the pinned server key in the store is damaged");
  return verify_question_set(set, *pinned);
}

Result<bool> Workspace::accept_question_set(const QuestionSet& set) {
  if (auto verified = check_question_set(set); !verified) return verified.error();
  auto current = store_->question_set(set.year);
  if (!current) return current.error();
  if (*current && summary_of((*current)->set) == summary_of(set)) return false;
  auto catalogue = catalogue_of(set);
  if (!catalogue) return catalogue.error();
  auto txn = store_->begin();
  if (!txn) return txn.error();
  if (auto stored = (*txn)->add_question_set(set, now_ms()); !stored) return stored.error();
  if (auto committed = (*txn)->commit(); !committed) return committed.error();
  if (set.year == year_.label()) catalogue_ = std::move(*catalogue);
  return true;
}

Result<std::vector<HeldChange>> Workspace::held_changes() {
  QueueScreen screen(*this);
  std::vector<HeldChange> held;
  std::int64_t after = 0;
  for (;;) {
    auto stored = store_->pending_changes(device_id(), after, limits::kMaxChangesPerPush);
    if (!stored) return stored.error();
    if (stored->empty()) return held;
    after = stored->back().seq;
    auto opened = ledger_->open_changes(*stored);
    if (!opened) return opened.error();
    for (const auto& logged : *opened) {
      auto reason = screen.reason_to_hold(logged.change);
      if (!reason) return reason.error();
      if (!reason->empty())
        held.push_back({logged.change.id, logged.change.key, logged.change.user, hlc_wall_ms(logged.change.hlc),
                        *reason});
    }
  }
}

Result<CatalogueImport> Workspace::import_catalogue(const std::filesystem::path& file, std::string_view year_text,
                                                    const std::string& category, bool dry_run) {
  auto year = parse_assessment_year(year_text);
  if (!year) return year.error();
  auto enrolled = store_->setting("sync.url");
  if (!enrolled) return enrolled.error();
  if (*enrolled)
    return refused("this device is enrolled with head office, which checks every edit against its own question set; "
                   "the official list is imported by head office, not on a branch laptop");
  auto bytes = read_official_list_file(file);
  if (!bytes) return bytes.error();
  auto list = import_official_list(*bytes, platform::utf8_of(file.filename()), *year, {category, nullptr});
  if (!list) return list.error();
  auto before = set_to_compare(*year, [this](AssessmentYear y) { return catalogue_in_store(*store_, y); });
  if (!before) return before.error();
  auto diff = diff_question_sets(*before, *list);
  CatalogueImport out{std::move(*list), std::move(diff), false};
  if (dry_run) return out;
  auto txn = store_->begin();
  if (!txn) return txn.error();
  QuestionSetOrigin origin{QuestionSetSource::imported, platform::utf8_of(file.filename()), out.list.category, now_ms(),
                           ledger_->identity().user};
  auto saved = save_catalogue(**txn, out.list.catalogue, std::move(origin));
  if (!saved) return saved.error();
  if (auto s = (*txn)->commit(); !s) return s.error();
  auto kept = catalogue_of(*saved);
  if (!kept) return kept.error();
  if (*year == year_) catalogue_ = std::move(*kept);
  out.applied = true;
  return out;
}

}  // namespace dsptsync::client
