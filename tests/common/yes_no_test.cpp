// The one spelling rule for yes and no (yes_no.h), and that both fields taking it follow it.
#include "dsptsync/assessment.h"
#include "dsptsync/incident_input.h"
#include "dsptsync/yes_no.h"

#include <gtest/gtest.h>

namespace dsptsync {
namespace {

TEST(YesNo, TheSpellingsPeopleUseAndNothingElse) {
  for (const char* yes : {"yes", "Y", " TRUE ", "Yes"}) EXPECT_EQ(parse_yes_no(yes), "yes") << yes;
  for (const char* no : {"no", "N", "false", " No\t"}) EXPECT_EQ(parse_yes_no(no), "no") << no;
  for (const char* neither : {"", "yep", "1", "0", "maybe", "yes please"})
    EXPECT_EQ(parse_yes_no(neither), std::nullopt) << neither;
}

TEST(YesNo, AnAnswerAndAnIncidentTakeTheSameWords) {
  CatalogueItem item;
  item.id = "2.1.1";
  item.type = AnswerType::yes_no;
  const auto now = parse_incident_time("2026-12-04T10:00Z").value();
  for (const char* typed : {"y", "TRUE", "n", "False", "perhaps"}) {
    auto answer = normalise_answer(item, typed, "");
    auto incident = prepare_incident_edits(shipped_incident_rules(), {{Field::vulnerable_groups, typed}},
                                           {}, false, now);
    ASSERT_EQ(bool(answer), bool(incident)) << typed;
    if (!answer) continue;
    EXPECT_EQ(answer->text, incident->changes.at(0).second->text) << typed;
  }
}

}  // namespace
}  // namespace dsptsync
