// The API's documents of what an assessment shows (docs/api.md): the dashboard's line per site, the
// assessment page, a conflict with its question. Built from a ScopeSnapshot only, so the routes in
// app.cpp stay routing and HTTP.
#pragma once

#include "dsptsync/incident.h"
#include "dsptsync/question_set.h"
#include "dsptsync/web/backend.h"

#include <nlohmann/json.hpp>

namespace dsptsync::web {

// The key of one field of the snapshot's assessment.
FieldKey key_of(const ScopeSnapshot& snapshot, TargetKind kind, std::string target, Field field);

// One site on the dashboard: status, counts, overrides, its latest publication, problems.
nlohmann::json site_json(const SiteSummary& site);
// A conflict (service::to_json, api style) with the question it is about.
nlohmann::json conflict_json(const Conflict& conflict, const Catalogue& catalogue);
// GET /api/assessment/{scope}: every group's items and every assertion with what `actor` may change,
// the evaluation, the conflicts, the question set in force for the year (null: none kept), and on each
// item the site's incidents of the year that bear on it (`incidents`: null where none do and the
// rules name no such item).
nlohmann::json assessment_json(const Actor& actor, const ScopeSnapshot& snapshot, const QuestionSet* question_set,
                               const std::map<std::string, IncidentTally>& incidents);

}  // namespace dsptsync::web
