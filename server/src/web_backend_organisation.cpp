// Head office runs its organisation from the web app (docs/api.md: the organisation): head office's
// organisation profile, the branches (add, rename, remove), a backup of the server's database to
// download, and the roll-forward to the next year. Each route is one call on HeadOffice, the
// operation the console's commands use, with its permission check there.
#include "web_backend.h"

#include "log.h"

#include "dsptsync/assessment.h"
#include "dsptsync/permissions.h"
#include "dsptsync/web/api.h"

namespace dsptsync::server {
namespace {

using web::api_error;
using web::error_response;
using web::json_response;

nlohmann::json branch_json(const BranchSummary& summary) {
  nlohmann::json out{{"ods", summary.branch.ods},
                     {"name", summary.branch.name},
                     {"addedAt", web::timestamp_json(summary.branch.added_at)},
                     {"users", summary.active_users},
                     {"lastChangeAt", nullptr},
                     {"published", nullptr}};
  if (summary.last_change_at) out["lastChangeAt"] = web::timestamp_json(*summary.last_change_at);
  if (summary.published)
    out["published"] = {{"publicStatus", summary.published->public_status},
                        {"year", summary.published->year},
                        {"onNhsWebsite", summary.published->on_nhs_website},
                        {"at", web::timestamp_json(summary.published->published_at)}};
  return out;
}

// A branch refusal names the field it is about: the name's checks say "the branch name"; every
// other one is about the code (not a site code, already registered, no such branch).
web::HttpResponse branch_error(const Error& error) {
  if (error.kind != ErrorKind::invalid_input) return error_response(error);
  const bool about_name = error.message.rfind("the branch name", 0) == 0;
  return api_error(400, "invalid_input", error.message, about_name ? "name" : "ods");
}

// The profile entries a form sent: {"profile": {"role.siro": "Ann Lee", ...}}, each a string.
Result<ProfileEntries> entries_of(const nlohmann::json& body) {
  auto profile = body.find("profile");
  if (profile == body.end() || !profile->is_object())
    return invalid_input("\"profile\" is an object of entries, e.g. {\"role.siro\": \"Ann Lee\"}");
  ProfileEntries entries;
  for (const auto& [name, value] : profile->items()) {
    if (!value.is_string()) return invalid_input("\"" + name.substr(0, 40) + "\" is text");
    entries.emplace_back(name, value.get<std::string>());
  }
  return entries;
}

// Which entry a refused profile is about: the first that fails on its own.
std::string entry_at_fault(HeadOffice& office, const ProfileEntries& entries) {
  for (const auto& entry : entries)
    if (!profile_edits(office.catalogue(), office.hq().code, office.year().label(), {entry})) return entry.first;
  return {};
}

nlohmann::json roll_forward_json(const OrganisationRollForward& report) {
  auto body = to_json(report);
  body["lines"] = describe(report);
  return body;
}

}  // namespace

std::optional<web::HttpResponse> HeadOfficeWebBackend::organisation_route(const web::Actor& actor,
                                                                          const web::HttpRequest& request,
                                                                          const std::vector<std::string>& segments) {
  const std::string& first = segments[0];
  const bool read = web::is_read(request.method);
  if (first == "profile" && segments.size() == 1) {
    if (read) {
      if (auto refused = refusal(may_read_organisation(actor.person(), "see the organisation profile")))
        return *refused;
      return profile();
    }
    if (request.method != "POST") return web::method_not_allowed(request.method, "GET, POST");
    return set_profile(actor, request);
  }
  if (first == "branches" && segments.size() == 1) {
    if (read) {
      if (auto refused = refusal(may_read_organisation(actor.person(), "see the organisation's branches")))
        return *refused;
      return branches();
    }
    if (request.method != "POST") return web::method_not_allowed(request.method, "GET, POST");
    return add_branch(actor, request);
  }
  if (first == "branches" && segments.size() == 3 && (segments[2] == "rename" || segments[2] == "remove")) {
    if (request.method != "POST") return web::method_not_allowed(request.method, "POST");
    return segments[2] == "rename" ? rename_branch(actor, segments[1], request) : remove_branch(actor, segments[1]);
  }
  if (first == "backup" && segments.size() == 1) {
    if (!read) return web::method_not_allowed(request.method, "GET");
    return backup(actor);
  }
  if (first == "rollforward" && segments.size() == 2 && segments[1] == "preview") {
    if (!read) return web::method_not_allowed(request.method, "GET");
    return roll_forward(actor, request.query("to").value_or(""), true);
  }
  if (first == "rollforward" && segments.size() == 1) {
    if (request.method != "POST") return web::method_not_allowed(request.method, "POST");
    auto body = web::json_body(request);
    if (!body) return api_error(400, "invalid_input", body.error().message);
    auto to = web::string_member(*body, "to");
    if (!to) return api_error(400, "invalid_input", to.error().message, "to");
    return roll_forward(actor, to->value_or(""), false);
  }
  return std::nullopt;
}

web::HttpResponse HeadOfficeWebBackend::profile() {
  auto entries = head_office_.profile();
  if (!entries) return error_response(entries.error());
  return json_response(200, {{"profile", *entries}, {"year", head_office_.year().label()}});
}

web::HttpResponse HeadOfficeWebBackend::set_profile(const web::Actor& actor, const web::HttpRequest& request) {
  auto body = web::json_body(request);
  if (!body) return api_error(400, "invalid_input", body.error().message);
  auto entries = entries_of(*body);
  if (!entries) return api_error(400, "invalid_input", entries.error().message);
  auto user = editor(actor);
  if (!user) return error_response(user.error());
  auto recorded = head_office_.set_profile(*user, *entries);
  if (!recorded) {
    if (recorded.error().kind != ErrorKind::invalid_input) return error_response(recorded.error());
    return api_error(400, "invalid_input", recorded.error().message, entry_at_fault(head_office_, *entries));
  }
  log_event("info", "profile_changed", {{"by", actor.user}, {"changes", recorded->size()}});
  return json_response(200, {{"recorded", recorded->size()}});
}

web::HttpResponse HeadOfficeWebBackend::branches() {
  auto summaries = head_office_.branch_summaries();
  if (!summaries) return error_response(summaries.error());
  nlohmann::json list = nlohmann::json::array();
  for (const auto& summary : *summaries) list.push_back(branch_json(summary));
  return json_response(200, {{"branches", std::move(list)}});
}

web::HttpResponse HeadOfficeWebBackend::add_branch(const web::Actor& actor, const web::HttpRequest& request) {
  auto body = web::json_body(request);
  if (!body) return api_error(400, "invalid_input", body.error().message);
  auto ods = web::string_member(*body, "ods");
  if (!ods) return api_error(400, "invalid_input", ods.error().message, "ods");
  auto name = web::string_member(*body, "name");
  if (!name) return api_error(400, "invalid_input", name.error().message, "name");
  auto user = editor(actor);
  if (!user) return error_response(user.error());
  auto added = head_office_.add_branch(*user, ods->value_or(""), name->value_or(""));
  if (!added) return branch_error(added.error());
  log_event("info", "branch_added", {{"by", actor.user}, {"branch", added->ods}});
  return json_response(201, {{"branch", branch_json(BranchSummary{*added, 0, std::nullopt, std::nullopt})}});
}

web::HttpResponse HeadOfficeWebBackend::rename_branch(const web::Actor& actor, const std::string& ods,
                                                      const web::HttpRequest& request) {
  auto body = web::json_body(request);
  if (!body) return api_error(400, "invalid_input", body.error().message);
  auto name = web::string_member(*body, "name");
  if (!name) return api_error(400, "invalid_input", name.error().message, "name");
  auto user = editor(actor);
  if (!user) return error_response(user.error());
  auto renamed = head_office_.rename_branch(*user, ods, name->value_or(""));
  if (!renamed) return branch_error(renamed.error());
  log_event("info", "branch_renamed", {{"by", actor.user}, {"branch", renamed->ods}});
  return json_response(200, {{"branch", {{"ods", renamed->ods}, {"name", renamed->name}}}});
}

web::HttpResponse HeadOfficeWebBackend::remove_branch(const web::Actor& actor, const std::string& ods) {
  auto user = editor(actor);
  if (!user) return error_response(user.error());
  if (auto removed = head_office_.remove_branch(*user, ods); !removed) return branch_error(removed.error());
  const std::string code = parse_site_code(ods).value().code;
  log_event("info", "branch_removed", {{"by", actor.user}, {"branch", code}});
  return json_response(200, {{"removed", code}});
}

web::HttpResponse HeadOfficeWebBackend::backup(const web::Actor& actor) {
  auto user = editor(actor);
  if (!user) return error_response(user.error());
  auto download = head_office_.backup_download(*user);
  if (!download) return error_response(download.error());
  log_event("info", "backup_downloaded", {{"by", actor.user}, {"bytes", download->bytes.size()}});
  return web::download_response(std::move(download->file_name), std::move(download->content_type),
                                std::move(download->bytes));
}

web::HttpResponse HeadOfficeWebBackend::roll_forward(const web::Actor& actor, const std::string& to_text,
                                                     bool dry_run) {
  auto user = editor(actor);
  if (!user) return error_response(user.error());
  // The next year unless the page names one.
  auto to = to_text.empty() ? Result<AssessmentYear>(AssessmentYear{head_office_.year().first + 1})
                            : parse_assessment_year(to_text);
  if (!to) return api_error(400, "invalid_input", to.error().message, "to");
  auto report = head_office_.roll_forward(*user, *to, dry_run);
  if (!report) return error_response(report.error());
  if (report->applied)
    log_event("info", "rolled_forward", {{"by", actor.user}, {"from", report->from_year}, {"to", report->to_year}});
  return json_response(200, roll_forward_json(*report));
}

}  // namespace dsptsync::server
