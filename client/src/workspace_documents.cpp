// Workspace: the policy library on the laptop (docs/documents.md). Head office's shared documents and
// this site's own arrive by sync like answers, their files after them; this site's own are attached
// here, offline, and go up at the next sync. The rules are common's (document.h, permissions.h), the
// same at head office.
#include "dsptsync/client/workspace.h"

#include "dsptsync/document_versions.h"

#include "dsptsync/library_links.h"

#include <algorithm>

namespace dsptsync::client {
namespace {

// A version someone asked for on this laptop (an older one): fetched at the next sync.
constexpr std::string_view kWantedPrefix = "library.wanted.";
// One of this site's files head office confirmed it holds: not offered again.
constexpr std::string_view kUploadedPrefix = "library.uploaded.";

}  // namespace

Result<std::vector<Document>> Workspace::documents() {
  auto state = ledger_->state_of_kind(TargetKind::document, "");
  if (!state) return state.error();
  auto hq = head_office_code();
  if (!hq) return hq.error();
  auto all = documents_of(*state);
  std::erase_if(all, [&](const Document& d) { return d.scope != site_.code && (!*hq || d.scope != **hq); });
  return all;
}

Result<Document> Workspace::document(std::string_view id) {
  auto all = documents();
  if (!all) return all.error();
  for (auto& document : *all)
    if (document.id == id) return std::move(document);
  return not_found("there is no document '" + std::string(id) +
                   "' on this laptop; 'dsptsync doc list' lists them "
                   "(a document head office added arrives at the next sync)");
}

bool Workspace::holds(const Document& document, const files::Hash& root) {
  auto progress = files_->progress(root, document.scope);
  return progress && *progress && (*progress)->complete();
}

std::string Workspace::person_name() const { return ledger_->identity().user; }

Result<std::vector<Edit>> Workspace::keep_version(const Document& document, const DocumentUpload& upload) {
  auto checked = check_upload(upload.file_name, upload.content);
  if (!checked) return checked.error();
  auto person = enrolled_person();
  if (!person) return person.error();
  if (*person)
    if (auto allowed = may_keep_file(**person, document.scope); !allowed) return allowed.error();
  auto root = files_->put(upload.content, document.scope, 0);
  if (!root) return root.error();
  return new_version_edits(document, *root, *checked, upload.note);
}

Result<DocumentOutcome> Workspace::record_document_edits(const std::string& id, const std::string& year,
                                                         std::vector<Edit> edits) {
  auto person = enrolled_person();
  if (!person) return person.error();
  auto parsed_year = parse_assessment_year(year);
  if (!parsed_year) return parsed_year.error();
  auto catalogue = *parsed_year == year_ ? Result<Catalogue>(catalogue_) : catalogue_in_store(*store_, *parsed_year);
  if (!catalogue) return catalogue.error();
  for (const auto& edit : edits) {
    if (auto valid = check_edit(*catalogue, edit.key, edit.value); !valid) return valid.error();
    // As head office will judge each change when it is pushed: refused here, nothing is recorded.
    if (*person)
      if (auto allowed = may_record(*store_, **person, edit.key, edit.value); !allowed) return allowed.error();
  }
  if (auto recorded = ledger_->record(edits); !recorded) return recorded.error();
  auto document = this->document(id);
  if (!document) return document.error();
  return DocumentOutcome{std::move(*document), edits.size()};
}

Result<DocumentOutcome> Workspace::attach_document(const DocumentInput& input, const DocumentUpload& upload) {
  auto fields = document_edits(input, true);
  if (!fields) return fields.error();
  Document document;
  document.id = new_document_id();
  document.scope = site_.code;
  document.year = year_.label();
  std::vector<Edit> edits;
  for (const auto& [field, value] : *fields)
    edits.push_back(Edit{FieldKey{document.scope, document.year, TargetKind::document, document.id, field}, value});
  // The details are checked before the file is kept.
  for (const auto& edit : edits)
    if (auto valid = check_edit(catalogue_, edit.key, edit.value); !valid) return valid.error();
  auto version = keep_version(document, upload);
  if (!version) return version.error();
  edits.insert(edits.end(), version->begin(), version->end());
  return record_document_edits(document.id, document.year, std::move(edits));
}

Result<DocumentOutcome> Workspace::add_document_version(std::string_view id, const DocumentUpload& upload) {
  auto document = this->document(id);
  if (!document) return document.error();
  auto edits = keep_version(*document, upload);
  if (!edits) return edits.error();
  return record_document_edits(document->id, document->year, std::move(*edits));
}

Result<DocumentOutcome> Workspace::acknowledge_document(std::string_view id, std::optional<int> number) {
  auto document = this->document(id);
  if (!document) return document.error();
  const DocumentVersion* version = number ? document->version(*number) : document->current();
  if (!version)
    return not_found(number ? document->title + " has no version " + std::to_string(*number) + "; 'dsptsync doc show " +
                                  document->id + "' lists them"
                            : document->title + " has no version to acknowledge yet");
  const FieldKey key{site_.code, document->year, TargetKind::document,
                     acknowledgement_target(document->id, version->root, person_name()), Field::acknowledged};
  return record_document_edits(document->id, document->year, {Edit{key, FieldValue{"yes", ""}}});
}

Result<DocumentFile> Workspace::document_file(std::string_view id, std::optional<int> number) {
  auto document = this->document(id);
  if (!document) return document.error();
  const DocumentVersion* version = number ? document->version(*number) : document->current();
  if (!version)
    return not_found(number ? document->title + " has no version " + std::to_string(*number)
                            : document->title + " has no version yet");
  if (!holds(*document, version->root)) {
    if (auto wanted = store_->begin(); wanted) {
      if ((*wanted)->put_setting(std::string(kWantedPrefix) + files::to_hex(version->root), document->scope))
        (void)(*wanted)->commit();
    }
    return not_found("version " + std::to_string(version->number) + " of " + document->title + " (" + version->name +
                     ") is not on this laptop yet: it is fetched at the next 'dsptsync sync'");
  }
  auto content = files_->read(version->root);
  if (!content) return content.error();
  auto type = files::parse_file_type(version->type);
  if (!type) return type.error();
  return DocumentFile{version->name, *type, version->number, version->root, std::move(*content)};
}

Result<std::vector<files::LibraryFile>> Workspace::files_to_fetch() {
  auto all = documents();
  if (!all) return all.error();
  auto wanted = store_->settings_with_prefix(kWantedPrefix);
  if (!wanted) return wanted.error();
  std::vector<files::LibraryFile> fetch;
  for (const auto& document : *all) {
    for (const auto& version : document.versions) {
      const std::string key = std::string(kWantedPrefix) + files::to_hex(version.root);
      const bool asked = std::any_of(wanted->begin(), wanted->end(), [&](const auto& kv) { return kv.first == key; });
      if ((&version != document.current() && !asked) || holds(document, version.root)) continue;
      fetch.push_back(files::LibraryFile{version.root, document.scope, version.name});
    }
  }
  return fetch;
}

Result<std::vector<files::LibraryFile>> Workspace::files_to_upload() {
  auto all = documents();
  if (!all) return all.error();
  auto uploaded = store_->settings_with_prefix(kUploadedPrefix);
  if (!uploaded) return uploaded.error();
  std::vector<files::LibraryFile> upload;
  for (const auto& document : *all) {
    if (document.scope != site_.code) continue;
    for (const auto& version : document.versions) {
      const std::string key = std::string(kUploadedPrefix) + files::to_hex(version.root);
      const bool done =
          std::any_of(uploaded->begin(), uploaded->end(), [&](const auto& kv) { return kv.first == key; });
      if (!done && holds(document, version.root))
        upload.push_back(files::LibraryFile{version.root, document.scope, version.name});
    }
  }
  return upload;
}

Status Workspace::mark_uploaded(const files::Hash& root) {
  auto txn = store_->begin();
  if (!txn) return txn.error();
  if (auto put = (*txn)->put_setting(std::string(kUploadedPrefix) + files::to_hex(root), "1"); !put) return put;
  return (*txn)->commit();
}

Status Workspace::check_library_links(const std::vector<Edit>& edits) {
  const bool links = std::any_of(edits.begin(), edits.end(), [](const Edit& edit) {
    return edit.value && is_library_location(edit.value->location);
  });
  if (!links) return {};
  auto all = documents();
  if (!all) return all.error();
  return dsptsync::check_library_links(edits, *all);
}

Result<std::vector<ReviewWarning>> Workspace::review_warnings(Date today) {
  auto all = documents();
  if (!all) return all.error();
  return dsptsync::review_warnings(*all, today);
}

}  // namespace dsptsync::client
