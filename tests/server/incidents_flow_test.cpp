// Incidents end to end, against a real server on 127.0.0.1 and real laptops (docs/incidents.md): a
// branch records a reportable incident offline and syncs; head office lists it with its 72 hours
// running and records the ICO's reference; the branch sees it; the other branch never sees it at all;
// its text is never in plain in any file. The permission rule holds at every door, a laptop that
// skips its own check included; bad input is refused and records nothing.
#include "../common/cli_runner.h"
#include "fixture.h"

#include "dsptsync/incident.h"
#include "dsptsync/permissions.h"

#include <gtest/gtest.h>

#include <set>

#include <fstream>
#include <iterator>

namespace dsptsync::testing {
namespace {

using nlohmann::json;
using protocol::Role;

constexpr TimestampMs kHourMs = 3'600'000;
const std::string kWhat = "Carer's phone with the rota and key-safe codes stolen from a car on Harrogate Road";

// What a branch manager types: a reportable incident (Highly likely x Adverse effect), found an hour ago.
IncidentInput reportable(TimestampMs now) {
  return {{Field::what_happened, kWhat},
          {Field::happened_at, incident_time_text(now - 3 * kHourMs)},
          {Field::found_at, incident_time_text(now - kHourMs)},
          {Field::category, "confidentiality"},
          {Field::incident_kind, "lost_or_stolen"},
          {Field::people_affected, "38"},
          {Field::vulnerable_groups, "yes"},
          {Field::likelihood, "4"},
          {Field::severity, "3"}};
}

bool file_holds(const std::filesystem::path& file, const std::string& text) {
  std::ifstream in(file, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return bytes.find(text) != std::string::npos;
}

class Incidents : public ::testing::Test {
 protected:
  CliRun server_cli(const std::vector<std::string>& args) {
    return run_program(shell_quote(DSPTSYNC_SERVER_CLI) + " --json --data " + shell_quote(server_.data().string()),
                       args, scratch_.path());
  }

  RunningServer server_;
  TempDir stores_;
  TempDir scratch_;
};

TEST_F(Incidents, ABranchsIncidentReachesHeadOfficeWithItsClockAndTheReferenceComesBack) {
  ASSERT_TRUE(server_.admin()->add_console_user("Priya Shah", Role::admin));
  auto york = server_.enrol(stores_ / "york", "Sam Patel", "VM2B3", Role::member);
  auto leeds = server_.enrol(stores_ / "leeds", "Lee Admin", "VLAXL", Role::admin);

  // Offline: recorded on the laptop, nothing sent yet.
  const TimestampMs now = now_ms();
  auto recorded = york->record_incident(reportable(now), now);
  ASSERT_TRUE(recorded) << recorded.error().message;
  const std::string id = recorded->incident.incident.id;
  EXPECT_TRUE(recorded->incident.grade.reportable()) << recorded->incident.grade.why;
  EXPECT_TRUE(recorded->incident.clock.applies);
  auto before_sync = server_cli({"incidents"});
  ASSERT_EQ(before_sync.code, 0) << before_sync.err;
  EXPECT_TRUE(json::parse(before_sync.out)["incidents"].empty());

  ASSERT_TRUE(client::sync_once(*york));
  auto listed = server_cli({"incidents", "--open"});
  ASSERT_EQ(listed.code, 0) << listed.err;
  const json incidents = json::parse(listed.out)["incidents"];
  ASSERT_EQ(incidents.size(), 1u) << listed.out;
  EXPECT_EQ(incidents[0]["id"], id);
  EXPECT_EQ(incidents[0]["site"], "VM2B3");
  EXPECT_EQ(incidents[0]["what_happened"], kWhat);
  EXPECT_EQ(incidents[0]["recorded_by"], "Sam Patel");
  ASSERT_TRUE(incidents[0]["clock"].is_object()) << incidents[0].dump();
  const std::int64_t left = incidents[0]["clock"]["left_ms"];
  EXPECT_GT(left, 70 * kHourMs);  // found an hour ago: 71 hours left, less the test's own time
  EXPECT_LE(left, 71 * kHourMs);
  EXPECT_EQ(json::parse(listed.out)["to_report"], 1);

  // Head office's administrator records the ICO's reference; a member could not.
  ASSERT_TRUE(server_.admin()->add_console_user("Mo Member", Role::member));
  auto by_member = server_cli({"incident", "edit", id, "--ico-reference", "IC-123456-A1B2", "--as", "Mo Member"});
  EXPECT_EQ(by_member.code, 3) << by_member.err;
  EXPECT_NE(by_member.err.find("only administrators mark an incident reported or closed"), std::string::npos)
      << by_member.err;
  auto reported = server_cli(
      {"incident", "edit", id, "--ico-reference", "ic-123456-a1b2", "--state", "reported", "--as", "Priya Shah"});
  ASSERT_EQ(reported.code, 0) << reported.err;
  EXPECT_EQ(json::parse(reported.out)["incident"]["ico_reference"], "IC-123456-A1B2");
  EXPECT_TRUE(json::parse(reported.out)["incident"]["clock"].is_null()) << "reported: the clock stops";

  // The branch sees it at its next sync; the other branch never sees the incident at all.
  ASSERT_TRUE(client::sync_once(*york));
  auto at_york = york->incident(id, now_ms());
  ASSERT_TRUE(at_york) << at_york.error().message;
  EXPECT_EQ(at_york->incident.value(Field::ico_reference), "IC-123456-A1B2");
  EXPECT_EQ(at_york->incident.state(), "reported");
  ASSERT_TRUE(client::sync_once(*leeds));
  auto at_leeds = leeds->incidents(now_ms());
  ASSERT_TRUE(at_leeds);
  EXPECT_TRUE(at_leeds->empty());
  EXPECT_TRUE(leeds->ledger().state_of_kind(TargetKind::incident, "")->empty()) << "no field of it reached Leeds";
  EXPECT_FALSE(leeds->incident(id, now_ms()));

  // Never in plain: not in either laptop's files nor in head office's.
  for (const auto& folder : {stores_ / "york", stores_ / "leeds", server_.data()}) {
    for (const auto& entry : std::filesystem::recursive_directory_iterator(folder)) {
      if (!entry.is_regular_file()) continue;
      EXPECT_FALSE(file_holds(entry.path(), "Harrogate Road")) << entry.path();
    }
  }
}

// Exports carry the exported site's incidents of the year, read through the same service as the lists:
// head office's export of a branch holds that branch's; York's, from head office or York's own laptop,
// never holds Leeds's.
TEST_F(Incidents, ExportsHoldTheSitesOwnIncidentsAndNoOtherBranchs) {
  auto york = server_.enrol(stores_ / "york", "Sam Patel", "VM2B3", Role::member);
  auto leeds = server_.enrol(stores_ / "leeds", "Lee Admin", "VLAXL", Role::admin);
  const TimestampMs now = now_ms();
  auto at_leeds = leeds->record_incident(reportable(now), now);
  ASSERT_TRUE(at_leeds) << at_leeds.error().message;
  IncidentInput york_input = reportable(now);
  york_input[Field::what_happened] = "Care plan emailed to the wrong family";
  york_input[Field::incident_kind] = "misdirected";
  auto at_york = york->record_incident(york_input, now);
  ASSERT_TRUE(at_york) << at_york.error().message;
  const std::string leeds_id = at_leeds->incident.incident.id, york_id = at_york->incident.incident.id;
  ASSERT_TRUE(client::sync_once(*leeds));
  ASSERT_TRUE(client::sync_once(*york));

  // Head office's workbook of Leeds: its Incidents sheet, read with Python's zipfile, holds Leeds's.
  const auto xlsx = scratch_.path() / "leeds.xlsx";
  auto exported = server_cli({"export", "--branch", "VLAXL", "--out", xlsx.string()});
  ASSERT_EQ(exported.code, 0) << exported.err;
  EXPECT_EQ(json::parse(exported.out)["content"], "assessment");
  std::ofstream(scratch_.path() / "read.py")
      << "import sys, zipfile\n"
         "z = zipfile.ZipFile(sys.argv[1])\n"
         "book = z.read('xl/workbook.xml').decode()\n"
         "sheet = z.read('xl/worksheets/sheet2.xml').decode()\n"
         "strings = z.read('xl/sharedStrings.xml').decode()\n"
         "print('name=\"Incidents\"' in book, sheet.count('<row '), sys.argv[2] in strings, sys.argv[3] in strings)\n";
  auto read = run_program("python3 " + shell_quote((scratch_.path() / "read.py").string()),
                          {xlsx.string(), leeds_id, york_id}, scratch_.path());
  ASSERT_EQ(read.code, 0) << read.err;
  EXPECT_EQ(read.out, "True 2 True False\n") << "the sheet, a header and Leeds's incident, not York's";

  // Head office's JSON of York and its CSV of York's incidents alone: York's, never Leeds's.
  const auto york_json = scratch_.path() / "york.json";
  ASSERT_EQ(server_cli({"export", "--branch", "VM2B3", "--out", york_json.string()}).code, 0);
  const json document = json::parse(read_text_file(york_json));
  ASSERT_EQ(document["incidents"].size(), 1u) << document["incidents"].dump();
  EXPECT_EQ(document["incidents"][0]["id"], york_id);
  EXPECT_EQ(document["incidents"][0]["recorded_by"], "Sam Patel");
  EXPECT_EQ(document["incidents"][0]["kind"], "misdirected");
  const auto york_csv = scratch_.path() / "york.csv";
  auto only = server_cli({"export", "--branch", "VM2B3", "--incidents", "--out", york_csv.string()});
  ASSERT_EQ(only.code, 0) << only.err;
  EXPECT_EQ(json::parse(only.out)["content"], "incidents");
  EXPECT_EQ(json::parse(only.out)["rows"], 1);
  const std::string csv = read_text_file(york_csv);
  EXPECT_NE(csv.find(york_id), std::string::npos) << csv;
  EXPECT_EQ(csv.find(leeds_id), std::string::npos) << csv;
  EXPECT_EQ(csv.find("Harrogate Road"), std::string::npos) << csv;

  // York's own laptop exports York's; --plan and --incidents together is a usage error.
  york.reset();
  const std::string york_cli =
      shell_quote(DSPTSYNC_CLI) + " --json --store " + shell_quote((stores_ / "york").string());
  const auto mine = scratch_.path() / "mine.json";
  auto laptop = run_program(york_cli, {"export", "--out", mine.string()}, scratch_.path());
  ASSERT_EQ(laptop.code, 0) << laptop.err;
  const json own = json::parse(read_text_file(mine));
  ASSERT_EQ(own["incidents"].size(), 1u) << own["incidents"].dump();
  EXPECT_EQ(own["incidents"][0]["id"], york_id);
  EXPECT_EQ(read_text_file(mine).find(leeds_id), std::string::npos);
  EXPECT_EQ(run_program(york_cli, {"export", "--plan", "--incidents", "--out", mine.string()}, scratch_.path()).code,
            2);
}

TEST_F(Incidents, AViewerRecordsAndCompletesTheirOwnReportButNobodyElses) {
  auto viewer = server_.enrol(stores_ / "vic", "Vic Viewer", "VLAXL", Role::viewer);
  auto member = server_.enrol(stores_ / "meg", "Meg Member", "VLAXL", Role::member);
  const TimestampMs now = now_ms();

  // Reporting is never blocked by a role: the viewer records one and adds to it.
  auto own = viewer->record_incident(reportable(now), now);
  ASSERT_TRUE(own) << own.error().message;
  const std::string id = own->incident.incident.id;
  ASSERT_TRUE(viewer->edit_incident(id, {{Field::containment, "Phone wiped remotely at 10:40"}}, now));
  ASSERT_TRUE(client::sync_once(*viewer));

  // A member edits it; from then on the viewer may not, at the laptop or, skipping it, at head office.
  ASSERT_TRUE(client::sync_once(*member));
  ASSERT_TRUE(member->edit_incident(id, {{Field::data_involved, "Names, addresses, key-safe codes"}}, now));
  auto closing = member->edit_incident(id, {{Field::incident_state, "closed"}, {Field::lessons_learned, "x"}}, now);
  ASSERT_FALSE(closing);
  EXPECT_NE(closing.error().message.find("only administrators mark an incident reported or closed"), std::string::npos);
  ASSERT_TRUE(client::sync_once(*member));
  ASSERT_TRUE(client::sync_once(*viewer));
  const std::string expected = may_edit_incident(Person{"Vic Viewer", Role::viewer, "VLAXL"}, "VLAXL", Field::severity,
                                                 FieldValue{"2", ""}, true)
                                   .error()
                                   .message;
  auto local = viewer->edit_incident(id, {{Field::severity, "2"}}, now);
  ASSERT_FALSE(local);
  EXPECT_EQ(local.error().message, expected);
  const auto count = *server_.admin()->store().change_count();
  auto year = own->incident.incident.year;
  ASSERT_TRUE(
      viewer->ledger().record(Edit{{"VLAXL", year, TargetKind::incident, id, Field::severity}, FieldValue{"2", ""}}));
  auto pushed = client::sync_once(*viewer);
  ASSERT_FALSE(pushed);
  EXPECT_NE(pushed.error().message.find(expected), std::string::npos) << pushed.error().message;
  EXPECT_EQ(*server_.admin()->store().change_count(), count) << "head office recorded nothing of it";
}

TEST_F(Incidents, BadInputIsRefusedWithWhatWasWrongAndRecordsNothing) {
  auto laptop = server_.enrol(stores_ / "lee", "Lee Admin", "VLAXL", Role::admin);
  const TimestampMs now = now_ms();
  const auto before = *laptop->store().change_count();
  auto refused_with = [&](IncidentInput input, const std::string& words) {
    auto recorded = laptop->record_incident(input, now);
    ASSERT_FALSE(recorded) << words;
    EXPECT_NE(recorded.error().message.find(words), std::string::npos) << recorded.error().message;
  };
  auto with = [&](Field field, const std::string& value) {
    IncidentInput input = reportable(now);
    input[field] = value;
    return input;
  };
  refused_with(with(Field::found_at, incident_time_text(now - 5 * kHourMs)), "before it happened");
  refused_with(with(Field::happened_at, incident_time_text(now + 48 * kHourMs)), "future");
  refused_with(with(Field::severity, "6"), "severity");
  refused_with(with(Field::category, "spilt tea"), "confidentiality");
  refused_with(with(Field::ico_reference, "ICO 12"), "IC-123456-A1B2");
  refused_with(with(Field::incident_state, "closed"), "lessons learned");
  IncidentInput missing = reportable(now);
  missing.erase(Field::found_at);
  refused_with(missing, "found_at");
  // A branch person recording for another branch: refused at head office's door (the laptop records
  // only its own site, so the change is made under the hood).
  ASSERT_TRUE(laptop->ledger().record(
      Edit{{"VM2B3", laptop->year().label(), TargetKind::incident, "INC-0000ABCD", Field::what_happened},
           FieldValue{"Not ours", ""}}));
  auto pushed = client::sync_once(*laptop);
  ASSERT_FALSE(pushed);
  EXPECT_NE(pushed.error().message.find("may record only that branch's incidents, not VM2B3's"), std::string::npos)
      << pushed.error().message;
  EXPECT_EQ(*laptop->store().change_count(), before + 1) << "only the change made under the hood";
  EXPECT_EQ(*server_.admin()->store().change_count(), 0);

  // Allowed with a warning: a reference on an incident graded as not reportable.
  auto minor = reportable(now);
  minor[Field::likelihood] = "1";
  minor[Field::vulnerable_groups] = "no";
  minor[Field::ico_reference] = "IC-123456-A1B2";
  auto warned = laptop->record_incident(minor, now);
  ASSERT_TRUE(warned) << warned.error().message;
  ASSERT_EQ(warned->warnings.size(), 1u);
  EXPECT_NE(warned->warnings[0].find("not reportable"), std::string::npos) << warned->warnings[0];
}

TEST_F(Incidents, TheLaptopsCommandLineRecordsListsAndClosesWithJsonAndExitCodes) {
  auto laptop = server_.enrol(stores_ / "lee", "Lee Admin", "VLAXL", Role::admin);
  laptop.reset();
  const std::string prefix = shell_quote(DSPTSYNC_CLI) + " --json --store " + shell_quote((stores_ / "lee").string());
  auto add =
      run_program(prefix,
                  {"incident", "add", "--what", kWhat, "--happened", "2026-10-24 09:00", "--found", "2026-10-24 10:30",
                   "--category", "Confidentiality", "--likelihood", "3", "--severity", "2", "--items", "6.1.1, 6.1.2"},
                  scratch_.path());
  ASSERT_EQ(add.code, 0) << add.err;
  const json added = json::parse(add.out);
  const std::string id = added["incident"]["id"];
  EXPECT_EQ(added["incident"]["found_at"], "2026-10-24T09:30Z") << "10:30 BST";
  EXPECT_EQ(added["incident"]["items"], json::array({"6.1.1", "6.1.2"}));
  EXPECT_EQ(added["incident"]["grade"]["report_to"], json::array({"ico"}));

  auto bad = run_program(prefix,
                         {"incident", "add", "--what", "x", "--happened", "2026-03-29 01:30", "--found",
                          "2026-03-29 03:00", "--category", "integrity"},
                         scratch_.path());
  EXPECT_EQ(bad.code, 4) << bad.err;  // invalid input
  EXPECT_NE(bad.err.find("clocks"), std::string::npos) << bad.err;

  auto close_without = run_program(prefix, {"incident", "close", id}, scratch_.path());
  EXPECT_EQ(close_without.code, 4) << close_without.err;
  auto close = run_program(prefix, {"incident", "close", id, "--lessons", "Phones locked in the office overnight"},
                           scratch_.path());
  ASSERT_EQ(close.code, 0) << close.err;
  EXPECT_EQ(json::parse(close.out)["incident"]["state"], "closed");
  auto open = run_program(prefix, {"incident", "list", "--open"}, scratch_.path());
  ASSERT_EQ(open.code, 0) << open.err;
  EXPECT_TRUE(json::parse(open.out)["incidents"].empty());
  auto unknown = run_program(prefix, {"incident", "show", "INC-00000000"}, scratch_.path());
  EXPECT_EQ(unknown.code, 4) << unknown.err;  // not found

  // The items it lists show it (closed now); a question about breaches it does not list shows none.
  auto listed_item = run_program(prefix, {"show", "6.1.2"}, scratch_.path());
  ASSERT_EQ(listed_item.code, 0) << listed_item.err;
  EXPECT_EQ(json::parse(listed_item.out)["incidents"],
            (json{{"count", 1}, {"open", 0}, {"reported", 0}, {"ids", json::array({id})}}));
  auto unlisted_item = run_program(prefix, {"show", "6.1.3"}, scratch_.path());
  ASSERT_EQ(unlisted_item.code, 0) << unlisted_item.err;
  EXPECT_EQ(json::parse(unlisted_item.out)["incidents"]["count"], 0);
  auto other_item = run_program(prefix, {"show", "1.1.1"}, scratch_.path());
  ASSERT_EQ(other_item.code, 0) << other_item.err;
  EXPECT_FALSE(json::parse(other_item.out).contains("incidents"));

  // Every change to it, in its history.
  auto history = run_program(prefix, {"history", id}, scratch_.path());
  ASSERT_EQ(history.code, 0) << history.err;
  std::set<std::string> fields;
  const json rows = json::parse(history.out)["history"];
  for (const auto& row : rows) fields.insert(row["field"].get<std::string>());
  EXPECT_TRUE(fields.contains("what_happened") && fields.contains("state") && fields.contains("lessons_learned"))
      << history.out;
}

}  // namespace
}  // namespace dsptsync::testing
