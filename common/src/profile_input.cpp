#include "dsptsync/profile_input.h"

#include "dsptsync/assessment.h"
#include "dsptsync/ods.h"

#include <algorithm>

namespace dsptsync {
namespace {

// People write not-sure and lower-case codes; the profile keeps the canonical forms.
Result<std::string> canonical_value(std::string_view name, std::string value) {
  if (name == profile::kOdsCode && !value.empty()) {
    auto code = parse_ods_code(value);
    if (!code) return code.error();
    return code->code;
  }
  if (name == profile::kCyberEssentialsPlus) std::replace(value.begin(), value.end(), '-', '_');
  return value;
}

}  // namespace

Result<std::vector<Edit>> profile_edits(const Catalogue& catalogue, std::string_view scope, std::string_view year,
                                        const ProfileEntries& entries) {
  std::vector<Edit> edits;
  for (const auto& [name, raw_value] : entries) {
    auto value = canonical_value(name, raw_value);
    if (!value) return value.error();
    std::optional<FieldValue> field_value;
    if (!value->empty()) field_value = FieldValue{*value, ""};
    FieldKey key{std::string(scope), std::string(year), TargetKind::profile, name, Field::value};
    if (auto valid = check_edit(catalogue, key, field_value); !valid) {
      if (name == profile::kCyberEssentialsPlus)
        return invalid_input("Cyber Essentials Plus is yes, no or not-sure, not '" + raw_value + "'");
      return valid.error();
    }
    edits.push_back({std::move(key), std::move(field_value)});
  }
  if (edits.empty()) return invalid_input("nothing to change: give at least one profile entry");
  return edits;
}

}  // namespace dsptsync
