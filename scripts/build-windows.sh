#!/usr/bin/env bash
# Cross-builds the branch client for Windows on Debian: dsptsync.exe (64-bit, statically linked:
# it runs on a clean Windows 10 or 11 with no DLLs beside it), its installer and a portable zip,
# into build-windows/ (override with WINDOWS_BUILD_DIR).
#
# The compiler is Debian's MinGW-w64. Every library dsptsync.exe links is built here from its Debian
# source package (apt-get source: apt checks the archive's signatures, and this script checks each
# .dsc, which names the hash of every file of the source, against the pin below), with Debian's
# patches applied. Nothing prebuilt is downloaded. Header-only libraries come from the Debian -dev
# packages the Linux build installs. docs/dependencies.md#windows says which is which and why.
#
# The built libraries are cached in ~/.cache/dsptsync/windows (DSPTSYNC_WINDOWS_CACHE), one stamp
# per library and recipe: a second run rebuilds only dsptsync.exe (ccache helps there too).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
build_dir=$root/${WINDOWS_BUILD_DIR:-build-windows}
cache=${DSPTSYNC_WINDOWS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/dsptsync/windows}
prefix=$cache/prefix
host=x86_64-w64-mingw32
jobs=$(nproc)
# The machine is shared: the long dependency builds give way to interactive work.
nice_make=(nice -n 10 make -j"$jobs")
toolchain=$root/cmake/windows/toolchain.cmake

# name | Debian source version | SHA-256 of its .dsc | recipe (raise it when the build steps change)
pins=(
  "zlib|1:1.2.13.dfsg-1|3fa1e6b2fc525062aa88207dda52fed8e045373c809d362fe8a2bfbf7cf515a8|1"
  "libsodium|1.0.18-1+deb12u1|2c23c57b5a9385dab5a1916014c9b5f2cdd7dadeb8a35b28c1bfb603ce7095c4|1"
  "sqlite3|3.40.1-2+deb12u2|ee3459ae9d00939741c7708fc1b8ce1bde12d8c3fb1dfa005bbbc8651d884e23|1"
  "openssl|3.0.20-1~deb12u2|a614474a2773c23b10c0d65f4eccbcf93fdac4749afb7c26d76e1b0340154d3d|1"
  "libxlsxwriter|1.1.4-2|8e53fa5625ec415e16f62411036de83eed6ec93a3499c4e159d5b119dbbc81ba|2"
  "libcsv|3.0.3+dfsg-6|3e0a27ba29b9435d8bf7cbd825a1cdbec8375dedc8bffaf7ea458c15f238bc3f|1"
  "libzip|1.7.3-1|2b905c3e6277bb4ae62c4464c5c7bbbd6661715d5b3c0f94523c34df6d1f4d1e|1"
  "expat|2.5.0-1+deb12u2|6fc87dbd01f49999ed368cfb37c08d35e41348dda2281d60642f3aa14cb77e32|1"
)

say() { echo "build-windows: $*" >&2; }
die() { say "$*"; exit 1; }

install_tools() {
  scripts/install-deps.sh
  mapfile -t packages < <(grep -v '^[[:space:]]*#' scripts/packages-windows.txt | sed '/^[[:space:]]*$/d')
  scripts/install-deps.sh "${packages[@]}"
  scripts/web-deps.sh
}

# apt-get source needs a deb-src line for Debian's archive; added once, beside the machine's own.
ensure_deb_src() {
  local offered
  offered=$(apt-cache showsrc zlib 2>/dev/null | grep -c '^Package: zlib' || true)
  [ "$offered" -gt 0 ] && return
  say "adding Debian's source archive to apt (/etc/apt/sources.list.d/dsptsync-deb-src.sources)"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo tee /etc/apt/sources.list.d/dsptsync-deb-src.sources >/dev/null <<'SOURCES'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
  $sudo apt-get update -qq
}

pin_field() { # name field-number
  local line
  for line in "${pins[@]}"; do
    [ "${line%%|*}" = "$1" ] && { echo "$line" | cut -d'|' -f"$2"; return; }
  done
  die "no pin for $1"
}

