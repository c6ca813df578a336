#!/bin/sh
# Seccomp profiles for Docker users of jailinit, made from a base Docker
# profile with jq.
#
#   sh docker/seccomp/generate.sh [-o OUTDIR] [BASE.json]     (make profiles)
#
# BASE defaults to the default profile of Debian's docker.io, taken from the
# golang-github-docker-docker-dev package (version pinned below) with
# `apt-get download` + `dpkg -x` into build/seccomp-base/ (never installed,
# never committed). Writes into OUTDIR (default docker/seccomp/):
#
#   jailinit-seed.json             the base plus clone allowed outright (what
#                                  the seed documentation asks for)
#   jailinit-least-privilege.json  the base plus clone allowed only when its
#                                  namespace bits are exactly jailinit's:
#                                  NEWUSER|NEWNET|NEWPID|NEWUTS|NEWIPC, or
#                                  NEWUSER|NEWNET (the fallback when the
#                                  runtime refuses PID/UTS/IPC); nothing else.
#   jailinit-least-privilege.oci-amd64.json, .oci-arm64.json
#                                  the same in the OCI runtime-spec format
#                                  (linux.seccomp), for runtimes that read
#                                  that format and not Docker's, e.g.
#                                  containerd under Kubernetes (Localhost
#                                  profiles): flattened the way Docker does
#                                  for one architecture and a container with
#                                  Docker's default capabilities plus
#                                  NET_ADMIN (a kernel >= 4.8 assumed for
#                                  minKernel rules).
#
# The new rules follow the base's own clone rules (SCMP_CMP_MASKED_EQ on the
# flags argument, index 0, and index 1 on s390/s390x) and are inserted right
# after them; the rest of the base is copied unchanged, in its own order, so
# the output is deterministic and a diff against the base shows only them.
set -eu
tmp= ; seedtmp= ; leasttmp=
trap 'rm -rf "$tmp" "$seedtmp" "$leasttmp"' EXIT

DEB_PKG=golang-github-docker-docker-dev
DEB_VERSION=${JI_SECCOMP_BASE_VERSION:-20.10.24+dfsg1-1+deb12u1}
DEB_PATH=usr/share/gocode/src/github.com/docker/docker/profiles/seccomp/default.json

