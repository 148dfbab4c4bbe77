// NHS England's official list read as downloaded (.xlsx) and as CSV, from fixtures written by the
// tests in the list's layout (tests/fixtures), and every kind of bad file refused with where and why.
#include "dsptsync/official_list.h"

#include "dsptsync/limits.h"
#include "dsptsync/xlsx.h"
#include "official_list_fixture.h"
#include "test_support.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace dsptsync {
namespace {

using testing::Hostile;
using testing::OfficialListSpec;

const AssessmentYear k2025{2025};
const AssessmentYear k2026{2026};
const std::string kFileName = "Version8_25-26 CAT2 Cat3 and CAT4.xlsx";

// The shipped 2025-26 set with an assertion's text, as the list carries it.
Catalogue list_2025() {
  auto shipped = testing::shipped_or_die(2025);
  return Catalogue(shipped.year(), shipped.origin(), shipped.items(),
                   {{"1.1", 1, "The organisation has a framework in place to support Lawfulness, Fairness and Transparency"}});
}

OfficialListSpec spec_2025() {
  OfficialListSpec spec{list_2025()};
  spec.notes = {{"1.1.5", "Updated evidence item for cat 3 and 4"}, {"4.3.1", "New evidence item for cat 2,3,4"}};
  return spec;
}

void expect_refused(const Result<ImportedList>& result, const std::string& fragment) {
  ASSERT_FALSE(result) << "accepted, expected an error containing: " << fragment;
  if (std::getenv("SHOW_MESSAGES")) std::printf("%s\n", result.error().message.c_str());
  EXPECT_EQ(result.error().kind, ErrorKind::invalid_input);
  EXPECT_NE(result.error().message.find(fragment), std::string::npos)
      << "message: " << result.error().message << "\nexpected to contain: " << fragment;
}

// Items as the list gives them: what a reader must keep (source and origin name the file).
void expect_same_items(const Catalogue& read, const Catalogue& expected) {
  ASSERT_EQ(read.items().size(), expected.items().size());
  for (std::size_t i = 0; i < read.items().size(); ++i) {
    const auto& got = read.items()[i];
    const auto& want = expected.items()[i];
    EXPECT_EQ(got.id, want.id);
    EXPECT_EQ(got.question, want.question) << want.id;
    EXPECT_EQ(got.tooltip, want.tooltip) << want.id;
    EXPECT_EQ(got.type, want.type) << want.id;
    EXPECT_EQ(got.required_for_met, want.required_for_met) << want.id;
    EXPECT_EQ(got.approaching, want.approaching) << want.id;
    EXPECT_EQ(got.group, want.group) << want.id;
    EXPECT_EQ(got.previous_id, want.previous_id) << want.id;
    EXPECT_EQ(got.shared_by_default, want.shared_by_default) << want.id;
  }
}

TEST(OfficialList, ReadsTheWorkbookAsDownloaded) {
  testing::TempDir dir;
  const auto bytes = testing::official_list_xlsx(spec_2025(), dir.path());
  auto list = import_official_list(bytes, kFileName, k2025);
  ASSERT_TRUE(list) << list.error().message;
  EXPECT_EQ(list->format, OfficialListFormat::xlsx);
  EXPECT_EQ(list->sheet, "Evidence items");  // not the cover sheet before it
  EXPECT_EQ(list->category, "Category 3");   // the default from 2024-25, spelt "Cat3" in the file
  ASSERT_TRUE(list->stated_year);
  EXPECT_EQ(*list->stated_year, k2025);
  EXPECT_EQ(list->left_out, 1u);  // 9.9.1 has category 2 text only
  expect_same_items(list->catalogue, list_2025());
  EXPECT_EQ(list->catalogue.find_assertion("1.1")->text, list_2025().find_assertion("1.1")->text);
  EXPECT_EQ(list->catalogue.items().front().source, "imported from " + kFileName);
  EXPECT_EQ(list->catalogue.origin().rfind("imported from " + kFileName + " on ", 0), 0u);
  EXPECT_EQ(list->change_notes, spec_2025().notes);
}

TEST(OfficialList, InlineStringsAndTheCsvTwinReadTheSame) {
  testing::TempDir dir;
  auto spec = spec_2025();
  spec.inline_strings = true;
  auto inline_list = import_official_list(testing::official_list_xlsx(spec, dir.path()), kFileName, k2025);
  ASSERT_TRUE(inline_list) << inline_list.error().message;
  expect_same_items(inline_list->catalogue, list_2025());

  const auto csv = testing::official_list_csv(spec_2025());
  ASSERT_FALSE(csv.starts_with("\xEF\xBB\xBF"));
  auto csv_list = import_official_list(csv, "Version8_25-26.csv", k2025);
  ASSERT_TRUE(csv_list) << csv_list.error().message;
  EXPECT_EQ(csv_list->format, OfficialListFormat::csv);
  expect_same_items(csv_list->catalogue, list_2025());
  EXPECT_EQ(csv_list->change_notes, spec_2025().notes);
  EXPECT_EQ(csv_list->catalogue.find_assertion("1.1")->text, list_2025().find_assertion("1.1")->text);
}

TEST(OfficialList, TheContentDecidesNotTheFileName) {
  testing::TempDir dir;
  auto as_csv_name = import_official_list(testing::official_list_xlsx(spec_2025(), dir.path()), "list.csv", k2025);
  ASSERT_TRUE(as_csv_name) << as_csv_name.error().message;
  EXPECT_EQ(as_csv_name->format, OfficialListFormat::xlsx);
  auto as_xlsx_name = import_official_list(testing::official_list_csv(spec_2025()), "list.xlsx", k2025);
  ASSERT_TRUE(as_xlsx_name) << as_xlsx_name.error().message;
  EXPECT_EQ(as_xlsx_name->format, OfficialListFormat::csv);
}

TEST(OfficialList, CategoryHeadersAreMatchedHoweverTheyAreSpelt) {
  testing::TempDir dir;
  for (std::string spelling : {"Category 3", "CAT3", "cat 3", "Cat-3", "CATEGORY  3"}) {
    auto spec = spec_2025();
    spec.category3_header = spelling;
    auto list = import_official_list(testing::official_list_xlsx(spec, dir.path()), kFileName, k2025);
    ASSERT_TRUE(list) << spelling << ": " << list.error().message;
    EXPECT_EQ(list->catalogue.items().size(), 43u) << spelling;
    EXPECT_EQ(list->category, "Category 3") << spelling;
  }
  // A category named by the user, spelt another way again.
  auto cat2 = import_official_list(testing::official_list_xlsx(spec_2025(), dir.path()), kFileName, k2025,
                                   {.category = "category 2"});
  ASSERT_TRUE(cat2) << cat2.error().message;
  EXPECT_EQ(cat2->category, "Category 2");
  EXPECT_EQ(cat2->catalogue.find_item("1.1.1")->question, "CAT2 wording of 1.1.1");
  EXPECT_NE(cat2->catalogue.find_item("9.9.1"), nullptr);
}

TEST(OfficialList, DefaultCategoryDependsOnTheYear) {
  EXPECT_EQ(default_category(AssessmentYear{2021}), "Social Care");
  EXPECT_EQ(default_category(AssessmentYear{2023}), "Social Care");
  EXPECT_EQ(default_category(AssessmentYear{2024}), "Category 3");
  EXPECT_EQ(default_category(k2026), "Category 3");
  // In 2020/21's layout category 3 meant "Others": a list with Social Care columns is read for them
  // up to 2023-24, whatever else it has.
  const std::string csv =
      "Evidence Reference,Evidence text - Category 3,Mandatory - Category 3,Evidence text - Social Care,Mandatory - Social Care\n"
      "1.1.1,Others' wording,Yes,Social care wording,Yes\n";
  auto old_year = import_official_list(csv, "list.csv", AssessmentYear{2023});
  ASSERT_TRUE(old_year) << old_year.error().message;
  EXPECT_EQ(old_year->catalogue.find_item("1.1.1")->question, "Social care wording");
  auto new_year = import_official_list(csv, "list.csv", AssessmentYear{2024});
  ASSERT_TRUE(new_year) << new_year.error().message;
  EXPECT_EQ(new_year->catalogue.find_item("1.1.1")->question, "Others' wording");
}

Catalogue next_year_list() { return testing::next_year_list(); }

TEST(OfficialList, ANewYearTakesGroupsFromTheSetBeforeAndNewItemsFromTheirStandard) {
  testing::TempDir dir;
  OfficialListSpec spec{next_year_list()};
  spec.title = "Data Security and Protection Toolkit - evidence items, Version 9 (2026-27)";
  auto list = import_official_list(testing::official_list_xlsx(spec, dir.path()), "Version9_26-27.xlsx", k2026);
  ASSERT_TRUE(list) << list.error().message;
  // Nothing shipped for 2026-27: the newest shipped set before it is the reference.
  EXPECT_EQ(list->catalogue.find_item("4.3.1")->group, "IT systems and devices");
  EXPECT_EQ(list->catalogue.find_item("4.3.1")->previous_id, "4.3.1");
  EXPECT_EQ(list->catalogue.find_item("4.9.9")->group, "Standard 4 Managing Data Access");
  EXPECT_TRUE(list->catalogue.find_item("4.9.9")->previous_id.empty());
  for (const auto& item : list->catalogue.items()) EXPECT_NE(item.group, "Other") << item.id;
}

TEST(OfficialList, DiffAgainstTheSetInForceListsEveryKindOfChange) {
  testing::TempDir dir;
  OfficialListSpec spec{next_year_list()};
  spec.title = "DSPT Version 9 (2026-27)";
  spec.notes = {{"1.3.2", "Updated evidence item for cat 3 and 4"}, {"4.9.9", "New evidence item for cat 2,3,4"},
                {"2.1.1", "Tool tip updated"}};
  auto list = import_official_list(testing::official_list_xlsx(spec, dir.path()), "Version9_26-27.xlsx", k2026);
  ASSERT_TRUE(list) << list.error().message;
  const auto in_force = testing::shipped_or_die(2025);
  const auto diff = diff_question_sets(in_force, *list);
  EXPECT_EQ(diff.from_year, "2025-26");
  EXPECT_EQ(diff.to_year, "2026-27");
  ASSERT_EQ(diff.added.size(), 1u);
  EXPECT_EQ(diff.added[0].id, "4.9.9");
  ASSERT_EQ(diff.removed.size(), 1u);
  EXPECT_EQ(diff.removed[0].id, "7.3.2");
  EXPECT_TRUE(diff.renumbered.empty());
  ASSERT_EQ(diff.reworded.size(), 1u);
  EXPECT_EQ(diff.reworded[0].id, "1.3.2");
  EXPECT_EQ(diff.reworded[0].before, in_force.find_item("1.3.2")->question);
  ASSERT_EQ(diff.retyped.size(), 1u);
  EXPECT_EQ(diff.retyped[0].after, AnswerType::document);
  ASSERT_EQ(diff.approaching_changed.size(), 1u);
  EXPECT_EQ(diff.approaching_changed[0].id, "3.1.1");
  EXPECT_TRUE(diff.met_changed.empty());
  EXPECT_EQ(diff.notes.size(), 3u);
  EXPECT_FALSE(diff.unchanged());

  const auto lines = describe(diff);
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(lines[0], "2025-26 -> 2026-27: 1 new, 1 removed, 1 reworded, 1 with a new answer type, "
                      "1 with a new Approaching Standards flag");
  std::string text;
  for (const auto& line : lines) text += line + "\n";
  EXPECT_NE(text.find("new: 4.9.9 \"Do you review who holds administrator rights every quarter?\" (change note: New "
                      "evidence item for cat 2,3,4)"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("change note: 2.1.1: Tool tip updated"), std::string::npos) << text;
  const auto json = to_json(diff);
  EXPECT_EQ(json["removed"][0]["id"], "7.3.2");
  EXPECT_EQ(json["retyped"][0]["after"], "document");
  EXPECT_EQ(json["notes"]["4.9.9"], "New evidence item for cat 2,3,4");
}

TEST(OfficialList, DiffOfACorrectedListMatchesByIdAndAcrossYearsBySuccessor) {
  const auto set_2023 = testing::shipped_or_die(2023);
  const auto set_2021 = testing::shipped_or_die(2021);
  auto across = diff_question_sets(set_2021, set_2023);
  EXPECT_EQ(across.renumbered.size(), 3u);  // 2.1.2 -> 2.2.1, 1.2.1 -> 1.1.3, 1.4.2 -> 1.4.3
  ASSERT_EQ(across.removed.size(), 1u);
  EXPECT_EQ(across.removed[0].id, "4.1.2");
  EXPECT_TRUE(across.added.empty());
  EXPECT_TRUE(diff_question_sets(set_2023, set_2023).unchanged());
  EXPECT_EQ(describe(diff_question_sets(set_2023, set_2023)).front(), "2023-24: no change to the items");
}

// ---- bad input ----

TEST(OfficialList, RefusesWhatIsNotASpreadsheet) {
  expect_refused(import_official_list("", "list.xlsx", k2025), "list.xlsx: the file is empty");
  expect_refused(import_official_list("%PDF-1.7\n...", "list.pdf", k2025), "this is a PDF, not a spreadsheet");
  expect_refused(import_official_list(std::string("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8) + "rest", "list.xls", k2025),
                 "Excel 97-2003 workbook (.xls)");
  expect_refused(import_official_list(std::string("\x01\x02\x00\x03", 4), "list.xlsx", k2025),
                 "this is not a spreadsheet: neither an Excel workbook (.xlsx) nor CSV text");
  expect_refused(import_official_list("Evidence Reference,Evidence text\n1.1.1,Caf\xE9\n", "list.csv", k2025),
                 "the CSV is not UTF-8 text");
  expect_refused(import_official_list(std::string(limits::kMaxOfficialListBytes + 1, 'a'), "big.csv", k2025),
                 "big.csv: the file is 16 MiB");
}

TEST(OfficialList, RefusesHostileWorkbooksWithoutReadingThemWhole) {
  testing::TempDir dir;
  const auto valid = testing::official_list_xlsx(spec_2025(), dir.path());
  const std::pair<Hostile, std::string> cases[] = {
      {Hostile::bomb, "part xl/worksheets/sheet2.xml inflates past 32 MiB"},
      {Hostile::many_entries, "more than the 1000 a workbook may hold"},
      {Hostile::missing_sheet, "sheet 'Evidence items' is listed, but its part xl/worksheets/sheet2.xml is missing"},
      {Hostile::bad_xml, "the part xl/worksheets/sheet2.xml is not well-formed XML"},
      {Hostile::doctype, "the part xl/sharedStrings.xml declares a document type"},
      {Hostile::truncated, "its zip container could not be read"},
  };
  for (const auto& [kind, fragment] : cases) {
    const auto bytes = testing::hostile_workbook(valid, kind, dir.path());
    auto list = import_official_list(bytes, kFileName, k2025);
    expect_refused(list, fragment);
    if (!list) {
      EXPECT_EQ(list.error().message.rfind(kFileName + ": ", 0), 0u) << list.error().message;
    }
  }
}

TEST(OfficialList, RefusesAWorkbookWithoutTheEvidenceColumns) {
  testing::TempDir dir;
  auto no_list = testing::workbook_of({{"Cover", {{"Data Security and Protection Toolkit"}}},
                                       {"Guidance", {{"Standard", "Text"}, {"1", "Personal Confidential Data"}}}},
                                      dir.path());
  expect_refused(import_official_list(no_list, kFileName, k2025),
                 "no sheet has an 'Evidence Reference' column (the item id); the sheets are 'Cover', 'Guidance'");
  auto no_text = testing::workbook_of({{"List", {{"Evidence Reference", "Mandatory"}, {"1.1.1", "Yes"}}}}, dir.path());
  expect_refused(import_official_list(no_text, kFileName, k2025),
                 "missing required column 'Evidence text - Category 3' (the question); the headers found are "
                 "'Evidence Reference', 'Mandatory'");
  auto no_flag = testing::workbook_of({{"List", {{"Evidence Reference", "Evidence text - Cat 3"}, {"1.1.1", "Q?"}}}},
                                      dir.path());
  expect_refused(import_official_list(no_flag, kFileName, k2025),
                 "missing required column saying which items are mandatory for Standards Met");
  auto empty = testing::workbook_of({{"List", {{"Evidence Reference", "Evidence text - Cat 3", "Mandatory"}}}}, dir.path());
  expect_refused(import_official_list(empty, kFileName, k2025),
                 "no evidence items for category 'Category 3': every row below the header (sheet 'List', row 1)");
}

TEST(OfficialList, RefusesBadRowsNamingSheetRowAndColumn) {
  testing::TempDir dir;
  auto with_items = [&](std::vector<CatalogueItem> items) {
    OfficialListSpec spec{Catalogue(k2025, "test", std::move(items))};
    spec.other_category_only = {};
    return import_official_list(testing::official_list_xlsx(spec, dir.path()), kFileName, k2025);
  };
  auto shipped = testing::shipped_or_die(2025).items();
  // Rows start at 4: title, blank, header.
  auto twice = std::vector<CatalogueItem>{shipped[0], shipped[1], shipped[0]};
  expect_refused(with_items(twice), "sheet 'Evidence items', row 6, column D 'Evidence Reference': item 1.1.5 appears "
                                    "twice (first on sheet 'Evidence items', row 4); delete one of the two rows");
  auto no_text = std::vector<CatalogueItem>{shipped[0], shipped[1]};
  no_text[1].question = "";
  expect_refused(with_items(no_text), "sheet 'Evidence items', row 5, column H 'Evidence text - Cat3': item 2.1.1 is "
                                      "mandatory for Standards Met but has no evidence text for this category");
  auto bad_id = std::vector<CatalogueItem>{shipped[0], shipped[1]};
  bad_id[1].id = "2.1";
  expect_refused(with_items(bad_id), "sheet 'Evidence items', row 5, column D 'Evidence Reference': '2.1' is not an "
                                     "evidence item id");
}

TEST(OfficialList, RefusesAFileOfAnotherYear) {
  testing::TempDir dir;
  const auto bytes = testing::official_list_xlsx(spec_2025(), dir.path());
  expect_refused(import_official_list(bytes, "list.xlsx", k2026),
                 "sheet 'Evidence items', row 1, column A");
  expect_refused(import_official_list(bytes, "list.xlsx", k2026),
                 "the 2025-26 list, but it is being imported as 2026-27. Import it as 2025-26, or use the 2026-27 "
                 "list from NHS England");
  // The file name counts too, when the sheet says nothing.
  auto spec = spec_2025();
  spec.title = "Evidence items";
  expect_refused(import_official_list(testing::official_list_xlsx(spec, dir.path()), kFileName, k2026),
                 "the file name says 'Version8_25-26 CAT2 Cat3 and CAT4.xlsx', the 2025-26 list");
  auto unstated = import_official_list(testing::official_list_xlsx(spec, dir.path()), "list.xlsx", k2025);
  ASSERT_TRUE(unstated) << unstated.error().message;
  EXPECT_FALSE(unstated->stated_year);
}

TEST(Xlsx, ColumnNamesAreExcels) {
  EXPECT_EQ(xlsx::column_name(0), "A");
  EXPECT_EQ(xlsx::column_name(25), "Z");
  EXPECT_EQ(xlsx::column_name(26), "AA");
  EXPECT_EQ(xlsx::column_name(16383), "XFD");
}

}  // namespace
}  // namespace dsptsync
