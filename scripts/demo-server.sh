#!/usr/bin/env bash
# The main job: the HQ server on an embedded SQLite database with a demo organisation of two
# branches. Creates the organisation on first run (in $DEMO_DATA, default ./demo-data), issues
# fresh enrolment codes, prints how to enrol a branch laptop, then serves until Ctrl-C / SIGTERM.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${BUILD_DIR:-build}
data=${DEMO_DATA:-demo-data}
listen=${LISTEN:-127.0.0.1:8443}
server() { "$build_dir/server/dsptsync-server" --data "$data" "$@"; }

if [ ! -f "$data/server.db" ]; then
  server init --ods A1B2 --name "Acme Care Group" --year 2021-22
  server branch add VLAXL --name "Leeds"
  server branch add VM2B3 --name "York"
fi
leeds=$(server invite --branch VLAXL --role admin --user "Sam Patel $(date +%H%M%S)" --json | sed -n 's/.*"code": "\(.*\)".*/\1/p')
york=$(server invite --branch VM2B3 --role member --user "Priya Shah $(date +%H%M%S)" --json | sed -n 's/.*"code": "\(.*\)".*/\1/p')
cat <<TEXT

Demo organisation: Acme Care Group (A1B2), branches Leeds (VLAXL) and York (VM2B3), data in $data/
Enrol a branch laptop (in another terminal), then work offline and sync:

  $build_dir/client/dsptsync --store /tmp/leeds enrol ws://$listen $leeds
  $build_dir/client/dsptsync --store /tmp/leeds answer 1.1.5 "The registered manager"
  $build_dir/client/dsptsync --store /tmp/leeds sync
  $build_dir/server/dsptsync-server --data $data progress

York's code (a member): $york
Each code works once and expires in 7 days. Stop the server with Ctrl-C.

TEXT
exec "$build_dir/server/dsptsync-server" --data "$data" serve --listen "$listen"
