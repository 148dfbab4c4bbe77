#include "dsptsync/change.h"

#include "dsptsync/text.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <optional>

namespace dsptsync {
namespace {

struct FieldInfo {
  Field field;
  std::string_view name;
  TargetKind kind;
};
constexpr std::array<FieldInfo, 38> kFields = {{
    {Field::answer, "answer", TargetKind::item},
    {Field::comment, "comment", TargetKind::item},
    {Field::confirmed, "confirmed", TargetKind::assertion},
    {Field::owner, "owner", TargetKind::assertion},
    {Field::value, "value", TargetKind::profile},
    {Field::plan_action, "plan_action", TargetKind::plan},
    {Field::plan_owner, "plan_owner", TargetKind::plan},
    {Field::plan_due, "plan_due", TargetKind::plan},
    {Field::plan_state, "plan_state", TargetKind::plan},
    {Field::sharing, "sharing", TargetKind::item},
    {Field::override_reason, "override", TargetKind::item},
    {Field::happened_at, "happened_at", TargetKind::incident},
    {Field::found_at, "found_at", TargetKind::incident},
    {Field::found_by, "found_by", TargetKind::incident},
    {Field::what_happened, "what_happened", TargetKind::incident},
    {Field::category, "category", TargetKind::incident},
    {Field::incident_kind, "kind", TargetKind::incident},
    {Field::people_affected, "people_affected", TargetKind::incident},
    {Field::vulnerable_groups, "vulnerable_groups", TargetKind::incident},
    {Field::data_involved, "data_involved", TargetKind::incident},
    {Field::containment, "containment", TargetKind::incident},
    {Field::likelihood, "likelihood", TargetKind::incident},
    {Field::severity, "severity", TargetKind::incident},
    {Field::incident_state, "state", TargetKind::incident},
    {Field::ico_reference, "ico_reference", TargetKind::incident},
    {Field::lessons_learned, "lessons_learned", TargetKind::incident},
    {Field::linked_items, "items", TargetKind::incident},
    {Field::title, "title", TargetKind::document},
    {Field::document_kind, "document_kind", TargetKind::document},
    {Field::document_owner, "document_owner", TargetKind::document},
    {Field::review_by, "review_by", TargetKind::document},
    {Field::document_items, "document_items", TargetKind::document},
    {Field::pinned_version, "pinned_version", TargetKind::document},
    {Field::file_name, "file_name", TargetKind::document},
    {Field::file_size, "file_size", TargetKind::document},
    {Field::file_type, "file_type", TargetKind::document},
    {Field::version_note, "version_note", TargetKind::document},
    {Field::acknowledged, "acknowledged", TargetKind::document},
}};
constexpr std::array<std::pair<TargetKind, std::string_view>, 6> kKinds = {{
    {TargetKind::item, "item"},
    {TargetKind::assertion, "assertion"},
    {TargetKind::profile, "profile"},
    {TargetKind::plan, "plan"},
    {TargetKind::incident, "incident"},
    {TargetKind::document, "document"},
}};

}  // namespace

std::string_view to_string(TargetKind kind) {
  for (const auto& [k, name] : kKinds)
    if (k == kind) return name;
  return "unknown";
}

std::string_view to_string(Field field) {
  for (const auto& info : kFields)
    if (info.field == field) return info.name;
  return "unknown";
}

Result<TargetKind> parse_target_kind(std::string_view text) {
  for (const auto& [k, name] : kKinds)
    if (name == text) return k;
  return invalid_input("'" + std::string(text) +
                       "' is not a target kind; use item, assertion, profile, plan, incident or document");
}

Result<Field> parse_field(std::string_view text) {
  for (const auto& info : kFields)
    if (info.name == text) return info.field;
  return invalid_input("'" + std::string(text) + "' is not a field name");
}

bool field_belongs_to(Field field, TargetKind kind) {
  for (const auto& info : kFields)
    if (info.field == field) return info.kind == kind;
  return false;
}

bool wins_over(const Head& a, const Head& b) {
  if (a.hlc != b.hlc) return a.hlc > b.hlc;
  if (a.device != b.device) return a.device > b.device;
  return a.change_id > b.change_id;
}

namespace {

}  // namespace

bool same_value(const std::optional<FieldValue>& a, const std::optional<FieldValue>& b) {
  if (!a || !b) return !a && !b;
  return trimmed(a->text) == trimmed(b->text) && trimmed(a->location) == trimmed(b->location);
}

std::vector<HeldValue> distinct_values(const std::vector<Head>& heads) {
  std::vector<HeldValue> out;
  for (const Head& head : heads) {
    auto same = std::find_if(out.begin(), out.end(), [&](const HeldValue& held) { return same_value(held.value, head.value); });
    if (same == out.end()) out.push_back(HeldValue{head.value, {head}});
    else same->heads.push_back(head);
  }
  return out;
}

bool FieldState::in_conflict() const {
  return std::any_of(heads.begin(), heads.end(), [&](const Head& head) { return !same_value(head.value, heads.front().value); });
}

FieldState apply_change(FieldState state, const Change& change) {
  auto replaced = [&](const Head& head) {
    return head.change_id == change.id ||
           std::find(change.parents.begin(), change.parents.end(), head.change_id) != change.parents.end();
  };
  std::erase_if(state.heads, replaced);
  state.heads.push_back(Head{change.id, change.hlc, change.user, change.device, change.value});
  std::sort(state.heads.begin(), state.heads.end(), wins_over);
  return state;
}

Hlc HybridClock::tick(TimestampMs wall_now) {
  const Hlc wall = static_cast<Hlc>(wall_now < 0 ? 0 : wall_now) << 16;
  last_ = wall > last_ ? wall : last_ + 1;
  return last_;
}

namespace {

// The first control character in `text` other than tab and new line, with its position.
std::optional<std::size_t> first_control_character(std::string_view text) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7F) return i;
  }
  return std::nullopt;
}

Status refuse_control_character(std::string_view what, std::string_view text, std::size_t at) {
  char code[8];
  std::snprintf(code, sizeof code, "U+%04X", static_cast<unsigned char>(text[at]));
  return invalid_input("the " + std::string(what) + " holds a control character (" + code + ") after '" +
                       std::string(text.substr(at > 20 ? at - 20 : 0, std::min<std::size_t>(at, 20))) +
                       "'; text may hold tabs and new lines but no other control characters: remove it and try again");
}

}  // namespace

Status check_plain_text(const FieldKey& key, const FieldValue& value) {
  if (auto at = first_control_character(value.text)) return refuse_control_character(to_string(key.field), value.text, *at);
  if (auto at = first_control_character(value.location))
    return refuse_control_character("document location", value.location, *at);
  return {};
}

}  // namespace dsptsync
