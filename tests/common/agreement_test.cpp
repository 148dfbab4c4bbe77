// Concurrent edits that agree are one settled value; only differing values are a conflict
// (docs/merge.md). Every kind of field, through the real ledger over a real SQLite store: changes
// made on other devices are applied as sync applies them, and the view is read back as every
// command reads it.
#include "dsptsync/assessment.h"
#include "dsptsync/conflict.h"
#include "dsptsync/evaluator.h"
#include "ledger_fixture.h"

#include <gtest/gtest.h>

namespace dsptsync {
namespace {


constexpr std::string_view kYear = "2021-22";

FieldKey key_of(TargetKind kind, std::string target, Field field, std::string scope = "VLAXL") {
  return {std::move(scope), std::string(kYear), kind, std::move(target), field};
}

// An input as a front-end turns it into a value: an answer through normalise_answer, by its item's type.
FieldValue answer(AnswerType type, std::string_view text, std::string_view location = "") {
  CatalogueItem item;
  item.id = "9.9.9";
  item.type = type;
  auto normalised = normalise_answer(item, text, location);
  EXPECT_TRUE(normalised) << text;
  return normalised ? *normalised : FieldValue{};
}

class Agreement : public testing::LedgerOnDisk {
 protected:
  void SetUp() override {
    LedgerOnDisk::SetUp();
    auto shipped = shipped_catalogue(AssessmentYear{2021});
    ASSERT_TRUE(shipped) << shipped.error().message;
    catalogue = std::move(*shipped);
  }

  // One edit made on another device, based on `parents`, applied as sync applies it.
  Change made_by(const std::string& device, const std::string& user, const FieldKey& key,
                 std::optional<FieldValue> value, std::vector<std::string> parents = {}) {
    Change change;
    change.id = device + ":" + std::to_string(++counters[device]);
    change.key = key;
    change.value = std::move(value);
    change.parents = std::move(parents);
    change.hlc = ++clock << 16;
    change.user = user;
    change.device = device;
    auto applied = ledger->apply({change});
    EXPECT_TRUE(applied) << applied.error().message;
    return change;
  }

  // Concurrent first values of one field, one per device, in this order of time (the last wins).
  void concurrently(const FieldKey& key, const std::vector<std::optional<FieldValue>>& values) {
    static const std::vector<std::pair<std::string, std::string>> kPeople = {
        {"d1", "Sam Patel"}, {"d2", "Ann Lee"}, {"d3", "Raj Mehta"}};
    for (std::size_t i = 0; i < values.size(); ++i) made_by(kPeople[i].first, kPeople[i].second, key, values[i]);
  }

  AssessmentView view(const std::string& scope = "VLAXL") {
    auto state = ledger->state(scope, kYear);
    EXPECT_TRUE(state) << state.error().message;
    return state ? view_of(*state, &catalogue) : AssessmentView{};
  }

