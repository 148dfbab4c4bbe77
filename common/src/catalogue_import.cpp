// Reads the NHS England DSPT standard spreadsheet, saved as CSV, into a Catalogue.
//
// The spreadsheet's layout moves a little from year to year, so columns are found by what their
// names say rather than where they stand. Everything else is strict: one malformed cell refuses
// the whole file, with its line and column, because a half-read question set would quietly make
// the status rules wrong. docs/catalogue.md lists the columns and the messages.
#include "dsptsync/catalogue.h"

#include <csv.h>

#include <algorithm>
#include <map>
#include <memory>

namespace dsptsync {
namespace {

struct CsvRecord {
  std::vector<std::string> fields;
  int line = 0;             // the physical line the record starts on, counting from 1
  int spreadsheet_row = 0;  // the row a spreadsheet shows it on: quoted line breaks do not count
};

struct CsvSyntaxError {
  int line = 0;
  std::size_t column = 0;  // 0-based field index in the record
  bool unterminated = false;
};

struct CsvRead {
  std::vector<CsvRecord> records;
  std::optional<CsvSyntaxError> syntax_error;
};

struct CsvReadState {
  std::vector<CsvRecord> records;
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
  state.records.push_back(
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
      return CsvRead{std::move(state.records),
                     CsvSyntaxError{state.current_line, state.fields.size(), false}};
    }
  }
  if (csv_fini(&parser, on_field, on_record_end, &state) != 0)
    return CsvRead{std::move(state.records), CsvSyntaxError{state.record_start, state.fields.size(), true}};
  return CsvRead{std::move(state.records), std::nullopt};
}

char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), ascii_lower);
  return out;
}

std::string_view trim(std::string_view text) {
  auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  auto last = text.find_last_not_of(" \t\r\n");
  return text.substr(first, last - first + 1);
}

// Header cells as people type them: any run of spaces or line breaks is one space, and the en or
// em dashes Excel puts in for "-" are plain hyphens again.
std::string tidy_header(std::string_view raw) {
  std::string out;
  bool pending_space = false;
  for (std::size_t i = 0; i < raw.size(); ++i) {
    char c = raw[i];
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out += ' ';
    pending_space = false;
    if (raw.substr(i, 3) == "\xE2\x80\x93" || raw.substr(i, 3) == "\xE2\x80\x94") {
      out += '-';
      i += 2;
      continue;
    }
    out += c;
  }
  return out;
}

// Cell text as the spreadsheet meant it: no surrounding space and Unix line breaks inside.
std::string tidy_text(std::string_view raw) {
  std::string out;
  auto text = trim(raw);
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') continue;
    out += text[i];
  }
  return out;
}

