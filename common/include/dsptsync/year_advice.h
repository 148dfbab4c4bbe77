// Which DSPT year it is, and what to do when an organisation is still on a year whose deadline has
// passed. The year comes from today's date (1 April to 31 March, publication due 30 June after it),
// never from a constant; the advice fits who reads it: head office, a laptop enrolled with head
// office (which follows it), or an offline store (which imports and rolls forward itself).
// Every front-end presents what this computes (docs/status-rules.md#the-year-running-now).
#pragma once

#include "dsptsync/time.h"

#include <nlohmann/json_fwd.hpp>

#include <functional>
#include <optional>
#include <string>

namespace dsptsync {

enum class YearRole { head_office, enrolled_laptop, offline_store };

struct YearAdvice {
  AssessmentYear working;        // the year the assessment is on
  AssessmentYear current;        // the year today falls in
  Date deadline;                 // the working year's publication deadline
  bool deadline_passed = false;  // today is after it
  // When it has passed: the earliest later year whose deadline has not (the year to move to).
  std::optional<AssessmentYear> move_to;
  bool set_available = false;    // a question set for move_to is there without importing one
  std::string message;           // what to tell the user; empty while the deadline has not passed
};

// `has_set(year)`: whether a question set for the year is in force without an import (shipped, or
// imported already).
YearAdvice year_advice(AssessmentYear working, Date today, YearRole role,
                       const std::function<bool(AssessmentYear)>& has_set);

// {"working", "current", "deadline", "deadline_passed", "move_to", "set_available", "message"}.
nlohmann::json to_json(const YearAdvice& advice);

}  // namespace dsptsync
