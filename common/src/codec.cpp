// Record encodings (docs/encoding.md): a two-byte header of our own, then cereal's portable binary
// archive. Decoding goes through BoundedInputArchive only, then through the same checks as validate().
#include "dsptsync/codec.h"

#include "dsptsync/bounded_archive.h"
#include "dsptsync/limits.h"

#include <cereal/cereal.hpp>

#include <string>
#include <string_view>

namespace dsptsync {

// Every value from the first to the last is in use (change.h), so a range is the whole check.
bool enum_in_range(TargetKind kind) {
  const auto value = static_cast<unsigned>(kind);
  return value >= static_cast<unsigned>(TargetKind::item) && value <= static_cast<unsigned>(TargetKind::document);
}

bool enum_in_range(Field field) {
  const auto value = static_cast<unsigned>(field);
  return value >= static_cast<unsigned>(Field::answer) && value <= static_cast<unsigned>(Field::acknowledged);
}

// The field order below IS the format: changing it, or adding a field, needs a new kRecordFormatVersion.
// The names are not written; BoundedInputArchive uses them to say which field failed.

template <class Archive>
void serialize(Archive& archive, FieldValue& value) {
  archive(cereal::make_nvp("text", value.text), cereal::make_nvp("location", value.location));
}

template <class Archive>
void serialize(Archive& archive, FieldKey& key) {
  archive(cereal::make_nvp("scope", key.scope), cereal::make_nvp("year", key.year),
          cereal::make_nvp("kind", key.kind), cereal::make_nvp("target", key.target),
          cereal::make_nvp("field", key.field));
}

template <class Archive>
void serialize(Archive& archive, Change& change) {
  archive(cereal::make_nvp("id", change.id), cereal::make_nvp("key", change.key),
          cereal::make_nvp("value", change.value), cereal::make_nvp("parents", change.parents),
          cereal::make_nvp("hlc", change.hlc), cereal::make_nvp("user", change.user),
          cereal::make_nvp("device", change.device));
}

template <class Archive>
void serialize(Archive& archive, Head& head) {
  archive(cereal::make_nvp("change_id", head.change_id), cereal::make_nvp("hlc", head.hlc),
          cereal::make_nvp("user", head.user), cereal::make_nvp("device", head.device),
          cereal::make_nvp("value", head.value));
}

template <class Archive>
void serialize(Archive& archive, FieldState& state) {
  archive(cereal::make_nvp("heads", state.heads));
}

}  // namespace dsptsync

