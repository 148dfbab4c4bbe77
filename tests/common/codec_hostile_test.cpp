// Hostile input: truncations, lying length prefixes, bad bools and enums, leftover bytes, other
// versions, and a deterministic mutation fuzz loop. Every decode must return corrupt or a record that
// re-encodes to the very bytes it came from, without throwing, crashing or allocating much more than
// the input.
#include "dsptsync/bounded_archive.h"
#include "dsptsync/codec.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <iterator>
#include <new>
#include <random>
#include <string>
#include <vector>

// ---- Allocation accounting. Replacing the global operator new is allowed once per program: this is the
// only test file that does, and it only counts while a test asks it to (on the asking thread).
namespace {
thread_local bool g_counting_allocations = false;
thread_local std::size_t g_bytes_requested = 0;
}  // namespace

// GCC cannot see that this operator new and the operator delete below pair malloc with free.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

void* operator new(std::size_t size) {
  if (g_counting_allocations) g_bytes_requested += size;
  if (void* memory = std::malloc(size == 0 ? 1 : size)) return memory;
  throw std::bad_alloc();
}
void operator delete(void* memory) noexcept { std::free(memory); }
void operator delete(void* memory, std::size_t) noexcept { std::free(memory); }

namespace dsptsync::codec {
namespace {

// Every byte requested from operator new while `work` runs (a bound on the peak, too).
std::size_t bytes_allocated_by(const std::function<void()>& work) {
  g_bytes_requested = 0;
  g_counting_allocations = true;
  work();
  g_counting_allocations = false;
  return g_bytes_requested;
}

Change sample_change() {
  Change change;
  change.id = "3f9a1c07d2e64b5a9e0c11d4a7b2f6e8:1042";
  change.key = FieldKey{"V8X4R", "2021-22", TargetKind::item, "1.3.5", Field::comment};
  change.value = FieldValue{"Staff trained — 94% (Siân)", "https://intranet.example.nhs.uk/ig"};
  change.parents = {"aa:1", "bb:2", "cc:3"};
  change.hlc = (std::uint64_t{1656580502000} << 16) | 3;
  change.user = "Zoë Müller";
  change.device = "3f9a1c07d2e64b5a9e0c11d4a7b2f6e8";
  return change;
}

FieldState sample_state() {
  FieldState state;
  const std::optional<FieldValue> values[] = {FieldValue{"yes", ""}, std::nullopt, FieldValue{"no", "cupboard"}};
  for (int i = 0; i < 3; ++i)
    state.heads.push_back(Head{"dev" + std::to_string(i) + ":" + std::to_string(i + 1), Hlc(900 - i), "Ops Lead",
                               "dev" + std::to_string(i), values[i]});
  return state;
}

// Where fields of sample_change() sit in its encoding (codec_test.cpp pins the layout itself).
std::size_t kind_offset(const Change& c) {
  return kRecordHeaderBytes + (8 + c.id.size()) + (8 + c.key.scope.size()) + (8 + c.key.year.size());
}
std::size_t field_offset(const Change& c) { return kind_offset(c) + 1 + 8 + c.key.target.size(); }
std::size_t value_flag_offset(const Change& c) { return field_offset(c) + 1; }

void expect_corrupt(const Status& status, std::string_view mentioning) {
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().kind, ErrorKind::corrupt) << status.error().message;
  EXPECT_NE(status.error().message.find(mentioning), std::string::npos)
      << "expected '" << mentioning << "' in: " << status.error().message;
}

template <class T>
Status status_of(const Result<T>& result) {
  if (!result) return result.error();
  return {};
}

TEST(CodecHostileTest, RefusesEveryTruncationOfEveryRecord) {
  const Bytes encodings[] = {encode(sample_change()), encode(sample_state()),
                             encode(std::optional<FieldValue>{FieldValue{"yes", "shelf 2"}})};
  for (std::size_t which = 0; which < 3; ++which) {
    const Bytes& whole = encodings[which];
    for (std::size_t length = 0; length < whole.size(); ++length) {
      const ByteView prefix(whole.data(), length);
      Status status = which == 0   ? status_of(decode_change(prefix))
                      : which == 1 ? status_of(decode_field_state(prefix))
                                   : status_of(decode_field_value(prefix));
      ASSERT_FALSE(status) << "record " << which << " cut to " << length << " of " << whole.size() << " bytes";
      EXPECT_EQ(status.error().kind, ErrorKind::corrupt) << status.error().message;
    }
  }
}

// The trap in docs/engineering.md: 17 bytes whose id length claims 4 GiB. A stock cereal archive
// allocates the gigabytes before it notices the bytes are missing.
TEST(CodecHostileTest, RefusesALengthPrefixClaimingGigabytesWithoutAllocatingIt) {
  const Bytes hostile = {kRecordFormatVersion, 1, 1, 0, 0, 0, 0, 1, 0, 0, 0, 'a', 'b', 'c', 'd', 'e', 'f'};
  ASSERT_EQ(hostile.size(), 17u);
  Result<Change> decoded = corrupt("not run");
  const auto started = std::chrono::steady_clock::now();
  const std::size_t allocated = bytes_allocated_by([&] { decoded = decode_change(hostile); });
  const auto elapsed = std::chrono::steady_clock::now() - started;

  expect_corrupt(status_of(decoded), "id");
  EXPECT_NE(decoded.error().message.find("4294967296"), std::string::npos) << decoded.error().message;
  EXPECT_LT(allocated, 4096u) << "bytes allocated decoding 17 bytes";
  EXPECT_LT(elapsed, std::chrono::milliseconds(500));
}

TEST(CodecHostileTest, RefusesACountClaimingMoreParentsOrHeadsThanBytesLeft) {
  // Parents: cut a valid change just after its parents count and claim 2^40 parents.
  const Change change = sample_change();
  Bytes bytes = encode(change);
  const std::size_t parents_at = value_flag_offset(change) + 1 + (8 + change.value->text.size()) +
                                 (8 + change.value->location.size());
  ASSERT_EQ(bytes[parents_at], change.parents.size());
  bytes[parents_at + 5] = 1;  // 2^40 + 3 parents
  Result<Change> decoded = corrupt("not run");
  std::size_t allocated = bytes_allocated_by([&] { decoded = decode_change(bytes); });
  expect_corrupt(status_of(decoded), "parents");
  EXPECT_LT(allocated, 4 * bytes.size() + 4096);

  // Heads: an empty state whose count says 2^56.
  Bytes state = encode(FieldState{});
  ASSERT_EQ(state.size(), kRecordHeaderBytes + 8);
  state.back() = 1;
  Result<FieldState> decoded_state = corrupt("not run");
  allocated = bytes_allocated_by([&] { decoded_state = decode_field_state(state); });
  expect_corrupt(status_of(decoded_state), "heads");
  EXPECT_LT(allocated, 4096u);
}

TEST(CodecHostileTest, RefusesABoolByteOtherThanZeroOrOne) {
  const Change change = sample_change();
  for (std::uint8_t hostile : {2, 3, 0x80, 0xff}) {
    Bytes bytes = encode(change);
    ASSERT_EQ(bytes[value_flag_offset(change)], 0);  // 0: a value follows
    bytes[value_flag_offset(change)] = hostile;
    auto decoded = decode_change(bytes);
    expect_corrupt(status_of(decoded), "value");
    EXPECT_NE(decoded.error().message.find("bool"), std::string::npos) << decoded.error().message;
  }
  Bytes value = encode(std::optional<FieldValue>{});
  ASSERT_EQ(value.back(), 1);  // 1: empty
  value.back() = 2;
  expect_corrupt(status_of(decode_field_value(value)), "bool");
}

TEST(CodecHostileTest, RefusesEnumValuesTheEnumDoesNotDeclare) {
  const Change change = sample_change();
  for (std::uint8_t hostile : {0, 7, 0xff}) {
    Bytes bytes = encode(change);
    ASSERT_EQ(bytes[kind_offset(change)], static_cast<std::uint8_t>(TargetKind::item));
    bytes[kind_offset(change)] = hostile;
    expect_corrupt(status_of(decode_change(bytes)), "key.kind");
  }
  for (std::uint8_t hostile : {0, 39, 0xff}) {
    Bytes bytes = encode(change);
    ASSERT_EQ(bytes[field_offset(change)], static_cast<std::uint8_t>(Field::comment));
    bytes[field_offset(change)] = hostile;
    expect_corrupt(status_of(decode_change(bytes)), "key.field");
  }
}

TEST(CodecHostileTest, RefusesAFieldThatDoesNotBelongToItsTargetKind) {
  const Change change = sample_change();
  Bytes bytes = encode(change);
  bytes[kind_offset(change)] = static_cast<std::uint8_t>(TargetKind::assertion);  // a comment on an assertion
  expect_corrupt(status_of(decode_change(bytes)), "key.field");
}

TEST(CodecHostileTest, RefusesTrailingBytes) {
  Bytes change = encode(sample_change());
  change.push_back(0);
  expect_corrupt(status_of(decode_change(change)), "left over");
  Bytes state = encode(sample_state());
  state.push_back(0);
  expect_corrupt(status_of(decode_field_state(state)), "left over");
  Bytes value = encode(std::optional<FieldValue>{FieldValue{"yes", ""}});
  value.push_back(0);
  expect_corrupt(status_of(decode_field_value(value)), "left over");
}

TEST(CodecHostileTest, RefusesOtherFormatVersionsNamingBoth) {
  for (std::uint8_t version : {0, 2, 0xff}) {
    Bytes bytes = encode(sample_change());
    bytes[0] = version;
    auto decoded = decode_change(bytes);
    expect_corrupt(status_of(decoded), "format version " + std::to_string(version));
    EXPECT_NE(decoded.error().message.find("reads version 1"), std::string::npos) << decoded.error().message;
  }
}

TEST(CodecHostileTest, RefusesABigEndianFlagOrAWrongRecordKind) {
  Bytes bytes = encode(sample_change());
  bytes[2] = 0;  // cereal's flag for big-endian data: our encoder never writes it
  expect_corrupt(status_of(decode_change(bytes)), "endianness");
  bytes = encode(sample_change());
  bytes[1] = 9;
  expect_corrupt(status_of(decode_change(bytes)), "record kind");
  expect_corrupt(status_of(decode_change(Bytes{})), "empty");
}

// ---- The archive on its own, with types the codec does not use.

enum class Colour : std::uint16_t { red = 1, green = 2 };
bool enum_in_range(Colour colour) { return colour == Colour::red || colour == Colour::green; }

struct Sample {
  std::vector<std::uint32_t> numbers;
  std::array<bool, 2> flags{};
  Colour colour = Colour::red;
  template <class Archive>
  void serialize(Archive& archive) {
    archive(cereal::make_nvp("numbers", numbers), cereal::make_nvp("flags", flags),
            cereal::make_nvp("colour", colour));
  }
  friend bool operator==(const Sample&, const Sample&) = default;
};

TEST(CodecHostileTest, ArchiveRoundTripsOtherTypesItSupports) {
  Sample sample{{1, 70000, 0xffffffff}, {true, false}, Colour::green};
  const Bytes bytes = encode_portable(sample);
  Sample decoded;
  auto loaded = load_untrusted(bytes, decoded, "sample");
  ASSERT_TRUE(loaded) << loaded.error().message;
  EXPECT_EQ(decoded, sample);
}

TEST(CodecHostileTest, ArchiveChecksArithmeticVectorsAtTheirFullSize) {
  Bytes bytes = encode_portable(Sample{{1, 2}, {false, false}, Colour::red});
  bytes[1] = 4;  // 4 numbers claimed (16 bytes); only 8 bytes of numbers + 4 more follow
  Sample decoded;
  auto loaded = load_untrusted(bytes, decoded, "sample");
  expect_corrupt(loaded, "numbers");
  EXPECT_NE(loaded.error().message.find("4 elements"), std::string::npos) << loaded.error().message;
}

TEST(CodecHostileTest, ArchiveChecksBoolsInsideArraysAndWideEnums) {
  const Bytes good = encode_portable(Sample{{}, {true, true}, Colour::green});
  Bytes bad_flag = good;
  bad_flag[1 + 8 + 1] = 2;  // flag, empty vector, flags[0], flags[1]
  Sample decoded;
  expect_corrupt(load_untrusted(bad_flag, decoded, "sample"), "flags");
  Bytes bad_colour = good;
  bad_colour[bad_colour.size() - 1] = 1;  // 0x0102: the high byte of a 16-bit enum counts too
  expect_corrupt(load_untrusted(bad_colour, decoded, "sample"), "colour");
}

// ---- Deterministic mutation fuzzing.

// The generator's raw output only: std::uniform_int_distribution differs between standard libraries,
// and a failing iteration must replay the same everywhere.
class Dice {
 public:
  explicit Dice(std::uint64_t seed) : engine_(seed) {}
  std::size_t below(std::size_t bound) { return bound == 0 ? 0 : static_cast<std::size_t>(engine_() % bound); }
  std::uint8_t byte() { return static_cast<std::uint8_t>(engine_()); }

