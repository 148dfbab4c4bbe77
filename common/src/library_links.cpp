#include "dsptsync/library_links.h"

#include <algorithm>

namespace dsptsync {

std::string library_location(std::string_view document_id) {
  return std::string(kLibraryLocationPrefix) + std::string(document_id);
}

bool is_library_location(std::string_view location) { return location.starts_with(kLibraryLocationPrefix); }

std::optional<std::string> linked_document_id(std::string_view location) {
  if (!is_library_location(location)) return std::nullopt;
  const std::string_view id = location.substr(kLibraryLocationPrefix.size());
  if (!is_document_id(id)) return std::nullopt;
  return std::string(id);
}

std::vector<const Document*> documents_for_item(const std::vector<Document>& visible, std::string_view item_id,
                                                const std::optional<FieldValue>& answer) {
  std::vector<const Document*> linked;
  const auto add = [&linked](const Document& document) {
    if (std::find(linked.begin(), linked.end(), &document) == linked.end()) linked.push_back(&document);
  };
  if (answer)
    if (auto id = linked_document_id(answer->location))
      for (const auto& document : visible)
        if (document.id == *id) add(document);
  for (const auto& document : visible)
    if (std::find(document.items.begin(), document.items.end(), item_id) != document.items.end()) add(document);
  return linked;
}

Status check_library_links(const std::vector<Edit>& edits, const std::vector<Document>& visible) {
  for (const auto& edit : edits) {
    if (edit.key.kind != TargetKind::item || edit.key.field != Field::answer || !edit.value) continue;
    auto id = linked_document_id(edit.value->location);
    if (!id) continue;
    const bool found = std::any_of(visible.begin(), visible.end(), [&](const Document& d) { return d.id == *id; });
    if (!found)
      return not_found("there is no document " + *id + " in the library this site follows (the shared library and " +
                       "its own documents); 'doc list' lists them");
  }
  return {};
}

}  // namespace dsptsync
