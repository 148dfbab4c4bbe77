// The question set of a year: the shipped sets, dsptsync's own TSV format and lookups.
// docs/catalogue.md describes the format; the NHS spreadsheet import is in catalogue_import.cpp.
#include "dsptsync/catalogue.h"

#include "dsptsync/embedded.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <map>

namespace dsptsync {
namespace {

// The columns of the TSV format, in order. Changing them changes the file format: keep
// docs/catalogue.md and data/catalogue/*.tsv in step.
constexpr std::array<std::string_view, 13> kColumns{"id",      "standard", "assertion",   "group",
                                                    "type",    "met",      "approaching", "question",
                                                    "tooltip", "source",   "previous_id", "scope",
                                                    "assertion_text"};
// Files written before a column was added (question sets imported into a store by an earlier
// dsptsync) have the columns before it: without scope their items are per branch, without
// assertion_text the assertions' wording is not known.
constexpr std::size_t kColumnsBeforeScope = 11;
enum Column {
  id_column,
  standard_column,
  assertion_column,
  group_column,
  type_column,
  met_column,
  approaching_column,
  question_column,
  tooltip_column,
  source_column,
  previous_id_column,
  scope_column,
  assertion_text_column
};

std::string column_list() {
  std::string list;
  for (auto name : kColumns) {
    if (!list.empty()) list += ", ";
    list += name;
  }
  return list;
}

// A positive number in canonical form, so that ids compare equal exactly when they are equal.
bool parse_id_part(std::string_view text, int& value) {
  if (text.empty() || text.size() > 4 || text.front() == '0') return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  return ec == std::errc{} && end == text.data() + text.size();
}

struct ItemIdParts {
  int standard = 0;
  std::string assertion;
};

std::optional<ItemIdParts> split_item_id(std::string_view id) {
  auto first_dot = id.find('.');
  if (first_dot == std::string_view::npos) return std::nullopt;
  auto second_dot = id.find('.', first_dot + 1);
  if (second_dot == std::string_view::npos) return std::nullopt;
  int standard = 0, assertion = 0, evidence = 0;
  if (!parse_id_part(id.substr(0, first_dot), standard) ||
      !parse_id_part(id.substr(first_dot + 1, second_dot - first_dot - 1), assertion) ||
      !parse_id_part(id.substr(second_dot + 1), evidence))
    return std::nullopt;
  if (standard < 1 || standard > 10) return std::nullopt;
  return ItemIdParts{standard, std::string(id.substr(0, second_dot))};
}

// Fields may hold tabs and line breaks (imported tooltips often do), so the format escapes them.
std::string escape_field(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '\t': out += "\\t"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      default: out += c;
    }
  }
  return out;
}

Result<std::string> unescape_field(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\\') {
      out += text[i];
      continue;
    }
    char next = i + 1 < text.size() ? text[i + 1] : '\0';
    switch (next) {
      case '\\': out += '\\'; break;
      case 't': out += '\t'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      default:
        return invalid_input("'\\" + std::string(next ? std::string_view(&text[i + 1], 1) : "") +
                             "' is not an escape; write \\\\ for a backslash, \\t for a tab, "
                             "\\n or \\r for a line break");
    }
    ++i;
  }
  return out;
}

std::vector<std::string_view> split_tabs(std::string_view line) {
  std::vector<std::string_view> fields;
  std::size_t start = 0;
  while (true) {
    auto tab = line.find('\t', start);
    if (tab == std::string_view::npos) {
      fields.push_back(line.substr(start));
      return fields;
    }
    fields.push_back(line.substr(start, tab - start));
    start = tab + 1;
  }
}

std::string at(int line, Column column) {
  return "line " + std::to_string(line) + ", column '" + std::string(kColumns[column]) + "': ";
}

