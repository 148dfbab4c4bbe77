// Three-way merge of concurrent text edits (docs/merge.md).
//
// Two people edited the same text from the same starting point. If they changed different parts
// of it, both changes are kept; if they touched the same part, there is no merge and the field
// stays an open conflict for a person to resolve.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dsptsync {

// Merges `ours` and `theirs`, both edited from `base`. Works on words and punctuation, so edits to
// different sentences of one paragraph merge. Empty when the edits overlap or touch, or when the
// texts are too long to compare cheaply.
std::optional<std::string> merge_text(std::string_view base, std::string_view ours, std::string_view theirs);

}  // namespace dsptsync
