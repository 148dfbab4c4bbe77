#!/usr/bin/env bash
# Configures and builds everything into build/ (override with BUILD_DIR).
# The web app's pages use the NHS design system from npm (scripts/web-deps.sh installs it). Node is a
# build tool only; the built binaries embed the files and need nothing of it.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${BUILD_DIR:-build}
scripts/web-deps.sh
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=${BUILD_TYPE:-RelWithDebInfo} >/dev/null
cmake --build "$build_dir" -j"$(nproc)"
