// The one serialiser per type (service/json.h) writes each front-end's documented document: the
// command lines' (docs/cli.md) and the web API's (docs/api.md). Both are contracts, so every key of
// each style is pinned here, value for value.
#include "dsptsync/service/json.h"

#include <gtest/gtest.h>

namespace dsptsync::service {
namespace {

using nlohmann::json;

constexpr TimestampMs kAt = 1'795'000'000'000;  // 2026-11-18T08:26:40Z
const std::string kAtText = format_timestamp(kAt);

Conflict a_conflict(std::optional<bool> mine) {
  const Head agreeing{"dev-c:7", static_cast<Hlc>(kAt - 1000) << 16, "Cat Jones", "dev-c", FieldValue{"yes", ""}};
  Conflict conflict{"VLAXL", FieldKey{"VLAXL", "2025-26", TargetKind::item, "1.1.5", Field::answer}, "Staffing",
                    "Two people gave different answers to 1.1.5 (Staffing)", {}};
  conflict.values.push_back({"dev-a:2", "Ann Lee", "dev-a", kAt, FieldValue{"yes", "https://intranet/p.pdf"}, mine,
                             true, {agreeing}});
  conflict.values.push_back({"dev-b:4", "Sam Patel", "dev-b", kAt - 2000, std::nullopt,
                             mine ? std::optional<bool>(!*mine) : std::nullopt, false, {}});
  return conflict;
}

TEST(ServiceJson, AConflictInTheCommandLinesStyle) {
  const json agreeing = {{"change", "dev-c:7"}, {"user", "Cat Jones"}, {"device", "dev-c"},
                         {"at", format_timestamp(kAt - 1000)}};
  const json expected = {
      {"scope", "VLAXL"}, {"target_kind", "item"}, {"target", "1.1.5"}, {"field", "answer"}, {"group", "Staffing"},
      {"summary", "Two people gave different answers to 1.1.5 (Staffing)"},
      {"values",
       {{{"change", "dev-a:2"}, {"user", "Ann Lee"}, {"device", "dev-a"}, {"at", kAtText},
         {"value", {{"text", "yes"}, {"location", "https://intranet/p.pdf"}}}, {"mine", true}, {"shown", true},
         {"also", {agreeing}}},
        {{"change", "dev-b:4"}, {"user", "Sam Patel"}, {"device", "dev-b"}, {"at", format_timestamp(kAt - 2000)},
         {"value", nullptr}, {"mine", false}, {"shown", false}, {"also", json::array()}}}}};
  EXPECT_EQ(to_json(a_conflict(true), JsonStyle::cli), expected);

  // Head office's console: nobody in particular looks, so no "mine"; a laptop's one assessment has no scope.
  json console = to_json(a_conflict(std::nullopt), JsonStyle::cli);
  EXPECT_FALSE(console["values"][0].contains("mine"));
  Conflict on_laptop = a_conflict(true);
  on_laptop.scope.clear();
  EXPECT_FALSE(to_json(on_laptop, JsonStyle::cli).contains("scope"));
}

TEST(ServiceJson, AConflictInTheWebApisStyle) {
  const json agreeing = {{"changeId", "dev-c:7"}, {"by", "Cat Jones"}, {"device", "dev-c"}, {"at", kAt - 1000},
                         {"atText", format_timestamp(kAt - 1000)}};
  const json expected = {
      {"scope", "VLAXL"}, {"kind", "item"}, {"target", "1.1.5"}, {"field", "answer"}, {"group", "Staffing"},
      {"year", "2025-26"}, {"summary", "Two people gave different answers to 1.1.5 (Staffing)"},
      {"values",
       {{{"changeId", "dev-a:2"}, {"by", "Ann Lee"}, {"device", "dev-a"}, {"at", kAt}, {"atText", kAtText},
         {"value", "yes"}, {"location", "https://intranet/p.pdf"}, {"mine", true}, {"winner", true},
         {"alsoBy", {agreeing}}},
        {{"changeId", "dev-b:4"}, {"by", "Sam Patel"}, {"device", "dev-b"}, {"at", kAt - 2000},
         {"atText", format_timestamp(kAt - 2000)}, {"value", nullptr}, {"mine", false}, {"winner", false},
         {"alsoBy", json::array()}}}}};
  EXPECT_EQ(to_json(a_conflict(true), JsonStyle::api), expected);
}

TEST(ServiceJson, AHistoryRowInBothStyles) {
  const HistoryRow row{"dev-a:3", "1.1.5", "answer", "Ann Lee", "dev-a", kAt, FieldValue{"no", ""},
                       FieldValue{"yes", "https://intranet/p.pdf"}};
  EXPECT_EQ(to_json(row, JsonStyle::cli),
            (json{{"change", "dev-a:3"}, {"target", "1.1.5"}, {"field", "answer"}, {"user", "Ann Lee"},
                  {"device", "dev-a"}, {"at", kAtText}, {"before", {{"text", "no"}}},
                  {"after", {{"text", "yes"}, {"location", "https://intranet/p.pdf"}}}}));
  EXPECT_EQ(to_json(row, JsonStyle::api),
            (json{{"changeId", "dev-a:3"}, {"target", "1.1.5"}, {"field", "answer"}, {"by", "Ann Lee"},
                  {"device", "dev-a"}, {"at", kAt}, {"atText", kAtText}, {"before", "no"}, {"after", "yes"}}));
}

TEST(ServiceJson, APublicationInBothStyles) {
  Publication publication;
  publication.id = 3;
  publication.year = "2025-26";
  publication.published_at = kAt;
  publication.published_by = "Helen Okafor";
  publication.log_seq = 42;
  publication.sites.push_back({"VLAXL", "Leeds", "met", "25/26 Standards Met", "ab12", 40, 43, 30, 34});
  const json mandatory = {{"provided", 40}, {"total", 43}};
  const json assertions = {{"confirmed", 30}, {"total", 34}};
  EXPECT_EQ(to_json(publication, JsonStyle::cli),
            (json{{"id", 3}, {"year", "2025-26"}, {"published_at", kAtText}, {"published_by", "Helen Okafor"},
                  {"log_seq", 42},
                  {"sites", {{{"ods", "VLAXL"}, {"name", "Leeds"}, {"status", "met"},
                              {"public_status", "25/26 Standards Met"}, {"answers_hash", "ab12"},
                              {"mandatory", mandatory}, {"assertions", assertions}}}}}));
  EXPECT_EQ(to_json(publication, JsonStyle::api),
            (json{{"id", 3}, {"year", "2025-26"}, {"at", kAt}, {"atText", kAtText}, {"by", "Helen Okafor"},
                  {"logSeq", 42},
                  {"sites", {{{"ods", "VLAXL"}, {"name", "Leeds"}, {"status", "met"},
                              {"publicStatus", "25/26 Standards Met"}, {"answersHash", "ab12"},
                              {"mandatory", mandatory}, {"assertions", assertions}}}}}));
}

TEST(ServiceJson, AnEvaluationHasTheCommandLinesKeysOrTheWebApis) {
  Evaluation evaluation;
  evaluation.year = AssessmentYear{2025};
  evaluation.status = PublishStatus::approaching;
  evaluation.next_level = PublishStatus::met;
  evaluation.problems.push_back({"1.1.5", "Staffing", "1.1.5 is not answered", false});
  const json cli = to_json(evaluation);
  const json api = to_json(evaluation, JsonStyle::api);
  for (const char* key : {"year", "status", "status_text", "public_status", "next_level", "mandatory", "approaching",
                          "assertions", "open_conflicts", "shared_items", "overrides", "problems", "warnings",
                          "plan_required", "to_review", "year_advice"})
    EXPECT_TRUE(cli.contains(key)) << key;
  EXPECT_EQ(cli.size(), 16u);
  for (const char* key : {"year", "status", "statusName", "publicStatus", "nextLevel", "nextLevelName", "mandatory",
                          "approaching", "assertions", "conflicts", "sharedItems", "overrides", "problems", "warnings",
                          "planRequired"})
    EXPECT_TRUE(api.contains(key)) << key;
  EXPECT_EQ(api.size(), 15u);
  EXPECT_EQ(cli["next_level"], "met");
  EXPECT_EQ(api["nextLevelName"], "Standards Met");
  const json problem = {{"item", "1.1.5"}, {"group", "Staffing"}, {"message", "1.1.5 is not answered"}, {"shared", false}};
  EXPECT_EQ(cli["problems"][0], problem);
  EXPECT_EQ(api["problems"][0], problem);
}

}  // namespace
}  // namespace dsptsync::service
