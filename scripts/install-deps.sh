#!/usr/bin/env bash
# Installs the Debian packages dsptsync needs (scripts/packages.txt), only those missing; or, with
# arguments, those packages (tools/bench-vs-peer asks for nodejs and npm this way).
# Idempotent: a machine that has them all is left untouched and nothing is downloaded.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ $# -gt 0 ]; then
  wanted=("$@")
else
  mapfile -t wanted < <(grep -v '^[[:space:]]*#' scripts/packages.txt | sed '/^[[:space:]]*$/d')
  # Node.js and npm build the web app's pages (web/package.json). A machine may have them from
  # another source than Debian's packages (NodeSource's nodejs carries npm): only when there is no
  # npm at all are Debian's installed.
  if ! command -v npm >/dev/null 2>&1; then
    wanted+=(nodejs npm)
  fi
fi
missing=()
for package in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "Installing: ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
