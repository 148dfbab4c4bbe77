#include "connection_table.h"

#include "dsptsync/tuning.h"

#include <sys/resource.h>

#include <algorithm>

namespace dsptsync::server {

ConnectionTable::ConnectionTable(std::size_t max_total, std::size_t max_unauthenticated_per_address)
    : max_total_(max_total), max_per_address_(max_unauthenticated_per_address) {}

std::size_t ConnectionTable::prune() {
  std::erase_if(entries_, [](const Entry& entry) { return entry.connection.expired(); });
  return entries_.size();
}

bool ConnectionTable::make_room(const std::string& address) {
  std::size_t unauthenticated_here = 0;
  for (const auto& entry : entries_)
    if (auto connection = entry.connection.lock(); connection && entry.address == address &&
                                                   connection->idle_without_device())
      ++unauthenticated_here;
  if (unauthenticated_here >= max_per_address_ && !drop_oldest_idle_from(&address, "per_address_cap")) return false;
  if (prune() >= max_total_ && !drop_oldest_idle_from(nullptr, "connection_cap")) return false;
  return true;
}

void ConnectionTable::add(std::weak_ptr<Connection> connection, std::string address) {
  entries_.push_back({std::move(connection), std::move(address)});
}

bool ConnectionTable::drop_oldest_idle(const char* reason) { return drop_oldest_idle_from(nullptr, reason); }

bool ConnectionTable::drop_oldest_idle_from(const std::string* address, const char* reason) {
  for (auto it = entries_.begin(); it != entries_.end(); ++it) {
    if (address && it->address != *address) continue;
    auto connection = it->connection.lock();
    if (!connection || !connection->idle_without_device()) continue;
    connection->drop(reason);
    entries_.erase(it);
    return true;
  }
  return false;
}

std::size_t connection_cap(std::size_t descriptors) {
  const std::size_t usable = descriptors > tuning::kReservedDescriptors ? descriptors - tuning::kReservedDescriptors : 1;
  return std::min(usable, tuning::kMaxConnections);
}

std::size_t raise_descriptor_limit() {
  rlimit files{};
  if (getrlimit(RLIMIT_NOFILE, &files) != 0) return 1024;
  if (files.rlim_cur < files.rlim_max) {
    rlimit raised{files.rlim_max, files.rlim_max};
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) files = raised;
  }
  return files.rlim_cur == RLIM_INFINITY ? tuning::kMaxConnections + tuning::kReservedDescriptors
                                         : static_cast<std::size_t>(files.rlim_cur);
}

}  // namespace dsptsync::server
