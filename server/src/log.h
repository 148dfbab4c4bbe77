// Structured logs: one JSON object per line on stderr, safe from any thread. At most
// tuning::kLogLinesPerKind lines of one event kind per tuning::kLogInterval; the rest are counted in
// one "log_suppressed" line, so no input can fill a disk through the log.
#pragma once

#include <nlohmann/json.hpp>

#include <string_view>

namespace dsptsync::server {

void log_event(std::string_view level, std::string_view event, nlohmann::json fields = nlohmann::json::object());

}  // namespace dsptsync::server
