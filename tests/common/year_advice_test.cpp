// The year running and what to do once a deadline has passed, from the date alone.
#include "dsptsync/evaluator.h"
#include "dsptsync/year_advice.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace dsptsync {
namespace {

const AssessmentYear k2021{2021}, k2024{2024}, k2025{2025}, k2026{2026};
bool no_set(AssessmentYear) { return false; }
bool any_set(AssessmentYear) { return true; }

TEST(YearAdvice, TheYearRunningComesFromTheDate) {
  EXPECT_EQ(year_advice(k2025, {2027, 3, 31}, YearRole::head_office, no_set).current, k2026);
  EXPECT_EQ(year_advice(k2025, {2027, 4, 1}, YearRole::head_office, no_set).current, (AssessmentYear{2027}));
  EXPECT_EQ(year_advice(k2025, {2026, 12, 5}, YearRole::head_office, no_set).current, k2026);
}

TEST(YearAdvice, NothingToSayBeforeTheDeadline) {
  auto advice = year_advice(k2025, {2026, 6, 30}, YearRole::head_office, no_set);
  EXPECT_FALSE(advice.deadline_passed);
  EXPECT_FALSE(advice.move_to);
  EXPECT_TRUE(advice.message.empty());
}

TEST(YearAdvice, HeadOfficeIsToldToImportTheListThenRollForward) {
  auto advice = year_advice(k2025, {2026, 12, 5}, YearRole::head_office, no_set);
  EXPECT_TRUE(advice.deadline_passed);
  EXPECT_EQ(advice.move_to, k2026);
  EXPECT_EQ(advice.message,
            "The 2025-26 deadline was 30 June 2026. Roll forward to 2026-27: import the 2026-27 list "
            "(`dsptsync-server catalogue import FILE --year 2026-27`), then `dsptsync-server rollforward --to 2026-27`; "
            "branch laptops follow at their next sync");
  auto with_set = year_advice(k2025, {2026, 12, 5}, YearRole::head_office, any_set);
  EXPECT_EQ(with_set.message, "The 2025-26 deadline was 30 June 2026. Roll forward to 2026-27: "
                              "`dsptsync-server rollforward --to 2026-27`; branch laptops follow at their next sync");
}

TEST(YearAdvice, LaptopsAreToldWhatFitsThem) {
  auto enrolled = year_advice(k2025, {2026, 12, 5}, YearRole::enrolled_laptop, no_set);
  EXPECT_EQ(enrolled.message, "The 2025-26 deadline was 30 June 2026. Head office moves the organisation to 2026-27 "
                              "(`dsptsync-server rollforward --to 2026-27`); this laptop follows at its next "
                              "`dsptsync sync`");
  auto offline = year_advice(k2025, {2026, 12, 5}, YearRole::offline_store, no_set);
  EXPECT_EQ(offline.message, "The 2025-26 deadline was 30 June 2026. Roll forward to 2026-27: import the 2026-27 list "
                             "(`dsptsync catalogue import FILE --year 2026-27`), then `dsptsync rollforward --to 2026-27`");
}

TEST(YearAdvice, MovesToTheEarliestYearStillOpen) {
  // Years behind: straight to the year running.
  EXPECT_EQ(year_advice(k2021, {2026, 12, 5}, YearRole::offline_store, no_set).move_to, k2026);
  // Between 1 April and 30 June the year just ended is still open for publishing.
  EXPECT_EQ(year_advice(k2024, {2026, 5, 10}, YearRole::offline_store, no_set).move_to, k2025);
  EXPECT_EQ(year_advice(k2024, {2026, 7, 1}, YearRole::offline_store, no_set).move_to, k2026);
}

TEST(YearAdvice, TakesThePlaceOfTheDeadlineWarning) {
  auto catalogue = shipped_catalogue(k2025);
  ASSERT_TRUE(catalogue) << catalogue.error().message;
  auto evaluation = evaluate(*catalogue, AssessmentView{}, {2026, 12, 5});
  ASSERT_EQ(evaluation.warnings.size(), 1u);
  EXPECT_EQ(evaluation.warnings[0], "The deadline to publish 2025-26 was 30 June 2026");
  add_year_advice(evaluation, year_advice(k2025, {2026, 12, 5}, YearRole::offline_store, no_set));
  ASSERT_EQ(evaluation.warnings.size(), 1u);
  EXPECT_EQ(evaluation.warnings[0].rfind("The 2025-26 deadline was 30 June 2026. Roll forward to 2026-27", 0), 0u);
  const auto json = to_json(evaluation);
  EXPECT_EQ(json["year_advice"]["move_to"], "2026-27");
  EXPECT_EQ(json["year_advice"]["deadline"], "2026-06-30");
  EXPECT_EQ(json["year_advice"]["set_available"], false);
}

}  // namespace
}  // namespace dsptsync
