// The official list as rows of cell text, whichever file it came in (CSV or .xlsx), and the one
// mapping from those rows to a question set. Private to common: official_list.h is the interface.
#pragma once

#include "dsptsync/catalogue.h"

#include <map>
#include <string>
#include <vector>

namespace dsptsync::sheet {

struct Row {
  std::vector<std::string> cells;
  int number = 0;           // CSV: the physical line the record starts on; .xlsx: the sheet's row number
  int spreadsheet_row = 0;  // the row a spreadsheet shows it on (differs in CSV when quoted cells hold line breaks)
};

struct Table {
  bool from_workbook = false;
  std::string sheet;  // .xlsx: the sheet's name
  std::vector<Row> rows;
};

// Where a row is, as the user finds it: "line 7" or "line 14 (spreadsheet row 11)" in a CSV file,
// "sheet 'Evidence items', row 7" in a workbook.
std::string where(const Table& table, const Row& row);
// The same with the column: "line 7, column 'Evidence Reference'" or
// "sheet 'Evidence items', row 7, column D 'Evidence Reference'".
std::string where(const Table& table, const Row& row, std::size_t column, const std::string& header);

// A CSV file's records. A syntax error (a stray or unclosed quote) is refused with its line and
// column, named by the header row when there is one above it.
Result<Table> read_csv_table(std::string_view text);

// A header cell as people type it: runs of spaces and line breaks are one space, en and em dashes
// are hyphens.
std::string tidy_header(std::string_view raw);

// Whether a header cell names the item id column ("Evidence Reference", "Evidence ref", ...): the
// row that has one is the header row, and a workbook's sheet that has one is the list.
bool is_reference_header(std::string_view cell);

// The same category, however a header spells it: "Category 3", "Cat3", "CAT 3" -> "cat3";
// "Social Care" -> "social care".
std::string category_key(std::string_view text);

// Whether a text (a sheet's name, a header) names the category of `key` ("Cat 3 items", "cat3").
bool mentions_category(std::string_view text, std::string_view key);

struct ImportSettings {
  std::string category;                    // named by the user; empty: the defaults below
  std::vector<std::string> default_keys;   // category keys to try in order, e.g. {"cat3"}
  std::string default_name;                // the first default as people write it, for messages
  const Catalogue* reference = nullptr;    // fills what the list leaves out (docs/catalogue.md)
  std::string file_name;                   // for the origin and messages
};

struct TableImport {
  Catalogue catalogue;
  std::string category;                            // the category read, as the header spells it
  std::size_t header_index = 0;                    // the header row's index in the table
  std::map<std::string, std::string> change_notes;  // item id -> the list's note of what changed
  std::size_t left_out = 0;                        // rows with no evidence text for the category
};

// Maps the rows to a question set: finds the header row (title rows above it are skipped), the
// columns by what their names say, and reads every item row strictly.
Result<TableImport> import_table(const Table& table, AssessmentYear year, const ImportSettings& settings);

}  // namespace dsptsync::sheet
