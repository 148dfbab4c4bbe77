// Reading the cell text of an Excel workbook (.xlsx, Office Open XML) from bytes in memory.
//
// Made for NHS England's list of DSPT evidence items as downloaded, which is untrusted input: the
// zip container is opened with libzip and every XML part parsed with expat, within the limits of
// limits.h (entries, inflated bytes per part and in all, rows, columns, shared strings). A workbook
// that breaks a limit or is damaged is refused whole, as `invalid_input` naming the part and what
// to do; nothing is guessed. Only values are read: no styles, formulas (their cached results are
// read), dates as dates, or merged cells.
#pragma once

#include "dsptsync/error.h"

#include <string>
#include <string_view>
#include <vector>

namespace dsptsync::xlsx {

struct Row {
  int number = 0;                  // as Excel shows it, from 1
  std::vector<std::string> cells;  // cells[0] is column A; a cell with no value is empty
};

struct Sheet {
  std::string name;       // as the tab shows it
  std::vector<Row> rows;  // the rows that have a value, in order
};

struct Workbook {
  std::vector<Sheet> sheets;  // in the workbook's tab order
};

// Whether the bytes start like a zip container (an .xlsx, .docx, .ods... is one).
bool looks_like_zip(std::string_view bytes);

// Reads every sheet's cell text. Shared and inline strings, rich text runs (joined, without their
// phonetic guides), numbers as written in the file, booleans as TRUE and FALSE, cached formula
// results and error values as text.
Result<Workbook> read_workbook(std::string_view bytes);

// "A" for column 0, "Z" for 25, "AA" for 26: as Excel names columns.
std::string column_name(std::size_t column);

}  // namespace dsptsync::xlsx
