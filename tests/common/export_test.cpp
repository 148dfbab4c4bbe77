#include "dsptsync/export.h"
#include "dsptsync/report.h"

#include "test_support.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace dsptsync {
namespace {

using dsptsync::testing::TempDir;

// An incident whose free text is as awkward as the answers: a formula, a quote, a line break.
ExportIncidentRow sample_incident() {
  ExportIncidentRow row;
  row.id = "INC-3F9A2C1B";
  row.recorded_at = "2026-10-24T08:40:00Z";
  row.recorded_by = "Sam Patel";
  row.happened_at = "2026-10-24T07:10Z";
  row.happened_at_text = "24 October 2026, 08:10 BST";
  row.found_at = "2026-10-24T08:30Z";
  row.found_at_text = "24 October 2026, 09:30 BST";
  row.found_by = "Ann Lee";
  row.what_happened = "Carer's phone, with the \"rota\", stolen\nfrom a car";
  row.category = "confidentiality";
  row.category_name = "Confidentiality";
  row.kind = "lost_or_stolen";
  row.kind_name = "Loss or theft of paper, data or IT equipment";
  row.people_affected = "38";
  row.vulnerable_groups = "yes";
  row.data_involved = "Names, addresses";
  row.containment = "=wiped remotely";
  row.likelihood = 4;
  row.severity = 3;
  row.likelihood_label = "Highly likely";
  row.severity_label = "Adverse effect";
  row.why = "Highly likely × Adverse effect: report it";
  row.report_to = {"ico"};
  row.report_to_names = {"the Information Commissioner's Office"};
  row.deadline = "2026-10-27T08:30Z";
  row.deadline_text = "27 October 2026, 08:30 GMT";
  row.time_left = "3 hours overdue";
  row.overdue = true;
  row.state = "open";
  row.items = {"6.1.1", "6.1.2"};
  return row;
}

// Three items chosen to be awkward: markup and non-ASCII text, CSV's special characters, cells that
// a spreadsheet would run as formulas, and an unanswered item.
ExportDocument sample_document() {
  ExportDocument document;
  document.organisation = "Acme Care Group";
  document.hq_code = "A1B2";
  document.ods = "VLAXL";
  document.site_name = "Leeds";
  document.year = "2021-22";
  document.status = "Standards Met";
  document.generated_at = "2026-11-23T10:15:00Z";

  ExportItemRow first;
  first.id = "1.1.1";
  first.group = "Staffing and roles";
  first.question = "Who is the café's DPO & <lead>?";
  first.answer = "ZA123456";
  first.scope = "shared";
  first.mandatory = true;
  first.provided = true;
  first.confirmed = true;
  first.changed_by = "Priya Shah";
  first.changed_at = "2026-11-23T10:15:00Z";

  ExportItemRow second;
  second.id = "1.1.5";
  second.group = "Staffing and roles";
  second.question = "Policy, \"quoted\" and\nmulti-line";
  second.answer = "=HYPERLINK(\"http://evil\")";
  second.location = "-shelf";
  second.comment = "+1 from me";
  second.scope = "branch";
  second.overridden = true;
  second.override_reason = "@branch differs";
  second.mandatory = true;
  second.provided = false;
  second.changed_by = "Sam Patel";
  second.changed_at = "2026-11-22T09:00:00Z";
  second.in_conflict = true;

  ExportItemRow third;
  third.id = "9.5.2";
  third.group = "IT protection";
  third.question = "Are laptops encrypted?";
  third.location = "\rx";
  third.comment = "\tindented";
  third.scope = "branch";
  third.mandatory = false;

  document.items = {first, second, third};
  document.plan = {
      {"9.5.2", "IT protection", "Are laptops encrypted?", "Encrypt, then check", "Sam Patel", "2022-05-01", "open",
       "branch"},
      {"1.1.5", "Staffing and roles", "Policy?", "=1+1", "Priya Shah", "2022-06-01", "in_progress", "shared"},
  };
  document.incidents = {sample_incident()};
  return document;
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<std::string> entries(const std::filesystem::path& folder) {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(folder))
    names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

// Reads a workbook with Python's zipfile and XML parser, readers that are not ours: prints the
// sheet names, each sheet's cells by its name (shared strings resolved; libxlsxwriter writes the
// n-th sheet as sheetn.xml), the raw XML facts of the first sheet and the document properties as JSON.
const char* const kReadWorkbook = R"PY(
import json, re, sys, zipfile
import xml.etree.ElementTree as ET
NS = {'m': 'http://schemas.openxmlformats.org/spreadsheetml/2006/main'}
z = zipfile.ZipFile(sys.argv[1])
raw_strings = z.read('xl/sharedStrings.xml').decode('utf-8')
strings = [''.join(t.text or '' for t in si.iter('{%s}t' % NS['m']))
           for si in ET.fromstring(raw_strings).findall('m:si', NS)]
def column(ref):
    n = 0
    for ch in re.match('[A-Z]+', ref).group(0):
        n = n * 26 + ord(ch) - 64
    return n - 1
def cells(path):
    rows = []
    for row in ET.fromstring(z.read(path)).iter('{%s}row' % NS['m']):
        values = {}
        for c in row.findall('m:c', NS):
            v = c.find('m:v', NS)
            if v is None:
                continue
            values[column(c.get('r'))] = strings[int(v.text)] if c.get('t') == 's' else v.text
        rows.append([values.get(i, '') for i in range(max(values) + 1)] if values else [])
    return rows
workbook = ET.fromstring(z.read('xl/workbook.xml'))
sheet1 = z.read('xl/worksheets/sheet1.xml').decode('utf-8')
core = z.read('docProps/core.xml').decode('utf-8')
app = z.read('docProps/app.xml').decode('utf-8')
names = [s.get('name') for s in workbook.iter('{%s}sheet' % NS['m'])]
tables = {name: cells('xl/worksheets/sheet%d.xml' % (i + 1)) for i, name in enumerate(names)}
print(json.dumps({
    'sheets': names,
    'rows': cells('xl/worksheets/sheet1.xml'),
    'about': tables['About'],
    'tables': tables,
    'row_elements': sheet1.count('<row '),
    'frozen': 'state="frozen"' in sheet1,
    'autofilter': re.search('<autoFilter ref="([^"]+)"', sheet1).group(1),
    'escaped': any(q in raw_strings for q in ("caf\u00e9's DPO &amp; &lt;lead&gt;?",
                                              'caf\u00e9&apos;s DPO &amp; &lt;lead&gt;?')),
    'core': core,
    'app': app,
}))
)PY";

// Runs the script above on a workbook. python3 is a listed test dependency (scripts/packages.txt),
// so its absence fails the test rather than skipping it.
nlohmann::json read_workbook(const TempDir& scratch, const std::filesystem::path& workbook) {
  if (std::system("command -v python3 >/dev/null 2>&1") != 0) {
    ADD_FAILURE() << "python3 is needed to read the workbook back (scripts/packages.txt lists it); install it";
    return nullptr;
  }
  const auto script = scratch / "read_workbook.py";
  std::ofstream(script) << kReadWorkbook;
  const auto output = scratch / "workbook.json";
  const auto errors = scratch / "workbook.err";
  const std::string command = "python3 '" + script.string() + "' '" + workbook.string() + "' > '" + output.string() +
                              "' 2> '" + errors.string() + "'";
  if (std::system(command.c_str()) != 0) {
    ADD_FAILURE() << "python3 could not read " << workbook << ": " << read_file(errors);
    return nullptr;
  }
  return nlohmann::json::parse(read_file(output));
}

const std::vector<std::string> kItemHeader = {
    "ID",      "Group",     "Question", "Answer", "Location", "Comment", "Shared or branch", "Overridden",
    "Override reason", "Mandatory", "Provided", "Assertion confirmed", "Last changed by", "Last changed at",
    "In conflict"};
const std::vector<std::string> kPlanHeader = {"Item", "Group", "Question", "Action", "Owner", "Due", "State",
                                              "Shared or branch"};
const std::vector<std::string> kIncidentHeader = {"ID",
                                                  "Recorded at",
                                                  "Recorded by",
                                                  "Happened at",
                                                  "Found at",
                                                  "Found by",
                                                  "What happened",
                                                  "Category",
                                                  "Kind",
                                                  "People affected",
                                                  "Vulnerable groups",
                                                  "Data involved",
                                                  "Containment",
                                                  "Likelihood",
                                                  "Severity",
                                                  "Grade",
                                                  "Report to",
                                                  "Deadline",
                                                  "Time left",
                                                  "State",
                                                  "ICO reference",
                                                  "Lessons learned",
                                                  "Evidence items"};
// The sample incident as a sheet shows it: times as people in England read them, names, labels.
const std::vector<std::string> kIncidentCells = {"INC-3F9A2C1B",
                                                 "2026-10-24T08:40:00Z",
                                                 "Sam Patel",
                                                 "24 October 2026, 08:10 BST",
                                                 "24 October 2026, 09:30 BST",
                                                 "Ann Lee",
                                                 "Carer's phone, with the \"rota\", stolen\nfrom a car",
                                                 "Confidentiality",
                                                 "Loss or theft of paper, data or IT equipment",
                                                 "38",
                                                 "Yes",
                                                 "Names, addresses",
                                                 "=wiped remotely",
                                                 "Highly likely (4)",
                                                 "Adverse effect (3)",
                                                 "Highly likely × Adverse effect: report it",
                                                 "the Information Commissioner's Office",
                                                 "27 October 2026, 08:30 GMT",
                                                 "3 hours overdue",
                                                 "open",
                                                 "",
                                                 "",
                                                 "6.1.1 6.1.2"};

TEST(ExportXlsx, OpensAsAZipAndHoldsTheRows) {
  TempDir scratch;
  const auto out = scratch / "leeds.xlsx";
  const auto document = sample_document();
  auto written = write_export(document, ExportContent::assessment, ExportFormat::xlsx, out);
  ASSERT_TRUE(written) << written.error().message;
  EXPECT_EQ(entries(scratch.path()), std::vector<std::string>{"leeds.xlsx"}) << "no temporary file is left";

  const auto book = read_workbook(scratch, out);
  ASSERT_FALSE(book.is_null());
  EXPECT_EQ(book["sheets"], (std::vector<std::string>{"Assessment", "Incidents", "About"}));
  EXPECT_EQ(book["row_elements"], document.items.size() + 1) << "a header row and one row per item";
  EXPECT_TRUE(book["frozen"]) << "the header row is frozen";
  EXPECT_EQ(book["autofilter"], "A1:O4");
  EXPECT_TRUE(book["escaped"]) << "markup in a question is escaped in the XML";

  const auto rows = book["rows"].get<std::vector<std::vector<std::string>>>();
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[0], kItemHeader);
  EXPECT_EQ(rows[1], (std::vector<std::string>{"1.1.1", "Staffing and roles", "Who is the café's DPO & <lead>?",
                                               "ZA123456", "", "", "shared", "No", "", "Yes", "Yes", "Yes",
                                               "Priya Shah", "2026-11-23T10:15:00Z", "No"}));
  // A formula-looking answer is a string cell holding exactly what was typed, never a formula.
  EXPECT_EQ(rows[2], (std::vector<std::string>{"1.1.5", "Staffing and roles", "Policy, \"quoted\" and\nmulti-line",
                                               "=HYPERLINK(\"http://evil\")", "-shelf", "+1 from me", "branch", "Yes",
                                               "@branch differs", "Yes", "No", "No", "Sam Patel",
                                               "2026-11-22T09:00:00Z", "Yes"}));
  EXPECT_EQ(rows[3][0], "9.5.2");
  EXPECT_EQ(rows[3][9], "No") << "not mandatory";

