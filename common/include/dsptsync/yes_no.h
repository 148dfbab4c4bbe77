// How people may write yes or no, in every field that takes one (a yes/no answer, whether vulnerable
// groups are involved in an incident): one spelling rule, so a word accepted in one is accepted in all.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace dsptsync {

// "yes" for yes, y or true; "no" for no, n or false (any case, white space around ignored); nullopt
// for anything else.
std::optional<std::string> parse_yes_no(std::string_view typed);

}  // namespace dsptsync
