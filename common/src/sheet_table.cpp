// The official list's rows (sheet_table.h): a CSV file read with libcsv in strict mode, and where
// a row or cell is, in the words of the file it came from.
#include "sheet_table.h"

#include "dsptsync/xlsx.h"

#include <csv.h>

#include <algorithm>
#include <memory>
#include <optional>

namespace dsptsync::sheet {
namespace {

struct CsvSyntaxError {
  int line = 0;
  std::size_t column = 0;  // 0-based field index in the record
  bool unterminated = false;
};

struct CsvReadState {
  std::vector<Row> rows;
  std::vector<std::string> fields;
  int current_line = 0;
  int record_start = 1;
  bool awaiting_record = true;
  int quoted_line_breaks_so_far = 0;
};

void on_field(void* data, std::size_t size, void* state_ptr) {
  auto& state = *static_cast<CsvReadState*>(state_ptr);
  state.fields.emplace_back(static_cast<const char*>(data), size);
}

void on_record_end(int, void* state_ptr) {
  auto& state = *static_cast<CsvReadState*>(state_ptr);
  int line_breaks = 0;
  for (const auto& field : state.fields)
    line_breaks += static_cast<int>(std::count(field.begin(), field.end(), '\n'));
  state.rows.push_back(
      {std::move(state.fields), state.record_start, state.record_start - state.quoted_line_breaks_so_far});
  state.quoted_line_breaks_so_far += line_breaks;
  state.fields.clear();
  state.awaiting_record = true;
  // Until the next non-blank line is fed. A stray CR, which libcsv takes as a record end in the
  // middle of a line, can make a later record's line number approximate; nothing else can.
  state.record_start = state.current_line;
}

bool is_blank_line(std::string_view line) {
  return line.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

struct CsvRead {
  std::vector<Row> rows;
  std::optional<CsvSyntaxError> syntax_error;
};

// libcsv reports no positions, so the text is fed a physical line at a time: a record ends in the
// call that fed its line break, and the record after it starts on the next line that is not blank
// (libcsv skips blank lines).
Result<CsvRead> read_csv(std::string_view text) {
  csv_parser parser;
  if (csv_init(&parser, CSV_STRICT | CSV_STRICT_FINI) != 0)
    return make_error(ErrorKind::internal, "libcsv failed to start");
  std::unique_ptr<csv_parser, void (*)(csv_parser*)> cleanup(&parser, csv_free);

  CsvReadState state;
  std::size_t start = 0;
  while (start < text.size()) {
    auto end = text.find('\n', start);
    end = end == std::string_view::npos ? text.size() : end + 1;
    std::string_view line = text.substr(start, end - start);
    start = end;
    ++state.current_line;
    if (state.awaiting_record && !is_blank_line(line)) {
      state.record_start = state.current_line;
      state.awaiting_record = false;
    }
    if (csv_parse(&parser, line.data(), line.size(), on_field, on_record_end, &state) != line.size()) {
      if (csv_error(&parser) != CSV_EPARSE)
        return io_error(std::string("the CSV could not be read: ") + csv_strerror(csv_error(&parser)));
      return CsvRead{std::move(state.rows), CsvSyntaxError{state.current_line, state.fields.size(), false}};
    }
  }
  if (csv_fini(&parser, on_field, on_record_end, &state) != 0)
    return CsvRead{std::move(state.rows), CsvSyntaxError{state.record_start, state.fields.size(), true}};
  return CsvRead{std::move(state.rows), std::nullopt};
}

// Names the column by the header row when one was read before the fault.
Error syntax_error(const CsvRead& read) {
  const auto& error = *read.syntax_error;
  std::string column = "column " + std::to_string(error.column + 1);
  for (const auto& row : read.rows) {
    if (std::any_of(row.cells.begin(), row.cells.end(), [](const std::string& cell) { return is_reference_header(cell); })) {
      if (error.column < row.cells.size()) column = "column '" + tidy_header(row.cells[error.column]) + "'";
      break;
    }
  }
  std::string location = "line " + std::to_string(error.line) + ", " + column + ": ";
  if (error.unterminated)
    return invalid_input(location + "a quoted field is never closed; the file ends inside it (a closing \" is missing)");
  return invalid_input(location +
                       "a quote mark in a field must be doubled (\"\") inside a quoted field, and a quoted field "
                       "must end with \" followed by a comma or the end of the line");
}

}  // namespace

Result<Table> read_csv_table(std::string_view text) {
  auto read = read_csv(text);
  if (!read) return read.error();
  if (read->syntax_error) return syntax_error(*read);
  return Table{false, {}, std::move(read->rows)};
}

std::string where(const Table& table, const Row& row) {
  if (table.from_workbook) return "sheet '" + table.sheet + "', row " + std::to_string(row.number);
  std::string text = "line " + std::to_string(row.number);
  if (row.spreadsheet_row != row.number) text += " (spreadsheet row " + std::to_string(row.spreadsheet_row) + ")";
  return text;
}

std::string where(const Table& table, const Row& row, std::size_t column, const std::string& header) {
  if (table.from_workbook) return where(table, row) + ", column " + xlsx::column_name(column) + " '" + header + "'";
  return where(table, row) + ", column '" + header + "'";
}

}  // namespace dsptsync::sheet
