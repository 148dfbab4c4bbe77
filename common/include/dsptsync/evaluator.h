// The status rules: what an assessment would publish at now, the toolkit's progress figures, and
// every problem blocking the next level (../docs/status-rules.md).
#pragma once

#include "dsptsync/json_style.h"

#include "dsptsync/assessment.h"
#include "dsptsync/catalogue.h"
#include "dsptsync/year_advice.h"

#include <nlohmann/json_fwd.hpp>

#include <optional>
#include <string>
#include <vector>

namespace dsptsync {

enum class PublishStatus { not_met, approaching, met, exceeded };
// "Standards Not Met", "Approaching Standards", "Standards Met", "Standards Exceeded".
std::string_view display_name(PublishStatus status);
std::string_view to_string(PublishStatus status);  // not_met, approaching, met, exceeded
// As public status strings read: "21/22 Standards Met".
std::string public_status(AssessmentYear year, PublishStatus status);
// A status as people write it or the NHS website shows it: "Standards Met", "met", "26/27 Standards
// Met" (any case). The error lists the accepted words.
Result<PublishStatus> parse_publish_status(std::string_view text);

struct Problem {
  std::string item;     // item or assertion id; empty for organisation-wide problems
  std::string group;    // the item's topic group ("IT systems and devices")
  std::string message;  // "Please complete mandatory requirement 8.3.5 in the IT systems and devices section"
  bool shared = false;  // head office answers (or confirms) it for every branch: HQ must act, not the branch
};

struct Evaluation {
  AssessmentYear year;
  PublishStatus status = PublishStatus::not_met;
  std::optional<PublishStatus> next_level;  // empty at Standards Exceeded
  int mandatory_total = 0;       // items mandatory for Standards Met
  int mandatory_provided = 0;    // of those, answered (a yes/no item only when answered Yes)
  int approaching_total = 0;     // items of the Approaching Standards set (uncertain lines included)
  int approaching_provided = 0;
  int assertions_total = 0;
  int assertions_confirmed = 0;
  int open_conflicts = 0;
  int shared_items = 0;          // items answered by head office for this assessment
  int overrides = 0;             // shared items this branch answers itself instead
  std::vector<Problem> problems;            // everything blocking next_level
  std::vector<std::string> warnings;        // not blocking: deadline passed, plan actions overdue
  std::vector<std::string> plan_required;   // items an Approaching Standards plan must cover
  // Answers given before the year's question set changed their answer type: kept, not counted as
  // provided until answered again (docs/status-rules.md).
  std::vector<TypeChange> to_review;
  std::optional<YearAdvice> year_advice;    // set by add_year_advice: which year, and what to do

  std::string mandatory_summary() const;   // "39 of 42 mandatory evidence items provided"
  std::string assertion_summary() const;   // "0 of 25 assertions confirmed"
};

// `today` decides deadline and overdue warnings.
Evaluation evaluate(const Catalogue& catalogue, const AssessmentView& view, Date today);

// Gives the evaluation the year advice for whoever reads it (year_advice.h): once the deadline has
// passed, its message, which says what to do, takes the place of the deadline warning.
void add_year_advice(Evaluation& evaluation, YearAdvice advice);

// Whether the item counts as provided (a mandatory yes/no item only when answered yes; an answer
// waiting for review after its answer type changed does not count).
bool item_provided(const CatalogueItem& item, const AssessmentView& view);
// The evidence items of an assertion not provided in `view` (item_provided), in the question set's
// order: what a confirmation of the assertion would vouch for without evidence.
std::vector<std::string> unanswered_items(const Catalogue& catalogue, const AssessmentView& view,
                                          std::string_view assertion);
// What every front-end says before or after such a confirmation ("1.2.1 and 1.2.3, items of
// assertion 1.2, are not answered yet: ..."); empty when every item is answered.
std::string unanswered_warning(std::string_view assertion, const std::vector<std::string>& items);

// One problem: {item, group, message, shared}, alike in both JSON styles.
nlohmann::json to_json(const Problem& problem);
// The command lines' document by default (dsptsync progress --json); the web API's with JsonStyle::api.
nlohmann::json to_json(const Evaluation& evaluation, JsonStyle style = JsonStyle::cli);

}  // namespace dsptsync
