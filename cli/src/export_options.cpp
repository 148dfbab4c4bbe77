#include "dsptsync/cli/export_options.h"

namespace dsptsync::cli {

void ExportChoice::add_to(CLI::App* command) {
  auto* plan_flag = command->add_flag("--plan", plan, "export the improvement plan instead of the items");
  command
      ->add_flag("--incidents", incidents,
                 "export only the site's incidents of the year, one row per incident (an .xlsx or .json "
                 "assessment holds them too)")
      ->excludes(plan_flag);
}

ExportContent ExportChoice::content() const {
  if (plan) return ExportContent::plan;
  if (incidents) return ExportContent::incidents;
  return ExportContent::assessment;
}

std::string rows_text(std::size_t rows, ExportContent content) {
  const char* noun = "item";
  switch (content) {
    case ExportContent::assessment: noun = "item"; break;
    case ExportContent::plan: noun = "plan line"; break;
    case ExportContent::incidents: noun = "incident"; break;
  }
  return std::to_string(rows) + " " + noun + (rows == 1 ? "" : "s");
}

}  // namespace dsptsync::cli
