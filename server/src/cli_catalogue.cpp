// The server CLI's question set commands (docs/cli.md: catalogue, docs/catalogue.md): import the
// official list for a year (a dry run first shows what changes), show the set in force, list every
// year's set and every import.
#include "cli_support.h"

#include "dsptsync/limits.h"

#include <fstream>
#include <iterator>
#include <sstream>

namespace dsptsync::server {
namespace {

std::string lines_of(const std::vector<std::string>& lines) {
  std::string text;
  for (const auto& line : lines) text += line + "\n";
  return text;
}

Result<std::string> read_list_file(const std::string& path) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) return io_error("cannot read " + path + ": " + ec.message() + "; give the official list's file");
  if (size > limits::kMaxOfficialListBytes)
    return invalid_input(path + " is " + std::to_string(size / (1024 * 1024)) + " MiB; the official list is well under " +
                         "1 MiB, and files over " + std::to_string(limits::kMaxOfficialListBytes / (1024 * 1024)) +
                         " MiB are not read: is this the NHS England evidence list?");
  std::ifstream in(path, std::ios::binary);
  if (!in) return io_error("cannot read " + path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

Output import_output(const QuestionSetImportOutcome& outcome) { return Output{to_json(outcome), lines_of(describe(outcome))}; }

Output history_output(const std::vector<QuestionSet>& in_force, const std::vector<StoredQuestionSet>& imports) {
  std::ostringstream text;
  for (const auto& set : in_force)
    text << set.year << "  version " << set.version << "  " << crypto::to_hex(set.content_hash).substr(0, 16) << "  "
         << describe_origin(set) << "\n";
  if (!imports.empty()) text << "Imports:\n";
  for (const auto& kept : imports)
    text << "  " << kept.set.year << " version " << kept.set.version << ": " << describe_origin(kept.set) << "\n";
  return Output{question_sets_json(in_force, imports), text.str()};
}

struct ImportOptions {
  std::string file, year, category, confirm, as;
  bool dry_run = false;
};

Result<Output> import_list(HeadOffice& office, const User& user, const ImportOptions& o) {
  auto bytes = read_list_file(o.file);
  if (!bytes) return bytes.error();
  const std::string name = std::filesystem::path(o.file).filename().string();
  auto outcome = office.import_official_list(user, {std::move(*bytes), name, o.year, o.category, o.dry_run, o.confirm});
  if (!outcome) return outcome.error();
  return import_output(*outcome);
}

// catalogue import FILE --year Y [--category C] [--dry-run] [--confirm TOKEN] [--as NAME]
void add_import(ServerCli& cli, CLI::App* catalogue) {
  auto& o = cli.line.keep<ImportOptions>();
  auto* cmd = catalogue->add_subcommand("import", "make NHS England's official list (.xlsx as downloaded, or "
                                                  "CSV) the set in force for a year; every laptop takes it");
  cmd->add_option("FILE", o.file, "the official list")->required();
  cmd->add_option("--year", o.year, "the assessment year it is for, e.g. 2026-27")->required();
  cmd->add_option("--category", o.category, "the category to read, e.g. \"Category 3\" (default: the file's)");
  cmd->add_flag("--dry-run", o.dry_run, "show what would change against the set in force; import nothing");
  cmd->add_option("--confirm", o.confirm, "the token a dry run printed: needed when the list drops items "
                                          "that hold answers");
  add_as_option(cmd, o.as, "administrator");
  cli.on_acting_run(cmd, o.as, [&o](HeadOffice& office, const User& user) { return import_list(office, user, o); });
}

Result<Output> show_output(HeadOffice& office, const std::string& year_text) {
  auto year = year_text.empty() ? Result<AssessmentYear>(office.year()) : parse_assessment_year(year_text);
  if (!year) return year.error();
  auto set = office.question_set_in_force(*year);
  if (!set) return set.error();
  return Output{to_json(*set), lines_of(describe(*set))};
}

Result<Output> list_output(HeadOffice& office) {
  auto in_force = office.question_sets_in_force();
  if (!in_force) return in_force.error();
  auto imports = office.question_set_history();
  if (!imports) return imports.error();
  return history_output(*in_force, *imports);
}

}  // namespace

void add_catalogue_commands(ServerCli& cli) {
  auto* catalogue = cli.line.app().add_subcommand("catalogue", "the question set in force for each year; importing the "
                                                               "official list");
  catalogue->require_subcommand(1);
  add_import(cli, catalogue);

  auto& year = cli.line.keep<std::string>();
  auto* show = catalogue->add_subcommand("show", "the set in force for a year: version, hash, origin, signer");
  show->add_option("--year", year, "assessment year (default: the organisation's current year)");
  cli.on_office_run(show, [&year](HeadOffice& office) { return show_output(office, year); });

  cli.on_office_run(catalogue->add_subcommand("list", "the set in force for every year, and every import"), list_output);
}

}  // namespace dsptsync::server
