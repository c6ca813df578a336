#!/bin/sh
# make demo: run the embedded demo agent in a jail and show what it can and
# cannot reach. Everything happens in a throwaway "container" (a new network
# and PID namespace made here): the machine's own network is never touched.
#   usage: sh scripts/demo.sh /abs/path/to/jailinit
set -eu
JAILINIT=${1:?usage: demo.sh /path/to/jailinit}
here=$(cd "$(dirname "$0")" && pwd)
if [ "$(id -u)" != 0 ]; then
	echo "make demo makes namespaces and needs root (sudo make demo)" >&2
	exit 1
fi
for tool in unshare busybox; do
	command -v "$tool" >/dev/null || { echo "demo: $tool missing; run make setup" >&2; exit 1; }
done
work=$(mktemp -d /tmp/jailinit-demo.XXXXXX)
trap 'rm -rf "$work"' EXIT INT TERM
chmod 755 "$work"
exec unshare --net --pid --fork --mount-proc sh "$here/demo-container.sh" "$JAILINIT" "$work" "$here/demo-agent.sh"
