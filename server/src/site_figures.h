// What head office keeps of each site's figures between requests, so its dashboard and
// `dsptsync-server progress` evaluate only the sites something touched (HeadOffice::progress and
// site_progress; docs/architecture.md: the figures cache).
#pragma once

#include "dsptsync/assessment.h"
#include "dsptsync/evaluator.h"
#include "dsptsync/store.h"
#include "dsptsync/time.h"

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>

namespace dsptsync::server {

// Everything a site's figures are computed from, read from storage (so a write by any process, the
// sync service, the web app or the console, is seen). While none of it changes they stay true:
// changes are only ever added to the log, and a site's effective assessment is its own fields over
// head office's shared ones, under the year's question set, judged on one day.
struct FiguresKey {
  std::int64_t own_position = 0;          // Store::scope_positions of the site
  std::int64_t head_office_position = 0;  // the same of head office's assessment: its shared answers
  std::string year;                       // the organisation's year
  std::int64_t question_sets_seq = 0;     // the newest question set stored: an import replaces the set
  Date today;                             // deadlines and overdue plan actions
  bool operator==(const FiguresKey&) const = default;
};

// One site's figures as kept.
struct SiteFigures {
  Evaluation evaluation;                           // before the year advice, which is added as they are read
  std::map<std::string, AnsweredValue> overrides;  // shared items the site answers itself, with the reason
  Store::ScopeSummary summary;                     // its changes, and the clock of its newest
  // Only when it has conflicts, whose messages name where people work ("Head office and Leeds
  // disagree"): a digest of HeadOffice::workplaces, which the directory changes, not the log.
  std::optional<std::string> workplaces_digest;
};

// One entry per site, and one remembered position: memory stays bounded by the organisation's sites
// (full passes forget sites removed since). An entry is about 1 kB for a ready site and about 20 kB
// at most (a site with nothing answered: some 70 problems listed), so 500 sites take 0.5 to 10 MB.
class SiteFiguresCache {
 public:
  // The figures kept for the site under exactly this key, if any.
  std::optional<SiteFigures> find(const std::string& scope, const FiguresKey& key) const;
  void put(const std::string& scope, const FiguresKey& key, const SiteFigures& figures);
  // Each scope's log position as last read, with the log's newest seq read just before them: while
  // the newest is the same, no scope's position has moved (seqs only grow), so reading them all
  // again is skipped. nullopt when the log moved on or a scope was not read then.
  std::optional<std::vector<std::int64_t>> positions(const std::vector<std::string>& scopes, std::int64_t newest) const;
  void remember_positions(const std::vector<std::string>& scopes, const std::vector<std::int64_t>& positions,
                          std::int64_t newest);
  // Forgets every site not in `scopes` (branches removed).
  void keep_only(const std::set<std::string>& scopes);
  std::size_t size() const;
  std::size_t evaluated() const;  // how many figures were put (evaluated, not reused) so far

 private:
  mutable std::mutex mutex_;  // cheap, and safe should one HeadOffice be read from two threads
  std::map<std::string, std::pair<FiguresKey, SiteFigures>> entries_;
  std::size_t evaluated_ = 0;
  std::int64_t positions_newest_ = -1;
  std::map<std::string, std::int64_t> positions_;
};

}  // namespace dsptsync::server
