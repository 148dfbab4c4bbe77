// HeadOfficeWebBackend: incidents for the web app (docs/api.md). Which sites an actor reads is the
// assessment's rule (readable_scope); what they may record and change is HeadOffice's, the same as
// at the console.
#include "web_backend.h"

namespace dsptsync::server {

Result<std::vector<GradedIncident>> HeadOfficeWebBackend::incidents(const web::Actor& actor, std::string_view scope,
                                                                    TimestampMs now) {
  IncidentFilter filter;
  if (!scope.empty()) {
    auto readable = readable_scope(actor, scope);
    if (!readable) return readable.error();
    filter.branch = *readable;
  } else if (!actor.head_office()) {
    filter.branch = actor.branch;  // a branch's people: their own branch's only
  }
  return head_office_.incidents(filter, now);
}

Result<IncidentOutcome> HeadOfficeWebBackend::record_incident(const web::Actor& actor, std::string_view scope,
                                                              const IncidentInput& input, TimestampMs now) {
  auto at = editor_at(actor, scope);
  if (!at) return at.error();
  return head_office_.record_incident(at->first, at->second, input, now);
}

Result<IncidentOutcome> HeadOfficeWebBackend::edit_incident(const web::Actor& actor, std::string_view id,
                                                            const IncidentInput& input, TimestampMs now) {
  auto found = head_office_.incident(id, now);
  if (!found) return found.error();
  // Another branch's incident is not there at all for a branch's people, as on their laptops.
  if (!readable_scope(actor, found->incident.scope))
    return not_found("there is no incident '" + std::string(id) + "' at " + actor.branch);
  auto user = editor(actor);
  if (!user) return user.error();
  return head_office_.edit_incident(*user, id, input, now);
}

}  // namespace dsptsync::server