# OUTDIR and BASE are relative to the caller's directory; the rest to the
# repository's root.
abs() { case $1 in /*) echo "$1" ;; *) echo "$PWD/$1" ;; esac; }
out=
if [ "${1:-}" = "-o" ] && [ $# -ge 2 ]; then out=$(abs "$2"); shift 2; fi
[ $# -le 1 ] || { echo "usage: $0 [-o OUTDIR] [BASE.json]" >&2; exit 64; }
[ $# -eq 0 ] || set -- "$(abs "$1")"
cd "$(dirname "$0")/../.."
out=${out:-docker/seccomp}
command -v jq >/dev/null || { echo "generate.sh: jq is missing (make setup)" >&2; exit 69; }

if [ $# -eq 1 ]; then
	base=$1
	origin="base profile $(basename "$base")"
else
	cache=build/seccomp-base/$DEB_VERSION
	base=$cache/default.json
	origin="Debian docker.io $DEB_VERSION default profile"
	if [ ! -s "$base" ]; then
		mkdir -p build/seccomp-base
		tmp=$(mktemp -d build/seccomp-base/.dl.XXXXXX)
		# apt drops privileges to _apt and needs a directory it may write.
		chmod 0777 "$tmp"
		(cd "$tmp" && apt-get download -q "$DEB_PKG=$DEB_VERSION") >&2 || {
			echo "generate.sh: cannot download $DEB_PKG=$DEB_VERSION;" \
				"set JI_SECCOMP_BASE_VERSION or pass a base profile" >&2
			exit 69
		}
		dpkg -x "$tmp"/*.deb "$tmp/x"
		mkdir -p "$tmp/out"
		cp "$tmp/x/$DEB_PATH" "$tmp/out/default.json"
		rm -rf "$cache"
		mv "$tmp/out" "$cache" 2>/dev/null || [ -s "$base" ]  # lost a race: fine
	fi
fi
[ -s "$base" ] || { echo "generate.sh: no base profile at $base" >&2; exit 66; }

mkdir -p "$out"

# The rules to add go right after the base's last clone rule.
# $rules: the new entries, already in the base's style.
add_rules() {
	jq --tab --argjson rules "$1" '
		(.syscalls | map(.names | index("clone") != null) | rindex(true)) as $at
		| if $at == null then error("base profile has no clone rule") else . end
		| .syscalls = .syscalls[0:$at + 1] + $rules + .syscalls[$at + 1:]
	' "$base"
}

# SCMP_CMP_MASKED_EQ: (arg & value) == valueTwo.
NSMASK=2114060288   # 0x7E020000 NEWNS|NEWCGROUP|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET
JAIL_FULL=2080374784 # 0x7C000000 NEWUSER|NEWNET|NEWPID|NEWUTS|NEWIPC
JAIL_MIN=1342177280  # 0x50000000 NEWUSER|NEWNET

seed=$(jq -n --arg o "$origin" '[{
	names: ["clone"], action: "SCMP_ACT_ALLOW", args: [],
	comment: ("jailinit seed profile: clone allowed with any flags (generate.sh, from the " + $o + ")"),
	includes: {}, excludes: {}
}]')

least=$(jq -n --arg o "$origin" --argjson mask $NSMASK \
	--argjson full $JAIL_FULL --argjson min $JAIL_MIN '
	def rule($idx; $val; $what; $arch):
		{ names: ["clone"], action: "SCMP_ACT_ALLOW",
		  args: [{ index: $idx, value: $mask, valueTwo: $val, op: "SCMP_CMP_MASKED_EQ" }],
		  comment: ("jailinit: clone with exactly " + $what + " of the namespace flags"
		            + (if $arch then ", s390 parameter ordering" else "" end)
		            + " (generate.sh, from the " + $o + ")"),
		  includes: (if $arch then { arches: ["s390", "s390x"] } else {} end),
		  excludes: (if $arch then { caps: ["CAP_SYS_ADMIN"] }
		             else { caps: ["CAP_SYS_ADMIN"], arches: ["s390", "s390x"] } end) };
	[ rule(0; $full; "NEWUSER|NEWNET|NEWPID|NEWUTS|NEWIPC"; false),
	  rule(1; $full; "NEWUSER|NEWNET|NEWPID|NEWUTS|NEWIPC"; true),
	  rule(0; $min; "NEWUSER|NEWNET"; false),
	  rule(1; $min; "NEWUSER|NEWNET"; true) ]')

# Docker's profile -> OCI linux.seccomp for one GOARCH and capability set,
# the way Docker itself does it (includes/excludes on arches and caps,
# archMap -> architectures).
OCI_CAPS='["CAP_CHOWN","CAP_DAC_OVERRIDE","CAP_FSETID","CAP_FOWNER","CAP_MKNOD","CAP_NET_RAW",
 "CAP_SETGID","CAP_SETUID","CAP_SETFCAP","CAP_SETPCAP","CAP_NET_BIND_SERVICE","CAP_SYS_CHROOT",
 "CAP_KILL","CAP_AUDIT_WRITE","CAP_NET_ADMIN"]'
to_oci() { # GOARCH SCMP_ARCH < docker profile
	jq --tab --arg goarch "$1" --arg native "$2" --argjson caps "$OCI_CAPS" '
		def has($list; $x): any($list[]; . == $x);
		{ defaultAction: .defaultAction }
		+ (if .defaultErrnoRet != null then { defaultErrnoRet: .defaultErrnoRet } else {} end)
		+ { architectures: ([(.archMap // [])[] | select(.architecture == $native)
		                     | [.architecture] + (.subArchitectures // [])] | first // []),
		    syscalls: [ .syscalls[]
			| (.includes // {}) as $in | (.excludes // {}) as $ex
			| select(($in.arches // []) == [] or has($in.arches; $goarch))
			| select(has($ex.arches // []; $goarch) | not)
			| select(all(($in.caps // [])[]; has($caps; .)))
			| select(any(($ex.caps // [])[]; has($caps; .)) | not)
			| { names: (.names // [.name]), action: .action }
			  + (if .errnoRet != null then { errnoRet: .errnoRet } else {} end)
			  + (if (.args // []) != [] then { args: [ .args[]
				| { index, value, valueTwo: (.valueTwo // 0), op } ] } else {} end) ] }'
}

seedtmp=$out/.jailinit-seed.json.tmp
leasttmp=$out/.jailinit-least-privilege.json.tmp
add_rules "$seed" > "$seedtmp"
add_rules "$least" > "$leasttmp"
mv "$seedtmp" "$out/jailinit-seed.json"
mv "$leasttmp" "$out/jailinit-least-privilege.json"
for a in amd64:SCMP_ARCH_X86_64 arm64:SCMP_ARCH_AARCH64; do
	f=$out/jailinit-least-privilege.oci-${a%%:*}.json
	leasttmp=$f.tmp
	to_oci "${a%%:*}" "${a#*:}" < "$out/jailinit-least-privilege.json" > "$leasttmp"
	mv "$leasttmp" "$f"
done
echo "wrote $out/jailinit-seed.json $out/jailinit-least-privilege.json" \
	"$out/jailinit-least-privilege.oci-amd64.json $out/jailinit-least-privilege.oci-arm64.json ($origin)"