 private:
  std::mt19937_64 engine_;
};

void mutate(Bytes& bytes, Dice& dice) {
  static constexpr std::uint8_t kInteresting[] = {0, 1, 2, 3, 4, 5, 9, 10, 0x7f, 0x80, 0xfe, 0xff};
  switch (dice.below(7)) {
    case 0:  // flip one bit
      if (!bytes.empty()) bytes[dice.below(bytes.size())] ^= static_cast<std::uint8_t>(1u << dice.below(8));
      break;
    case 1:  // set a byte to a boundary value
      if (!bytes.empty()) bytes[dice.below(bytes.size())] = kInteresting[dice.below(std::size(kInteresting))];
      break;
    case 2:  // insert a byte
      bytes.insert(bytes.begin() + static_cast<std::ptrdiff_t>(dice.below(bytes.size() + 1)), dice.byte());
      break;
    case 3:  // delete a byte
      if (!bytes.empty()) bytes.erase(bytes.begin() + static_cast<std::ptrdiff_t>(dice.below(bytes.size())));
      break;
    case 4: {  // overwrite eight bytes with a large little-endian length
      if (bytes.size() < 8) break;
      const std::size_t at = dice.below(bytes.size() - 7);
      const std::uint64_t length = std::uint64_t{1} << (8 + dice.below(56));
      for (int i = 0; i < 8; ++i) bytes[at + i] = static_cast<std::uint8_t>(length >> (8 * i));
      break;
    }
    case 5:  // truncate
      bytes.resize(dice.below(bytes.size() + 1));
      break;
    case 6: {  // duplicate a run of bytes elsewhere
      if (bytes.empty()) break;
      const std::size_t from = dice.below(bytes.size());
      const std::size_t length = 1 + dice.below(std::min<std::size_t>(16, bytes.size() - from));
      const Bytes run(bytes.begin() + static_cast<std::ptrdiff_t>(from),
                      bytes.begin() + static_cast<std::ptrdiff_t>(from + length));
      bytes.insert(bytes.begin() + static_cast<std::ptrdiff_t>(dice.below(bytes.size() + 1)), run.begin(), run.end());
      break;
    }
  }
}

struct FuzzTally {
  std::size_t accepted = 0;
  std::size_t refused = 0;
  std::size_t most_allocated = 0;
};

// Decodes with one decoder. An accepted record must pass validate() and re-encode to exactly the input:
// the encoding has one form per value, so anything else means the decoder read something it should not.
template <class T, class Decode, class Check>
void decode_one(const Bytes& input, Decode decode, Check check, FuzzTally& tally, std::size_t iteration) {
  Result<T> decoded = corrupt("not run");
  const std::size_t allocated = bytes_allocated_by([&] { decoded = decode(input); });
  tally.most_allocated = std::max(tally.most_allocated, allocated);
  // Memory stays a small multiple of the input: vectors grow with bytes consumed, strings within them.
  ASSERT_LE(allocated, 32 * input.size() + 16 * 1024) << "iteration " << iteration;
  if (!decoded) {
    ASSERT_EQ(decoded.error().kind, ErrorKind::corrupt) << "iteration " << iteration;
    ASSERT_FALSE(decoded.error().message.empty());
    ++tally.refused;
    return;
  }
  ++tally.accepted;
  ASSERT_TRUE(check(*decoded)) << "iteration " << iteration;
  ASSERT_EQ(encode(*decoded), input) << "iteration " << iteration;
}

TEST(CodecHostileTest, MutationFuzzNeverCrashesAndAcceptsOnlyCanonicalRecords) {
  Change cleared = sample_change();
  cleared.value.reset();
  cleared.parents.clear();
  const std::vector<Bytes> seeds = {
      encode(sample_change()), encode(cleared),         encode(sample_state()),
      encode(FieldState{}),    encode(std::optional<FieldValue>{}),
      encode(std::optional<FieldValue>{FieldValue{"Information Governance Policy", "shelf 2"}})};

  constexpr std::size_t kIterations = 20000;
  Dice dice(20220630);
  FuzzTally tally;
  for (std::size_t iteration = 0; iteration < kIterations; ++iteration) {
    Bytes input = seeds[dice.below(seeds.size())];
    const std::size_t mutations = 1 + dice.below(4);
    for (std::size_t m = 0; m < mutations; ++m) mutate(input, dice);

    // Every decoder sees every input: bytes of one record kind fed to another must be refused cleanly too.
    decode_one<Change>(input, decode_change, [](const Change& c) { return bool(validate(c)); }, tally, iteration);
    decode_one<FieldState>(input, decode_field_state, [](const FieldState& s) { return bool(validate(s)); }, tally,
                           iteration);
    decode_one<std::optional<FieldValue>>(
        input, decode_field_value, [](const std::optional<FieldValue>&) { return true; }, tally, iteration);
    if (HasFatalFailure()) return;
  }
  RecordProperty("accepted", static_cast<int>(tally.accepted));
  RecordProperty("refused", static_cast<int>(tally.refused));
  RecordProperty("most_allocated", static_cast<int>(tally.most_allocated));
  std::printf("[fuzz] %zu inputs, %zu decodes accepted, %zu refused, at most %zu bytes allocated by one decode\n",
              kIterations, tally.accepted, tally.refused, tally.most_allocated);
  EXPECT_EQ(tally.accepted + tally.refused, 3 * kIterations);
  // Mutations inside text leave valid records: if nothing was accepted, the loop is not exercising decoding.
  EXPECT_GT(tally.accepted, kIterations / 50);
  EXPECT_GT(tally.refused, kIterations);
}

}  // namespace
}  // namespace dsptsync::codec
