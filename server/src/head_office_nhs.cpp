// Head office's record of each site's publication on the NHS toolkit website (docs/head-office.md,
// "Recording the NHS publication"): what an administrator types in once it has published there, so
// that the dashboard, the publications and the public look-up say what the NHS website says.
#include "dsptsync/server/head_office.h"

#include <algorithm>

namespace dsptsync::server {
namespace {

// The date the NHS website shows: a real date, not in the future, within the year's reach (a year's
// assessment is published from its first day until long after its deadline, never before it began).
Result<Date> check_published_on(std::string_view typed, AssessmentYear year, Date today) {
  auto date = parse_typed_date(typed);
  if (!date) return invalid_input("published_on: " + date.error().message);
  if (*date > today)
    return invalid_input("published_on: " + date->long_form() +
                         " is in the future; record the publication once the NHS website shows it");
  if (*date < year.starts())
    return invalid_input("published_on: " + date->long_form() + " is before the " + year.label() + " year began (" +
                         year.starts().long_form() + "); check the year and the date");
  return *date;
}

// What is worth checking, though allowed: a status head office never signed off in dsptsync.
std::vector<std::string> sign_off_warnings(const std::vector<Publication>& sign_offs, const NhsPublication& record,
                                           AssessmentYear year, Date published_on) {
  const PublishedSite* latest = nullptr;
  for (const auto& publication : sign_offs)
    if (publication.year == record.year)
      for (const auto& site : publication.sites)
        if (site.ods == record.ods) latest = &site;
  std::vector<std::string> warnings;
  if (!latest)
    warnings.push_back(record.name + " (" + record.ods + ") has no sign-off for " + record.year +
                       " in DSPT sync: check that what was entered on the NHS website is what the branch answered");
  else if (latest->status != record.status)
    warnings.push_back("the NHS website shows " + record.public_status + " but head office signed off " +
                       latest->public_status +
                       ": check which is right, and record the publication again if "
                       "this was a typing mistake");
  if (published_on > year.deadline())
    warnings.push_back(record.year + " was published after its deadline of " + year.deadline().long_form());
  return warnings;
}

}  // namespace

Result<service::NhsPublicationOutcome> HeadOffice::record_nhs_publication(const User& by,
                                                                          const service::NhsPublicationRequest& request,
                                                                          Date today) {
  if (auto allowed = may_act_for_organisation(by.person(), "record a publication on the NHS website"); !allowed)
    return allowed.error();
  if (request.site.empty())
    return invalid_input("site: name the branch (its V code) or head office (" + hq_.code + ")");
  auto scope = scope_of(request.site);
  if (!scope) return make_error(scope.error().kind, "site: " + scope.error().message);
  auto year = parse_assessment_year(request.year);
  if (!year) return invalid_input("year: " + year.error().message);
  if (year->starts() > today) return invalid_input("year: " + year->label() + " has not begun yet");
  auto published_on = check_published_on(request.published_on, *year, today);
  if (!published_on) return published_on.error();
  auto status = parse_publish_status(request.status);
  if (!status) return invalid_input("status: " + status.error().message);
  if (*status == PublishStatus::not_met)
    return invalid_input(
        "status: Standards Not Met is what the NHS website shows before anything is published; "
        "record the status it shows once the assessment is published");

  NhsPublication record;
  record.ods = *scope;
  record.name = name_;
  if (*scope != hq_.code) {
    auto branch = directory_->branch(*scope);
    if (!branch) return branch.error();
    record.name = (*branch)->name;
  }
  record.year = year->label();
  record.published_on = published_on->iso();
  record.status = std::string(to_string(*status));
  record.public_status = public_status(*year, *status);
  record.recorded_at = now_ms();
  record.recorded_by = by.name;

  auto sign_offs = directory_->publications();
  if (!sign_offs) return sign_offs.error();
  service::NhsPublicationOutcome outcome;
  outcome.warnings = sign_off_warnings(*sign_offs, record, *year, *published_on);
  auto id = directory_->add_nhs_publication(record);
  if (!id) return id.error();
  record.id = *id;
  outcome.record = std::move(record);
  return outcome;
}

Result<std::vector<NhsPublication>> HeadOffice::nhs_publications() { return directory_->nhs_publications(); }

}  // namespace dsptsync::server
