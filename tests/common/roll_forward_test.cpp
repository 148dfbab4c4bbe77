// Roll-forward over the shipped question sets: the maps between consecutive years chained, from
// 2021-22 to 2025-26 and between every pair of shipped years, with each step's changes reported.
#include "dsptsync/roll_forward.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <set>

namespace dsptsync {
namespace {

Catalogue shipped(int year) {
  auto catalogue = shipped_catalogue(AssessmentYear{year});
  EXPECT_TRUE(catalogue) << catalogue.error().message;
  return catalogue ? std::move(*catalogue) : Catalogue();
}

Result<Catalogue> shipped_or_not_found(AssessmentYear year) { return shipped_catalogue(year); }

RollForwardPath shipped_path(int from, int to) {
  auto path = roll_forward_path(shipped(from), AssessmentYear{to}, shipped_or_not_found);
  EXPECT_TRUE(path) << path.error().message;
  return path ? std::move(*path) : RollForwardPath({shipped(from), shipped(to)});
}

const std::string kScope = "VLAXL";

void put(AssessmentState& state, const std::string& year, TargetKind kind, const std::string& target, Field field,
         const std::string& text) {
  FieldState field_state;
  field_state.heads.push_back(Head{"device:" + std::to_string(state.size() + 1), 1, "Ann", "device", FieldValue{text, ""}});
  state[FieldKey{kScope, year, kind, target, field}] = field_state;
}

const Edit* edit_of(const RollForwardPlan& plan, TargetKind kind, const std::string& target, Field field) {
  for (const auto& edit : plan.edits)
    if (edit.key.kind == kind && edit.key.target == target && edit.key.field == field) return &edit;
  return nullptr;
}

TEST(RollForwardChain, From2021To2025GoesThroughEveryShippedYear) {
  const auto path = shipped_path(2021, 2025);
  std::vector<std::string> years;
  for (const auto& set : path.sets()) years.push_back(set.year().label());
  // No set is shipped for 2022-23: 2023-24's previous ids are 2021-22 ids, so that is one step.
  EXPECT_EQ(years, (std::vector<std::string>{"2021-22", "2023-24", "2024-25", "2025-26"}));

  EXPECT_EQ(path.successor_of("2.1.2")->id, "2.2.1");
  EXPECT_EQ(path.successor_of("1.2.1")->id, "1.1.3");
  EXPECT_EQ(path.successor_of("1.4.2")->id, "1.4.3");
  EXPECT_EQ(path.successor_of("1.1.5")->id, "1.1.5");
  EXPECT_EQ(path.successor_of("4.1.2"), nullptr);
  EXPECT_EQ(path.successor_assertion("2.1"), std::optional<std::string>("2.1"));
}

TEST(RollForwardChain, EachStepReportsItsRenumberedRemovedAndNewItems) {
  const auto plan = plan_roll_forward(shipped_path(2021, 2025), {}, kScope);
  ASSERT_EQ(plan.steps.size(), 3u);
  EXPECT_EQ(describe(plan.steps[0]),
            "2021-22 -> 2023-24: renumbered 2.1.2 -> 2.2.1, 1.2.1 -> 1.1.3, 1.4.2 -> 1.4.3; removed 4.1.2");
  EXPECT_EQ(describe(plan.steps[1]), "2023-24 -> 2024-25: the same items");
  EXPECT_EQ(describe(plan.steps[2]), "2024-25 -> 2025-26: new 4.3.1, 7.1.1");
  EXPECT_EQ(to_json(plan.steps[2])["added"], nlohmann::json({"4.3.1", "7.1.1"}));
  // Over the whole path: 41 of 42 carried, 4.1.2 removed, the two new items new.
  EXPECT_EQ(plan.carried.size(), 41u);
  EXPECT_EQ(plan.removed, (std::vector<std::string>{"4.1.2"}));
  EXPECT_EQ(plan.added, (std::vector<std::string>{"4.3.1", "7.1.1"}));
  ASSERT_EQ(plan.notes.size(), 1u);
  EXPECT_NE(plan.notes[0].find("1.4.2 -> 1.4.3: the answer type changed from yes_no to text"), std::string::npos);
}

TEST(RollForwardChain, AnswersPlansAndConfirmationsLandOnTheNewestIds) {
  AssessmentState state;
  put(state, "2021-22", TargetKind::item, "2.1.2", Field::answer, "yes");
  put(state, "2021-22", TargetKind::item, "1.2.1", Field::answer, "Privacy notice v2");
  put(state, "2021-22", TargetKind::item, "4.1.2", Field::answer, "yes");
  put(state, "2021-22", TargetKind::plan, "1.2.1", Field::plan_action, "Publish it on the website");
  put(state, "2021-22", TargetKind::assertion, "2.1", Field::confirmed, "yes");
  put(state, "2021-22", TargetKind::profile, "cyber_essentials_plus", Field::value, "yes");
  const auto plan = plan_roll_forward(shipped_path(2021, 2025), state, kScope);
  for (const auto& edit : plan.edits) EXPECT_EQ(edit.key.year, "2025-26");
  ASSERT_NE(edit_of(plan, TargetKind::item, "2.2.1", Field::answer), nullptr);
  EXPECT_EQ(edit_of(plan, TargetKind::item, "1.1.3", Field::answer)->value->text, "Privacy notice v2");
  EXPECT_EQ(edit_of(plan, TargetKind::plan, "1.1.3", Field::plan_action)->value->text, "Publish it on the website");
  // 2.1's items went to 2.1 and 2.2: both confirmed.
  EXPECT_NE(edit_of(plan, TargetKind::assertion, "2.1", Field::confirmed), nullptr);
  EXPECT_NE(edit_of(plan, TargetKind::assertion, "2.2", Field::confirmed), nullptr);
  EXPECT_NE(edit_of(plan, TargetKind::profile, "cyber_essentials_plus", Field::value), nullptr);
  // 4.1.2 was removed on the way: its answer stays behind.
  EXPECT_EQ(plan.edits.size(), 6u);
}

TEST(RollForwardChain, EveryPairOfShippedYearsChainsTheStepsBetween) {
  const auto years = shipped_years();
  for (std::size_t i = 0; i < years.size(); ++i) {
    for (std::size_t j = i + 1; j < years.size(); ++j) {
      const auto path = shipped_path(years[i].first, years[j].first);
      const auto plan = plan_roll_forward(path, {}, kScope);
      SCOPED_TRACE(years[i].label() + " -> " + years[j].label());
      EXPECT_EQ(plan.steps.size(), j - i);
      EXPECT_EQ(plan.carried.size() + plan.removed.size(), path.from().items().size());
      std::set<std::string> reached;
      for (const auto& [from, to] : plan.carried) {
        EXPECT_NE(path.to().find_item(to), nullptr) << from << " -> " << to;
        EXPECT_TRUE(reached.insert(to).second) << "two items lead to " << to;
      }
      EXPECT_EQ(reached.size() + plan.added.size(), path.to().items().size());
      // Chaining the one-step plans gives the same carried ids as the chained plan.
      for (const auto& [from, to] : plan.carried) {
        std::string id = from;
        for (std::size_t k = 1; k < path.sets().size(); ++k) id = path.sets()[k].successor_of(id)->id;
        EXPECT_EQ(id, to);
      }
    }
  }
}

TEST(RollForwardChain, AYearWithoutASetIsNoStepAndOtherFailuresStopIt) {
  std::vector<int> asked;
  auto path = roll_forward_path(shipped(2021), AssessmentYear{2024}, [&](AssessmentYear year) {
    asked.push_back(year.first);
    return shipped_catalogue(year);
  });
  ASSERT_TRUE(path) << path.error().message;
  EXPECT_EQ(asked, (std::vector<int>{2022, 2023, 2024}));
  EXPECT_EQ(path->sets().size(), 3u);

  auto broken = roll_forward_path(shipped(2021), AssessmentYear{2025}, [](AssessmentYear year) -> Result<Catalogue> {
    if (year.first == 2024) return corrupt("the 2024-25 set kept in the store is damaged");
    return shipped_catalogue(year);
  });
  ASSERT_FALSE(broken);
  EXPECT_EQ(broken.error().kind, ErrorKind::corrupt);

  auto missing = roll_forward_path(shipped(2025), AssessmentYear{2026}, shipped_or_not_found);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().kind, ErrorKind::not_found);
  EXPECT_NE(missing.error().message.find("2026-27"), std::string::npos) << missing.error().message;
}

}  // namespace
}  // namespace dsptsync
