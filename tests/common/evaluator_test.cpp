#include "dsptsync/evaluator.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace dsptsync {
namespace {

CatalogueItem make_item(std::string id, std::string group, AnswerType type, ApproachingFlag approaching) {
  CatalogueItem item;
  item.id = id;
  item.standard = std::stoi(id.substr(0, id.find('.')));
  item.assertion = id.substr(0, id.rfind('.'));
  item.group = std::move(group);
  item.type = type;
  item.required_for_met = true;
  item.approaching = approaching;
  item.question = "Question " + id;
  item.source = "test";
  return item;
}

// Four items over three assertions: two in the Approaching set (one uncertain), two not.
Catalogue small_catalogue() {
  return Catalogue(AssessmentYear{2021}, "test",
                   {make_item("1.1.5", "Staffing and roles", AnswerType::text, ApproachingFlag::yes),
                    make_item("1.1.1", "Policies and procedures", AnswerType::text, ApproachingFlag::uncertain),
                    make_item("8.3.5", "IT systems and devices", AnswerType::text, ApproachingFlag::no),
                    make_item("9.5.2", "IT systems and devices", AnswerType::yes_no, ApproachingFlag::no)});
}

AnsweredValue answered(std::string text) { return {FieldValue{std::move(text), ""}, {"Sam", "d", 0}, false}; }

void confirm_all(const Catalogue& catalogue, AssessmentView& view) {
  for (const auto& assertion : catalogue.assertions()) view.confirmed[assertion.id] = {"Sam", "d", 0};
}

const Date kToday{2022, 5, 1};

TEST(Evaluator, AnEmptyAssessmentIsNotMetAndListsWhatApproachingNeeds) {
  const Catalogue catalogue = small_catalogue();
  const Evaluation result = evaluate(catalogue, {}, kToday);
  EXPECT_EQ(result.status, PublishStatus::not_met);
  EXPECT_EQ(result.next_level, PublishStatus::approaching);
  EXPECT_EQ(result.mandatory_summary(), "0 of 4 mandatory evidence items provided");
  EXPECT_EQ(result.assertion_summary(), "0 of 3 assertions confirmed");
  EXPECT_EQ(result.approaching_total, 2);  // the uncertain line counts
  std::vector<std::string> messages;
  for (const auto& problem : result.problems) messages.push_back(problem.message);
  EXPECT_NE(std::find(messages.begin(), messages.end(),
                      "Please complete mandatory requirement 1.1.5 in the Staffing and roles section"),
            messages.end());
  EXPECT_NE(std::find(messages.begin(), messages.end(),
                      "Please complete mandatory requirement 1.1.1 in the Policies and procedures section"),
            messages.end());
  // Not needed for Approaching Standards, so not listed as a missing answer...
  EXPECT_EQ(std::find(messages.begin(), messages.end(),
                      "Please complete mandatory requirement 8.3.5 in the IT systems and devices section"),
            messages.end());
  // ...but the improvement plan must cover it.
  EXPECT_NE(std::find(messages.begin(), messages.end(),
                      "Add an improvement plan action, owner and due date for 8.3.5 in the IT systems and devices "
                      "section"),
            messages.end());
}

TEST(Evaluator, ApproachingNeedsThePlanForEveryMissingItem) {
  const Catalogue catalogue = small_catalogue();
  AssessmentView view;
  view.answers["1.1.5"] = answered("The registered manager, in her job description");
  view.answers["1.1.1"] = answered("ZA123456");
  confirm_all(catalogue, view);
  view.plan["8.3.5"] = {"Turn on automatic updates", "Ann Lee", "2022-09-30", "open"};
  EXPECT_EQ(evaluate(catalogue, view, kToday).status, PublishStatus::not_met);  // 9.5.2 has no plan line

  view.plan["9.5.2"] = {"Encrypt the two office laptops", "Ann Lee", "", "open"};  // no due date yet
  Evaluation result = evaluate(catalogue, view, kToday);
  EXPECT_EQ(result.status, PublishStatus::not_met);
  ASSERT_EQ(result.problems.size(), 1u);
  EXPECT_EQ(result.problems[0].item, "9.5.2");

  view.plan["9.5.2"].due = "2022-08-31";
  result = evaluate(catalogue, view, kToday);
  EXPECT_EQ(result.status, PublishStatus::approaching);
  EXPECT_EQ(result.next_level, PublishStatus::met);
  EXPECT_EQ(result.plan_required, (std::vector<std::string>{"8.3.5", "9.5.2"}));
  ASSERT_EQ(result.problems.size(), 2u);
  EXPECT_EQ(result.problems[0].message, "Please complete mandatory requirement 8.3.5 in the IT systems and devices section");
}

TEST(Evaluator, AYesNoItemIsMetOnlyByYes) {
  const Catalogue catalogue = small_catalogue();
  AssessmentView view;
  for (const char* id : {"1.1.5", "1.1.1", "8.3.5"}) view.answers[id] = answered("done");
  view.answers["9.5.2"] = answered("no");
  confirm_all(catalogue, view);
  view.plan["9.5.2"] = {"Encrypt the laptops", "Ann Lee", "2022-08-31", "open"};
  Evaluation result = evaluate(catalogue, view, kToday);
  EXPECT_EQ(result.status, PublishStatus::approaching);
  EXPECT_EQ(result.mandatory_provided, 3);
  bool explained = false;
  for (const auto& problem : result.problems)
    explained |= problem.message.find("9.5.2 in the IT systems and devices section is answered No") != std::string::npos;
  EXPECT_TRUE(explained);

  view.answers["9.5.2"] = answered("yes");
  result = evaluate(catalogue, view, kToday);
  EXPECT_EQ(result.status, PublishStatus::met);
  EXPECT_EQ(public_status(catalogue.year(), result.status), "21/22 Standards Met");
  ASSERT_EQ(result.problems.size(), 1u);
  EXPECT_NE(result.problems[0].message.find("Cyber Essentials Plus"), std::string::npos);
}

TEST(Evaluator, ExceededNeedsCyberEssentialsPlusOnTopOfMet) {
  const Catalogue catalogue = small_catalogue();
  AssessmentView view;
  for (const char* id : {"1.1.5", "1.1.1", "8.3.5"}) view.answers[id] = answered("done");
  view.answers["9.5.2"] = answered("yes");
  confirm_all(catalogue, view);
  view.profile["cyber_essentials_plus"] = "not_sure";
  EXPECT_EQ(evaluate(catalogue, view, kToday).status, PublishStatus::met);
  view.profile["cyber_essentials_plus"] = "yes";
  const Evaluation result = evaluate(catalogue, view, kToday);
  EXPECT_EQ(result.status, PublishStatus::exceeded);
  EXPECT_FALSE(result.next_level);
  EXPECT_TRUE(result.problems.empty());
}

TEST(Evaluator, UnconfirmedAssertionsAndOpenConflictsBlockPublication) {
  const Catalogue catalogue = small_catalogue();
  AssessmentView view;
  for (const char* id : {"1.1.5", "1.1.1", "8.3.5"}) view.answers[id] = answered("done");
  view.answers["9.5.2"] = answered("yes");
  confirm_all(catalogue, view);
  view.confirmed.erase("9.5");
  Evaluation result = evaluate(catalogue, view, kToday);
  EXPECT_EQ(result.status, PublishStatus::not_met);
  EXPECT_EQ(result.assertion_summary(), "2 of 3 assertions confirmed");

  confirm_all(catalogue, view);
  const Head sam{"s:1", 2, "Sam Patel", "s", FieldValue{"done", ""}};
  const Head ann{"a:1", 1, "Ann Lee", "a", FieldValue{"not yet", ""}};
  view.conflicts[FieldKey{"VLAXL", "2021-22", TargetKind::item, "8.3.5", Field::answer}] = distinct_values({sam, ann});
  result = evaluate(catalogue, view, kToday);
  EXPECT_EQ(result.status, PublishStatus::not_met);
  EXPECT_EQ(result.open_conflicts, 1);
  ASSERT_FALSE(result.problems.empty());
  const std::string group = catalogue.find_item("8.3.5")->group;
  EXPECT_EQ(result.problems.back().message, "Two people gave different answers to 8.3.5 (" + group + "): resolve it");
}

TEST(Evaluator, WarnsOfAPassedDeadlineAndOverduePlanActions) {
  const Catalogue catalogue = small_catalogue();
  AssessmentView view;
  view.plan["8.3.5"] = {"Updates", "Ann", "2022-06-01", "open"};
  view.plan["9.5.2"] = {"Encrypt", "Ann", "2022-06-01", "done"};
  const Evaluation result = evaluate(catalogue, view, Date{2022, 7, 1});
  ASSERT_EQ(result.warnings.size(), 2u);
  EXPECT_EQ(result.warnings[0], "The deadline to publish 2021-22 was 30 June 2022");
  EXPECT_EQ(result.warnings[1], "The improvement action for 8.3.5 was due on 1 June 2022");
}

TEST(Evaluator, JsonCarriesTheFiguresAsTheToolkitShowsThem) {
  const Catalogue catalogue = small_catalogue();
  const nlohmann::json json = to_json(evaluate(catalogue, {}, kToday));
  EXPECT_EQ(json["status"], "not_met");
  EXPECT_EQ(json["status_text"], "Standards Not Met");
  EXPECT_EQ(json["public_status"], "21/22 Standards Not Met");
  EXPECT_EQ(json["mandatory"]["text"], "0 of 4 mandatory evidence items provided");
  EXPECT_EQ(json["assertions"]["total"], 3);
  EXPECT_TRUE(json["problems"].is_array());
  EXPECT_EQ(json["problems"][0]["group"], "Staffing and roles");
}

TEST(Evaluator, TheShippedSetCountsFortyTwoMandatoryItems) {
  auto catalogue = shipped_catalogue(AssessmentYear{2021});
  ASSERT_TRUE(catalogue) << catalogue.error().message;
  const Evaluation result = evaluate(*catalogue, {}, kToday);
  EXPECT_EQ(result.mandatory_summary(), "0 of 42 mandatory evidence items provided");
  EXPECT_EQ(result.assertions_total, static_cast<int>(catalogue->assertions().size()));
}

TEST(Evaluator, AStatusIsReadAsPeopleWriteItAndTheNhsWebsiteShowsIt) {
  for (const char* typed : {"Standards Met", "standards met", " 26/27 Standards Met ", "met", "MET"}) {
    auto status = parse_publish_status(typed);
    ASSERT_TRUE(status) << typed;
    EXPECT_EQ(*status, PublishStatus::met) << typed;
  }
  EXPECT_EQ(*parse_publish_status("Approaching Standards"), PublishStatus::approaching);
  EXPECT_EQ(*parse_publish_status("21/22 Standards Exceeded"), PublishStatus::exceeded);
  EXPECT_EQ(*parse_publish_status("not_met"), PublishStatus::not_met);
  for (const char* wrong : {"", "Standards", "Met-ish", "26/27", "Standards Met!"}) {
    auto status = parse_publish_status(wrong);
    ASSERT_FALSE(status) << wrong;
    EXPECT_NE(status.error().message.find("write Approaching Standards, Standards Met"), std::string::npos);
  }
}

}  // namespace
}  // namespace dsptsync
