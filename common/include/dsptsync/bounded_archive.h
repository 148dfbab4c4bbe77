// A cereal input archive for untrusted bytes, and the matching encoder.
//
// Why not cereal::PortableBinaryInputArchive: it trusts its input. A 17-byte message whose length
// prefix claims gigabytes makes it allocate gigabytes before it finds the bytes missing, a hostile
// bool byte (2) is undefined behaviour, and enums are cast without a range check
// (docs/encoding.md). BoundedInputArchive reads the same format (cereal::PortableBinaryOutputArchive,
// little-endian) and:
//   - reads from a byte span and checks the bytes left before every read;
//   - checks every length prefix against the bytes left BEFORE anything is allocated, so memory use
//     stays within a small multiple of the input size (vectors of structs also grow element by
//     element, never by the count a prefix claims);
//   - accepts only 0 and 1 for a bool, and only the declared values of an enum: each enum type E
//     it decodes needs a `bool enum_in_range(E)` found by argument-dependent lookup (the codec
//     supplies them), or it does not compile;
//   - records the path of cereal::make_nvp names it is inside ("key.target", "parents[3]") so a
//     failure names the field.
// Failures are thrown inside the archive (cereal's archives have no other way out) and turned into
// an Error by load_untrusted(), which is the only way callers should use the archive: nothing
// escapes it but a Result.
//
// Supported: arithmetic types, bool, enums with enum_in_range, std::string, std::vector,
// std::optional, std::array and structs with a serialize() (member or free). Not supported on
// purpose: smart pointers and polymorphic types (cereal's pointer tracking is its own attack
// surface) and types that encode to zero bytes inside a vector (the count check assumes every
// element takes at least one byte).
#pragma once

#include "dsptsync/bytes.h"
#include "dsptsync/error.h"

#include <cereal/archives/portable_binary.hpp>
#include <cereal/cereal.hpp>
#include <cereal/types/array.hpp>
#include <cereal/types/optional.hpp>
#include <cereal/types/string.hpp>
#include <cereal/types/vector.hpp>

#include <algorithm>
#include <bit>
#include <concepts>
#include <cstdint>
#include <cstring>
#include <exception>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace dsptsync {

// Thrown only inside BoundedInputArchive; load_untrusted() turns it into corrupt(...).
class DecodeFailure : public std::runtime_error {
 public:
  DecodeFailure(std::string field, std::string reason)
      : std::runtime_error(field + ": " + reason), field_(std::move(field)), reason_(std::move(reason)) {}
  const std::string& field() const { return field_; }
  const std::string& reason() const { return reason_; }

 private:
  std::string field_;
  std::string reason_;
};

// An enum the bounded archive may decode: the codec says which raw values are declared.
template <class E>
concept RangeCheckedEnum = std::is_enum_v<E> && requires(E value) {
  { enum_in_range(value) } -> std::same_as<bool>;
};

