// The options both command lines take for an incident's details (`dsptsync incident add|edit|close`,
// `dsptsync-server incident edit|close`), declared once so their names and help cannot drift
// (docs/cli.md). An option given as "" clears its field.
#pragma once

#include "dsptsync/incident_input.h"

#include <CLI/CLI.hpp>

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace dsptsync::cli {

class IncidentOptions {
 public:
  // Adds --happened, --found, --found-by, --what, --category, --kind, --people, --vulnerable, --data,
  // --containment, --likelihood, --severity, --state, --ico-reference, --lessons and --items.
  void add_to(CLI::App* command);
  // Adds only --lessons (required) and --ico-reference: what `close` takes.
  void add_close_to(CLI::App* command);
  // Every option given, by the field it sets.
  IncidentInput input() const;

 private:
  void add(CLI::App* command, const char* name, Field field, const char* help);
  std::vector<std::pair<Field, std::pair<CLI::Option*, std::string*>>> options_;
  std::vector<std::unique_ptr<std::string>> values_;
};

// One `edit` or `close` of an incident as both command lines take it: the id, the details given, and
// what the change is called in the output.
struct IncidentChange {
  std::string id;
  IncidentOptions details;
  bool close = false;
  IncidentInput input() const;  // close: the details given, and the state closed
  std::string done() const;     // "Changed incident", "Closed incident"
};

// Adds `edit ID [DETAILS]` and `close ID --lessons TEXT [--ico-reference REF]` to `group`; `keep`
// gives each a place to live as long as the command line, and `run` attaches the work to each.
void add_incident_change_commands(CLI::App* group, const std::function<IncidentChange&()>& keep,
                                  const std::function<void(CLI::App*, IncidentChange&)>& run);

}  // namespace dsptsync::cli
