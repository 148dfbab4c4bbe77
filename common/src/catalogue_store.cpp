// Imported catalogues live in the store's settings, in dsptsync's own TSV format, so an
// organisation's official list travels with its backups (and, later, from HQ to its branches).
#include "dsptsync/catalogue.h"
#include "dsptsync/store.h"

namespace dsptsync {
namespace {
std::string setting_name(AssessmentYear year) { return "catalogue." + year.label(); }
std::string origin_name(AssessmentYear year) { return "catalogue_origin." + year.label(); }
}  // namespace

Result<Catalogue> catalogue_in_store(Store& store, AssessmentYear year) {
  auto text = store.setting(setting_name(year));
  if (!text) return text.error();
  if (!*text) return shipped_catalogue(year);
  auto origin = store.setting(origin_name(year));
  if (!origin) return origin.error();
  auto parsed = parse_catalogue_tsv(**text, year, origin->value_or("imported"));
  if (!parsed) return corrupt("the imported question set for " + year.label() + " kept in the store is damaged: " +
                              parsed.error().message);
  return parsed;
}

Status save_catalogue(StoreTransaction& txn, const Catalogue& catalogue) {
  if (auto s = txn.put_setting(setting_name(catalogue.year()), write_catalogue_tsv(catalogue)); !s) return s;
  return txn.put_setting(origin_name(catalogue.year()), catalogue.origin());
}

}  // namespace dsptsync
