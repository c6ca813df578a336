#!/bin/sh
# exec-way.sh: the jail jailinit builds, done the way existing agent
# firewalls do it, by exec'ing iproute2 and nft/iptables from a shell; the
# baseline of `make bench`'s jail section.
#
#   exec-way.sh [--mode none|proxy|transparent] [--fw nft|iptables]
#               [--proxy-port PORT] -- COMMAND [ARG...]
#
# Runs COMMAND in a new user + network namespace (unshare -Urn) whose only
# link is a veth to the current netns; egress allowed only to PORT on the
# host end (transparent: every TCP connection redirected there), then tears
# everything down and exits with COMMAND's status. The agent's stdout is
# this script's stdout (startlat reads the stamp from it).
#
# It changes the CURRENT network namespace (a veth, a table/rules): run it
# only in a namespace you made (bench/run.sh runs it under `unshare --net`).
# It refuses to run in a netns that has any link but lo (a namespace made
# for it is empty; the machine's is not), and in the one named by
# JI_ROOT_NETNS (a readlink of /proc/self/ns/net the caller took there).
set -eu

mode=transparent fw=nft port=3128
while [ $# -gt 0 ]; do
	case $1 in
	--mode) mode=$2; shift 2 ;;
	--fw) fw=$2; shift 2 ;;
	--proxy-port) port=$2; shift 2 ;;
	--) shift; break ;;
	*) break ;;
	esac
done
[ $# -gt 0 ] || { echo "usage: exec-way.sh [--mode M] [--fw nft|iptables] [--proxy-port P] -- CMD..." >&2; exit 64; }
if { [ -n "${JI_ROOT_NETNS:-}" ] && [ "$(readlink /proc/self/ns/net)" = "$JI_ROOT_NETNS" ]; } ||
	ip -o link show | grep -qv '^[0-9]*: lo:'; then
	echo "exec-way.sh: refusing: run it in an empty network namespace of your own (unshare --net)" >&2
	exit 99
fi

id=$$
host=jbh$id peer=jbj$id table=jb$id
haddr=10.254.253.1 jaddr=10.254.253.2
dir=$(mktemp -d)
mkfifo "$dir/ready" "$dir/go"

# The jail's first process: waits for the go, then becomes the agent.
# (unshare -Urn: new user ns mapping root, new net ns; what most shell-based
# sandboxes do, before they configure it from outside with nsenter.)
unshare -Urn sh -c 'echo >"$1"; read -r _ <"$2"; shift 2; exec "$@"' jail "$dir/ready" "$dir/go" "$@" &
child=$!
read -r _ <"$dir/ready"

teardown() {
	if [ "$mode" != none ]; then
		ip link del "$host" 2>/dev/null || true
		if [ "$fw" = nft ]; then
			nft delete table inet "$table" 2>/dev/null || true
		else
			iptables -t nat -D PREROUTING -i "$host" -p tcp -j REDIRECT --to-ports "$port" 2>/dev/null || true
			iptables -D INPUT -i "$host" -p tcp -d "$haddr" --dport "$port" -j ACCEPT 2>/dev/null || true
			iptables -D INPUT -i "$host" -j DROP 2>/dev/null || true
			iptables -D FORWARD -i "$host" -j DROP 2>/dev/null || true
			iptables -D FORWARD -o "$host" -j DROP 2>/dev/null || true
		fi
	fi
	rm -rf "$dir"
}
done=
trap '[ -n "$done" ] || { kill -KILL $child 2>/dev/null; teardown; }' EXIT
trap 'exit 71' INT TERM HUP
jip() { nsenter -t "$child" -n ip "$@"; }

jip link set lo up
if [ "$mode" != none ]; then
	ip link add "$host" type veth peer name "$peer"
	ip link set "$peer" netns "$child"
	ip addr add "$haddr/30" dev "$host"
	ip link set "$host" up
	jip addr add "$jaddr/30" dev "$peer"
	jip link set "$peer" up
	jip route add default via "$haddr"
	if [ "$fw" = nft ]; then
		redirect=
		[ "$mode" = transparent ] && redirect="chain prerouting { type nat hook prerouting priority dstnat; iifname \"$host\" meta l4proto tcp redirect to :$port; }"
		nft -f - <<-RULES
		table inet $table {
			chain input { type filter hook input priority filter; policy accept;
				iifname "$host" ip daddr $haddr tcp dport $port accept
				iifname "$host" drop
			}
			chain forward { type filter hook forward priority filter; policy accept;
				iifname "$host" drop
				oifname "$host" drop
			}
			$redirect
		}
		RULES
	else
		if [ "$mode" = transparent ]; then
			iptables -t nat -A PREROUTING -i "$host" -p tcp -j REDIRECT --to-ports "$port"
		fi
		iptables -A INPUT -i "$host" -p tcp -d "$haddr" --dport "$port" -j ACCEPT
		iptables -A INPUT -i "$host" -j DROP
		iptables -A FORWARD -i "$host" -j DROP
		iptables -A FORWARD -o "$host" -j DROP
	fi
fi
echo >"$dir/go"
status=0
wait "$child" || status=$?
done=1
teardown
exit "$status"
