#!/usr/bin/env bash
# Installs what is missing, builds, and runs the whole test suite (the browser tests need Debian's
# Chromium, installed here; see tests/web/README.md).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/install-deps.sh chromium
scripts/build.sh
build_dir=${BUILD_DIR:-build}
ctest --test-dir "$build_dir" --output-on-failure -j"$(nproc)" --timeout 600