  const auto about = book["about"].get<std::vector<std::vector<std::string>>>();
  const std::vector<std::vector<std::string>> expected_about = {
      {"Organisation", "Acme Care Group"}, {"HQ code", "A1B2"},  {"ODS code", "VLAXL"},
      {"Site", "Leeds"},                   {"Year", "2021-22"},  {"Status now", "Standards Met"},
      {"Generated at", "2026-11-23T10:15:00Z"}};
  EXPECT_EQ(about, expected_about);
  const std::string core = book["core"];
  for (const char* expected : {"Leeds", "VLAXL", "2021-22", "Standards Met", "2026-11-23T10:15:00Z"})
    EXPECT_NE(core.find(expected), std::string::npos) << expected << " in the document properties: " << core;
  EXPECT_NE(book["app"].get<std::string>().find("Acme Care Group"), std::string::npos) << "the company property";
}

TEST(ExportXlsx, TheAssessmentWorkbookHasAnIncidentSheet) {
  TempDir scratch;
  const auto out = scratch / "leeds.xlsx";
  auto written = write_export(sample_document(), ExportContent::assessment, ExportFormat::xlsx, out);
  ASSERT_TRUE(written) << written.error().message;
  const auto book = read_workbook(scratch, out);
  ASSERT_FALSE(book.is_null());
  const auto rows = book["tables"]["Incidents"].get<std::vector<std::vector<std::string>>>();
  ASSERT_EQ(rows.size(), 2u) << "a header row and one row per incident";
  EXPECT_EQ(rows[0], kIncidentHeader);
  EXPECT_EQ(rows[1], kIncidentCells) << "a formula-looking containment is a string cell, as typed";
}

