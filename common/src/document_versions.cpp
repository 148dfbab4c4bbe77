#include "dsptsync/document_versions.h"

namespace dsptsync {

Result<std::vector<Edit>> new_version_edits(const Document& document, const files::Hash& root,
                                            const CheckedUpload& file, std::string_view note) {
  for (const auto& version : document.versions)
    if (version.root == root)
      return invalid_input(file.name + " is the same file as version " + std::to_string(version.number) + " of " +
                           document.title + ": nothing new to add");
  std::vector<Edit> edits;
  const std::string target = version_target(document.id, root);
  for (auto& [field, value] : version_edits(file.name, file.size, file.type, note))
    edits.push_back(Edit{FieldKey{document.scope, document.year, TargetKind::document, target, field}, value});
  return edits;
}

}  // namespace dsptsync
