// Maps the rows of NHS England's list of evidence items (CSV or .xlsx, sheet_table.h) to a
// Catalogue.
//
// The list's layout moves a little from year to year, so columns are found by what their names
// say rather than where they stand. Everything else is strict: one malformed cell refuses the whole
// file, with its row and column, because a half-read question set would quietly make the status
// rules wrong. docs/catalogue.md lists the columns and the messages.
#include "sheet_table.h"

#include "dsptsync/text.h"

#include <algorithm>
#include <map>
#include <optional>

namespace dsptsync {
namespace {

// Cell text as the spreadsheet meant it: no surrounding space and Unix line breaks inside.
std::string tidy_text(std::string_view raw) {
  std::string out;
  auto text = trimmed(raw);
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') continue;
    out += text[i];
  }
  return out;
}

bool is_word_char(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Whether `phrase` appears as whole words in `text` (both lower case): "cat1" must not match
// "cat10".
bool has_phrase(std::string_view text, std::string_view phrase) {
  if (phrase.empty()) return false;
  for (auto at = text.find(phrase); at != std::string_view::npos; at = text.find(phrase, at + 1)) {
    bool starts_word = at == 0 || !is_word_char(text[at - 1]);
    bool ends_word = at + phrase.size() == text.size() || !is_word_char(text[at + phrase.size()]);
    if (starts_word && ends_word) return true;
  }
  return false;
}

// A header in the form columns are matched on: tidied, lower case, and every way of writing a
// numbered category ("Category 3", "Cat3", "CAT 3", "cat-3") as "cat3".
std::string header_key(std::string_view raw) {
  const std::string text = lowercase(sheet::tidy_header(raw));
  std::string out;
  for (std::size_t i = 0; i < text.size();) {
    const bool word_start = i == 0 || !is_word_char(text[i - 1]);
    std::size_t after = 0;
    if (word_start && text.compare(i, 8, "category") == 0) after = i + 8;
    else if (word_start && text.compare(i, 3, "cat") == 0) after = i + 3;
    if (after) {
      std::size_t digits = after;
      if (digits < text.size() && (text[digits] == ' ' || text[digits] == '-' || text[digits] == '_' || text[digits] == '.'))
        ++digits;
      if (digits < text.size() && is_digit(text[digits])) {
        out += "cat";
        while (digits < text.size() && is_digit(text[digits])) out += text[digits++];
        i = digits;
        continue;
      }
    }
    out += text[i++];
  }
  return out;
}

// The categories a header's remainder names: every "catN" in it, else the remainder itself
// ("social care"), else one unnamed category.
std::vector<std::string> category_keys(std::string_view remainder_key) {
  std::vector<std::string> keys;
  for (std::size_t at = remainder_key.find("cat"); at != std::string_view::npos; at = remainder_key.find("cat", at + 1)) {
    if (at > 0 && is_word_char(remainder_key[at - 1])) continue;
    std::size_t end = at + 3;
    while (end < remainder_key.size() && is_digit(remainder_key[end])) ++end;
    if (end == at + 3 || (end < remainder_key.size() && is_word_char(remainder_key[end]))) continue;
    std::string key(remainder_key.substr(at, end - at));
    if (std::find(keys.begin(), keys.end(), key) == keys.end()) keys.push_back(key);
  }
  if (keys.empty()) keys.emplace_back(trimmed(remainder_key, " -:()[],"));
  return keys;
}

// "evidence text - cat3" with the phrase "evidence text" gives {"cat3"}; "cat3 evidence text" too;
// the bare phrase gives {""}. Nothing when the header does not have the phrase as whole words.
std::optional<std::vector<std::string>> categories_around(const std::string& key, std::string_view phrase) {
  for (auto at = key.find(phrase); at != std::string::npos; at = key.find(phrase, at + 1)) {
    const auto end = at + phrase.size();
    if ((at > 0 && is_word_char(key[at - 1])) || (end < key.size() && is_word_char(key[end]))) continue;
    return category_keys(key.substr(0, at) + " " + key.substr(end));
  }
  return std::nullopt;
}

// A category as messages and the origin name it: "Category 3" for cat3, else as the header has it.
std::string category_display(const std::string& key, const std::string& header) {
  if (key.size() > 3 && key.rfind("cat", 0) == 0 && is_digit(key[3])) return "Category " + key.substr(3);
  const std::string lowered = lowercase(header);
  auto at = lowered.find("evidence text");
  if (at == std::string::npos) return header;
  return std::string(trimmed(header.substr(0, at) + " " + header.substr(at + 13), " -:()[],"));
}

std::optional<std::vector<std::string>> tooltip_categories(const std::string& key) {
  for (auto phrase : {"tool tips", "tooltips", "tool tip", "tooltip"})
    if (auto categories = categories_around(key, phrase)) return categories;
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
  auto value = lowercase(trimmed(raw));
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
  for (char c : lowercase(trimmed(raw))) {
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
  auto value = lowercase(text);
  return value.empty() || value == "n/a" || value == "na" || value == "not applicable" || value == "-";
}

bool is_note_header(const std::string& key) {
  return has_phrase(key, "change") || has_phrase(key, "changes") || has_phrase(key, "changed") ||
         has_phrase(key, "what's new");
}

bool is_assertion_text_header(const std::string& key) {
  for (auto phrase : {"assertion text", "assertion description", "assertion title", "assertion wording",
                      "assertion statement"})
    if (has_phrase(key, phrase)) return true;
  return false;
}

bool is_type_header(const std::string& key) {
  return key == "type" || key.rfind("type -", 0) == 0 || has_phrase(key, "evidence type") ||
         has_phrase(key, "answer type") || has_phrase(key, "response type");
}

}  // namespace

namespace sheet {

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

bool is_reference_header(std::string_view cell) {
  const std::string key = header_key(cell);
  for (auto name : {"evidence reference", "evidence ref", "evidence item reference", "evidence item ref",
                    "evidence id", "evidence item id", "evidence reference number", "evidence ref no",
                    "evidence number", "evidence item number"})
    if (key == name) return true;
  return false;
}

std::string category_key(std::string_view text) { return category_keys(header_key(text)).front(); }

bool mentions_category(std::string_view text, std::string_view key) { return has_phrase(header_key(text), key); }

}  // namespace sheet

namespace {

using sheet::Row;
using sheet::Table;

// The evidence text and tool tips columns of each category. A header naming several categories
// serves each of them unless a header naming fewer does.
class CategoryColumns {
 public:
  // False when two headers name the same categories.
  bool add(const std::vector<std::string>& keys, std::size_t column) {
    for (const auto& key : keys) {
      auto [at, fresh] = columns_.emplace(key, Entry{column, keys.size()});
      if (fresh || keys.size() < at->second.named) {
        at->second = {column, keys.size()};
      } else if (keys.size() == at->second.named) {
        return false;
      }
    }
    return true;
  }
  std::optional<std::size_t> find(const std::string& key) const {
    auto at = columns_.find(key);
    return at == columns_.end() ? std::nullopt : std::optional<std::size_t>(at->second.column);
  }
  std::vector<std::string> keys() const {
    std::vector<std::string> out;
    for (const auto& [key, entry] : columns_) out.push_back(key);
    return out;
  }
  std::vector<std::size_t> columns() const {
    std::vector<std::size_t> out;
    for (const auto& [key, entry] : columns_)
      if (std::find(out.begin(), out.end(), entry.column) == out.end()) out.push_back(entry.column);
    std::sort(out.begin(), out.end());
    return out;
  }
  bool empty() const { return columns_.empty(); }
  std::size_t size() const { return columns_.size(); }

 private:
  struct Entry {
    std::size_t column = 0;
    std::size_t named = 0;
  };
  std::map<std::string, Entry> columns_;
};

class Importer {
 public:
  Importer(const Table& table, AssessmentYear year, const sheet::ImportSettings& settings)
      : table_(table),
        year_(year),
        settings_(settings),
        file_label_(settings.file_name.empty() ? std::string("the NHS spreadsheet") : settings.file_name) {}

  Result<sheet::TableImport> run();

 private:
  struct Columns {
    std::size_t reference = 0;
    std::size_t text = 0;
    std::size_t met = 0;
    std::optional<std::size_t> tooltip, approaching, type, group, previous_id, note, assertion_text;
    std::string category;  // as the header spells it
  };

  Error fail(std::string message) const {
    return invalid_input((settings_.file_name.empty() ? std::string() : settings_.file_name + ": ") + message);
  }
  std::string at(const Row& row, std::size_t column) const { return sheet::where(table_, row, column, names_[column]); }
  std::string at_header() const { return sheet::where(table_, *header_); }
  std::string headers_found() const { return "the headers found are " + quoted_list(names_); }
  std::string cell(const Row& row, std::size_t column) const {
    return column < row.cells.size() ? row.cells[column] : std::string();
  }

  Result<std::size_t> find_header();
  Result<std::optional<std::size_t>> pick(std::string_view what, const std::vector<std::size_t>& candidates,
                                          const std::string& category) const;
  Result<std::string> choose_category(const CategoryColumns& texts) const;
  Status classify(std::size_t column, CategoryColumns& texts, CategoryColumns& tips,
                  std::map<std::string, std::vector<std::size_t>>& candidates);
  Result<Columns> map_columns();
  Result<Columns> pick_optional_columns(Columns columns, const std::string& wanted,
                                        std::map<std::string, std::vector<std::size_t>>& candidates) const;
  const CatalogueItem* reference_match(const std::string& id) const;
  Result<std::optional<CatalogueItem>> read_item(const Row& row, const Columns& columns);
  Status read_flags(const Row& row, const Columns& columns, const CatalogueItem* known, CatalogueItem& item) const;
  Status read_descriptions(const Row& row, const Columns& columns, const CatalogueItem* known, CatalogueItem& item);
  Status check_row_width(const Row& row) const;

  const Table& table_;
  AssessmentYear year_;
  const sheet::ImportSettings& settings_;
  std::string file_label_;
  const Row* header_ = nullptr;
  std::vector<std::string> names_;  // the header row, tidied, for messages
  std::vector<std::string> keys_;   // the same as matched (header_key)
  std::vector<std::string> categories_;
  std::map<std::string, std::string> assertion_texts_;
  std::map<std::string, const Row*> assertion_text_rows_;
  std::map<std::string, std::string> notes_;
};

Result<std::size_t> Importer::find_header() {
  // Copies carry a title row or two above the header row: the header is the row that names the
  // Evidence Reference column.
  for (std::size_t i = 0; i < table_.rows.size(); ++i) {
    const auto& cells = table_.rows[i].cells;
    if (std::any_of(cells.begin(), cells.end(), [](const std::string& c) { return sheet::is_reference_header(c); }))
      return i;
  }
  if (table_.rows.empty())
    return fail(table_.from_workbook ? "sheet '" + table_.sheet + "' is empty"
                                     : "the file is empty; expected the NHS England standard spreadsheet saved as CSV");
  std::vector<std::string> first_row;
  for (const auto& c : table_.rows.front().cells) first_row.push_back(sheet::tidy_header(c));
  return fail("missing required column 'Evidence Reference' (the item id); the headers found on " +
              sheet::where(table_, table_.rows.front()) + " are " + quoted_list(first_row));
}

// Chooses among columns that could play one part: one naming the category wins, else one naming
// no category at all. Two equally good candidates are refused rather than guessed between.
Result<std::optional<std::size_t>> Importer::pick(std::string_view what, const std::vector<std::size_t>& candidates,
                                                  const std::string& category) const {
  std::vector<std::size_t> for_category, generic;
  for (auto column : candidates) {
    const auto& key = keys_[column];
    if (!category.empty() && has_phrase(key, category)) {
      for_category.push_back(column);
    } else if (std::none_of(categories_.begin(), categories_.end(),
                            [&](const std::string& other) { return has_phrase(key, other); })) {
      generic.push_back(column);
    }
  }
  const auto& chosen = for_category.empty() ? generic : for_category;
  if (chosen.size() > 1)
    return fail(at_header() + ": columns '" + names_[chosen[0]] + "' and '" + names_[chosen[1]] +
                "' could both be the " + std::string(what) + " column; rename or delete one of them");
  if (chosen.empty()) return std::optional<std::size_t>();
  return std::optional<std::size_t>(chosen.front());
}

Result<std::string> Importer::choose_category(const CategoryColumns& texts) const {
  std::vector<std::string> found;
  for (auto column : texts.columns()) found.push_back(names_[column]);
  if (!settings_.category.empty()) {
    std::string wanted = sheet::category_key(settings_.category);
    if (texts.find(wanted)) return wanted;
    return fail("missing required column 'Evidence text - " + settings_.category +
                "'; the evidence text columns found are " + quoted_list(found));
  }
  if (texts.size() == 1) return texts.keys().front();
  for (const auto& key : settings_.default_keys)
    if (texts.find(key)) return key;
  return fail("the file has evidence text for several categories (" + quoted_list(found) + ") and none is '" +
              settings_.default_name + "'; say which category to import");
}

// Sorts one header into the part it plays.
Status Importer::classify(std::size_t i, CategoryColumns& texts, CategoryColumns& tips,
                          std::map<std::string, std::vector<std::size_t>>& candidates) {
  const auto& key = keys_[i];
  if (sheet::is_reference_header(names_[i])) return {};
  if (auto categories = categories_around(key, "evidence text")) {
    if (!texts.add(*categories, i)) return fail(at_header() + ": the column '" + names_[i] + "' appears twice");
  } else if (auto tip_categories = tooltip_categories(key)) {
    if (!tips.add(*tip_categories, i)) return fail(at_header() + ": the column '" + names_[i] + "' appears twice");
  } else if (is_note_header(key)) {
    candidates["note"].push_back(i);  // never a previous id: the note names no old id
  } else if (has_phrase(key, "approaching")) {
    candidates["approaching"].push_back(i);
  } else if (has_phrase(key, "mandatory") || has_phrase(key, "standards met")) {
    candidates["met"].push_back(i);
  } else if (is_type_header(key)) {
    candidates["type"].push_back(i);
  } else if (is_assertion_text_header(key)) {
    candidates["assertion"].push_back(i);
  } else if (has_phrase(key, "group") || has_phrase(key, "topic")) {
    candidates["group"].push_back(i);
  } else if (has_phrase(key, "previous")) {
    candidates["previous"].push_back(i);
  }
  return {};
}

Result<Importer::Columns> Importer::map_columns() {
  for (const auto& c : header_->cells) {
    names_.push_back(sheet::tidy_header(c));
    keys_.push_back(header_key(c));
  }
  Columns columns;
  CategoryColumns texts, tips;
  std::map<std::string, std::vector<std::size_t>> candidates;
  std::optional<std::size_t> reference;
  for (std::size_t i = 0; i < names_.size(); ++i) {
    if (sheet::is_reference_header(names_[i])) {
      if (reference) return fail(at_header() + ": the column '" + names_[i] + "' appears twice");
      reference = i;
    }
    if (auto s = classify(i, texts, tips, candidates); !s) return s.error();
  }
  columns.reference = *reference;
  for (const auto* named : {&texts, &tips})
    for (const auto& key : named->keys())
      if (!key.empty() && std::find(categories_.begin(), categories_.end(), key) == categories_.end())
        categories_.push_back(key);

  if (texts.empty())
    return fail("missing required column 'Evidence text - " +
                (settings_.category.empty() ? settings_.default_name : settings_.category) + "' (the question); " +
                headers_found());
  auto wanted = choose_category(texts);
  if (!wanted) return wanted.error();
  columns.text = *texts.find(*wanted);
  columns.category = category_display(*wanted, names_[columns.text]);
  columns.tooltip = tips.find(*wanted);

  auto met = pick("Standards Met", candidates["met"], *wanted);
  if (!met) return met.error();
  if (!*met)
    return fail("missing required column saying which items are mandatory for Standards Met, such as 'Mandatory - " +
                (settings_.category.empty() ? settings_.default_name : settings_.category) + "' or 'Standards Met'; " +
                headers_found());
  columns.met = **met;
  return pick_optional_columns(std::move(columns), *wanted, candidates);
}

Result<Importer::Columns> Importer::pick_optional_columns(Columns columns, const std::string& wanted,
                                                          std::map<std::string, std::vector<std::size_t>>& candidates) const {
  const std::pair<const char*, std::optional<std::size_t> Columns::*> parts[] = {
      {"Approaching Standards", &Columns::approaching}, {"answer type", &Columns::type},
      {"topic group", &Columns::group},                 {"previous reference", &Columns::previous_id},
      {"change note", &Columns::note},                  {"assertion text", &Columns::assertion_text}};
  const char* roles[] = {"approaching", "type", "group", "previous", "note", "assertion"};
  for (std::size_t i = 0; i < std::size(parts); ++i) {
    auto chosen = pick(parts[i].first, candidates[roles[i]], wanted);
    if (!chosen) return chosen.error();
    columns.*(parts[i].second) = *chosen;
  }
  return columns;
}

// The reference item describing the same question: by id, or, in a reference no older than the
// file, by the id it rolled forward from (the shipped reconstruction may have the new id wrong).
const CatalogueItem* Importer::reference_match(const std::string& id) const {
  if (!settings_.reference) return nullptr;
  if (auto* item = settings_.reference->find_item(id)) return item;
  if (settings_.reference->year() < year_) return nullptr;
  for (const auto& item : settings_.reference->items())
    if (item.previous_id == id) return &item;
  return nullptr;
}

Status Importer::read_flags(const Row& row, const Columns& columns, const CatalogueItem* known,
                            CatalogueItem& item) const {
  const bool same_year_reference = settings_.reference && settings_.reference->year() == year_;
  if (columns.approaching) {
    const std::string value(trimmed(cell(row, *columns.approaching)));
    auto flag = parse_flag(value, true);
    if (!flag)
      return fail(at(row, *columns.approaching) + ": '" + value +
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

  const std::string type_cell = columns.type ? std::string(trimmed(cell(row, *columns.type))) : std::string();
  if (!type_cell.empty()) {
    auto type = parse_sheet_answer_type(type_cell);
    if (!type)
      return fail(at(row, *columns.type) + ": '" + type_cell +
                  "' is not an answer type; use Yes/No, Text, Document, Date or Number");
    item.type = *type;
  } else {
    item.type = known ? known->type : AnswerType::text;
  }
  return {};
}

Status Importer::read_descriptions(const Row& row, const Columns& columns, const CatalogueItem* known,
                                   CatalogueItem& item) {
  if (columns.tooltip) item.tooltip = tidy_text(cell(row, *columns.tooltip));
  // The NHS sheet says nothing of branches: keep the shipped set's default for the same question;
  // a question new to it is answered per branch until head office shares it.
  item.shared_by_default = known && known->shared_by_default;

  // Never a catch-all group: the shipped set's group for the same question, else the standard's.
  const std::string group_cell = columns.group ? tidy_text(cell(row, *columns.group)) : std::string();
  item.group = !group_cell.empty() ? group_cell
               : known             ? known->group
                                   : "Standard " + std::to_string(item.standard) + " " + std::string(standard_name(item.standard));

  if (columns.previous_id) {
    // An empty cell in a previous-reference column says the item is new.
    item.previous_id = std::string(trimmed(cell(row, *columns.previous_id)));
    if (!item.previous_id.empty())
      if (auto ok = check_item_id(item.previous_id); !ok) return fail(at(row, *columns.previous_id) + ": " + ok.error().message);
  } else if (known && settings_.reference->year() == year_) {
    item.previous_id = known->previous_id;
  } else if (known && settings_.reference->year() < year_) {
    item.previous_id = known->id;
  }

  if (columns.note)
    if (auto note = tidy_text(cell(row, *columns.note)); !note.empty()) notes_[item.id] = note;
  if (columns.assertion_text) {
    auto text = tidy_text(cell(row, *columns.assertion_text));
    if (!text.empty()) {
      auto [seen, fresh] = assertion_texts_.emplace(item.assertion, text);
      if (fresh) {
        assertion_text_rows_[item.assertion] = &row;
      } else if (seen->second != text) {
        return fail(at(row, *columns.assertion_text) + ": the text of assertion " + item.assertion +
                    " differs from the one on " + sheet::where(table_, *assertion_text_rows_[item.assertion]) +
                    "; an assertion has one text: correct one of them");
      }
    }
  }
  return {};
}

Result<std::optional<CatalogueItem>> Importer::read_item(const Row& row, const Columns& columns) {
  CatalogueItem item;
  item.id = std::string(trimmed(cell(row, columns.reference)));  // checked by the caller
  item.assertion = item.id.substr(0, item.id.rfind('.'));
  item.standard = std::stoi(item.id.substr(0, item.id.find('.')));

  const std::string met_cell(trimmed(cell(row, columns.met)));
  auto met = parse_flag(met_cell, false);
  if (!met)
    return fail(at(row, columns.met) + ": '" + met_cell +
                "' is not a mandatory flag; use Yes, Y, TRUE, 1 or Mandatory for an item required for Standards Met, "
                "and No, N, FALSE, 0 or an empty cell for one that is not");
  item.required_for_met = *met == Flag::yes;

  item.question = tidy_text(cell(row, columns.text));
  if (means_not_applicable(item.question)) {
    if (item.required_for_met)
      return fail(at(row, columns.text) + ": item " + item.id +
                  " is mandatory for Standards Met but has no evidence text for this category; fill in its "
                  "question, or check the category with --category");
    return std::optional<CatalogueItem>();  // not part of this category's set
  }
  const CatalogueItem* known = reference_match(item.id);
  if (auto s = read_flags(row, columns, known, item); !s) return s.error();
  if (auto s = read_descriptions(row, columns, known, item); !s) return s.error();
  item.source = "imported from " + file_label_;
  return std::optional<CatalogueItem>(std::move(item));
}

// A CSV row must have the header's fields; a workbook row has what its cells hold.
Status Importer::check_row_width(const Row& row) const {
  if (table_.from_workbook || row.cells.size() == header_->cells.size()) return {};
  return fail(sheet::where(table_, row) + ": " + std::to_string(row.cells.size()) + " fields, but the header row (" +
              sheet::where(table_, *header_) + ") has " + std::to_string(header_->cells.size()));
}

Result<sheet::TableImport> Importer::run() {
  auto header_index = find_header();
  if (!header_index) return header_index.error();
  header_ = &table_.rows[*header_index];
  auto columns = map_columns();
  if (!columns) return columns.error();

  sheet::TableImport out;
  out.header_index = *header_index;
  out.category = columns->category;
  std::vector<CatalogueItem> items;
  std::map<std::string, const Row*> first_row_of;  // every id seen, including rows left out of the category
  for (std::size_t i = *header_index + 1; i < table_.rows.size(); ++i) {
    const auto& row = table_.rows[i];
    // Spreadsheets leave trailer rows of empty cells, often with fewer commas than the header.
    if (std::all_of(row.cells.begin(), row.cells.end(), [](const std::string& c) { return trimmed(c).empty(); }))
      continue;
    if (auto s = check_row_width(row); !s) return s.error();
    std::string id(trimmed(cell(row, columns->reference)));
    if (id.empty()) continue;  // section headings
    if (auto ok = check_item_id(id); !ok) return fail(at(row, columns->reference) + ": " + ok.error().message);
    if (auto [seen, fresh] = first_row_of.emplace(id, &row); !fresh)
      return fail(at(row, columns->reference) + ": item " + id + " appears twice (first on " +
                  sheet::where(table_, *seen->second) + "); delete one of the two rows");
    auto item = read_item(row, *columns);
    if (!item) return item.error();
    if (*item) items.push_back(std::move(**item));
    else ++out.left_out;
  }
  if (items.empty())
    return fail("no evidence items for category '" + columns->category + "': every row below the header (" +
                sheet::where(table_, *header_) + ") has an empty Evidence Reference or no evidence text for it");
  std::vector<CatalogueAssertion> texts;
  for (const auto& [id, text] : assertion_texts_) texts.push_back({id, 0, text});
  out.catalogue = Catalogue(year_, "imported from " + file_label_ + " on " + date_of(now_ms()).iso(), std::move(items),
                            std::move(texts));
  out.change_notes = std::move(notes_);
  return out;
}

}  // namespace

namespace sheet {
Result<TableImport> import_table(const Table& table, AssessmentYear year, const ImportSettings& settings) {
  return Importer(table, year, settings).run();
}
}  // namespace sheet

Result<Catalogue> import_nhs_csv(std::string_view csv, AssessmentYear year, const CsvImportOptions& options) {
  auto fail = [&](std::string message) {
    return invalid_input((options.file_name.empty() ? std::string() : options.file_name + ": ") + message);
  };
  if (csv.starts_with("PK\x03\x04"))
    return fail("this is an Excel workbook, not CSV; in Excel choose File, Save As, 'CSV UTF-8 (Comma delimited)'");
  if (csv.starts_with("\xFF\xFE") || csv.starts_with("\xFE\xFF"))
    return fail("the file is UTF-16 text; save it from Excel as 'CSV UTF-8 (Comma delimited)'");
  if (csv.starts_with("\xEF\xBB\xBF")) csv.remove_prefix(3);  // Excel's "CSV UTF-8" starts with a BOM
  auto table = sheet::read_csv_table(csv);
  if (!table) return fail(table.error().message);
  auto imported = sheet::import_table(
      *table, year, {options.category, {"social care"}, "Social Care", options.reference, options.file_name});
  if (!imported) return imported.error();
  return std::move(imported->catalogue);
}

}  // namespace dsptsync
