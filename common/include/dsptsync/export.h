// Exports of an assessment, its improvement plan and its site's incidents (.xlsx, .csv, .json) and
// the printable publication certificate (HTML). Callers build the rows from an effective assessment
// and the site's incidents (export_document in report.h); this file only writes them.
#pragma once

#include "dsptsync/error.h"
#include "dsptsync/time.h"

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dsptsync {

// One evidence item as exported: one row per item of the question set, answered or not.
struct ExportItemRow {
  std::string id;          // "1.1.5"
  std::string group;       // "Staffing and roles"
  std::string question;
  std::string answer;      // canonical text ("yes", a date, a document name...), empty when unanswered
  std::string location;    // documents: where the document is kept
  std::string comment;
  std::string scope;       // "shared" (answered by head office for every branch) or "branch"
  bool overridden = false; // a branch's own answer replacing the shared one
  std::string override_reason;
  bool mandatory = true;   // required for Standards Met
  bool provided = false;   // counts as provided under the status rules
  bool confirmed = false;  // its assertion is confirmed
  std::string changed_by;  // who last changed the answer (empty when never answered)
  std::string changed_at;  // when, ISO 8601 UTC ("2026-11-23T10:15:00Z"), empty when never answered
  bool in_conflict = false;
};

// One line of the improvement plan.
struct ExportPlanRow {
  std::string item;        // item id
  std::string group;
  std::string question;
  std::string action;
  std::string owner;
  std::string due;         // ISO date
  std::string state;       // open | in_progress | done
  std::string scope;       // "shared" or "branch"
};

// One incident of the site, recorded in the assessment's year (docs/incidents.md). Times people typed
// are given twice: as stored (UTC, for JSON) and as people in England read them (the sheets). Every
// text is "" where nothing was recorded.
struct ExportIncidentRow {
  std::string id;           // "INC-3F9A2C1B"
  std::string recorded_at;  // ISO 8601 UTC, as the items' "changed at"
  std::string recorded_by;
  std::string happened_at;       // stored form: "2026-10-24T08:00Z"
  std::string happened_at_text;  // "24 October 2026, 09:00 BST" (uk_local_time)
  std::string found_at;          // when the organisation became aware: the 72 hours start here
  std::string found_at_text;
  std::string found_by;
  std::string what_happened;
  std::string category;       // id as stored: "confidentiality"
  std::string category_name;  // as the guide names it: "Confidentiality"
  std::string kind;           // id as stored: "lost_or_stolen"
  std::string kind_name;
  std::string people_affected;    // a whole number as recorded
  std::string vulnerable_groups;  // "yes", "no"
  std::string data_involved;
  std::string containment;
  int likelihood = 0;  // 1..5 as recorded, 0 when not graded
  int severity = 0;
  std::string likelihood_label;  // the scale's step: "Likely"
  std::string severity_label;
  std::string why;                           // the grade and what it means (Grade::why)
  std::vector<std::string> report_to;        // the bodies' ids: "ico"
  std::vector<std::string> report_to_names;  // "the Information Commissioner's Office"
  std::string deadline;                      // stored form, while the 72-hour clock runs ("" otherwise)
  std::string deadline_text;                 // as people read it
  std::string time_left;                     // "41 hours left", "3 hours overdue"; "" when no clock runs
  bool overdue = false;
  std::string state;  // open | reported | closed
  std::string ico_reference;
  std::string lessons_learned;
  std::vector<std::string> items;  // the evidence items it bears on
};

struct ExportDocument {
  std::string organisation;  // the organisation's name
  std::string hq_code;       // the organisation's HQ code
  std::string ods;           // the assessment's own ODS code (a branch's V code, or the HQ code)
  std::string site_name;     // the branch's name (or the organisation's)
  std::string year;          // "2021-22"
  std::string status;        // what it would publish at now: "Standards Met"...
  std::string generated_at;  // ISO 8601 UTC
  std::vector<ExportItemRow> items;
  std::vector<ExportPlanRow> plan;
  std::vector<ExportIncidentRow> incidents;  // the site's incidents of the year, oldest first
};

enum class ExportFormat { xlsx, csv, json };
std::string_view to_string(ExportFormat format);
// The format named by --format, else by the file's extension (.xlsx, .csv, .json); a usage error
// naming both otherwise.
Result<ExportFormat> export_format_for(const std::filesystem::path& out, const std::optional<std::string>& format);

// What to write: the assessment (one row per item; a workbook or JSON document also holds the
// incidents), the improvement plan (one row per line) or the incidents alone (one row per incident:
// a CSV file holds one table).
enum class ExportContent { assessment, plan, incidents };
std::string_view to_string(ExportContent content);  // "assessment", "plan", "incidents"
// The rows of the content's main table: items, plan lines or incidents.
std::size_t export_rows(const ExportDocument& document, ExportContent content);

// Writes the file atomically (a temporary file beside it, renamed when complete), so a failed
// export never leaves half a file under the name asked for.
Status write_export(const ExportDocument& document, ExportContent content, ExportFormat format,
                    const std::filesystem::path& out);

// Any file written the same way (a document downloaded from the policy library), readable by its
// owner as usual.
Status write_file_atomically(const std::filesystem::path& out, std::string_view bytes);

// An export made in memory, for a download (the web app): the file a browser saves, its media
// type and its bytes. No plaintext file is written: CSV and JSON are built as text, and the workbook
// (libxlsxwriter writes only files) goes to a memory file (platform::MemoryFile); only where the
// system has none (Windows) is it written in a private temporary folder, read back and removed.
struct ExportFile {
  std::string file_name;     // "VLAXL-2021-22-assessment.xlsx" (-plan, -incidents)
  std::string content_type;  // the format's media type
  std::string bytes;
};
Result<ExportFile> export_to_memory(const ExportDocument& document, ExportContent content, ExportFormat format);

// The printable certificate of one site's publication.
struct Certificate {
  std::string organisation;
  std::string hq_code;
  std::string ods;            // the site's code
  std::string site_name;
  std::string public_status;  // "21/22 Standards Met"
  std::string published_on;   // ISO date
  std::string published_by;
  std::int64_t publication_id = 0;
  std::string answers_hash;   // BLAKE2b-256 hex of the answers the status rested on
};
// A self-contained HTML page (inline CSS, prints on one A4 page); every value escaped.
std::string certificate_html(const Certificate& certificate);

}  // namespace dsptsync
