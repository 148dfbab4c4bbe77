// `dsptsync-server doc add|version|edit|pin|list|show|get|acks|quota`: head office's policy library
// (docs/cli.md, docs/documents.md). Parse, one call on HeadOffice, present with the service's
// serialiser, as the laptop's `dsptsync doc` does.
#include "cli_support.h"

#include "dsptsync/cli/document_options.h"
#include "dsptsync/export.h"
#include "dsptsync/platform.h"
#include "dsptsync/service/document_json.h"

#include <charconv>
#include <sstream>

namespace dsptsync::server {
namespace {

struct AddCommand {
  std::string file, branch, note, as;
  CLI::Option* branch_option = nullptr;
  cli::DocumentOptions details;
};

struct VersionCommand {
  std::string id, file, note, as;
};

struct EditCommand {
  std::string id, as;
  cli::DocumentOptions details;
};

struct PinCommand {
  std::string id, as;
  int version = 0;
};

struct ListCommand {
  std::string branch;
  CLI::Option* branch_option = nullptr;
};

struct GetCommand {
  std::string id, out;
  int version = 0;
  CLI::Option* version_option = nullptr;
};

struct QuotaCommand {
  std::string size;
  CLI::Option* set_option = nullptr;
};

// "20GiB", "500MiB" or a number of bytes.
Result<std::uint64_t> parse_size(std::string_view text) {
  std::uint64_t number = 0;
  const char* end = text.data() + text.size();
  auto [rest, error] = std::from_chars(text.data(), end, number);
  const std::string_view unit(rest, static_cast<std::size_t>(end - rest));
  const std::uint64_t scale = unit.empty() ? 1 : unit == "MiB" ? 1ULL << 20 : unit == "GiB" ? 1ULL << 30 : 0;
  if (error != std::errc{} || rest == text.data() || scale == 0 || number > UINT64_MAX / scale)
    return invalid_input("'" + std::string(text) + "' is not a size; write it as 20GiB, 500MiB or a number of bytes");
  return number * scale;
}

Output usage_output(const LibraryUsage& usage, std::string_view done) {
  return Output{{{"stored_bytes", usage.stored_bytes}, {"quota_bytes", usage.quota_bytes}},
                std::string(done) + "The library holds " + service::size_text(usage.stored_bytes) + " of its " +
                    service::size_text(usage.quota_bytes) + " quota\n"};
}

Output outcome_output(const DocumentOutcome& outcome, std::string_view done) {
  return Output{service::to_json(outcome, JsonStyle::cli),
                std::string(done) + " " + outcome.document.id + "\n" + service::document_text(outcome.document)};
}

// Whether head office holds a version's file yet (a branch's arrives when its laptop next syncs).
auto held_here(HeadOffice& office, const Document& document) {
  return [&office, scope = document.scope](const files::Hash& root) {
    auto held = office.files().held_by_any(root, {scope});
    return held && *held;
  };
}

Result<Output> list_output(HeadOffice& office, const ListCommand& o) {
  auto documents = office.documents(o.branch_option->count() ? std::optional<std::string>(o.branch) : std::nullopt);
  if (!documents) return documents.error();
  auto warnings = review_warnings(*documents, date_of(now_ms()));
  json list = json::array(), due = json::array();
  std::ostringstream text;
  for (const auto& document : *documents) {
    list.push_back(service::to_json(document, JsonStyle::cli));
    text << service::document_line(document) << "\n";
  }
  if (documents->empty()) text << "The library holds no documents yet; 'dsptsync-server doc add' adds one\n";
  for (const auto& warning : warnings) {
    due.push_back(service::to_json(warning, JsonStyle::cli));
    text << "Review: " << warning.text << "\n";
  }
  return Output{{{"documents", std::move(list)}, {"review_warnings", std::move(due)}}, text.str()};
}

void add_changes(ServerCli& cli, CLI::App* group) {
  auto& add = cli.line.keep<AddCommand>();
  auto* add_cmd = group->add_subcommand("add", "add a document to the library with its first version");
  add_cmd->add_option("FILE", add.file, "the file: PDF, DOCX, XLSX, ODT, PNG, JPEG or TXT, at most 25 MiB")->required();
  add.details.add_to(add_cmd, true);
  add.branch_option =
      add_cmd->add_option("--branch", add.branch, "a branch's own document (default: head office's shared library)");
  add_cmd->add_option("--note", add.note, "what this version is, e.g. \"approved by the board\"");
  add_as_option(add_cmd, add.as, "person adding it");
  cli.on_acting_run(add_cmd, add.as, [&add](HeadOffice& office, const User& by) -> Result<Output> {
    auto file = cli::read_document_file(add.file);
    if (!file) return file.error();
    const auto branch = add.branch_option->count() ? std::optional<std::string>(add.branch) : std::nullopt;
    auto outcome = office.add_document(by, branch, add.details.input(), {file->name, file->content, add.note});
    if (!outcome) return outcome.error();
    return outcome_output(*outcome, "Added document");
  });

  auto& version = cli.line.keep<VersionCommand>();
  auto* version_cmd = group->add_subcommand("version", "add a new version of a document: it becomes the current one");
  version_cmd->add_option("ID", version.id, "the document's id (DOC-...)")->required();
  version_cmd->add_option("FILE", version.file, "the new version's file")->required();
  version_cmd->add_option("--note", version.note, "what changed");
  add_as_option(version_cmd, version.as, "person adding it");
  cli.on_acting_run(version_cmd, version.as, [&version](HeadOffice& office, const User& by) -> Result<Output> {
    auto file = cli::read_document_file(version.file);
    if (!file) return file.error();
    auto outcome = office.add_document_version(by, version.id, {file->name, file->content, version.note});
    if (!outcome) return outcome.error();
    return outcome_output(*outcome, "Added a version to");
  });

  auto& edit = cli.line.keep<EditCommand>();
  auto* edit_cmd = group->add_subcommand("edit", "change a document's title, kind, owner, review date or items");
  edit_cmd->add_option("ID", edit.id, "the document's id (DOC-...)")->required();
  edit.details.add_to(edit_cmd, false);
  add_as_option(edit_cmd, edit.as, "person making the change");
  cli.on_acting_run(edit_cmd, edit.as, [&edit](HeadOffice& office, const User& by) -> Result<Output> {
    auto outcome = office.edit_document(by, edit.id, edit.details.input());
    if (!outcome) return outcome.error();
    return outcome_output(*outcome, "Changed");
  });

  auto& pin = cli.line.keep<PinCommand>();
  auto* pin_cmd =
      group->add_subcommand("pin", "make one version current whatever is added later (0: the latest again)");
  pin_cmd->add_option("ID", pin.id, "the document's id (DOC-...)")->required();
  pin_cmd->add_option("VERSION", pin.version, "the version's number")->required();
  add_as_option(pin_cmd, pin.as, "person making the change");
  cli.on_acting_run(pin_cmd, pin.as, [&pin](HeadOffice& office, const User& by) -> Result<Output> {
    auto outcome = office.pin_document_version(by, pin.id, pin.version);
    if (!outcome) return outcome.error();
    return outcome_output(*outcome,
                          pin.version == 0 ? "The latest version is current again in" : "Pinned a version of");
  });
}

void add_reading(ServerCli& cli, CLI::App* group) {
  auto& list = cli.line.keep<ListCommand>();
  auto* list_cmd = group->add_subcommand("list", "every document of the library, and those due for review");
  list.branch_option = list_cmd->add_option("--branch", list.branch, "the shared documents and this branch's own");
  cli.on_office_run(list_cmd, [&list](HeadOffice& office) { return list_output(office, list); });

  auto& show = cli.line.keep<std::string>();
  auto* show_cmd = group->add_subcommand("show", "one document's details and every version");
  show_cmd->add_option("ID", show, "the document's id (DOC-...)")->required();
  cli.on_office_run(show_cmd, [&show](HeadOffice& office) -> Result<Output> {
    auto document = office.document(show);
    if (!document) return document.error();
    return Output{{{"document", service::to_json(*document, JsonStyle::cli, held_here(office, *document))}},
                  service::document_text(*document)};
  });

  auto& get = cli.line.keep<GetCommand>();
  auto* get_cmd = group->add_subcommand("get", "write a version's file (the current one by default)");
  get_cmd->add_option("ID", get.id, "the document's id (DOC-...)")->required();
  get.version_option = get_cmd->add_option("--version", get.version, "the version's number");
  get_cmd->add_option("--out", get.out, "the file to write (replaced whole if it exists)")->required();
  cli.on_office_run(get_cmd, [&get](HeadOffice& office) -> Result<Output> {
    auto file =
        office.document_file(get.id, get.version_option->count() ? std::optional<int>(get.version) : std::nullopt);
    if (!file) return file.error();
    const std::string_view bytes(reinterpret_cast<const char*>(file->content.data()), file->content.size());
    if (auto written = write_file_atomically(platform::path_from_utf8(get.out), bytes); !written)
      return written.error();
    return Output{{{"document", get.id},
                   {"version", file->version},
                   {"name", file->name},
                   {"out", get.out},
                   {"size", file->content.size()},
                   {"hash", files::to_hex(file->root)}},
                  "Wrote version " + std::to_string(file->version) + " (" + file->name + ", " +
                      service::size_text(file->content.size()) + ") to " + get.out + "\n"};
  });

  auto& quota = cli.line.keep<QuotaCommand>();
  auto* quota_cmd = group->add_subcommand("quota", "how much of its quota the library uses, or set the quota");
  quota.set_option = quota_cmd->add_option("--set", quota.size, "the new quota: 20GiB, 500MiB or bytes");
  cli.on_office_run(quota_cmd, [&quota](HeadOffice& office) -> Result<Output> {
    if (!quota.set_option->count()) {
      auto usage = office.library_usage();
      if (!usage) return usage.error();
      return usage_output(*usage, "");
    }
    auto bytes = parse_size(quota.size);
    if (!bytes) return bytes.error();
    auto usage = office.set_library_quota(nullptr, *bytes);
    if (!usage) return usage.error();
    return usage_output(*usage, "Set the library's quota. ");
  });

  auto& acks = cli.line.keep<std::string>();
  auto* acks_cmd = group->add_subcommand("acks", "who has read and understood the current version, site by site");
  acks_cmd->add_option("ID", acks, "the document's id (DOC-...)")->required();
  cli.on_office_run(acks_cmd, [&acks](HeadOffice& office) -> Result<Output> {
    auto result = office.acknowledgements(acks);
    if (!result) return result.error();
    return Output{service::to_json(*result, JsonStyle::cli), service::acknowledgements_text(*result)};
  });
}

}  // namespace

void add_document_commands(ServerCli& cli) {
  auto* group =
      cli.line.app().add_subcommand("doc", "the policy library: shared policies and every branch's documents");
  group->require_subcommand(1);
  add_changes(cli, group);
  add_reading(cli, group);
}

}  // namespace dsptsync::server
