#!/usr/bin/env bash
# A branch manager completes part of the 2021-22 assessment offline, in a fresh demo store.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${BUILD_DIR:-build}
store=${DEMO_STORE:-$(mktemp -d)/leeds}
dsptsync() { "$build_dir/client/dsptsync" --store "$store" "$@"; }

dsptsync init --ods VLAXL --name "Leeds branch" --year 2021-22 --user "Sam Patel"
dsptsync answer 1.1.5 "The registered manager; written into her job description" --comment "Board minute 2021-04"
dsptsync answer 2.1.1 yes
dsptsync answer 1.2.1 "Privacy notice v2" --location "https://intranet.example/privacy.pdf"
dsptsync answer 9.5.2 no
dsptsync confirm 1.1
dsptsync --user "Ann Lee" answer 1.1.5 "The registered manager (Ann Lee)"
echo
dsptsync progress
echo
dsptsync history 1.1.5
echo
echo "The demo store is in $store; try: build/client/dsptsync --store $store items --missing"
