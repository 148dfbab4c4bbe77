#!/usr/bin/env bash
# Formats the C++ lines changed since a base (default: main) with clang-format and the repository's
# .clang-format. Only changed lines are touched (git clang-format): no mass reformat, so
# `git blame` stays useful. Run it before committing.
#   scripts/format.sh [BASE]          format the lines changed since BASE, in place
#   scripts/format.sh --check [BASE]  show what it would change; exit 1 if anything
# Needs clang-format (Debian 12: clang-format, which brings git-clang-format); the build does not.
set -euo pipefail
cd "$(dirname "$0")/.."
check=false
if [[ "${1:-}" == "--check" ]]; then
  check=true
  shift
fi
base=${1:-main}
if ! command -v git-clang-format >/dev/null; then
  echo "format.sh: clang-format is not installed; install it with: sudo apt-get install clang-format" >&2
  exit 2
fi
if $check; then
  diff=$(git clang-format --style=file --extensions cpp,h --diff "$base" || true)
  if [[ -n "$diff" && "$diff" != "no modified files to format" && "$diff" != *"did not modify any files"* ]]; then
    echo "$diff"
    echo "format.sh: the lines above are not formatted; run scripts/format.sh $base" >&2
    exit 1
  fi
  exit 0
fi
git clang-format --style=file --extensions cpp,h "$base"
