// `dsptsync catalogue` (docs/cli.md): the question set in force, and importing NHS England's list on
// an offline store.
#include "cli_commands.h"

#include "dsptsync/platform.h"

#include <sstream>

namespace dsptsync::client {
namespace {

struct ImportOptions {
  std::string file, year, category;
  bool dry_run = false;
};

Output import_output(const CatalogueImport& imported, const std::string& file) {
  const Catalogue& catalogue = imported.list.catalogue;
  int mandatory = 0;
  for (const auto& item : catalogue.items()) mandatory += item.required_for_met ? 1 : 0;
  std::ostringstream text;
  text << (imported.applied ? "Imported " : "Would import ") << catalogue.items().size() << " items (" << mandatory
       << " mandatory) for " << catalogue.year().label() << " from " << file << " (" << to_string(imported.list.format)
       << (imported.list.sheet.empty() ? std::string() : ", sheet '" + imported.list.sheet + "'") << ", "
       << imported.list.category << ")\n";
  for (const auto& line : describe(imported.diff)) text << line << "\n";
  if (!imported.applied) text << "Nothing was imported (--dry-run).\n";
  return Output{{{"year", catalogue.year().label()}, {"origin", catalogue.origin()},
                 {"items", catalogue.items().size()}, {"mandatory", mandatory},
                 {"assertions", catalogue.assertions().size()}, {"applied", imported.applied},
                 {"format", to_string(imported.list.format)}, {"sheet", imported.list.sheet},
                 {"category", imported.list.category}, {"diff", to_json(imported.diff)}},
                text.str()};
}

void add_import(BranchCli& cli, CLI::App* catalogue) {
  auto& o = cli.line.keep<ImportOptions>();
  auto* cmd = catalogue->add_subcommand(
      "import", "import NHS England's list of evidence items (.xlsx as downloaded, or saved as CSV) on an offline store");
  cmd->add_option("FILE", o.file, "the .xlsx or CSV file")->required();
  cmd->add_option("--year", o.year, "the year it is for, e.g. 2026-27")->required();
  cmd->add_option("--category", o.category,
                  "the columns to read, e.g. \"Category 3\" (default: Social Care up to 2023-24, Category 3 after)");
  cmd->add_flag("--dry-run", o.dry_run, "show what the list changes against the set in force; import nothing");
  cli.on_store_run(cmd, [&o](Workspace& workspace) -> Result<Output> {
    auto imported = workspace.import_catalogue(platform::path_from_utf8(o.file), o.year, o.category, o.dry_run);
    if (!imported) return imported.error();
    return import_output(*imported, o.file);
  });
}

Result<Output> catalogue_show_output(Workspace& workspace) {
  auto set = workspace.question_set();
  if (!set) return set.error();
  json data = to_json(*set);
  std::string text;
  for (const auto& line : describe(*set)) text += line + "\n";
  // Checked again now, against the key this laptop pinned at enrolment.
  data["signature_checked"] = nullptr;
  if (set->is_signed()) {
    auto checked = workspace.check_question_set(*set);
    data["signature_checked"] = checked.has_value();
    text += checked ? "  signature: good, by the head office this laptop enrolled with\n"
                    : "  signature: BAD: " + checked.error().message + "\n";
  }
  return Output{data, text};
}

}  // namespace

void add_catalogue_commands(BranchCli& cli) {
  auto* catalogue = cli.line.app().add_subcommand("catalogue", "the question set in force, and importing the official one");
  catalogue->require_subcommand(1);
  add_import(cli, catalogue);
  cli.on_store_run(catalogue->add_subcommand("show", "which question set is in force"), catalogue_show_output);
}

}  // namespace dsptsync::client
