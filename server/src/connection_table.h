// The server's open connections and the caps on them (tuning.h): in total, the open-file limit less
// a reserve, and per address for connections nobody has signed in on. Over a cap the oldest idle
// connection without a signed-in device makes room, so a flood of silent connections cannot keep a
// laptop or the health check out; when every connection is in use the new one is refused.
// Transport-free; used on the I/O thread only.
#pragma once

#include <cstddef>
#include <list>
#include <memory>
#include <string>

namespace dsptsync::server {

class Connection {
 public:
  virtual ~Connection() = default;
  virtual void shut_down() = 0;
  // True while nothing rests on it: no device has signed in, and no request is being answered.
  virtual bool idle_without_device() const = 0;
  // Closes it at once, giving its file descriptor back.
  virtual void drop(const char* reason) = 0;
};

class ConnectionTable {
 public:
  // At most `max_total` connections, and `max_unauthenticated_per_address` not signed in per address.
  ConnectionTable(std::size_t max_total, std::size_t max_unauthenticated_per_address);

  // Makes room for a new connection from `address`, dropping the oldest idle one where a cap is
  // reached; false when it cannot, and the new connection must be refused.
  bool make_room(const std::string& address);
  void add(std::weak_ptr<Connection> connection, std::string address);
  // Drops the oldest idle connection (descriptors ran out); false when there is none.
  bool drop_oldest_idle(const char* reason);

  // Forgets connections that have ended; returns those still open.
  std::size_t prune();
  template <class Visit>
  void for_each(Visit visit) {
    for (auto& entry : entries_)
      if (auto connection = entry.connection.lock()) visit(*connection);
  }
  std::size_t max_total() const { return max_total_; }

 private:
  struct Entry {
    std::weak_ptr<Connection> connection;
    std::string address;
  };
  bool drop_oldest_idle_from(const std::string* address, const char* reason);

  std::size_t max_total_;
  std::size_t max_per_address_;
  std::list<Entry> entries_;  // oldest first
};

// The cap on connections for an open-file limit of `descriptors` (tuning.h: less the reserve,
// never above kMaxConnections).
std::size_t connection_cap(std::size_t descriptors);

// Raises this process's soft open-file limit to its hard limit; returns the soft limit now in force.
std::size_t raise_descriptor_limit();

}  // namespace dsptsync::server
