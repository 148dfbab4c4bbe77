#!/usr/bin/env bash
# Packs the Windows build's dsptsync.exe for branch laptops (scripts/build-windows.sh calls it):
#   BUILD/dist/dsptsync-VERSION-setup.exe         the installer (NSIS; packaging/windows/dsptsync.nsi)
#   BUILD/dist/dsptsync-VERSION-windows-x64.zip   the portable zip: dsptsync.exe and README.txt
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
build_dir=$(realpath "${1:-build-windows}")
version=$(sed -n 's/^project(dsptsync VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)
exe=$build_dir/client/dsptsync.exe
dist=$build_dir/dist
[ -f "$exe" ] || { echo "package-windows: $exe is missing: run scripts/build-windows.sh" >&2; exit 1; }
mkdir -p "$dist"
# Windows' Notepad reads either line end; CRLF suits every other Windows editor too.
readme=$dist/README.txt
sed 's/$/\r/' "$root/packaging/windows/README.txt" > "$readme"

makensis -V2 -DVERSION="$version" -DEXE="$exe" -DREADME="$readme" \
  -DOUTFILE="$dist/dsptsync-$version-setup.exe" "$root/packaging/windows/dsptsync.nsi" >&2

staging=$dist/dsptsync-$version
rm -rf "$staging" "$dist/dsptsync-$version-windows-x64.zip"
mkdir -p "$staging"
cp "$exe" "$staging/dsptsync.exe"
cp "$readme" "$staging/README.txt"
(cd "$dist" && cmake -E tar cf "dsptsync-$version-windows-x64.zip" --format=zip "dsptsync-$version")
rm -rf "$staging"
ls -l "$dist" >&2
