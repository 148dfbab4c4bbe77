// Binary encodings of dsptsync's records, for the wire and for sealed values at rest.
//
// Encoding uses cereal's portable binary archive. Decoding NEVER uses a stock cereal input
// archive: untrusted bytes go through BoundedInputArchive (bounded_archive.h), which checks every
// length against the bytes left, every bool and enum against its range, and treats leftover bytes
// as corruption. Each decode names the field that failed.
#pragma once

#include "dsptsync/bytes.h"
#include "dsptsync/change.h"
#include "dsptsync/error.h"
#include "dsptsync/limits.h"

#include <cstddef>
#include <optional>

namespace dsptsync {

// True for the values the enum declares. BoundedInputArchive refuses any other value it decodes
// (found by argument-dependent lookup, so they live beside the enums' namespace).
bool enum_in_range(TargetKind kind);
bool enum_in_range(Field field);

}  // namespace dsptsync

namespace dsptsync::codec {

// The version of these encodings; written first in every encoded record.
inline constexpr std::uint8_t kRecordFormatVersion = 1;

// Every record starts with: format version, record kind (change, field state, field value), and the
// endianness flag cereal's portable archive writes (docs/encoding.md).
inline constexpr std::size_t kRecordHeaderBytes = 3;

// The largest encodings the limits (limits.h) allow: what a transport frame must be able to carry.
namespace detail {
inline constexpr std::size_t encoded_string(std::size_t max_bytes) { return 8 + max_bytes; }
inline constexpr std::size_t kMaxOptionalValue =
    1 + encoded_string(limits::kMaxValueBytes) + encoded_string(limits::kMaxLocationBytes);
inline constexpr std::size_t kMaxHead = encoded_string(limits::kMaxIdBytes) + 8 +
                                        encoded_string(limits::kMaxUserBytes) +
                                        encoded_string(limits::kMaxIdBytes) + kMaxOptionalValue;
}  // namespace detail
inline constexpr std::size_t kMaxEncodedFieldValueBytes = kRecordHeaderBytes + detail::kMaxOptionalValue;
inline constexpr std::size_t kMaxEncodedChangeBytes =
    kRecordHeaderBytes + detail::encoded_string(limits::kMaxIdBytes)            // id
    + 3 * detail::encoded_string(limits::kMaxKeyPartBytes) + 2                   // key
    + detail::kMaxOptionalValue                                                  // value
    + 8 + limits::kMaxParents * detail::encoded_string(limits::kMaxIdBytes)      // parents
    + 8                                                                          // hlc
    + detail::encoded_string(limits::kMaxUserBytes)                              // user
    + detail::encoded_string(limits::kMaxIdBytes);                               // device
inline constexpr std::size_t kMaxEncodedFieldStateBytes =
    kRecordHeaderBytes + 8 + limits::kMaxHeads * detail::kMaxHead;

// Checks a change against the limits and the rules of a FieldKey before it is recorded or encoded:
// non-empty id, scope, year and target; declared enum values; a field that belongs to the target kind;
// every size within limits.h. invalid_input names the field, e.g. "value.text: the answer is 70000
// bytes; the most it may hold is 65536". decode_change applies the same checks (as corrupt).
Status validate(const Change& change);
// The same for a field state: each head as above, at most limits::kMaxHeads heads, in the winner-first
// order wins_over() defines, no change id twice.
Status validate(const FieldState& state);

Bytes encode(const Change& change);
Result<Change> decode_change(ByteView bytes);

Bytes encode(const FieldState& state);
Result<FieldState> decode_field_state(ByteView bytes);

Bytes encode(const std::optional<FieldValue>& value);
Result<std::optional<FieldValue>> decode_field_value(ByteView bytes);

}  // namespace dsptsync::codec
