// Small text helpers every reader of typed input shares: one definition of "white space around it"
// and of "whatever the case".
#pragma once

#include <string>
#include <string_view>

namespace dsptsync {

inline constexpr std::string_view kBlanks = " \t\r\n";

// Without the spaces, tabs and line ends around it (or the `blanks` given).
std::string_view trimmed(std::string_view text, std::string_view blanks = kBlanks);
// ASCII letters in lower case; every other byte (UTF-8 included) as it is.
std::string lowercase(std::string_view text);

}  // namespace dsptsync
