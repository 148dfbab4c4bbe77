// Writes question set items as the NHS England evidence list saved as CSV, in the columns the import
// reads (docs/catalogue.md), for tests that import a year's list the project does not ship.
#pragma once

#include "dsptsync/catalogue.h"

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace dsptsync::testing {

inline std::string csv_cell(const std::string& text) {
  std::string out = "\"";
  for (char c : text) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

inline std::string nhs_type_name(AnswerType type) {
  switch (type) {
    case AnswerType::yes_no: return "Yes/No";
    case AnswerType::text: return "Text";
    case AnswerType::document: return "Document";
    case AnswerType::date: return "Date";
    case AnswerType::number: return "Number";
  }
  return "Text";
}

// A title row above the header, as the NHS sheet has, then one row per item.
inline std::string nhs_list_csv(const std::vector<CatalogueItem>& items, const std::string& title) {
  std::string csv = csv_cell(title) + "\r\n";
  csv += "Evidence Reference,Evidence text - Social Care,Tool tips - Social Care,Mandatory - Social Care,"
         "Approaching Standards - Social Care,Evidence type,Topic group\r\n";
  for (const auto& item : items) {
    const std::string approaching = item.approaching == ApproachingFlag::yes   ? "Yes"
                                    : item.approaching == ApproachingFlag::no ? "No"
                                                                               : "Uncertain";
    csv += csv_cell(item.id) + "," + csv_cell(item.question) + "," + csv_cell(item.tooltip) + "," +
           csv_cell(item.required_for_met ? "Yes" : "No") + "," + csv_cell(approaching) + "," +
           csv_cell(nhs_type_name(item.type)) + "," + csv_cell(item.group) + "\r\n";
  }
  return csv;
}

inline void write_text_file(const std::filesystem::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

}  // namespace dsptsync::testing
