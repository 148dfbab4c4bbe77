// What a test measures differently when the build runs under AddressSanitizer
// (DSPTSYNC_SANITIZE=ON, docs/development.md): the behaviour checks stay, the figures that measure
// the machine do not mean the same there.
#pragma once

namespace dsptsync::testing {

#if defined(__SANITIZE_ADDRESS__)
// Freed memory is held in a quarantine (256 MiB by default) and every allocation carries red
// zones: a process's peak resident memory no longer measures what the code keeps.
inline constexpr bool kResidentMemoryIsMeaningful = false;
// Instrumented code runs about three times slower: a test bounded by ctest's time limit does less.
inline constexpr int kSlowdown = 3;
#else
inline constexpr bool kResidentMemoryIsMeaningful = true;
inline constexpr int kSlowdown = 1;
#endif

}  // namespace dsptsync::testing
