#include "dsptsync/export.h"

#include "dsptsync/crypto.h"
#include "dsptsync/platform.h"
#include "dsptsync/text.h"

#include <nlohmann/json.hpp>
#include <xlsxwriter.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <functional>
#include <iterator>

namespace dsptsync {
namespace {

const std::vector<std::string> kItemColumns = {
    "ID",         "Group",     "Question",      "Answer",   "Location",  "Comment",
    "Shared or branch", "Overridden", "Override reason", "Mandatory", "Provided", "Assertion confirmed",
    "Last changed by", "Last changed at", "In conflict"};
const std::vector<std::string> kPlanColumns = {"Item", "Group", "Question", "Action",
                                               "Owner", "Due",   "State",    "Shared or branch"};
const std::vector<std::string> kIncidentColumns = {"ID",
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

std::string yes_no(bool value) { return value ? "Yes" : "No"; }

std::vector<std::vector<std::string>> item_rows(const ExportDocument& document) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& row : document.items)
    rows.push_back({row.id, row.group, row.question, row.answer, row.location, row.comment, row.scope,
                    yes_no(row.overridden), row.override_reason, yes_no(row.mandatory), yes_no(row.provided),
                    yes_no(row.confirmed), row.changed_by, row.changed_at, yes_no(row.in_conflict)});
  return rows;
}

std::vector<std::vector<std::string>> plan_rows(const ExportDocument& document) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& row : document.plan)
    rows.push_back({row.item, row.group, row.question, row.action, row.owner, row.due, row.state, row.scope});
  return rows;
}

std::string joined(const std::vector<std::string>& parts, std::string_view between) {
  std::string out;
  for (const auto& part : parts) out += (out.empty() ? "" : std::string(between)) + part;
  return out;
}

// A score as people read it in a sheet: "Likely (3)", "" when not graded.
std::string score_text(int score, const std::string& label) {
  if (score == 0) return "";
  return label.empty() ? std::to_string(score) : label + " (" + std::to_string(score) + ")";
}

std::string yes_no_text(const std::string& stored) {
  if (stored == "yes") return "Yes";
  if (stored == "no") return "No";
  return stored;
}

std::vector<std::vector<std::string>> incident_rows(const ExportDocument& document) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& row : document.incidents)
    rows.push_back({row.id,
                    row.recorded_at,
                    row.recorded_by,
                    row.happened_at_text,
                    row.found_at_text,
                    row.found_by,
                    row.what_happened,
                    row.category_name.empty() ? row.category : row.category_name,
                    row.kind_name.empty() ? row.kind : row.kind_name,
                    row.people_affected,
                    yes_no_text(row.vulnerable_groups),
                    row.data_involved,
                    row.containment,
                    score_text(row.likelihood, row.likelihood_label),
                    score_text(row.severity, row.severity_label),
                    row.why,
                    joined(row.report_to_names, "; "),
                    row.deadline_text,
                    row.time_left,
                    row.state,
                    row.ico_reference,
                    row.lessons_learned,
                    joined(row.items, " ")});
  return rows;
}

nlohmann::json incidents_json(const ExportDocument& document) {
  auto out = nlohmann::json::array();
  for (const auto& row : document.incidents)
    out.push_back({{"id", row.id},
                   {"recorded_at", row.recorded_at},
                   {"recorded_by", row.recorded_by},
                   {"happened_at", row.happened_at},
                   {"happened_at_text", row.happened_at_text},
                   {"found_at", row.found_at},
                   {"found_at_text", row.found_at_text},
                   {"found_by", row.found_by},
                   {"what_happened", row.what_happened},
                   {"category", row.category},
                   {"category_name", row.category_name},
                   {"kind", row.kind},
                   {"kind_name", row.kind_name},
                   {"people_affected", row.people_affected},
                   {"vulnerable_groups", row.vulnerable_groups},
                   {"data_involved", row.data_involved},
                   {"containment", row.containment},
                   {"likelihood", row.likelihood},
                   {"likelihood_label", row.likelihood_label},
                   {"severity", row.severity},
                   {"severity_label", row.severity_label},
                   {"why", row.why},
                   {"report_to", row.report_to},
                   {"report_to_names", row.report_to_names},
                   {"deadline", row.deadline},
                   {"deadline_text", row.deadline_text},
                   {"left", row.time_left},
                   {"overdue", row.overdue},
                   {"state", row.state},
                   {"ico_reference", row.ico_reference},
                   {"lessons_learned", row.lessons_learned},
                   {"items", row.items}});
  return out;
}

