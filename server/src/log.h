// Structured logs: one JSON object per line on stderr, safe from any thread.
#pragma once

#include <nlohmann/json.hpp>

#include <string_view>

namespace dsptsync::server {

void log_event(std::string_view level, std::string_view event, nlohmann::json fields = nlohmann::json::object());

}  // namespace dsptsync::server