TEST(ExportXlsx, NoIncidentsIsTheHeaderAlone) {
  TempDir scratch;
  auto document = sample_document();
  document.incidents.clear();
  const auto out = scratch / "leeds.xlsx";
  auto written = write_export(document, ExportContent::assessment, ExportFormat::xlsx, out);
  ASSERT_TRUE(written) << written.error().message;
  const auto book = read_workbook(scratch, out);
  ASSERT_FALSE(book.is_null());
  EXPECT_EQ(book["sheets"], (std::vector<std::string>{"Assessment", "Incidents", "About"}));
  const auto rows = book["tables"]["Incidents"].get<std::vector<std::vector<std::string>>>();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0], kIncidentHeader);
}

TEST(ExportXlsx, IncidentsAloneAreTheirOwnWorkbook) {
  TempDir scratch;
  const auto out = scratch / "incidents.xlsx";
  auto written = write_export(sample_document(), ExportContent::incidents, ExportFormat::xlsx, out);
  ASSERT_TRUE(written) << written.error().message;
  const auto book = read_workbook(scratch, out);
  ASSERT_FALSE(book.is_null());
  EXPECT_EQ(book["sheets"], (std::vector<std::string>{"Incidents", "About"}));
  EXPECT_TRUE(book["frozen"]) << "the header row is frozen";
  EXPECT_EQ(book["autofilter"], "A1:W2");
  EXPECT_EQ(book["rows"][1], kIncidentCells);
  EXPECT_NE(book["core"].get<std::string>().find("DSPT 2021-22 incidents: Leeds (VLAXL)"), std::string::npos)
      << book["core"];
}

