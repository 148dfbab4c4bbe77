#!/usr/bin/env bash
# The main job: the HQ server on an embedded SQLite database with a demo organisation of two
# branches. Creates the organisation on first run (in $DEMO_DATA, default ./demo-data), issues
# fresh enrolment codes, prints how to enrol a branch laptop, then serves until Ctrl-C / SIGTERM.
# The organisation works on the newest question set shipped ($DEMO_YEAR, default 2025-26).
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${BUILD_DIR:-build}
data=${DEMO_DATA:-demo-data}
listen=${LISTEN:-127.0.0.1:8443}
year=${DEMO_YEAR:-2025-26}
server() { "$build_dir/server/dsptsync-server" --data "$data" "$@"; }

if [ ! -f "$data/server.db" ]; then
  server init --ods A1B2 --name "Acme Care Group" --year "$year"
  server branch add VLAXL --name "Leeds"
  server branch add VM2B3 --name "York"
  # Head office's administrator answers a few of the items it shares with every branch.
  server user add "Helen Okafor" --role admin
  export DSPTSYNC_SERVER_USER="Helen Okafor"
  server answer 1.1.1 "ZA123456" --comment "Renewed each March"
  server answer 1.3.1 yes
  server answer 10.1.2 yes
  # A shared policy in the library: every branch laptop fetches it at its next sync.
  policy="$data/data-protection-policy.txt"
  printf '%s\n' "Acme Care Group: data protection policy (demo)" "" \
    "1. We collect only the personal data we need to give safe care." \
    "2. Care records are kept on encrypted devices and never taken home on paper." \
    "3. A suspected breach is reported to the registered manager at once." >"$policy"
  server doc add "$policy" --title "Data protection policy" --kind policy --owner "Helen Okafor" \
    --review 2027-03-31 --item 1.1.1 --note "approved by the board" >/dev/null
  rm -f "$policy"
fi
# The web app's demo sign-in (set again on every run, so the printed password always works).
demo_password=${DEMO_PASSWORD:-demo password 2021}
DSPTSYNC_PASSWORD="$demo_password" server user passwd "Helen Okafor" >/dev/null
leeds=$(server invite --branch VLAXL --role admin --user "Sam Patel $(date +%H%M%S)" --json | sed -n 's/.*"code": "\(.*\)".*/\1/p')
york=$(server invite --branch VM2B3 --role member --user "Priya Shah $(date +%H%M%S)" --json | sed -n 's/.*"code": "\(.*\)".*/\1/p')
year=$(server progress --json | sed -n 's/.*"year": "\([0-9-]*\)".*/\1/p' | head -1)
# Once the organisation's year is past its deadline, progress says which year to move to and how.
advice=$(server progress | sed -n 's/^Note: //p')
cat <<TEXT

Demo organisation: Acme Care Group (A1B2), branches Leeds (VLAXL) and York (VM2B3), data in $data/
Assessment year: $year${advice:+
$advice}

The web app: open http://$listen/ and sign in as "Helen Okafor" with the password "$demo_password".

Enrol a branch laptop (in another terminal), then work offline and sync:

  $build_dir/client/dsptsync --store /tmp/leeds enrol ws://$listen $leeds
  $build_dir/client/dsptsync --store /tmp/leeds items          # [shared] items come from head office
  $build_dir/client/dsptsync --store /tmp/leeds answer 7.3.4 yes
  $build_dir/client/dsptsync --store /tmp/leeds sync
  $build_dir/client/dsptsync --store /tmp/leeds doc list       # head office's policies, readable offline
  $build_dir/server/dsptsync-server --data $data progress
  DSPTSYNC_SERVER_USER="Helen Okafor" $build_dir/server/dsptsync-server --data $data publish --year $year --all-ready --dry-run
  curl http://$listen/status/VLAXL                          # the public look-up: status and date only
  $build_dir/client/dsptsync --store /tmp/leeds ui           # the branch's web app, offline, on 127.0.0.1

York's code (a member): $york
Each code works once and expires in 7 days. Stop the server with Ctrl-C.

TEXT
exec "$build_dir/server/dsptsync-server" --data "$data" serve --listen "$listen"