// `assertion_text` receives the line's wording of its assertion (empty when not given).
Result<CatalogueItem> parse_item_line(const std::vector<std::string_view>& raw, int line, std::string& assertion_text) {
  std::array<std::string, kColumns.size()> field;
  field[scope_column] = "branch";
  for (std::size_t i = 0; i < raw.size(); ++i) {
    auto text = unescape_field(raw[i]);
    if (!text) return invalid_input(at(line, Column(i)) + text.error().message);
    field[i] = std::move(*text);
  }

  CatalogueItem item;
  item.id = field[id_column];
  auto parts = split_item_id(item.id);
  if (!parts) return invalid_input(at(line, id_column) + check_item_id(item.id).error().message);
  item.standard = parts->standard;
  item.assertion = parts->assertion;
  if (field[standard_column] != std::to_string(parts->standard))
    return invalid_input(at(line, standard_column) + "'" + field[standard_column] +
                         "' does not match the id " + item.id + "; write " + std::to_string(parts->standard));
  if (field[assertion_column] != parts->assertion)
    return invalid_input(at(line, assertion_column) + "'" + field[assertion_column] +
                         "' does not match the id " + item.id + "; write " + parts->assertion);

  item.group = field[group_column];
  if (item.group.empty())
    return invalid_input(at(line, group_column) + "is empty; every item belongs to a topic group");

  auto type = parse_answer_type(field[type_column]);
  if (!type) return invalid_input(at(line, type_column) + type.error().message);
  item.type = *type;

  if (field[met_column] == "yes") {
    item.required_for_met = true;
  } else if (field[met_column] == "no") {
    item.required_for_met = false;
  } else {
    return invalid_input(at(line, met_column) + "'" + field[met_column] +
                         "' is not a Standards Met flag; use yes or no");
  }

  auto approaching = parse_approaching_flag(field[approaching_column]);
  if (!approaching) return invalid_input(at(line, approaching_column) + approaching.error().message);
  item.approaching = *approaching;

  item.question = field[question_column];
  if (item.question.empty())
    return invalid_input(at(line, question_column) + "is empty; every item has its question");
  item.tooltip = field[tooltip_column];
  item.source = field[source_column];
  // Provenance is what tells a manager how far to trust a line, so it is never left blank.
  if (item.source.empty())
    return invalid_input(at(line, source_column) +
                         "is empty; say where the line comes from (seed, public, inferred, "
                         "imported from ...)");
  item.previous_id = field[previous_id_column];
  if (!item.previous_id.empty()) {
    if (auto ok = check_item_id(item.previous_id); !ok)
      return invalid_input(at(line, previous_id_column) + ok.error().message);
  }
  if (field[scope_column] == "shared") {
    item.shared_by_default = true;
  } else if (field[scope_column] != "branch") {
    return invalid_input(at(line, scope_column) + "'" + field[scope_column] +
                         "' is not a scope; write shared (answered once by head office) or branch");
  }
  assertion_text = field[assertion_text_column];
  return item;
}

std::string assertion_text_of(const Catalogue& catalogue, const CatalogueItem& item) {
  const auto* assertion = catalogue.find_assertion(item.assertion);
  return assertion ? assertion->text : std::string();
}

std::string shipped_origin(AssessmentYear year) {
  return "shipped with dsptsync: " + year.label() +
         " social care set reconstructed from public guidance; see each line's source";
}

std::string year_list(const std::vector<AssessmentYear>& years) {
  std::string list;
  for (const auto& year : years) {
    if (!list.empty()) list += ", ";
    list += year.label();
  }
  return list.empty() ? "none" : list;
}

}  // namespace

std::string_view to_string(AnswerType type) {
  switch (type) {
    case AnswerType::yes_no: return "yes_no";
    case AnswerType::text: return "text";
    case AnswerType::document: return "document";
    case AnswerType::date: return "date";
    case AnswerType::number: return "number";
  }
  return "text";
}

Result<AnswerType> parse_answer_type(std::string_view text) {
  for (auto type :
       {AnswerType::yes_no, AnswerType::text, AnswerType::document, AnswerType::date, AnswerType::number}) {
    if (text == to_string(type)) return type;
  }
  return invalid_input("'" + std::string(text) +
                       "' is not an answer type; use yes_no, text, document, date or number");
}

std::string_view to_string(ApproachingFlag flag) {
  switch (flag) {
    case ApproachingFlag::yes: return "yes";
    case ApproachingFlag::uncertain: return "uncertain";
    case ApproachingFlag::no: return "no";
  }
  return "uncertain";
}

Result<ApproachingFlag> parse_approaching_flag(std::string_view text) {
  for (auto flag : {ApproachingFlag::yes, ApproachingFlag::uncertain, ApproachingFlag::no}) {
    if (text == to_string(flag)) return flag;
  }
  return invalid_input("'" + std::string(text) +
                       "' is not an Approaching Standards flag; use yes, uncertain or no");
}

