#include "dsptsync/year_advice.h"

#include <nlohmann/json.hpp>

namespace dsptsync {
namespace {

std::string what_to_do(AssessmentYear to, YearRole role, bool set_available) {
  const std::string year = to.label();
  switch (role) {
    case YearRole::head_office:
      return "Roll forward to " + year + ": " +
             (set_available ? std::string()
                            : "import the " + year + " list (`dsptsync-server catalogue import FILE --year " + year +
                                  "`), then ") +
             "`dsptsync-server rollforward --to " + year + "`; branch laptops follow at their next sync";
    case YearRole::enrolled_laptop:
      return "Head office moves the organisation to " + year +
             " (`dsptsync-server rollforward --to " + year + "`); this laptop follows at its next `dsptsync sync`";
    case YearRole::offline_store:
      return "Roll forward to " + year + ": " +
             (set_available ? std::string()
                            : "import the " + year + " list (`dsptsync catalogue import FILE --year " + year +
                                  "`), then ") +
             "`dsptsync rollforward --to " + year + "`";
  }
  return {};
}

}  // namespace

YearAdvice year_advice(AssessmentYear working, Date today, YearRole role,
                       const std::function<bool(AssessmentYear)>& has_set) {
  YearAdvice advice;
  advice.working = working;
  advice.current = assessment_year_of(today);
  advice.deadline = working.deadline();
  advice.deadline_passed = today > advice.deadline;
  if (!advice.deadline_passed) return advice;
  // Not always the year running: between 1 April and 30 June the year before is still open.
  AssessmentYear next = working.next();
  while (next.deadline() < today) next = next.next();
  advice.move_to = next;
  advice.set_available = has_set && has_set(next);
  advice.message = "The " + working.label() + " deadline was " + advice.deadline.long_form() + ". " +
                   what_to_do(next, role, advice.set_available);
  return advice;
}

nlohmann::json to_json(const YearAdvice& advice) {
  return {{"working", advice.working.label()},
          {"current", advice.current.label()},
          {"deadline", advice.deadline.iso()},
          {"deadline_passed", advice.deadline_passed},
          {"move_to", advice.move_to ? nlohmann::json(advice.move_to->label()) : nlohmann::json(nullptr)},
          {"set_available", advice.set_available},
          {"message", advice.message.empty() ? nlohmann::json(nullptr) : nlohmann::json(advice.message)}};
}

}  // namespace dsptsync
