#include "dsptsync/cli/profile_options.h"

#include "dsptsync/assessment.h"

#include <sstream>

namespace dsptsync::cli {

void ProfileOptions::add_to(CLI::App* command) {
  command->add_option("--name", name, "organisation name");
  command->add_option("--cyber-essentials-plus", cyber, "yes, no or not-sure");
  command->add_option("--nhsmail-only", nhsmail, "yes or no: NHSmail is the only email system");
  command->add_option("--role", roles, "ROLE=NAME, ROLE one of caldicott_guardian, siro, ig_lead, dpo (repeatable)");
}

Result<ProfileEntries> ProfileOptions::entries() const {
  ProfileEntries out;
  if (!name.empty()) out.emplace_back(profile::kName, name);
  if (!cyber.empty()) out.emplace_back(profile::kCyberEssentialsPlus, cyber);
  if (!nhsmail.empty()) out.emplace_back(profile::kNhsmailOnly, nhsmail);
  for (const auto& role : roles) {
    const auto eq = role.find('=');
    if (eq == std::string::npos)
      return invalid_input("--role takes ROLE=NAME, e.g. --role \"caldicott_guardian=Ann Lee\"");
    out.emplace_back(std::string(profile::kRolePrefix) + role.substr(0, eq), role.substr(eq + 1));
  }
  return out;
}

std::string profile_text(const std::map<std::string, std::string>& profile) {
  std::ostringstream text;
  for (const auto& [entry, value] : profile) text << entry << ": " << value << "\n";
  return text.str();
}

}  // namespace dsptsync::cli
