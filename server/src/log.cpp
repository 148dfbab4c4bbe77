#include "log.h"

#include "dsptsync/time.h"

#include <iostream>
#include <mutex>

namespace dsptsync::server {

void log_event(std::string_view level, std::string_view event, nlohmann::json fields) {
  static std::mutex mutex;
  fields["ts"] = format_timestamp(now_ms());
  fields["level"] = level;
  fields["event"] = event;
  const std::string line = fields.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::lock_guard lock(mutex);
  std::cerr << line << '\n' << std::flush;
}

}  // namespace dsptsync::server
