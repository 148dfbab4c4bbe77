// Round trips, the exact byte layout, validate() and the limits. Hostile input: codec_hostile_test.cpp.
#include "dsptsync/codec.h"
#include "dsptsync/limits.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

namespace dsptsync::codec {
namespace {

Change realistic_change() {
  Change change;
  change.id = "3f9a1c07d2e64b5a9e0c11d4a7b2f6e8:1042";
  change.key = FieldKey{"V8X4R", "2021-22", TargetKind::item, "1.3.5", Field::answer};
  // Text as branch staff type it: accents, an apostrophe, a dash, a tick and a CJK note.
  change.value = FieldValue{"Reviewed by Siân O'Brien — data flows mapped ✓ (数据流)", "\\\\fileserver\\IG\\DSPT 2021"};
  for (int i = 0; i < 12; ++i) change.parents.push_back("device" + std::to_string(i) + ":" + std::to_string(900 + i));
  change.hlc = (std::uint64_t{1656580502000} << 16) | 7;
  change.user = "Zoë Müller";
  change.device = "3f9a1c07d2e64b5a9e0c11d4a7b2f6e8";
  return change;
}

Head head(std::string id, Hlc hlc, std::string device, std::optional<FieldValue> value) {
  return Head{std::move(id), hlc, "Practice Manager", std::move(device), std::move(value)};
}

TEST(CodecTest, RoundTripsRealisticChange) {
  const Change change = realistic_change();
  auto decoded = decode_change(encode(change));
  ASSERT_TRUE(decoded) << decoded.error().message;
  EXPECT_EQ(*decoded, change);
}

TEST(CodecTest, RoundTripsClearedValueAndNoParents) {
  Change change = realistic_change();
  change.value.reset();
  change.parents.clear();
  auto decoded = decode_change(encode(change));
  ASSERT_TRUE(decoded) << decoded.error().message;
  EXPECT_EQ(*decoded, change);
  EXPECT_FALSE(decoded->value.has_value());
}

TEST(CodecTest, KeepsAnEmptyValueDistinctFromAClearedOne) {
  Change change = realistic_change();
  change.value = FieldValue{"", ""};
  auto decoded = decode_change(encode(change));
  ASSERT_TRUE(decoded) << decoded.error().message;
  ASSERT_TRUE(decoded->value.has_value());
  EXPECT_EQ(*decoded->value, (FieldValue{"", ""}));
}

TEST(CodecTest, RoundTripsTheMostParentsAllowed) {
  Change change = realistic_change();
  change.parents.clear();
  for (std::size_t i = 0; i < limits::kMaxParents; ++i)
    change.parents.push_back("a1b2c3d4e5f60718293a4b5c6d7e8f90:" + std::to_string(i));
  auto decoded = decode_change(encode(change));
  ASSERT_TRUE(decoded) << decoded.error().message;
  EXPECT_EQ(decoded->parents, change.parents);
}

TEST(CodecTest, RoundTripsEveryTargetKindAndField) {
  const std::pair<TargetKind, Field> pairs[] = {
      {TargetKind::item, Field::answer},         {TargetKind::item, Field::comment},
      {TargetKind::assertion, Field::confirmed}, {TargetKind::assertion, Field::owner},
      {TargetKind::profile, Field::value},       {TargetKind::plan, Field::plan_action},
      {TargetKind::plan, Field::plan_owner},     {TargetKind::plan, Field::plan_due},
      {TargetKind::plan, Field::plan_state}};
  for (const auto& [kind, field] : pairs) {
    Change change = realistic_change();
    change.key.kind = kind;
    change.key.field = field;
    auto decoded = decode_change(encode(change));
    ASSERT_TRUE(decoded) << to_string(field) << ": " << decoded.error().message;
    EXPECT_EQ(decoded->key, change.key);
  }
}

TEST(CodecTest, RoundTripsAFieldStateInConflict) {
  FieldState state;
  Change first = realistic_change();
  first.parents.clear();
  state = apply_change(state, first);
  Change concurrent = first;
  concurrent.id = "77aa:3";
  concurrent.device = "77aa";
  concurrent.value = FieldValue{"No", ""};
  state = apply_change(state, concurrent);
  Change cleared = first;
  cleared.id = "0bb0:9";
  cleared.device = "0bb0";
  cleared.hlc = first.hlc + 1;
  cleared.value.reset();
  state = apply_change(state, cleared);
  ASSERT_EQ(state.heads.size(), 3u);

  auto decoded = decode_field_state(encode(state));
  ASSERT_TRUE(decoded) << decoded.error().message;
  EXPECT_EQ(decoded->heads, state.heads);
  EXPECT_EQ(decoded->winner()->change_id, "0bb0:9");
}

TEST(CodecTest, RoundTripsAnEmptyFieldState) {
  auto decoded = decode_field_state(encode(FieldState{}));
  ASSERT_TRUE(decoded) << decoded.error().message;
  EXPECT_TRUE(decoded->heads.empty());
}

TEST(CodecTest, RoundTripsFieldValues) {
  const std::optional<FieldValue> values[] = {std::nullopt, FieldValue{"", ""},
                                              FieldValue{"Information Governance Policy v4.docx",
                                                         "https://intranet.example.nhs.uk/ig/policy-v4"}};
  for (const auto& value : values) {
    auto decoded = decode_field_value(encode(value));
    ASSERT_TRUE(decoded) << decoded.error().message;
    EXPECT_EQ(*decoded, value);
  }
}

// The layout is the format other builds read: this pins it byte for byte (docs/encoding.md).
TEST(CodecTest, WritesTheDocumentedLayout) {
  Change change;
  change.id = "d:1";
  change.key = FieldKey{"V1", "2021-22", TargetKind::assertion, "1.1", Field::confirmed};
  change.value = FieldValue{"yes", ""};
  change.parents = {"d:0"};
  change.hlc = 0x0102030405060708;
  change.user = "Al";
  change.device = "d";

  const auto length = [](std::uint8_t n) { return Bytes{n, 0, 0, 0, 0, 0, 0, 0}; };
  Bytes expected = {kRecordFormatVersion, 1 /* change */, 1 /* little-endian */};
  const auto append = [&](const Bytes& bytes) { expected.insert(expected.end(), bytes.begin(), bytes.end()); };
  const auto append_text = [&](std::string_view text) {
    append(length(static_cast<std::uint8_t>(text.size())));
    append(Bytes(text.begin(), text.end()));
  };
  append_text("d:1");
  append_text("V1");
  append_text("2021-22");
  append({2});  // assertion
  append_text("1.1");
  append({3});  // confirmed
  append({0});  // "nullopt" flag: 0, a value follows
  append_text("yes");
  append_text("");
  append(length(1));  // one parent
  append_text("d:0");
  append({8, 7, 6, 5, 4, 3, 2, 1});  // hlc, little-endian
  append_text("Al");
  append_text("d");

  EXPECT_EQ(encode(change), expected);
}

TEST(CodecTest, StartsEveryRecordWithVersionAndKind) {
  const Bytes change = encode(realistic_change());
  const Bytes state = encode(FieldState{});
  const Bytes value = encode(std::optional<FieldValue>{});
  EXPECT_EQ((Bytes{change.begin(), change.begin() + 3}), (Bytes{kRecordFormatVersion, 1, 1}));
  EXPECT_EQ((Bytes{state.begin(), state.begin() + 3}), (Bytes{kRecordFormatVersion, 2, 1}));
  EXPECT_EQ((Bytes{value.begin(), value.begin() + 3}), (Bytes{kRecordFormatVersion, 3, 1}));
}

TEST(CodecTest, DoesNotReadOneKindOfRecordAsAnother) {
  auto as_state = decode_field_state(encode(realistic_change()));
  ASSERT_FALSE(as_state);
  EXPECT_EQ(as_state.error().kind, ErrorKind::corrupt);
  EXPECT_NE(as_state.error().message.find("record kind"), std::string::npos) << as_state.error().message;
  auto as_change = decode_change(encode(std::optional<FieldValue>{FieldValue{"yes", ""}}));
  ASSERT_FALSE(as_change);
  EXPECT_EQ(as_change.error().kind, ErrorKind::corrupt);
}

TEST(CodecTest, ValidateAcceptsARealisticChange) {
  auto valid = validate(realistic_change());
  EXPECT_TRUE(valid) << valid.error().message;
}

TEST(CodecTest, ValidateRefusesAnOversizedAnswerNamingTheField) {
  Change change = realistic_change();
  change.value->text.assign(70000, 'x');
  auto valid = validate(change);
  ASSERT_FALSE(valid);
  EXPECT_EQ(valid.error().kind, ErrorKind::invalid_input);
  EXPECT_EQ(valid.error().message, "value.text: the answer is 70000 bytes; the most it may hold is 65536");
}

TEST(CodecTest, ValidateAcceptsAnAnswerOfExactlyTheLimit) {
  Change change = realistic_change();
  change.value->text.assign(limits::kMaxValueBytes, 'x');
  EXPECT_TRUE(validate(change));
  change.value->text.push_back('x');
  EXPECT_FALSE(validate(change));
}

TEST(CodecTest, ValidateNamesEachFieldItRefuses) {
  struct Case {
    const char* expected_field;
    void (*spoil)(Change&);
  };
  const Case cases[] = {
      {"id:", [](Change& c) { c.id.clear(); }},
      {"id:", [](Change& c) { c.id.assign(limits::kMaxIdBytes + 1, 'a'); }},
      {"key.scope:", [](Change& c) { c.key.scope.clear(); }},
      {"key.year:", [](Change& c) { c.key.year.assign(limits::kMaxKeyPartBytes + 1, '2'); }},
      {"key.target:", [](Change& c) { c.key.target.clear(); }},
      {"key.kind:", [](Change& c) { c.key.kind = static_cast<TargetKind>(9); }},
      {"key.field:", [](Change& c) { c.key.field = static_cast<Field>(0); }},
      {"key.field:", [](Change& c) { c.key.field = Field::owner; }},  // an owner on an item
      {"value.location:", [](Change& c) { c.value->location.assign(limits::kMaxLocationBytes + 1, '/'); }},
      {"parents:", [](Change& c) { c.parents.assign(limits::kMaxParents + 1, "d:1"); }},
      {"parents[3]:", [](Change& c) { c.parents[3].clear(); }},
      {"user:", [](Change& c) { c.user.assign(limits::kMaxUserBytes + 1, 'u'); }},
      {"device:", [](Change& c) { c.device.assign(limits::kMaxIdBytes + 1, 'f'); }},
  };
  for (const auto& test_case : cases) {
    Change change = realistic_change();
    test_case.spoil(change);
    auto valid = validate(change);
    ASSERT_FALSE(valid) << test_case.expected_field;
    EXPECT_EQ(valid.error().kind, ErrorKind::invalid_input);
    EXPECT_EQ(valid.error().message.rfind(test_case.expected_field, 0), 0u) << valid.error().message;
  }
}

// encode() trusts its caller to have called validate(); decode must still refuse what validate refuses.
TEST(CodecTest, DecodeRefusesARecordBeyondTheLimitsAsCorrupt) {
  Change change = realistic_change();
  change.value->text.assign(70000, 'x');
  auto decoded = decode_change(encode(change));
  ASSERT_FALSE(decoded);
  EXPECT_EQ(decoded.error().kind, ErrorKind::corrupt);
  EXPECT_NE(decoded.error().message.find("value.text"), std::string::npos) << decoded.error().message;
  EXPECT_NE(decoded.error().message.find("70000"), std::string::npos) << decoded.error().message;
}

Change largest_change() {
  Change change = realistic_change();
  change.id.assign(limits::kMaxIdBytes, 'i');
  change.key.scope.assign(limits::kMaxKeyPartBytes, 's');
  change.key.year.assign(limits::kMaxKeyPartBytes, 'y');
  change.key.target.assign(limits::kMaxKeyPartBytes, 't');
  change.value = FieldValue{std::string(limits::kMaxValueBytes, 'v'), std::string(limits::kMaxLocationBytes, 'l')};
  change.parents.assign(limits::kMaxParents, std::string(limits::kMaxIdBytes, 'p'));
  change.user.assign(limits::kMaxUserBytes, 'u');
  change.device.assign(limits::kMaxIdBytes, 'd');
  return change;
}

// The frame-size constants in codec.h must be the real largest encodings, or a transport using them
// would refuse valid records (too small) or accept more than it should (too large).
TEST(CodecTest, TheLargestChangeEncodesToExactlyTheAdvertisedMaximum) {
  const Change change = largest_change();
  ASSERT_TRUE(validate(change));
  const Bytes encoded = encode(change);
  EXPECT_EQ(encoded.size(), kMaxEncodedChangeBytes);
  auto decoded = decode_change(encoded);
  ASSERT_TRUE(decoded) << decoded.error().message;
  EXPECT_EQ(*decoded, change);
}

TEST(CodecTest, TheLargestFieldStateAndValueEncodeToExactlyTheAdvertisedMaximum) {
  const Change change = largest_change();
  FieldState state;
  for (std::size_t i = 0; i < limits::kMaxHeads; ++i) {
    std::string id = std::to_string(1000 + i);
    id.resize(limits::kMaxIdBytes, 'h');
    state.heads.push_back(Head{id, change.hlc + i, change.user, change.device, change.value});
  }
  std::sort(state.heads.begin(), state.heads.end(), wins_over);
  ASSERT_TRUE(validate(state));
  const Bytes encoded_state = encode(state);
  EXPECT_EQ(encoded_state.size(), kMaxEncodedFieldStateBytes);
  auto decoded_state = decode_field_state(encoded_state);
  ASSERT_TRUE(decoded_state) << decoded_state.error().message;
  EXPECT_EQ(decoded_state->heads, state.heads);

  EXPECT_EQ(encode(change.value).size(), kMaxEncodedFieldValueBytes);
}

TEST(CodecTest, ValidateRefusesFieldStatesThatBreakTheirInvariants) {
  const FieldValue yes{"yes", ""};
  FieldState out_of_order;
  out_of_order.heads = {head("a:1", 5, "a", yes), head("b:1", 9, "b", yes)};  // the later edit must be first
  auto valid = validate(out_of_order);
  ASSERT_FALSE(valid);
  EXPECT_EQ(valid.error().message, "heads[1]: the heads are not in winner-first order");

  FieldState twice;
  twice.heads = {head("a:1", 9, "a", yes), head("a:1", 5, "b", yes)};
  valid = validate(twice);
  ASSERT_FALSE(valid);
  EXPECT_EQ(valid.error().message, "heads[1]: change a:1 is a head twice");

  FieldState too_many;
  for (std::size_t i = 0; i <= limits::kMaxHeads; ++i)
    too_many.heads.push_back(head("d:" + std::to_string(i), 1000 - i, "d", yes));
  valid = validate(too_many);
  ASSERT_FALSE(valid);
  EXPECT_EQ(valid.error().message.rfind("heads:", 0), 0u) << valid.error().message;

  auto decoded = decode_field_state(encode(out_of_order));
  ASSERT_FALSE(decoded);
  EXPECT_EQ(decoded.error().kind, ErrorKind::corrupt);
}

TEST(CodecTest, EnumRangeChecksMatchTheDeclaredValues) {
  int kinds = 0;
  int fields = 0;
  for (int raw = 0; raw < 256; ++raw) {
    kinds += enum_in_range(static_cast<TargetKind>(raw));
    fields += enum_in_range(static_cast<Field>(raw));
  }
  EXPECT_EQ(kinds, 6);
  EXPECT_EQ(fields, 38);
  EXPECT_FALSE(enum_in_range(static_cast<TargetKind>(0)));
  EXPECT_TRUE(enum_in_range(TargetKind::document));
  EXPECT_FALSE(enum_in_range(static_cast<TargetKind>(7)));
  EXPECT_FALSE(enum_in_range(static_cast<Field>(0)));
  EXPECT_TRUE(enum_in_range(Field::acknowledged));
  EXPECT_FALSE(enum_in_range(static_cast<Field>(39)));
}

}  // namespace
}  // namespace dsptsync::codec
