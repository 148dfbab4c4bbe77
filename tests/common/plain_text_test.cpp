// The one rule for the characters of entered text (assessment.h check_plain_text), as check_edit and
// check_received_edit apply it for every door.
#include "dsptsync/assessment.h"
#include "dsptsync/catalogue.h"

#include <gtest/gtest.h>

namespace dsptsync {
namespace {

const FieldKey kComment{"VLAXL", "2021-22", TargetKind::item, "1.1.5", Field::comment};

TEST(PlainText, ControlCharactersButTabAndNewLineAreRefusedWithWhereTheyAre) {
  auto catalogue = shipped_catalogue(AssessmentYear{2021});
  ASSERT_TRUE(catalogue);
  for (const std::string& bad : {std::string("a\0b", 3), std::string("bell\a"), std::string("\x1b[2J"),
                                std::string("cr\rlf"), std::string("del\x7f")}) {
    auto refused = check_edit(*catalogue, kComment, FieldValue{bad, ""});
    ASSERT_FALSE(refused) << bad;
    EXPECT_NE(refused.error().message.find("control character"), std::string::npos) << refused.error().message;
    EXPECT_FALSE(check_received_edit(*catalogue, kComment, FieldValue{bad, ""})) << "a push is refused the same";
  }
  auto message = check_edit(*catalogue, kComment, FieldValue{std::string("fine text\0", 10), ""}).error().message;
  EXPECT_NE(message.find("U+0000"), std::string::npos) << message;
  EXPECT_NE(message.find("after 'fine text'"), std::string::npos) << message;
  EXPECT_TRUE(check_edit(*catalogue, kComment, FieldValue{"line one\n\tline two", ""}));
  EXPECT_TRUE(check_edit(*catalogue, kComment, FieldValue{"café, naïve — ✓", ""})) << "non-ASCII text is text";
}

}  // namespace
}  // namespace dsptsync
