// BranchWebBackend: the policy library for `dsptsync ui` (docs/api.md, docs/documents.md), offline:
// the laptop holds only head office's shared library and its own site's documents, so another
// branch's is not there at all. Adding, versions and acknowledgements are the Workspace's, the same
// as `dsptsync doc`, recorded as the store's person only.
#include "ui_backend.h"

namespace dsptsync::client {

namespace {

// The session acts as the store's user, whose changes the store signs: nobody else's.
Status check_store_person(const web::Actor& actor, Workspace& workspace) {
  const std::string& owner = workspace.ledger().identity().user;
  if (actor.user != owner) return refused("this computer records changes only as " + owner);
  return {};
}

}  // namespace

Result<std::vector<Document>> BranchWebBackend::documents(const web::Actor&) {
  auto documents = workspace_.documents();
  if (!documents) return logged(documents.error());
  return std::move(*documents);
}

Result<std::vector<Acknowledgement>> BranchWebBackend::own_acknowledgements(const web::Actor& actor) {
  auto state = workspace_.ledger().state_of_kind(TargetKind::document, "");
  if (!state) return logged(state.error());
  auto acks = acknowledgements_of(*state);
  std::erase_if(acks, [&](const Acknowledgement& ack) { return ack.person != actor.user; });
  return acks;
}

Result<DocumentOutcome> BranchWebBackend::add_document(const web::Actor& actor, std::string_view scope,
                                                       const DocumentInput& input, const DocumentUpload& upload) {
  if (!scope.empty())
    if (auto own = own_scope(scope); !own) return own.error();
  if (auto person = check_store_person(actor, workspace_); !person) return person.error();
  return workspace_.attach_document(input, upload);
}

Result<DocumentOutcome> BranchWebBackend::add_document_version(const web::Actor& actor, std::string_view id,
                                                               const DocumentUpload& upload) {
  if (auto person = check_store_person(actor, workspace_); !person) return person.error();
  return workspace_.add_document_version(id, upload);
}

Result<DocumentOutcome> BranchWebBackend::acknowledge_document(const web::Actor& actor, std::string_view id,
                                                               std::optional<int> version) {
  if (auto person = check_store_person(actor, workspace_); !person) return person.error();
  return workspace_.acknowledge_document(id, version);
}

Result<DocumentFile> BranchWebBackend::document_file(const web::Actor&, std::string_view id,
                                                     std::optional<int> version) {
  return workspace_.document_file(id, version);
}

Result<DocumentAcknowledgements> BranchWebBackend::document_acknowledgements(const web::Actor&, std::string_view) {
  return not_found(
      "who has read a document is counted at head office, from every laptop's syncs: open head "
      "office's web app to see it");
}

}  // namespace dsptsync::client
