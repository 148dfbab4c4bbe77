#!/usr/bin/env bash
# Installs what is missing, builds, and runs the main job: the HQ server with a demo organisation.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
exec scripts/demo-server.sh
