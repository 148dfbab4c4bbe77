// Builds the rows of an export from an effective assessment and its site's incidents (export.h writes
// them).
#pragma once

#include "dsptsync/assessment.h"
#include "dsptsync/catalogue.h"
#include "dsptsync/evaluator.h"
#include "dsptsync/export.h"
#include "dsptsync/incident.h"

#include <string>
#include <string_view>
#include <vector>

namespace dsptsync {

struct ExportHeading {
  std::string organisation;
  std::string hq_code;
  std::string ods;
  std::string site_name;
};

// One row per incident of `site` recorded in `year`, oldest first (a log read from the top; rows do not
// move as clocks run), as graded by the service that read them (HeadOffice::incidents,
// Workspace::incidents: their permission rules decide which a caller gets). Incidents of any other
// site or year are left out, whatever the caller passed. Category, kind and scale names and the
// bodies to report to come from the shipped grading rules.
std::vector<ExportIncidentRow> export_incident_rows(const std::vector<GradedIncident>& incidents, std::string_view site,
                                                    std::string_view year);

// One row per item of the question set (answered or not), one per plan line, with whether each
// answer is head office's shared one, the branch's own or an override, and who changed it last; and
// the rows of the site's incidents of the catalogue's year (export_incident_rows).
ExportDocument export_document(const Catalogue& catalogue, const AssessmentView& view, const Evaluation& evaluation,
                               const ExportHeading& heading, const std::vector<GradedIncident>& incidents);

}  // namespace dsptsync
