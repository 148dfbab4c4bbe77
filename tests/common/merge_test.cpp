#include "dsptsync/merge.h"

#include <gtest/gtest.h>

namespace dsptsync {
namespace {

TEST(MergeText, EditsToDifferentSentencesBothSurvive) {
  const std::string base = "Backups run nightly. They are tested each quarter. The manager checks the log.";
  const std::string ours = "Backups run nightly to the NAS. They are tested each quarter. The manager checks the log.";
  const std::string theirs = "Backups run nightly. They are tested each month. The manager checks the log.";
  EXPECT_EQ(merge_text(base, ours, theirs),
            "Backups run nightly to the NAS. They are tested each month. The manager checks the log.");
  EXPECT_EQ(merge_text(base, theirs, ours), merge_text(base, ours, theirs));  // the same both ways round
}

TEST(MergeText, EditsToTheSameWordsConflict) {
  EXPECT_FALSE(merge_text("Tested each quarter.", "Tested each month.", "Tested each week."));
  // Touching edits (one inserts exactly where the other replaces) are a conflict too: which order?
  EXPECT_FALSE(merge_text("a b c", "a x b c", "a y c"));
}

TEST(MergeText, OneSideUnchangedOrBothTheSame) {
  EXPECT_EQ(merge_text("base", "base", "new"), "new");
  EXPECT_EQ(merge_text("base", "new", "base"), "new");
  EXPECT_EQ(merge_text("base", "same", "same"), "same");
}

TEST(MergeText, InsertionsAtBothEnds) {
  EXPECT_EQ(merge_text("middle", "start middle", "middle end"), "start middle end");
  EXPECT_EQ(merge_text("", "x", "y"), std::nullopt);
}

TEST(MergeText, DeletionAndDistantEdit) {
  EXPECT_EQ(merge_text("one two three four five", "one three four five", "one two three four six"),
            "one three four six");
}

TEST(MergeText, VeryLongTextsAreLeftToAPerson) {
  std::string base;
  for (int i = 0; i < 4000; ++i) base += "w" + std::to_string(i) + " ";
  EXPECT_FALSE(merge_text(base, base + "x", "y" + base));
}

}  // namespace
}  // namespace dsptsync
