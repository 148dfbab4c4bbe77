// The web app's policy library addresses (docs/api.md, docs/documents.md): routing, the request read
// into what a person gave (a file's bytes as the body, its name and details in the query), one call
// on the Backend, the service's serialiser in the API's style. The rules are the service layer's, the
// same as at the command lines.
#include "dsptsync/web/api.h"
#include "dsptsync/web/app.h"

#include "dsptsync/service/document_json.h"

#include <algorithm>
#include <charconv>

namespace dsptsync::web {

Result<Document> Backend::document(const Actor& actor, std::string_view id) {
  auto all = documents(actor);
  if (!all) return all.error();
  for (auto& document : *all)
    if (document.id == id) return std::move(document);
  // The same answer for a document that does not exist and one of another branch's.
  return not_found("there is no document '" + std::string(id.substr(0, 40)) + "' in the library here");
}

namespace {

// Which control of the upload form a refusal is about, so the page can point at it. The service's
// messages name the detail; anything else is about the file.
std::string_view upload_field(const Error& error) {
  const auto says = [&](std::string_view words) { return error.message.find(words) != std::string::npos; };
  if (says("document's title") || says("needs a title")) return "title";
  if (says("a document is a policy") || says("needs a kind")) return "kind";
  if (says("document's owner")) return "owner";
  if (error.message.starts_with("the review date")) return "reviewBy";
  if (says("evidence item")) return "items";
  return "file";
}

HttpResponse document_refusal(const Error& error) {
  if (error.kind != ErrorKind::invalid_input) return error_response(error);
  return api_error(400, "invalid_input", error.message, upload_field(error));
}

// The details of a new document from the query: each given one is taken (empty: none), the rest left.
DocumentInput input_of(const HttpRequest& request) {
  DocumentInput input;
  input.title = request.query("title").value_or("");
  input.kind = request.query("kind").value_or("");
  input.owner = request.query("owner");
  input.review_by = request.query("reviewBy");
  if (auto items = request.query("items")) {
    std::vector<std::string> ids;
    std::string_view rest = *items;
    while (!rest.empty()) {
      const auto end = rest.find_first_of(" ,");
      if (auto id = rest.substr(0, end); !id.empty()) ids.emplace_back(id);
      if (end == std::string_view::npos) break;
      rest.remove_prefix(end + 1);
    }
    input.items = std::move(ids);
  }
  return input;
}

DocumentUpload upload_of(const HttpRequest& request) {
  return DocumentUpload{request.query("file").value_or(""), as_bytes(request.body), request.query("note").value_or("")};
}

// A version number from the query or a body ("version": 2 or "2"); nullopt: the current one.
Result<std::optional<int>> version_of(const std::optional<std::string>& text) {
  if (!text || text->empty()) return std::optional<int>();
  int number = 0;
  const auto [end, error] = std::from_chars(text->data(), text->data() + text->size(), number);
  if (error != std::errc() || end != text->data() + text->size() || number < 1)
    return invalid_input("the version is a whole number from 1, as the document's page lists them");
  return std::optional<int>(number);
}

// A document with what this person sees of it: whether they have acknowledged the current version.
nlohmann::json document_json(Backend& backend, const Document& document, const std::vector<Acknowledgement>& mine) {
  auto body = service::to_json(document, JsonStyle::api,
                               [&](const files::Hash& root) { return backend.holds(document, root); });
  const DocumentVersion* current = document.current();
  body["acknowledged"] = current != nullptr && std::any_of(mine.begin(), mine.end(), [&](const Acknowledgement& ack) {
                           return acknowledges(ack, document, *current);
                         });
  body["acknowledgedVersions"] = nlohmann::json::array();
  for (const auto& version : document.versions)
    if (std::any_of(mine.begin(), mine.end(),
                    [&](const Acknowledgement& ack) { return acknowledges(ack, document, version); }))
      body["acknowledgedVersions"].push_back(version.number);
  return body;
}

HttpResponse outcome_response(Backend& backend, const Actor& actor, int status,
                              const Result<DocumentOutcome>& outcome) {
  if (!outcome) return document_refusal(outcome.error());
  auto mine = backend.own_acknowledgements(actor);
  if (!mine) return error_response(mine.error());
  return json_response(status,
                       {{"document", document_json(backend, outcome->document, *mine)}, {"changes", outcome->changes}});
}

}  // namespace

HttpResponse WebApp::documents_route(const Actor& actor, const HttpRequest& request,
                                     const std::vector<std::string>& segments) {
  if (segments.size() > 1) return document_route(actor, request, segments);
  const std::string& method = request.method;
  if (method == "POST") {
    auto outcome =
        backend_.add_document(actor, request.query("scope").value_or(""), input_of(request), upload_of(request));
    return outcome_response(backend_, actor, 201, outcome);
  }
  if (!is_read(method)) return method_not_allowed(method, "GET, POST");
  auto documents = backend_.documents(actor);
  if (!documents) return error_response(documents.error());
  auto mine = backend_.own_acknowledgements(actor);
  if (!mine) return error_response(mine.error());
  nlohmann::json list = nlohmann::json::array();
  for (const auto& document : *documents) list.push_back(document_json(backend_, document, *mine));
  nlohmann::json warnings = nlohmann::json::array();
  for (const auto& warning : review_warnings(*documents, date_of(options_.clock())))
    warnings.push_back(service::to_json(warning, JsonStyle::api));
  return json_response(200, {{"documents", std::move(list)}, {"reviewWarnings", std::move(warnings)}});
}

HttpResponse WebApp::document_route(const Actor& actor, const HttpRequest& request,
                                    const std::vector<std::string>& segments) {
  const std::string& method = request.method;
  const std::string& id = segments[1];
  const std::string what = segments.size() == 3 ? segments[2] : "";
  if (segments.size() > 3) return not_here(request.path());
  if (what.empty()) {
    if (!is_read(method)) return method_not_allowed(method, "GET");
    auto document = backend_.document(actor, id);
    if (!document) return error_response(document.error());
    auto mine = backend_.own_acknowledgements(actor);
    if (!mine) return error_response(mine.error());
    return json_response(200, {{"document", document_json(backend_, *document, *mine)}});
  }
  if (what == "versions") {
    if (method != "POST") return method_not_allowed(method, "POST");
    return outcome_response(backend_, actor, 201, backend_.add_document_version(actor, id, upload_of(request)));
  }
  if (what == "acknowledge") {
    if (method != "POST") return method_not_allowed(method, "POST");
    std::optional<std::string> version_text;
    if (!request.body.empty()) {
      auto body = json_body(request);
      if (!body) return error_response(body.error());
      if (auto given = body->find("version"); given != body->end() && !given->is_null())
        version_text = given->is_number_integer() ? std::to_string(given->get<long long>())
                       : given->is_string()       ? given->get<std::string>()
                                                  : std::string("?");
    }
    auto version = version_of(version_text);
    if (!version) return api_error(400, "invalid_input", version.error().message, "version");
    return outcome_response(backend_, actor, 200, backend_.acknowledge_document(actor, id, *version));
  }
  if (what == "file") {
    if (!is_read(method)) return method_not_allowed(method, "GET");
    auto version = version_of(request.query("version"));
    if (!version) return api_error(400, "invalid_input", version.error().message, "version");
    auto file = backend_.document_file(actor, id, *version);
    if (!file) return error_response(file.error());
    return library_file_response(file->name, files::media_type(file->type),
                                 std::string(file->content.begin(), file->content.end()));
  }
  if (what == "acknowledgements") {
    if (!is_read(method)) return method_not_allowed(method, "GET");
    auto acks = backend_.document_acknowledgements(actor, id);
    if (!acks) return error_response(acks.error());
    return json_response(200, service::to_json(*acks, JsonStyle::api));
  }
  return not_here(request.path());
}

}  // namespace dsptsync::web
