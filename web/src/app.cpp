#include "dsptsync/web/app.h"

#include "assessment_json.h"
#include "item_edits.h"

#include "dsptsync/limits.h"
#include "dsptsync/permissions.h"
#include "dsptsync/service/json.h"
#include "dsptsync/tuning.h"
#include "dsptsync/web/api.h"
#include "dsptsync/web/assets.h"

#include <sodium.h>

#include <algorithm>
#include <set>

namespace dsptsync::web {
namespace {

constexpr std::string_view kApiPrefix = "/api/";
constexpr std::string_view kSignInLinkPath = "/signin";
// Where the page a set-password link opens sends the new password (no session: the link is the key).
constexpr std::string_view kSetPasswordPath = "/api/set-password";
// The set-password page's attempts are counted by address alone, under a name no person has.
constexpr std::string_view kSetPasswordLimiterName = "";
constexpr int kSessionCookieSeconds = limits::kWebSessionMaxMinutes * 60;

bool same_secret(std::string_view a, std::string_view b) {
  return a.size() == b.size() && sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

HttpResponse ok(std::size_t changes) { return json_response(200, {{"ok", true}, {"changes", changes}}); }

}  // namespace

std::string body_name(Field field) {
  switch (field) {
    case Field::plan_action: return "action";
    case Field::plan_owner: return "owner";
    case Field::plan_due: return "due";
    case Field::plan_state: return "state";
    case Field::override_reason: return "reason";
    default: return std::string(to_string(field));
  }
}

std::optional<FieldValue> value_or_clear(const std::string& text) {
  if (text.empty()) return std::nullopt;
  return FieldValue{text, ""};
}

std::string_view to_string(Mode mode) { return mode == Mode::head_office ? "hq" : "branch"; }

Result<std::vector<SiteSummary>> Backend::sites(const Actor& actor) {
  auto all = scopes(actor);
  if (!all) return all.error();
  std::vector<SiteSummary> out;
  for (const auto& scope : *all) {
    auto one = snapshot(actor, scope);
    if (!one) return one.error();
    out.push_back(service::summary_of(*one));
  }
  return out;
}

Status check_edit_allowed(const Actor& actor, const ScopeSnapshot& snapshot, const FieldKey& key) {
  if (auto allowed = may_edit(actor.person(), key.scope, key.field); !allowed)
    return allowed;
  if (key.field == Field::sharing && !snapshot.head_office)
    return invalid_input("what is shared is decided in head office's own assessment, not a branch's");
  if (key.field == Field::override_reason && snapshot.head_office)
    return invalid_input("an override is a branch's: head office's own answers are the shared ones");
  if (!snapshot.head_office) return check_not_shared(snapshot.view, key);
  return {};
}

WebApp::WebApp(Backend& backend, AppOptions options) : backend_(backend), options_(std::move(options)) {
  // Made where the store may be used (before the server's threads start), like every later read.
  if (auto organisation = backend_.organisation()) organisation_ = *organisation;
}

bool WebApp::is_sign_in(const HttpRequest& request) {
  return request.method == "POST" && (request.path() == "/api/session" || request.path() == kSetPasswordPath);
}

std::optional<HttpResponse> WebApp::serve_static(const HttpRequest& request) const {
  if (!is_read(request.method)) return std::nullopt;
  std::string_view path = request.path();
  if (path == "/") path = "/index.html";
  const Asset* asset = find_asset(path);
  if (!asset) return std::nullopt;
  if (!host_allowed(request))
    return api_error(400, "invalid_input", "this app answers only on 127.0.0.1; open the link dsptsync ui printed");
  HttpResponse response;
  response.content_type = std::string(asset->content_type);
  // Always revalidated: a new build's files are used at once, and an unchanged file costs a 304.
  response.headers = {{"Cache-Control", "no-cache"}, {"ETag", std::string(asset->etag)}};
  add_security_headers(response);
  if (request.header("if-none-match") == asset->etag) {
    response.status = 304;
    return response;
  }
  response.body = std::string(asset->bytes);
  return response;
}

bool WebApp::host_allowed(const HttpRequest& request) const {
  if (options_.local_port.empty()) return true;
  const auto host = request.header("host").value_or("");
  return host == "127.0.0.1:" + options_.local_port || host == "localhost:" + options_.local_port;
}

std::string WebApp::cookie(const std::string& token, int max_age_seconds) const {
  std::string value = std::string(kSessionCookie) + "=" + token + "; Path=/; HttpOnly; SameSite=Strict; Max-Age=" +
                      std::to_string(max_age_seconds);
  if (options_.tls) value += "; Secure";
  return value;
}

std::string WebApp::sign_in_link(const std::string& user) {
  return std::string(kSignInLinkPath) + "?token=" + sessions_.issue_link_token(user, options_.clock());
}

HttpResponse WebApp::handle(const HttpRequest& request) {
  if (!host_allowed(request))
    return api_error(400, "invalid_input", "this app answers only on 127.0.0.1; open the link dsptsync ui printed");
  const std::string_view path = request.path();
  if (path == kSignInLinkPath) {
    if (!is_read(request.method)) return method_not_allowed(request.method, "GET");
    return redeem_link(request);
  }
  if (!path.starts_with(kApiPrefix)) return not_here(path);
  const auto segments = path_segments(path, kApiPrefix);
  if (segments.size() == 1 && segments[0] == "session" && request.method == "POST") return sign_in(request);
  if (path == kSetPasswordPath) {
    if (request.method != "POST") return method_not_allowed(request.method, "POST");
    return set_password(request);
  }
  return handle_api(request, segments);
}

std::optional<HttpResponse> WebApp::check_change_request(const HttpRequest& request, const Session& session) const {
  if (is_read(request.method)) return std::nullopt;
  const auto token = request.header("x-csrf-token");
  if (!token || !same_secret(*token, session.csrf))
    return api_error(403, "csrf",
                     "this change did not come from a dsptsync page (its X-CSRF-Token is missing or wrong); reload "
                     "the page and try again");
  if (auto origin = request.header("origin")) {
    const std::string host = request.header("host").value_or("");
    if (*origin != "http://" + host && *origin != "https://" + host)
      return api_error(403, "csrf", "this change came from another web site (" + origin->substr(0, 200) +
                                        ") and was refused");
  }
  if (auto site = request.header("sec-fetch-site"); site && *site != "same-origin" && *site != "none")
    return api_error(403, "csrf", "this change came from another web site and was refused");
  return std::nullopt;
}

// 429 while failed sign-ins make this name and address (or this address) wait.
HttpResponse WebApp::sign_in_throttled(int wait_seconds) {
  const std::string wait = wait_seconds < 120 ? std::to_string(wait_seconds) + " seconds"
                                              : std::to_string((wait_seconds + 59) / 60) + " minutes";
  auto response =
      api_error(429, "rate_limited",
                "Too many sign-in attempts. Wait " + wait +
                    ", then try again, or ask your head office administrator for a link to set a new password");
  response.headers.emplace_back("Retry-After", std::to_string(wait_seconds));
  return response;
}

HttpResponse WebApp::sign_in(const HttpRequest& request) {
  if (backend_.mode() == Mode::branch)
    return api_error(404, "not_here",
                     "on a branch laptop there is no password: open the sign-in link that `dsptsync ui` printed");
  if (auto origin = request.header("origin")) {
    const std::string host = request.header("host").value_or("");
    if (*origin != "http://" + host && *origin != "https://" + host)
      return api_error(403, "csrf", "sign-in from another web site was refused");
  }
  auto body = json_body(request);
  if (!body) return api_error(400, "invalid_input", body.error().message);
  auto user = string_member(*body, "user");
  auto password = string_member(*body, "password");
  // Normalised once, as names are when stored, before the limits or the password check see it:
  // "Priya Shah " is Priya Shah, and her failed attempts count against one name however typed.
  const std::string name = user && *user ? normalise_name(**user) : std::string();
  if (name.empty()) return api_error(400, "invalid_input", "Enter your name, as head office added you", "user");
  if (!password || !*password || (*password)->empty())
    return api_error(400, "invalid_input", "Enter your password", "password");
  if ((*password)->size() > limits::kMaxPasswordBytes || name.size() > limits::kMaxUserBytes)
    return api_error(400, "invalid_input", "the name or password is longer than any dsptsync accepts");
  const TimestampMs now = options_.clock();
  const std::string address = request.peer_address;
  if (auto set_at = backend_.password_set_at(name)) limiter_.password_set(name, *set_at);
  if (int wait = limiter_.wait_seconds(name, address, now); wait > 0) return sign_in_throttled(wait);
  auto actor = backend_.check_password(name, **password);
  if (!actor) {
    if (actor.error().kind == ErrorKind::store || actor.error().kind == ErrorKind::internal)
      return error_response(actor.error());
    limiter_.failed(name, address, now);
    return api_error(401, "not_signed_in",
                     "The name or password is not right. Check them and try again; after " +
                         std::to_string(tuning::kSignInFreeFailuresPerName) +
                         " wrong attempts each further one waits longer");
  }
  limiter_.succeeded(name, address);
  const std::string token = sessions_.create(actor->user, now);
  auto session = sessions_.use(token, now);
  OrganisationInfo organisation;
  {
    std::lock_guard lock(organisation_mutex_);
    organisation = organisation_;
  }
  auto response = session_json(*actor, *session, organisation);
  response.headers.emplace_back("Set-Cookie", cookie(token, kSessionCookieSeconds));
  return response;
}

HttpResponse WebApp::set_password(const HttpRequest& request) {
  if (backend_.mode() == Mode::branch)
    return api_error(404, "not_here", "on a branch laptop there is no password: open the link `dsptsync ui` printed");
  if (auto origin = request.header("origin")) {
    const std::string host = request.header("host").value_or("");
    if (*origin != "http://" + host && *origin != "https://" + host)
      return api_error(403, "csrf", "setting a password from another web site was refused");
  }
  auto body = json_body(request);
  if (!body) return api_error(400, "invalid_input", body.error().message);
  auto token = string_member(*body, "token");
  auto password = string_member(*body, "password");
  if (!password || !*password || (*password)->empty())
    return api_error(400, "invalid_input", "Enter a new password", "password");
  const TimestampMs now = options_.clock();
  const std::string address = request.peer_address;
  if (int wait = limiter_.wait_seconds(kSetPasswordLimiterName, address, now); wait > 0) return sign_in_throttled(wait);
  auto user = backend_.set_password_with_link(token && *token ? **token : std::string(), **password, now);
  if (!user) {
    const Error& error = user.error();
    if (error.kind == ErrorKind::invalid_input) return api_error(400, "invalid_input", error.message, "password");
    if (error.kind != ErrorKind::refused) return error_response(error);
    limiter_.failed(kSetPasswordLimiterName, address, now);
    return api_error(403, "link_not_valid", error.message);
  }
  // Whoever was signed in as them before (with a password now replaced) is signed out.
  sessions_.end_all_of(*user);
  return json_response(200, {{"ok", true}, {"user", *user}});
}

HttpResponse WebApp::redeem_link(const HttpRequest& request) {
  const auto token = request.query("token");
  const auto user = token ? sessions_.redeem_link_token(*token, options_.clock()) : std::nullopt;
  HttpResponse response;
  add_security_headers(response);
  response.headers.emplace_back("Cache-Control", "no-store");
  if (!user) {
    response.status = 403;
    response.content_type = "text/html; charset=utf-8";
    // A page of the design system's own, with nothing of the app behind it: no session.
    response.body =
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        "<title>Sign-in link used - DSPT sync</title>"
        "<link rel=\"stylesheet\" href=\"/vendor/nhsuk-frontend.min.css\"></head><body>"
        "<header class=\"nhsuk-header\"><div class=\"nhsuk-header__container nhsuk-width-container\">"
        "<span class=\"nhsuk-header__service-name\">DSPT sync</span></div></header>"
        "<div class=\"nhsuk-width-container\"><main class=\"nhsuk-main-wrapper\" id=\"maincontent\">"
        "<h1>This sign-in link has been used or has expired</h1>"
        "<p>Each link works once, for 10 minutes. Run <code>dsptsync ui</code> again on this laptop for a new "
        "one.</p></main></div></body></html>\n";
    return response;
  }
  const std::string session_token = sessions_.create(*user, options_.clock());
  response.status = 303;
  response.content_type = "text/plain; charset=utf-8";
  response.headers.emplace_back("Location", "/");
  response.headers.emplace_back("Set-Cookie", cookie(session_token, kSessionCookieSeconds));
  return response;
}

HttpResponse WebApp::session_json(const Actor& actor, const Session& session) {
  return session_json(actor, session, std::nullopt);
}

HttpResponse WebApp::session_json(const Actor& actor, const Session& session,
                                  std::optional<OrganisationInfo> known) {
  Result<OrganisationInfo> organisation = known ? Result<OrganisationInfo>(*known) : backend_.organisation();
  if (!organisation) return error_response(organisation.error());
  if (!known) {
    std::lock_guard lock(organisation_mutex_);
    organisation_ = *organisation;
  }
  nlohmann::json body = {
      {"mode", to_string(backend_.mode())},
      {"user", actor.user},
      {"role", protocol::to_string(actor.role)},
      {"branch", actor.head_office() ? nlohmann::json() : nlohmann::json(actor.branch)},
      {"csrf", session.csrf},
      {"organisation", {{"name", organisation->name}, {"hq", organisation->hq}, {"year", organisation->year}}},
      {"expiresAt", session.expires_at}};
  if (backend_.mode() == Mode::branch) {
    body["site"] = {{"ods", organisation->site_ods}, {"name", organisation->site_name}};
    body["organisation"]["singleSite"] = organisation->single_site;
  }
  return json_response(200, body);
}

HttpResponse WebApp::handle_api(const HttpRequest& request, const std::vector<std::string>& segments) {
  const TimestampMs now = options_.clock();
  const auto token = request.cookie(kSessionCookie);
  std::optional<Session> session = token ? sessions_.use(*token, now) : std::nullopt;
  if (!session) {
    auto response = api_error(401, "not_signed_in",
                              backend_.mode() == Mode::branch
                                  ? "You are not signed in. Open the link `dsptsync ui` printed"
                                  : "You are not signed in, or your session ended. Sign in again");
    // The page needs the mode to know which sign-in to offer.
    auto body = nlohmann::json::parse(response.body);
    body["mode"] = to_string(backend_.mode());
    response.body = body.dump() + "\n";
    return response;
  }
  auto actor = backend_.actor(session->user);
  if (!actor) {
    if (actor.error().kind == ErrorKind::store || actor.error().kind == ErrorKind::internal)
      return error_response(actor.error());
    // Revoked or removed since signing in: the session ends now.
    sessions_.end(*token);
    return api_error(401, "not_signed_in", actor.error().message);
  }
  if (actor->credentials_set_at > session->created_at) {
    sessions_.end(*token);
    return api_error(401, "not_signed_in", "your password was changed since you signed in; sign in again");
  }
  if (auto refused_change = check_change_request(request, *session)) return *refused_change;

  const std::string& method = request.method;
  const std::string first = segments.empty() ? "" : segments[0];
  const std::size_t count = segments.size();
  if (first == "session" && count == 1) {
    if (is_read(method)) return session_json(*actor, *session);
    if (method == "DELETE") {
      sessions_.end(*token);
      auto response = json_response(200, {{"ok", true}});
      response.headers.emplace_back("Set-Cookie", cookie("", 0));
      return response;
    }
    return method_not_allowed(method, "GET, POST, DELETE");
  }
  if (first == "dashboard" && count == 1) {
    if (!is_read(method)) return method_not_allowed(method, "GET");
    return dashboard(*actor);
  }
  if (first == "assessment" && count >= 2) {
    const std::string& scope = segments[1];
    if (count == 2) {
      if (!is_read(method)) return method_not_allowed(method, "GET");
      return assessment(*actor, scope);
    }
    if (count == 4 && segments[2] == "history") {
      if (!is_read(method)) return method_not_allowed(method, "GET");
      return history(*actor, scope, segments[3]);
    }
    if (count == 3 && segments[2] == "items") {
      if (method != "PUT") return method_not_allowed(method, "PUT");
      return change_items(*actor, request, scope);
    }
    if (count == 3 && segments[2] == "plan") {
      if (method != "PUT") return method_not_allowed(method, "PUT");
      return change_plans(*actor, request, scope, false);
    }
    if (count == 4 && segments[2] == "plan" && segments[3] == "generate") {
      if (method != "POST") return method_not_allowed(method, "POST");
      return change_plans(*actor, request, scope, true);
    }
    if ((count == 4 || count == 5) && segments[2] == "items") {
      const std::string what = count == 5 ? segments[4] : "";
      if (what != "" && what != "plan" && what != "sharing" && what != "override") return not_here(request.path());
      if (method != "PUT") return method_not_allowed(method, "PUT");
      return change_item(*actor, request, scope, segments[3], what);
    }
    if (count == 4 && segments[2] == "assertions") {
      if (method != "PUT") return method_not_allowed(method, "PUT");
      return change_assertion(*actor, request, scope, segments[3]);
    }
    return not_here(request.path());
  }
  if (first == "conflicts" && count == 1) {
    if (!is_read(method)) return method_not_allowed(method, "GET");
    return conflicts(*actor, request.query("scope"));
  }
  if (first == "conflicts" && count == 2 && segments[1] == "resolve") {
    if (method != "POST") return method_not_allowed(method, "POST");
    return resolve(*actor, request);
  }
  if (first == "export" && count == 1) {
    if (!is_read(method)) return method_not_allowed(method, "GET");
    return export_download(*actor, request);
  }
  if (first == "incidents") return incidents_route(*actor, request, segments);
  if (first == "documents") return documents_route(*actor, request, segments);
  if (auto own = backend_.handle_own_route(*actor, request)) return std::move(*own);
  return not_here(request.path());
}

namespace {

// A site's incidents on the dashboard: {open, toReport, overdue} (toReport: the 72 hours running).
nlohmann::json incident_counts(const std::vector<GradedIncident>& incidents, const std::string& scope) {
  int open = 0, to_report = 0, overdue = 0;
  for (const auto& graded : incidents) {
    if (graded.incident.scope != scope) continue;
    open += graded.incident.state() != "closed";
    to_report += graded.clock.applies;
    overdue += graded.clock.overdue();
  }
  return {{"open", open}, {"toReport", to_report}, {"overdue", overdue}};
}

}  // namespace

HttpResponse WebApp::dashboard(const Actor& actor) {
  auto organisation = backend_.organisation();
  if (!organisation) return error_response(organisation.error());
  auto summaries = backend_.sites(actor);
  if (!summaries) return error_response(summaries.error());
  auto incidents = backend_.incidents(actor, "", options_.clock());
  if (!incidents) return error_response(incidents.error());
  nlohmann::json sites = nlohmann::json::array();
  for (const auto& site : *summaries) {
    sites.push_back(site_json(site));
    sites.back()["incidents"] = incident_counts(*incidents, site.scope);
  }
  return json_response(200, {{"organisation",
                               {{"name", organisation->name},
                                {"hq", organisation->hq},
                                {"year", organisation->year},
                                {"yearAdvice", organisation->year_advice.empty() ? nlohmann::json(nullptr)
                                                                                 : nlohmann::json(organisation->year_advice)}}},
                              {"sites", std::move(sites)}});
}

HttpResponse WebApp::assessment(const Actor& actor, const std::string& scope) {
  auto snapshot = backend_.snapshot(actor, scope);
  if (!snapshot) return error_response(snapshot.error());
  auto set = backend_.question_set();
  const std::string year = snapshot->catalogue.year().label();
  const bool set_for_year = set && set->year == year;
  auto incidents = backend_.incidents(actor, scope, options_.clock());
  if (!incidents) return error_response(incidents.error());
  return json_response(200, assessment_json(actor, *snapshot, set_for_year ? &*set : nullptr,
                                            incidents_by_item(shipped_incident_rules(), *incidents, year)));
}

HttpResponse WebApp::conflicts(const Actor& actor, const std::optional<std::string>& scope) {
  std::vector<std::string> scopes;
  if (scope && !scope->empty()) {
    scopes = {*scope};
  } else {
    auto all = backend_.scopes(actor);
    if (!all) return error_response(all.error());
    scopes = std::move(*all);
  }
  nlohmann::json out = nlohmann::json::array();
  for (const auto& one : scopes) {
    auto snapshot = backend_.snapshot(actor, one);
    if (!snapshot) return error_response(snapshot.error());
    for (const auto& conflict : snapshot->conflicts) {
      auto entry = conflict_json(conflict, snapshot->catalogue);
      entry["scopeName"] = snapshot->name;
      out.push_back(std::move(entry));
    }
  }
  return json_response(200, {{"conflicts", std::move(out)}});
}

HttpResponse WebApp::history(const Actor& actor, const std::string& scope, const std::string& id) {
  auto rows = backend_.history(actor, scope, id);
  if (!rows) return error_response(rows.error());
  nlohmann::json out = nlohmann::json::array();
  for (const auto& row : *rows) out.push_back(service::to_json(row, JsonStyle::api));
  return json_response(200, {{"history", std::move(out)}});
}

HttpResponse WebApp::record(const Actor& actor, const ScopeSnapshot& snapshot, const std::vector<Edit>& edits) {
  if (edits.empty()) return api_error(400, "invalid_input", "the request changes nothing: send the fields to change");
  for (const auto& edit : edits) {
    if (auto allowed = check_edit_allowed(actor, snapshot, edit.key); !allowed) return error_response(allowed.error());
    if (auto valid = check_edit(snapshot.catalogue, edit.key, edit.value); !valid)
      return api_error(400, "invalid_input", valid.error().message, body_name(edit.key.field));
  }
  auto recorded = backend_.record(actor, edits);
  if (!recorded) return error_response(recorded.error());
  return ok(*recorded);
}

HttpResponse WebApp::change_item(const Actor& actor, const HttpRequest& request, const std::string& scope,
                                 const std::string& item_id, const std::string& what) {
  auto snapshot = backend_.snapshot(actor, scope);
  if (!snapshot) return error_response(snapshot.error());
  const CatalogueItem* item = snapshot->catalogue.find_item(item_id);
  if (!item)
    return api_error(404, "not_found",
                     "there is no item " + item_id + " in the " + snapshot->catalogue.year().label() + " question set");
  auto body = json_body(request);
  if (!body) return api_error(400, "invalid_input", body.error().message);

  std::vector<Edit> edits;
  const auto member = [&](std::string_view name) { return string_member(*body, name); };
  if (what.empty()) {
    if (auto wrong = answer_edits(*snapshot, *item, *body, edits))
      return api_error(400, "invalid_input", wrong->message, wrong->field);
  } else if (what == "plan") {
    const std::pair<std::string_view, Field> parts[] = {{"action", Field::plan_action},
                                                        {"owner", Field::plan_owner},
                                                        {"due", Field::plan_due},
                                                        {"state", Field::plan_state}};
    for (const auto& [name, field] : parts) {
      auto text = member(name);
      if (!text) return api_error(400, "invalid_input", text.error().message, name);
      if (*text && field == Field::plan_due) {
        auto due = normalise_plan_due(**text);
        if (!due) return api_error(400, "invalid_input", due.error().message, name);
        **text = *due;
      }
      if (*text) edits.push_back({key_of(*snapshot, TargetKind::plan, item_id, field), value_or_clear(**text)});
    }
  } else if (what == "sharing") {
    auto sharing = member("sharing");
    if (!sharing || !*sharing || (**sharing != "shared" && **sharing != "branch"))
      return api_error(400, "invalid_input", "say \"shared\" (head office answers it for every branch) or \"branch\"",
                       "sharing");
    edits.push_back({key_of(*snapshot, TargetKind::item, item_id, Field::sharing), FieldValue{**sharing, ""}});
  } else {  // override
    auto reason = member("reason");
    if (!reason) return api_error(400, "invalid_input", reason.error().message, "reason");
    if (!*reason) return api_error(400, "invalid_input", "say why this branch's practice differs (\"reason\")", "reason");
    edits.push_back(
        {key_of(*snapshot, TargetKind::item, item_id, Field::override_reason), value_or_clear(**reason)});
  }
  return record(actor, *snapshot, edits);
}

HttpResponse WebApp::change_assertion(const Actor& actor, const HttpRequest& request, const std::string& scope,
                                      const std::string& assertion_id) {
  auto snapshot = backend_.snapshot(actor, scope);
  if (!snapshot) return error_response(snapshot.error());
  if (!snapshot->catalogue.find_assertion(assertion_id))
    return api_error(404, "not_found", "there is no assertion " + assertion_id + " in the " +
                                           snapshot->catalogue.year().label() + " question set");
  auto body = json_body(request);
  if (!body) return api_error(400, "invalid_input", body.error().message);
  std::vector<Edit> edits;
  if (auto confirmed = body->find("confirmed"); confirmed != body->end()) {
    if (!confirmed->is_boolean()) return api_error(400, "invalid_input", "\"confirmed\" must be true or false", "confirmed");
    edits.push_back({key_of(*snapshot, TargetKind::assertion, assertion_id, Field::confirmed),
                     confirmed->get<bool>() ? std::optional<FieldValue>(FieldValue{"yes", ""}) : std::nullopt});
  }
  auto owner = string_member(*body, "owner");
  if (!owner) return api_error(400, "invalid_input", owner.error().message, "owner");
  if (*owner)
    edits.push_back({key_of(*snapshot, TargetKind::assertion, assertion_id, Field::owner), value_or_clear(**owner)});
  return record(actor, *snapshot, edits);
}

HttpResponse WebApp::resolve(const Actor& actor, const HttpRequest& request) {
  auto body = json_body(request);
  if (!body) return api_error(400, "invalid_input", body.error().message);
  auto scope = string_member(*body, "scope");
  auto target = string_member(*body, "target");
  auto field = string_member(*body, "field");
  auto keep = string_member(*body, "keep");
  auto value = string_member(*body, "value");
  for (auto* part : {&scope, &target, &field, &keep, &value})
    if (!*part) return api_error(400, "invalid_input", part->error().message);
  if (!*scope || !*target || !*field)
    return api_error(400, "invalid_input", "say which conflict: \"scope\", \"target\" and \"field\"");
  if (keep->has_value() == value->has_value())
    return api_error(400, "invalid_input", "say how to resolve it: \"keep\" (the changeId of a value) or \"value\"");
  auto snapshot = backend_.snapshot(actor, **scope);
  if (!snapshot) return error_response(snapshot.error());
  const Conflict* conflict = nullptr;
  for (const auto& open : snapshot->conflicts)
    if (open.key.target == **target && to_string(open.key.field) == **field) conflict = &open;
  if (!conflict)
    return api_error(409, "conflict", "there is no open conflict on " + **field + " of " + **target +
                                          " any more (someone resolved it); reload to see its value");
  std::optional<FieldValue> chosen;
  if (*keep) {
    // Any edit that gave the value names it: the latest, or one listed in `alsoBy` that agreed.
    const auto gave = [&](const Head& head) { return head.change_id == **keep; };
    auto found = std::find_if(conflict->values.begin(), conflict->values.end(), [&](const ConflictValue& candidate) {
      return candidate.change_id == **keep || std::any_of(candidate.also.begin(), candidate.also.end(), gave);
    });
    if (found == conflict->values.end())
      return api_error(409, "conflict", "that value is no longer one of the conflict's; reload to see them");
    chosen = found->value;
  } else if (conflict->key.field == Field::answer) {
    const CatalogueItem* item = snapshot->catalogue.find_item(conflict->key.target);
    if (!item) return api_error(404, "not_found", "item " + conflict->key.target + " is not in the question set");
    if (!(*value)->empty()) {
      auto normalised = normalise_answer(*item, **value, "");
      if (!normalised) return api_error(400, "invalid_input", normalised.error().message, "value");
      chosen = *normalised;
    }
  } else {
    chosen = value_or_clear(**value);
  }
  return record(actor, *snapshot, {Edit{conflict->key, chosen}});
}

HttpResponse WebApp::export_download(const Actor& actor, const HttpRequest& request) {
  std::string scope = request.query("scope").value_or("");
  if (scope.empty()) {
    auto scopes = backend_.scopes(actor);
    if (!scopes) return error_response(scopes.error());
    if (scopes->empty()) return api_error(404, "not_found", "there is no assessment to export");
    scope = scopes->front();
  }
  const std::string format_name = request.query("format").value_or("xlsx");
  auto format = export_format_for("export." + format_name, std::nullopt);
  if (!format) return api_error(400, "invalid_input", "format: use xlsx, csv or json", "format");
  const auto chosen = [&request](const char* name) {
    const auto value = request.query(name);
    return value && *value != "0" && *value != "";
  };
  const bool plan = chosen("plan"), incidents = chosen("incidents");
  if (plan && incidents)
    return api_error(400, "invalid_input", "ask for the plan or the incidents, not both", "incidents");
  const ExportContent content = plan        ? ExportContent::plan
                                : incidents ? ExportContent::incidents
                                            : ExportContent::assessment;
  auto download = backend_.export_assessment(actor, scope, *format, content);
  if (!download) return error_response(download.error());
  return download_response(std::move(download->file_name), std::move(download->content_type),
                           std::move(download->bytes));
}

}  // namespace dsptsync::web