TEST(ExportXlsx, PlanIsItsOwnSheet) {
  TempDir scratch;
  const auto out = scratch / "plan.xlsx";
  auto written = write_export(sample_document(), ExportContent::plan, ExportFormat::xlsx, out);
  ASSERT_TRUE(written) << written.error().message;
  const auto book = read_workbook(scratch, out);
  ASSERT_FALSE(book.is_null());
  EXPECT_EQ(book["sheets"], (std::vector<std::string>{"Improvement plan", "About"})) << "no incident sheet";
  EXPECT_EQ(book["row_elements"], 3);
  const auto rows = book["rows"].get<std::vector<std::vector<std::string>>>();
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0], kPlanHeader);
  EXPECT_EQ(rows[1], (std::vector<std::string>{"9.5.2", "IT protection", "Are laptops encrypted?",
                                               "Encrypt, then check", "Sam Patel", "2022-05-01", "open", "branch"}));
  EXPECT_EQ(rows[2][3], "=1+1");
}

TEST(ExportXlsx, CutsACellLongerThanExcelHoldsRatherThanFailing) {
  TempDir scratch;
  auto document = sample_document();
  // 40,000 two-byte characters: over Excel's 32,767 characters, within the store's value limit.
  std::string long_comment;
  for (int i = 0; i < 40000; ++i) long_comment += "é";
  document.items[0].comment = long_comment;
  const auto out = scratch / "long.xlsx";
  auto written = write_export(document, ExportContent::assessment, ExportFormat::xlsx, out);
  ASSERT_TRUE(written) << written.error().message;
  const auto book = read_workbook(scratch, out);
  ASSERT_FALSE(book.is_null());
  const std::string cell = book["rows"][1][5];
  EXPECT_EQ(cell.substr(0, 20), long_comment.substr(0, 20)) << "the text starts as written";
  EXPECT_NE(cell.find("the .csv and .json exports hold the full text"), std::string::npos);
  // Python counted code points: the cell is at Excel's limit exactly.
  std::size_t characters = 0;
  for (unsigned char c : cell) characters += (c & 0xC0) != 0x80;
  EXPECT_EQ(characters, 32767u);
}

TEST(ExportCsv, QuotesDefusesFormulasAndEndsLinesWithCrlf) {
  TempDir scratch;
  const auto out = scratch / "leeds.csv";
  auto written = write_export(sample_document(), ExportContent::assessment, ExportFormat::csv, out);
  ASSERT_TRUE(written) << written.error().message;
  // Exactly RFC 4180: the header, fields with , " CR or LF quoted and their quotes doubled, CRLF
  // after every record (a LF inside a quoted field stays as typed), UTF-8 without a BOM. Cells
  // starting with = + - @ tab or CR carry a leading apostrophe so a spreadsheet shows them as text.
  const std::string expected =
      "ID,Group,Question,Answer,Location,Comment,Shared or branch,Overridden,Override reason,Mandatory,Provided,"
      "Assertion confirmed,Last changed by,Last changed at,In conflict\r\n"
      "1.1.1,Staffing and roles,Who is the café's DPO & <lead>?,ZA123456,,,shared,No,,Yes,Yes,Yes,Priya Shah,"
      "2026-11-23T10:15:00Z,No\r\n"
      "1.1.5,Staffing and roles,\"Policy, \"\"quoted\"\" and\nmulti-line\",\"'=HYPERLINK(\"\"http://evil\"\")\","
      "'-shelf,'+1 from me,branch,Yes,'@branch differs,Yes,No,No,Sam Patel,2026-11-22T09:00:00Z,Yes\r\n"
      "9.5.2,IT protection,Are laptops encrypted?,,\"'\rx\",'\tindented,branch,No,,No,No,No,,,No\r\n";
  EXPECT_EQ(read_file(out), expected);
}

TEST(ExportCsv, FormulasAfterLeadingSpacesAreDefusedToo) {
  ExportDocument document = sample_document();
  document.items[0].answer = "  =1+1";
  document.items[0].comment = " @SUM(A1)";
  document.items[0].location = "\n=cmd";
  auto file = export_to_memory(document, ExportContent::assessment, ExportFormat::csv);
  ASSERT_TRUE(file) << file.error().message;
  EXPECT_NE(file->bytes.find(",'  =1+1,"), std::string::npos) << file->bytes;
  EXPECT_NE(file->bytes.find(",' @SUM(A1),"), std::string::npos) << file->bytes;
  EXPECT_NE(file->bytes.find(",\"'\n=cmd\","), std::string::npos) << file->bytes;
}

TEST(ExportCsv, PlanHasItsOwnColumns) {
  TempDir scratch;
  const auto out = scratch / "plan.csv";
  auto written = write_export(sample_document(), ExportContent::plan, ExportFormat::csv, out);
  ASSERT_TRUE(written) << written.error().message;
  EXPECT_EQ(read_file(out),
            "Item,Group,Question,Action,Owner,Due,State,Shared or branch\r\n"
            "9.5.2,IT protection,Are laptops encrypted?,\"Encrypt, then check\",Sam Patel,2022-05-01,open,branch\r\n"
            "1.1.5,Staffing and roles,Policy?,'=1+1,Priya Shah,2022-06-01,in_progress,shared\r\n");
}

