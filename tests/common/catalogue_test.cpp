// The shipped question sets, the TSV format and the catalogue lookups.
#include "dsptsync/catalogue.h"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>

namespace dsptsync {
namespace {

Catalogue shipped(int first_year) {
  auto catalogue = shipped_catalogue(AssessmentYear{first_year});
  if (!catalogue) ADD_FAILURE() << catalogue.error().message;
  return catalogue ? *catalogue : Catalogue();
}

std::map<ApproachingFlag, int> count_approaching(const Catalogue& catalogue) {
  std::map<ApproachingFlag, int> counts;
  for (const auto& item : catalogue.items()) ++counts[item.approaching];
  return counts;
}

std::map<std::string, int> count_groups(const Catalogue& catalogue) {
  std::map<std::string, int> counts;
  for (const auto& item : catalogue.items()) ++counts[item.group];
  return counts;
}

std::string read_source_file(const std::string& relative) {
  std::ifstream in(std::string(DSPTSYNC_SOURCE_DIR) + "/" + relative, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The lines of a catalogue file below its # comments.
std::string without_comments(const std::string& text) {
  std::istringstream in(text);
  std::string line, out;
  while (std::getline(in, line)) {
    if (!line.starts_with('#')) out += line + "\n";
  }
  return out;
}

const std::string kCatalogueHeader =
    "id\tstandard\tassertion\tgroup\ttype\tmet\tapproaching\tquestion\ttooltip\tsource\tprevious_id\n";
const std::string kGoodLine =
    "1.1.5\t1\t1.1\tStaffing and roles\ttext\tyes\tyes\tWho has responsibility?\t\tseed\t\n";

// A small valid file whose line 4 is replaced, so each malformed case reads as one line.
std::string with_line_4(const std::string& line) { return "# comment\n" + kCatalogueHeader + kGoodLine + line; }

void expect_invalid(const Result<Catalogue>& result, const std::string& expected_fragment) {
  ASSERT_FALSE(result) << "accepted, expected an error containing: " << expected_fragment;
  EXPECT_EQ(result.error().kind, ErrorKind::invalid_input);
  EXPECT_NE(result.error().message.find(expected_fragment), std::string::npos)
      << "message: " << result.error().message << "\nexpected to contain: " << expected_fragment;
}

Result<Catalogue> parse(const std::string& text) {
  return parse_catalogue_tsv(text, AssessmentYear{2021}, "test");
}

TEST(CatalogueShipped, YearsShippedAre2021And2023To2025) {
  EXPECT_EQ(shipped_years(), (std::vector<AssessmentYear>{{2021}, {2023}, {2024}, {2025}}));
  auto missing = shipped_catalogue(AssessmentYear{2022});
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().kind, ErrorKind::not_found);
  EXPECT_NE(missing.error().message.find("2022-23"), std::string::npos) << missing.error().message;
  EXPECT_NE(missing.error().message.find("2021-22, 2023-24, 2024-25, 2025-26"), std::string::npos)
      << missing.error().message;
}

TEST(CatalogueShipped, Set2021Has42ItemsAllRequiredForStandardsMet) {
  auto catalogue = shipped(2021);
  EXPECT_EQ(catalogue.year(), AssessmentYear{2021});
  EXPECT_EQ(catalogue.origin(),
            "shipped with dsptsync: 2021-22 social care set reconstructed from public guidance; see each "
            "line's source");
  ASSERT_EQ(catalogue.items().size(), 42u);
  for (const auto& item : catalogue.items()) {
    EXPECT_TRUE(item.required_for_met) << item.id;
    EXPECT_TRUE(item.previous_id.empty()) << item.id;
    EXPECT_TRUE(item.tooltip.empty()) << item.id;
  }
  EXPECT_EQ(catalogue.items().front().id, "1.1.5");
  EXPECT_EQ(catalogue.items().back().id, "10.2.1");
}

TEST(CatalogueShipped, Set2021ApproachingFlagsAre21Yes5Uncertain16No) {
  auto counts = count_approaching(shipped(2021));
  EXPECT_EQ(counts[ApproachingFlag::yes], 21);
  EXPECT_EQ(counts[ApproachingFlag::uncertain], 5);
  EXPECT_EQ(counts[ApproachingFlag::no], 16);
  // The README's 26 items of the 2021/22 Approaching Standards set are the sure and the uncertain together.
  EXPECT_EQ(counts[ApproachingFlag::yes] + counts[ApproachingFlag::uncertain], 26);
}

TEST(CatalogueShipped, Set2021GroupsMatchTheSocialCareGuidance) {
  auto catalogue = shipped(2021);
  EXPECT_EQ(catalogue.groups(), (std::vector<std::string>{"Staffing and roles", "Policies and procedures",
                                                          "Data security", "IT systems and devices"}));
  auto counts = count_groups(catalogue);
  EXPECT_EQ(counts["Staffing and roles"], 7);
  EXPECT_EQ(counts["Policies and procedures"], 11);
  EXPECT_EQ(counts["Data security"], 8);
  EXPECT_EQ(counts["IT systems and devices"], 16);
}

TEST(CatalogueShipped, Set2021ItemsKeepTheirSourceLine) {
  auto catalogue = shipped(2021);
  const auto* item = catalogue.find_item("8.3.5");
  ASSERT_NE(item, nullptr);
  EXPECT_EQ(item->standard, 8);
  EXPECT_EQ(item->assertion, "8.3");
  EXPECT_EQ(item->group, "IT systems and devices");
  EXPECT_EQ(item->type, AnswerType::text);
  EXPECT_EQ(item->approaching, ApproachingFlag::yes);
  EXPECT_EQ(item->source, "seed (start of text inferred)");
  EXPECT_EQ(
      item->question,
      "How does your organisation make sure that the latest software updates are downloaded and installed?");

  const auto* uncertain = catalogue.find_item("1.3.1");
  ASSERT_NE(uncertain, nullptr);
  EXPECT_EQ(uncertain->approaching, ApproachingFlag::uncertain);
  EXPECT_EQ(uncertain->source, "inferred");
  EXPECT_EQ(catalogue.find_item("1.2.1")->type, AnswerType::document);
  EXPECT_EQ(catalogue.find_item("10.1.2")->standard, 10);
  EXPECT_EQ(catalogue.find_item("9.9.9"), nullptr);
}

TEST(CatalogueShipped, Set2021AssertionsAreDerivedInFirstSeenOrder) {
  auto catalogue = shipped(2021);
  ASSERT_EQ(catalogue.assertions().size(), 25u);
  EXPECT_EQ(catalogue.assertions()[0].id, "1.1");
  EXPECT_EQ(catalogue.assertions()[1].id, "2.1");
  EXPECT_EQ(catalogue.assertions()[6].id, "1.2");  // after the Staffing and roles items
  EXPECT_EQ(catalogue.assertions().back().id, "10.2");
  const auto* suppliers = catalogue.find_assertion("10.1");
  ASSERT_NE(suppliers, nullptr);
  EXPECT_EQ(suppliers->standard, 10);
  EXPECT_TRUE(suppliers->text.empty());
  EXPECT_EQ(catalogue.find_assertion("2.2"), nullptr);
}

TEST(CatalogueShipped, Set2023Has41ItemsRollingForwardFrom2021) {
  auto catalogue = shipped(2023);
  ASSERT_EQ(catalogue.items().size(), 41u);
  for (const auto& item : catalogue.items()) {
    EXPECT_TRUE(item.required_for_met) << item.id;
    EXPECT_FALSE(item.previous_id.empty()) << item.id;
  }
  ASSERT_NE(catalogue.find_item("2.2.1"), nullptr);
  EXPECT_EQ(catalogue.find_item("2.2.1")->previous_id, "2.1.2");
  ASSERT_NE(catalogue.find_item("1.1.3"), nullptr);
  EXPECT_EQ(catalogue.find_item("1.1.3")->previous_id, "1.2.1");
  EXPECT_EQ(catalogue.find_item("4.1.2"), nullptr);
  EXPECT_EQ(catalogue.assertions().size(), 26u);
  // 7.3.2 moved from IT systems and devices to Data security; 4.1.2 went.
  auto counts = count_groups(catalogue);
  EXPECT_EQ(counts["Staffing and roles"], 7);
  EXPECT_EQ(counts["Policies and procedures"], 11);
  EXPECT_EQ(counts["Data security"], 9);
  EXPECT_EQ(counts["IT systems and devices"], 14);
}

TEST(CatalogueShipped, Set2023ApproachingFlagsAre15Yes8Uncertain18No) {
  auto counts = count_approaching(shipped(2023));
  EXPECT_EQ(counts[ApproachingFlag::yes], 15);
  EXPECT_EQ(counts[ApproachingFlag::uncertain], 8);
  EXPECT_EQ(counts[ApproachingFlag::no], 18);
}

TEST(CatalogueShipped, SuccessorsIn2023OfThe2021Ids) {
  auto catalogue = shipped(2023);
  auto successor_id = [&](std::string_view old_id) {
    const auto* item = catalogue.successor_of(old_id);
    return item ? item->id : std::string("(none)");
  };
  EXPECT_EQ(successor_id("2.1.2"), "2.2.1");
  EXPECT_EQ(successor_id("1.2.1"), "1.1.3");
  EXPECT_EQ(successor_id("1.4.2"), "1.4.3");
  EXPECT_EQ(successor_id("1.1.5"), "1.1.5");
  EXPECT_EQ(successor_id("4.1.2"), "(none)");
  EXPECT_EQ(catalogue.successor_of("4.1.2"), nullptr);
  // 1.1.3 is a 2023-24 id that rolled forward from 1.2.1, not a 2021-22 id.
  EXPECT_EQ(successor_id("1.1.3"), "(none)");

  // Every 2021-22 item but 4.1.2 has a successor.
  int without_successor = 0;
  const Catalogue previous = shipped(2021);  // a named copy: ranging over a temporary's items dangles
  for (const auto& old_item : previous.items()) {
    if (!catalogue.successor_of(old_item.id)) {
      ++without_successor;
      EXPECT_EQ(old_item.id, "4.1.2");
    }
  }
  EXPECT_EQ(without_successor, 1);
}

TEST(CatalogueShipped, Set2024IsThe2023SetCarriedUnchanged) {
  const Catalogue previous = shipped(2023);
  const Catalogue catalogue = shipped(2024);
  // 43 mandatory in the toolkit; the same 2 as in 2023-24 are not known, and are not made up.
  ASSERT_EQ(catalogue.items().size(), 41u);
  for (const auto& item : catalogue.items()) {
    EXPECT_TRUE(item.required_for_met) << item.id;
    EXPECT_EQ(item.previous_id, item.id) << item.id;
    EXPECT_EQ(item.source, "inferred") << item.id;  // no source lists the v6 -> v7 changes
    const auto* before = previous.find_item(item.id);
    ASSERT_NE(before, nullptr) << item.id;
    EXPECT_EQ(item.question, before->question) << item.id;
    EXPECT_EQ(item.approaching, before->approaching) << item.id;
    EXPECT_EQ(item.shared_by_default, before->shared_by_default) << item.id;
  }
}

TEST(CatalogueShipped, Set2025HasTheTwoNewMandatoryItemsAndTheRewordedOnes) {
  const Catalogue previous = shipped(2024);
  const Catalogue catalogue = shipped(2025);
  ASSERT_EQ(catalogue.items().size(), 43u);  // of 45 mandatory: 2 not known
  for (const auto& item : catalogue.items()) EXPECT_TRUE(item.required_for_met) << item.id;
  for (const char* id : {"4.3.1", "7.1.1"}) {
    const auto* item = catalogue.find_item(id);
    ASSERT_NE(item, nullptr) << id;
    EXPECT_TRUE(item->previous_id.empty()) << id;
    EXPECT_EQ(item->source, "public") << id;
    EXPECT_EQ(item->approaching, ApproachingFlag::no) << id;
    EXPECT_FALSE(item->shared_by_default) << id;
  }
  EXPECT_EQ(catalogue.find_item("4.3.1")->type, AnswerType::yes_no);
  EXPECT_EQ(catalogue.find_item("7.1.1")->type, AnswerType::document);
  for (const char* id : {"1.1.5", "1.3.1"}) {
    EXPECT_NE(catalogue.find_item(id)->question, previous.find_item(id)->question) << id;
    EXPECT_EQ(catalogue.find_item(id)->source, "inferred") << id;
  }
  // The guidance the reference wrote inside 1.1.5's question is its tooltip.
  EXPECT_EQ(catalogue.find_item("1.1.5")->question.find("Tooltip"), std::string::npos);
  EXPECT_NE(catalogue.find_item("1.1.5")->tooltip.find("formally assigned"), std::string::npos);
  auto counts = count_approaching(catalogue);
  EXPECT_EQ(counts[ApproachingFlag::yes], 15);
  EXPECT_EQ(counts[ApproachingFlag::uncertain], 8);
  EXPECT_EQ(counts[ApproachingFlag::no], 20);
}

TEST(CatalogueShipped, EveryShippedSetRollsForwardFromTheOneBefore) {
  const auto years = shipped_years();
  for (std::size_t i = 1; i < years.size(); ++i) {
    const Catalogue before = shipped(years[i - 1].first);
    const Catalogue after = shipped(years[i].first);
    for (const auto& item : after.items()) {
      if (item.previous_id.empty()) continue;
      EXPECT_NE(before.find_item(item.previous_id), nullptr)
          << years[i].label() << " " << item.id << " names " << item.previous_id << ", not a " << years[i - 1].label() << " id";
    }
  }
}

TEST(CatalogueShipped, DataFilesAreWrittenAsTheWriterWritesThem) {
  for (int year : {2021, 2023, 2024, 2025}) {
    auto file = read_source_file("data/catalogue/" + AssessmentYear{year}.label() + ".tsv");
    ASSERT_FALSE(file.empty()) << year;
    EXPECT_EQ(without_comments(file), without_comments(write_catalogue_tsv(shipped(year)))) << year;
  }
}

TEST(CatalogueSuccessor, SameIdCountsOnlyWithoutARecordedPreviousId) {
  std::vector<CatalogueItem> items(3);
  items[0] = {.id = "1.1.1", .group = "G", .question = "Q1", .source = "test"};
  items[1] = {.id = "1.1.2", .group = "G", .question = "Q2", .source = "test", .previous_id = "1.3.1"};
  items[2] = {.id = "1.3.1", .group = "G", .question = "Q3", .source = "test", .previous_id = "1.1.2"};
  Catalogue catalogue(AssessmentYear{2024}, "test", items);
  EXPECT_EQ(catalogue.successor_of("1.1.1"), &catalogue.items()[0]);
  // 1.3.1 was renumbered 1.1.2, and the new 1.3.1 carries the old 1.1.2.
  EXPECT_EQ(catalogue.successor_of("1.3.1"), &catalogue.items()[1]);
  EXPECT_EQ(catalogue.successor_of("1.1.2"), &catalogue.items()[2]);
  EXPECT_EQ(catalogue.successor_of("2.1.1"), nullptr);
  // The constructor fills the assertions from the ids when the items leave them out.
  ASSERT_EQ(catalogue.assertions().size(), 2u);
  EXPECT_EQ(catalogue.assertions()[0].id, "1.1");
  EXPECT_EQ(catalogue.assertions()[0].standard, 1);
  EXPECT_EQ(catalogue.assertions()[1].id, "1.3");
  EXPECT_EQ(catalogue.groups(), std::vector<std::string>{"G"});
}

TEST(CatalogueNames, StandardsAndEnumerations) {
  EXPECT_EQ(standard_name(1), "Personal Confidential Data");
  EXPECT_EQ(standard_name(4), "Managing Data Access");
  EXPECT_EQ(standard_name(6), "Responding to Incidents");
  EXPECT_EQ(standard_name(10), "Accountable Suppliers");
  EXPECT_EQ(standard_name(0), "");
  EXPECT_EQ(standard_name(11), "");

  for (auto type :
       {AnswerType::yes_no, AnswerType::text, AnswerType::document, AnswerType::date, AnswerType::number}) {
    auto parsed = parse_answer_type(to_string(type));
    ASSERT_TRUE(parsed) << to_string(type);
    EXPECT_EQ(*parsed, type);
  }
  auto bad_type = parse_answer_type("Yes/No");
  ASSERT_FALSE(bad_type);
  EXPECT_EQ(bad_type.error().message,
            "'Yes/No' is not an answer type; use yes_no, text, document, date or number");

  for (auto flag : {ApproachingFlag::yes, ApproachingFlag::uncertain, ApproachingFlag::no}) {
    auto parsed = parse_approaching_flag(to_string(flag));
    ASSERT_TRUE(parsed) << to_string(flag);
    EXPECT_EQ(*parsed, flag);
  }
  EXPECT_FALSE(parse_approaching_flag("AS?"));
}

TEST(CatalogueIds, OnlyCanonicalIdsWithAStandardFrom1To10) {
  for (auto good : {"1.1.5", "10.2.1", "9.5.2", "1.10.12"}) EXPECT_TRUE(check_item_id(good)) << good;
  for (auto bad :
       {"", "1.1", "1.1.5.1", "11.1.1", "0.1.1", "01.1.1", "1.a.1", "1..1", " 1.1.5", "1.1.5 ", "1,1,5"}) {
    auto result = check_item_id(bad);
    ASSERT_FALSE(result) << "'" << bad << "' accepted";
    EXPECT_EQ(result.error().kind, ErrorKind::invalid_input);
  }
}

TEST(CatalogueTsv, RoundTripsTheShippedSets) {
  for (int year : {2021, 2023, 2024, 2025}) {
    auto catalogue = shipped(year);
    auto again = parse_catalogue_tsv(write_catalogue_tsv(catalogue), catalogue.year(), catalogue.origin());
    ASSERT_TRUE(again) << again.error().message;
    EXPECT_EQ(*again, catalogue) << year;
  }
}

TEST(CatalogueTsv, RoundTripsTabsLineBreaksAndBackslashes) {
  CatalogueItem item{.id = "8.2.1",
                     .standard = 8,
                     .assertion = "8.2",
                     .group = "IT systems and devices",
                     .type = AnswerType::date,
                     .required_for_met = false,
                     .approaching = ApproachingFlag::uncertain,
                     .question = "When?\tSay\\when.",
                     .tooltip = "First line,\r\nsecond line\nthird \\n not a break\\",
                     .source = "imported from sheet.csv",
                     .previous_id = "8.1.9"};
  Catalogue catalogue(AssessmentYear{2024}, "imported from sheet.csv on 2024-05-01\nsecond line", {item});
  auto text = write_catalogue_tsv(catalogue);
  // One physical line per item, whatever the fields hold.
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 4) << text;
  EXPECT_EQ(text.find('\r'), std::string::npos);
  auto again = parse_catalogue_tsv(text, catalogue.year(), catalogue.origin());
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(*again, catalogue);
  EXPECT_EQ(again->items()[0].tooltip, item.tooltip);
}

TEST(CatalogueTsv, AcceptsCrlfAndBlankLines) {
  auto result = parse("# comment\r\n\r\n" + kCatalogueHeader + kGoodLine + "\r\n");
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ(result->items().size(), 1u);
  EXPECT_EQ(result->origin(), "test");
}

TEST(CatalogueTsv, RefusesWrongColumnCount) {
  expect_invalid(parse(with_line_4("1.1.1\t1\t1.1\tG\ttext\tyes\tyes\tQ\t\tseed\n")),
                 "line 4: 10 tab-separated columns, expected 11");
}

TEST(CatalogueTsv, RefusesUnknownAnswerType) {
  auto result = parse(with_line_4("1.1.1\t1\t1.1\tG\tyes/no\tyes\tyes\tQ\t\tseed\t\n"));
  ASSERT_FALSE(result);
  EXPECT_EQ(
      result.error().message,
      "line 4, column 'type': 'yes/no' is not an answer type; use yes_no, text, document, date or number");
}

TEST(CatalogueTsv, RefusesBadIds) {
  expect_invalid(parse(with_line_4("1.1\t1\t1.1\tG\ttext\tyes\tyes\tQ\t\tseed\t\n")),
                 "line 4, column 'id': '1.1' is not an evidence item id");
  expect_invalid(parse(with_line_4("11.1.1\t11\t11.1\tG\ttext\tyes\tyes\tQ\t\tseed\t\n")),
                 "line 4, column 'id': '11.1.1' is not an evidence item id");
  expect_invalid(parse(with_line_4("1.1.1\t1\t1.1\tG\ttext\tyes\tyes\tQ\t\tseed\t1.x.1\n")),
                 "line 4, column 'previous_id': '1.x.1' is not an evidence item id");
}

TEST(CatalogueTsv, RefusesDuplicateIds) {
  expect_invalid(parse(with_line_4(kGoodLine)),
                 "line 4, column 'id': 1.1.5 is listed twice (first on line 3)");
}

TEST(CatalogueTsv, RefusesStandardOrAssertionNotMatchingTheId) {
  expect_invalid(parse(with_line_4("1.2.1\t2\t1.2\tG\ttext\tyes\tyes\tQ\t\tseed\t\n")),
                 "line 4, column 'standard': '2' does not match the id 1.2.1; write 1");
  expect_invalid(parse(with_line_4("1.2.1\t1\t1.1\tG\ttext\tyes\tyes\tQ\t\tseed\t\n")),
                 "line 4, column 'assertion': '1.1' does not match the id 1.2.1; write 1.2");
}

TEST(CatalogueTsv, RefusesBadFlagsAndEmptyRequiredFields) {
  expect_invalid(parse(with_line_4("1.2.1\t1\t1.2\tG\ttext\tY\tyes\tQ\t\tseed\t\n")),
                 "line 4, column 'met': 'Y' is not a Standards Met flag; use yes or no");
  expect_invalid(
      parse(with_line_4("1.2.1\t1\t1.2\tG\ttext\tyes\tAS?\tQ\t\tseed\t\n")),
      "line 4, column 'approaching': 'AS?' is not an Approaching Standards flag; use yes, uncertain or no");
  expect_invalid(parse(with_line_4("1.2.1\t1\t1.2\t\ttext\tyes\tyes\tQ\t\tseed\t\n")),
                 "line 4, column 'group': is empty");
  expect_invalid(parse(with_line_4("1.2.1\t1\t1.2\tG\ttext\tyes\tyes\t\t\tseed\t\n")),
                 "line 4, column 'question': is empty");
  expect_invalid(parse(with_line_4("1.2.1\t1\t1.2\tG\ttext\tyes\tyes\tQ\t\t\t\n")),
                 "line 4, column 'source': is empty");
  expect_invalid(parse(with_line_4("1.2.1\t1\t1.2\tG\ttext\tyes\tyes\tQ \\x\t\tseed\t\n")),
                 "line 4, column 'question': '\\x' is not an escape");
}

TEST(CatalogueTsv, ReadsFilesWrittenBeforeTheScopeAndAssertionTextColumns) {
  // kCatalogueHeader and kGoodLine have the 11 columns of the oldest format.
  auto oldest = parse("# c\n" + kCatalogueHeader + kGoodLine);
  ASSERT_TRUE(oldest) << oldest.error().message;
  EXPECT_FALSE(oldest->items().front().shared_by_default);
  EXPECT_EQ(oldest->assertions().front().text, "");
  std::string header12 = kCatalogueHeader;
  header12.insert(header12.size() - 1, "\tscope");
  std::string line12 = kGoodLine;
  line12.insert(line12.size() - 1, "\tshared");
  auto with_scope = parse(header12 + line12);
  ASSERT_TRUE(with_scope) << with_scope.error().message;
  EXPECT_TRUE(with_scope->items().front().shared_by_default);
}

TEST(CatalogueTsv, AssertionTextIsKeptAndMustAgreeWithinAnAssertion) {
  std::string header = kCatalogueHeader;
  header.insert(header.size() - 1, "\tscope\tassertion_text");
  auto line = [](const std::string& id, const std::string& text) {
    return id + "\t1\t1.1\tStaffing and roles\ttext\tyes\tyes\tQuestion " + id + "?\t\tseed\t\tbranch\t" + text + "\n";
  };
  auto read = parse(header + line("1.1.1", "") + line("1.1.5", "Lawful and transparent"));
  ASSERT_TRUE(read) << read.error().message;
  EXPECT_EQ(read->find_assertion("1.1")->text, "Lawful and transparent");
  auto again = parse(write_catalogue_tsv(*read));
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(*again, *read);
  expect_invalid(parse(header + line("1.1.1", "One") + line("1.1.5", "Other")),
                 "line 3, column 'assertion_text': differs from the text of assertion 1.1");
}

TEST(CatalogueTsv, RefusesABadHeaderOrNoItems) {
  expect_invalid(parse("# only comments\n"), "no header row");
  expect_invalid(parse("# c\n" + kCatalogueHeader), "has no items");
  auto renamed = kCatalogueHeader;
  renamed.replace(renamed.find("type"), 4, "kind");
  expect_invalid(parse("# c\n" + renamed + kGoodLine),
                 "line 2, column 5: the header row says 'kind' where 'type' belongs");
  expect_invalid(parse("id\tstandard\n" + kGoodLine), "line 1: the header row has 2 columns, expected 13");
}

}  // namespace
}  // namespace dsptsync
