#!/bin/sh
# Build the third-party deps (libseccomp, libcap) as static musl libraries
# from Debian's source packages, into a build-local prefix. Called by
# mk/deps.mk; all versions come from there (see docs/building.md).
#
#   scripts/deps.sh DEPS_DIR STAMP
#
# Environment (set by mk/deps.mk): SECCOMP_SRC SECCOMP_VERSION CAP_SRC
# CAP_VERSION, and optionally MUSL_CC (default musl-gcc).
#
# The machine's apt configuration is never changed: the source packages are
# fetched through a private deb-src list generated from the machine's own
# sources, with private lists and cache dirs, all under DEPS_DIR/apt; apt
# checks the Release signatures and the file hashes as usual.
# Runs under a lock (flock on DEPS_DIR/.lock), so concurrent makes wait
# for one build instead of colliding; a finished build is not redone.
set -eu

DEPS_DIR=${1:?usage: deps.sh DEPS_DIR STAMP}
STAMP=${2:?usage: deps.sh DEPS_DIR STAMP}
: "${SECCOMP_SRC:?}" "${SECCOMP_VERSION:?}" "${CAP_SRC:?}" "${CAP_VERSION:?}"
MUSL_CC=${MUSL_CC:-musl-gcc}

mkdir -p "$DEPS_DIR"
DEPS_DIR=$(cd "$DEPS_DIR" && pwd)
case $STAMP in /*) ;; *) STAMP=$(pwd)/$STAMP ;; esac

# One build at a time; whoever waited finds the stamp and leaves.
if [ -z "${JI_DEPS_LOCKED:-}" ]; then
    JI_DEPS_LOCKED=1 exec flock "$DEPS_DIR/.lock" "$0" "$@"
fi

WANT="libseccomp=$SECCOMP_VERSION libcap2=$CAP_VERSION cc=$MUSL_CC cflags=Os-sections-nounwind"
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$WANT" ] &&
   [ -f "$DEPS_DIR/prefix/lib/libseccomp.a" ] && [ -f "$DEPS_DIR/prefix/lib/libcap.a" ]; then
    exit 0
fi
rm -f "$STAMP"

for tool in "$MUSL_CC" gcc apt-get dpkg-source gperf make ar; do
    command -v "$tool" >/dev/null 2>&1 || {
        echo "deps: '$tool' not found; run 'make setup' first" >&2; exit 1; }
done

APT=$DEPS_DIR/apt
PREFIX=$DEPS_DIR/prefix
KINC=$DEPS_DIR/kinc
SRC=$DEPS_DIR/src
log() { echo "deps: $*" >&2; }

# ---- kernel uapi headers for musl-gcc: a dir of links --------------------
MULTIARCH=$(gcc -print-multiarch)
[ -d "/usr/include/$MULTIARCH/asm" ] || {
    echo "deps: no /usr/include/$MULTIARCH/asm (install linux-libc-dev)" >&2; exit 1; }
rm -rf "$KINC" && mkdir -p "$KINC"
ln -s /usr/include/linux "$KINC/linux"
ln -s /usr/include/asm-generic "$KINC/asm-generic"
ln -s "/usr/include/$MULTIARCH/asm" "$KINC/asm"

# ---- a private deb-src list made from the machine's own apt sources ------
# Only the distribution's own suites (CODENAME, CODENAME-updates,
# CODENAME-security, ...) are taken: third-party repositories rarely carry
# sources and would fail the update.
. /etc/os-release
CODENAME=${VERSION_CODENAME:?no VERSION_CODENAME in /etc/os-release}
rm -rf "$APT"
mkdir -p "$APT/sources.list.d" "$APT/lists/partial" "$APT/cache/archives/partial" \
         "$APT/preferences.d"
: > "$APT/sources.list"

# One-line format (*.list): "deb [opts] URI SUITE COMP..." -> "deb-src ...".
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    awk -v cn="$CODENAME" '
        $1 == "deb" {
            i = 2
            if ($2 ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
            suite = $(i + 1)
            if (suite !~ ("^" cn "(-[a-z]+)?$")) next
            $1 = "deb-src"; print
        }' "$f"
done > "$APT/sources.list.d/ji-src.list"

# deb822 format (*.sources): stanzas whose Types include deb; Types becomes
# deb-src, Suites are filtered the same way.
for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    awk -v cn="$CODENAME" '
        function flush(   n, i, out, s, t) {
            if (nl == 0) return
            ok = (types ~ /(^|[ \t])deb([ \t]|$)/) && enabled !~ /^[ \t]*no/
            out = ""
            n = split(suites, s, /[ \t]+/)
            for (i = 1; i <= n; i++)
                if (s[i] ~ ("^" cn "(-[a-z]+)?$")) out = out " " s[i]
            if (ok && out != "") {
                for (i = 1; i <= nl; i++) {
                    t = line[i]
                    if (t ~ /^Types:/) t = "Types: deb-src"
                    else if (t ~ /^Suites:/) t = "Suites:" out
                    print t
                }
                print ""
            }
            nl = 0; types = ""; suites = ""; enabled = ""
        }
        /^[ \t]*$/ { flush(); next }
        /^#/ { next }
        {
            line[++nl] = $0
            if ($0 ~ /^Types:/)   { types = substr($0, 7) }
            if ($0 ~ /^Suites:/)  { suites = substr($0, 8) }
            if ($0 ~ /^Enabled:/) { enabled = substr($0, 9) }
        }
        END { flush() }' "$f"
done > "$APT/sources.list.d/ji-src.sources"

if ! [ -s "$APT/sources.list.d/ji-src.list" ] && ! [ -s "$APT/sources.list.d/ji-src.sources" ]; then
    echo "deps: found no $CODENAME suites in /etc/apt/sources.list{,.d/*} to take sources from" >&2
    exit 1
fi
[ -s "$APT/sources.list.d/ji-src.list" ] || rm -f "$APT/sources.list.d/ji-src.list"
[ -s "$APT/sources.list.d/ji-src.sources" ] || rm -f "$APT/sources.list.d/ji-src.sources"

# Private lists, cache and source lists; everything else (proxy, keyrings,
# trusted keys) as the machine has it. Signature checks stay on.
set -- -q \
    -o Dir::Etc::SourceList="$APT/sources.list" \
    -o Dir::Etc::SourceParts="$APT/sources.list.d" \
    -o Dir::Etc::Preferences="$APT/preferences" \
    -o Dir::Etc::PreferencesParts="$APT/preferences.d" \
    -o Dir::State::Lists="$APT/lists" \
    -o Dir::Cache="$APT/cache" \
    -o Dir::Cache::Archives="$APT/cache/archives" \
    -o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache= \
    -o APT::Sandbox::User=root \
    -o Acquire::Languages=none

log "fetching source indexes ($CODENAME) into $APT"
apt-get "$@" update >"$APT/update.log" 2>&1 || {
    cat "$APT/update.log" >&2; echo "deps: apt-get update (private deb-src list) failed" >&2; exit 1; }

rm -rf "$SRC" && mkdir -p "$SRC"
for pv in "$SECCOMP_SRC=$SECCOMP_VERSION" "$CAP_SRC=$CAP_VERSION"; do
    log "apt-get source --download-only $pv"
    (cd "$SRC" && apt-get "$@" source --download-only "$pv") >>"$SRC/fetch.log" 2>&1 || {
        cat "$SRC/fetch.log" >&2
        echo "deps: cannot fetch source package $pv; is the pin in mk/deps.mk still in the archive? (apt-cache showsrc)" >&2
        exit 1; }
done

# dpkg-source checks the .dsc against its files (apt already checked them
# against the signed Sources index) and applies Debian's patches.
upstream() { echo "${1#*:}" | sed 's/-[^-]*$//'; }
SECCOMP_DIR=$SRC/libseccomp-$(upstream "$SECCOMP_VERSION")
CAP_DIR=$SRC/libcap2-$(upstream "$CAP_VERSION")
(cd "$SRC" && dpkg-source -x "$SECCOMP_SRC"_*.dsc "$SECCOMP_DIR") >"$SRC/extract.log" 2>&1 &&
(cd "$SRC" && dpkg-source -x "$CAP_SRC"_*.dsc "$CAP_DIR") >>"$SRC/extract.log" 2>&1 || {
    cat "$SRC/extract.log" >&2; echo "deps: dpkg-source -x failed" >&2; exit 1; }

rm -rf "$PREFIX" && mkdir -p "$PREFIX/lib" "$PREFIX/include/sys"
JOBS=$(nproc 2>/dev/null || echo 2)

# ---- libseccomp: autotools, static only ----------------------------------
log "building libseccomp $SECCOMP_VERSION with $MUSL_CC"
(
    cd "$SECCOMP_DIR"
    ./configure --quiet --prefix="$PREFIX" --enable-static --disable-shared \
        --disable-python CC="$MUSL_CC" CFLAGS="-Os -ffunction-sections -fdata-sections -fno-asynchronous-unwind-tables -fno-unwind-tables -isystem $KINC" \
        >"$SRC/seccomp-build.log" 2>&1
    make -C src -j"$JOBS" libseccomp.la >>"$SRC/seccomp-build.log" 2>&1
) || { tail -40 "$SRC/seccomp-build.log" >&2; echo "deps: libseccomp build failed (log: $SRC/seccomp-build.log)" >&2; exit 1; }
cp "$SECCOMP_DIR/src/.libs/libseccomp.a" "$PREFIX/lib/libseccomp.a"
cp "$SECCOMP_DIR/include/seccomp.h" "$SECCOMP_DIR/include/seccomp-syscalls.h" "$PREFIX/include/"

# ---- libcap: plain make, only the static library -------------------------
log "building libcap $CAP_VERSION with $MUSL_CC"
(
    cd "$CAP_DIR/libcap"
    # _makenames runs on the build machine: BUILD_CC is the host compiler.
    make -j"$JOBS" libcap.a CC="$MUSL_CC" BUILD_CC=gcc AR=ar RANLIB=ranlib \
        COPTS="-Os -ffunction-sections -fdata-sections -fno-asynchronous-unwind-tables -fno-unwind-tables -isystem $KINC" >"$SRC/cap-build.log" 2>&1
) || { tail -40 "$SRC/cap-build.log" >&2; echo "deps: libcap build failed (log: $SRC/cap-build.log)" >&2; exit 1; }
cp "$CAP_DIR/libcap/libcap.a" "$PREFIX/lib/libcap.a"
cp "$CAP_DIR/libcap/include/sys/capability.h" "$PREFIX/include/sys/capability.h"

echo "$WANT" > "$STAMP"
log "done: $PREFIX/lib/libseccomp.a $PREFIX/lib/libcap.a"
