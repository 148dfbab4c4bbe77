#include "web_backend.h"

#include "log.h"

#include "dsptsync/conflict.h"
#include "dsptsync/crypto.h"
#include "dsptsync/ods.h"
#include "dsptsync/permissions.h"
#include "dsptsync/report.h"
#include "dsptsync/service/head_office_json.h"
#include "dsptsync/service/json.h"
#include "dsptsync/time.h"
#include "dsptsync/web/api.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>

namespace dsptsync::server {
namespace {

using web::api_error;
using web::error_response;
using web::json_response;

web::Actor actor_of(const User& user) { return web::Actor{user.name, user.role, user.branch}; }

}  // namespace

std::optional<web::HttpResponse> refusal(const Status& allowed) {
  if (allowed) return std::nullopt;
  return error_response(allowed.error());
}

Result<web::OrganisationInfo> HeadOfficeWebBackend::organisation() {
  // The CLI may have rolled the organisation forward since the last request.
  if (auto refreshed = head_office_.refresh(); !refreshed) return refreshed.error();
  return web::OrganisationInfo{head_office_.name(), head_office_.hq().code, head_office_.year().label(), "", "",
                               head_office_.year_advice(date_of(now_ms())).message};
}

Result<web::Actor> HeadOfficeWebBackend::actor(std::string_view name) {
  auto user = head_office_.directory().user(name);
  if (!user) return user.error();
  if (!*user) return not_found("there is no user '" + std::string(name) + "' any more; sign in again");
  if ((*user)->revoked_at) return refused("'" + std::string(name) + "' was revoked by head office and is signed out");
  auto actor = actor_of(**user);
  auto record = head_office_.directory().password(name);
  if (!record) return record.error();
  if (*record) actor.credentials_set_at = (*record)->set_at;
  return actor;
}

Result<web::Actor> HeadOfficeWebBackend::check_password(std::string_view name, std::string_view password) {
  auto user = head_office_.directory().user(name);
  if (!user) return user.error();
  auto record = *user ? head_office_.directory().password(name) : Result<std::optional<PasswordRecord>>(std::nullopt);
  if (!record) return record.error();
  if (!*user || !*record) {
    crypto::verify_password_decoy(password);  // the same time as a real check: names stay unknown
    return refused("the name or password is not right");
  }
  if (!crypto::verify_password((*record)->hash, password) || (*user)->revoked_at)
    return refused("the name or password is not right");
  auto actor = actor_of(**user);
  actor.credentials_set_at = (*record)->set_at;
  return actor;
}

std::optional<TimestampMs> HeadOfficeWebBackend::password_set_at(std::string_view name) {
  auto record = head_office_.directory().password(name);
  if (!record || !*record) return std::nullopt;
  return (*record)->set_at;
}

Result<std::vector<std::string>> HeadOfficeWebBackend::scopes(const web::Actor& actor) {
  if (!actor.head_office()) return std::vector<std::string>{actor.branch};
  std::vector<std::string> out{head_office_.hq().code};
  auto branches = head_office_.directory().branches();
  if (!branches) return branches.error();
  for (const auto& branch : *branches) out.push_back(branch.ods);
  return out;
}

Result<std::string> HeadOfficeWebBackend::readable_scope(const web::Actor& actor, std::string_view scope) {
  auto code = parse_ods_code(scope);
  if (!code) return not_found("there is no assessment '" + std::string(scope.substr(0, 40)) + "' here");
  if (!actor.head_office() && code->code != actor.branch)
    return refused(actor.user + " works for branch " + actor.branch + " and can see only its assessment");
  if (code->code == head_office_.hq().code) return code->code;
  auto branch = head_office_.directory().branch(code->code);
  if (!branch) return branch.error();
  if (!*branch) return not_found("there is no branch " + code->code + " in " + head_office_.name());
  return code->code;
}

Result<web::ScopeSnapshot> HeadOfficeWebBackend::snapshot(const web::Actor& actor, std::string_view scope_text) {
  auto scope = readable_scope(actor, scope_text);
  if (!scope) return scope.error();
  auto views = head_office_.scope_views(*scope, head_office_.year());
  if (!views) return views.error();
  web::ScopeSnapshot out;
  out.scope = *scope;
  out.head_office = *scope == head_office_.hq().code;
  out.name = head_office_.name();
  if (!out.head_office) {
    auto branch = head_office_.directory().branch(*scope);
    if (!branch) return branch.error();
    if (*branch) out.name = (*branch)->name;
  }
  out.evaluation = evaluate(views->catalogue, views->effective, date_of(now_ms()));
  add_year_advice(out.evaluation, head_office_.year_advice(date_of(now_ms())));
  // The conflicts this assessment's people resolve: its own fields (a shared answer's conflict is
  // head office's, in its own assessment).
  const auto mine = [&actor](const Head& head) { return head.user == actor.user; };
  for (const auto& [key, values] : views->own.conflicts)
    out.conflicts.push_back({*scope, key, service::conflict_group(key, views->catalogue),
                             describe_conflict(key, values, &views->catalogue, views->own.workplaces),
                             service::conflict_values(values, mine)});
  auto published = head_office_.directory().latest_published_status(*scope);
  if (!published) return published.error();
  out.published = *published;
  auto nhs = head_office_.directory().nhs_publications_of(*scope);
  if (!nhs) return nhs.error();
  if (auto current = current_nhs_publications(*nhs); !current.empty()) out.nhs_published = current.front();
  auto summary = head_office_.store().scope_summary(*scope);
  if (!summary) return summary.error();
  if (summary->changes > 0) out.last_change_at = hlc_wall_ms(summary->newest);
  auto synced = head_office_.directory().last_sync_of(out.head_office ? "" : *scope);
  if (!synced) return synced.error();
  out.last_sync = std::move(*synced);
  auto documents = head_office_.documents(*scope);
  if (!documents) return documents.error();
  out.documents = std::move(*documents);
  out.catalogue = std::move(views->catalogue);
  out.view = std::move(views->effective);
  return out;
}

Result<std::vector<web::SiteSummary>> HeadOfficeWebBackend::sites(const web::Actor& actor) {
  if (!actor.head_office()) return web::Backend::sites(actor);  // a branch's people: their own site only
  auto progress = head_office_.site_progress(date_of(now_ms()));
  if (!progress) return progress.error();
  std::vector<web::SiteSummary> out;
  out.reserve(progress->size());
  for (auto& site : *progress)
    out.push_back({site.branch.ods, std::move(site.branch.name), site.branch.ods == head_office_.hq().code,
                   std::move(site.evaluation), std::move(site.overrides), std::move(site.published),
                   std::move(site.nhs_published), site.last_change_at, std::move(site.last_sync)});
  return out;
}

Result<User> HeadOfficeWebBackend::editor(const web::Actor& actor) {
  auto user = head_office_.directory().user(actor.user);
  if (!user) return user.error();
  if (!*user || (*user)->revoked_at) return refused("'" + actor.user + "' can no longer make changes");
  return **user;
}

Result<std::pair<User, std::string>> HeadOfficeWebBackend::editor_at(const web::Actor& actor, std::string_view scope) {
  const std::string site = !scope.empty()        ? std::string(scope)
                           : actor.head_office() ? head_office_.hq().code
                                                 : actor.branch;
  auto readable = readable_scope(actor, site);
  if (!readable) return readable.error();
  auto user = editor(actor);
  if (!user) return user.error();
  return std::pair{std::move(*user), std::move(*readable)};
}

Result<std::size_t> HeadOfficeWebBackend::record(const web::Actor& actor, const std::vector<Edit>& edits) {
  auto user = editor(actor);
  if (!user) return user.error();
  auto recorded = head_office_.edit_as(*user, edits);
  if (!recorded) return recorded.error();
  return recorded->size();
}

Result<std::vector<web::HistoryRow>> HeadOfficeWebBackend::history(const web::Actor& actor, std::string_view scope_text,
                                                                   std::string_view id) {
  auto scope = readable_scope(actor, scope_text);
  if (!scope) return scope.error();
  return head_office_.history(*scope, id);
}

Result<web::Download> HeadOfficeWebBackend::export_assessment(const web::Actor& actor, std::string_view scope_text,
                                                              ExportFormat format, ExportContent content) {
  auto snapshot = this->snapshot(actor, scope_text);
  if (!snapshot) return snapshot.error();
  // The site's incidents as head office lists them: the scope was checked against the actor above.
  auto incidents = head_office_.incidents({snapshot->scope}, now_ms());
  if (!incidents) return incidents.error();
  const auto document =
      export_document(snapshot->catalogue, snapshot->view, snapshot->evaluation,
                      {head_office_.name(), head_office_.hq().code, snapshot->scope, snapshot->name}, *incidents);
  auto file = export_to_memory(document, content, format);
  if (!file) return file.error();
  return web::Download{std::move(file->file_name), std::move(file->content_type), std::move(file->bytes)};
}

std::optional<web::HttpResponse> HeadOfficeWebBackend::handle_own_route(const web::Actor& actor,
                                                                        const web::HttpRequest& request) {
  const auto segments = web::path_segments(request.path(), "/api/");
  const std::string& method = request.method;
  const bool read = method == "GET" || method == "HEAD";
  const auto only = [&](std::string_view allowed) {
    auto response = api_error(405, "method_not_allowed", method + " is not used here; use " + std::string(allowed));
    response.headers.emplace_back("Allow", std::string(allowed));
    return response;
  };
  if (segments.empty()) return std::nullopt;
  const std::string& first = segments[0];
  if (first == "publish" && segments.size() == 2 && segments[1] == "preview") {
    if (!read) return only("GET");
    return publish(actor, request, true);
  }
  if (first == "publish" && segments.size() == 1) {
    if (method != "POST") return only("POST");
    return publish(actor, request, false);
  }
  if (first == "publications" && segments.size() == 1) {
    if (!read) return only("GET");
    if (auto refused = refusal(may_read_organisation(actor.person(), "see the organisation's publications"))) return *refused;
    return publications();
  }
  if (first == "publications" && segments.size() == 4 && segments[2] == "certificate") {
    if (!read) return only("GET");
    if (!actor.head_office() && segments[3] != actor.branch)
      return api_error(403, "forbidden", actor.user + " can see only branch " + actor.branch + "'s certificate");
    return certificate(segments[1], segments[3]);
  }
  if (first == "evidence-pack" && segments.size() == 1) {
    if (!read) return only("GET");
    if (auto refused = refusal(may_read_organisation(actor.person(), "download a site's evidence pack")))
      return *refused;
    return evidence_pack(request.query("scope").value_or(""));
  }
  if (first == "nhs-publications" && segments.size() == 1) {
    if (method != "POST") return only("POST");
    if (auto refused = refusal(may_act_for_organisation(actor.person(), "record a publication on the NHS website")))
      return *refused;
    return record_nhs_publication(actor, request);
  }
  if (first == "people" && segments.size() == 1) {
    if (!read) return only("GET");
    if (auto refused = refusal(may_act_for_organisation(actor.person(), "manage people and devices"))) return *refused;
    return people();
  }
  if (first == "people" && segments.size() == 2 && segments[1] == "invites") {
    if (method != "POST") return only("POST");
    if (auto refused = refusal(may_act_for_organisation(actor.person(), "invite people"))) return *refused;
    return invite(actor, request);
  }
  if (first == "people" && segments.size() == 2 && segments[1] == "users") {
    if (method != "POST") return only("POST");
    if (auto refused = refusal(may_manage_people(actor.person(), "add people"))) return *refused;
    return add_user(actor, request);
  }
  if (first == "people" && segments.size() == 3 && (segments[2] == "role" || segments[2] == "password-link")) {
    if (method != "POST") return only("POST");
    if (auto refused = refusal(may_manage_people(actor.person(), "manage people"))) return *refused;
    const std::string name = normalise_name(segments[1]);
    return segments[2] == "role" ? change_role(actor, request, name) : password_link(actor, name);
  }
  if (first == "people" && segments.size() == 3 && (segments[2] == "revoke" || segments[2] == "reinstate")) {
    if (method != "POST") return only("POST");
    if (auto refused = refusal(may_manage_people(actor.person(), segments[2] + " people"))) return *refused;
    // Normalised once, as names were when stored, before any rule compares it ("Priya Shah%20" is her).
    const std::string name = normalise_name(segments[1]);
    return segments[2] == "revoke" ? revoke(actor, name) : reinstate(actor, name);
  }
  if (first == "question-sets" && segments.size() == 1) {
    if (!read) return only("GET");
    if (auto refused = refusal(may_read_organisation(actor.person(), "see the organisation's question sets"))) return *refused;
    return question_sets();
  }
  if (first == "question-sets" && segments.size() == 2 && segments[1] == "import") {
    if (method != "POST") return only("POST");
    if (auto refused = refusal(may_act_for_organisation(actor.person(), "import the official list"))) return *refused;
    return import_list(actor, request);
  }
  if (auto organisation = organisation_route(actor, request, segments)) return organisation;
  if (first == "sync")
    return api_error(404, "not_here", "sync is a branch laptop's: head office's server is what laptops sync with");
  return std::nullopt;
}

web::HttpResponse HeadOfficeWebBackend::publish(const web::Actor& actor, const web::HttpRequest& request,
                                                bool dry_run) {
  if (auto refused = refusal(may_act_for_organisation(actor.person(), "publish"))) return *refused;
  PublishRequest publish_request;
  publish_request.dry_run = dry_run;
  if (dry_run) {
    publish_request.year = request.query("year").value_or(head_office_.year().label());
    const std::string all = request.query("all").value_or("");
    publish_request.all_ready = !all.empty() && all != "0";
    const std::string branches = request.query("branches").value_or("");
    std::string_view list = branches;
    while (!list.empty()) {
      const auto comma = list.find(',');
      if (auto code = list.substr(0, comma); !code.empty()) publish_request.sites.emplace_back(code);
      if (comma == std::string_view::npos) break;
      list.remove_prefix(comma + 1);
    }
  } else {
    auto body = web::json_body(request);
    if (!body) return api_error(400, "invalid_input", body.error().message);
    auto year = web::string_member(*body, "year");
    if (!year) return api_error(400, "invalid_input", year.error().message, "year");
    publish_request.year = year->value_or(head_office_.year().label());
    if (auto all = body->find("allReady"); all != body->end() && all->is_boolean()) publish_request.all_ready = *all;
    if (auto branches = body->find("branches"); branches != body->end()) {
      if (!branches->is_array()) return api_error(400, "invalid_input", "\"branches\" is a list of V codes", "branches");
      for (const auto& code : *branches) {
        if (!code.is_string()) return api_error(400, "invalid_input", "\"branches\" is a list of V codes", "branches");
        publish_request.sites.push_back(code.get<std::string>());
      }
    }
  }
  if (!publish_request.all_ready && publish_request.sites.empty())
    return api_error(400, "invalid_input", "choose at least one branch to publish for", "branches");
  auto user = head_office_.directory().user(actor.user);
  if (!user) return error_response(user.error());
  if (!*user) return api_error(401, "not_signed_in", "there is no user '" + actor.user + "' any more");
  auto outcome = head_office_.publish(**user, publish_request, date_of(now_ms()));
  if (!outcome) return error_response(outcome.error());
  nlohmann::json body = service::to_json(*outcome, JsonStyle::api);
  if (!dry_run && !outcome->published) {
    body["error"] = {{"code", "refused"},
                     {"message", "Nothing was published: every site chosen must be ready. The problems are listed by "
                                 "branch below; leave those branches out or fix them first"}};
    return json_response(422, body);
  }
  if (outcome->published)
    log_event("info", "published", {{"by", actor.user}, {"publication", outcome->publication.id},
                                    {"sites", outcome->publication.sites.size()}});
  return json_response(200, body);
}

web::HttpResponse HeadOfficeWebBackend::publications() {
  auto list = head_office_.publications();
  if (!list) return error_response(list.error());
  auto nhs = head_office_.nhs_publications();
  if (!nhs) return error_response(nhs.error());
  nlohmann::json out = nlohmann::json::array();
  for (const auto& publication : *list) out.push_back(service::to_json(publication, JsonStyle::api));
  return json_response(200, {{"publications", std::move(out)},
                             {"handOff", service::kNhsHandOff},
                             {"nhsPublications", service::nhs_publications_json(*nhs, JsonStyle::api)}});
}

web::HttpResponse HeadOfficeWebBackend::record_nhs_publication(const web::Actor& actor,
                                                               const web::HttpRequest& request) {
  auto body = web::json_body(request);
  if (!body) return api_error(400, "invalid_input", body.error().message);
  service::NhsPublicationRequest wanted;
  for (auto [name, into] : {std::pair{"site", &wanted.site}, std::pair{"year", &wanted.year},
                            std::pair{"publishedOn", &wanted.published_on}, std::pair{"status", &wanted.status}}) {
    auto member = web::string_member(*body, name);
    if (!member) return api_error(400, "invalid_input", member.error().message, name);
    *into = member->value_or("");
  }
  auto user = editor(actor);
  if (!user) return error_response(user.error());
  auto outcome = head_office_.record_nhs_publication(*user, wanted, date_of(now_ms()));
  if (!outcome) {
    return error_response(outcome.error(), [](std::string_view name) {
      return name == "site" || name == "year" || name == "published_on" || name == "status";
    });
  }
  log_event("info", "nhs_publication_recorded",
            {{"by", actor.user}, {"site", outcome->record.ods}, {"year", outcome->record.year}});
  return json_response(201, service::to_json(*outcome, JsonStyle::api));
}

web::HttpResponse HeadOfficeWebBackend::evidence_pack(const std::string& scope) {
  auto pack = head_office_.evidence_pack(scope.empty() ? std::nullopt : std::optional<std::string>(scope));
  if (!pack) return error_response(pack.error());
  auto bytes = evidence_pack_zip(*pack);
  if (!bytes) return error_response(bytes.error());
  return web::download_response(pack_file_name(*pack), "application/zip", std::move(*bytes));
}

web::HttpResponse HeadOfficeWebBackend::certificate(const std::string& publication_text, const std::string& ods) {
  std::int64_t id = 0;
  try {
    std::size_t used = 0;
    id = std::stoll(publication_text, &used);
    if (used != publication_text.size()) id = 0;
  } catch (const std::exception&) {
    id = 0;
  }
  using Missing = service::CertificateLookup::Missing;
  auto page = head_office_.certificate(id, ods);
  if (!page) return error_response(page.error());
  if (page->missing == Missing::publication)
    return api_error(404, "not_found", "there is no publication " + publication_text.substr(0, 20));
  // The path names one site: the publication's only site is no answer to another name.
  if (page->missing != Missing::nothing || page->ods != ods)
    return api_error(404, "not_found", ods.substr(0, 20) + " is not in publication " + std::to_string(id));
  web::HttpResponse response;
  response.content_type = "text/html; charset=utf-8";
  response.body = std::move(page->html);
  // A page of its own to print: its style is inline, and it runs no script at all.
  response.headers = {{"Cache-Control", "no-store"},
                      {"X-Content-Type-Options", "nosniff"},
                      {"X-Frame-Options", "DENY"},
                      {"Referrer-Policy", "no-referrer"},
                      {"Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:"}};
  return response;
}

web::HttpResponse HeadOfficeWebBackend::people() {
  auto people = head_office_.people();
  if (!people) return error_response(people.error());
  return json_response(200, service::to_json(*people, JsonStyle::api));
}

web::HttpResponse HeadOfficeWebBackend::invite(const web::Actor& actor, const web::HttpRequest& request) {
  auto body = web::json_body(request);
  if (!body) return api_error(400, "invalid_input", body.error().message);
  auto user = web::string_member(*body, "user");
  auto role = web::string_member(*body, "role");
  auto branch = web::string_member(*body, "branch");
  if (!user || !*user || (*user)->empty())
    return api_error(400, "invalid_input", "Enter the name of the person to invite", "user");
  if (!role || !*role) return api_error(400, "invalid_input", "Choose a role: admin, member or viewer", "role");
  auto parsed_role = protocol::parse_role(**role);
  if (!parsed_role) return api_error(400, "invalid_input", "Choose a role: admin, member or viewer", "role");
  if (!branch) return api_error(400, "invalid_input", branch.error().message, "branch");
  InviteRequest invite_request;
  invite_request.user = **user;
  invite_request.role = *parsed_role;
  if (*branch && !(*branch)->empty()) invite_request.branch = **branch;
  else invite_request.head_office = true;
  auto issued = head_office_.invite(invite_request);
  if (!issued) return error_response(issued.error());
  log_event("info", "invited", {{"by", actor.user}, {"user", issued->invite.user}, {"invite", issued->invite.id}});
  return json_response(200, service::to_json(*issued, JsonStyle::api));
}

web::HttpResponse HeadOfficeWebBackend::revoke(const web::Actor& actor, const std::string& name) {
  auto by = head_office_.acting_user(actor.user);
  if (!by) return error_response(by.error());
  auto revoked = head_office_.revoke_user(*by, name);
  if (!revoked) return error_response(revoked.error());
  log_event("info", "revoked", {{"by", actor.user}, {"user", name}});
  if (on_revoked) on_revoked();
  return json_response(200, service::to_json(*revoked, JsonStyle::api));
}

web::HttpResponse HeadOfficeWebBackend::reinstate(const web::Actor& actor, const std::string& name) {
  auto by = head_office_.acting_user(actor.user);
  if (!by) return error_response(by.error());
  auto reinstated = head_office_.reinstate_user(*by, name);
  if (!reinstated) return error_response(reinstated.error());
  log_event("info", "reinstated", {{"by", actor.user}, {"user", name}});
  return json_response(200, service::to_json(*reinstated, JsonStyle::api));
}

web::HttpResponse HeadOfficeWebBackend::add_user(const web::Actor& actor, const web::HttpRequest& request) {
  auto body = web::json_body(request);
  if (!body) return api_error(400, "invalid_input", body.error().message);
  auto name = web::string_member(*body, "name");
  auto role = web::string_member(*body, "role");
  const std::string wanted = name && *name ? normalise_name(**name) : std::string();
  if (wanted.empty()) return api_error(400, "invalid_input", "Enter the person's full name", "name");
  auto parsed_role = role && *role ? protocol::parse_role(**role) : Result<protocol::Role>(invalid_input(""));
  if (!parsed_role) return api_error(400, "invalid_input", "Choose a role: admin, member or viewer", "role");
  auto by = head_office_.acting_user(actor.user);
  if (!by) return error_response(by.error());
  auto link = head_office_.add_head_office_user(&*by, wanted, *parsed_role);
  if (!link) {
    // A name taken already (refused) or not usable (invalid): the page marks the name.
    if (link.error().kind == ErrorKind::refused) return api_error(409, "conflict", link.error().message, "name");
    if (link.error().kind == ErrorKind::invalid_input)
      return api_error(400, "invalid_input", link.error().message, "name");
    return error_response(link.error());
  }
  log_event("info", "user_added", {{"by", actor.user}, {"user", link->user}});
  return json_response(201, service::to_json(*link, JsonStyle::api));
}

web::HttpResponse HeadOfficeWebBackend::password_link(const web::Actor& actor, const std::string& name) {
  auto by = head_office_.acting_user(actor.user);
  if (!by) return error_response(by.error());
  auto link = head_office_.issue_password_link(&*by, name);
  if (!link) return error_response(link.error());
  log_event("info", "password_link_issued", {{"by", actor.user}, {"user", link->user}});
  return json_response(200, service::to_json(*link, JsonStyle::api));
}

web::HttpResponse HeadOfficeWebBackend::change_role(const web::Actor& actor, const web::HttpRequest& request,
                                                    const std::string& name) {
  auto body = web::json_body(request);
  if (!body) return api_error(400, "invalid_input", body.error().message);
  auto role = web::string_member(*body, "role");
  auto parsed_role = role && *role ? protocol::parse_role(**role) : Result<protocol::Role>(invalid_input(""));
  if (!parsed_role) return api_error(400, "invalid_input", "Choose a role: admin, member or viewer", "role");
  auto by = head_office_.acting_user(actor.user);
  if (!by) return error_response(by.error());
  auto changed = head_office_.change_role(&*by, name, *parsed_role);
  if (!changed) return error_response(changed.error());
  log_event("info", "role_changed",
            {{"by", actor.user}, {"user", changed->user}, {"role", protocol::to_string(changed->to)}});
  return json_response(200, service::to_json(*changed, JsonStyle::api));
}

Result<std::string> HeadOfficeWebBackend::set_password_with_link(std::string_view token, std::string_view password,
                                                                 TimestampMs now) {
  auto user = head_office_.set_password_with_link(token, password, now);
  if (user) log_event("info", "password_set_by_link", {{"user", *user}});
  return user;
}

}  // namespace dsptsync::server
