#include "dsptsync/service/types.h"

namespace dsptsync::service {

std::vector<ConflictValue> conflict_values(const std::vector<HeldValue>& held,
                                           const std::function<bool(const Head&)>& mine) {
  std::vector<ConflictValue> out;
  for (const HeldValue& value : held) {
    const Head& first = value.heads.front();
    std::optional<bool> looker_wrote;
    if (mine) looker_wrote = std::any_of(value.heads.begin(), value.heads.end(), mine);
    out.push_back({first.change_id, first.user, first.device, hlc_wall_ms(first.hlc), value.value, looker_wrote,
                   out.empty(), {value.heads.begin() + 1, value.heads.end()}});
  }
  return out;
}

std::string conflict_group(const FieldKey& key, const Catalogue& catalogue) {
  if (key.kind == TargetKind::assertion) return "";
  const CatalogueItem* item = catalogue.find_item(key.target);
  return item ? item->group : "";
}

SiteSummary summary_of(const ScopeSnapshot& snapshot) {
  return {snapshot.scope,         snapshot.name,           snapshot.head_office,
          snapshot.evaluation,    snapshot.view.overrides, snapshot.published,
          snapshot.nhs_published, snapshot.last_change_at, snapshot.last_sync};
}

}  // namespace dsptsync::service
