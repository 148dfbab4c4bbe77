// The official list's entry point (official_list.h): what kind of file it is, which sheet holds the
// list, the year it says it is for, and the defaults of the year. The rows are mapped to a question
// set by catalogue_import.cpp; the workbook is read by xlsx_reader.cpp.
#include "dsptsync/official_list.h"

#include "dsptsync/limits.h"
#include "dsptsync/xlsx.h"
#include "sheet_table.h"

#include <algorithm>

namespace dsptsync {
namespace {

struct Context {
  std::string file_name;
  Error fail(const std::string& message) const {
    return invalid_input((file_name.empty() ? std::string() : file_name + ": ") + message);
  }
};

bool valid_utf8(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    const auto byte = static_cast<unsigned char>(text[i]);
    std::size_t length = byte < 0x80 ? 1 : (byte >> 5) == 0x6 ? 2 : (byte >> 4) == 0xE ? 3 : (byte >> 3) == 0x1E ? 4 : 0;
    if (length == 0 || (byte == 0 && length == 1) || i + length > text.size()) return false;
    for (std::size_t k = 1; k < length; ++k)
      if ((static_cast<unsigned char>(text[i + k]) >> 6) != 0x2) return false;
    i += length;
  }
  return true;
}

// Tells the file's kind from its first bytes; refuses the kinds people download or save by mistake
// with what to do instead.
Result<OfficialListFormat> sniff(std::string_view bytes, const Context& context) {
  constexpr std::string_view kSaveAs = "open it in Excel and save it as an Excel Workbook (.xlsx) or as 'CSV UTF-8 (Comma delimited)'";
  if (bytes.size() > limits::kMaxOfficialListBytes)
    return context.fail("the file is " + std::to_string(bytes.size() / (1024 * 1024)) +
                        " MiB; the official list is well under 1 MiB, and at most " +
                        std::to_string(limits::kMaxOfficialListBytes / (1024 * 1024)) +
                        " MiB is read: check that this is NHS England's list of evidence items");
  if (bytes.empty())
    return context.fail("the file is empty; expected NHS England's list of evidence items (.xlsx, or saved as CSV)");
  if (xlsx::looks_like_zip(bytes)) {
    if (bytes.substr(0, 128).find("application/vnd.oasis.opendocument") != std::string_view::npos)
      return context.fail("this is an OpenDocument file (.ods), not an Excel workbook; " + std::string(kSaveAs));
    return OfficialListFormat::xlsx;
  }
  if (bytes.starts_with("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1"))
    return context.fail("this is an Excel 97-2003 workbook (.xls); " + std::string(kSaveAs));
  if (bytes.starts_with("%PDF"))
    return context.fail("this is a PDF, not a spreadsheet; download the list of evidence items as a spreadsheet (.xlsx)");
  if (bytes.starts_with("\xFF\xFE") || bytes.starts_with("\xFE\xFF"))
    return context.fail("the file is UTF-16 text; save it from Excel as 'CSV UTF-8 (Comma delimited)', or use the .xlsx");
  if (bytes.find('\0') != std::string_view::npos)
    return context.fail("this is not a spreadsheet: neither an Excel workbook (.xlsx) nor CSV text; expected NHS "
                        "England's list of evidence items");
  if (!valid_utf8(bytes))
    return context.fail("the CSV is not UTF-8 text (Excel's plain 'CSV (Comma delimited)' writes another encoding); " +
                        std::string(kSaveAs));
  return OfficialListFormat::csv;
}

bool has_list(const xlsx::Sheet& sheet) {
  return std::any_of(sheet.rows.begin(), sheet.rows.end(), [](const xlsx::Row& row) {
    return std::any_of(row.cells.begin(), row.cells.end(), [](const std::string& c) { return sheet::is_reference_header(c); });
  });
}

sheet::Table table_of(xlsx::Sheet sheet) {
  sheet::Table table{true, std::move(sheet.name), {}};
  for (auto& row : sheet.rows) table.rows.push_back({std::move(row.cells), row.number, row.number});
  return table;
}

// The sheet holding the list: the one with an Evidence Reference column, or, when several have one
// (a sheet per category), the one whose name names the category.
Result<sheet::Table> list_sheet(xlsx::Workbook workbook, const std::string& category_key, const Context& context) {
  std::vector<std::size_t> candidates;
  for (std::size_t i = 0; i < workbook.sheets.size(); ++i)
    if (has_list(workbook.sheets[i])) candidates.push_back(i);
  if (candidates.empty()) {
    std::string names;
    for (const auto& sheet : workbook.sheets) names += (names.empty() ? "'" : ", '") + sheet.name + "'";
    return context.fail("no sheet has an 'Evidence Reference' column (the item id); the sheets are " +
                        (names.empty() ? std::string("none") : names) +
                        ". This is not NHS England's list of evidence items, or its header row was renamed");
  }
  std::size_t chosen = candidates.front();
  for (auto i : candidates)
    if (sheet::mentions_category(workbook.sheets[i].name, category_key)) {
      chosen = i;
      break;
    }
  return table_of(std::move(workbook.sheets[chosen]));
}

// ---- the year a file says it is for ----

bool digit(char c) { return c >= '0' && c <= '9'; }

// "2025-26", "2025/26", "25-26", "25_26", "2025-2026" as a year; "Version 8" as the year of that
// version of the toolkit (version 1 was 2018-19, version 8 2025-26).
std::optional<AssessmentYear> year_in(std::string_view text) {
  auto run_at = [&](std::size_t i) {
    std::size_t end = i;
    while (end < text.size() && digit(text[end])) ++end;
    return end;
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (!digit(text[i]) || (i > 0 && digit(text[i - 1]))) continue;
    const std::size_t end = run_at(i);
    std::size_t next = end;
    if (next < text.size() && (text[next] == '-' || text[next] == '/' || text[next] == '_')) ++next;
    else if (text.substr(next, 3) == "\xE2\x80\x93") next += 3;  // an en dash
    if (next == end || next >= text.size() || !digit(text[next])) continue;
    const std::size_t next_end = run_at(next);
    const auto first_text = text.substr(i, end - i), second_text = text.substr(next, next_end - next);
    if ((first_text.size() != 2 && first_text.size() != 4) || (second_text.size() != 2 && second_text.size() != 4)) continue;
    int first = std::stoi(std::string(first_text)), second = std::stoi(std::string(second_text));
    if (first_text.size() == 2) first += 2000;
    if (first < 2000 || first > 2098) continue;
    if ((second_text.size() == 2 && second == (first + 1) % 100) || second == first + 1) return AssessmentYear{first};
  }
  std::string lowered(text);
  std::transform(lowered.begin(), lowered.end(), lowered.begin(), [](char c) { return c >= 'A' && c <= 'Z' ? char(c + 32) : c; });
  for (auto at = lowered.find("version"); at != std::string::npos; at = lowered.find("version", at + 1)) {
    std::size_t i = at + 7;
    while (i < lowered.size() && (lowered[i] == ' ' || lowered[i] == '_')) ++i;
    const std::size_t end = run_at(i);
    if (end == i || end - i > 2) continue;
    const int version = std::stoi(lowered.substr(i, end - i));
    if (version >= 1 && version <= 40) return AssessmentYear{2017 + version};
  }
  return std::nullopt;
}

struct YearMention {
  AssessmentYear year;
  std::string where;  // "line 1, column 1", "the sheet name 'Cat 3 25-26'", "the file name '...'"
  std::string text;
};

std::vector<YearMention> year_mentions(const sheet::Table& table, std::size_t header_index, const std::string& file_name) {
  std::vector<YearMention> found;
  for (std::size_t r = 0; r < header_index; ++r) {
    const auto& row = table.rows[r];
    for (std::size_t c = 0; c < row.cells.size(); ++c)
      if (auto year = year_in(row.cells[c]))
        found.push_back({*year,
                         sheet::where(table, row) + ", column " +
                             (table.from_workbook ? xlsx::column_name(c) : std::to_string(c + 1)),
                         row.cells[c]});
  }
  if (table.from_workbook)
    if (auto year = year_in(table.sheet)) found.push_back({*year, "the sheet's name", table.sheet});
  if (auto year = year_in(file_name)) found.push_back({*year, "the file name", file_name});
  return found;
}

Status check_year(const std::vector<YearMention>& mentions, AssessmentYear year, const Context& context) {
  for (const auto& mention : mentions) {
    if (mention.year == year) continue;
    const auto& stated = mention.year.label();
    return context.fail(mention.where + " says '" + mention.text + "', the " + stated + " list, but it is being imported as " +
                        year.label() + ". Import it as " + stated + ", or use the " + year.label() +
                        " list from NHS England");
  }
  return {};
}

const Catalogue* default_reference(AssessmentYear year, std::optional<Catalogue>& holder) {
  if (auto shipped = shipped_catalogue(year)) return &holder.emplace(std::move(*shipped));
  auto years = shipped_years();
  for (auto at = years.rbegin(); at != years.rend(); ++at) {
    if (*at >= year) continue;
    if (auto shipped = shipped_catalogue(*at)) return &holder.emplace(std::move(*shipped));
  }
  return nullptr;
}

Result<sheet::Table> read_table(std::string_view bytes, OfficialListFormat format, const std::string& category_key,
                                const Context& context) {
  if (format == OfficialListFormat::csv) {
    if (bytes.starts_with("\xEF\xBB\xBF")) bytes.remove_prefix(3);  // Excel's "CSV UTF-8" starts with a BOM
    auto table = sheet::read_csv_table(bytes);
    if (!table) return context.fail(table.error().message);
    return table;
  }
  auto workbook = xlsx::read_workbook(bytes);
  if (!workbook) return context.fail(workbook.error().message);
  return list_sheet(std::move(*workbook), category_key, context);
}

}  // namespace