  Catalogue catalogue;
  std::map<std::string, int> counters;
  Hlc clock = 1000;
};

// For every kind of field: two raw inputs its front-ends normalise to the same value, and a differing one.
struct FieldCase {
  const char* name;
  FieldKey key;
  FieldValue first, same, different;
};

std::vector<FieldCase> every_kind_of_field() {
  const auto item = [](std::string id, Field field) { return key_of(TargetKind::item, std::move(id), field); };
  const auto plan = [](Field field) { return key_of(TargetKind::plan, "8.3.5", field); };
  return {
      {"a yes/no answer", item("2.1.1", Field::answer), answer(AnswerType::yes_no, "Yes"), answer(AnswerType::yes_no, "y"),
       answer(AnswerType::yes_no, "no")},
      {"a text answer", item("1.1.5", Field::answer), answer(AnswerType::text, "The registered manager"),
       answer(AnswerType::text, "  The registered manager \n"), answer(AnswerType::text, "The director")},
      {"a date answer", item("1.1.5", Field::answer), answer(AnswerType::date, "2022-06-30"),
       answer(AnswerType::date, " 2022-06-30"), answer(AnswerType::date, "2022-07-01")},
      {"a number answer", item("1.1.5", Field::answer), answer(AnswerType::number, "12"),
       answer(AnswerType::number, "12 "), answer(AnswerType::number, "13")},
      {"a document answer", item("1.2.1", Field::answer), answer(AnswerType::document, "Privacy notice v2", "https://i/p.pdf"),
       answer(AnswerType::document, " Privacy notice v2", "https://i/p.pdf "),
       answer(AnswerType::document, "Privacy notice v2", "https://i/old.pdf")},  // same name, another place: differs
      {"a comment", item("2.1.1", Field::comment), {"Checked at induction", ""}, {"Checked at induction ", ""},
       {"Checked yearly", ""}},
      {"a confirmation", key_of(TargetKind::assertion, "1.3", Field::confirmed), {"yes", ""}, {"yes", ""}, {"", ""}},
      {"an assertion owner", key_of(TargetKind::assertion, "1.3", Field::owner), {"Ann Lee", ""}, {"Ann Lee", ""},
       {"Sam Patel", ""}},
      {"an improvement action", plan(Field::plan_action), {"Encrypt the laptops", ""}, {"Encrypt the laptops", ""},
       {"Replace the laptops", ""}},
      {"a plan owner", plan(Field::plan_owner), {"Ann Lee", ""}, {" Ann Lee", ""}, {"Raj Mehta", ""}},
      {"a plan due date", plan(Field::plan_due), {"2022-09-30", ""}, {"2022-09-30", ""}, {"2022-10-31", ""}},
      {"a plan state", plan(Field::plan_state), {"in_progress", ""}, {"in_progress", ""}, {"done", ""}},
      {"a sharing choice", key_of(TargetKind::item, "1.1.1", Field::sharing, "A1B2"), {"shared", ""}, {"shared", ""},
       {"branch", ""}},
      {"an override", item("1.1.1", Field::override_reason), {"We keep our own policy", ""},
       {"We keep our own policy", ""}, {"Our policy is older", ""}},
      {"a named role", key_of(TargetKind::profile, "role.siro", Field::value), {"Helen Okafor", ""},
       {"Helen Okafor", ""}, {"Priya Shah", ""}},
      {"Cyber Essentials Plus", key_of(TargetKind::profile, "cyber_essentials_plus", Field::value), {"not_sure", ""},
       {"not_sure", ""}, {"yes", ""}},
  };
}

// A confirmation's "different" value is a withdrawal: a cleared field.
std::optional<FieldValue> as_value(const FieldCase& c, const FieldValue& value) {
  if (c.key.field == Field::confirmed && value.text.empty()) return std::nullopt;
  return value;
}

TEST_F(Agreement, EqualConcurrentValuesOfEveryKindOfFieldAreSettled) {
  int n = 0;
  for (const auto& c : every_kind_of_field()) {
    SCOPED_TRACE(c.name);
    FieldKey key = c.key;
    key.target += "-" + std::to_string(++n);  // each case a field of its own
    concurrently(key, {c.first, c.same});
    auto state = ledger->state(key.scope, kYear);
    ASSERT_TRUE(state);
    const FieldState& field = state->at(key);
    EXPECT_EQ(field.heads.size(), 2u) << "both edits are kept";
    EXPECT_FALSE(field.in_conflict());
    EXPECT_EQ(distinct_values(field.heads).size(), 1u);
    const AssessmentView settled = view_of(*state, &catalogue);
    EXPECT_FALSE(settled.conflicts.count(key));
    EXPECT_EQ(evaluate(catalogue, settled, Date{2022, 5, 1}).open_conflicts, 0);
  }
}

TEST_F(Agreement, DifferingConcurrentValuesOfEveryKindOfFieldStayAConflict) {
  int n = 0;
  for (const auto& c : every_kind_of_field()) {
    SCOPED_TRACE(c.name);
    FieldKey key = c.key;
    key.target += "-" + std::to_string(++n);
    concurrently(key, {as_value(c, c.first), as_value(c, c.different)});
    const AssessmentView seen = view(key.scope);
    ASSERT_TRUE(seen.conflicts.count(key));
    EXPECT_EQ(seen.conflicts.at(key).size(), 2u);
  }
}

TEST_F(Agreement, ThreeHeadsWhereTwoAgreeAreAConflictOfTwoValues) {
  int n = 0;
  for (const auto& c : every_kind_of_field()) {
    SCOPED_TRACE(c.name);
    FieldKey key = c.key;
    key.target += "-" + std::to_string(++n);
    // Sam and Raj agree; Ann, between them in time, differs.
    concurrently(key, {as_value(c, c.first), as_value(c, c.different), as_value(c, c.same)});
    const AssessmentView seen = view(key.scope);
    ASSERT_TRUE(seen.conflicts.count(key));
    const std::vector<HeldValue>& values = seen.conflicts.at(key);
    ASSERT_EQ(values.size(), 2u) << "two distinct values, not three";
    // Raj's edit is the latest, so his value (and Sam's) is shown meanwhile, both people named with it.
    ASSERT_EQ(values[0].heads.size(), 2u);
    EXPECT_EQ(values[0].heads[0].user, "Raj Mehta");
    EXPECT_EQ(values[0].heads[1].user, "Sam Patel");
    ASSERT_EQ(values[1].heads.size(), 1u);
    EXPECT_EQ(values[1].heads[0].user, "Ann Lee");
    EXPECT_TRUE(same_value(values[1].value, as_value(c, c.different)));
  }
}

TEST_F(Agreement, TheSettledValueIsAttributedToTheLatestOfTheAgreeingEdits) {
  const FieldKey key = key_of(TargetKind::item, "2.1.1", Field::answer);
  concurrently(key, {FieldValue{"yes", ""}, FieldValue{"yes", ""}});
  const AssessmentView seen = view();
  ASSERT_TRUE(seen.answers.count("2.1.1"));
  EXPECT_EQ(seen.answers.at("2.1.1").by.user, "Ann Lee");  // the winner: highest clock
  EXPECT_FALSE(seen.answers.at("2.1.1").in_conflict);
  auto history = ledger->history("VLAXL", kYear, TargetKind::item, "2.1.1");
  ASSERT_TRUE(history);
  EXPECT_EQ(history->size(), 2u) << "both edits stay in the history, with who and when";
}

TEST_F(Agreement, HeadOfficeAndTheBranchConfirmingAgreeWhileDifferentOwnersConflict) {
  const FieldKey confirmed = key_of(TargetKind::assertion, "1.3", Field::confirmed);
  const FieldKey owner = key_of(TargetKind::assertion, "1.3", Field::owner);
  made_by("hq", "Helen Okafor", confirmed, FieldValue{"yes", ""});
  made_by("hq", "Helen Okafor", owner, FieldValue{"Helen Okafor", ""});
  made_by("d1", "Sam Patel", confirmed, FieldValue{"yes", ""});
  made_by("d1", "Sam Patel", owner, FieldValue{"Sam Patel", ""});
  AssessmentView seen = view();
  EXPECT_TRUE(seen.confirmed.count("1.3"));
  EXPECT_FALSE(seen.conflicts.count(confirmed)) << "both say confirmed: whoever confirmed, it is one confirmation";
  ASSERT_TRUE(seen.conflicts.count(owner)) << "the owners differ: that is the conflict";
  EXPECT_EQ(describe_conflict(owner, seen.conflicts.at(owner), &catalogue,
                              {{"Helen Okafor", "Head office"}, {"Sam Patel", "Leeds"}}),
            "Head office and Leeds named different owners for assertion 1.3");
}

TEST_F(Agreement, TwoResolutionsToTheSameValueSettleAndToDifferentValuesConflictAgain) {
  const FieldKey same = key_of(TargetKind::item, "1.1.5", Field::answer);
  const Change sam = made_by("d1", "Sam Patel", same, FieldValue{"The registered manager", ""});
  const Change ann = made_by("d2", "Ann Lee", same, FieldValue{"The director", ""});
  ASSERT_TRUE(view().conflicts.count(same));
  made_by("d1", "Sam Patel", same, FieldValue{"Both, the director as deputy", ""}, {sam.id, ann.id});
  made_by("d2", "Ann Lee", same, FieldValue{"Both, the director as deputy", ""}, {sam.id, ann.id});
  EXPECT_FALSE(view().conflicts.count(same));

  const FieldKey other = key_of(TargetKind::assertion, "2.1", Field::confirmed);
  const Change a = made_by("d1", "Sam Patel", other, FieldValue{"yes", ""});
  const Change b = made_by("d2", "Ann Lee", other, std::nullopt);
  made_by("d1", "Sam Patel", other, FieldValue{"yes", ""}, {a.id, b.id});
  made_by("d2", "Ann Lee", other, std::nullopt, {a.id, b.id});
  EXPECT_TRUE(view().conflicts.count(other));
}

TEST_F(Agreement, AgreementAndTheTextMergeCompose) {
  const FieldKey key = key_of(TargetKind::item, "7.3.1", Field::answer);
  const Change base = made_by("d1", "Sam Patel", key, FieldValue{"Backups run nightly. They are tested each quarter.", ""});
  // Sam and Ann make the same change; Raj changes the other sentence: one merged text, no conflict.
  made_by("d1", "Sam Patel", key, FieldValue{"Backups run nightly to the NAS. They are tested each quarter.", ""}, {base.id});
  made_by("d2", "Ann Lee", key, FieldValue{"Backups run nightly to the NAS. They are tested each quarter.", ""}, {base.id});
  made_by("d3", "Raj Mehta", key, FieldValue{"Backups run nightly. They are tested each month.", ""}, {base.id});
  AssessmentView seen = view();
  EXPECT_FALSE(seen.conflicts.count(key));
  EXPECT_EQ(seen.answers.at("7.3.1").value.text, "Backups run nightly to the NAS. They are tested each month.");
  EXPECT_TRUE(seen.answers.at("7.3.1").merged);

  // Equal texts need no common starting point to agree: one was based on the merge, one not.
  const FieldKey other = key_of(TargetKind::item, "1.1.1", Field::answer);
  const Change first = made_by("d1", "Sam Patel", other, FieldValue{"Data protection policy", ""});
  made_by("d1", "Sam Patel", other, FieldValue{"Data protection policy v3", ""}, {first.id});
  made_by("d2", "Ann Lee", other, FieldValue{"Data protection policy v3", ""});
  seen = view();
  EXPECT_FALSE(seen.conflicts.count(other));
  EXPECT_FALSE(seen.answers.at("1.1.1").merged);
}

TEST_F(Agreement, ItIsDecidedOnReadSoStoresWrittenBeforeTheRuleShowAgreementSettled) {
  // Older versions wrote exactly this: two heads, the clear column saying there are several. The
  // decision is made from the sealed heads whenever they are read, so nothing needs migrating.
  const FieldKey key = key_of(TargetKind::assertion, "1.3", Field::confirmed);
  concurrently(key, {FieldValue{"yes", ""}, FieldValue{"yes", ""}});
  auto rows = store->fields("VLAXL", kYear);
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_TRUE(rows->front().in_conflict) << "the clear column counts fields with several heads";
  EXPECT_TRUE(view().conflicts.empty());
  EXPECT_TRUE(view().confirmed.count("1.3"));
}

TEST(DescribeConflict, SaysWhoDisagreesAboutWhatInACareManagersWords) {
  auto shipped = shipped_catalogue(AssessmentYear{2021});
  ASSERT_TRUE(shipped);
  const auto head = [](std::string id, std::string user, std::string device, std::optional<FieldValue> value) {
    return Head{std::move(id), 1, std::move(user), std::move(device), std::move(value)};
  };
  const FieldKey answer_key = key_of(TargetKind::item, "1.1.5", Field::answer);
  const auto two_people = distinct_values({head("a:1", "Sam Patel", "a", FieldValue{"x", ""}),
                                           head("b:1", "Ann Lee", "b", FieldValue{"y", ""})});
  EXPECT_EQ(describe_conflict(answer_key, two_people, &*shipped),
            "Two people gave different answers to 1.1.5 (Staffing and roles)");
  const FieldKey confirmed = key_of(TargetKind::assertion, "1.3", Field::confirmed);
  const auto hq_and_leeds = distinct_values({head("h:1", "Helen Okafor", "h", FieldValue{"yes", ""}),
                                             head("a:1", "Sam Patel", "a", std::nullopt)});
  const Workplaces workplaces = {{"Helen Okafor", "Head office"}, {"Sam Patel", "Leeds"}, {"Ann Lee", "Leeds"}};
  EXPECT_EQ(describe_conflict(confirmed, hq_and_leeds, &*shipped, workplaces),
            "Head office and Leeds disagree on whether assertion 1.3 is confirmed");
  // Head office first, whichever value is shown meanwhile.
  const auto leeds_first = distinct_values({head("a:1", "Sam Patel", "a", std::nullopt),
                                            head("h:1", "Helen Okafor", "h", FieldValue{"yes", ""})});
  EXPECT_EQ(describe_conflict(confirmed, leeds_first, &*shipped, workplaces),
            "Head office and Leeds disagree on whether assertion 1.3 is confirmed");
  // Two people of one site are two people, not "Leeds and Leeds".
  EXPECT_EQ(describe_conflict(answer_key, two_people, &*shipped, workplaces),
            "Two people gave different answers to 1.1.5 (Staffing and roles)");
  const auto one_person = distinct_values({head("a:1", "Sam Patel", "a", FieldValue{"x", ""}),
                                           head("c:1", "Sam Patel", "c", FieldValue{"y", ""})});
  EXPECT_EQ(describe_conflict(answer_key, one_person, &*shipped),
            "Two of Sam Patel's devices gave different answers to 1.1.5 (Staffing and roles)");
  EXPECT_EQ(describe_conflict(key_of(TargetKind::plan, "8.3.5", Field::plan_due), two_people, &*shipped),
            "Two people set different due dates for the improvement action for 8.3.5 (IT systems and devices)");
  EXPECT_EQ(describe_conflict(key_of(TargetKind::profile, "role.caldicott_guardian", Field::value), two_people, &*shipped),
            "Two people disagree on the organisation's Caldicott Guardian");
  EXPECT_EQ(field_in_words(confirmed, &*shipped), "the confirmation of assertion 1.3");
  EXPECT_EQ(field_in_words(key_of(TargetKind::item, "2.1.1", Field::comment), nullptr), "the comment on 2.1.1");
}

TEST(DescribeConflict, TheStatusRulesNameTheConflictThatBlocksPublishing) {
  auto shipped = shipped_catalogue(AssessmentYear{2021});
  ASSERT_TRUE(shipped);
  AssessmentView view;
  const FieldKey confirmed = key_of(TargetKind::assertion, "1.3", Field::confirmed);
  view.conflicts[confirmed] = distinct_values({Head{"h:1", 2, "Helen Okafor", "h", FieldValue{"yes", ""}},
                                               Head{"a:1", 1, "Sam Patel", "a", std::nullopt}});
  view.workplaces = {{"Helen Okafor", "Head office"}, {"Sam Patel", "Leeds"}};
  const Evaluation evaluation = evaluate(*shipped, view, Date{2022, 5, 1});
  EXPECT_EQ(evaluation.open_conflicts, 1);
  bool named = false;
  for (const auto& problem : evaluation.problems)
    named |= problem.message == "Head office and Leeds disagree on whether assertion 1.3 is confirmed: resolve it";
  EXPECT_TRUE(named);
}

}  // namespace
}  // namespace dsptsync