// Answers are typed by people and the file is opened in a spreadsheet: a cell starting with one
// of these, after any spaces (which spreadsheets skip), would run as a formula there (CSV
// injection), so it gets a leading apostrophe.
std::string defuse_formula(const std::string& cell) {
  const auto first = cell.find_first_not_of(' ');
  if (first != std::string::npos && std::string_view("=+-@\t\r\n").find(cell[first]) != std::string_view::npos)
    return "'" + cell;
  return cell;
}

std::string csv_cell(const std::string& raw) {
  const std::string cell = defuse_formula(raw);
  if (cell.find_first_of(",\"\r\n") == std::string::npos) return cell;
  std::string quoted = "\"";
  for (char c : cell) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  return quoted + "\"";
}

std::string csv_text(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows) {
  std::string out;
  auto line = [&](const std::vector<std::string>& cells) {
    for (std::size_t i = 0; i < cells.size(); ++i) out += (i ? "," : "") + csv_cell(cells[i]);
    out += "\r\n";
  };
  line(header);
  for (const auto& row : rows) line(row);
  return out;
}

std::string json_text(const ExportDocument& document, ExportContent content) {
  nlohmann::json out = {{"organisation", document.organisation}, {"hq_code", document.hq_code},
                        {"ods", document.ods},                   {"site_name", document.site_name},
                        {"year", document.year},                 {"status", document.status},
                        {"generated_at", document.generated_at}};
  if (content == ExportContent::assessment) {
    out["items"] = nlohmann::json::array();
    for (const auto& row : document.items)
      out["items"].push_back({{"id", row.id},
                              {"group", row.group},
                              {"question", row.question},
                              {"answer", row.answer},
                              {"location", row.location},
                              {"comment", row.comment},
                              {"scope", row.scope},
                              {"overridden", row.overridden},
                              {"override_reason", row.override_reason},
                              {"mandatory", row.mandatory},
                              {"provided", row.provided},
                              {"confirmed", row.confirmed},
                              {"changed_by", row.changed_by},
                              {"changed_at", row.changed_at},
                              {"in_conflict", row.in_conflict}});
    out["incidents"] = incidents_json(document);
  } else if (content == ExportContent::incidents) {
    out["incidents"] = incidents_json(document);
  } else {
    out["plan"] = nlohmann::json::array();
    for (const auto& row : document.plan)
      out["plan"].push_back({{"item", row.item}, {"group", row.group}, {"question", row.question},
                             {"action", row.action}, {"owner", row.owner}, {"due", row.due}, {"state", row.state},
                             {"scope", row.scope}});
  }
  // Text from the store is UTF-8, but a malformed byte must not make the whole export throw: it is
  // written as U+FFFD instead.
  return out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

// Excel holds at most 32,767 characters in a cell and libxlsxwriter refuses a longer string, but
// an answer or comment may be up to kMaxValueBytes: rather than fail the whole workbook, the cell
// is cut (at a character boundary) and says where the full text is.
std::string fit_excel_cell(const std::string& text) {
  constexpr std::size_t kExcelCellChars = 32767;
  static const std::string kCut = " [cut at Excel's limit; the .csv and .json exports hold the full text]";
  std::size_t chars = 0;
  for (unsigned char c : text) chars += (c & 0xC0) != 0x80;  // counts UTF-8 lead bytes, as libxlsxwriter does
  if (chars <= kExcelCellChars) return text;
  const std::size_t keep = kExcelCellChars - kCut.size();
  std::size_t seen = 0, end = 0;
  for (; end < text.size(); ++end) {
    if ((static_cast<unsigned char>(text[end]) & 0xC0) != 0x80 && seen++ == keep) break;
  }
  return text.substr(0, end) + kCut;
}

Status check(lxw_error code, const std::filesystem::path& out, std::string_view doing) {
  if (code == LXW_NO_ERROR) return {};
  return io_error("cannot write the workbook " + platform::utf8_of(out) + " (" + std::string(doing) +
                  "): " + lxw_strerror(code));
}

// One table on its own sheet: a bold, frozen header row with a filter, then one row per entry.
struct Table {
  const char* sheet;
  const std::vector<std::string>* header;
  std::vector<std::vector<std::string>> rows;
};

// The tables a workbook holds, in order, before its About sheet.
std::vector<Table> tables_of(const ExportDocument& document, ExportContent content) {
  Table incidents{"Incidents", &kIncidentColumns, incident_rows(document)};
  switch (content) {
    case ExportContent::assessment:
      return {Table{"Assessment", &kItemColumns, item_rows(document)}, std::move(incidents)};
    case ExportContent::plan: return {Table{"Improvement plan", &kPlanColumns, plan_rows(document)}};
    case ExportContent::incidents: return {std::move(incidents)};
  }
  return {};
}

// Wide columns for the question and the free text, narrow ones for ids and flags.
double column_width(const std::string& name) {
  if (name == "Question" || name == "What happened" || name == "Grade") return 60;
  for (const char* wide : {"Answer", "Comment", "Action", "Override reason", "Containment", "Data involved",
                           "Lessons learned", "Report to"})
    if (name == wide) return 40;
  if (name == "Group" || name == "Happened at" || name == "Found at" || name == "Deadline") return 24;
  return 16;
}

std::string_view content_words(ExportContent content) {
  switch (content) {
    case ExportContent::assessment: return "assessment";
    case ExportContent::plan: return "improvement plan";
    case ExportContent::incidents: return "incidents";
  }
  return "assessment";
}

Status write_xlsx(const ExportDocument& document, ExportContent content, const std::filesystem::path& file,
                  const std::filesystem::path& shown_as) {
  // libxlsxwriter keeps each sheet in a temporary file until it zips them: in memory where the
  // system has a memory folder, so the answers never reach a disk as plain XML.
  const auto memory = platform::memory_folder();
  std::string tmpdir = memory ? platform::utf8_of(*memory) : std::string();
  lxw_workbook_options options = {};
  options.tmpdir = memory ? tmpdir.data() : nullptr;
  lxw_workbook* workbook = workbook_new_opt(platform::utf8_of(file).c_str(), &options);
  if (!workbook) return io_error("cannot create the workbook " + platform::utf8_of(shown_as));
  const auto tables = tables_of(document, content);
  std::vector<lxw_worksheet*> sheets;
  for (const auto& table : tables) sheets.push_back(workbook_add_worksheet(workbook, table.sheet));
  lxw_worksheet* about = workbook_add_worksheet(workbook, "About");
  lxw_format* bold = workbook_add_format(workbook);
  format_set_bold(bold);
  lxw_format* wrap = workbook_add_format(workbook);
  format_set_text_wrap(wrap);
  format_set_align(wrap, LXW_ALIGN_VERTICAL_TOP);

  const std::string title = "DSPT " + document.year + " " + std::string(content_words(content)) + ": " +
                            document.site_name + " (" + document.ods + ")";
  lxw_doc_properties properties = {};
  properties.title = const_cast<char*>(title.c_str());
  properties.subject = const_cast<char*>(document.status.c_str());
  properties.company = const_cast<char*>(document.organisation.c_str());
  properties.comments = const_cast<char*>(document.generated_at.c_str());
  if (auto s = check(workbook_set_properties(workbook, &properties), shown_as, "properties"); !s) {
    workbook_close(workbook);
    return s;
  }

  Status failed;
  auto write = [&](lxw_worksheet* into, lxw_row_t row, lxw_col_t col, const std::string& text, lxw_format* format) {
    if (!failed) return;
    // Every value is written as a string: an answer is never evaluated as a formula.
    failed = check(worksheet_write_string(into, row, col, fit_excel_cell(text).c_str(), format), shown_as,
                   "row " + std::to_string(row + 1) + ", column " + std::to_string(col + 1));
  };
  for (std::size_t t = 0; t < tables.size(); ++t) {
    lxw_worksheet* sheet = sheets[t];
    const auto& header = *tables[t].header;
    const auto& rows = tables[t].rows;
    for (std::size_t c = 0; c < header.size(); ++c) write(sheet, 0, static_cast<lxw_col_t>(c), header[c], bold);
    for (std::size_t r = 0; r < rows.size(); ++r)
      for (std::size_t c = 0; c < rows[r].size(); ++c)
        write(sheet, static_cast<lxw_row_t>(r + 1), static_cast<lxw_col_t>(c), rows[r][c], wrap);
    worksheet_freeze_panes(sheet, 1, 0);  // returns nothing
    if (failed)
      failed = check(worksheet_autofilter(sheet, 0, 0, static_cast<lxw_row_t>(rows.size()),
                                          static_cast<lxw_col_t>(header.size() - 1)),
                     shown_as, "filter");
    for (std::size_t c = 0; c < header.size(); ++c)
      if (failed)
        failed = check(worksheet_set_column(sheet, static_cast<lxw_col_t>(c), static_cast<lxw_col_t>(c),
                                            column_width(header[c]), nullptr),
                       shown_as, "column widths");
  }
  const std::vector<std::pair<std::string, std::string>> facts = {
      {"Organisation", document.organisation}, {"HQ code", document.hq_code}, {"ODS code", document.ods},
      {"Site", document.site_name},            {"Year", document.year},       {"Status now", document.status},
      {"Generated at", document.generated_at}};
  for (std::size_t r = 0; r < facts.size(); ++r) {
    write(about, static_cast<lxw_row_t>(r), 0, facts[r].first, bold);
    write(about, static_cast<lxw_row_t>(r), 1, facts[r].second, nullptr);
  }
  if (failed) failed = check(worksheet_set_column(about, 0, 0, 16, nullptr), shown_as, "column widths");
  if (failed) failed = check(worksheet_set_column(about, 1, 1, 50, nullptr), shown_as, "column widths");
  const lxw_error closed = workbook_close(workbook);  // writes the file and frees the workbook
  if (!failed) return failed;
  return check(closed, shown_as, "saving");
}

Status cannot_write(const std::filesystem::path& shown_as, const Error& why) {
  return io_error("cannot write " + platform::utf8_of(shown_as) + ": " + why.message);
}

// Made durable before the rename, so after a power cut the name holds either the old file or the
// whole new one, never a renamed but empty file.
Status sync_file(const std::filesystem::path& file, const std::filesystem::path& shown_as) {
  auto synced = platform::sync_file(file);
  return synced ? synced : cannot_write(shown_as, synced.error());
}

Status write_text(const std::string& text, const std::filesystem::path& file, const std::filesystem::path& shown_as) {
  // A new file: the temporary name is fresh, so an existing file there is not ours to overwrite.
  auto written = platform::write_new_file(file, text, platform::FileAccess::usual);
  return written ? written : cannot_write(shown_as, written.error());
}

std::string escape_html(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

}  // namespace

std::string_view to_string(ExportContent content) {
  switch (content) {
    case ExportContent::assessment: return "assessment";
    case ExportContent::plan: return "plan";
    case ExportContent::incidents: return "incidents";
  }
  return "assessment";
}

std::size_t export_rows(const ExportDocument& document, ExportContent content) {
  switch (content) {
    case ExportContent::assessment: return document.items.size();
    case ExportContent::plan: return document.plan.size();
    case ExportContent::incidents: return document.incidents.size();
  }
  return 0;
}

std::string_view to_string(ExportFormat format) {
  switch (format) {
    case ExportFormat::xlsx: return "xlsx";
    case ExportFormat::csv: return "csv";
    case ExportFormat::json: return "json";
  }
  return "xlsx";
}

Result<ExportFormat> export_format_for(const std::filesystem::path& out, const std::optional<std::string>& format) {
  // --format names a format ("csv"); the file name ends in an extension (".csv"), compared without its dot.
  std::string named;
  if (format) named = lowercase(*format);
  else if (out.has_extension()) named = lowercase(out.extension().string().substr(1));
  if (named == "xlsx") return ExportFormat::xlsx;
  if (named == "csv") return ExportFormat::csv;
  if (named == "json") return ExportFormat::json;
  if (format) return invalid_input("--format is xlsx, csv or json, not '" + *format + "'");
  return invalid_input("cannot tell the format of " + platform::utf8_of(out) +
                       " from its name; end it in .xlsx, .csv or .json, or give --format xlsx|csv|json");
}

namespace {

// The text of a CSV or JSON export.
std::string export_text(const ExportDocument& document, ExportContent content, ExportFormat format) {
  if (format == ExportFormat::json) return json_text(document, content);
  switch (content) {
    case ExportContent::assessment: return csv_text(kItemColumns, item_rows(document));
    case ExportContent::plan: return csv_text(kPlanColumns, plan_rows(document));
    case ExportContent::incidents: return csv_text(kIncidentColumns, incident_rows(document));
  }
  return csv_text(kItemColumns, item_rows(document));
}

}  // namespace

namespace {

// Written beside the target and renamed into place, so a failure never leaves half a file under the
// name asked for and an existing file is replaced whole. `write` makes the temporary file, durable.
Status replace_atomically(const std::filesystem::path& out,
                          const std::function<Status(const std::filesystem::path& temporary)>& write) {
  std::error_code ec;
  const auto parent = out.parent_path().empty() ? std::filesystem::path(".") : out.parent_path();
  if (!std::filesystem::is_directory(parent, ec))
    return invalid_input("the folder " + platform::utf8_of(parent) +
                         " does not exist; create it or choose another --out");
  // Through the platform seam: on Windows a narrow path is the ANSI code page's, not UTF-8.
  const auto temporary =
      parent / platform::path_from_utf8("." + platform::utf8_of(out.filename()) + ".tmp-" + crypto::random_hex(4));
  Status written = write(temporary);
  if (written) {
    std::filesystem::rename(temporary, out, ec);
    if (ec) written = io_error("cannot write " + platform::utf8_of(out) + ": " + ec.message());
  }
  if (!written) {
    std::filesystem::remove(temporary, ec);
    return written;
  }
  // Makes the rename itself durable. Best effort: the file is complete either way.
  (void)platform::sync_directory(parent);
  return written;
}

}  // namespace

Status write_export(const ExportDocument& document, ExportContent content, ExportFormat format,
                    const std::filesystem::path& out) {
  return replace_atomically(out, [&](const std::filesystem::path& temporary) -> Status {
    if (format != ExportFormat::xlsx) return write_text(export_text(document, content, format), temporary, out);
    auto written = write_xlsx(document, content, temporary, out);
    return written ? sync_file(temporary, out) : written;
  });
}

Status write_file_atomically(const std::filesystem::path& out, std::string_view bytes) {
  return replace_atomically(out, [&](const std::filesystem::path& temporary) -> Status {
    auto written = write_text(std::string(bytes), temporary, out);
    return written ? sync_file(temporary, out) : written;
  });
}

std::string certificate_html(const Certificate& c) {
  const auto e = [](const std::string& text) { return escape_html(text); };
  return "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>Sign-off record: " +
         e(c.site_name) + " (" + e(c.ods) + ")</title>\n<style>\n"
         "@page { size: A4; margin: 20mm; }\n"
         "body { font-family: Frutiger, Arial, sans-serif; color: #212b32; margin: 0 auto; max-width: 170mm; }\n"
         "header { border-bottom: 2px solid #212b32; padding: 12px 0; }\n"
         "h1 { font-size: 22px; margin: 0; }\n"
         ".status { font-size: 34px; font-weight: bold; margin: 28px 0 8px; }\n"
         ".note { border: 1px solid #212b32; padding: 10px 14px; margin-top: 24px; }\n"
         "dl { display: grid; grid-template-columns: 40mm 1fr; gap: 6px 12px; }\n"
         "dt { font-weight: bold; }\n"
         ".hash { font-family: monospace; font-size: 10px; word-break: break-all; }\n"
         "</style>\n</head>\n<body>\n<header><h1>" + e(c.organisation) +
         ": sign-off record</h1></header>\n<main>\n"
         "<p class=\"status\">" + e(c.public_status) + "</p>\n"
         "<p>Signed off by head office on " + e(c.published_on) + "</p>\n<dl>\n"
         "<dt>Organisation</dt><dd>" + e(c.organisation) + " (" + e(c.hq_code) + ")</dd>\n"
         "<dt>Site</dt><dd>" + e(c.site_name) + " (" + e(c.ods) + ")</dd>\n"
         "<dt>Signed off by</dt><dd>" + e(c.published_by) + "</dd>\n"
         "<dt>Sign-off</dt><dd>" + std::to_string(c.publication_id) + "</dd>\n"
         "<dt>Answers hash</dt><dd class=\"hash\">" + e(c.answers_hash) + "</dd>\n"
         "</dl>\n<p class=\"note\">This is " + e(c.organisation) +
         "'s own record, made with DSPT sync. It is not the NHS publication and not issued by the NHS: the "
         "official status is the one published on the NHS Data Security and Protection Toolkit website "
         "(www.dsptoolkit.nhs.uk).</p>\n</main>\n</body>\n</html>\n";
}

namespace {

// A workbook's bytes written into a memory file; nullopt where the system has none.
std::optional<Result<std::string>> xlsx_in_memory(const ExportDocument& document, ExportContent content,
                                                  const std::string& file_name) {
  auto memory = platform::MemoryFile::create();
  if (!memory) return std::nullopt;
  if (auto written = write_xlsx(document, content, memory->path(), file_name); !written) return written.error();
  return memory->read();
}

// Where there is no memory file (Windows laptops): written in a private temporary folder, read
// back and removed.
Result<std::string> xlsx_through_private_folder(const ExportDocument& document, ExportContent content,
                                                const std::string& file_name) {
  std::error_code ec;
  const auto folder = std::filesystem::temp_directory_path(ec) / ("dsptsync-export-" + crypto::random_hex(8));
  if (ec || !std::filesystem::create_directory(folder, ec))
    return io_error("cannot make a temporary folder for the export: " + ec.message());
  std::filesystem::permissions(folder, std::filesystem::perms::owner_all, ec);
  const auto file = folder / file_name;
  Status written = write_export(document, content, ExportFormat::xlsx, file);
  std::string bytes;
  if (written) {
    std::ifstream in(file, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    if (in.bad()) written = io_error("cannot read back the export " + platform::utf8_of(file));
  }
  std::filesystem::remove_all(folder, ec);
  if (!written) return written.error();
  return bytes;
}

}  // namespace

Result<ExportFile> export_to_memory(const ExportDocument& document, ExportContent content, ExportFormat format) {
  ExportFile out;
  out.file_name =
      document.ods + "-" + document.year + "-" + std::string(to_string(content)) + "." + std::string(to_string(format));
  switch (format) {
    case ExportFormat::xlsx: out.content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"; break;
    case ExportFormat::csv: out.content_type = "text/csv; charset=utf-8"; break;
    case ExportFormat::json: out.content_type = "application/json; charset=utf-8"; break;
  }
  if (format != ExportFormat::xlsx) {
    out.bytes = export_text(document, content, format);
    return out;
  }
  auto bytes = xlsx_in_memory(document, content, out.file_name);
  if (!bytes) bytes = xlsx_through_private_folder(document, content, out.file_name);
  if (!*bytes) return bytes->error();
  out.bytes = std::move(**bytes);
  return out;
}

}  // namespace dsptsync
