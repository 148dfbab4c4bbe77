#include "dsptsync/service/history.h"

#include <algorithm>
#include <map>

namespace dsptsync::service {

std::vector<HistoryRow> history_rows(std::vector<LoggedChange> logged) {
  std::sort(logged.begin(), logged.end(), [](const auto& a, const auto& b) { return a.seq < b.seq; });
  std::map<std::string, const Change*> by_id;
  for (const auto& entry : logged) by_id[entry.change.id] = &entry.change;
  std::vector<HistoryRow> out;
  for (const auto& entry : logged) {
    const Change& change = entry.change;
    HistoryRow row{change.id, change.key.target, std::string(to_string(change.key.field)), change.user,
                   change.device, hlc_wall_ms(change.hlc), std::nullopt, change.value};
    const Change* before = nullptr;
    for (const auto& parent : change.parents) {
      auto found = by_id.find(parent);
      if (found == by_id.end()) continue;
      const Change* candidate = found->second;
      if (!before || wins_over(Head{candidate->id, candidate->hlc, candidate->user, candidate->device, {}},
                               Head{before->id, before->hlc, before->user, before->device, {}}))
        before = candidate;
    }
    if (before) row.before = before->value;
    out.push_back(std::move(row));
  }
  return out;
}

}  // namespace dsptsync::service
