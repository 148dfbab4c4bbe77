// ODS codes: the identifiers the DSPT uses for organisations and their sites.
#pragma once

#include "dsptsync/error.h"

#include <string>
#include <string_view>

namespace dsptsync {

enum class OdsKind {
  site,        // a care location: V followed by 4 letters or digits (VLAXL)
  head_office, // an HQ: A or C followed by 3 (A1B2); a few legacy A codes have 2 or 4
  non_nhs,     // an 8-code: 8, a letter, a letter or digit, two digits (8JX12)
};

std::string_view to_string(OdsKind kind);

struct OdsCode {
  std::string code;  // normalised: upper case, no surrounding space
  OdsKind kind = OdsKind::site;
  friend bool operator==(const OdsCode&, const OdsCode&) = default;
};

// Normalises case and surrounding space and checks the format; the error lists the accepted formats.
Result<OdsCode> parse_ods_code(std::string_view raw);
// The same, but only a head office code (A***/C***) or an 8-code is accepted.
Result<OdsCode> parse_head_office_code(std::string_view raw);
// The same, but only a site code (V****) is accepted.
Result<OdsCode> parse_site_code(std::string_view raw);

}  // namespace dsptsync
