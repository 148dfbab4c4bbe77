#include "dsptsync/incident.h"
#include "dsptsync/ledger.h"

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <sstream>

namespace dsptsync {
namespace {

constexpr TimestampMs kMinute = 60'000;
constexpr TimestampMs kHour = 60 * kMinute;

// A UTC instant from its parts, computed here without the code under test.
TimestampMs utc(int year, unsigned month, unsigned day, int hour, int minute) {
  using namespace std::chrono;
  const sys_days date{std::chrono::year{year} / std::chrono::month{month} / std::chrono::day{day}};
  return duration_cast<milliseconds>(date.time_since_epoch()).count() + hour * kHour + minute * kMinute;
}

bool contains(const std::string& text, std::string_view part) { return text.find(part) != std::string::npos; }

// ----- the rules file -----

TEST(IncidentRules, ShippedFileParsesAndIsTheOneInTheTree) {
  const IncidentRules& rules = shipped_incident_rules();
  ASSERT_EQ(rules.likelihood.size(), 5u);
  ASSERT_EQ(rules.severity.size(), 5u);
  for (int score = 1; score <= 5; ++score) {
    EXPECT_EQ(rules.likelihood[static_cast<std::size_t>(score - 1)].score, score);
    EXPECT_EQ(rules.severity[static_cast<std::size_t>(score - 1)].score, score);
  }
  EXPECT_EQ(rules.likelihood[2].label, "Likely");
  EXPECT_EQ(rules.severity[2].label, "Adverse effect");
  EXPECT_EQ(rules.vulnerable_floor, 2);
  ASSERT_NE(rules.rule("ico"), nullptr);
  EXPECT_EQ(rules.rule("ico")->deadline_hours, 72);
  ASSERT_NE(rules.rule("dhsc"), nullptr);
  EXPECT_EQ(rules.rule("nobody"), nullptr);
  EXPECT_NE(rules.category("confidentiality"), nullptr);
  EXPECT_NE(rules.kind("misdirected"), nullptr);
  EXPECT_EQ(rules.kind("confidentiality"), nullptr);
  EXPECT_TRUE(rules.source.starts_with("dsptsync incident grading")) << rules.source;

  std::ifstream file(std::string(DSPTSYNC_SOURCE_DIR) + "/data/incidents/grading.tsv");
  ASSERT_TRUE(file);
  std::stringstream text;
  text << file.rdbuf();
  auto from_tree = parse_incident_rules(text.str());
  ASSERT_TRUE(from_tree) << from_tree.error().message;
  EXPECT_EQ(from_tree->reporting.size(), rules.reporting.size());
  EXPECT_EQ(from_tree->kinds.size(), rules.kinds.size());
}

// A small, valid rules file; the tests below break one line of it at a time.
std::vector<std::string> valid_lines() {
  return {"# test rules",
          "scale\tlikelihood\t1\tL1\tone",
          "scale\tlikelihood\t2\tL2\ttwo",
          "scale\tlikelihood\t3\tL3\tthree",
          "scale\tlikelihood\t4\tL4\tfour",
          "scale\tlikelihood\t5\tL5\tfive",
          "scale\tseverity\t1\tS1\tone",
          "scale\tseverity\t2\tS2\ttwo",
          "scale\tseverity\t3\tS3\tthree",
          "scale\tseverity\t4\tS4\tfour",
          "scale\tseverity\t5\tS5\tfive",
          "floor\tvulnerable\t2",
          "report\tico\t3\t2\t72\tthe ICO\treport it",
          "category\tconfidentiality\tConfidentiality\tDisclosure",
          "kind\tother\tOther",
          "",
          "reference\tico\tIC-123456-A1B2\t^IC-[0-9]{5,7}-[A-Z0-9]{4}$"};
}

std::string file_of(const std::vector<std::string>& lines) {
  std::string text;
  for (const auto& line : lines) text += line + "\n";
  return text;
}

// The error for the valid file with line `number` (1-based) replaced, or erased when `line` is empty.
std::string error_with(std::size_t number, const std::string& line) {
  auto lines = valid_lines();
  if (line.empty()) lines.erase(lines.begin() + static_cast<std::ptrdiff_t>(number - 1));
  else lines[number - 1] = line;
  auto rules = parse_incident_rules(file_of(lines));
  if (rules) return "(accepted)";
  EXPECT_EQ(rules.error().kind, ErrorKind::invalid_input);
  return rules.error().message;
}

TEST(IncidentRules, TheTestFileIsValid) {
  auto rules = parse_incident_rules(file_of(valid_lines()));
  ASSERT_TRUE(rules) << rules.error().message;
  EXPECT_EQ(rules->source, "test rules");
  EXPECT_EQ(rules->references.size(), 1u);
}

TEST(IncidentRules, RefusesMalformedLinesNamingTheLine) {
  std::string error = error_with(3, "bogus\tx");
  EXPECT_TRUE(contains(error, "line 3: 'bogus' is not a kind of line")) << error;
  error = error_with(4, "scale\tlikelihood\tthree\tL3\tthree");
  EXPECT_TRUE(contains(error, "line 4: 'three' is not a score")) << error;
  error = error_with(4, "scale\tlikelihood\t6\tL3\tthree");
  EXPECT_TRUE(contains(error, "line 4: '6' is not a score")) << error;
  error = error_with(12, "floor\tvulnerable\t0");
  EXPECT_TRUE(contains(error, "line 12: '0' is not a score")) << error;
  error = error_with(13, "report\tico\t3\t2\tseventy\tthe ICO\treport it");
  EXPECT_TRUE(contains(error, "line 13: 'seventy' is not a number of hours")) << error;
  error = error_with(2, "scale\tlikelihood\t1\tL1");
  EXPECT_TRUE(contains(error, "line 2: a scale line has 5 cells")) << error;
  error = error_with(15, "kind\t\tOther");
  EXPECT_TRUE(contains(error, "line 15: cell 2 is empty")) << error;
  error = error_with(2, "scale\tlikeliness\t1\tL1\tone");
  EXPECT_TRUE(contains(error, "line 2: 'likeliness' is not a scale")) << error;
}

TEST(IncidentRules, RefusesScalesThatAreNotOneToFiveEachOnce) {
  std::string error = error_with(4, "");  // likelihood step 3 missing
  EXPECT_TRUE(contains(error, "line 4: the likelihood scale has no step 3 before step 4")) << error;
  error = error_with(4, "scale\tlikelihood\t2\tL2\ttwo");
  EXPECT_TRUE(contains(error, "line 4: the likelihood scale lists step 2 twice")) << error;
  // Severity stops at 4: only the end of the file shows it; the last record line is named.
  error = error_with(11, "");
  EXPECT_TRUE(contains(error, "line 16: the severity scale has 4 steps")) << error;
}

TEST(IncidentRules, RefusesDuplicatesAndBadPatterns) {
  auto lines = valid_lines();
  lines.push_back("category\tconfidentiality\tAgain\tAgain");
  auto rules = parse_incident_rules(file_of(lines));
  ASSERT_FALSE(rules);
  EXPECT_TRUE(contains(rules.error().message, "line 18: the category 'confidentiality' is given twice"))
      << rules.error().message;

  std::string error = error_with(17, "reference\tico\tIC-1\t^IC-[0-9");
  EXPECT_TRUE(contains(error, "line 17: '^IC-[0-9' is not a regular expression")) << error;
  error = error_with(17, "reference\tico\tIC-1\t^IC-[0-9]{5,7}$");
  EXPECT_TRUE(contains(error, "line 17: the example 'IC-1' does not match its own pattern")) << error;
  error = error_with(12, "floor\tvulnerable\t2\n" + std::string("floor\tvulnerable\t3"));
  EXPECT_TRUE(contains(error, "line 13: the floor for vulnerable groups is given twice")) << error;
}

// ----- grading -----

// The reference rule written out cell by cell: '.' not reportable, 'I' to the Information
// Commissioner's Office (likelihood >= 3 and severity >= 2), 'B' to both it and the Department of
// Health and Social Care (likelihood >= 3 and severity >= 4). Rows: likelihood 1..5; columns: severity 1..5.
constexpr std::string_view kGrid[5] = {
    ".....",  // 1 Not occurred
    ".....",  // 2 Not likely
    ".IIBB",  // 3 Likely
    ".IIBB",  // 4 Highly likely
    ".IIBB",  // 5 Occurred
};
// With vulnerable groups involved both scores are at least 2 (Not likely, Minor adverse effect).
constexpr std::string_view kGridVulnerable[5] = {
    ".....",  // 1 Not occurred, read as 2
    ".....",  // 2 Not likely
    "IIIBB",  // 3 Likely: severity 1 is read as 2
    "IIIBB",  // 4 Highly likely
    "IIIBB",  // 5 Occurred
};

TEST(IncidentGrading, EveryCellOfTheGrid) {
  const IncidentRules& rules = shipped_incident_rules();
  for (bool vulnerable : {false, true}) {
    for (int likelihood = 1; likelihood <= 5; ++likelihood) {
      for (int severity = 1; severity <= 5; ++severity) {
        const char expected =
            (vulnerable ? kGridVulnerable : kGrid)[likelihood - 1][static_cast<std::size_t>(severity - 1)];
        const Grade grade = grade_incident(rules, likelihood, severity, vulnerable);
        SCOPED_TRACE("likelihood " + std::to_string(likelihood) + ", severity " + std::to_string(severity) +
                     (vulnerable ? ", vulnerable" : ""));
        ASSERT_TRUE(grade.graded());
        bool ico = false, dhsc = false;
        for (const ReportingRule* rule : grade.report_to) {
          ico = ico || rule->body == "ico";
          dhsc = dhsc || rule->body == "dhsc";
        }
        EXPECT_EQ(ico, expected != '.');
        EXPECT_EQ(dhsc, expected == 'B');
        EXPECT_EQ(grade.reportable(), expected != '.');
        EXPECT_EQ(grade.likelihood, likelihood);
        EXPECT_EQ(grade.severity, severity);
      }
    }
  }
}

TEST(IncidentGrading, VulnerableGroupsRaiseOnlyRecordedScores) {
  const IncidentRules& rules = shipped_incident_rules();
  Grade grade = grade_incident(rules, 1, 1, true);
  EXPECT_EQ(grade.effective_likelihood, 2);
  EXPECT_EQ(grade.effective_severity, 2);
  grade = grade_incident(rules, 0, 1, true);
  EXPECT_FALSE(grade.graded());
  EXPECT_EQ(grade.effective_likelihood, 0);
  EXPECT_FALSE(grade.reportable());
  EXPECT_EQ(grade.why, "not graded yet: record likelihood and severity (1 to 5)");
  grade = grade_incident(rules, 6, 3, false);  // off the scale: not recorded
  EXPECT_FALSE(grade.graded());
}

TEST(IncidentGrading, WhyNamesBothStepsAndTheConsequence) {
  const IncidentRules& rules = shipped_incident_rules();
  Grade grade = grade_incident(rules, 3, 3, false);
  EXPECT_TRUE(grade.why.starts_with("Likely × Adverse effect: ")) << grade.why;
  EXPECT_TRUE(contains(grade.why, "the Information Commissioner's Office")) << grade.why;
  EXPECT_TRUE(contains(grade.why, "72 hours")) << grade.why;
  EXPECT_FALSE(contains(grade.why, "Department of Health")) << grade.why;

  grade = grade_incident(rules, 4, 5, false);
  EXPECT_TRUE(grade.why.starts_with("Highly likely × Catastrophic: ")) << grade.why;
  EXPECT_TRUE(contains(grade.why, "the Department of Health and Social Care")) << grade.why;

  grade = grade_incident(rules, 2, 2, false);
  EXPECT_EQ(grade.why, "Not likely × Minor adverse effect: not reportable; record it and why it was not reported");

  grade = grade_incident(rules, 1, 3, true);
  EXPECT_TRUE(grade.why.starts_with("Not likely × Adverse effect")) << grade.why;
  EXPECT_TRUE(contains(grade.why, "raised to Not likely because vulnerable groups are involved")) << grade.why;
  EXPECT_TRUE(contains(grade.why, "not reportable")) << grade.why;

  grade = grade_incident(rules, 3, 1, true);
  EXPECT_TRUE(
      grade.why.starts_with("Likely × Minor adverse effect (severity raised to Minor adverse effect "
                            "because vulnerable groups are involved): report it"))
      << grade.why;
}

// ----- instants -----

std::string stored(std::string_view typed) {
  auto at = parse_incident_time(typed);
  if (!at) return "error: " + at.error().message;
  return incident_time_text(*at);
}

TEST(IncidentTime, ReadsUkLocalTimeInGmtAndBst) {
  EXPECT_EQ(parse_incident_time("2026-12-04 14:30").value(), utc(2026, 12, 4, 14, 30));
  EXPECT_EQ(stored("2026-12-04 14:30"), "2026-12-04T14:30Z");
  EXPECT_EQ(stored("2026-12-04T14:30"), "2026-12-04T14:30Z");
  EXPECT_EQ(parse_incident_time("2026-07-01 10:00").value(), utc(2026, 7, 1, 9, 0));
  EXPECT_EQ(stored("2026-07-01T10:00"), "2026-07-01T09:00Z");
  EXPECT_EQ(stored("2026-07-01 10:00:59"), "2026-07-01T09:00Z");  // seconds dropped
}

TEST(IncidentTime, ReadsOffsetsAndZ) {
  EXPECT_EQ(stored("2026-07-01T10:00Z"), "2026-07-01T10:00Z");
  EXPECT_EQ(stored("2026-07-01T10:00:30Z"), "2026-07-01T10:00Z");
  EXPECT_EQ(stored("2026-07-01T10:00+02:00"), "2026-07-01T08:00Z");
  EXPECT_EQ(stored("2026-12-01T10:00-05:30"), "2026-12-01T15:30Z");
  EXPECT_EQ(stored("2026-01-01T00:30+01:00"), "2025-12-31T23:30Z");
  EXPECT_EQ(stored("2027-03-28T01:30+00:00"), "2027-03-28T01:30Z");  // in the skipped hour, with its offset
}

TEST(IncidentTime, RefusesWhatIsNotATime) {
  for (const char* bad : {"2026-13-01 10:00", "yesterday", "2026-12-04 24:00", "2026-12-04 14:60", "2026-12-04 1:30",
                          "2026-12-04 14:30:60", "2026-12-04T14:30+15:00", "2026-12-04T14:30+0100", "2026-12-04T14:30z",
                          "2026-12-04/14:30", "2026-02-30 10:00", ""}) {
    auto at = parse_incident_time(bad);
    ASSERT_FALSE(at) << bad;
    EXPECT_TRUE(contains(at.error().message, "write it as YYYY-MM-DD HH:MM (UK time), e.g. 2026-12-04 14:30"))
        << at.error().message;
  }
}

TEST(IncidentTime, RefusesTheHourTheClocksSkip) {
  // Last Sunday of March 2027 is the 28th: 01:00 GMT became 02:00 BST.
  for (const char* skipped : {"2027-03-28 01:00", "2027-03-28 01:30", "2027-03-28T01:59"}) {
    auto at = parse_incident_time(skipped);
    ASSERT_FALSE(at) << skipped;
    EXPECT_TRUE(contains(at.error().message, "clocks went forward")) << at.error().message;
    EXPECT_TRUE(contains(at.error().message, "offset")) << at.error().message;
  }
  EXPECT_EQ(stored("2027-03-28 00:59"), "2027-03-28T00:59Z");
  EXPECT_EQ(stored("2027-03-28 02:00"), "2027-03-28T01:00Z");
  EXPECT_FALSE(parse_incident_time("2026-03-29 01:30"));       // and the 29th in 2026
  EXPECT_EQ(stored("2026-03-22 01:30"), "2026-03-22T01:30Z");  // a week earlier: GMT
}

TEST(IncidentTime, TheHourThatHappensTwiceIsTheBstOne) {
  // Last Sunday of October 2026 is the 25th: 02:00 BST became 01:00 GMT.
  EXPECT_EQ(stored("2026-10-25 00:59"), "2026-10-24T23:59Z");
  EXPECT_EQ(stored("2026-10-25 01:00"), "2026-10-25T00:00Z");
  EXPECT_EQ(stored("2026-10-25 01:30"), "2026-10-25T00:30Z");
  EXPECT_EQ(stored("2026-10-25 01:59"), "2026-10-25T00:59Z");
  EXPECT_EQ(stored("2026-10-25 02:00"), "2026-10-25T02:00Z");
  EXPECT_EQ(stored("2026-10-25T01:30+00:00"), "2026-10-25T01:30Z");  // the second 01:30, with its offset
}

TEST(IncidentTime, ShowsUkLocalTimeAcrossTheChanges) {
  EXPECT_EQ(uk_local_time(utc(2026, 10, 25, 0, 30)), "25 October 2026, 01:30 BST");
  EXPECT_EQ(uk_local_time(utc(2026, 10, 25, 0, 59)), "25 October 2026, 01:59 BST");
  EXPECT_EQ(uk_local_time(utc(2026, 10, 25, 1, 0)), "25 October 2026, 01:00 GMT");
  EXPECT_EQ(uk_local_time(utc(2026, 12, 4, 14, 30)), "4 December 2026, 14:30 GMT");
  EXPECT_EQ(uk_local_time(utc(2027, 3, 28, 0, 59)), "28 March 2027, 00:59 GMT");
  EXPECT_EQ(uk_local_time(utc(2027, 3, 28, 1, 0)), "28 March 2027, 02:00 BST");
  EXPECT_EQ(uk_local_time(utc(2026, 6, 30, 23, 30)), "1 July 2026, 00:30 BST");
  EXPECT_EQ(uk_offset_minutes(utc(2026, 10, 25, 0, 59) + 59'999), 60);
  EXPECT_EQ(uk_offset_minutes(utc(2026, 10, 25, 1, 0)), 0);
  EXPECT_EQ(uk_offset_minutes(utc(2027, 3, 28, 1, 0) - 1), 0);
  EXPECT_EQ(uk_offset_minutes(utc(2027, 3, 28, 1, 0)), 60);
}

TEST(IncidentTime, TheFormsTypedBackAreReadAsTheSameInstant) {
  for (TimestampMs at :
       {utc(2026, 12, 4, 9, 30), utc(2026, 7, 1, 23, 15), utc(2026, 3, 29, 1, 0), utc(2026, 10, 25, 0, 59)}) {
    const std::string typed = uk_local_input(at);
    auto back = parse_incident_time(typed);
    ASSERT_TRUE(back) << typed << ": " << back.error().message;
    EXPECT_EQ(*back, at) << typed;
  }
  EXPECT_EQ(uk_local_input(utc(2026, 12, 4, 9, 30)), "2026-12-04 09:30");
  EXPECT_EQ(uk_local_input(utc(2026, 7, 1, 23, 15)), "2026-07-02 00:15");  // BST
}

TEST(IncidentTime, StoredFormRoundTrips) {
  for (TimestampMs at = utc(2026, 10, 23, 0, 0); at < utc(2026, 10, 27, 0, 0); at += 17 * kMinute) {
    const std::string text = incident_time_text(at);
    EXPECT_EQ(parse_incident_time(text).value(), at) << text;
    // And the UK local reading of every instant that is not in the repeated hour's second pass.
    const bool second_pass = at >= utc(2026, 10, 25, 1, 0) && at < utc(2026, 10, 25, 2, 0);
    if (second_pass) continue;
    const TimestampMs local = at + uk_offset_minutes(at) * kMinute;
    const std::string local_text = incident_time_text(local).substr(0, 16);
    EXPECT_EQ(parse_incident_time(local_text).value(), at) << local_text;
  }
  EXPECT_EQ(incident_time_text(utc(2026, 10, 25, 0, 30) + 59'999), "2026-10-25T00:30Z");  // to the minute
}

// ----- the clock -----

Incident reportable_incident(std::string found_at) {
  Incident incident;
  incident.id = "INC-00000001";
  incident.values = {{Field::found_at, std::move(found_at)}, {Field::likelihood, "3"}, {Field::severity, "3"}};
  return incident;
}

TEST(IncidentClock, RunsSeventyTwoHoursFromFinding) {
  const IncidentRules& rules = shipped_incident_rules();
  const TimestampMs found = utc(2026, 12, 1, 10, 0);
  const Incident incident = reportable_incident("2026-12-01T10:00Z");

  GradedIncident graded = assess_incident(rules, incident, found + 72 * kHour - kMinute);
  ASSERT_TRUE(graded.clock.applies);
  EXPECT_EQ(graded.clock.deadline, found + 72 * kHour);
  EXPECT_EQ(graded.clock.left_ms, kMinute);
  EXPECT_FALSE(graded.clock.overdue());
  EXPECT_EQ(graded.clock.left_text(), "1 minute left");

  graded = assess_incident(rules, incident, found + 72 * kHour + kMinute);
  EXPECT_TRUE(graded.clock.applies);
  EXPECT_EQ(graded.clock.left_ms, -kMinute);
  EXPECT_TRUE(graded.clock.overdue());
  EXPECT_EQ(graded.clock.left_text(), "1 minute overdue");

  EXPECT_EQ(assess_incident(rules, incident, found + 31 * kHour).clock.left_text(), "41 hours left");
  EXPECT_EQ(assess_incident(rules, incident, found + 70 * kHour + kMinute).clock.left_text(), "1 hour left");
  EXPECT_EQ(assess_incident(rules, incident, found + 71 * kHour + 25 * kMinute).clock.left_text(), "35 minutes left");
  EXPECT_EQ(assess_incident(rules, incident, found + 74 * kHour + kMinute).clock.left_text(), "3 hours overdue");
  EXPECT_EQ(assess_incident(rules, incident, found + 72 * kHour).clock.left_text(), "less than a minute left");
}

TEST(IncidentClock, CountsRealHoursAcrossTheClocksGoingBack) {
  auto found = parse_incident_time("2026-10-24 09:00");  // BST
  ASSERT_TRUE(found);
  EXPECT_EQ(incident_time_text(*found), "2026-10-24T08:00Z");
  const GradedIncident graded =
      assess_incident(shipped_incident_rules(), reportable_incident(incident_time_text(*found)), *found);
  ASSERT_TRUE(graded.clock.applies);
  EXPECT_EQ(incident_time_text(graded.clock.deadline), "2026-10-27T08:00Z");
  EXPECT_EQ(uk_local_time(graded.clock.deadline), "27 October 2026, 08:00 GMT");
  EXPECT_EQ(graded.clock.left_ms, 72 * kHour);
}

TEST(IncidentClock, StopsWhenReportedOrClosedAndNeverRunsWhenNotReportable) {
  const IncidentRules& rules = shipped_incident_rules();
  const TimestampMs now = utc(2026, 12, 5, 10, 0);
  Incident incident = reportable_incident("2026-12-01T10:00Z");
  EXPECT_TRUE(assess_incident(rules, incident, now).clock.overdue());
  incident.values[Field::incident_state] = "open";
  EXPECT_TRUE(assess_incident(rules, incident, now).clock.applies);
  for (const char* state : {"reported", "closed"}) {
    incident.values[Field::incident_state] = state;
    const IncidentClock clock = assess_incident(rules, incident, now).clock;
    EXPECT_FALSE(clock.applies) << state;
    EXPECT_FALSE(clock.overdue()) << state;
  }

  Incident minor = reportable_incident("2026-12-01T10:00Z");
  minor.values[Field::likelihood] = "2";
  const GradedIncident graded = assess_incident(rules, minor, now);
  EXPECT_FALSE(graded.grade.reportable());
  EXPECT_FALSE(graded.clock.applies);
  EXPECT_EQ(graded.clock.left_text(), "");

  Incident ungraded = reportable_incident("2026-12-01T10:00Z");
  ungraded.values[Field::severity] = "x";
  EXPECT_FALSE(assess_incident(rules, ungraded, now).grade.graded());
  EXPECT_FALSE(assess_incident(rules, ungraded, now).clock.applies);

  Incident not_found_yet = reportable_incident("");
  not_found_yet.values.erase(Field::found_at);
  EXPECT_TRUE(assess_incident(rules, not_found_yet, now).grade.reportable());
  EXPECT_FALSE(assess_incident(rules, not_found_yet, now).clock.applies);
}

TEST(IncidentClock, VulnerableGroupsCanStartIt) {
  const IncidentRules& rules = shipped_incident_rules();
  Incident incident = reportable_incident("2026-12-01T10:00Z");
  incident.values[Field::severity] = "1";
  EXPECT_FALSE(assess_incident(rules, incident, utc(2026, 12, 1, 12, 0)).clock.applies);
  incident.values[Field::vulnerable_groups] = "yes";
  EXPECT_TRUE(assess_incident(rules, incident, utc(2026, 12, 1, 12, 0)).clock.applies);
}

// ----- incidents read off the state -----

FieldKey incident_key(const std::string& target, Field field) {
  return {"VLAXL", "2026-27", TargetKind::incident, target, field};
}

Head head(const std::string& user, TimestampMs wall, std::optional<std::string> text) {
  static int counter = 0;
  Head made;
  made.change_id = "device:" + std::to_string(++counter);
  made.hlc = static_cast<Hlc>(wall) << 16;
  made.user = user;
  made.device = "device";
  if (text) made.value = FieldValue{*text, ""};
  return made;
}

TEST(IncidentsOf, GroupsFieldsByIncidentAndReportsConflicts) {
  AssessmentState state;
  // INC-0000000A: recorded by Sam at 1,000 s; its severity was edited twice at once, differently.
  state[incident_key("INC-0000000A", Field::happened_at)].heads = {head("Sam", 1'100'000, "2026-12-01T10:00Z")};
  state[incident_key("INC-0000000A", Field::severity)].heads = {head("Alex", 1'200'000, "4"),
                                                                head("Sam", 1'000'000, "2")};
  // ... and its likelihood twice at once, the same: agreed, not a conflict.
  state[incident_key("INC-0000000A", Field::likelihood)].heads = {head("Alex", 1'300'000, "3"),
                                                                  head("Sam", 1'250'000, "3")};
  // INC-0000000B: recorded earlier, by Alex; its containment was cleared.
  state[incident_key("INC-0000000B", Field::category)].heads = {head("Alex", 500'000, "integrity")};
  state[incident_key("INC-0000000B", Field::containment)].heads = {head("Alex", 600'000, std::nullopt)};
  // Not incidents.
  state[{"VLAXL", "2026-27", TargetKind::item, "1.1.1", Field::answer}].heads = {head("Sam", 100'000, "yes")};
  state[{"VLAXL", "2026-27", TargetKind::plan, "1.1.1", Field::plan_action}].heads = {head("Sam", 100'000, "x")};

  const std::vector<Incident> incidents = incidents_of(state);
  ASSERT_EQ(incidents.size(), 2u);
  const Incident& b = incidents[0];
  const Incident& a = incidents[1];
  EXPECT_EQ(b.id, "INC-0000000B");
  EXPECT_EQ(b.recorded_by, "Alex");
  EXPECT_EQ(b.recorded_at, 500'000);
  EXPECT_EQ(b.values.size(), 1u);
  EXPECT_EQ(b.value(Field::category), "integrity");
  EXPECT_EQ(b.value(Field::containment), "");
  EXPECT_TRUE(b.in_conflict.empty());
  EXPECT_EQ(b.state(), "open");

  EXPECT_EQ(a.id, "INC-0000000A");
  EXPECT_EQ(a.scope, "VLAXL");
  EXPECT_EQ(a.year, "2026-27");
  EXPECT_EQ(a.recorded_by, "Sam");
  EXPECT_EQ(a.recorded_at, 1'000'000);
  EXPECT_EQ(a.value(Field::severity), "4");  // the winner's
  EXPECT_EQ(a.value(Field::likelihood), "3");
  EXPECT_EQ(a.value(Field::happened_at), "2026-12-01T10:00Z");
  EXPECT_EQ(a.in_conflict, std::vector<Field>{Field::severity});
}

TEST(IncidentsOf, OrderForAttentionPutsTheMostOverdueFirst) {
  const IncidentRules& rules = shipped_incident_rules();
  const TimestampMs now = utc(2026, 12, 10, 12, 0);
  auto made = [&](std::string id, std::string found_at, std::string likelihood, TimestampMs recorded_at,
                  std::string state) {
    Incident incident = reportable_incident(std::move(found_at));
    incident.id = std::move(id);
    incident.values[Field::likelihood] = std::move(likelihood);
    if (!state.empty()) incident.values[Field::incident_state] = std::move(state);
    incident.recorded_at = recorded_at;
    return assess_incident(rules, std::move(incident), now);
  };
  std::vector<GradedIncident> incidents = {
      made("INC-00000001", "2026-12-01T12:00Z", "2", 1, ""),          // not reportable, oldest
      made("INC-00000002", "2026-12-10T02:00Z", "3", 2, ""),          // 62 hours left
      made("INC-00000003", "2026-12-06T12:00Z", "4", 3, ""),          // 24 hours overdue
      made("INC-00000004", "2026-12-01T12:00Z", "3", 4, "reported"),  // clock stopped, newest
      made("INC-00000005", "2026-12-07T11:00Z", "5", 5, ""),          // 1 hour overdue
  };
  order_for_attention(incidents);
  std::vector<std::string> order;
  for (const auto& graded : incidents) order.push_back(graded.incident.id);
  EXPECT_EQ(order,
            (std::vector<std::string>{"INC-00000003", "INC-00000005", "INC-00000002", "INC-00000004", "INC-00000001"}));
  EXPECT_EQ(incidents[0].clock.left_text(), "24 hours overdue");
}

// ----- the evidence items an incident bears on -----

TEST(IncidentItems, TheShippedRulesNameTheQuestionsAboutBreaches) {
  std::vector<std::string> ids;
  for (const auto& item : shipped_incident_rules().items) ids.push_back(item.id);
  EXPECT_EQ(ids, (std::vector<std::string>{"6.1.1", "6.1.2", "6.1.3", "5.1.1"}));
}

TEST(IncidentItems, AnIncidentBearsOnItsOwnListElseTheRulesItems) {
  const IncidentRules& rules = shipped_incident_rules();
  Incident listed;
  listed.values[Field::linked_items] = "1.1.1 6.1.2";
  EXPECT_EQ(linked_items(rules, listed), (std::vector<std::string>{"1.1.1", "6.1.2"}));
  Incident unlisted;
  EXPECT_EQ(linked_items(rules, unlisted), (std::vector<std::string>{"6.1.1", "6.1.2", "6.1.3", "5.1.1"}));
}

TEST(IncidentItems, TallyCountsOpenAndReportedPerItem) {
  const IncidentRules& rules = shipped_incident_rules();
  auto graded = [&](std::string id, std::map<Field, std::string> values) {
    Incident incident;
    incident.id = std::move(id);
    incident.year = "2026-27";
    incident.values = std::move(values);
    return assess_incident(rules, std::move(incident), utc(2026, 12, 10, 12, 0));
  };
  const std::vector<GradedIncident> incidents = {
      graded("INC-00000001", {}),                                     // open, default items
      graded("INC-00000002", {{Field::incident_state, "reported"}}),  // reported
      graded("INC-00000003", {{Field::incident_state, "closed"},      // closed, had been reported
                              {Field::ico_reference, "IC-123456-A1B2"},
                              {Field::linked_items, "6.1.2 7.3.4"}}),
  };
  const auto tallies = incidents_by_item(rules, incidents, "2026-27");
  EXPECT_EQ(incidents_by_item(rules, incidents, "2025-26").at("6.1.2").count, 0) << "another year's";
  ASSERT_TRUE(tallies.contains("6.1.2"));
  EXPECT_EQ(tallies.at("6.1.2").count, 3);
  EXPECT_EQ(tallies.at("6.1.2").open, 2);
  EXPECT_EQ(tallies.at("6.1.2").reported, 2);
  EXPECT_EQ(tallies.at("6.1.2").ids, (std::vector<std::string>{"INC-00000001", "INC-00000002", "INC-00000003"}));
  EXPECT_EQ(tallies.at("6.1.1").count, 2);  // the third lists its own items, without 6.1.1
  EXPECT_EQ(tallies.at("7.3.4").count, 1);
  EXPECT_EQ(tallies.at("7.3.4").open, 0);
  EXPECT_FALSE(tallies.contains("1.1.1"));

  // No incidents: the rules' items are there with nothing, so the page can say "none this year".
  const auto none = incidents_by_item(rules, {}, "2026-27");
  ASSERT_EQ(none.size(), 4u);
  EXPECT_EQ(none.at("5.1.1").count, 0);
}

TEST(IncidentItems, RulesRefuseAnItemLineWithoutAnItemId) {
  auto lines = valid_lines();
  lines.push_back("item	6.1	An assertion, not an item");
  auto rules = parse_incident_rules(file_of(lines));
  ASSERT_FALSE(rules);
  EXPECT_TRUE(contains(rules.error().message, "line 18: '6.1' is not an evidence item's id")) << rules.error().message;
  lines.back() = "item	6.1.1	Breaches reported";
  rules = parse_incident_rules(file_of(lines));
  ASSERT_TRUE(rules) << rules.error().message;
  ASSERT_EQ(rules->items.size(), 1u);
  EXPECT_EQ(rules->items[0].name, "Breaches reported");
}

// ----- ids -----

TEST(IncidentId, NewIdsHaveTheShapeAndDiffer) {
  const std::string first = new_incident_id(), second = new_incident_id();
  EXPECT_TRUE(is_incident_id(first)) << first;
  EXPECT_TRUE(is_incident_id(second)) << second;
  EXPECT_NE(first, second);
  EXPECT_TRUE(is_incident_id("INC-3F9A2C1B"));
  for (const char* bad :
       {"INC-3f9a2c1b", "INC-3F9A2C1", "INC-3F9A2C1BA", "ABC-3F9A2C1B", "INC-3F9A2C1G", "INC3F9A2C1B", ""})
    EXPECT_FALSE(is_incident_id(bad)) << bad;
}

// ----- checking values -----

class IncidentValues : public ::testing::Test {
 protected:
  Status check(Field field, const std::string& value, const std::map<Field, std::string>& other = {}) {
    return check_incident_value(shipped_incident_rules(), field, value, other, utc(2026, 12, 4, 12, 0));
  }
  std::string error(Field field, const std::string& value, const std::map<Field, std::string>& other = {}) {
    auto checked = check(field, value, other);
    if (checked) return "(accepted)";
    EXPECT_EQ(checked.error().kind, ErrorKind::invalid_input);
    return checked.error().message;
  }
};

TEST_F(IncidentValues, TimesInTheStoredFormNotInTheFuture) {
  EXPECT_TRUE(check(Field::happened_at, "2026-12-01T10:00Z"));
  EXPECT_TRUE(check(Field::found_at, "2026-12-05T11:59Z"));  // within a day of now: another clock may be ahead
  for (const char* typed : {"2026-12-01 10:00", "2026-12-01T10:00:00Z", "2026-12-01T10:00+00:00", "1 Dec"}) {
    const std::string message = error(Field::happened_at, typed);
    EXPECT_TRUE(contains(message, "not a time in the stored form")) << message;
    EXPECT_TRUE(contains(message, "YYYY-MM-DDTHH:MMZ")) << message;
  }
  const std::string future = error(Field::happened_at, "2026-12-05T12:01Z");
  EXPECT_TRUE(contains(future, "is in the future")) << future;
  EXPECT_TRUE(contains(future, "5 December 2026, 12:01 GMT")) << future;
}

TEST_F(IncidentValues, FoundNotBeforeItHappened) {
  std::string message = error(Field::found_at, "2026-07-01T08:00Z", {{Field::happened_at, "2026-07-01T09:00Z"}});
  EXPECT_EQ(message,
            "the incident was found at 1 July 2026, 09:00 BST, before it happened at 1 July 2026, 10:00 BST; "
            "check both times");
  message = error(Field::happened_at, "2026-07-01T09:00Z", {{Field::found_at, "2026-07-01T08:00Z"}});
  EXPECT_TRUE(contains(message, "before it happened")) << message;
  EXPECT_TRUE(check(Field::found_at, "2026-07-01T09:00Z", {{Field::happened_at, "2026-07-01T09:00Z"}}));
  EXPECT_TRUE(check(Field::found_at, "2026-07-01T08:00Z", {{Field::category, "integrity"}}));
}

TEST_F(IncidentValues, ScoresOnTheScales) {
  for (const char* bad : {"0", "6", "three", "", " 3", "-1"}) {
    const std::string message = error(Field::likelihood, bad);
    EXPECT_TRUE(contains(message, "likelihood is a score from 1 (Not occurred) to 5 (Occurred)")) << message;
    EXPECT_TRUE(contains(message, "3 Likely")) << message;
  }
  const std::string message = error(Field::severity, "6");
  EXPECT_TRUE(contains(message, "severity is a score from 1 (No adverse effect) to 5 (Catastrophic)")) << message;
  EXPECT_TRUE(check(Field::likelihood, "1"));
  EXPECT_TRUE(check(Field::severity, "5"));
}

TEST_F(IncidentValues, KnownCategoriesKindsAndStates) {
  std::string message = error(Field::category, "secrecy");
  EXPECT_TRUE(contains(message, "'secrecy' is not a category")) << message;
  EXPECT_TRUE(contains(message, "confidentiality, integrity, availability")) << message;
  message = error(Field::incident_kind, "aliens");
  EXPECT_TRUE(contains(message, "'aliens' is not a kind of incident")) << message;
  EXPECT_TRUE(contains(message, "misdirected")) << message;
  EXPECT_TRUE(check(Field::category, "availability"));
  EXPECT_TRUE(check(Field::incident_kind, "lost_or_stolen"));
  message = error(Field::incident_state, "pending");
  EXPECT_TRUE(contains(message, "open, reported or closed")) << message;
  for (auto state : kIncidentStates) EXPECT_TRUE(check(Field::incident_state, std::string(state)));
}

TEST_F(IncidentValues, ReferencePeopleVulnerableAndText) {
  std::string message = error(Field::ico_reference, "12345");
  EXPECT_TRUE(contains(message, "'12345' is not a reference of the Information Commissioner's Office")) << message;
  EXPECT_TRUE(contains(message, "IC-123456-A1B2")) << message;
  EXPECT_TRUE(check(Field::ico_reference, "IC-123456-A1B2"));

  message = error(Field::vulnerable_groups, "maybe");
  EXPECT_TRUE(contains(message, "'maybe' is not yes or no")) << message;
  EXPECT_TRUE(check(Field::vulnerable_groups, "yes"));
  EXPECT_TRUE(check(Field::vulnerable_groups, "no"));

  for (const char* bad : {"-1", "ten", "10000001", "1,000", "007", ""}) {
    message = error(Field::people_affected, bad);
    EXPECT_TRUE(contains(message, "is not a number of people")) << bad << ": " << message;
  }
  for (const char* good : {"0", "250", "10000000"}) EXPECT_TRUE(check(Field::people_affected, good)) << good;

  EXPECT_TRUE(contains(error(Field::what_happened, " "), "what happened is empty"));
  EXPECT_TRUE(check(Field::what_happened, "A letter went to the wrong address"));
  EXPECT_TRUE(check(Field::lessons_learned, "Check addresses twice"));
  EXPECT_TRUE(check(Field::found_by, "Sam"));
}

TEST_F(IncidentValues, LinkedItemsLookLikeItemIds) {
  EXPECT_TRUE(check(Field::linked_items, "6.1.1"));
  EXPECT_TRUE(check(Field::linked_items, "6.1.1 1.2.3 10.2.12"));
  for (const char* bad : {"6.1", "six", "6.1.1,1.2.3", "6..1", "6.1.1.1", ""}) {
    const std::string message = error(Field::linked_items, bad);
    EXPECT_TRUE(contains(message, "6.1.1")) << bad << ": " << message;
  }
}

TEST_F(IncidentValues, OtherFieldsAreNotAnIncidents) {
  EXPECT_TRUE(contains(error(Field::answer, "yes"), "'answer' is not a field of an incident"));
  EXPECT_TRUE(contains(error(Field::plan_due, "2026-12-01"), "is not a field of an incident"));
}

}  // namespace
}  // namespace dsptsync
