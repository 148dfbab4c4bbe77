// `dsptsync doc list|show|get|open|ack|attach|version`: the policy library on the laptop (docs/cli.md,
// docs/documents.md). Parse, one call on the Workspace, present with the service's serialiser, as
// head office's `dsptsync-server doc` does.
#include "cli_commands.h"

#include "dsptsync/cli/document_options.h"
#include "dsptsync/export.h"
#include "dsptsync/platform.h"
#include "dsptsync/service/document_json.h"
#include "dsptsync/tuning.h"

#include <sstream>

namespace dsptsync::client {
namespace {

struct FileCommand {
  std::string id, out;
  int version = 0;
  CLI::Option* version_option = nullptr;
  std::optional<int> chosen() const { return version_option->count() ? std::optional<int>(version) : std::nullopt; }
};

struct AttachCommand {
  std::string id, file, note;
  cli::DocumentOptions details;
};

// Opened copies are kept apart from the store, readable by this account only, and replaced on every open.
constexpr std::string_view kOpenedFolder = "opened";

auto held_here(Workspace& workspace, const Document& document) {
  return [&workspace, &document](const files::Hash& root) { return workspace.holds(document, root); };
}

Output outcome_output(const DocumentOutcome& outcome, std::string_view done) {
  return Output{service::to_json(outcome, JsonStyle::cli),
                std::string(done) + " " + outcome.document.id + "\n" + service::document_text(outcome.document)};
}

Result<Output> list_output(Workspace& workspace) {
  auto documents = workspace.documents();
  if (!documents) return documents.error();
  auto warnings = review_warnings(*documents, date_of(now_ms()));
  json list = json::array(), due = json::array();
  std::ostringstream text;
  for (const auto& document : *documents) {
    list.push_back(service::to_json(document, JsonStyle::cli, held_here(workspace, document)));
    const DocumentVersion* current = document.current();
    const bool held = current && workspace.holds(document, current->root);
    text << service::document_line(document) << (current && !held ? "  (not on this laptop yet)" : "") << "\n";
  }
  if (documents->empty())
    text << "No documents yet: head office's arrive at the next sync; 'dsptsync doc attach' adds this site's own\n";
  for (const auto& warning : warnings) {
    due.push_back(service::to_json(warning, JsonStyle::cli));
    text << "Review: " << warning.text << "\n";
  }
  return Output{{{"documents", std::move(list)}, {"review_warnings", std::move(due)}}, text.str()};
}

json file_json(const FileCommand& o, const DocumentFile& file, const std::string& out) {
  return {{"document", o.id}, {"version", file.version},     {"name", file.name},
          {"out", out},       {"size", file.content.size()}, {"hash", files::to_hex(file.root)}};
}

// Removes the copies `doc open` wrote longer ago than tuning::kOpenedCopyLifetime: plain copies of
// confidential policies do not pile up in the store's folder. One that cannot be removed stays, to
// be tried again at the next `doc open`.
void forget_old_opened_copies(const std::filesystem::path& folder) {
  std::error_code ec;
  const auto now = std::filesystem::file_time_type::clock::now();
  for (const auto& entry : std::filesystem::directory_iterator(folder, ec)) {
    std::error_code each;
    if (!entry.is_regular_file(each)) continue;
    const auto written = entry.last_write_time(each);
    if (!each && now - written > tuning::kOpenedCopyLifetime) std::filesystem::remove(entry.path(), each);
  }
}

Status write_opened_copy(const std::filesystem::path& path, const DocumentFile& file) {
  std::error_code ec;
  std::filesystem::create_directories(path.parent_path(), ec);
  forget_old_opened_copies(path.parent_path());
  std::filesystem::remove(path, ec);
  const std::string_view bytes(reinterpret_cast<const char*>(file.content.data()), file.content.size());
  return platform::write_new_file(path, bytes, platform::FileAccess::owner_only);
}

void add_reading(BranchCli& cli, CLI::App* group) {
  auto* list_cmd = group->add_subcommand("list", "head office's shared documents and this site's own");
  cli.on_store_run(list_cmd, [](Workspace& workspace) { return list_output(workspace); });

  auto& show = cli.line.keep<std::string>();
  auto* show_cmd = group->add_subcommand("show", "one document's details and every version");
  show_cmd->add_option("ID", show, "the document's id (DOC-...)")->required();
  cli.on_store_run(show_cmd, [&show](Workspace& workspace) -> Result<Output> {
    auto document = workspace.document(show);
    if (!document) return document.error();
    return Output{{{"document", service::to_json(*document, JsonStyle::cli, held_here(workspace, *document))}},
                  service::document_text(*document)};
  });

  auto& get = cli.line.keep<FileCommand>();
  auto* get_cmd = group->add_subcommand("get", "write a version's file (the current one by default), offline");
  get_cmd->add_option("ID", get.id, "the document's id (DOC-...)")->required();
  get.version_option = get_cmd->add_option("--version", get.version, "the version's number");
  get_cmd->add_option("--out", get.out, "the file to write (replaced whole if it exists)")->required();
  cli.on_store_run(get_cmd, [&get](Workspace& workspace) -> Result<Output> {
    auto file = workspace.document_file(get.id, get.chosen());
    if (!file) return file.error();
    const std::string_view bytes(reinterpret_cast<const char*>(file->content.data()), file->content.size());
    if (auto written = write_file_atomically(platform::path_from_utf8(get.out), bytes); !written)
      return written.error();
    return Output{file_json(get, *file, get.out), "Wrote version " + std::to_string(file->version) + " (" + file->name +
                                                      ", " + service::size_text(file->content.size()) + ") to " +
                                                      get.out + "\n"};
  });

  auto& open = cli.line.keep<FileCommand>();
  auto* open_cmd = group->add_subcommand("open", "open a version (the current one by default) in its usual program");
  open_cmd->add_option("ID", open.id, "the document's id (DOC-...)")->required();
  open.version_option = open_cmd->add_option("--version", open.version, "the version's number");
  cli.on_store_run(open_cmd, [&open, &cli](Workspace& workspace) -> Result<Output> {
    auto file = workspace.document_file(open.id, open.chosen());
    if (!file) return file.error();
    const auto path = store_dir(cli.global) / kOpenedFolder /
                      (open.id + "-v" + std::to_string(file->version) + std::string(files::extension(file->type)));
    if (auto written = write_opened_copy(path, *file); !written) return written.error();
    platform::open_in_browser(platform::utf8_of(path));
    return Output{file_json(open, *file, platform::utf8_of(path)),
                  "Opened " + file->name + " (version " + std::to_string(file->version) + "): a copy is at " +
                      platform::utf8_of(path) + "\n"};
  });
}

void add_changes(BranchCli& cli, CLI::App* group) {
  auto& ack = cli.line.keep<FileCommand>();
  auto* ack_cmd =
      group->add_subcommand("ack", "say you have read and understood a version (the current one by default)");
  ack_cmd->add_option("ID", ack.id, "the document's id (DOC-...)")->required();
  ack.version_option = ack_cmd->add_option("--version", ack.version, "the version's number");
  cli.on_store_run(ack_cmd, [&ack](Workspace& workspace) -> Result<Output> {
    auto outcome = workspace.acknowledge_document(ack.id, ack.chosen());
    if (!outcome) return outcome.error();
    const DocumentVersion* version =
        ack.chosen() ? outcome->document.version(*ack.chosen()) : outcome->document.current();
    return Output{service::to_json(*outcome, JsonStyle::cli),
                  workspace.person_name() + " has read and understood " + outcome->document.title + " version " +
                      std::to_string(version ? version->number : 0) + "; head office sees it after the next sync\n"};
  });

  auto& attach = cli.line.keep<AttachCommand>();
  auto* attach_cmd =
      group->add_subcommand("attach", "add a document of this site's own with its file (evidence, a local procedure)");
  attach_cmd->add_option("FILE", attach.file, "the file: PDF, DOCX, XLSX, ODT, PNG, JPEG or TXT, at most 25 MiB")
      ->required();
  attach.details.add_to(attach_cmd, true);
  attach_cmd->add_option("--note", attach.note, "what this version is");
  cli.on_store_run(attach_cmd, [&attach](Workspace& workspace) -> Result<Output> {
    auto file = cli::read_document_file(attach.file);
    if (!file) return file.error();
    auto outcome = workspace.attach_document(attach.details.input(), {file->name, file->content, attach.note});
    if (!outcome) return outcome.error();
    return outcome_output(*outcome, "Attached document");
  });

  auto& version = cli.line.keep<AttachCommand>();
  auto* version_cmd = group->add_subcommand("version", "add a new version of one of this site's own documents");
  version_cmd->add_option("ID", version.id, "the document's id (DOC-...)")->required();
  version_cmd->add_option("FILE", version.file, "the new version's file")->required();
  version_cmd->add_option("--note", version.note, "what changed");
  cli.on_store_run(version_cmd, [&version](Workspace& workspace) -> Result<Output> {
    auto file = cli::read_document_file(version.file);
    if (!file) return file.error();
    auto outcome = workspace.add_document_version(version.id, {file->name, file->content, version.note});
    if (!outcome) return outcome.error();
    return outcome_output(*outcome, "Added a version to");
  });
}

}  // namespace

void add_document_commands(BranchCli& cli) {
  auto* group =
      cli.line.app().add_subcommand("doc", "the policy library: head office's shared documents and this site's own");
  group->require_subcommand(1);
  add_reading(cli, group);
  add_changes(cli, group);
}

}  // namespace dsptsync::client
