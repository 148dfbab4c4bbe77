// The web app's backend on a branch laptop (web/backend.h), for `dsptsync ui`: reads and records
// through the local Workspace, offline, and adds the one route only a laptop has (sync with head
// office). Runs on the only thread of `dsptsync ui`'s listener: the Workspace is single-threaded.
#pragma once

#include "dsptsync/client/workspace.h"
#include "dsptsync/tuning.h"
#include "dsptsync/web/backend.h"

#include <chrono>
#include <functional>
#include <optional>
#include <string>

namespace dsptsync::client {

class BranchWebBackend final : public web::Backend {
 public:
  // `sync_timeout` bounds `POST /api/sync`: the page waits at most this long for head office.
  explicit BranchWebBackend(Workspace& workspace, std::chrono::milliseconds sync_timeout = tuning::kUiSyncTimeout)
      : workspace_(workspace), sync_timeout_(sync_timeout) {}

  // Where failures the page only hears of as "internal" are told in full (the terminal).
  std::function<void(const std::string&)> log;

  web::Mode mode() const override { return web::Mode::branch; }
  Result<web::OrganisationInfo> organisation() override;
  Result<web::Actor> actor(std::string_view user) override;
  Result<web::Actor> check_password(std::string_view user, std::string_view password) override;
  Result<std::vector<std::string>> scopes(const web::Actor& actor) override;
  Result<web::ScopeSnapshot> snapshot(const web::Actor& actor, std::string_view scope) override;
  Result<std::size_t> record(const web::Actor& actor, const std::vector<Edit>& edits) override;
  Result<std::vector<web::HistoryRow>> history(const web::Actor& actor, std::string_view scope,
                                               std::string_view id) override;
  Result<web::Download> export_assessment(const web::Actor& actor, std::string_view scope, ExportFormat format,
                                          ExportContent content) override;
  Result<QuestionSet> question_set() override { return workspace_.question_set(); }
  Result<std::vector<GradedIncident>> incidents(const web::Actor& actor, std::string_view scope, TimestampMs now) override;
  Result<IncidentOutcome> record_incident(const web::Actor& actor, std::string_view scope, const IncidentInput& input,
                                          TimestampMs now) override;
  Result<IncidentOutcome> edit_incident(const web::Actor& actor, std::string_view id, const IncidentInput& input,
                                        TimestampMs now) override;
  // ui_backend_documents.cpp
  Result<std::vector<Document>> documents(const web::Actor& actor) override;
  bool holds(const Document& document, const files::Hash& root) override { return workspace_.holds(document, root); }
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

 private:
  // The laptop's user as its store knows them: an enrolled store's role and branch from its
  // enrolment; an offline store's user is the administrator of its own site.
  Result<web::Actor> store_actor();
  // The store's one assessment, if `scope` names it.
  Result<std::string> own_scope(std::string_view scope);
  // The site's name: its profile's name, else what the store was made with.
  std::string site_name(const AssessmentView& view) const;
  web::HttpResponse sync_status_response();
  web::HttpResponse sync_now();
  // Failures of the store (not of the request) are logged in full before the page hears of them.
  Error logged(Error error) const;

  Workspace& workspace_;
  std::chrono::milliseconds sync_timeout_;
  std::optional<std::string> last_sync_error_;
};

}  // namespace dsptsync::client