Status check_item_id(std::string_view id) {
  if (split_item_id(id)) return {};
  return invalid_input(
      "'" + std::string(id) +
      "' is not an evidence item id; write standard.assertion.evidence as numbers, such as 1.1.5, "
      "with the standard from 1 to 10");
}

std::string_view standard_name(int standard) {
  static constexpr std::array<std::string_view, 10> names{
      "Personal Confidential Data", "Staff Responsibilities", "Training",
      "Managing Data Access",       "Process Reviews",        "Responding to Incidents",
      "Continuity Planning",        "Unsupported Systems",    "IT Protection",
      "Accountable Suppliers"};
  if (standard < 1 || standard > 10) return {};
  return names[standard - 1];
}

Catalogue::Catalogue(AssessmentYear year, std::string origin, std::vector<CatalogueItem> items,
                     const std::vector<CatalogueAssertion>& assertion_texts)
    : year_(year), origin_(std::move(origin)), items_(std::move(items)) {
  for (const auto& item : items_) {
    std::string assertion = item.assertion;
    int standard = item.standard;
    // Items built in code may leave the derived fields out; the id says them.
    if (assertion.empty() || standard == 0) {
      if (auto parts = split_item_id(item.id)) {
        assertion = parts->assertion;
        standard = parts->standard;
      }
    }
    if (assertion.empty() || find_assertion(assertion)) continue;
    assertions_.push_back({assertion, standard, {}});
  }
  for (const auto& given : assertion_texts) {
    auto found = std::find_if(assertions_.begin(), assertions_.end(), [&](const auto& a) { return a.id == given.id; });
    if (found != assertions_.end()) found->text = given.text;
  }
}

const CatalogueItem* Catalogue::find_item(std::string_view id) const {
  auto found = std::find_if(items_.begin(), items_.end(), [&](const auto& item) { return item.id == id; });
  return found == items_.end() ? nullptr : &*found;
}

const CatalogueAssertion* Catalogue::find_assertion(std::string_view id) const {
  auto found =
      std::find_if(assertions_.begin(), assertions_.end(), [&](const auto& a) { return a.id == id; });
  return found == assertions_.end() ? nullptr : &*found;
}

const CatalogueItem* Catalogue::successor_of(std::string_view old_id) const {
  // A recorded previous id wins: an id can be reused for a different question in a later version.
  for (const auto& item : items_) {
    if (item.previous_id == old_id) return &item;
  }
  for (const auto& item : items_) {
    if (item.id == old_id && item.previous_id.empty()) return &item;
  }
  return nullptr;
}

const TypeChange* Catalogue::type_change(std::string_view item_id) const {
  auto found = std::find_if(type_changes_.begin(), type_changes_.end(),
                            [&](const TypeChange& change) { return change.item == item_id; });
  return found == type_changes_.end() ? nullptr : &*found;
}

std::vector<std::string> Catalogue::groups() const {
  std::vector<std::string> groups;
  for (const auto& item : items_) {
    if (std::find(groups.begin(), groups.end(), item.group) == groups.end()) groups.push_back(item.group);
  }
  return groups;
}

std::vector<AssessmentYear> shipped_years() {
  std::vector<AssessmentYear> years;
  for (const auto& [name, content] : embedded::embedded_files()) {
    if (!name.ends_with(".tsv")) continue;
    if (auto year = parse_assessment_year(name.substr(0, name.size() - 4))) years.push_back(*year);
  }
  std::sort(years.begin(), years.end());
  return years;
}

Result<Catalogue> shipped_catalogue(AssessmentYear year) {
  const std::string wanted = year.label() + ".tsv";
  for (const auto& [name, content] : embedded::embedded_files()) {
    if (name != wanted) continue;
    auto catalogue = parse_catalogue_tsv(content, year, shipped_origin(year));
    // The file is checked by the tests before it is shipped, so a failure here is a build fault.
    if (!catalogue)
      return make_error(ErrorKind::internal,
                        "the shipped question set " + wanted + " is damaged: " + catalogue.error().message);
    return catalogue;
  }
  return not_found("no question set is shipped for " + year.label() +
                   " (shipped: " + year_list(shipped_years()) +
                   "); import NHS England's list of evidence items for that year (.xlsx, or saved as CSV)");
}

