// The question set in force in a store: the newest set it keeps (question_sets, docs/storage.md),
// received from head office or imported on an offline store; else, on an offline store that imported
// one before schema version 5, the set kept in its settings; else the shipped one.
#include "dsptsync/catalogue.h"
#include "dsptsync/question_set.h"
#include "dsptsync/store.h"

namespace dsptsync {
namespace {

// Where schema versions before 5 kept an offline store's imported set: read, never written now.
std::string legacy_setting_name(AssessmentYear year) { return "catalogue." + year.label(); }
std::string legacy_origin_name(AssessmentYear year) { return "catalogue_origin." + year.label(); }

// `Source` is a Store or a StoreTransaction: both read settings and the sets kept.
template <class Source>
Result<std::optional<QuestionSet>> kept_question_set(Source& source, AssessmentYear year) {
  auto stored = source.question_set(year.label());
  if (!stored) return stored.error();
  if (*stored) return std::optional<QuestionSet>(std::move((*stored)->set));
  auto text = source.setting(legacy_setting_name(year));
  if (!text) return text.error();
  if (!*text) return std::optional<QuestionSet>();
  auto origin = source.setting(legacy_origin_name(year));
  if (!origin) return origin.error();
  auto parsed = parse_catalogue_tsv(**text, year, origin->value_or("imported"));
  if (!parsed)
    return corrupt("the imported question set for " + year.label() + " kept in the store is damaged: " +
                   parsed.error().message);
  QuestionSetOrigin imported{QuestionSetSource::imported, origin->value_or("an earlier import"), "", 0, ""};
  return std::optional<QuestionSet>(make_question_set(*parsed, 1, std::move(imported), {}));
}

template <class Source>
Result<QuestionSet> question_set_from(Source& source, AssessmentYear year) {
  auto kept = kept_question_set(source, year);
  if (!kept) return kept.error();
  if (*kept) return std::move(**kept);
  auto shipped = shipped_catalogue(year);
  if (!shipped) return shipped.error();
  return make_question_set(*shipped, 0, {}, {});
}

}  // namespace

Result<QuestionSet> question_set_in_store(Store& store, AssessmentYear year) { return question_set_from(store, year); }

Result<Catalogue> catalogue_in_store(Store& store, AssessmentYear year) {
  auto kept = kept_question_set(store, year);
  if (!kept) return kept.error();
  if (!*kept) return shipped_catalogue(year);
  return catalogue_of(**kept);
}

Result<QuestionSet> next_question_set(StoreTransaction& txn, const Catalogue& catalogue, QuestionSetOrigin origin) {
  auto in_force = question_set_from(txn, catalogue.year());
  std::uint32_t version = 1;
  std::vector<TypeChange> type_changes;
  if (in_force) {
    auto before = catalogue_of(*in_force);
    if (!before) return before.error();
    version = in_force->version + 1;
    type_changes = carry_type_changes(*before, catalogue, origin.at, in_force->type_changes);
  } else if (in_force.error().kind != ErrorKind::not_found) {
    return in_force.error();
  }
  return make_question_set(catalogue, version, std::move(origin), std::move(type_changes));
}

Result<QuestionSet> save_catalogue(StoreTransaction& txn, const Catalogue& catalogue, QuestionSetOrigin origin) {
  auto next = next_question_set(txn, catalogue, std::move(origin));
  if (!next) return next.error();
  if (auto stored = txn.add_question_set(*next, now_ms()); !stored) return stored.error();
  return next;
}

}  // namespace dsptsync
