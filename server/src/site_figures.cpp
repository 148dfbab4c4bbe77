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

void SiteFiguresCache::keep_only(const std::set<std::string>& scopes) {
  std::lock_guard lock(mutex_);
  std::erase_if(entries_, [&scopes](const auto& entry) { return !scopes.count(entry.first); });
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
