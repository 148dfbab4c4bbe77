// The web app's incident addresses (docs/api.md): routing, the body read into what a person typed,
// one call on the Backend, the service's serialiser in the API's style. The rules are the
// application layer's, the same as at the command lines.
#include "dsptsync/web/api.h"
#include "dsptsync/web/app.h"

#include "dsptsync/service/incident_json.h"

namespace dsptsync::web {
namespace {

// The body's members for an incident's fields, by the API's names (happenedAt, icoReference...):
// text each, "" clears one. Unknown members are refused, so a misspelt field is not lost silently.
Result<IncidentInput> incident_input(const nlohmann::json& body) {
  std::map<std::string, Field> by_name;
  for (int value = static_cast<int>(Field::happened_at); value <= static_cast<int>(Field::linked_items); ++value) {
    const auto field = static_cast<Field>(value);
    by_name[service::api_key(to_string(field))] = field;
  }
  IncidentInput input;
  for (const auto& [name, value] : body.items()) {
    if (name == "scope") continue;
    auto field = by_name.find(name);
    if (field == by_name.end()) return invalid_input("\"" + name.substr(0, 40) + "\" is not a detail of an incident");
    if (!value.is_string() && !value.is_number_integer()) return invalid_input("\"" + name + "\" must be text");
    input[field->second] = value.is_string() ? value.get<std::string>() : std::to_string(value.get<long long>());
  }
  return input;
}

// The rules name the detail a refusal is about first ("found_at: the incident was found ..."): the
// error carries it by its API name, so the page can point at the field to fix.
HttpResponse incident_refusal(const Error& error) {
  return error_response(error, [](std::string_view name) {
    auto field = parse_field(name);
    return field && field_belongs_to(*field, TargetKind::incident);
  });
}

HttpResponse outcome_response(int status, const Result<IncidentOutcome>& outcome) {
  if (!outcome) return incident_refusal(outcome.error());
  return json_response(status, service::to_json(*outcome, JsonStyle::api));
}

}  // namespace

HttpResponse WebApp::incidents_route(const Actor& actor, const HttpRequest& request,
                                     const std::vector<std::string>& segments) {
  const std::string& method = request.method;
  const TimestampMs now = options_.clock();
  if (segments.size() == 1) {
    if (is_read(method)) {
      auto incidents = backend_.incidents(actor, request.query("scope").value_or(""), now);
      if (!incidents) return error_response(incidents.error());
      nlohmann::json list = nlohmann::json::array();
      const bool open_only = request.query("open").value_or("") == "1";
      for (const auto& graded : *incidents)
        if (!open_only || graded.incident.state() != "closed") list.push_back(service::to_json(graded, JsonStyle::api));
      return json_response(200, {{"incidents", std::move(list)}});
    }
    if (method != "POST") return method_not_allowed(method, "GET, POST");
    auto body = json_body(request);
    if (!body) return error_response(body.error());
    auto input = incident_input(*body);
    if (!input) return error_response(input.error());
    auto scope = string_member(*body, "scope");
    if (!scope) return error_response(scope.error());
    return outcome_response(201, backend_.record_incident(actor, scope->value_or(""), *input, now));
  }
  if (segments.size() != 2) return not_here(request.path());
  const std::string& id = segments[1];
  if (id == "grading") {
    if (!is_read(method)) return method_not_allowed(method, "GET");
    return json_response(200, service::to_json(shipped_incident_rules()));
  }
  if (is_read(method)) {
    auto incidents = backend_.incidents(actor, "", now);
    if (!incidents) return error_response(incidents.error());
    for (const auto& graded : *incidents)
      if (graded.incident.id == id) return json_response(200, {{"incident", service::to_json(graded, JsonStyle::api)}});
    return api_error(404, "not_found", "there is no incident '" + id.substr(0, 40) + "' here");
  }
  if (method != "PATCH") return method_not_allowed(method, "GET, PATCH");
  auto body = json_body(request);
  if (!body) return error_response(body.error());
  auto input = incident_input(*body);
  if (!input) return error_response(input.error());
  return outcome_response(200, backend_.edit_incident(actor, id, *input, now));
}

}  // namespace dsptsync::web
