// The question set in force on a laptop: the one head office sent, checked against the key pinned at
// enrolment, and the queued changes it no longer takes (docs/catalogue.md: what travels).
#include "dsptsync/client/workspace.h"

#include "dsptsync/assessment.h"
#include "dsptsync/limits.h"
#include "dsptsync/question_set.h"
#include "queue_screen.h"

namespace dsptsync::client {
namespace {

constexpr std::string_view kServerIdentitySetting = "sync.server_identity";  // hex, pinned at enrolment

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

}  // namespace dsptsync::client
