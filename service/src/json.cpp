#include "dsptsync/service/json.h"

namespace dsptsync::service {
namespace {

using nlohmann::json;

// The key of one member in the style asked for.
struct Keys {
  JsonStyle style;
  const char* operator()(const char* cli, const char* api) const { return style == JsonStyle::cli ? cli : api; }
};

// A moment: cli {key: "2026-11-23T10:15:00Z"}; api {"at": ms, "atText": "2026-11-23T10:15:00Z"}.
void put_time(json& out, JsonStyle style, const char* cli_key, TimestampMs at) {
  if (style == JsonStyle::cli) {
    out[cli_key] = format_timestamp(at);
  } else {
    out["at"] = at;
    out["atText"] = format_timestamp(at);
  }
}

json text_or_null(const std::optional<FieldValue>& value) { return value ? json(value->text) : json(); }

json agreeing_json(const Head& head, JsonStyle style) {
  const Keys key{style};
  json out = {{key("change", "changeId"), head.change_id}, {key("user", "by"), head.user}, {"device", head.device}};
  put_time(out, style, "at", hlc_wall_ms(head.hlc));
  return out;
}

json conflict_value_json(const ConflictValue& value, JsonStyle style) {
  const Keys key{style};
  json also = json::array();
  for (const auto& head : value.also) also.push_back(agreeing_json(head, style));
  json out = {{key("change", "changeId"), value.change_id},
              {key("user", "by"), value.user},
              {"device", value.device},
              {key("shown", "winner"), value.winner},
              {key("also", "alsoBy"), std::move(also)}};
  put_time(out, style, "at", value.at);
  if (style == JsonStyle::cli) {
    out["value"] = value_json(value.value);
    if (value.mine) out["mine"] = *value.mine;
  } else {
    out["value"] = text_or_null(value.value);
    if (value.value && !value.value->location.empty()) out["location"] = value.value->location;
    out["mine"] = value.mine.value_or(false);
  }
  return out;
}

}  // namespace

json value_json(const std::optional<FieldValue>& value) {
  if (!value) return nullptr;
  json out = {{"text", value->text}};
  if (!value->location.empty()) out["location"] = value->location;
  return out;
}

json to_json(const Conflict& conflict, JsonStyle style) {
  const Keys key{style};
  json values = json::array();
  for (const auto& value : conflict.values) values.push_back(conflict_value_json(value, style));
  json out = {{key("target_kind", "kind"), to_string(conflict.key.kind)},
              {"target", conflict.key.target},
              {"field", to_string(conflict.key.field)},
              {"group", conflict.group},
              {"summary", conflict.summary},
              {"values", std::move(values)}};
  if (style == JsonStyle::api) out["year"] = conflict.key.year;
  if (style == JsonStyle::api || !conflict.scope.empty()) out["scope"] = conflict.scope;
  return out;
}

json to_json(const HistoryRow& row, JsonStyle style) {
  const Keys key{style};
  json out = {{key("change", "changeId"), row.change_id},
              {"target", row.target},
              {"field", row.field},
              {key("user", "by"), row.user},
              {"device", row.device}};
  put_time(out, style, "at", row.at);
  out["before"] = style == JsonStyle::cli ? value_json(row.before) : text_or_null(row.before);
  out["after"] = style == JsonStyle::cli ? value_json(row.after) : text_or_null(row.after);
  return out;
}

json to_json(const Publication& publication, JsonStyle style) {
  const Keys key{style};
  json sites = json::array();
  for (const auto& site : publication.sites)
    sites.push_back({{"ods", site.ods},
                     {"name", site.name},
                     {"status", site.status},
                     {key("public_status", "publicStatus"), site.public_status},
                     {key("answers_hash", "answersHash"), site.answers_hash},
                     {"mandatory", {{"provided", site.mandatory_provided}, {"total", site.mandatory_total}}},
                     {"assertions", {{"confirmed", site.assertions_confirmed}, {"total", site.assertions_total}}}});
  json out = {{"id", publication.id},
              {"year", publication.year},
              {key("published_by", "by"), publication.published_by},
              {key("log_seq", "logSeq"), publication.log_seq},
              {"sites", std::move(sites)}};
  put_time(out, style, "published_at", publication.published_at);
  return out;
}

}  // namespace dsptsync::service
