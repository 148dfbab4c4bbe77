#!/usr/bin/env bash
# Configures and builds everything into build/ (override with BUILD_DIR).
# The web app's pages use the NHS design system from npm (web/package-lock.json): installed into
# web/node_modules when missing or older than the lock file. Node is a build tool only; the built
# binaries embed the files and need nothing of it.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${BUILD_DIR:-build}
if [ ! -f web/node_modules/.package-lock.json ] || [ web/package-lock.json -nt web/node_modules/.package-lock.json ]; then
  echo "Installing the web app's npm packages (web/package-lock.json)"
  npm ci --prefix web --no-audit --no-fund --loglevel=error
fi
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=${BUILD_TYPE:-RelWithDebInfo} >/dev/null
cmake --build "$build_dir" -j"$(nproc)"
