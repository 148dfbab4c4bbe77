#include "dsptsync/ods.h"

#include <cctype>
#include <regex>

namespace dsptsync {
namespace {

constexpr std::string_view kAcceptedFormats =
    "accepted: a site code (V and 4 letters or digits, e.g. VLAXL), a head office code "
    "(A or C and 3 letters or digits, e.g. A1B2), or an 8-code (e.g. 8JX12)";

std::string normalise(std::string_view raw) {
  std::size_t first = 0;
  std::size_t last = raw.size();
  while (first < last && std::isspace(static_cast<unsigned char>(raw[first]))) ++first;
  while (last > first && std::isspace(static_cast<unsigned char>(raw[last - 1]))) --last;
  std::string code(raw.substr(first, last - first));
  for (char& c : code) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return code;
}

bool all_alnum(std::string_view text) {
  for (char c : text)
    if (!std::isdigit(static_cast<unsigned char>(c)) && !(c >= 'A' && c <= 'Z')) return false;
  return true;
}

}  // namespace

std::string_view to_string(OdsKind kind) {
  switch (kind) {
    case OdsKind::site: return "site";
    case OdsKind::head_office: return "head_office";
    case OdsKind::non_nhs: return "non_nhs";
  }
  return "site";
}

Result<OdsCode> parse_ods_code(std::string_view raw) {
  std::string code = normalise(raw);
  if (code.empty()) return invalid_input("the ODS code is empty; " + std::string(kAcceptedFormats));
  if (all_alnum(code)) {
    if (code.size() == 5 && code[0] == 'V') return OdsCode{code, OdsKind::site};
    if (code.size() == 4 && (code[0] == 'A' || code[0] == 'C')) return OdsCode{code, OdsKind::head_office};
    // A few legacy head office codes are A followed by 2 or 4 characters.
    if ((code.size() == 3 || code.size() == 5) && code[0] == 'A') return OdsCode{code, OdsKind::head_office};
    if (code.size() == 5 && code[0] == '8' && std::isalpha(static_cast<unsigned char>(code[1])) &&
        std::isdigit(static_cast<unsigned char>(code[3])) && std::isdigit(static_cast<unsigned char>(code[4])))
      return OdsCode{code, OdsKind::non_nhs};
  }
  return invalid_input("'" + std::string(raw) + "' is not an ODS code; " + std::string(kAcceptedFormats));
}

Result<OdsCode> parse_head_office_code(std::string_view raw) {
  auto code = parse_ods_code(raw);
  if (!code) return code.error();
  if (code->kind == OdsKind::site)
    return invalid_input("'" + code->code +
                         "' is a site code; a head office registers with its HQ code (A or C and 3 letters "
                         "or digits, e.g. A1B2) or an 8-code (e.g. 8JX12)");
  return code;
}

Result<OdsCode> parse_site_code(std::string_view raw) {
  auto code = parse_ods_code(raw);
  if (!code) return code.error();
  if (code->kind != OdsKind::site)
    return invalid_input("'" + code->code + "' is not a site code; a branch (site) code is V and 4 letters or digits, "
                         "e.g. VLAXL");
  return code;
}

}  // namespace dsptsync
