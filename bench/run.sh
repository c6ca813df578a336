#!/bin/sh
# make bench: sh bench/run.sh /abs/path/to/jailinit
#
# Whole-process benchmarks of jailinit against tini, tini-static, dumb-init,
# catatonit, `unshare -Urn` and the exec way (bench/exec-way.sh); see
# docs/benchmarks.md. Prints one markdown report and saves it as bench.md
# beside the binary (BENCH_OUT overrides). Needs root (PID and network
# namespaces); the jail part runs in a network namespace of its own.
# The tools (stamp, startlat, orphans, checkcost) are taken from the tools
# dir beside the binary ($(dirname jailinit)/tools, what `make tools`
# builds); missing ones are built there (stamp, startlat and orphans with
# plain musl-gcc: they need nothing of jailinit).
set -eu

ji=${1:?usage: sh bench/run.sh /abs/path/to/jailinit}
case $ji in /*) ;; *) ji=$(pwd)/$ji ;; esac
[ -x "$ji" ] || { echo "bench: $ji: not an executable" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "bench: needs root (PID and network namespaces)" >&2; exit 1; }
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
tools=$(dirname "$ji")/tools
out=${BENCH_OUT:-$(dirname "$ji")/bench.md}

missing=
for c in hyperfine tini tini-static dumb-init catatonit strace unshare nsenter ip nft iptables musl-gcc /usr/bin/time /usr/bin/python3; do
	command -v "$c" >/dev/null 2>&1 || missing="$missing $c"
done
[ -z "$missing" ] || { echo "bench: missing:$missing (make setup installs them)" >&2; exit 1; }

mkdir -p "$tools"
# checkcost links jailinit's modules: only the Makefile builds it (when the
# binary is a build of this tree: BUILD=$(dirname jailinit)); without it the
# check-cost line says n/a.
bdir=$(dirname "$ji")
case $bdir in
"$root"/*)
	if [ "$(basename "$ji")" = jailinit ]; then
		rel=${bdir#"$root"/}
		make -s -C "$root" BUILD="$rel" "$rel/tools/checkcost" >/dev/null 2>&1 ||
			echo "bench: could not build $rel/tools/checkcost (check cost: n/a)" >&2
	fi ;;
esac
for t in stamp startlat orphans egressbench; do
	src=$root/tests/tools/$t.c
	if [ ! -x "$tools/$t" ] || [ "$src" -nt "$tools/$t" ]; then
		echo "bench: building $tools/$t" >&2
		musl-gcc -std=gnu11 -O2 -Wall -Wextra -Werror -D_GNU_SOURCE -static -s -o "$tools/$t" "$src"
	fi
done

# The whole bench runs in a network namespace of its own: nothing it starts
# (a jail, if this build makes one by default; the exec way) can touch the
# machine's interfaces, routes or ruleset.
JI_ROOT_NETNS=$(readlink /proc/self/ns/net)
export JI_ROOT_NETNS
unshare --net -- /usr/bin/python3 "$here/bench.py" "$ji" "$tools" "$out"
# The egress proxy (issue 9), in a network namespace of its own too; its
# section is appended to the report.
exec unshare --net -- /usr/bin/python3 "$here/egress.py" "$ji" "$tools" "$out"
