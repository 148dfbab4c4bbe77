// Every site's figures (progress, the dashboard): each site's effective assessment evaluated, kept
// between calls while nothing it rests on changed (site_figures.h).
#include "dsptsync/server/head_office.h"

#include "site_figures.h"

#include "dsptsync/assessment.h"
#include "dsptsync/crypto.h"

#include <set>

namespace dsptsync::server {
namespace {

std::string digest_of(const Workplaces& where) {
  std::string text;
  for (const auto& [user, place] : where) text.append(user).append(1, '\0').append(place).append(1, '\0');
  return crypto::hash_hex(ByteView(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
}

// Each site's NHS publication in force: the first of its records, newest year first.
std::map<std::string, NhsPublication> nhs_by_site(const std::vector<NhsPublication>& records) {
  std::map<std::string, NhsPublication> out;
  for (const auto& record : current_nhs_publications(records)) out.try_emplace(record.ods, record);
  return out;
}

template <class Value>
std::optional<Value> found_in(const std::map<std::string, Value>& values, const std::string& key) {
  auto found = values.find(key);
  if (found == values.end()) return std::nullopt;
  return found->second;
}

// Each scope's log position, and head office's last. The log's newest seq is read first, then the
// positions: a commit in between only makes the next call read them again.
Result<std::vector<std::int64_t>> positions_of(Store& store, SiteFiguresCache& cache, std::vector<std::string> scopes,
                                               const std::string& head_office) {
  scopes.push_back(head_office);
  auto newest = store.last_seq();
  if (!newest) return newest.error();
  if (auto known = cache.positions(scopes, *newest)) return std::move(*known);
  auto read = store.scope_positions(scopes);
  if (!read) return read.error();
  cache.remember_positions(scopes, *read, *newest);
  return read;
}

}  // namespace

Result<std::vector<BranchProgress>> HeadOffice::progress(const std::optional<std::string>& branch, Date today) {
  if (!branch) {
    auto all = directory_->branches();
    if (!all) return all.error();
    return progress_of(std::move(*all), today, true);
  }
  auto site = parse_site_code(*branch);
  if (!site) return site.error();
  auto found = directory_->branch(site->code);
  if (!found) return found.error();
  if (!*found)
    return not_found("there is no branch " + site->code + "; 'dsptsync-server branch list' shows the branches");
  return progress_of({**found}, today, false);
}

Result<std::vector<BranchProgress>> HeadOffice::site_progress(Date today) {
  auto branches = directory_->branches();
  if (!branches) return branches.error();
  std::vector<Branch> sites{Branch{hq_.code, name_, 0}};
  sites.insert(sites.end(), std::make_move_iterator(branches->begin()), std::make_move_iterator(branches->end()));
  return progress_of(std::move(sites), today, true);
}

std::size_t HeadOffice::figures_evaluated() const { return figures_->evaluated(); }
std::size_t HeadOffice::figures_kept() const { return figures_->size(); }

// The directory's part is read in one query each (sign-offs, NHS publications, syncs), whatever
// the number of sites.
Result<std::vector<BranchProgress>> HeadOffice::progress_of(std::vector<Branch> sites, Date today, bool every_site) {
  if (auto refreshed = refresh(); !refreshed) return refreshed.error();  // another process may have rolled forward
  const YearAdvice advice = year_advice(today);
  auto nhs_records = directory_->nhs_publications();
  if (!nhs_records) return nhs_records.error();
  const auto nhs = nhs_by_site(*nhs_records);
  auto published = directory_->latest_published_statuses();
  if (!published) return published.error();
  auto synced = directory_->last_syncs();
  if (!synced) return synced.error();
  std::vector<std::string> scopes;
  for (const auto& site : sites) scopes.push_back(site.ods);
  auto figures = site_figures(scopes, today);
  if (!figures) return figures.error();
  if (every_site) {
    std::set<std::string> kept(scopes.begin(), scopes.end());
    kept.insert(hq_.code);
    figures_->keep_only(kept);
  }
  std::vector<BranchProgress> out;
  out.reserve(sites.size());
  for (std::size_t i = 0; i < sites.size(); ++i) {
    SiteFigures& mine = (*figures)[i];
    const std::string ods = sites[i].ods;  // a copy: the entry takes sites[i] first
    BranchProgress entry{std::move(sites[i]),       std::move(mine.evaluation),
                         mine.summary.changes,      std::nullopt,
                         std::move(mine.overrides), found_in(*published, ods),
                         found_in(nhs, ods),        found_in(*synced, ods == hq_.code ? std::string() : ods)};
    if (mine.summary.changes > 0) entry.last_change_at = hlc_wall_ms(mine.summary.newest);
    add_year_advice(entry.evaluation, advice);
    out.push_back(std::move(entry));
  }
  return out;
}

// Positions are read before any state: a commit in between leaves an entry keyed older than what
// it holds, so it is computed again at the next call, never shown stale.
Result<std::vector<SiteFigures>> HeadOffice::site_figures(const std::vector<std::string>& scopes, Date today) {
  auto positions = positions_of(*store_, *figures_, scopes, hq_.code);
  if (!positions) return positions.error();
  const std::int64_t head_office_position = positions->back();

  std::optional<AssessmentView> head_office;  // read, opened and viewed once, if any site needs it
  std::optional<Workplaces> where;            // likewise, if a site has conflicts
  std::optional<std::string> where_digest;
  const auto workplaces_now = [&]() -> Status {
    if (where) return {};
    auto read = workplaces();
    if (!read) return read.error();
    where = std::move(*read);
    where_digest = digest_of(*where);
    return {};
  };

  std::vector<SiteFigures> out;
  out.reserve(scopes.size());
  for (std::size_t i = 0; i < scopes.size(); ++i) {
    const std::string& scope = scopes[i];
    const FiguresKey key{(*positions)[i], head_office_position, year_.label(), question_sets_seq_, today};
    if (auto kept = figures_->find(scope, key)) {
      if (!kept->workplaces_digest) {
        out.push_back(std::move(*kept));
        continue;
      }
      if (auto s = workplaces_now(); !s) return s.error();
      if (*kept->workplaces_digest == *where_digest) {
        out.push_back(std::move(*kept));
        continue;
      }
    }
    if (!head_office) {
      auto state = ledger_->state(hq_.code, year_.label());
      if (!state) return state.error();
      head_office = view_of(*state, &catalogue_);
    }
    AssessmentView effective;
    if (scope == hq_.code) {
      effective = shared_view(catalogue_, *head_office);
    } else {
      auto state = ledger_->state(scope, year_.label());
      if (!state) return state.error();
      effective = dsptsync::effective_view(catalogue_, *head_office, view_of(*state, &catalogue_));
    }
    SiteFigures figures;
    if (!effective.conflicts.empty()) {
      if (auto s = workplaces_now(); !s) return s.error();
      effective.workplaces = *where;
      figures.workplaces_digest = where_digest;
    }
    auto summary = store_->scope_summary(scope);
    if (!summary) return summary.error();
    figures.evaluation = evaluate(catalogue_, effective, today);
    figures.overrides = std::move(effective.overrides);
    figures.summary = *summary;
    figures_->put(scope, key, figures);
    out.push_back(std::move(figures));
  }
  return out;
}

}  // namespace dsptsync::server
