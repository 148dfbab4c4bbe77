#include "dsptsync/yes_no.h"

#include <cctype>

namespace dsptsync {

std::optional<std::string> parse_yes_no(std::string_view typed) {
  while (!typed.empty() && std::isspace(static_cast<unsigned char>(typed.front()))) typed.remove_prefix(1);
  while (!typed.empty() && std::isspace(static_cast<unsigned char>(typed.back()))) typed.remove_suffix(1);
  std::string word(typed);
  for (char& c : word) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (word == "yes" || word == "y" || word == "true") return "yes";
  if (word == "no" || word == "n" || word == "false") return "no";
  return std::nullopt;
}

}  // namespace dsptsync
