// Head office's question sets in the web app (docs/api.md: question sets): every year's set in force
// and every import, and the upload of NHS England's official list: a dry run shows what it changes,
// then the import itself, through the one operation the console uses (HeadOffice::import_official_list).
#include "web_backend.h"

#include "log.h"

#include "dsptsync/web/api.h"

namespace dsptsync::server {

using web::api_error;
using web::error_response;
using web::json_response;

Result<QuestionSet> HeadOfficeWebBackend::question_set() { return head_office_.question_set_in_force(head_office_.year()); }

web::HttpResponse HeadOfficeWebBackend::question_sets() {
  auto in_force = head_office_.question_sets_in_force();
  if (!in_force) return error_response(in_force.error());
  auto imports = head_office_.question_set_history();
  if (!imports) return error_response(imports.error());
  auto body = question_sets_json(*in_force, *imports);
  body["organisationYear"] = head_office_.year().label();
  body["runningYear"] = assessment_year_of(date_of(now_ms())).label();
  return json_response(200, body);
}

namespace {

// The upload's settings travel in the query, its body is the file itself, as downloaded.
OfficialListUpload upload_of(const web::HttpRequest& request) {
  const auto flag = [&](std::string_view name) {
    const std::string value = request.query(name).value_or("");
    return !value.empty() && value != "0" && value != "false";
  };
  return OfficialListUpload{request.body, request.query("file").value_or(""), request.query("year").value_or(""),
                            request.query("category").value_or(""), flag("dryRun"), request.query("confirm").value_or("")};
}

// Which form field an import's refusal is about, so the page can point at it.
std::string_view field_of(const Error& error) {
  if (error.message.rfind("the year", 0) == 0 || error.message.find("Check the year given") != std::string::npos)
    return "year";
  if (error.message.find("Evidence text - ") != std::string::npos) return "category";
  return "file";
}

}  // namespace

web::HttpResponse HeadOfficeWebBackend::import_list(const web::Actor& actor, const web::HttpRequest& request) {
  const OfficialListUpload upload = upload_of(request);
  if (upload.bytes.empty() || upload.file_name.empty())
    return api_error(400, "invalid_input",
                     "Choose the official list's file: the .xlsx as downloaded from NHS England, or saved as CSV",
                     "file");
  if (upload.year.empty()) return api_error(400, "invalid_input", "Enter the year the list is for, e.g. 2026-27", "year");
  auto user = head_office_.directory().user(actor.user);
  if (!user) return error_response(user.error());
  if (!*user) return api_error(401, "not_signed_in", "there is no user '" + actor.user + "' any more");
  auto outcome = head_office_.import_official_list(**user, upload);
  if (!outcome) {
    if (outcome.error().kind != ErrorKind::invalid_input) return error_response(outcome.error());
    return api_error(400, "invalid_input", outcome.error().message, field_of(outcome.error()));
  }
  auto body = to_json(*outcome);
  body["lines"] = describe(*outcome);
  if (outcome->applied)
    log_event("info", "question_set_imported", {{"by", actor.user}, {"year", outcome->imported.year},
                                               {"version", outcome->imported.version}});
  return json_response(200, body);
}

}  // namespace dsptsync::server
