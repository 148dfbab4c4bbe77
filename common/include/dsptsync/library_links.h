// Evidence items linked to the policy library (docs/documents.md#items-and-the-library): a document
// answer may name a library document instead of a free location, stored as the location
// "library:DOC-3F9A2C1B"; and a document lists the items it answers (its `items`). Both link an item
// to the documents an inspector asks to see, on every screen that shows the item and in the evidence
// pack.
#pragma once

#include "dsptsync/document.h"
#include "dsptsync/ledger.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dsptsync {

inline constexpr std::string_view kLibraryLocationPrefix = "library:";

// "library:DOC-3F9A2C1B"
std::string library_location(std::string_view document_id);
// A location meant as a library link (it starts with "library:"), well formed or not.
bool is_library_location(std::string_view location);
// The document a well-formed library link names; nullopt for a free location or a malformed link.
std::optional<std::string> linked_document_id(std::string_view location);

// The documents of `visible` linked to one item: the one its answer names, then every document whose
// items list it, each once, in `visible`'s order after the answer's.
std::vector<const Document*> documents_for_item(const std::vector<Document>& visible, std::string_view item_id,
                                                const std::optional<FieldValue>& answer);

// The rule only a recording door can check, as it needs the library: an answer's library link names
// a document the site can see (the shared library and its own). The error names the document.
Status check_library_links(const std::vector<Edit>& edits, const std::vector<Document>& visible);

}  // namespace dsptsync
