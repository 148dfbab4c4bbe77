// The web app's backend at head office (web/backend.h): reads and records through HeadOffice, and
// adds the routes only head office has (publishing, publications and certificates, people and
// devices, question sets). Runs on the sync service's storage thread (SyncCore::run_web).
#pragma once

#include "dsptsync/server/head_office.h"
#include "dsptsync/web/backend.h"

#include <functional>
#include <optional>

namespace dsptsync::server {

class HeadOfficeWebBackend final : public web::Backend {
 public:
  explicit HeadOfficeWebBackend(HeadOffice& head_office) : head_office_(head_office) {}

  // Called after the web app revoked a user, so their connected devices are ended at once too.
  std::function<void()> on_revoked;

  web::Mode mode() const override { return web::Mode::head_office; }
  Result<web::OrganisationInfo> organisation() override;
  Result<web::Actor> actor(std::string_view user) override;
  Result<web::Actor> check_password(std::string_view user, std::string_view password) override;
  std::optional<TimestampMs> password_set_at(std::string_view user) override;
  Result<std::vector<std::string>> scopes(const web::Actor& actor) override;
  Result<web::ScopeSnapshot> snapshot(const web::Actor& actor, std::string_view scope) override;
  Result<std::vector<web::SiteSummary>> sites(const web::Actor& actor) override;
  Result<std::size_t> record(const web::Actor& actor, const std::vector<Edit>& edits) override;
  Result<std::vector<web::HistoryRow>> history(const web::Actor& actor, std::string_view scope,
                                               std::string_view id) override;
  Result<web::Download> export_assessment(const web::Actor& actor, std::string_view scope, ExportFormat format,
                                          ExportContent content) override;
  Result<QuestionSet> question_set() override;
  Result<std::vector<GradedIncident>> incidents(const web::Actor& actor, std::string_view scope, TimestampMs now) override;
  Result<IncidentOutcome> record_incident(const web::Actor& actor, std::string_view scope, const IncidentInput& input,
                                          TimestampMs now) override;
  Result<IncidentOutcome> edit_incident(const web::Actor& actor, std::string_view id, const IncidentInput& input,
                                        TimestampMs now) override;
  // web_backend_documents.cpp
  Result<std::vector<Document>> documents(const web::Actor& actor) override;
  bool holds(const Document& document, const files::Hash& root) override;
  Result<std::vector<Acknowledgement>> own_acknowledgements(const web::Actor& actor) override;
  Result<DocumentOutcome> add_document(const web::Actor& actor, std::string_view scope, const DocumentInput& input,
                                       const DocumentUpload& upload) override;
  Result<DocumentOutcome> add_document_version(const web::Actor& actor, std::string_view id,
                                               const DocumentUpload& upload) override;
  Result<DocumentOutcome> acknowledge_document(const web::Actor& actor, std::string_view id,
                                               std::optional<int> version) override;
  Result<DocumentFile> document_file(const web::Actor& actor, std::string_view id, std::optional<int> version) override;
  Result<DocumentAcknowledgements> document_acknowledgements(const web::Actor& actor, std::string_view id) override;
  std::optional<web::HttpResponse> handle_own_route(const web::Actor& actor, const web::HttpRequest& request) override;
  Result<std::string> set_password_with_link(std::string_view token, std::string_view password,
                                             TimestampMs now) override;

 private:
  // The scope an actor names, checked: a branch here (the actor's own, for a branch's people) or
  // head office's own (head office's people only).
  Result<std::string> readable_scope(const web::Actor& actor, std::string_view scope);
  // The directory's user an actor's changes are made as: refused once revoked.
  Result<User> editor(const web::Actor& actor);
  // Where an actor records something new (an incident, a document) and as whom: the site named, else
  // the actor's own, checked as readable_scope does, and the actor's user as editor gives it.
  Result<std::pair<User, std::string>> editor_at(const web::Actor& actor, std::string_view scope);
  web::HttpResponse publish(const web::Actor& actor, const web::HttpRequest& request, bool dry_run);
  web::HttpResponse publications();
  web::HttpResponse record_nhs_publication(const web::Actor& actor, const web::HttpRequest& request);
  web::HttpResponse certificate(const std::string& publication, const std::string& ods);
  // GET /api/evidence-pack?scope=V: a site's evidence pack (HeadOffice::evidence_pack) as a zip download.
  web::HttpResponse evidence_pack(const std::string& scope);
  web::HttpResponse people();
  web::HttpResponse invite(const web::Actor& actor, const web::HttpRequest& request);
  web::HttpResponse revoke(const web::Actor& actor, const std::string& name);
  web::HttpResponse reinstate(const web::Actor& actor, const std::string& name);
  web::HttpResponse add_user(const web::Actor& actor, const web::HttpRequest& request);
  web::HttpResponse password_link(const web::Actor& actor, const std::string& name);
  web::HttpResponse change_role(const web::Actor& actor, const web::HttpRequest& request, const std::string& name);
  // web_backend_question_sets.cpp
  web::HttpResponse question_sets();
  web::HttpResponse import_list(const web::Actor& actor, const web::HttpRequest& request);

  // web_backend_organisation.cpp: the organisation profile, branches, backup, roll-forward.
  std::optional<web::HttpResponse> organisation_route(const web::Actor& actor, const web::HttpRequest& request,
                                                      const std::vector<std::string>& segments);
  web::HttpResponse profile();
  web::HttpResponse set_profile(const web::Actor& actor, const web::HttpRequest& request);
  web::HttpResponse branches();
  web::HttpResponse add_branch(const web::Actor& actor, const web::HttpRequest& request);
  web::HttpResponse rename_branch(const web::Actor& actor, const std::string& ods, const web::HttpRequest& request);
  web::HttpResponse remove_branch(const web::Actor& actor, const std::string& ods);
  web::HttpResponse backup(const web::Actor& actor);
  web::HttpResponse roll_forward(const web::Actor& actor, const std::string& to, bool dry_run);

  HeadOffice& head_office_;
};

// The one permission rule's refusal as the API answers it (403), or nothing when it allows.
std::optional<web::HttpResponse> refusal(const Status& allowed);

}  // namespace dsptsync::server
