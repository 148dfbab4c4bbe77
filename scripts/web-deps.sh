#!/usr/bin/env bash
# Installs the web app's npm packages (web/package-lock.json: the NHS design system, embedded in
# the binaries by the build, and the browser tests' tools) into web/node_modules, when missing or
# older than the lock file. Node is a build and test tool only: nothing of it runs in production.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f web/node_modules/.package-lock.json ] || [ web/package-lock.json -nt web/node_modules/.package-lock.json ]; then
  echo "Installing the web app's npm packages (web/package-lock.json)" >&2
  npm ci --prefix web --no-audit --no-fund --loglevel=error >&2
fi
