// One JSON serialiser per type the front-ends show, in either of the two styles (json_style.h): the
// command lines' (--json, docs/cli.md) and the web API's (docs/api.md). Each style's keys are a
// contract; a type's two documents are written here side by side so they cannot drift apart.
// Evaluations and problems have theirs beside the type, in common (evaluator.h).
#pragma once

#include "dsptsync/json_style.h"
#include "dsptsync/service/types.h"

#include <nlohmann/json.hpp>

namespace dsptsync::service {

// {"text"[, "location"]}, or null: a value as the command lines show it.
nlohmann::json value_json(const std::optional<FieldValue>& value);

// cli: {scope?, target_kind, target, field, group, summary, values: [{change, user, device, at, value,
//        mine?, shown, also: [{change, user, device, at}]}]} (scope and mine where known)
// api: {scope, target, kind, field, group, year, summary, values: [{changeId, value, location?, by,
//        device, winner, mine, at, atText, alsoBy: [{changeId, by, device, at, atText}]}]}
nlohmann::json to_json(const Conflict& conflict, JsonStyle style);

// cli: {change, target, field, user, device, at, before, after} (before and after as value_json)
// api: {changeId, target, field, by, device, before, after, at, atText} (before and after as text)
nlohmann::json to_json(const HistoryRow& row, JsonStyle style);

// cli: {id, year, published_at, published_by, log_seq, sites: [{ods, name, status, public_status,
//        answers_hash, mandatory: {provided, total}, assertions: {confirmed, total}}]}
// api: {id, year, at, atText, by, logSeq, sites: [{ods, name, status, publicStatus, answersHash,
//        mandatory, assertions}]}
nlohmann::json to_json(const Publication& publication, JsonStyle style);

}  // namespace dsptsync::service
