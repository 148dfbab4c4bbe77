// The policy library as every front-end shows it (docs/documents.md): one JSON document per style and
// one text form, for head office's `dsptsync-server doc`, the laptop's `dsptsync doc` and the web API.
#pragma once

#include "dsptsync/document.h"
#include "dsptsync/json_style.h"

#include <nlohmann/json.hpp>

#include <functional>
#include <string>
#include <vector>

namespace dsptsync::service {

// cli: {id, site, year, title, kind, owner, review_by (ISO date or null), items: [ids],
//       pinned (hash or null), current_version (number or null), in_conflict: [field names],
//       versions: [{number, hash, name, size, type, note, added_by, added_at, current}]}
// api: the same in camelCase (reviewBy, currentVersion, inConflict, addedBy, addedAt).
// `held`, when given, says which versions' files this replica holds: each version gets `held`.
nlohmann::json to_json(const Document& document, JsonStyle style,
                       const std::function<bool(const files::Hash&)>& held = nullptr);
// {document: (as above), changes}
nlohmann::json to_json(const DocumentOutcome& outcome, JsonStyle style);
// {document, version, sites: [{site, site_name, acknowledged: [{person, at}], not_yet: [names]}],
//  acknowledged, not_yet (totals)}
nlohmann::json to_json(const DocumentAcknowledgements& acks, JsonStyle style);
// {document, title, owner, site, review_by, days_left, text}
nlohmann::json to_json(const ReviewWarning& warning, JsonStyle style);

// The library documents linked to an item (library_links.h), as every item's `documents`:
// [{id, title, version (the current one's number, or null), review_by (ISO date or null), site}]
// (api: reviewBy).
nlohmann::json linked_documents_json(const std::vector<const Document*>& documents, JsonStyle style);
// "Documents: Data protection policy (DOC-3F9A2C1B, version 2)", one per line; empty when none.
std::string linked_documents_text(const std::vector<const Document*>& documents);

// "DOC-3F9A2C1B  policy  Data protection policy  v2 (policy.pdf, 1.2 MiB)  review by 31 March 2027"
std::string document_line(const Document& document);
// Every detail and version, one per line.
std::string document_text(const Document& document);
std::string acknowledgements_text(const DocumentAcknowledgements& acks);
// "1.2 MiB", "830 KiB", "12 bytes"
std::string size_text(std::uint64_t bytes);

}  // namespace dsptsync::service