Result<Catalogue> parse_catalogue_tsv(std::string_view text, AssessmentYear year, std::string origin) {
  std::vector<CatalogueItem> items;
  std::vector<int> item_lines;  // parallel to items, for the duplicate message
  std::map<std::string, std::string> assertion_texts;
  bool header_seen = false;
  std::size_t columns = kColumns.size();  // as the header row says
  int line_number = 0;
  std::size_t start = 0;
  while (start < text.size()) {
    auto end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    start = end + 1;
    ++line_number;
    // Tolerates a file saved by a Windows editor; the writer never puts a raw CR in a field.
    if (line.ends_with('\r')) line.remove_suffix(1);
    if (line.empty()) continue;

    if (!header_seen) {
      if (line.starts_with('#')) continue;
      auto names = split_tabs(line);
      if (names.size() > kColumns.size() || names.size() < kColumnsBeforeScope)
        return invalid_input("line " + std::to_string(line_number) + ": the header row has " +
                             std::to_string(names.size()) + " columns, expected " +
                             std::to_string(kColumns.size()) + ": " + column_list());
      columns = names.size();
      for (std::size_t i = 0; i < names.size(); ++i) {
        if (names[i] != kColumns[i])
          return invalid_input("line " + std::to_string(line_number) + ", column " + std::to_string(i + 1) +
                               ": the header row says '" + std::string(names[i]) + "' where '" +
                               std::string(kColumns[i]) + "' belongs; the columns are " + column_list());
      }
      header_seen = true;
      continue;
    }

    auto fields = split_tabs(line);
    if (fields.size() != columns)
      return invalid_input("line " + std::to_string(line_number) + ": " + std::to_string(fields.size()) +
                           " tab-separated columns, expected " + std::to_string(columns) + ": " +
                           column_list());
    std::string assertion_text;
    auto item = parse_item_line(fields, line_number, assertion_text);
    if (!item) return item.error();
    if (!assertion_text.empty()) {
      auto [known, fresh] = assertion_texts.emplace(item->assertion, assertion_text);
      if (!fresh && known->second != assertion_text)
        return invalid_input(at(line_number, assertion_text_column) + "differs from the text of assertion " +
                             item->assertion + " given on an earlier line; an assertion has one text");
    }
    for (std::size_t i = 0; i < items.size(); ++i) {
      if (items[i].id == item->id)
        return invalid_input(at(line_number, id_column) + item->id + " is listed twice (first on line " +
                             std::to_string(item_lines[i]) + ")");
    }
    items.push_back(std::move(*item));
    item_lines.push_back(line_number);
  }
  if (!header_seen)
    return invalid_input("no header row; the first line after the # comments names the columns " +
                         column_list());
  if (items.empty())
    return invalid_input("the question set has no items; there is nothing below the header row");
  std::vector<CatalogueAssertion> texts;
  for (const auto& [id, text] : assertion_texts) texts.push_back({id, 0, text});
  return Catalogue(year, std::move(origin), std::move(items), texts);
}

std::string write_catalogue_tsv(const Catalogue& catalogue, bool with_comments) {
  std::string out = with_comments ? "# dsptsync question set " + catalogue.year().label() + ": " +
                                        escape_field(catalogue.origin()) + "\n# Format: docs/catalogue.md\n"
                                  : std::string();
  for (std::size_t i = 0; i < kColumns.size(); ++i) {
    if (i) out += '\t';
    out += kColumns[i];
  }
  out += '\n';
  for (const auto& item : catalogue.items()) {
    auto parts = split_item_id(item.id);
    const std::array<std::string, kColumns.size()> fields{item.id,
                                                          std::to_string(item.standard ? item.standard
                                                                         : parts       ? parts->standard
                                                                                       : 0),
                                                          !item.assertion.empty() ? item.assertion
                                                          : parts                 ? parts->assertion
                                                                                  : std::string(),
                                                          item.group,
                                                          std::string(to_string(item.type)),
                                                          item.required_for_met ? "yes" : "no",
                                                          std::string(to_string(item.approaching)),
                                                          item.question,
                                                          item.tooltip,
                                                          item.source,
                                                          item.previous_id,
                                                          item.shared_by_default ? "shared" : "branch",
                                                          assertion_text_of(catalogue, item)};
    for (std::size_t i = 0; i < fields.size(); ++i) {
      if (i) out += '\t';
      out += escape_field(fields[i]);
    }
    out += '\n';
  }
  return out;
}

}  // namespace dsptsync
