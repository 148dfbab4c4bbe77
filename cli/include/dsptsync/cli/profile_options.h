// The options both command lines take for `profile set` (`dsptsync profile set`, `dsptsync-server
// profile set`), declared once so their names, help and ROLE=NAME form cannot drift (docs/cli.md).
#pragma once

#include "dsptsync/profile_input.h"

#include <CLI/CLI.hpp>

#include <map>
#include <string>
#include <vector>

namespace dsptsync::cli {

struct ProfileOptions {
  std::string name, cyber, nhsmail;
  std::vector<std::string> roles;
  // Adds --name, --cyber-essentials-plus, --nhsmail-only and --role ROLE=NAME (repeatable).
  void add_to(CLI::App* command);
  // The entries to record, in the order given; an empty --name, --cyber-essentials-plus or
  // --nhsmail-only is left out. invalid_input for a --role without '='.
  Result<ProfileEntries> entries() const;
};

// `profile show`'s text: one "entry: value" line each, in entry order.
std::string profile_text(const std::map<std::string, std::string>& profile);

}  // namespace dsptsync::cli