class BoundedInputArchive
    : public cereal::InputArchive<BoundedInputArchive, cereal::AllowEmptyClassElision> {
 public:
  // The flag cereal::PortableBinaryOutputArchive writes first: 1 when the data is little-endian.
  static constexpr std::uint8_t kLittleEndianFlag = 1;

  // Reads and checks the endianness flag: our encoder always writes little-endian, so anything
  // else is not ours.
  explicit BoundedInputArchive(ByteView bytes)
      : cereal::InputArchive<BoundedInputArchive, cereal::AllowEmptyClassElision>(this), bytes_(bytes) {
    const FieldName name(*this, "endianness flag");
    std::uint8_t flag = 0;
    read_bytes(&flag, 1, 1);
    if (flag != kLittleEndianFlag)
      fail("found " + std::to_string(flag) + "; only 1 (little-endian) is ever written");
  }

  std::size_t bytes_left() const { return bytes_.size() - position_; }

  // Copies `count` bytes out of the input, converting each `element_size` group from little-endian.
  void read_bytes(void* out, std::uint64_t count, std::size_t element_size) {
    if (count > bytes_left())
      fail("needs " + std::to_string(count) + " bytes but only " + std::to_string(bytes_left()) + " remain");
    if (count == 0) return;
    std::memcpy(out, bytes_.data() + position_, static_cast<std::size_t>(count));
    position_ += static_cast<std::size_t>(count);
    if constexpr (std::endian::native == std::endian::big) {
      auto* data = static_cast<std::uint8_t*>(out);
      for (std::size_t i = 0; i + element_size <= count; i += element_size)
        std::reverse(data + i, data + i + element_size);
    }
  }

  // Checks a length prefix before anything is allocated for it: `count` elements that each take at
  // least `min_bytes_each` bytes must fit in what is left.
  void check_count(std::uint64_t count, std::size_t min_bytes_each) {
    if (count <= bytes_left() / min_bytes_each) return;
    if (min_bytes_each == 1)
      fail("a length of " + std::to_string(count) + " is more than the " + std::to_string(bytes_left()) +
           " bytes left");
    fail(std::to_string(count) + " elements of " + std::to_string(min_bytes_each) + " bytes are more than the " +
         std::to_string(bytes_left()) + " bytes left");
  }

  // Leftover bytes mean the record is not what the decoder thinks it is.
  void expect_end() {
    if (bytes_left() != 0)
      throw DecodeFailure("the end", std::to_string(bytes_left()) + (bytes_left() == 1 ? " byte is" : " bytes are") +
                                         " left over after the last field");
  }

  [[noreturn]] void fail(const std::string& reason) const { throw DecodeFailure(path(), reason); }

  // While alive, failures name this field (nested inside the fields already entered).
  class FieldName {
   public:
    FieldName(BoundedInputArchive& archive, const char* name) : archive_(archive) {
      archive_.path_.push_back({name, 0});
    }
    FieldName(BoundedInputArchive& archive, std::size_t index) : archive_(archive) {
      archive_.path_.push_back({nullptr, index});
    }
    ~FieldName() { archive_.path_.pop_back(); }
    FieldName(const FieldName&) = delete;
    FieldName& operator=(const FieldName&) = delete;

   private:
    BoundedInputArchive& archive_;
  };

  // "key.target", "parents[3]"; "the top level" outside any named field.
  std::string path() const {
    std::string text;
    for (const auto& step : path_) {
      if (step.name == nullptr) {
        text += "[" + std::to_string(step.index) + "]";
      } else {
        if (!text.empty()) text += ".";
        text += step.name;
      }
    }
    return text.empty() ? std::string("the top level") : text;
  }

 private:
  struct PathStep {
    const char* name;   // null for a vector index
    std::size_t index;
  };

  ByteView bytes_;
  std::size_t position_ = 0;
  std::vector<PathStep> path_;
};

// ---- How the archive reads each type. Found by argument-dependent lookup on the archive type; each is
// more specialised than cereal's generic overload for the same type, so it wins overload resolution.

template <class T>
  requires std::is_arithmetic_v<T>
void CEREAL_LOAD_FUNCTION_NAME(BoundedInputArchive& archive, T& value) {
  if constexpr (std::is_same_v<T, bool>) {
    // Copying any byte other than 0 or 1 into a bool is undefined behaviour: check the byte first.
    std::uint8_t raw = 0;
    archive.read_bytes(&raw, 1, 1);
    if (raw > 1) archive.fail("a bool must be 0 or 1; found " + std::to_string(raw));
    value = raw == 1;
  } else {
    archive.read_bytes(&value, sizeof(T), sizeof(T));
  }
}

template <class T>
void CEREAL_LOAD_FUNCTION_NAME(BoundedInputArchive& archive, cereal::BinaryData<T>& data) {
  using Element = std::remove_cv_t<std::remove_pointer_t<std::remove_reference_t<T>>>;
  if constexpr (std::is_same_v<Element, bool>) {
    // std::array<bool, N> is read as raw bytes by cereal: check each one.
    auto* out = static_cast<bool*>(data.data);
    for (std::uint64_t i = 0; i < data.size; ++i) CEREAL_LOAD_FUNCTION_NAME(archive, out[i]);
  } else {
    archive.read_bytes(data.data, data.size, sizeof(Element));
  }
}

// Every length prefix cereal reads (strings, vectors) comes through here. Each element takes at least
// one byte, so a count larger than the bytes left is a lie; std::string then allocates at most the
// bytes left.
template <class T>
void CEREAL_LOAD_FUNCTION_NAME(BoundedInputArchive& archive, cereal::SizeTag<T>& tag) {
  archive(tag.size);
  archive.check_count(tag.size, 1);
}

template <class T>
void CEREAL_LOAD_FUNCTION_NAME(BoundedInputArchive& archive, cereal::NameValuePair<T>& named) {
  const BoundedInputArchive::FieldName name(archive, named.name);
  archive(named.value);
}

// Vectors: cereal's own load resizes to the claimed count first, which for a vector of structs is
// count * sizeof(struct) bytes before one element is read. Here arithmetic elements are checked at
// their full size before the resize, and other elements are appended one at a time as they decode, so
// memory grows only with bytes actually consumed.
template <class T, class A>
void CEREAL_LOAD_FUNCTION_NAME(BoundedInputArchive& archive, std::vector<T, A>& vector) {
  cereal::size_type count = 0;
  archive(cereal::make_size_tag(count));
  vector.clear();
  if constexpr (std::is_arithmetic_v<T> && !std::is_same_v<T, bool>) {
    archive.check_count(count, sizeof(T));
    vector.resize(static_cast<std::size_t>(count));
    archive.read_bytes(vector.data(), count * sizeof(T), sizeof(T));
  } else {
    static_assert(!std::is_empty_v<T>, "elements that encode to no bytes defeat the length check");
    for (std::uint64_t i = 0; i < count; ++i) {
      const BoundedInputArchive::FieldName name(archive, static_cast<std::size_t>(i));
      T element{};
      archive(element);
      vector.push_back(std::move(element));
    }
  }
}

