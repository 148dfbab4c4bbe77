// What the web app needs from where it runs. Two implementations: head office's
// (server/src/web_backend.cpp, over HeadOffice, on the server's storage thread) and a branch
// laptop's (client/src/ui_backend.cpp, over the local Workspace, offline). The app (app.h) owns
// the HTTP side: sessions, CSRF, routing, the permission rules of an edit and the JSON; a backend
// only reads and records.
#pragma once

#include "dsptsync/assessment.h"
#include "dsptsync/catalogue.h"
#include "dsptsync/change.h"
#include "dsptsync/directory.h"
#include "dsptsync/document.h"
#include "dsptsync/error.h"
#include "dsptsync/evaluator.h"
#include "dsptsync/export.h"
#include "dsptsync/incident_input.h"
#include "dsptsync/ledger.h"
#include "dsptsync/protocol.h"
#include "dsptsync/question_set.h"
#include "dsptsync/service/types.h"
#include "dsptsync/web/http.h"

#include <nlohmann/json_fwd.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dsptsync::web {

enum class Mode { head_office, branch };
std::string_view to_string(Mode mode);  // "hq", "branch"

// The person a session acts for, as the directory (or the laptop's store) knows them now.
struct Actor {
  std::string user;
  protocol::Role role = protocol::Role::viewer;
  std::string branch;  // the V code of the branch they work for; empty: head office
  // When their password was last set (0: none, or no passwords here): a session signed in before
  // it ends, so a new password signs out whoever knew the old one.
  TimestampMs credentials_set_at = 0;
  bool head_office() const { return branch.empty(); }
  Person person() const { return Person{user, role, branch}; }  // as the permission rule sees them
};

// What the pages show, in the shape every front-end shares (dsptsync/service/types.h).
using service::Conflict;
using service::ConflictValue;
using service::Download;
using service::HistoryRow;
using service::OrganisationInfo;
using service::ScopeSnapshot;
using service::SiteSummary;

class Backend {
 public:
  virtual ~Backend() = default;
  virtual Mode mode() const = 0;
  virtual Result<OrganisationInfo> organisation() = 0;
  // The user as known now: not_found when unknown, refused when revoked (the session then ends).
  virtual Result<Actor> actor(std::string_view user) = 0;
  // Head office: checks a password (set by `dsptsync-server user passwd`). refused for a wrong
  // name or password alike. Branch mode has no passwords: not_found. Must be thread-safe: the
  // server runs it off its storage thread, as Argon2id takes tens of milliseconds.
  virtual Result<Actor> check_password(std::string_view user, std::string_view password) = 0;
  // Head office: when the user's password was set, if they have one (a new one forgets the name's
  // failed sign-ins). Thread-safe, like check_password.
  virtual std::optional<TimestampMs> password_set_at(std::string_view /*user*/) { return std::nullopt; }
  // The assessments the actor may read, head office's first.
  virtual Result<std::vector<std::string>> scopes(const Actor& actor) = 0;
  virtual Result<ScopeSnapshot> snapshot(const Actor& actor, std::string_view scope) = 0;
  // The dashboard's line of every site the actor may read, head office's first: by default each
  // scope's snapshot; head office's backend reads them all at once, kept between requests
  // (HeadOffice::site_progress).
  virtual Result<std::vector<SiteSummary>> sites(const Actor& actor);
  // Records edits the app has checked (app.h check_edit_allowed), attributed to the actor, in one
  // transaction. An edit of a field in conflict resolves it (it is based on every head).
  virtual Result<std::size_t> record(const Actor& actor, const std::vector<Edit>& edits) = 0;
  virtual Result<std::vector<HistoryRow>> history(const Actor& actor, std::string_view scope, std::string_view id) = 0;
  virtual Result<Download> export_assessment(const Actor& actor, std::string_view scope, ExportFormat format,
                                             ExportContent content) = 0;
  // The question set in force for the organisation's year as kept here (at head office its newest
  // import or the shipped set, signed; on a laptop what head office sent, else its own): the
  // assessment names it.
  virtual Result<QuestionSet> question_set() = 0;
  // Incidents (docs/incidents.md). Those of the sites the actor may read (`scope` empty: all of them;
  // else that site's, refused as for reading its assessment), those needing attention first, graded
  // with their clocks at `now`; recording one for a site; changing one the actor may read. The rules
  // are the application layer's (incident_input.h, permissions.h).
  virtual Result<std::vector<GradedIncident>> incidents(const Actor& actor, std::string_view scope, TimestampMs now) = 0;
  virtual Result<IncidentOutcome> record_incident(const Actor& actor, std::string_view scope, const IncidentInput& input,
                                                  TimestampMs now) = 0;
  virtual Result<IncidentOutcome> edit_incident(const Actor& actor, std::string_view id, const IncidentInput& input,
                                                TimestampMs now) = 0;
  // The policy library (docs/documents.md). The documents the actor follows: head office's people
  // every site's, a branch's people the shared library and their branch's own (another branch's is
  // not there at all, by list or by id). Adding, versions, acknowledgements and files are the service
  // layer's (HeadOffice, Workspace), whose rules decide; `scope` empty: the actor's own site (head
  // office's: the shared library).
  virtual Result<std::vector<Document>> documents(const Actor& actor) = 0;
  // One of those, or not_found alike for one that does not exist and one the actor may not read.
  Result<Document> document(const Actor& actor, std::string_view id);
  // Whether this replica holds a version's whole file (a laptop fetches files at sync).
  virtual bool holds(const Document& document, const files::Hash& root) = 0;
  // Every acknowledgement the actor has recorded, of any version.
  virtual Result<std::vector<Acknowledgement>> own_acknowledgements(const Actor& actor) = 0;
  virtual Result<DocumentOutcome> add_document(const Actor& actor, std::string_view scope, const DocumentInput& input,
                                               const DocumentUpload& upload) = 0;
  virtual Result<DocumentOutcome> add_document_version(const Actor& actor, std::string_view id,
                                                       const DocumentUpload& upload) = 0;
  virtual Result<DocumentOutcome> acknowledge_document(const Actor& actor, std::string_view id,
                                                       std::optional<int> version) = 0;
  virtual Result<DocumentFile> document_file(const Actor& actor, std::string_view id, std::optional<int> version) = 0;
  // Head office: who has acknowledged the current version, site by site. A laptop: not_found.
  virtual Result<DocumentAcknowledgements> document_acknowledgements(const Actor& actor, std::string_view id) = 0;
  // Head office: sets a password through a one-time link (HeadOffice::set_password_with_link);
  // returns whose it was. Thread-safe like check_password. Branch mode has no passwords: not_found.
  virtual Result<std::string> set_password_with_link(std::string_view /*token*/, std::string_view /*password*/,
                                                     TimestampMs /*now*/) {
    return not_found("a branch laptop has no passwords: open the sign-in link that `dsptsync ui` printed");
  }
  // The routes only one side has (publishing and people at head office; sync on a laptop), under
  // /api/. nullopt: not one of them (the app answers 404).
  virtual std::optional<HttpResponse> handle_own_route(const Actor& actor, const HttpRequest& request) = 0;
};

}  // namespace dsptsync::web
