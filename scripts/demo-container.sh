#!/bin/sh
# The demo's "container": PID 1 of its own PID namespace, with an empty
# network namespace (like `docker run --network none`). A web server on its loopback stands for the internet; the
# proxy's hosts file gives it two names, one allowed, one not. Nothing
# leaves the namespaces made here.
set -eu
JAILINIT=$1 work=$2 agent=$3
ip link set lo up
mkdir -p "$work/www"
echo "hello from the demo's internet" >"$work/www/index.html"
busybox httpd -p 127.0.0.1:8080 -h "$work/www"
# The names, for jailinit's proxy only (the jail's own lookups go to the
# jail's DNS, which jailinit answers): an "allowed" API and an "evil" host.
echo "127.0.0.1 api.allowed.test evil.test" >"$work/hosts"
rules="--allow api.allowed.test:8080 --allow 127.0.0.1:8080"
echo "== jailinit --net transparent $rules -- demo-agent.sh"
echo "   (the demo's internet is this container's loopback: the address rule lifts the loopback policy for it)"
set +e
JAILINIT_HOSTS="$work/hosts" "$JAILINIT" --net transparent $rules -- "$(command -v busybox)" sh "$agent"
code=$?
echo "== the agent exited with status $code"
sleep 0.2 # the jail netns (and with it the veth) is freed asynchronously
echo "== after the run, in the container: veths: $(ip -o link show type veth | wc -l), nf_tables tables: $(nft list tables 2>/dev/null | wc -l)"
exit $code
