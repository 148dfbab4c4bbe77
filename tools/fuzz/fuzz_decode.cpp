// libFuzzer entry point for every decoder in codec.h (tools/fuzz/README.md says how to build and run it).
//
// Each input goes to all three decoders. A decoder must return corrupt, or a record that passes
// validate() and re-encodes to exactly the input (the encoding has one form per value, so anything
// else means the decoder accepted bytes it should not have). AddressSanitizer catches reads past the
// input and leaks; -rss_limit_mb and -malloc_limit_mb catch allocations driven by lying lengths.
//
// Built with -DDSPTSYNC_FUZZ_WRITE_SEEDS instead, the same file is a small program that writes valid
// encodings of realistic records into a directory, as a starting corpus.
#include "dsptsync/codec.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <utility>

namespace {

using namespace dsptsync;

[[noreturn]] void fail(const char* decoder, const char* what) {
  std::fprintf(stderr, "%s: %s\n", decoder, what);
  std::abort();
}

template <class T, class Decode, class Check>
void exercise(const char* decoder, ByteView input, Decode decode, Check check) {
  Result<T> decoded = decode(input);
  if (!decoded) {
    if (decoded.error().kind != ErrorKind::corrupt) fail(decoder, "refused input with an error other than corrupt");
    return;
  }
  if (!check(*decoded)) fail(decoder, "accepted a record that validate() refuses");
  const Bytes again = codec::encode(*decoded);
  if (again.size() != input.size() || !std::equal(again.begin(), again.end(), input.begin()))
    fail(decoder, "accepted a record that does not re-encode to the same bytes");
}

}  // namespace

#ifndef DSPTSYNC_FUZZ_WRITE_SEEDS

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const ByteView input(data, size);
  exercise<Change>("decode_change", input, codec::decode_change,
                   [](const Change& change) { return bool(codec::validate(change)); });
  exercise<FieldState>("decode_field_state", input, codec::decode_field_state,
                       [](const FieldState& state) { return bool(codec::validate(state)); });
  exercise<std::optional<FieldValue>>("decode_field_value", input, codec::decode_field_value,
                                      [](const std::optional<FieldValue>&) { return true; });
  return 0;
}

#else

#include "seeds.h"

int main(int argc, char** argv) {
  const auto folder = fuzz::corpus_folder(argc, argv);
  if (!folder) return 2;
  const Change change = fuzz::sample_change();
  Change cleared = change;
  cleared.value.reset();
  cleared.parents.clear();
  cleared.key = FieldKey{"Y01234", "2023-24", TargetKind::plan, "2.1.1", Field::plan_due};
  FieldState state;
  state = apply_change(state, change);
  Change concurrent = cleared;
  concurrent.key = change.key;
  concurrent.id = "77aa:3";
  concurrent.device = "77aa";
  state = apply_change(state, concurrent);

  return fuzz::write_seeds<Bytes>(*folder, {
      {"change", codec::encode(change)},
      {"change-cleared", codec::encode(cleared)},
      {"state-conflict", codec::encode(state)},
      {"state-empty", codec::encode(FieldState{})},
      {"value", codec::encode(change.value)},
      {"value-cleared", codec::encode(std::optional<FieldValue>{})},
  });
}

#endif