TEST(ExportCsv, IncidentsAreATableOfTheirOwn) {
  TempDir scratch;
  const auto out = scratch / "incidents.csv";
  auto written = write_export(sample_document(), ExportContent::incidents, ExportFormat::csv, out);
  ASSERT_TRUE(written) << written.error().message;
  EXPECT_EQ(read_file(out),
            "ID,Recorded at,Recorded by,Happened at,Found at,Found by,What happened,Category,Kind,People affected,"
            "Vulnerable groups,Data involved,Containment,Likelihood,Severity,Grade,Report to,Deadline,Time left,State,"
            "ICO reference,Lessons learned,Evidence items\r\n"
            "INC-3F9A2C1B,2026-10-24T08:40:00Z,Sam Patel,\"24 October 2026, 08:10 BST\",\"24 October 2026, 09:30 BST\","
            "Ann Lee,\"Carer's phone, with the \"\"rota\"\", stolen\nfrom a car\",Confidentiality,"
            "\"Loss or theft of paper, data or IT equipment\",38,Yes,\"Names, addresses\",'=wiped remotely,"
            "Highly likely (4),Adverse effect (3),Highly likely × Adverse effect: report it,"
            "the Information Commissioner's Office,\"27 October 2026, 08:30 GMT\",3 hours overdue,open,,,"
            "6.1.1 6.1.2\r\n");
  // With none, the header alone; the assessment's CSV stays one table of items.
  auto document = sample_document();
  document.incidents.clear();
  auto empty = export_to_memory(document, ExportContent::incidents, ExportFormat::csv);
  ASSERT_TRUE(empty) << empty.error().message;
  EXPECT_EQ(empty->file_name, "VLAXL-2021-22-incidents.csv");
  EXPECT_EQ(std::count(empty->bytes.begin(), empty->bytes.end(), '\n'), 1) << empty->bytes;
  auto items = export_to_memory(sample_document(), ExportContent::assessment, ExportFormat::csv);
  ASSERT_TRUE(items);
  EXPECT_EQ(items->bytes.find("INC-3F9A2C1B"), std::string::npos);
}

TEST(ExportJson, ParsesBackWithEveryField) {
  TempDir scratch;
  const auto out = scratch / "leeds.json";
  const auto document = sample_document();
  auto written = write_export(document, ExportContent::assessment, ExportFormat::json, out);
  ASSERT_TRUE(written) << written.error().message;
  const std::string text = read_file(out);
  ASSERT_FALSE(text.empty());
  EXPECT_EQ(text.back(), '\n');
  EXPECT_EQ(text.rfind("{\n  \"", 0), 0u) << "pretty-printed with two spaces";
  const auto parsed = nlohmann::json::parse(text);
  EXPECT_EQ(parsed["organisation"], document.organisation);
  EXPECT_EQ(parsed["hq_code"], document.hq_code);
  EXPECT_EQ(parsed["ods"], document.ods);
  EXPECT_EQ(parsed["site_name"], document.site_name);
  EXPECT_EQ(parsed["year"], document.year);
  EXPECT_EQ(parsed["status"], document.status);
  EXPECT_EQ(parsed["generated_at"], document.generated_at);
  EXPECT_FALSE(parsed.contains("plan"));
  ASSERT_EQ(parsed["incidents"].size(), 1u) << "the assessment document holds the site's incidents";
  EXPECT_EQ(parsed["incidents"][0]["id"], "INC-3F9A2C1B");
  ASSERT_EQ(parsed["items"].size(), document.items.size());
  for (std::size_t i = 0; i < document.items.size(); ++i) {
    const auto& row = parsed["items"][i];
    const auto& item = document.items[i];
    EXPECT_EQ(row.size(), 15u);
    EXPECT_EQ(row["id"], item.id);
    EXPECT_EQ(row["group"], item.group);
    EXPECT_EQ(row["question"], item.question);
    EXPECT_EQ(row["answer"], item.answer) << "JSON is not opened in a spreadsheet: no apostrophe";
    EXPECT_EQ(row["location"], item.location);
    EXPECT_EQ(row["comment"], item.comment);
    EXPECT_EQ(row["scope"], item.scope);
    EXPECT_EQ(row["overridden"], item.overridden);
    EXPECT_EQ(row["override_reason"], item.override_reason);
    EXPECT_EQ(row["mandatory"], item.mandatory);
    EXPECT_EQ(row["provided"], item.provided);
    EXPECT_EQ(row["confirmed"], item.confirmed);
    EXPECT_EQ(row["changed_by"], item.changed_by);
    EXPECT_EQ(row["changed_at"], item.changed_at);
    EXPECT_EQ(row["in_conflict"], item.in_conflict);
  }
}

