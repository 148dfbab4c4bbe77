// HeadOfficeWebBackend: the policy library for the web app (docs/api.md, docs/documents.md). Which
// documents an actor reads is HeadOffice::documents for their scope: head office's people every
// site's, a branch's people the shared library and their branch's own, so another branch's document
// is not there at all, by list or by id. What they may add and acknowledge is HeadOffice's, the same
// as at the console.
#include "web_backend.h"

namespace dsptsync::server {

Result<std::vector<Document>> HeadOfficeWebBackend::documents(const web::Actor& actor) {
  return head_office_.documents(actor.head_office() ? std::nullopt : std::optional<std::string>(actor.branch));
}

bool HeadOfficeWebBackend::holds(const Document& document, const files::Hash& root) {
  auto progress = head_office_.files().progress(root, document.scope);
  return progress && *progress && (*progress)->complete();
}

Result<std::vector<Acknowledgement>> HeadOfficeWebBackend::own_acknowledgements(const web::Actor& actor) {
  auto state = head_office_.ledger().state_of_kind(TargetKind::document, "");
  if (!state) return state.error();
  auto acks = acknowledgements_of(*state);
  std::erase_if(acks, [&](const Acknowledgement& ack) { return ack.person != actor.user; });
  return acks;
}

Result<DocumentOutcome> HeadOfficeWebBackend::add_document(const web::Actor& actor, std::string_view scope,
                                                           const DocumentInput& input, const DocumentUpload& upload) {
  auto at = editor_at(actor, scope);
  if (!at) return at.error();
  return head_office_.add_document(at->first, at->second, input, upload);
}

Result<DocumentOutcome> HeadOfficeWebBackend::add_document_version(const web::Actor& actor, std::string_view id,
                                                                   const DocumentUpload& upload) {
  auto document = this->document(actor, id);
  if (!document) return document.error();
  auto user = editor(actor);
  if (!user) return user.error();
  return head_office_.add_document_version(*user, document->id, upload);
}

Result<DocumentOutcome> HeadOfficeWebBackend::acknowledge_document(const web::Actor& actor, std::string_view id,
                                                                   std::optional<int> version) {
  auto document = this->document(actor, id);
  if (!document) return document.error();
  auto user = editor(actor);
  if (!user) return user.error();
  return head_office_.acknowledge_document(*user, document->id, version);
}

Result<DocumentFile> HeadOfficeWebBackend::document_file(const web::Actor& actor, std::string_view id,
                                                         std::optional<int> version) {
  auto document = this->document(actor, id);
  if (!document) return document.error();
  return head_office_.document_file(document->id, version);
}

Result<DocumentAcknowledgements> HeadOfficeWebBackend::document_acknowledgements(const web::Actor& actor,
                                                                                 std::string_view id) {
  auto document = this->document(actor, id);
  if (!document) return document.error();
  auto acks = head_office_.acknowledgements(document->id);
  if (!acks) return acks.error();
  // A branch's people see their own site's line only: who at another branch has read a shared
  // policy is head office's to know.
  if (!actor.head_office())
    std::erase_if(acks->sites, [&](const SiteAcknowledgements& site) { return site.scope != actor.branch; });
  return acks;
}

}  // namespace dsptsync::server
