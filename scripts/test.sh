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
# The branch client for Windows, its installer and zip (dependencies cached in ~/.cache/dsptsync):
# the Windows tests then run them under Wine, and must find them. With DSPTSYNC_TEST_WINDOWS=0 they
# run against an existing build-windows/, or are skipped.
if [ "${DSPTSYNC_TEST_WINDOWS:-1}" = 1 ]; then
  scripts/build-windows.sh
  export DSPTSYNC_REQUIRE_WINDOWS=1
fi
build_dir=${BUILD_DIR:-build}
ctest --test-dir "$build_dir" --output-on-failure -j"$(nproc)" --timeout 600