namespace dsptsync::codec {
namespace {

// The second header byte: which record follows, so bytes of one kind are never read as another.
enum class RecordKind : std::uint8_t { change = 1, field_state = 2, field_value = 3 };

std::string record_name(RecordKind kind) {
  switch (kind) {
    case RecordKind::change: return "change record";
    case RecordKind::field_state: return "field state record";
    case RecordKind::field_value: return "field value record";
  }
  return "record";
}

// What a user would call the text of a value of this field, for error messages.
std::string_view value_noun(Field field) {
  switch (field) {
    case Field::answer: return "answer";
    case Field::comment: return "comment";
    case Field::confirmed: return "confirmation";
    case Field::owner: return "owner";
    case Field::value: return "profile value";
    case Field::plan_action: return "improvement action";
    case Field::plan_owner: return "action owner";
    case Field::plan_due: return "due date";
    case Field::plan_state: return "action state";
    case Field::sharing: return "sharing";
    case Field::override_reason: return "override reason";
    default: return "incident detail";
  }
}

Status check_size(std::string_view field, std::string_view noun, std::size_t size, std::size_t most) {
  if (size <= most) return {};
  return invalid_input(std::string(field) + ": the " + std::string(noun) + " is " + std::to_string(size) +
                       " bytes; the most it may hold is " + std::to_string(most));
}

Status check_id(std::string_view field, std::string_view noun, const std::string& id) {
  if (id.empty()) return invalid_input(std::string(field) + ": the " + std::string(noun) + " is empty");
  return check_size(field, noun, id.size(), limits::kMaxIdBytes);
}

Status check_key_part(std::string_view field, std::string_view noun, const std::string& part) {
  if (part.empty()) return invalid_input(std::string(field) + ": the " + std::string(noun) + " is empty");
  return check_size(field, noun, part.size(), limits::kMaxKeyPartBytes);
}

Status check_value(std::string_view field, std::string_view noun, const std::optional<FieldValue>& value) {
  if (!value) return {};
  if (auto ok = check_size(std::string(field) + ".text", noun, value->text.size(), limits::kMaxValueBytes); !ok)
    return ok;
  return check_size(std::string(field) + ".location", "document location", value->location.size(),
                    limits::kMaxLocationBytes);
}

Status check_key(const FieldKey& key) {
  if (auto ok = check_key_part("key.scope", "scope (ODS code)", key.scope); !ok) return ok;
  if (auto ok = check_key_part("key.year", "assessment year", key.year); !ok) return ok;
  if (auto ok = check_key_part("key.target", "target", key.target); !ok) return ok;
  if (!enum_in_range(key.kind))
    return invalid_input("key.kind: " + std::to_string(static_cast<unsigned>(key.kind)) +
                         " is not a target kind");
  if (!enum_in_range(key.field))
    return invalid_input("key.field: " + std::to_string(static_cast<unsigned>(key.field)) + " is not a field");
  if (!field_belongs_to(key.field, key.kind))
    return invalid_input("key.field: the field " + std::string(to_string(key.field)) + " does not belong to a " +
                         std::string(to_string(key.kind)));
  return {};
}

Status check_head(const std::string& path, const Head& head) {
  if (auto ok = check_id(path + ".change_id", "change id", head.change_id); !ok) return ok;
  if (auto ok = check_size(path + ".user", "user name", head.user.size(), limits::kMaxUserBytes); !ok) return ok;
  if (auto ok = check_size(path + ".device", "device id", head.device.size(), limits::kMaxIdBytes); !ok)
    return ok;
  return check_value(path + ".value", "value", head.value);
}

template <class T>
Bytes encode_record(RecordKind kind, const T& value) {
  Bytes out{kRecordFormatVersion, static_cast<std::uint8_t>(kind)};
  append_portable(out, value);
  return out;
}

// Header checks, then the bounded archive, then `check` (validate() or an equivalent) as corruption.
template <class T, class Check>
Result<T> decode_record(ByteView bytes, RecordKind kind, Check check, const char* top_level_name = nullptr) {
  const std::string name = record_name(kind);
  if (bytes.empty()) return corrupt(name + " is empty: it has no format version");
  if (bytes[0] != kRecordFormatVersion)
    return corrupt(name + " has format version " + std::to_string(bytes[0]) + "; this build reads version " +
                   std::to_string(kRecordFormatVersion));
  if (bytes.size() < 2) return corrupt(name + " is truncated: it ends before its record kind");
  if (bytes[1] != static_cast<std::uint8_t>(kind))
    return corrupt(name + " is corrupt at record kind: found " + std::to_string(bytes[1]) + ", expected " +
                   std::to_string(static_cast<unsigned>(kind)));
  T value{};
  if (auto loaded = load_untrusted(bytes.subspan(2), value, name, top_level_name); !loaded) return loaded.error();
  if (auto valid = check(value); !valid) return corrupt(name + " is corrupt at " + valid.error().message);
  return value;
}

}  // namespace

Status validate(const Change& change) {
  if (auto ok = check_id("id", "change id", change.id); !ok) return ok;
  if (auto ok = check_key(change.key); !ok) return ok;
  if (auto ok = check_value("value", value_noun(change.key.field), change.value); !ok) return ok;
  if (change.parents.size() > limits::kMaxParents)
    return invalid_input("parents: the change names " + std::to_string(change.parents.size()) +
                         " parents; the most it may name is " + std::to_string(limits::kMaxParents));
  for (std::size_t i = 0; i < change.parents.size(); ++i)
    if (auto ok = check_id("parents[" + std::to_string(i) + "]", "parent change id", change.parents[i]); !ok)
      return ok;
  if (auto ok = check_size("user", "user name", change.user.size(), limits::kMaxUserBytes); !ok) return ok;
  return check_size("device", "device id", change.device.size(), limits::kMaxIdBytes);
}

Status validate(const FieldState& state) {
  if (state.heads.size() > limits::kMaxHeads)
    return invalid_input("heads: the field has " + std::to_string(state.heads.size()) +
                         " heads; the most it may have is " + std::to_string(limits::kMaxHeads));
  for (std::size_t i = 0; i < state.heads.size(); ++i) {
    const std::string path = "heads[" + std::to_string(i) + "]";
    if (auto ok = check_head(path, state.heads[i]); !ok) return ok;
    // winner() is heads.front(): a state out of order would name the wrong winner without a word.
    if (i > 0 && !wins_over(state.heads[i - 1], state.heads[i]))
      return invalid_input(path + ": the heads are not in winner-first order");
    for (std::size_t j = 0; j < i; ++j)
      if (state.heads[j].change_id == state.heads[i].change_id)
        return invalid_input(path + ": change " + state.heads[i].change_id + " is a head twice");
  }
  return {};
}

Bytes encode(const Change& change) { return encode_record(RecordKind::change, change); }

Result<Change> decode_change(ByteView bytes) {
  return decode_record<Change>(bytes, RecordKind::change, [](const Change& change) { return validate(change); });
}

Bytes encode(const FieldState& state) { return encode_record(RecordKind::field_state, state); }

Result<FieldState> decode_field_state(ByteView bytes) {
  return decode_record<FieldState>(bytes, RecordKind::field_state,
                                   [](const FieldState& state) { return validate(state); });
}

Bytes encode(const std::optional<FieldValue>& value) { return encode_record(RecordKind::field_value, value); }

Result<std::optional<FieldValue>> decode_field_value(ByteView bytes) {
  return decode_record<std::optional<FieldValue>>(
      bytes, RecordKind::field_value,
      [](const std::optional<FieldValue>& value) { return check_value("value", "value", value); }, "value");
}

}  // namespace dsptsync::codec