# Downloads and unpacks one pinned Debian source package (once); prints its folder.
fetch_source() {
  local name=$1 version sha folder
  version=$(pin_field "$name" 2)
  sha=$(pin_field "$name" 3)
  folder=$cache/src/$name-${version//[:~]/_}
  if [ -f "$folder/.unpacked" ]; then echo "$folder/tree"; return; fi
  ensure_deb_src
  rm -rf "$folder"
  mkdir -p "$folder"
  say "fetching the Debian source of $name $version"
  if ! (cd "$folder" && apt-get source -qq --download-only -o APT::Sandbox::User=root "$name=$version" >&2); then
    die "Debian's archive no longer offers $name $version (it now has: $(apt-cache showsrc "$name" | sed -n 's/^Version: //p' | tr '\n' ' ')). Update its pin in scripts/build-windows.sh (version and the .dsc's SHA-256) after checking the new version builds."
  fi
  local dsc
  dsc=$(ls "$folder"/*.dsc)
  echo "$sha  $dsc" | sha256sum --check --quiet >/dev/null 2>&1 ||
    die "$dsc does not have the pinned SHA-256 $sha: refusing to build it"
  # dpkg-source checks every file against the hashes the .dsc lists, then applies Debian's patches.
  # (It warns that it cannot check the .dsc's signature without debian-keyring: the pinned hash names
  # this exact .dsc, and apt checked it against the archive's signed index.)
  dpkg-source --no-copy -x "$dsc" "$folder/tree" >"$folder/unpack.log" 2>&1 ||
    { cat "$folder/unpack.log" >&2; die "cannot unpack $dsc"; }
  touch "$folder/.unpacked"
  echo "$folder/tree"
}

# The file that says build_NAME ran for this pinned version and recipe.
stamp_of() { echo "$prefix/.built/$1-$(pin_field "$1" 2 | tr ':~' '__')-r$(pin_field "$1" 4)"; }

# Runs build_NAME once per pinned version and recipe.
build_once() {
  local name=$1 stamp
  stamp=$(stamp_of "$name")
  [ -f "$stamp" ] && return
  local started=$SECONDS src
  src=$(fetch_source "$name")
  say "building $name $(pin_field "$name" 2) for Windows"
  "build_$name" "$src"
  mkdir -p "$prefix/.built"
  touch "$stamp"
  say "$name built in $((SECONDS - started)) s"
}

# Every library, built once. OpenSSL takes about as long as the seven others together, and much of
# theirs is one process at a time (configure scripts, SQLite's single file): it builds beside them.
# The sources are fetched first, one after another, as apt wants.
build_libraries() {
  local pin name openssl
  for pin in "${pins[@]}"; do
    name=${pin%%|*}
    [ -f "$(stamp_of "$name")" ] || fetch_source "$name" >/dev/null
  done
  build_once openssl &
  openssl=$!
  for pin in "${pins[@]}"; do
    name=${pin%%|*}
    [ "$name" = openssl ] || build_once "$name"
  done
  wait "$openssl" || die "OpenSSL did not build (its output is above)"
}

scratch_for() { local dir=$cache/build/$1; rm -rf "$dir"; mkdir -p "$dir"; echo "$dir"; }

build_zlib() {
  local src=$1 dir file
  dir=$(scratch_for zlib)
  # Debian's source leaves out zlib's Windows makefiles: its library is these files, compiled as is.
  for file in adler32 compress crc32 deflate gzclose gzlib gzread gzwrite infback inffast inflate inftrees trees \
              uncompr zutil; do
    nice -n 10 $host-gcc-posix -O2 -c "$src/$file.c" -I"$src" -o "$dir/$file.o"
  done
  $host-gcc-ar-posix rcs "$dir/libz.a" "$dir"/*.o
  install -D -m 644 "$src/zlib.h" "$prefix/include/zlib.h"
  install -D -m 644 "$src/zconf.h" "$prefix/include/zconf.h"
  install -D -m 644 "$dir/libz.a" "$prefix/lib/libz.a"
}

build_libsodium() {
  local src=$1 dir
  dir=$(scratch_for libsodium)
  # Debian's source is upstream's git tree: its configure script is generated, as Debian's build does.
  [ -x "$src/configure" ] || (cd "$src" && autoreconf -fi >/dev/null 2>&1)
  # --disable-ssp: no stack protector, which on MinGW would need libssp's DLL at run time.
  (cd "$dir" && "$src/configure" --host=$host --prefix="$prefix" --disable-shared --enable-static --disable-ssp \
     --disable-dependency-tracking >/dev/null && "${nice_make[@]}" install >/dev/null)
}

build_sqlite3() {
  local src=$1 dir
  dir=$(scratch_for sqlite3)
  # The amalgamation (one sqlite3.c) is generated from the source tree by SQLite's own tools,
  # built for this machine; then cross-compiled with the options below.
  (cd "$dir" && "$src/configure" --disable-tcl >/dev/null && nice -n 10 make sqlite3.c >/dev/null)
  # Threads: the client's listener and sync run beside each other. No loadable extensions.
  nice -n 10 $host-gcc-posix -O2 -DSQLITE_THREADSAFE=1 -DSQLITE_OMIT_LOAD_EXTENSION -c "$dir/sqlite3.c" \
    -o "$dir/sqlite3.o"
  $host-gcc-ar-posix rcs "$dir/libsqlite3.a" "$dir/sqlite3.o"
  install -D -m 644 "$dir/sqlite3.h" "$prefix/include/sqlite3.h"
  install -D -m 644 "$dir/libsqlite3.a" "$prefix/lib/libsqlite3.a"
}

build_openssl() {
  local src=$1 dir
  dir=$(scratch_for openssl)
  # The client needs TLS 1.2 and 1.3 as a client, certificate checking and the algorithms of
  # today's web PKI; everything else is left out to keep the cold build short: no shared
  # libraries, tests, engines or loadable modules, no legacy ciphers, no DTLS or SSLv3. Only the
  # libraries and headers are built and installed (build_libs, install_dev): no openssl tool, no docs.
  (cd "$dir" && perl "$src/Configure" mingw64 --cross-compile-prefix=$host- --prefix="$prefix" --libdir=lib \
     --openssldir="C:/Program Files/Common Files/dsptsync/ssl" \
     no-shared no-module no-engine no-dso no-tests no-legacy no-comp no-dtls no-ssl3 no-srp no-srtp \
     no-idea no-mdc2 no-rc2 no-rc4 no-rc5 no-md4 no-bf no-cast no-des no-seed no-camellia no-aria no-sm2 no-sm3 \
     no-sm4 no-whirlpool no-gost no-siphash no-cms no-ts no-ct no-ocsp no-capieng no-ui-console >/dev/null &&
   "${nice_make[@]}" build_libs >/dev/null && make install_dev >/dev/null)
}

build_libxlsxwriter() {
  local src=$1 dir
  dir=$(scratch_for libxlsxwriter)
  # Its bundled minizip (third_party/) is the one upstream ships. On Windows upstream opens the
  # workbook with the wide-character file functions (the path it is given is UTF-8), but under MinGW
  # it first undefines _WIN32 and falls back to fopen, which reads the path in the ANSI code page: a
  # folder named "Exports été", or a user named Zoë, would fail. Two edits, idempotent, give MinGW
  # the Windows path: no #undef, and minizip's iowin32.c compiled, which that path needs.
  sed -i '/^#ifdef __MINGW32__$/{N;N;/#undef _WIN32\n#endif$/d}' "$src/src/packager.c" "$src/src/utility.c"
  sed -i 's/^    if(MSVC)$/    if(WIN32)/' "$src/CMakeLists.txt"
  cmake -S "$src" -B "$dir" -G Ninja -DCMAKE_TOOLCHAIN_FILE="$toolchain" -DDSPTSYNC_WINDOWS_PREFIX="$prefix" \
    -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX="$prefix" -DBUILD_SHARED_LIBS=OFF \
    -DZLIB_INCLUDE_DIR="$prefix/include" -DZLIB_LIBRARY="$prefix/lib/libz.a" >/dev/null
  nice -n 10 cmake --build "$dir" -j"$jobs" >/dev/null
  cmake --install "$dir" >/dev/null
}

build_libcsv() {
  local src=$1 dir
  dir=$(scratch_for libcsv)
  nice -n 10 $host-gcc-posix -O2 -c "$src/libcsv.c" -I"$src" -o "$dir/libcsv.o"
  $host-gcc-ar-posix rcs "$dir/libcsv.a" "$dir/libcsv.o"
  install -D -m 644 "$src/csv.h" "$prefix/include/csv.h"
  install -D -m 644 "$dir/libcsv.a" "$prefix/lib/libcsv.a"
}

# Reading the official list as downloaded (.xlsx): libzip over zlib, without its optional
# compressions and encryption (a workbook uses deflate only), and no tools, tests or docs.
build_libzip() {
  local src=$1 dir
  dir=$(scratch_for libzip)
  cmake -Wno-dev -S "$src" -B "$dir" -G Ninja -DCMAKE_TOOLCHAIN_FILE="$toolchain" -DDSPTSYNC_WINDOWS_PREFIX="$prefix" \
    -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX="$prefix" -DBUILD_SHARED_LIBS=OFF \
    -DZLIB_INCLUDE_DIR="$prefix/include" -DZLIB_LIBRARY="$prefix/lib/libz.a" \
    -DENABLE_COMMONCRYPTO=OFF -DENABLE_GNUTLS=OFF -DENABLE_MBEDTLS=OFF -DENABLE_OPENSSL=OFF \
    -DENABLE_WINDOWS_CRYPTO=OFF -DENABLE_BZIP2=OFF -DENABLE_LZMA=OFF \
    -DBUILD_TOOLS=OFF -DBUILD_REGRESS=OFF -DBUILD_EXAMPLES=OFF -DBUILD_DOC=OFF >/dev/null
  nice -n 10 cmake --build "$dir" -j"$jobs" >/dev/null
  cmake --install "$dir" >/dev/null
}

# The XML parser for the .xlsx sheets: the library only.
build_expat() {
  local src=$1 dir
  dir=$(scratch_for expat)
  cmake -S "$src/expat" -B "$dir" -G Ninja -DCMAKE_TOOLCHAIN_FILE="$toolchain" -DDSPTSYNC_WINDOWS_PREFIX="$prefix" \
    -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX="$prefix" -DEXPAT_SHARED_LIBS=OFF \
    -DEXPAT_BUILD_TOOLS=OFF -DEXPAT_BUILD_EXAMPLES=OFF -DEXPAT_BUILD_TESTS=OFF -DEXPAT_BUILD_DOCS=OFF \
    -DEXPAT_BUILD_FUZZERS=OFF -DEXPAT_BUILD_PKGCONFIG=OFF >/dev/null
  # Debian's security fix tests `#if XML_DTD == 1`, as its autotools build defines it; expat's CMake
  # header defines XML_DTD empty, which that test cannot compile. Give it the value Debian's has.
  sed -i 's/^#define XML_DTD$/#define XML_DTD 1/' "$dir/expat_config.h"
  grep -q '^#define XML_DTD 1$' "$dir/expat_config.h" || die "expat's expat_config.h no longer defines XML_DTD"
  nice -n 10 cmake --build "$dir" -j"$jobs" >/dev/null
  cmake --install "$dir" >/dev/null
}

# Header-only libraries: the Debian packages' headers, linked into the prefix's include/ (and
# nothing else of /usr/include, whose C library headers are Linux's).
link_headers() {
  local header
  for header in boost nlohmann cereal CLI; do
    [ -d "/usr/include/$header" ] || die "/usr/include/$header is missing: run scripts/install-deps.sh"
    ln -sfn "/usr/include/$header" "$prefix/include/$header"
  done
}

build_client() {
  say "building dsptsync.exe"
  cmake -S "$root" -B "$build_dir" -G Ninja -DCMAKE_TOOLCHAIN_FILE="$toolchain" -DDSPTSYNC_WINDOWS_PREFIX="$prefix" \
    -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS_RELEASE="-O2 -DNDEBUG" -DCMAKE_C_FLAGS_RELEASE="-O2 -DNDEBUG" \
    -DDSPTSYNC_CLIENT_ONLY=ON -DDSPTSYNC_BUILD_TESTS=OFF -DDSPTSYNC_UNITY_BUILD=ON >/dev/null
  nice -n 10 cmake --build "$build_dir" --target dsptsync -j"$jobs"
}

started=$SECONDS
install_tools
mkdir -p "$prefix/include" "$prefix/lib"
build_libraries
link_headers
say "dependencies ready in $((SECONDS - started)) s"
build_client
"$root/scripts/package-windows.sh" "$build_dir"
say "done in $((SECONDS - started)) s: $build_dir/client/dsptsync.exe"
