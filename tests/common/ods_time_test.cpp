#include "dsptsync/assessment.h"
#include "dsptsync/ods.h"
#include "dsptsync/time.h"

#include <gtest/gtest.h>

namespace dsptsync {
namespace {

TEST(OdsCode, NormalisesCaseAndSpace) {
  auto code = parse_ods_code("  vlaxl \n");
  ASSERT_TRUE(code) << code.error().message;
  EXPECT_EQ(code->code, "VLAXL");
  EXPECT_EQ(code->kind, OdsKind::site);
}

TEST(OdsCode, RecognisesEveryAcceptedFormat) {
  EXPECT_EQ(parse_ods_code("A1B2")->kind, OdsKind::head_office);
  EXPECT_EQ(parse_ods_code("c9zz")->kind, OdsKind::head_office);
  EXPECT_EQ(parse_ods_code("A12")->kind, OdsKind::head_office);     // legacy 3-character A code
  EXPECT_EQ(parse_ods_code("A1234")->kind, OdsKind::head_office);   // legacy 5-character A code
  EXPECT_EQ(parse_ods_code("8JX12")->kind, OdsKind::non_nhs);
  EXPECT_EQ(parse_ods_code("VM2B3")->kind, OdsKind::site);
}

TEST(OdsCode, RefusesOtherFormatsNamingTheAcceptedOnes) {
  for (const char* bad : {"", "V123", "VLAXL1", "B1B2", "C12", "V-AXL", "8123X", "A1B2C3", "RXX"}) {
    auto code = parse_ods_code(bad);
    ASSERT_FALSE(code) << bad;
    EXPECT_EQ(code.error().kind, ErrorKind::invalid_input);
    EXPECT_NE(code.error().message.find("V and 4 letters or digits"), std::string::npos) << code.error().message;
  }
}

TEST(OdsCode, HeadOfficeAndSiteParsersRefuseTheOtherKind) {
  auto hq = parse_head_office_code("VLAXL");
  ASSERT_FALSE(hq);
  EXPECT_NE(hq.error().message.find("is a site code"), std::string::npos);
  auto site = parse_site_code("A1B2");
  ASSERT_FALSE(site);
  EXPECT_NE(site.error().message.find("not a site code"), std::string::npos);
  EXPECT_TRUE(parse_site_code(" vm2b3"));
}

TEST(AssessmentYear, ParsesAndFormats) {
  auto year = parse_assessment_year("2021-22");
  ASSERT_TRUE(year);
  EXPECT_EQ(year->label(), "2021-22");
  EXPECT_EQ(year->public_prefix(), "21/22");
  EXPECT_EQ(year->starts(), (Date{2021, 4, 1}));
  EXPECT_EQ(year->ends(), (Date{2022, 3, 31}));
  EXPECT_EQ(year->deadline(), (Date{2022, 6, 30}));
  EXPECT_EQ(year->next().label(), "2022-23");
  EXPECT_EQ(parse_assessment_year("2099/00")->label(), "2099-00");
  EXPECT_EQ(parse_assessment_year("2023/24")->label(), "2023-24");
}

TEST(AssessmentYear, RefusesMismatchedOrMalformedYears) {
  for (const char* bad : {"2021-23", "2021", "21-22", "2021-2022", "abcd-ef", ""}) {
    auto year = parse_assessment_year(bad);
    ASSERT_FALSE(year) << bad;
    EXPECT_NE(year.error().message.find("e.g. 2021-22"), std::string::npos);
  }
}

TEST(AssessmentYear, YearOfADateFollowsTheAprilBoundary) {
  EXPECT_EQ(assessment_year_of({2022, 3, 31}).label(), "2021-22");
  EXPECT_EQ(assessment_year_of({2022, 4, 1}).label(), "2022-23");
}

TEST(Date, ParsesOnlyRealIsoDates) {
  EXPECT_EQ(parse_iso_date("2024-02-29")->iso(), "2024-02-29");
  for (const char* bad : {"2023-02-29", "2022-13-01", "30/06/2022", "2022-6-30", "2022-06-30T00:00"}) {
    auto date = parse_iso_date(bad);
    ASSERT_FALSE(date) << bad;
    EXPECT_NE(date.error().message.find("YYYY-MM-DD"), std::string::npos);
  }
  EXPECT_EQ((Date{2022, 6, 30}.long_form()), "30 June 2022");
}

TEST(Date, ATypedDateIsTheUkDayMonthYearOrIso) {
  EXPECT_EQ(parse_typed_date("31/01/2027")->iso(), "2027-01-31");
  EXPECT_EQ(parse_typed_date("1/2/2027")->iso(), "2027-02-01");
  EXPECT_EQ(parse_typed_date("29/02/2024")->iso(), "2024-02-29");
  EXPECT_EQ(parse_typed_date("2027-01-31")->iso(), "2027-01-31");
  for (const char* bad : {"", "31/01", "31/01/27", "29/02/2023", "32/01/2027", "01/13/2027", "31-01-2027", "1//2027",
                          "a/b/cdef", "31/01/2027/", "+1/01/2027", "2027/01/31"}) {
    auto date = parse_typed_date(bad);
    ASSERT_FALSE(date) << bad;
    EXPECT_NE(date.error().message.find("31/01/2027 (day/month/year) or 2027-01-31"), std::string::npos) << bad;
  }
  EXPECT_EQ(start_of(Date{2026, 6, 20}), 1781913600000);
  EXPECT_EQ(date_of(start_of(Date{2026, 6, 20})), (Date{2026, 6, 20}));
}

TEST(Date, ADateAnswerAndAPlanDueDateAreTypedTheUkWayAndKeptAsIso) {
  CatalogueItem item;
  item.id = "9.9.9";
  item.type = AnswerType::date;
  EXPECT_EQ(normalise_answer(item, " 31/01/2027 ", "")->text, "2027-01-31");
  EXPECT_EQ(normalise_answer(item, "2027-01-31", "")->text, "2027-01-31");
  auto wrong = normalise_answer(item, "31/02/2027", "");
  ASSERT_FALSE(wrong);
  EXPECT_NE(wrong.error().message.find("item 9.9.9 (date): '31/02/2027' is not a real date"), std::string::npos)
      << wrong.error().message;
  EXPECT_EQ(*normalise_plan_due("1/2/2027"), "2027-02-01");
  EXPECT_EQ(*normalise_plan_due("  "), "") << "clearing it";
  EXPECT_FALSE(normalise_plan_due("2027-02-30"));
}

TEST(Timestamp, FormatsUtc) {
  EXPECT_EQ(format_timestamp(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(format_timestamp(1656582902000), "2022-06-30T09:55:02Z");
  EXPECT_EQ(date_of(1656582902000), (Date{2022, 6, 30}));
}

}  // namespace
}  // namespace dsptsync
