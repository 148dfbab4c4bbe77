// HeadOffice: the policy library (docs/documents.md). Head office keeps the shared documents every
// branch follows and reads every branch's own; documents are changes like answers (document.h) and
// their files are the file store's, so both reach the laptops by sync. Who may do what is
// permissions.h's, through edit_as and may_keep_file.
#include "dsptsync/server/head_office.h"

#include "dsptsync/document_versions.h"

#include "dsptsync/library_links.h"

#include <algorithm>

namespace dsptsync::server {

Result<std::vector<Document>> HeadOffice::documents(const std::optional<std::string>& branch) {
  auto state = ledger_->state_of_kind(TargetKind::document, "");
  if (!state) return state.error();
  auto all = documents_of(*state);
  if (!branch) return all;
  auto scope = scope_of(branch);
  if (!scope) return scope.error();
  std::erase_if(all, [&](const Document& d) { return d.scope != hq_.code && d.scope != *scope; });
  return all;
}

namespace {

Result<Document> find_document(std::vector<Document> all, std::string_view id, const std::string& organisation) {
  for (auto& document : all)
    if (document.id == id) return std::move(document);
  return not_found("there is no document '" + std::string(id) + "' in " + organisation +
                   "'s library; 'dsptsync-server doc list' lists them");
}

}  // namespace

Result<Document> HeadOffice::document(std::string_view id) {
  auto all = documents(std::nullopt);
  if (!all) return all.error();
  return find_document(std::move(*all), id, name_);
}

Result<std::vector<Edit>> HeadOffice::keep_version(const User& by, const Document& document,
                                                   const DocumentUpload& upload) {
  auto checked = check_upload(upload.file_name, upload.content);
  if (!checked) return checked.error();
  if (auto allowed = may_keep_file(by.person(), document.scope); !allowed) return allowed.error();
  auto quota = files::quota_of(*store_);
  if (!quota) return quota.error();
  auto root = files_->put(upload.content, document.scope, *quota);
  if (!root) return root.error();
  return new_version_edits(document, *root, *checked, upload.note);
}

Result<DocumentOutcome> HeadOffice::record_document_edits(const User& by, std::string_view id,
                                                          const std::vector<Edit>& edits) {
  if (auto recorded = edit_as(by, edits); !recorded) return recorded.error();
  auto document = this->document(id);
  if (!document) return document.error();
  return DocumentOutcome{std::move(*document), edits.size()};
}

namespace {

std::vector<Edit> edits_on(const Document& document,
                           const std::vector<std::pair<Field, std::optional<FieldValue>>>& fields) {
  std::vector<Edit> edits;
  for (const auto& [field, value] : fields)
    edits.push_back(Edit{FieldKey{document.scope, document.year, TargetKind::document, document.id, field}, value});
  return edits;
}

}  // namespace

Result<DocumentOutcome> HeadOffice::add_document(const User& by, const std::optional<std::string>& branch,
                                                 const DocumentInput& input, const DocumentUpload& upload) {
  auto scope = scope_of(branch);
  if (!scope) return scope.error();
  auto fields = document_edits(input, true);
  if (!fields) return fields.error();
  Document document;
  document.id = new_document_id();
  document.scope = *scope;
  document.year = year_.label();
  document.title = input.title.value_or("");
  auto edits = edits_on(document, *fields);
  // The details are checked (and the person's right to write them) before the file is kept.
  for (const auto& edit : edits)
    if (auto allowed = may_record(*store_, by.person(), edit.key, edit.value); !allowed) return allowed.error();
  for (const auto& edit : edits)
    if (auto valid = check_edit(catalogue_, edit.key, edit.value); !valid) return valid.error();
  auto version = keep_version(by, document, upload);
  if (!version) return version.error();
  edits.insert(edits.end(), version->begin(), version->end());
  return record_document_edits(by, document.id, edits);
}

Result<DocumentOutcome> HeadOffice::add_document_version(const User& by, std::string_view id,
                                                         const DocumentUpload& upload) {
  auto document = this->document(id);
  if (!document) return document.error();
  auto edits = keep_version(by, *document, upload);
  if (!edits) return edits.error();
  return record_document_edits(by, id, *edits);
}

Result<DocumentOutcome> HeadOffice::edit_document(const User& by, std::string_view id, const DocumentInput& input) {
  auto document = this->document(id);
  if (!document) return document.error();
  auto fields = document_edits(input, false);
  if (!fields) return fields.error();
  if (fields->empty()) return invalid_input("nothing to change: give a title, kind, owner, review date or items");
  return record_document_edits(by, id, edits_on(*document, *fields));
}

Result<DocumentOutcome> HeadOffice::pin_document_version(const User& by, std::string_view id, int number) {
  auto document = this->document(id);
  if (!document) return document.error();
  std::optional<FieldValue> pinned;
  if (number != 0) {
    const DocumentVersion* version = document->version(number);
    if (!version)
      return not_found(document->title + " has no version " + std::to_string(number) + "; it has " +
                       std::to_string(document->versions.size()));
    pinned = FieldValue{files::to_hex(version->root), ""};
  }
  return record_document_edits(by, id, edits_on(*document, {{Field::pinned_version, pinned}}));
}

Result<DocumentFile> HeadOffice::document_file(std::string_view id, std::optional<int> number) {
  auto document = this->document(id);
  if (!document) return document.error();
  const DocumentVersion* version = number ? document->version(*number) : document->current();
  if (!version)
    return not_found(number ? document->title + " has no version " + std::to_string(*number)
                            : document->title + " has no version yet");
  auto content = files_->read(version->root);
  if (!content)
    return not_found("version " + std::to_string(version->number) + " of " + document->title + " (" + version->name +
                     ") has not reached head office yet: it arrives when the laptop that added it next syncs");
  auto type = files::parse_file_type(version->type);
  if (!type) return type.error();
  return DocumentFile{version->name, *type, version->number, version->root, std::move(*content)};
}

Result<DocumentAcknowledgements> HeadOffice::acknowledgements(std::string_view id) {
  auto state = ledger_->state_of_kind(TargetKind::document, "");  // read once: the document and its acknowledgements
  if (!state) return state.error();
  auto document = find_document(documents_of(*state), id, name_);
  if (!document) return document.error();
  auto users = directory_->users();
  if (!users) return users.error();
  auto branches = directory_->branches();
  if (!branches) return branches.error();
  DocumentAcknowledgements result{*document, 0, {}};
  const DocumentVersion* current = document->current();
  if (current) result.version = current->number;
  std::vector<std::pair<std::string, std::string>> sites;  // scope, name
  if (document->scope == hq_.code) {
    sites.emplace_back(hq_.code, name_);
    for (const auto& branch : *branches) sites.emplace_back(branch.ods, branch.name);
  } else {
    for (const auto& branch : *branches)
      if (branch.ods == document->scope) sites.emplace_back(branch.ods, branch.name);
  }
  const auto acks = acknowledgements_of(*state);
  for (const auto& [scope, site_name] : sites) {
    SiteAcknowledgements site{scope, site_name, {}, {}};
    for (const auto& ack : acks)
      if (ack.scope == scope && current && acknowledges(ack, *document, *current)) site.acknowledged.push_back(ack);
    for (const auto& user : *users) {
      if (user.revoked_at || (user.head_office() ? hq_.code : user.branch) != scope) continue;
      const bool done = std::any_of(site.acknowledged.begin(), site.acknowledged.end(),
                                    [&](const Acknowledgement& ack) { return ack.person == user.name; });
      if (!done) site.not_yet.push_back(user.name);
    }
    result.sites.push_back(std::move(site));
  }
  return result;
}

Status HeadOffice::check_library_links(const std::vector<Edit>& edits) {
  for (const auto& edit : edits) {
    if (!edit.value || !is_library_location(edit.value->location)) continue;
    auto visible = documents(edit.key.scope);
    if (!visible) return visible.error();
    if (auto linked = dsptsync::check_library_links({edit}, *visible); !linked) return linked;
  }
  return {};
}

Result<std::vector<ReviewWarning>> HeadOffice::review_warnings(Date today) {
  auto all = documents(std::nullopt);
  if (!all) return all.error();
  return dsptsync::review_warnings(*all, today);
}

Result<DocumentOutcome> HeadOffice::acknowledge_document(const User& by, std::string_view id,
                                                         std::optional<int> number) {
  auto document = this->document(id);
  if (!document) return document.error();
  const DocumentVersion* version = number ? document->version(*number) : document->current();
  if (!version)
    return not_found(number ? document->title + " has no version " + std::to_string(*number) +
                                  " to acknowledge; 'dsptsync-server doc show " + document->id + "' lists them"
                            : document->title + " has no version to acknowledge yet");
  const std::string scope = by.head_office() ? hq_.code : by.branch;
  const FieldKey key{scope, document->year, TargetKind::document,
                     acknowledgement_target(document->id, version->root, by.name), Field::acknowledged};
  return record_document_edits(by, id, {Edit{key, FieldValue{"yes", ""}}});
}

}  // namespace dsptsync::server