std::string_view to_string(OfficialListFormat format) { return format == OfficialListFormat::xlsx ? "xlsx" : "csv"; }

std::string default_category(AssessmentYear year) { return year.first >= 2024 ? "Category 3" : "Social Care"; }

Result<ImportedList> import_official_list(std::string_view bytes, std::string_view file_name, AssessmentYear year,
                                          const OfficialListOptions& options) {
  const Context context{std::string(file_name)};
  auto format = sniff(bytes, context);
  if (!format) return format.error();
  const std::string wanted = options.category.empty() ? default_category(year) : options.category;
  auto table = read_table(bytes, *format, sheet::category_key(wanted), context);
  if (!table) return table.error();

  std::optional<Catalogue> shipped;
  const Catalogue* reference = options.reference ? options.reference : default_reference(year, shipped);
  sheet::ImportSettings settings{options.category, {sheet::category_key(default_category(year))}, default_category(year),
                                 reference, std::string(file_name)};
  auto imported = sheet::import_table(*table, year, settings);
  if (!imported) return imported.error();
  const auto mentions = year_mentions(*table, imported->header_index, std::string(file_name));
  if (auto checked = check_year(mentions, year, context); !checked) return checked.error();

  ImportedList list;
  list.catalogue = std::move(imported->catalogue);
  list.format = *format;
  list.sheet = table->sheet;
  list.category = imported->category;
  if (!mentions.empty()) list.stated_year = mentions.front().year;
  list.change_notes = std::move(imported->change_notes);
  list.left_out = imported->left_out;
  return list;
}

Result<Catalogue> set_to_compare(AssessmentYear year, const std::function<Result<Catalogue>(AssessmentYear)>& set_for) {
  for (AssessmentYear at = year; at.first >= 2000; at = AssessmentYear{at.first - 1}) {
    auto set = set_for(at);
    if (set || set.error().kind != ErrorKind::not_found) return set;
  }
  return not_found("there is no question set for " + year.label() + " or any year before it to compare the list with");
}

}  // namespace dsptsync
