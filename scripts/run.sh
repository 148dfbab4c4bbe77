#!/usr/bin/env bash
# Installs what is missing, builds, and runs the main job: a demo of a branch working offline.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
exec scripts/demo.sh
