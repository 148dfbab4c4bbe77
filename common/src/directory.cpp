// The rules over what the directory keeps that every backend shares: which publication record a
// site shows.
#include "dsptsync/directory.h"

#include <algorithm>

namespace dsptsync {

std::vector<NhsPublication> current_nhs_publications(const std::vector<NhsPublication>& records) {
  std::vector<NhsPublication> out;
  // Oldest first in: a later record of the same site and year replaces the earlier one.
  for (const auto& record : records) {
    auto same = std::find_if(out.begin(), out.end(),
                             [&](const auto& kept) { return kept.ods == record.ods && kept.year == record.year; });
    if (same == out.end()) out.push_back(record);
    else *same = record;
  }
  std::sort(out.begin(), out.end(),
            [](const auto& a, const auto& b) { return a.year != b.year ? a.year > b.year : a.ods < b.ods; });
  return out;
}

Result<std::optional<PublicStatusRecord>> public_record(Directory& directory, std::string_view ods) {
  auto records = directory.nhs_publications_of(ods);
  if (!records) return records.error();
  const auto latest = current_nhs_publications(*records);
  if (latest.empty()) return directory.latest_published_status(ods);
  const NhsPublication& newest = latest.front();
  auto published_on = parse_iso_date(newest.published_on);
  if (!published_on) return published_on.error();
  return PublicStatusRecord{newest.ods, newest.public_status, newest.year, start_of(*published_on), true};
}

}  // namespace dsptsync
