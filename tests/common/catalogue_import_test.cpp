// Importing the NHS England standard spreadsheet saved as CSV.
#include "dsptsync/catalogue.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace dsptsync {
namespace {

const AssessmentYear k2023{2023};

std::string read_fixture(const std::string& name) {
  std::ifstream in(std::string(DSPTSYNC_SOURCE_DIR) + "/tests/data/" + name, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

Result<Catalogue> import(const std::string& csv, CsvImportOptions options = {}) {
  if (options.file_name.empty()) options.file_name = "sheet.csv";
  return import_nhs_csv(csv, k2023, options);
}

void expect_refused(const Result<Catalogue>& result, const std::string& expected_fragment) {
  ASSERT_FALSE(result) << "accepted, expected an error containing: " << expected_fragment;
  EXPECT_EQ(result.error().kind, ErrorKind::invalid_input);
  EXPECT_NE(result.error().message.find(expected_fragment), std::string::npos)
      << "message: " << result.error().message << "\nexpected to contain: " << expected_fragment;
}

const std::string kHeader =
    "Evidence Reference,Evidence text - Social Care,Tool tips - Social Care,Mandatory - Social Care,Evidence "
    "type\n";

TEST(CatalogueImport, SampleSpreadsheetSocialCareIsChosenAmongSeveralCategories) {
  auto csv = read_fixture("nhs-dspt-2023-24-sample.csv");
  ASSERT_TRUE(csv.starts_with("\xEF\xBB\xBF"));  // the fixture keeps Excel's BOM and CRLF
  ASSERT_NE(csv.find("\r\n"), std::string::npos);
  auto result = import(csv, {.file_name = "nhs-dspt-2023-24-sample.csv"});
  ASSERT_TRUE(result) << result.error().message;
  const auto& catalogue = *result;
  EXPECT_EQ(catalogue.year(), k2023);
  EXPECT_TRUE(catalogue.origin().starts_with("imported from nhs-dspt-2023-24-sample.csv on 20"))
      << catalogue.origin();

  std::vector<std::string> ids;
  for (const auto& item : catalogue.items()) ids.push_back(item.id);
  // 9.6.2 has no Social Care text, so it is not in the set.
  EXPECT_EQ(ids, (std::vector<std::string>{"1.1.1", "1.1.3", "1.1.5", "2.2.1", "1.2.4", "1.3.2", "4.5.4",
                                           "8.3.5", "6.2.2"}));

  int required = 0, approaching = 0;
  for (const auto& item : catalogue.items()) {
    required += item.required_for_met;
    approaching += item.approaching == ApproachingFlag::yes;
    EXPECT_NE(item.approaching, ApproachingFlag::uncertain) << item.id;
    EXPECT_EQ(item.source, "imported from nhs-dspt-2023-24-sample.csv") << item.id;
    // No group column and no reference: never a catch-all group, the item's standard.
    EXPECT_EQ(item.group, "Standard " + std::to_string(item.standard) + " " + std::string(standard_name(item.standard)))
        << item.id;
    EXPECT_TRUE(item.previous_id.empty()) << item.id;
  }
  EXPECT_EQ(required, 8);
  EXPECT_EQ(approaching, 4);
  EXPECT_FALSE(catalogue.find_item("6.2.2")->required_for_met);
  EXPECT_EQ(catalogue.find_item("6.2.2")->type, AnswerType::number);
  EXPECT_EQ(catalogue.find_item("1.1.3")->type, AnswerType::document);
  EXPECT_EQ(catalogue.find_item("2.2.1")->type, AnswerType::yes_no);
  EXPECT_EQ(catalogue.find_item("1.2.4")->type, AnswerType::yes_no);  // written "Yes / No"
  EXPECT_EQ(catalogue.find_item("8.3.5")->type, AnswerType::text);
  EXPECT_EQ(catalogue.find_item("1.3.2")->approaching, ApproachingFlag::no);   // an empty cell
  EXPECT_EQ(catalogue.find_item("1.1.5")->approaching, ApproachingFlag::yes);  // written 1
  EXPECT_EQ(catalogue.find_item("4.5.4")->standard, 4);
  EXPECT_EQ(catalogue.find_item("4.5.4")->assertion, "4.5");

  EXPECT_EQ(catalogue.find_item("1.1.1")->question,
            "What is your organisation's Information Commissioner's Office (ICO) registration number?");
  EXPECT_EQ(
      catalogue.find_item("1.1.1")->tooltip,
      "Your ICO registration number can be found on the ICO's register of fee payers, which is searchable "
      "online.");
  // Quoted cells with commas, line breaks and doubled quotes; CRLF inside a cell becomes LF.
  EXPECT_EQ(catalogue.find_item("1.1.3")->tooltip,
            "A privacy notice tells people what you do with their data, why, and who you share it with.\n"
            "Publish it on your website, and give a copy to people who use your services.");
  EXPECT_EQ(
      catalogue.find_item("1.1.5")->tooltip,
      "Name the person, for example the \"Data Protection Lead\", and say how, e.g. in a job description.\n"
      "Small organisations may give several roles to one person.");
  EXPECT_EQ(catalogue.find_item("2.2.1")->tooltip, "");
  EXPECT_EQ(catalogue.find_item("2.2.1")->question,
            "Do all employment contracts, and volunteer agreements, contain data security requirements?");

  // What was imported can be kept in dsptsync's own format.
  auto again = parse_catalogue_tsv(write_catalogue_tsv(catalogue), catalogue.year(), catalogue.origin());
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(*again, catalogue);
}

TEST(CatalogueImport, SampleSpreadsheetOtherCategoryOnRequest) {
  auto result = import(read_fixture("nhs-dspt-2023-24-sample.csv"), {.category = "category 1"});
  ASSERT_TRUE(result) << result.error().message;
  ASSERT_EQ(result->items().size(), 9u);  // 6.2.2 has no Category 1 text
  EXPECT_EQ(result->find_item("6.2.2"), nullptr);
  ASSERT_NE(result->find_item("9.6.2"), nullptr);
  EXPECT_TRUE(result->find_item("9.6.2")->required_for_met);
  EXPECT_EQ(result->find_item("1.1.1")->tooltip, "Enter the number shown on the ICO register of fee payers.");
  EXPECT_EQ(result->find_item("2.2.1")->question,
            "Do all employment contracts contain data security requirements?");
  // The only Approaching column is Social Care's, so Category 1's set is unknown: ask for everything.
  for (const auto& item : result->items()) EXPECT_EQ(item.approaching, ApproachingFlag::uncertain) << item.id;
}

TEST(CatalogueImport, ReferenceOfTheSameYearFillsGroupTypeAndPreviousId) {
  auto reference = shipped_catalogue(k2023);
  ASSERT_TRUE(reference) << reference.error().message;
  auto result = import(read_fixture("nhs-dspt-2023-24-sample.csv"), {.reference = &*reference});
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ(result->find_item("1.1.1")->group, "Policies and procedures");
  EXPECT_EQ(result->find_item("1.1.5")->group, "Staffing and roles");
  EXPECT_EQ(result->find_item("1.1.3")->previous_id, "1.2.1");
  EXPECT_EQ(result->find_item("2.2.1")->previous_id, "2.1.2");
  EXPECT_EQ(result->find_item("8.3.5")->previous_id, "8.3.5");
  // Not in the reference: the defaults.
  EXPECT_EQ(result->find_item("6.2.2")->group, "Standard 6 Responding to Incidents");
  EXPECT_TRUE(result->find_item("6.2.2")->previous_id.empty());
  // The file's own type and Approaching column win over the reference.
  EXPECT_EQ(result->find_item("1.2.4")->approaching, ApproachingFlag::no);
  EXPECT_EQ(result->find_item("6.2.2")->type, AnswerType::number);
}

TEST(CatalogueImport, ReferenceMatchesByIdThenByPreviousId) {
  auto reference = shipped_catalogue(k2023);
  ASSERT_TRUE(reference) << reference.error().message;
  // No type, group, approaching or previous columns; 1.2.1 is the 2021-22 id of the reference's 1.1.3.
  auto csv =
      "Evidence Reference,Evidence text - Social Care,Mandatory - Social Care\n"
      "1.2.1,Does your organisation have a privacy notice?,Yes\n"
      "1.3.11,Bring your own device?,Yes\n"
      "3.9.9,Something new?,No\n";
  auto result = import(csv, {.reference = &*reference});
  ASSERT_TRUE(result) << result.error().message;
  const auto* privacy = result->find_item("1.2.1");
  ASSERT_NE(privacy, nullptr);
  EXPECT_EQ(privacy->group, "Policies and procedures");
  EXPECT_EQ(privacy->type, AnswerType::document);
  EXPECT_EQ(privacy->previous_id, "1.2.1");
  EXPECT_EQ(privacy->approaching, ApproachingFlag::yes);
  const auto* byod = result->find_item("1.3.11");
  EXPECT_EQ(byod->group, "IT systems and devices");
  EXPECT_EQ(byod->type, AnswerType::yes_no);
  EXPECT_EQ(byod->previous_id, "1.3.11");
  const auto* fresh = result->find_item("3.9.9");
  EXPECT_EQ(fresh->group, "Standard 3 Training");
  EXPECT_EQ(fresh->type, AnswerType::text);
  EXPECT_EQ(fresh->approaching, ApproachingFlag::uncertain);
  EXPECT_FALSE(fresh->required_for_met);
}

TEST(CatalogueImport, ReferenceOfAnEarlierYearGivesThePreviousIdButNotTheApproachingFlag) {
  auto reference = shipped_catalogue(AssessmentYear{2021});
  ASSERT_TRUE(reference) << reference.error().message;
  auto csv =
      "Evidence Reference,Evidence text - Social Care,Mandatory - Social Care\n"
      "1.2.4,Is your organisation compliant with the national data opt-out policy?,Yes\n"
      "1.1.3,Does your organisation have a privacy notice?,Yes\n";
  auto result = import(csv, {.reference = &*reference});
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ(result->find_item("1.2.4")->previous_id, "1.2.4");
  EXPECT_EQ(result->find_item("1.2.4")->group, "Policies and procedures");
  EXPECT_EQ(result->find_item("1.2.4")->approaching, ApproachingFlag::uncertain);
  // 2021-22 had no 1.1.3, and an older set cannot say what a new id replaced.
  EXPECT_EQ(result->find_item("1.1.3")->group, "Standard 1 Personal Confidential Data");
  EXPECT_TRUE(result->find_item("1.1.3")->previous_id.empty());
}

TEST(CatalogueImport, OptionalColumnsAreRead) {
  auto csv =
      "Evidence Reference,Topic,Evidence text - Social Care,Standards Met,Approaching Standards,Answer type,"
      "Previous reference\n"
      "1.1.3,Policies and procedures,Does your organisation have a privacy notice?,TRUE,AS?,Document,1.2.1\n"
      "1.1.6,Staffing and roles,New question?,false,FALSE,date,\n";
  auto result = import(csv);
  ASSERT_TRUE(result) << result.error().message;
  const auto& first = result->items()[0];
  EXPECT_EQ(first.group, "Policies and procedures");
  EXPECT_TRUE(first.required_for_met);
  EXPECT_EQ(first.approaching, ApproachingFlag::uncertain);
  EXPECT_EQ(first.type, AnswerType::document);
  EXPECT_EQ(first.previous_id, "1.2.1");
  const auto& second = result->items()[1];
  EXPECT_EQ(second.group, "Staffing and roles");
  EXPECT_FALSE(second.required_for_met);
  EXPECT_EQ(second.approaching, ApproachingFlag::no);
  EXPECT_EQ(second.type, AnswerType::date);
  EXPECT_TRUE(second.previous_id.empty());
}

TEST(CatalogueImport, HeadersMatchWhateverTheirCaseSpacingOrDash) {
  auto csv =
      "Title: DSPT 2023-24 standard spreadsheet\n"
      "\n"
      "  evidence REFERENCE ,\"EVIDENCE TEXT \xE2\x80\x93\nSocial Care\",TOOL TIPS - social care,mandatory - "
      "SOCIAL CARE\r\n"
      "1.1.1,ICO number?,Look it up.,y\r\n";
  auto result = import(csv);
  ASSERT_TRUE(result) << result.error().message;
  ASSERT_EQ(result->items().size(), 1u);
  EXPECT_EQ(result->items()[0].tooltip, "Look it up.");
  EXPECT_TRUE(result->items()[0].required_for_met);
}

TEST(CatalogueImport, RefusesAMissingRequiredColumnListingTheHeaders) {
  expect_refused(
      import("Reference,Evidence text - Social Care,Mandatory - Social Care\n1.1.1,Q,Yes\n"),
      "missing required column 'Evidence Reference' (the item id); the headers found on line 1 are "
      "'Reference', 'Evidence text - Social Care', 'Mandatory - Social Care'");
  expect_refused(
      import("Evidence Reference,Question,Mandatory - Social Care\n1.1.1,Q,Yes\n"),
      "missing required column 'Evidence text - Social Care' (the question); the headers found are "
      "'Evidence Reference', 'Question', 'Mandatory - Social Care'");
  expect_refused(
      import(
          "Evidence Reference,Evidence text - Category 1,Evidence text - Social Care,Mandatory - Category 1\n"
          "1.1.1,Q,Q,Yes\n"),
      "missing required column saying which items are mandatory for Standards Met, such as 'Mandatory - "
      "Social Care' or 'Standards Met'; the headers found are 'Evidence Reference', "
      "'Evidence text - Category 1', 'Evidence text - Social Care', 'Mandatory - Category 1'");
  expect_refused(import(kHeader + "1.1.1,Q,,Yes,Text\n", {.category = "Category 2"}),
                 "missing required column 'Evidence text - Category 2'; the evidence text columns found are "
                 "'Evidence text - Social Care'");
  expect_refused(
      import("Evidence Reference,Evidence text - Category 1,Evidence text - Category 2,Mandatory\n"
             "1.1.1,Q,Q,Yes\n"),
      "several categories ('Evidence text - Category 1', 'Evidence text - Category 2') and none is "
      "'Social Care'");
}

TEST(CatalogueImport, RefusesTwoCandidatesForOneColumn) {
  expect_refused(
      import("Evidence Reference,Evidence text - Social Care,Mandatory,Standards Met\n1.1.1,Q,Yes,Yes\n"),
      "line 1: columns 'Mandatory' and 'Standards Met' could both be the Standards Met column");
}

TEST(CatalogueImport, RefusesWrongFieldCount) {
  expect_refused(import(kHeader + "1.1.1,Q,,Yes,Text\n1.1.2,Q,Yes,Text\n"),
                 "sheet.csv: line 3: 4 fields, but the header row (line 1) has 5");
}

TEST(CatalogueImport, RefusesABadItemId) {
  expect_refused(import(kHeader + "1.1.1,Q,,Yes,Text\n1.1.2,Q,,Yes,Text\n1.1,Q,,Yes,Text\n"),
                 "line 4, column 'Evidence Reference': '1.1' is not an evidence item id");
  expect_refused(import(kHeader + "12.1.1,Q,,Yes,Text\n"),
                 "line 2, column 'Evidence Reference': '12.1.1' is not an evidence item id");
}

TEST(CatalogueImport, RefusesAnUnknownType) {
  expect_refused(import(kHeader + "1.1.1,Q,,Yes,Text\n1.1.2,Q,,Yes,Multiple choice\n"),
                 "line 3, column 'Evidence type': 'Multiple choice' is not an answer type; use Yes/No, Text, "
                 "Document, Date or Number");
}

TEST(CatalogueImport, RefusesADuplicateItemId) {
  expect_refused(import(kHeader + "1.1.1,Q,,Yes,Text\n1.1.2,Q,,Yes,Text\n\" 1.1.1\",Q again,,Yes,Text\n"),
                 "line 4, column 'Evidence Reference': item 1.1.1 appears twice (first on line 2)");
}

TEST(CatalogueImport, RefusesABadFlagValue) {
  expect_refused(
      import(kHeader + "1.1.1,Q,,Yes,Text\n1.1.2,Q,,Maybe,Text\n"),
      "line 3, column 'Mandatory - Social Care': 'Maybe' is not a mandatory flag; use Yes, Y, TRUE, 1 or "
      "Mandatory for an item required for Standards Met, and No, N, FALSE, 0 or an empty cell");
  expect_refused(
      import("Evidence Reference,Evidence text - Social Care,Mandatory - Social Care,"
             "Approaching Standards - Social Care\n1.1.1,Q,Yes,Perhaps\n"),
      "line 2, column 'Approaching Standards - Social Care': 'Perhaps' is not an Approaching Standards flag");
}

TEST(CatalogueImport, RefusesAMandatoryItemWithoutText) {
  expect_refused(
      import(kHeader + "1.1.1,,,Yes,Text\n"),
      "line 2, column 'Evidence text - Social Care': item 1.1.1 is mandatory for Standards Met but has no "
      "evidence text");
}

TEST(CatalogueImport, RefusesAFileWithoutItems) {
  expect_refused(import(kHeader + ",,,,\n,Section heading,,,\n"),
                 "sheet.csv: no evidence items for category 'Social Care'");
  expect_refused(import(kHeader + "1.1.1,N/A,,No,Text\n"), "no evidence items for category 'Social Care'");
  expect_refused(import(""), "the file is empty");
}

TEST(CatalogueImport, RefusesBrokenQuotingWithLineAndColumn) {
  // The tooltip on lines 2 and 3 holds a line break, so the stray quote is on line 4.
  expect_refused(import(kHeader + "1.1.1,Q,\"two\nlines\",Yes,Text\n1.1.2,Q \"quoted\" badly,,Yes,Text\n"),
                 "line 4, column 'Evidence text - Social Care': a quote mark in a field must be doubled");
  expect_refused(import(kHeader + "1.1.1,Q,\"unterminated,Yes,Text\n1.1.2,Q,,Yes,Text\n"),
                 "line 2, column 'Tool tips - Social Care': a quoted field is never closed");
}

TEST(CatalogueImport, LinesCountPhysicalLinesAndNameTheSpreadsheetRowWhenItDiffers) {
  expect_refused(import(kHeader + "1.1.1,Q,\"two\r\nlines\",Yes,Text\r\n1.1.2,Q,,Nope,Text\r\n"),
                 "line 4 (spreadsheet row 3), column 'Mandatory - Social Care': 'Nope'");
}

TEST(CatalogueImport, AcceptsBomCrlfAndTrailerRows) {
  auto result =
      import("\xEF\xBB\xBF" + std::string("Evidence Reference,Evidence text - Social Care,Mandatory\r\n") +
             "1.1.1,Q,Yes\r\n,,\r\n,\r\n\r\n");
  ASSERT_TRUE(result) << result.error().message;
  ASSERT_EQ(result->items().size(), 1u);
  EXPECT_EQ(result->items()[0].question, "Q");
}

TEST(CatalogueImport, AcceptsALastLineWithoutLineBreak) {
  auto result = import(kHeader + "1.1.1,Q,,Yes,Text\n1.1.2,Last question,\"tip, last\",No,Date");
  ASSERT_TRUE(result) << result.error().message;
  ASSERT_EQ(result->items().size(), 2u);
  EXPECT_EQ(result->items()[1].tooltip, "tip, last");
  EXPECT_EQ(result->items()[1].type, AnswerType::date);
}

TEST(CatalogueImport, RefusesAWorkbookOrUtf16Text) {
  expect_refused(import(std::string("PK\x03\x04rest", 8)), "this is an Excel workbook, not CSV");
  expect_refused(import("\xFF\xFE"
                        "E\0v\0"),
                 "the file is UTF-16 text");
}

}  // namespace
}  // namespace dsptsync
