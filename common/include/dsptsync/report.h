// Builds the rows of an export from an effective assessment (export.h writes them).
#pragma once

#include "dsptsync/assessment.h"
#include "dsptsync/catalogue.h"
#include "dsptsync/evaluator.h"
#include "dsptsync/export.h"

#include <string>

namespace dsptsync {

struct ExportHeading {
  std::string organisation;
  std::string hq_code;
  std::string ods;
  std::string site_name;
};

// One row per item of the question set (answered or not) and one per plan line, with whether each
// answer is head office's shared one, the branch's own or an override, and who changed it last.
ExportDocument export_document(const Catalogue& catalogue, const AssessmentView& view, const Evaluation& evaluation,
                               const ExportHeading& heading);

}  // namespace dsptsync
