#!/usr/bin/env bash
# Installs what is missing, builds, and runs the whole test suite (the browser tests need Debian's
# Chromium, installed here; see tests/web/README.md; the Windows tests the Windows build and Wine,
# which scripts/build-windows.sh installs and makes). DSPTSYNC_TEST_WINDOWS=0 leaves the Windows part
# out, for a quicker run on Linux alone.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/install-deps.sh chromium
scripts/build.sh
build_dir=${BUILD_DIR:-build}
run_tests() { ctest --test-dir "$build_dir" --output-on-failure -j"$(nproc)" --timeout 600 "$@"; }
if [ "${DSPTSYNC_TEST_WINDOWS:-1}" != 1 ]; then
  # The Windows tests run against an existing build-windows/, or are skipped.
  run_tests
  exit
fi

# The branch client for Windows, its installer and zip (dependencies cached in ~/.cache/dsptsync),
# built while the Linux tests run: they mostly wait on sockets, disks and child processes (about a
# quarter of the two cores), and the Windows build, at a lower priority, takes what they leave. Its
# own tests follow, under Wine, and must find it.
windows_log=$build_dir/build-windows.log
echo "Building the Windows client beside the Linux tests (its log: $windows_log)" >&2
nice -n 10 scripts/build-windows.sh >"$windows_log" 2>&1 &
windows_build=$!
stop_windows_build() { kill "$windows_build" 2>/dev/null && pkill -P "$windows_build" 2>/dev/null || true; }
trap stop_windows_build EXIT
linux_result=0
run_tests -E '^Windows' || linux_result=$?
windows_result=0
wait "$windows_build" || windows_result=$?
trap - EXIT
if [ "$windows_result" -ne 0 ]; then
  cat "$windows_log" >&2
  echo "The Windows build failed (its log is above, and in $windows_log)" >&2
  exit "$windows_result"
fi
grep '^build-windows: ' "$windows_log" >&2
export DSPTSYNC_REQUIRE_WINDOWS=1
run_tests -R '^Windows'
exit "$linux_result"
