#include "site_figures.h"

namespace dsptsync::server {

std::optional<SiteFigures> SiteFiguresCache::find(const std::string& scope, const FiguresKey& key) const {
  std::lock_guard lock(mutex_);
  auto found = entries_.find(scope);
  if (found == entries_.end() || !(found->second.first == key)) return std::nullopt;
  return found->second.second;
}

void SiteFiguresCache::put(const std::string& scope, const FiguresKey& key, const SiteFigures& figures) {
  std::lock_guard lock(mutex_);
  entries_.insert_or_assign(scope, std::pair{key, figures});
  ++evaluated_;
}

std::optional<std::vector<std::int64_t>> SiteFiguresCache::positions(const std::vector<std::string>& scopes,
                                                                     std::int64_t newest) const {
  std::lock_guard lock(mutex_);
  if (newest != positions_newest_) return std::nullopt;
  std::vector<std::int64_t> out;
  out.reserve(scopes.size());
  for (const auto& scope : scopes) {
    auto found = positions_.find(scope);
    if (found == positions_.end()) return std::nullopt;
    out.push_back(found->second);
  }
  return out;
}

void SiteFiguresCache::remember_positions(const std::vector<std::string>& scopes,
                                          const std::vector<std::int64_t>& positions, std::int64_t newest) {
  std::lock_guard lock(mutex_);
  if (newest != positions_newest_) positions_.clear();
  positions_newest_ = newest;
  for (std::size_t i = 0; i < scopes.size() && i < positions.size(); ++i) positions_[scopes[i]] = positions[i];
}

void SiteFiguresCache::keep_only(const std::set<std::string>& scopes) {
  std::lock_guard lock(mutex_);
  std::erase_if(entries_, [&scopes](const auto& entry) { return !scopes.count(entry.first); });
  std::erase_if(positions_, [&scopes](const auto& entry) { return !scopes.count(entry.first); });
}

std::size_t SiteFiguresCache::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

std::size_t SiteFiguresCache::evaluated() const {
  std::lock_guard lock(mutex_);
  return evaluated_;
}

}  // namespace dsptsync::server