template <class A>
void CEREAL_LOAD_FUNCTION_NAME(BoundedInputArchive& archive, std::vector<bool, A>& vector) {
  cereal::size_type count = 0;
  archive(cereal::make_size_tag(count));
  vector.clear();
  for (std::uint64_t i = 0; i < count; ++i) {
    const BoundedInputArchive::FieldName name(archive, static_cast<std::size_t>(i));
    bool element = false;
    archive(element);
    vector.push_back(element);
  }
}

// The same layout as cereal's std::optional (a "nullopt" bool, then the value when present), without
// cereal's inner "data" name, so failures read "value.text" rather than "value.data.text".
template <class T>
void CEREAL_LOAD_FUNCTION_NAME(BoundedInputArchive& archive, std::optional<T>& optional) {
  bool empty = true;
  archive(empty);
  if (empty) {
    optional.reset();
  } else {
    optional.emplace();
    archive(*optional);
  }
}

// Enums are written by cereal as their underlying integer (save_minimal in cereal/types/common.hpp).
// This load_minimal is chosen over cereal's for every enum, and refuses values the enum does not
// declare; an enum without enum_in_range() stops the build here instead of decoding unchecked.
template <class E>
  requires std::is_enum_v<E>
void CEREAL_LOAD_MINIMAL_FUNCTION_NAME(const BoundedInputArchive& archive, E& value,
                                        const std::underlying_type_t<E>& raw) {
  static_assert(RangeCheckedEnum<E>, "BoundedInputArchive decodes an enum only if `bool enum_in_range(E)` is "
                                     "declared beside it (argument-dependent lookup)");
  const E candidate = static_cast<E>(raw);
  if (!enum_in_range(candidate))
    archive.fail(std::to_string(+raw) + " is not one of the declared values of this enum");
  value = candidate;
}

// Decodes untrusted bytes (starting with cereal's endianness flag) into `out`. Never throws: any failure,
// including leftover bytes, is corrupt("<record> is corrupt at <field>: <reason>"). `top_level_name`
// names `out` itself in those messages, for records that are not a struct of named fields.
template <class T>
Status load_untrusted(ByteView bytes, T& out, std::string_view record_name, const char* top_level_name = nullptr) {
  try {
    BoundedInputArchive archive(bytes);
    if (top_level_name != nullptr)
      archive(cereal::make_nvp(top_level_name, out));
    else
      archive(out);
    archive.expect_end();
    return {};
  } catch (const DecodeFailure& failure) {
    return corrupt(std::string(record_name) + " is corrupt at " + failure.field() + ": " + failure.reason());
  } catch (const std::exception& other) {
    // Not expected (the archive's own checks come first), but no exception may reach the caller.
    return corrupt(std::string(record_name) + " could not be decoded: " + other.what());
  } catch (...) {
    return corrupt(std::string(record_name) + " could not be decoded");
  }
}

// Appends `value` as cereal's portable binary archive writes it, little-endian whatever the host, so
// BoundedInputArchive can read it back. Output is from trusted values and cannot fail short of memory.
template <class T>
void append_portable(Bytes& out, const T& value) {
  std::ostringstream stream(std::ios::binary);
  {
    cereal::PortableBinaryOutputArchive archive(stream,
                                                cereal::PortableBinaryOutputArchive::Options::LittleEndian());
    archive(value);
  }
  const std::string encoded = std::move(stream).str();
  // As bytes, not chars: inserting a char range into a byte vector converts one element at a time,
  // which cost 6% of the server's CPU serving file chunks; a byte range is one memmove.
  const auto* first = reinterpret_cast<const std::uint8_t*>(encoded.data());
  out.insert(out.end(), first, first + encoded.size());
}

template <class T>
Bytes encode_portable(const T& value) {
  Bytes out;
  append_portable(out, value);
  return out;
}

}  // namespace dsptsync

// load_minimal (enums) needs to know which output archive wrote the value, to know its type.
// CEREAL_SETUP_ARCHIVE_TRAITS would also redefine the output archive's binding to cereal's own input
// archive, so only this direction is declared.
namespace cereal::traits::detail {
template <>
struct get_output_from_input<dsptsync::BoundedInputArchive> {
  using type = cereal::PortableBinaryOutputArchive;
};
}  // namespace cereal::traits::detail