bool is_word_char(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

// Whether `phrase` appears as whole words in `text` (both lower case): "category 1" must not match
// "category 10".
bool has_phrase(std::string_view text, std::string_view phrase) {
  if (phrase.empty()) return false;
  for (auto at = text.find(phrase); at != std::string_view::npos; at = text.find(phrase, at + 1)) {
    bool starts_word = at == 0 || !is_word_char(text[at - 1]);
    bool ends_word = at + phrase.size() == text.size() || !is_word_char(text[at + phrase.size()]);
    if (starts_word && ends_word) return true;
  }
  return false;
}

// "Evidence text - Social Care" with prefix "evidence text" gives "Social Care"; the bare prefix
// gives an unnamed category. Nothing when the name is something else.
std::optional<std::string> category_after(const std::string& tidy, std::string_view prefix) {
  if (lower(tidy).rfind(prefix, 0) != 0) return std::nullopt;
  std::string_view rest = trim(std::string_view(tidy).substr(prefix.size()));
  if (rest.empty()) return std::string();
  if (rest.front() != '-' && rest.front() != ':') return std::nullopt;
  return std::string(trim(rest.substr(1)));
}

std::optional<std::string> tooltip_category(const std::string& tidy) {
  for (auto prefix : {"tool tips", "tooltips", "tool tip", "tooltip"}) {
    if (auto category = category_after(tidy, prefix)) return category;
  }
  return std::nullopt;
}

std::string quoted_list(const std::vector<std::string>& names) {
  std::string list;
  for (const auto& name : names) {
    if (!list.empty()) list += ", ";
    list += "'" + name + "'";
  }
  return list;
}

enum class Flag { yes, no, uncertain };

std::optional<Flag> parse_flag(std::string_view raw, bool allow_uncertain) {
  auto value = lower(trim(raw));
  if (value == "yes" || value == "y" || value == "true" || value == "1" || value == "mandatory" ||
      value == "required")
    return Flag::yes;
  if (value.empty() || value == "no" || value == "n" || value == "false" || value == "0" || value == "-" ||
      value == "not mandatory" || value == "optional")
    return Flag::no;
  if (allow_uncertain) {
    if (value == "as") return Flag::yes;
    if (value == "uncertain" || value == "as?") return Flag::uncertain;
  }
  return std::nullopt;
}

std::optional<AnswerType> parse_sheet_answer_type(std::string_view raw) {
  std::string squeezed;
  for (char c : lower(trim(raw))) {
    if (c != ' ' && c != '/' && c != '_' && c != '-') squeezed += c;
  }
  if (squeezed == "yesno" || squeezed == "tickbox" || squeezed == "checkbox" || squeezed == "boolean")
    return AnswerType::yes_no;
  if (squeezed == "text" || squeezed == "freetext") return AnswerType::text;
  if (squeezed == "document" || squeezed == "documentupload" || squeezed == "upload" || squeezed == "file")
    return AnswerType::document;
  if (squeezed == "date") return AnswerType::date;
  if (squeezed == "number" || squeezed == "numeric" || squeezed == "integer") return AnswerType::number;
  return std::nullopt;
}

// Cells some spreadsheets use for an item that does not apply to a category.
bool means_not_applicable(std::string_view text) {
  auto value = lower(text);
  return value.empty() || value == "n/a" || value == "na" || value == "not applicable" || value == "-";
}

class Importer {
 public:
  Importer(std::string_view csv, AssessmentYear year, const CsvImportOptions& options)
      : csv_(csv),
        year_(year),
        options_(options),
        file_label_(options.file_name.empty() ? std::string("the NHS spreadsheet") : options.file_name) {}

  Result<Catalogue> run();

 private:
  struct Columns {
    std::size_t reference = 0;
    std::size_t text = 0;
    std::size_t met = 0;
    std::optional<std::size_t> tooltip, approaching, type, group, previous_id;
    std::string category;  // as the header spells it
  };

  Error fail(std::string message) const {
    return invalid_input((options_.file_name.empty() ? std::string() : options_.file_name + ": ") + message);
  }
  std::string where(const CsvRecord& record) const {
    std::string text = "line " + std::to_string(record.line);
    if (record.spreadsheet_row != record.line)
      text += " (spreadsheet row " + std::to_string(record.spreadsheet_row) + ")";
    return text;
  }
  std::string where(const CsvRecord& record, std::size_t column) const {
    return where(record) + ", column '" + names_[column] + "'";
  }
  std::string headers_found() const { return "the headers found are " + quoted_list(names_); }

  Result<std::size_t> find_header(const std::vector<CsvRecord>& records);
  Result<std::optional<std::size_t>> pick(std::string_view what, const std::vector<std::size_t>& candidates,
                                          const std::string& category) const;
  Result<Columns> map_columns(const CsvRecord& header);
  const CatalogueItem* reference_match(const std::string& id) const;
  Result<std::optional<CatalogueItem>> read_item(const CsvRecord& record, const Columns& columns);

  std::string_view csv_;
  AssessmentYear year_;
  const CsvImportOptions& options_;
  std::string file_label_;
  std::vector<std::string> names_;        // the header row, tidied, for messages
  std::vector<std::string> lower_names_;  // the same in lower case, for matching
  std::vector<std::string> categories_;   // lower case, from the evidence text and tool tips columns
  int header_line_ = 0;
};

Result<std::size_t> Importer::find_header(const std::vector<CsvRecord>& records) {
  // Some copies carry a title line or two above the header row; the header is the row that names
  // the Evidence Reference column.
  for (std::size_t i = 0; i < records.size(); ++i) {
    for (const auto& cell : records[i].fields) {
      if (lower(tidy_header(cell)) == "evidence reference") return i;
    }
  }
  if (records.empty())
    return fail("the file is empty; expected the NHS England standard spreadsheet saved as CSV");
  std::vector<std::string> first_row;
  for (const auto& cell : records.front().fields) first_row.push_back(tidy_header(cell));
  return fail("missing required column 'Evidence Reference' (the item id); the headers found on line " +
              std::to_string(records.front().line) + " are " + quoted_list(first_row));
}

// Chooses among columns that could play one part: one naming the category wins, else one naming
// no category at all. Two equally good candidates are refused rather than guessed between.
Result<std::optional<std::size_t>> Importer::pick(std::string_view what,
                                                  const std::vector<std::size_t>& candidates,
                                                  const std::string& category) const {
  std::vector<std::size_t> for_category, generic;
  for (auto column : candidates) {
    const auto& name = lower_names_[column];
    if (!category.empty() && has_phrase(name, category)) {
      for_category.push_back(column);
    } else if (std::none_of(categories_.begin(), categories_.end(),
                            [&](const std::string& other) { return has_phrase(name, other); })) {
      generic.push_back(column);
    }
  }
  const auto& chosen = for_category.empty() ? generic : for_category;
  if (chosen.size() > 1)
    return fail("line " + std::to_string(header_line_) + ": columns '" + names_[chosen[0]] + "' and '" +
                names_[chosen[1]] + "' could both be the " + std::string(what) +
                " column; rename or delete one of them");
  if (chosen.empty()) return std::optional<std::size_t>();
  return std::optional<std::size_t>(chosen.front());
}

Result<Importer::Columns> Importer::map_columns(const CsvRecord& header) {
  for (const auto& cell : header.fields) {
    names_.push_back(tidy_header(cell));
    lower_names_.push_back(lower(names_.back()));
  }
  header_line_ = header.line;

  Columns columns;
  std::map<std::string, std::size_t> text_columns, tooltip_columns;  // by lower-case category
  std::vector<std::size_t> met_candidates, approaching_candidates, type_candidates, group_candidates,
      previous_candidates;
  std::optional<std::size_t> reference;
  for (std::size_t i = 0; i < names_.size(); ++i) {
    const auto& name = lower_names_[i];
    if (name == "evidence reference") {
      if (reference)
        return fail("line " + std::to_string(header_line_) +
                    ": the column 'Evidence Reference' appears twice");
      reference = i;
    } else if (auto category = category_after(names_[i], "evidence text")) {
      if (!text_columns.emplace(lower(*category), i).second)
        return fail("line " + std::to_string(header_line_) + ": the column '" + names_[i] +
                    "' appears twice");
    } else if (auto tip_category = tooltip_category(names_[i])) {
      if (!tooltip_columns.emplace(lower(*tip_category), i).second)
        return fail("line " + std::to_string(header_line_) + ": the column '" + names_[i] +
                    "' appears twice");
    } else if (has_phrase(name, "approaching")) {
      approaching_candidates.push_back(i);
    } else if (has_phrase(name, "mandatory") || has_phrase(name, "standards met")) {
      met_candidates.push_back(i);
    } else if (name == "type" || name.rfind("type -", 0) == 0 || name.rfind("evidence type", 0) == 0 ||
               name.rfind("answer type", 0) == 0) {
      type_candidates.push_back(i);
    } else if (has_phrase(name, "group") || has_phrase(name, "topic")) {
      group_candidates.push_back(i);
    } else if (has_phrase(name, "previous")) {
      previous_candidates.push_back(i);
    }
  }
  columns.reference = *reference;
  for (const auto* named : {&text_columns, &tooltip_columns}) {
    for (const auto& [category, column] : *named) {
      if (std::find(categories_.begin(), categories_.end(), category) == categories_.end())
        categories_.push_back(category);
    }
  }

  if (text_columns.empty())
    return fail("missing required column 'Evidence text - " +
                (options_.category.empty() ? std::string("Social Care") : options_.category) +
                "' (the question); " + headers_found());
  std::string wanted = lower(tidy_header(options_.category));
  if (wanted.empty()) wanted = text_columns.size() == 1 ? text_columns.begin()->first : "social care";
  auto text = text_columns.find(wanted);
  if (text == text_columns.end()) {
    std::vector<std::string> found;
    for (const auto& [category, column] : text_columns) found.push_back(names_[column]);
    if (options_.category.empty())
      return fail("the file has evidence text for several categories (" + quoted_list(found) +
                  ") and none is 'Social Care'; say which category to import");
    return fail("missing required column 'Evidence text - " + options_.category +
                "'; the evidence text columns found are " + quoted_list(found));
  }
  columns.text = text->second;
  columns.category = category_after(names_[columns.text], "evidence text").value_or("");
  if (auto tooltip = tooltip_columns.find(wanted); tooltip != tooltip_columns.end())
    columns.tooltip = tooltip->second;

  auto met = pick("Standards Met", met_candidates, wanted);
  if (!met) return met.error();
  if (!*met)
    return fail(
        "missing required column saying which items are mandatory for Standards Met, such as 'Mandatory - " +
        (columns.category.empty() ? std::string("Social Care") : columns.category) +
        "' or 'Standards Met'; " + headers_found());
  columns.met = **met;

  auto approaching = pick("Approaching Standards", approaching_candidates, wanted);
  if (!approaching) return approaching.error();
  columns.approaching = *approaching;
  auto type = pick("answer type", type_candidates, wanted);
  if (!type) return type.error();
  columns.type = *type;
  auto group = pick("topic group", group_candidates, wanted);
  if (!group) return group.error();
  columns.group = *group;
  auto previous = pick("previous reference", previous_candidates, wanted);
  if (!previous) return previous.error();
  columns.previous_id = *previous;
  return columns;
}

// The reference item describing the same question: by id, or, in a reference no older than the
// file, by the id it rolled forward from (the shipped reconstruction may have the new id wrong).
const CatalogueItem* Importer::reference_match(const std::string& id) const {
  if (!options_.reference) return nullptr;
  if (auto* item = options_.reference->find_item(id)) return item;
  if (options_.reference->year() < year_) return nullptr;
  for (const auto& item : options_.reference->items()) {
    if (item.previous_id == id) return &item;
  }
  return nullptr;
}

Result<std::optional<CatalogueItem>> Importer::read_item(const CsvRecord& record, const Columns& columns) {
  const auto& cells = record.fields;
  CatalogueItem item;
  item.id = std::string(trim(cells[columns.reference]));  // checked by the caller
  auto dot = item.id.rfind('.');
  item.assertion = item.id.substr(0, dot);
  item.standard = std::stoi(item.id.substr(0, item.id.find('.')));

  auto met = parse_flag(cells[columns.met], false);
  if (!met)
    return fail(
        where(record, columns.met) + ": '" + std::string(trim(cells[columns.met])) +
        "' is not a mandatory flag; use Yes, Y, TRUE, 1 or Mandatory for an item required for Standards Met, "
        "and No, N, FALSE, 0 or an empty cell for one that is not");
  item.required_for_met = *met == Flag::yes;

  item.question = tidy_text(cells[columns.text]);
  if (means_not_applicable(item.question)) {
    if (item.required_for_met)
      return fail(where(record, columns.text) + ": item " + item.id +
                  " is mandatory for Standards Met but has no evidence text for this category");
    return std::optional<CatalogueItem>();  // not part of this category's set
  }
  if (columns.tooltip) item.tooltip = tidy_text(cells[*columns.tooltip]);

  const CatalogueItem* known = reference_match(item.id);
  const bool same_year_reference = options_.reference && options_.reference->year() == year_;

  if (columns.approaching) {
    auto flag = parse_flag(cells[*columns.approaching], true);
    if (!flag)
      return fail(
          where(record, *columns.approaching) + ": '" + std::string(trim(cells[*columns.approaching])) +
          "' is not an Approaching Standards flag; use Yes, Y, TRUE, 1, Mandatory or AS for an item in the "
          "set, No, N, FALSE, 0 or an empty cell for one that is not, and Uncertain or AS? when not known");
    item.approaching = *flag == Flag::yes  ? ApproachingFlag::yes
                       : *flag == Flag::no ? ApproachingFlag::no
                                           : ApproachingFlag::uncertain;
  } else {
    // The Approaching set changes between versions, so only a reference of this very year can
    // say; otherwise the evaluator is told to ask for the item rather than let it off.
    item.approaching = known && same_year_reference ? known->approaching : ApproachingFlag::uncertain;
  }

  std::string type_cell = columns.type ? std::string(trim(cells[*columns.type])) : std::string();
  if (!type_cell.empty()) {
    auto type = parse_sheet_answer_type(type_cell);
    if (!type)
      return fail(where(record, *columns.type) + ": '" + type_cell +
                  "' is not an answer type; use Yes/No, Text, Document, Date or Number");
    item.type = *type;
  } else {
    item.type = known ? known->type : AnswerType::text;
  }

  // The NHS sheet says nothing of branches: keep the shipped set's default for the same question;
  // a question new to it is answered per branch until head office shares it.
  item.shared_by_default = known && known->shared_by_default;

  std::string group_cell = columns.group ? tidy_text(cells[*columns.group]) : std::string();
  item.group = !group_cell.empty() ? group_cell : known ? known->group : "Other";

  if (columns.previous_id) {
    // An empty cell in a previous-reference column says the item is new.
    item.previous_id = std::string(trim(cells[*columns.previous_id]));
    if (!item.previous_id.empty()) {
      if (auto ok = check_item_id(item.previous_id); !ok)
        return fail(where(record, *columns.previous_id) + ": " + ok.error().message);
    }
  } else if (known && options_.reference->year() == year_) {
    item.previous_id = known->previous_id;
  } else if (known && options_.reference->year() < year_) {
    item.previous_id = known->id;
  }

  item.source = "imported from " + file_label_;
  return std::optional<CatalogueItem>(std::move(item));
}

Result<Catalogue> Importer::run() {
  if (csv_.starts_with("PK\x03\x04"))
    return fail(
        "this is an Excel workbook, not CSV; in Excel choose File, Save As, 'CSV UTF-8 (Comma delimited)'");
  if (csv_.starts_with("\xFF\xFE") || csv_.starts_with("\xFE\xFF"))
    return fail("the file is UTF-16 text; save it from Excel as 'CSV UTF-8 (Comma delimited)'");
  std::string_view text = csv_;
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);  // Excel's "CSV UTF-8" starts with a BOM

  auto read = read_csv(text);
  if (!read) return read.error();
  if (read->syntax_error) {
    const auto& error = *read->syntax_error;
    // Name the column when the header row has been read by then.
    std::string column = "column " + std::to_string(error.column + 1);
    for (const auto& record : read->records) {
      auto header = std::find_if(record.fields.begin(), record.fields.end(), [](const std::string& cell) {
        return lower(tidy_header(cell)) == "evidence reference";
      });
      if (header != record.fields.end()) {
        if (error.column < record.fields.size())
          column = "column '" + tidy_header(record.fields[error.column]) + "'";
        break;
      }
    }
    std::string location = "line " + std::to_string(error.line) + ", " + column + ": ";
    if (error.unterminated)
      return fail(location +
                  "a quoted field is never closed; the file ends inside it (a closing \" is missing)");
    return fail(location +
                "a quote mark in a field must be doubled (\"\") inside a quoted field, and a quoted field "
                "must end with \" followed by a comma or the end of the line");
  }

  auto header_index = find_header(read->records);
  if (!header_index) return header_index.error();
  const auto& header = read->records[*header_index];
  auto columns = map_columns(header);
  if (!columns) return columns.error();

  std::vector<CatalogueItem> items;
  std::map<std::string, int> first_line_of;  // every id seen, including rows left out of the category
  for (std::size_t i = *header_index + 1; i < read->records.size(); ++i) {
    const auto& record = read->records[i];
    // Spreadsheets leave trailer rows of empty cells, often with fewer commas than the header.
    if (std::all_of(record.fields.begin(), record.fields.end(),
                    [](const std::string& cell) { return trim(cell).empty(); }))
      continue;
    if (record.fields.size() != header.fields.size())
      return fail(where(record) + ": " + std::to_string(record.fields.size()) +
                  " fields, but the header row (line " + std::to_string(header.line) + ") has " +
                  std::to_string(header.fields.size()));
    std::string id(trim(record.fields[columns->reference]));
    if (id.empty()) continue;
    if (auto ok = check_item_id(id); !ok)
      return fail(where(record, columns->reference) + ": " + ok.error().message);
    if (auto [seen, fresh] = first_line_of.emplace(id, record.line); !fresh)
      return fail(where(record, columns->reference) + ": item " + id + " appears twice (first on line " +
                  std::to_string(seen->second) + ")");

    auto item = read_item(record, *columns);
    if (!item) return item.error();
    if (*item) items.push_back(std::move(**item));
  }
  if (items.empty())
    return fail("no evidence items for category '" + columns->category +
                "': every row below the header (line " + std::to_string(header.line) +
                ") has an empty Evidence Reference or no evidence text for it");
  return Catalogue(year_, "imported from " + file_label_ + " on " + date_of(now_ms()).iso(),
                   std::move(items));
}

}  // namespace

Result<Catalogue> import_nhs_csv(std::string_view csv, AssessmentYear year, const CsvImportOptions& options) {
  return Importer(csv, year, options).run();
}

}  // namespace dsptsync