TEST(ExportJson, IncidentsHaveEveryFieldInSnakeCase) {
  auto file = export_to_memory(sample_document(), ExportContent::incidents, ExportFormat::json);
  ASSERT_TRUE(file) << file.error().message;
  EXPECT_EQ(file->file_name, "VLAXL-2021-22-incidents.json");
  const auto parsed = nlohmann::json::parse(file->bytes);
  EXPECT_EQ(parsed["ods"], "VLAXL");
  EXPECT_EQ(parsed["year"], "2021-22");
  EXPECT_FALSE(parsed.contains("items"));
  EXPECT_FALSE(parsed.contains("plan"));
  ASSERT_EQ(parsed["incidents"].size(), 1u);
  const nlohmann::json expected = {{"id", "INC-3F9A2C1B"},
                                   {"recorded_at", "2026-10-24T08:40:00Z"},
                                   {"recorded_by", "Sam Patel"},
                                   {"happened_at", "2026-10-24T07:10Z"},
                                   {"happened_at_text", "24 October 2026, 08:10 BST"},
                                   {"found_at", "2026-10-24T08:30Z"},
                                   {"found_at_text", "24 October 2026, 09:30 BST"},
                                   {"found_by", "Ann Lee"},
                                   {"what_happened", "Carer's phone, with the \"rota\", stolen\nfrom a car"},
                                   {"category", "confidentiality"},
                                   {"category_name", "Confidentiality"},
                                   {"kind", "lost_or_stolen"},
                                   {"kind_name", "Loss or theft of paper, data or IT equipment"},
                                   {"people_affected", "38"},
                                   {"vulnerable_groups", "yes"},
                                   {"data_involved", "Names, addresses"},
                                   {"containment", "=wiped remotely"},
                                   {"likelihood", 4},
                                   {"likelihood_label", "Highly likely"},
                                   {"severity", 3},
                                   {"severity_label", "Adverse effect"},
                                   {"why", "Highly likely × Adverse effect: report it"},
                                   {"report_to", {"ico"}},
                                   {"report_to_names", {"the Information Commissioner's Office"}},
                                   {"deadline", "2026-10-27T08:30Z"},
                                   {"deadline_text", "27 October 2026, 08:30 GMT"},
                                   {"left", "3 hours overdue"},
                                   {"overdue", true},
                                   {"state", "open"},
                                   {"ico_reference", ""},
                                   {"lessons_learned", ""},
                                   {"items", {"6.1.1", "6.1.2"}}};
  EXPECT_EQ(parsed["incidents"][0], expected) << parsed["incidents"][0].dump(2);
  // With none, an empty list, never a missing key.
  auto document = sample_document();
  document.incidents.clear();
  auto assessment = export_to_memory(document, ExportContent::assessment, ExportFormat::json);
  ASSERT_TRUE(assessment);
  EXPECT_EQ(nlohmann::json::parse(assessment->bytes)["incidents"], nlohmann::json::array());
}

TEST(ExportJson, PlanAndMalformedUtf8) {
  TempDir scratch;
  auto document = sample_document();
  document.plan[1].action = "bad \xff byte";  // must not make the export throw
  const auto out = scratch / "plan.json";
  auto written = write_export(document, ExportContent::plan, ExportFormat::json, out);
  ASSERT_TRUE(written) << written.error().message;
  const auto parsed = nlohmann::json::parse(read_file(out));
  EXPECT_FALSE(parsed.contains("items"));
  EXPECT_FALSE(parsed.contains("incidents")) << "the plan's document is the plan alone";
  ASSERT_EQ(parsed["plan"].size(), 2u);
  const auto& line = parsed["plan"][0];
  EXPECT_EQ(line.size(), 8u);
  EXPECT_EQ(line["item"], "9.5.2");
  EXPECT_EQ(line["group"], "IT protection");
  EXPECT_EQ(line["question"], "Are laptops encrypted?");
  EXPECT_EQ(line["action"], "Encrypt, then check");
  EXPECT_EQ(line["owner"], "Sam Patel");
  EXPECT_EQ(line["due"], "2022-05-01");
  EXPECT_EQ(line["state"], "open");
  EXPECT_EQ(line["scope"], "branch");
  EXPECT_EQ(parsed["plan"][1]["action"], "bad \xEF\xBF\xBD byte") << "replaced by U+FFFD";
}

// The one function every export's caller uses to turn a service's incidents into rows.
Incident incident_at(const std::string& id, const std::string& scope, const std::string& year, TimestampMs recorded,
                     std::map<Field, std::string> values) {
  Incident incident;
  incident.id = id;
  incident.scope = scope;
  incident.year = year;
  incident.values = std::move(values);
  incident.recorded_by = "Sam Patel";
  incident.recorded_at = recorded;
  return incident;
}

