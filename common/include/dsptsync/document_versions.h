// A new version of a document as head office and a laptop both record it (docs/documents.md): apart
// from document.h, which most of both programs include, since only the two recording doors need it.
#pragma once

#include "dsptsync/document.h"
#include "dsptsync/ledger.h"

#include <string_view>
#include <vector>

namespace dsptsync {

// The edits that add the file kept under `root` as a new version of `document`, with `note`; refused
// when the document already has that file as one of its versions.
Result<std::vector<Edit>> new_version_edits(const Document& document, const files::Hash& root,
                                            const CheckedUpload& file, std::string_view note);

}  // namespace dsptsync
