#include "dsptsync/change.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

namespace dsptsync {
namespace {

Change edit(std::string id, Hlc hlc, std::string device, std::vector<std::string> parents, std::string text) {
  Change change;
  change.id = std::move(id);
  change.key = {"VLAXL", "2021-22", TargetKind::item, "1.1.5", Field::answer};
  change.hlc = hlc;
  change.device = std::move(device);
  change.user = "u-" + change.device;
  change.parents = std::move(parents);
  change.value = FieldValue{std::move(text), ""};
  return change;
}

TEST(ApplyChange, ALaterEditReplacesWhatItWasBasedOn) {
  FieldState state = apply_change({}, edit("a:1", 10, "a", {}, "first"));
  state = apply_change(state, edit("a:2", 20, "a", {"a:1"}, "second"));
  ASSERT_EQ(state.heads.size(), 1u);
  EXPECT_EQ(state.winner()->value->text, "second");
  EXPECT_FALSE(state.in_conflict());
}

TEST(ApplyChange, ConcurrentEditsKeepBothWithTheSameWinnerInAnyOrder) {
  const Change base = edit("a:1", 10, "a", {}, "base");
  const Change left = edit("a:2", 30, "a", {"a:1"}, "left");
  const Change right = edit("b:1", 20, "b", {"a:1"}, "right");
  FieldState one = apply_change(apply_change(apply_change({}, base), left), right);
  FieldState two = apply_change(apply_change(apply_change({}, base), right), left);
  ASSERT_EQ(one.heads.size(), 2u);
  EXPECT_TRUE(one.in_conflict());
  EXPECT_EQ(one.heads, two.heads);
  EXPECT_EQ(one.winner()->change_id, "a:2");  // the higher clock wins
}

TEST(ApplyChange, TiesOnTheClockAreBrokenByDevice) {
  FieldState state = apply_change(apply_change({}, edit("a:1", 50, "a", {}, "x")), edit("b:1", 50, "b", {}, "y"));
  EXPECT_EQ(state.winner()->device, "b");
}

TEST(ApplyChange, AResolutionBasedOnBothHeadsSettlesTheConflict) {
  FieldState state = apply_change(apply_change({}, edit("a:1", 10, "a", {}, "x")), edit("b:1", 11, "b", {}, "y"));
  ASSERT_TRUE(state.in_conflict());
  state = apply_change(state, edit("a:2", 12, "a", {"a:1", "b:1"}, "agreed"));
  EXPECT_FALSE(state.in_conflict());
  EXPECT_EQ(state.winner()->value->text, "agreed");
}

TEST(ApplyChange, ReapplyingTheSameChangeChangesNothing) {
  const Change change = edit("a:1", 10, "a", {}, "x");
  FieldState once = apply_change({}, change);
  EXPECT_EQ(apply_change(once, change).heads, once.heads);
}

TEST(ApplyChange, ConvergesOverEveryCausalOrderOfManyConcurrentEdits) {
  // Ten devices each edit on top of the same base; all orders must give the same heads.
  std::vector<Change> edits;
  for (int i = 0; i < 10; ++i)
    edits.push_back(edit("d" + std::to_string(i) + ":1", static_cast<Hlc>(100 + (i * 7) % 5), "d" + std::to_string(i),
                         {"base:1"}, "v" + std::to_string(i)));
  const Change base = edit("base:1", 1, "base", {}, "base");
  std::mt19937 random(42);
  std::optional<FieldState> first;
  for (int round = 0; round < 50; ++round) {
    std::shuffle(edits.begin(), edits.end(), random);
    FieldState state = apply_change({}, base);
    for (const auto& change : edits) state = apply_change(state, change);
    ASSERT_EQ(state.heads.size(), 10u);
    if (!first) first = state;
    EXPECT_EQ(state.heads, first->heads);
  }
}

TEST(HybridClock, MovesForwardEvenWhenTheWallClockGoesBack) {
  HybridClock clock;
  const Hlc a = clock.tick(1000);
  const Hlc b = clock.tick(999);
  const Hlc c = clock.tick(999);
  EXPECT_LT(a, b);
  EXPECT_LT(b, c);
  clock.observe(static_cast<Hlc>(5000) << 16);
  EXPECT_GT(clock.tick(1000), static_cast<Hlc>(5000) << 16);
  EXPECT_EQ(hlc_wall_ms(static_cast<Hlc>(1234) << 16), 1234);
}

TEST(Fields, BelongOnlyToTheirKind) {
  EXPECT_TRUE(field_belongs_to(Field::answer, TargetKind::item));
  EXPECT_FALSE(field_belongs_to(Field::answer, TargetKind::assertion));
  EXPECT_TRUE(field_belongs_to(Field::plan_due, TargetKind::plan));
  EXPECT_EQ(*parse_field("plan_owner"), Field::plan_owner);
  EXPECT_FALSE(parse_target_kind("items"));
}

}  // namespace
}  // namespace dsptsync