TEST(ExportIncidentRows, OnlyTheSitesIncidentsOfTheYearOldestFirstAsPeopleReadThem) {
  const TimestampMs found = *parse_incident_time("2026-10-24T08:30Z");
  const TimestampMs now = found + 75 * 3'600'000LL;  // 3 hours past the 72
  const auto& rules = shipped_incident_rules();
  std::vector<GradedIncident> graded;
  graded.push_back(assess_incident(rules,
                                   incident_at("INC-0000000B", "VLAXL", "2026-27", found + 60'000,
                                               {{Field::what_happened, "A rota left on a bus"},
                                                {Field::happened_at, "2026-10-24T07:10Z"},
                                                {Field::found_at, "2026-10-24T08:30Z"},
                                                {Field::category, "confidentiality"},
                                                {Field::incident_kind, "lost_or_stolen"},
                                                {Field::vulnerable_groups, "yes"},
                                                {Field::likelihood, "4"},
                                                {Field::severity, "1"},
                                                {Field::linked_items, "6.1.1 6.1.2"}}),
                                   now));
  graded.push_back(assess_incident(rules,
                                   incident_at("INC-0000000A", "VLAXL", "2026-27", found,
                                               {{Field::what_happened, "Found later, recorded first"},
                                                {Field::category, "availability"},
                                                {Field::incident_state, "closed"}}),
                                   now));
  graded.push_back(assess_incident(
      rules, incident_at("INC-0000000C", "VM2B3", "2026-27", found, {{Field::what_happened, "York's"}}), now));
  graded.push_back(assess_incident(
      rules, incident_at("INC-0000000D", "VLAXL", "2025-26", found, {{Field::what_happened, "Last year's"}}), now));

  const auto rows = export_incident_rows(graded, "VLAXL", "2026-27");
  ASSERT_EQ(rows.size(), 2u) << "neither York's nor another year's";
  EXPECT_EQ(rows[0].id, "INC-0000000A") << "recorded first";
  EXPECT_EQ(rows[0].category_name, "Availability");
  EXPECT_EQ(rows[0].state, "closed");
  EXPECT_TRUE(rows[0].deadline.empty());
  EXPECT_TRUE(rows[0].time_left.empty());
  const auto& row = rows[1];
  EXPECT_EQ(row.id, "INC-0000000B");
  EXPECT_EQ(row.recorded_by, "Sam Patel");
  EXPECT_EQ(row.recorded_at, format_timestamp(found + 60'000));
  EXPECT_EQ(row.happened_at, "2026-10-24T07:10Z");
  EXPECT_EQ(row.happened_at_text, "24 October 2026, 08:10 BST");
  EXPECT_EQ(row.found_at_text, "24 October 2026, 09:30 BST");
  EXPECT_EQ(row.category, "confidentiality");
  EXPECT_EQ(row.category_name, "Confidentiality");
  EXPECT_EQ(row.kind_name, "Loss or theft of paper, data or IT equipment");
  EXPECT_EQ(row.likelihood, 4);
  EXPECT_EQ(row.likelihood_label, "Highly likely");
  EXPECT_EQ(row.severity, 1) << "as recorded; the grade says it was raised";
  EXPECT_EQ(row.severity_label, "No adverse effect");
  EXPECT_NE(row.why.find("because vulnerable groups are involved"), std::string::npos) << row.why;
  EXPECT_EQ(row.report_to, std::vector<std::string>{"ico"});
  EXPECT_EQ(row.report_to_names, std::vector<std::string>{"the Information Commissioner's Office"});
  // 72 real hours from 09:30 BST on Saturday: the clocks went back on Sunday, so 08:30 GMT on Tuesday.
  EXPECT_EQ(row.deadline, "2026-10-27T08:30Z");
  EXPECT_EQ(row.deadline_text, "27 October 2026, 08:30 GMT");
  EXPECT_EQ(row.time_left, "3 hours overdue");
  EXPECT_TRUE(row.overdue);
  EXPECT_EQ(row.state, "open");
  EXPECT_EQ(row.items, (std::vector<std::string>{"6.1.1", "6.1.2"}));
  EXPECT_TRUE(export_incident_rows(graded, "VLAXL", "2024-25").empty());
}

TEST(ExportFormatFor, FlagWinsOverTheExtension) {
  auto format = export_format_for("leeds.csv", std::string("JSON"));
  ASSERT_TRUE(format) << format.error().message;
  EXPECT_EQ(*format, ExportFormat::json);
  EXPECT_EQ(*export_format_for("leeds", std::string("xlsx")), ExportFormat::xlsx);
}

TEST(ExportFormatFor, ExtensionInAnyCase) {
  EXPECT_EQ(*export_format_for("out/Leeds.XLSX", std::nullopt), ExportFormat::xlsx);
  EXPECT_EQ(*export_format_for("leeds.csv", std::nullopt), ExportFormat::csv);
  EXPECT_EQ(*export_format_for("leeds.Json", std::nullopt), ExportFormat::json);
  for (auto format : {ExportFormat::xlsx, ExportFormat::csv, ExportFormat::json})
    EXPECT_EQ(*export_format_for("x", std::string(to_string(format))), format);
}

TEST(ExportFormatFor, UnknownExtensionSaysWhatToDo) {
  for (const char* name : {"leeds.pdf", "leeds", "leeds.xlsx.bak"}) {
    auto format = export_format_for(name, std::nullopt);
    ASSERT_FALSE(format) << name;
    EXPECT_EQ(format.error().kind, ErrorKind::invalid_input);
    EXPECT_NE(format.error().message.find(".xlsx, .csv or .json"), std::string::npos) << format.error().message;
    EXPECT_NE(format.error().message.find("--format"), std::string::npos) << format.error().message;
  }
}

TEST(ExportFormatFor, BadFlagListsTheFormats) {
  auto format = export_format_for("leeds.csv", std::string("pdf"));
  ASSERT_FALSE(format);
  EXPECT_EQ(format.error().kind, ErrorKind::invalid_input);
  EXPECT_NE(format.error().message.find("xlsx, csv or json"), std::string::npos) << format.error().message;
  EXPECT_NE(format.error().message.find("pdf"), std::string::npos) << format.error().message;
  EXPECT_FALSE(export_format_for("leeds.csv", std::string(".csv"))) << "the flag names a format, not an extension";
}

TEST(ExportAtomic, MissingFolderIsNamedAndNothingIsWritten) {
  TempDir scratch;
  const auto missing = scratch / "missing";
  for (auto format : {ExportFormat::xlsx, ExportFormat::csv, ExportFormat::json}) {
    auto written = write_export(sample_document(), ExportContent::assessment, format, missing / "leeds.out");
    ASSERT_FALSE(written);
    EXPECT_EQ(written.error().kind, ErrorKind::invalid_input);
    EXPECT_NE(written.error().message.find(missing.string()), std::string::npos) << written.error().message;
  }
  EXPECT_TRUE(entries(scratch.path()).empty());
}

TEST(ExportAtomic, AnExistingFileIsReplacedWhole) {
  TempDir scratch;
  const auto out = scratch / "leeds.csv";
  std::ofstream(out) << std::string(100000, 'x');  // longer than the export: no tail may survive
  auto written = write_export(sample_document(), ExportContent::plan, ExportFormat::csv, out);
  ASSERT_TRUE(written) << written.error().message;
  const std::string text = read_file(out);
  EXPECT_EQ(text.rfind("Item,Group,", 0), 0u);
  EXPECT_EQ(text.find('x'), std::string::npos);
  EXPECT_EQ(entries(scratch.path()), std::vector<std::string>{"leeds.csv"});
}

TEST(ExportAtomic, AFailedRenameLeavesNoTemporaryFile) {
  TempDir scratch;
  // A non-empty folder under the name asked for: every file is written, then the rename fails.
  const auto out = scratch / "taken.json";
  std::filesystem::create_directories(out / "inside");
  for (auto format : {ExportFormat::xlsx, ExportFormat::csv, ExportFormat::json}) {
    auto written = write_export(sample_document(), ExportContent::assessment, format, out);
    ASSERT_FALSE(written);
    EXPECT_EQ(written.error().kind, ErrorKind::io);
    EXPECT_NE(written.error().message.find(out.string()), std::string::npos) << written.error().message;
    EXPECT_EQ(entries(scratch.path()), std::vector<std::string>{"taken.json"});
  }
}

TEST(ExportCertificate, EscapesEveryValueAndShowsTheStatus) {
  Certificate certificate;
  certificate.organisation = "<script>alert(1)</script> & \"Co\"";
  certificate.hq_code = "A1B2";
  certificate.ods = "VLAXL";
  certificate.site_name = "O'Brien's <b>Leeds</b>";
  certificate.public_status = "21/22 Standards Met";
  certificate.published_on = "2022-06-30";
  certificate.published_by = "Priya <Shah>";
  certificate.publication_id = 17;
  certificate.answers_hash = std::string(64, 'a');
  const std::string html = certificate_html(certificate);

  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("<b>"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;Co&quot;"), std::string::npos);
  EXPECT_NE(html.find("O&#39;Brien&#39;s &lt;b&gt;Leeds&lt;/b&gt;"), std::string::npos);
  EXPECT_NE(html.find("Priya &lt;Shah&gt;"), std::string::npos);
  const std::vector<std::string> expected_parts = {
      "<!DOCTYPE html>", "<html lang=\"en\">", "<meta charset=\"utf-8\">", "<title>Sign-off record", "@page", "A4",
      "Arial", "A1B2", "VLAXL", "21/22 Standards Met", "Signed off by head office on 2022-06-30", ">17<",
      "class=\"hash\">" + std::string(64, 'a'),
      // The organisation's own record, never taken for the NHS publication.
      ": sign-off record</h1>", "own record, made with DSPT sync. It is not the NHS publication",
      "www.dsptoolkit.nhs.uk"};
  for (const std::string& expected : expected_parts)
    EXPECT_NE(html.find(expected), std::string::npos) << expected;
  // No NHS branding: neither the toolkit's name as its heading nor NHS blue.
  for (const char* branding : {"<h1>Data Security and Protection Toolkit", "#005eb8", "NHS logo"})
    EXPECT_EQ(html.find(branding), std::string::npos) << branding;
  // Self-contained: nothing fetched, nothing run.
  for (const char* absent : {"http:", "https:", "src=", "<link", "url(", "@import"})
    EXPECT_EQ(html.find(absent), std::string::npos) << absent;
}

}  // namespace
}  // namespace dsptsync
