#include "log.h"

#include "dsptsync/time.h"
#include "dsptsync/tuning.h"

#include <chrono>
#include <iostream>
#include <map>
#include <mutex>

namespace dsptsync::server {
namespace {

using Clock = std::chrono::steady_clock;

std::string format_line(std::string_view level, std::string_view event, nlohmann::json fields) {
  fields["ts"] = format_timestamp(now_ms());
  fields["level"] = level;
  fields["event"] = event;
  return fields.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + '\n';
}

// Lines of one event kind in the current interval (tuning::kLogLinesPerKind).
struct KindBudget {
  Clock::time_point started;
  std::size_t written = 0;
  std::size_t suppressed = 0;
};

// The budgets of every kind, and the lines that report what was suppressed once an interval ends.
class LogLimiter {
 public:
  // Whether a line of `event` may be written now; `out` gets any due "log_suppressed" lines.
  bool admit(std::string_view event, Clock::time_point now, std::string& out) {
    report_ended_intervals(now, out);
    auto found = budgets_.find(event);
    if (found == budgets_.end()) found = budgets_.emplace(std::string(event), KindBudget{now}).first;
    KindBudget& budget = found->second;
    if (budget.written >= tuning::kLogLinesPerKind) {
      ++budget.suppressed;
      return false;
    }
    ++budget.written;
    return true;
  }

 private:
  void report_ended_intervals(Clock::time_point now, std::string& out) {
    for (auto& [event, budget] : budgets_) {
      if (now - budget.started < tuning::kLogInterval) continue;
      if (budget.suppressed > 0)
        out += format_line("warn", "log_suppressed",
                           {{"kind", event},
                            {"suppressed", budget.suppressed},
                            {"seconds", std::chrono::duration_cast<std::chrono::seconds>(tuning::kLogInterval).count()}});
      budget = KindBudget{now};
    }
  }

  std::map<std::string, KindBudget, std::less<>> budgets_;
};

}  // namespace

void log_event(std::string_view level, std::string_view event, nlohmann::json fields) {
  static std::mutex mutex;
  static LogLimiter limiter;
  std::string out;
  std::lock_guard lock(mutex);
  if (limiter.admit(event, Clock::now(), out)) out += format_line(level, event, std::move(fields));
  if (!out.empty()) std::cerr << out << std::flush;
}

}  // namespace dsptsync::server
