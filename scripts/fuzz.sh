#!/usr/bin/env bash
# Builds the libFuzzer targets (tools/fuzz/README.md) with clang into build-fuzz/ and runs each for
# a while from its kept corpus (tools/fuzz/corpus/<target>/) and its seeds.
#   scripts/fuzz.sh [SECONDS] [TARGET...]   default: 60 seconds each, every target, one after another
# Inputs a run finds interesting go to build-fuzz/corpus/<target>/ (copy the small ones worth keeping
# into tools/fuzz/corpus/<target>/); a failure is written to build-fuzz/crash-* and the script stops
# with exit 1. Each run's final statistics go to build-fuzz/<target>.log.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(fuzz_decode fuzz_handshake fuzz_http fuzz_xlsx)
scripts/install-deps.sh clang
scripts/web-deps.sh
build_dir=${FUZZ_BUILD_DIR:-build-fuzz}
CC=clang CXX=clang++ cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DDSPTSYNC_FUZZ=ON -DDSPTSYNC_BUILD_TESTS=OFF >/dev/null
for target in "${targets[@]}"; do
  cmake --build "$build_dir" --target "$target" "${target}_seeds" -j"$(nproc)"
done
# Per target: the largest input and the allocation limit that no honest input of that size needs
# (an allocation past it means a length was believed before it was checked).
limits_for() {
  case "$1" in
    fuzz_xlsx) echo "-max_len=65536 -malloc_limit_mb=128 -rss_limit_mb=2048" ;;
    *) echo "-max_len=16384 -malloc_limit_mb=16 -rss_limit_mb=1024" ;;
  esac
}
for target in "${targets[@]}"; do
  corpus="$build_dir/corpus/$target"
  mkdir -p "$corpus"
  "$build_dir/tools/${target}_seeds" "$corpus"
  echo "fuzz.sh: $target for $seconds s (log: $build_dir/$target.log)"
  kept=()  # read, never written: new inputs go to the first folder
  [ -d "tools/fuzz/corpus/$target" ] && kept=("$PWD/tools/fuzz/corpus/$target")
  # shellcheck disable=SC2046
  if ! (cd "$build_dir" && "./tools/$target" -max_total_time="$seconds" $(limits_for "$target") \
          -print_final_stats=1 "corpus/$target" "${kept[@]}" >"$target.log" 2>&1); then
    tail -n 40 "$build_dir/$target.log" >&2
    echo "fuzz.sh: $target failed: the input is in $build_dir/crash-*; replay it with $build_dir/tools/$target FILE" >&2
    exit 1
  fi
  grep -E '^stat::(number_of_executed_units|peak_rss_mb)|^Done' "$build_dir/$target.log" || true
done
