#!/bin/sh
# Install every Debian package the build and the tests need (the list is
# scripts/packages.txt). Idempotent and fast when everything is present:
# one dpkg-query, no apt at all. Otherwise apt-get update (once) and
# install of only what is missing, non-interactive.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
list=$here/packages.txt

pkgs=$(sed -e 's/#.*//' -e 's/[[:space:]]//g' -e '/^$/d' "$list")

missing() {
    # Packages not in state "install ok installed" (unknown ones too).
    # shellcheck disable=SC2086
    dpkg-query -W -f='${db:Status-Abbrev} ${Package}\n' $pkgs 2>/dev/null \
        | awk '$1 == "ii" { print $2 }' > "$tmp"
    for p in $pkgs; do grep -qx "$p" "$tmp" || echo "$p"; done
}
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT

todo=$(missing)
if [ -z "$todo" ]; then
    echo "setup: all $(echo "$pkgs" | wc -l) packages present"
    exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO="sudo -n"; else
        echo "setup: missing packages:" $todo >&2
        echo "setup: not root and no sudo: install them as root" >&2
        exit 1
    fi
else
    SUDO=
fi

# Two setups at once (several makes): the second waits, then re-checks.
if [ -z "${JI_SETUP_LOCKED:-}" ] && command -v flock >/dev/null 2>&1; then
    lock=/run/lock/jailinit-setup.lock
    [ -w /run/lock ] || lock=${TMPDIR:-/tmp}/jailinit-setup.lock
    rm -f "$tmp"
    JI_SETUP_LOCKED=1 exec flock "$lock" sh "$0" "$@"
fi

echo "setup: installing:" $todo
export DEBIAN_FRONTEND=noninteractive
APT="$SUDO apt-get -q -y -o DPkg::Lock::Timeout=600 -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold"
# Lists are updated once per setup that has something to install: a fresh
# machine may have none, an old machine stale ones.
# A failing third-party repository must not stop the install from Debian's.
$APT update || echo "setup: apt-get update reported errors; trying the install anyway" >&2
# shellcheck disable=SC2086
$APT install --no-install-recommends $todo

todo=$(missing)
if [ -n "$todo" ]; then
    echo "setup: still missing after install:" $todo >&2
    exit 1
fi
echo "setup: done"
