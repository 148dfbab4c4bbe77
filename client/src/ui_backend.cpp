#include "ui_backend.h"

#include "dsptsync/client/sync.h"
#include "dsptsync/crypto.h"
#include "dsptsync/ods.h"
#include "dsptsync/report.h"
#include "dsptsync/time.h"
#include "dsptsync/web/api.h"

#include <filesystem>
#include <fstream>
#include <iterator>

namespace dsptsync::client {
namespace {

using web::api_error;
using web::error_response;
using web::json_response;

bool is_store_failure(const Error& error) {
  return error.kind != ErrorKind::invalid_input && error.kind != ErrorKind::not_found &&
         error.kind != ErrorKind::refused && error.kind != ErrorKind::network && error.kind != ErrorKind::protocol;
}

nlohmann::json optional_time(const std::optional<TimestampMs>& at) {
  return at ? nlohmann::json(*at) : nlohmann::json();
}

}  // namespace

Error BranchWebBackend::logged(Error error) const {
  if (log && is_store_failure(error)) log(std::string(to_string(error.kind)) + ": " + error.message);
  return error;
}

Result<web::Actor> BranchWebBackend::store_actor() {
  const std::string& user = workspace_.ledger().identity().user;
  auto status = sync_status(workspace_);
  if (!status) return logged(status.error());
  if (!status->enrolled) return web::Actor{user, protocol::Role::admin, workspace_.site().code};
  auto role = protocol::parse_role(status->role);
  if (!role) return logged(corrupt("the role recorded at enrolment is damaged ('" + status->role + "'); enrol again"));
  // Head office's staff enrol with no branch: the laptop then holds head office's own assessment.
  return web::Actor{user, *role, status->branch};
}

Result<web::OrganisationInfo> BranchWebBackend::organisation() {
  auto hq = workspace_.head_office_code();
  if (!hq) return logged(hq.error());
  auto view = workspace_.view();
  if (!view) return logged(view.error());
  web::OrganisationInfo out;
  out.name = workspace_.organisation_name();
  out.hq = hq->value_or(workspace_.site().code);
  out.year = workspace_.year().label();
  out.site_ods = workspace_.site().code;
  out.single_site = !hq->has_value();
  auto name = view->profile.find(std::string(profile::kName));
  if (name != view->profile.end()) out.site_name = name->second;
  else if (!*hq) out.site_name = workspace_.organisation_name();  // an offline store is its own site
  auto advice = workspace_.year_advice(date_of(now_ms()));
  if (!advice) return logged(advice.error());
  out.year_advice = advice->message;
  return out;
}

Result<web::Actor> BranchWebBackend::actor(std::string_view user) {
  auto actor = store_actor();
  if (!actor) return actor.error();
  if (actor->user != user)
    return not_found("this computer's store is " + actor->user + "'s; open the link `dsptsync ui` printed again");
  return actor;
}

Result<web::Actor> BranchWebBackend::check_password(std::string_view, std::string_view) {
  return not_found("a branch laptop has no passwords: open the sign-in link `dsptsync ui` printed");
}

Result<std::vector<std::string>> BranchWebBackend::scopes(const web::Actor&) {
  return std::vector<std::string>{workspace_.site().code};
}

Result<std::string> BranchWebBackend::own_scope(std::string_view scope) {
  auto code = parse_ods_code(scope);
  if (!code || code->code != workspace_.site().code)
    return not_found("this computer holds only " + workspace_.site().code + "'s assessment, not '" +
                     std::string(scope.substr(0, 40)) + "'");
  return code->code;
}

std::string BranchWebBackend::site_name(const AssessmentView& view) const {
  if (auto name = view.profile.find(std::string(profile::kName)); name != view.profile.end() && !name->second.empty())
    return name->second;
  return workspace_.organisation_name();
}

Result<web::ScopeSnapshot> BranchWebBackend::snapshot(const web::Actor&, std::string_view scope_text) {
  auto scope = own_scope(scope_text);
  if (!scope) return scope.error();
  auto hq = workspace_.head_office_code();
  if (!hq) return logged(hq.error());
  auto view = workspace_.view();
  if (!view) return logged(view.error());
  web::ScopeSnapshot out;
  out.scope = *scope;
  out.head_office = *hq && **hq == *scope;
  // An enrolled branch's store knows its code but not the name head office gave it, unless its
  // profile says; an offline store is named at init.
  out.name = site_name(*view);
  if (*hq && !out.head_office && view->profile.find(std::string(profile::kName)) == view->profile.end())
    out.name = *scope;
  out.catalogue = workspace_.catalogue();
  out.evaluation = evaluate(out.catalogue, *view, date_of(now_ms()));
  auto advice = workspace_.year_advice(date_of(now_ms()));
  if (!advice) return logged(advice.error());
  add_year_advice(out.evaluation, std::move(*advice));
  auto conflicts = workspace_.conflicts();
  if (!conflicts) return logged(conflicts.error());
  for (auto& conflict : *conflicts) {
    conflict.scope = *scope;
    out.conflicts.push_back(std::move(conflict));
  }
  auto published = workspace_.published();
  if (!published) return logged(published.error());
  for (const auto& entry : *published)  // oldest first: the last one of the site is the latest
    if (entry.ods == *scope) out.published = PublicStatusRecord{entry.ods, entry.public_status, entry.year, entry.published_at_ms};
  auto summary = workspace_.store().scope_summary(*scope);
  if (!summary) return logged(summary.error());
  if (summary->changes > 0) out.last_change_at = hlc_wall_ms(summary->newest);
  auto documents = workspace_.documents();
  if (!documents) return logged(documents.error());
  out.documents = std::move(*documents);
  out.view = std::move(*view);
  return out;
}

Result<std::size_t> BranchWebBackend::record(const web::Actor& actor, const std::vector<Edit>& edits) {
  // The session acts as the store's user, whose edits the store signs: nobody else's.
  if (actor.user != workspace_.ledger().identity().user)
    return refused("this computer records edits only as " + workspace_.ledger().identity().user);
  auto recorded = workspace_.record_edits(edits);
  if (!recorded) return logged(recorded.error());
  return recorded->size();
}

Result<std::vector<GradedIncident>> BranchWebBackend::incidents(const web::Actor&, std::string_view scope,
                                                                TimestampMs now) {
  if (!scope.empty())
    if (auto own = own_scope(scope); !own) return own.error();
  auto incidents = workspace_.incidents(now);
  if (!incidents) return logged(incidents.error());
  return std::move(*incidents);
}

Result<IncidentOutcome> BranchWebBackend::record_incident(const web::Actor&, std::string_view scope,
                                                          const IncidentInput& input, TimestampMs now) {
  if (!scope.empty())
    if (auto own = own_scope(scope); !own) return own.error();
  return workspace_.record_incident(input, now);
}

Result<IncidentOutcome> BranchWebBackend::edit_incident(const web::Actor&, std::string_view id,
                                                        const IncidentInput& input, TimestampMs now) {
  return workspace_.edit_incident(id, input, now);
}

Result<std::vector<web::HistoryRow>> BranchWebBackend::history(const web::Actor&, std::string_view scope_text,
                                                               std::string_view id) {
  auto scope = own_scope(scope_text);
  if (!scope) return scope.error();
  if (id == "profile") return not_found("the history of an item or assertion is shown here, not the profile's");
  auto entries = workspace_.history(id);
  if (!entries) return logged(entries.error());
  return std::move(*entries);
}

Result<web::Download> BranchWebBackend::export_assessment(const web::Actor& actor, std::string_view scope_text,
                                                          ExportFormat format, ExportContent content) {
  auto snapshot = this->snapshot(actor, scope_text);
  if (!snapshot) return snapshot.error();
  auto organisation = this->organisation();
  if (!organisation) return organisation.error();
  // This site's own incidents: the only ones the laptop holds (docs/incidents.md).
  auto incidents = workspace_.incidents(now_ms());
  if (!incidents) return logged(incidents.error());
  const auto document =
      export_document(snapshot->catalogue, snapshot->view, snapshot->evaluation,
                      {organisation->name, organisation->hq, snapshot->scope, snapshot->name}, *incidents);
  auto file = export_to_memory(document, content, format);
  if (!file) return logged(file.error());
  return web::Download{std::move(file->file_name), std::move(file->content_type), std::move(file->bytes)};
}

std::optional<web::HttpResponse> BranchWebBackend::handle_own_route(const web::Actor&,
                                                                    const web::HttpRequest& request) {
  const auto segments = web::path_segments(request.path(), "/api/");
  if (segments.empty()) return std::nullopt;
  const std::string& first = segments[0];
  if (first == "sync" && segments.size() == 1) {
    if (request.method == "GET" || request.method == "HEAD") return sync_status_response();
    if (request.method == "POST") return sync_now();
    auto response = api_error(405, "method_not_allowed", request.method + " is not used here; use GET or POST");
    response.headers.emplace_back("Allow", "GET, POST");
    return response;
  }
  if (first == "publish" || first == "publications")
    return api_error(404, "not_here",
                     "publishing is head office's: it publishes every branch's status from its own server, with "
                     "what this laptop has sent at its syncs");
  if (first == "people")
    return api_error(404, "not_here",
                     "people and devices are managed by head office's administrators on head office's server");
  return std::nullopt;
}

web::HttpResponse BranchWebBackend::sync_status_response() {
  auto status = sync_status(workspace_);
  if (!status) return error_response(logged(status.error()));
  // An offline store has no head office: nothing of it is waiting to go anywhere.
  return json_response(200, {{"enrolled", status->enrolled},
                             {"server", status->url},
                             {"lastSyncedAt", optional_time(status->last_synced_at)},
                             {"waiting", status->enrolled ? status->pending : 0},
                             {"lastError", last_sync_error_ ? nlohmann::json(*last_sync_error_) : nlohmann::json()}});
}

web::HttpResponse BranchWebBackend::sync_now() {
  auto before = sync_status(workspace_);
  if (!before) return error_response(logged(before.error()));
  if (!before->enrolled)
    return api_error(400, "not_enrolled",
                     "This assessment is kept only on this computer: it is not enrolled with a head office server, "
                     "so there is nothing to sync with. To work with head office, ask them for an enrolment code and "
                     "run 'dsptsync enrol URL CODE' with a new --store folder");
  auto synced = sync_once(workspace_, sync_timeout_);
  auto after = sync_status(workspace_);
  if (!after) return error_response(logged(after.error()));
  if (synced) {
    last_sync_error_.reset();
    return json_response(200, {{"pushed", synced->pushed},
                               {"pulled", synced->received},
                               {"lastSyncedAt", optional_time(after->last_synced_at)},
                               {"waiting", after->pending}});
  }
  const Error& error = synced.error();
  last_sync_error_ = error.message;
  web::HttpResponse response;
  if (is_unreachable(error)) {
    response = api_error(502, "unreachable", unreachable_message(error, after->pending));
  } else {
    response = error_response(logged(error));
  }
  // The page shows what waits either way.
  auto body = nlohmann::json::parse(response.body, nullptr, false);
  if (body.is_object()) {
    body["waiting"] = after->pending;
    response.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  }
  return response;
}

}  // namespace dsptsync::client
