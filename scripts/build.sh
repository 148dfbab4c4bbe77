#!/usr/bin/env bash
# Configures and builds everything into build/ (override with BUILD_DIR).
# The web app's pages use the NHS design system from npm (scripts/web-deps.sh installs it). Node is a
# build tool only; the built binaries embed the files and need nothing of it.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${BUILD_DIR:-build}
scripts/web-deps.sh
# DSPTSYNC_WERROR=ON makes warnings errors (CI); DSPTSYNC_SANITIZE=ON builds with AddressSanitizer and
# UndefinedBehaviorSanitizer (use another BUILD_DIR: docs/development.md); DSPTSYNC_DEBUG_INFO=OFF builds
# without debug information (CI: a shorter build, the same code); DSPTSYNC_UNITY_BUILD=ON compiles
# each target's sources in batches (CI: under 60% of the time from nothing; slower to rebuild one file).
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=${BUILD_TYPE:-RelWithDebInfo} \
  -DDSPTSYNC_WERROR="${DSPTSYNC_WERROR:-OFF}" -DDSPTSYNC_SANITIZE="${DSPTSYNC_SANITIZE:-OFF}" \
  -DDSPTSYNC_DEBUG_INFO="${DSPTSYNC_DEBUG_INFO:-ON}" -DDSPTSYNC_UNITY_BUILD="${DSPTSYNC_UNITY_BUILD:-OFF}" >/dev/null
cmake --build "$build_dir" -j"$(nproc)"
