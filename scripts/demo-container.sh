#!/bin/sh
# The demo's "container": PID 1 of its own PID namespace, with an empty
# network namespace (like `docker run --network none`). A web server on its
# loopback stands for the internet the proxy may reach.
set -eu
JAILINIT=$1 work=$2 agent=$3
ip link set lo up
mkdir -p "$work/www"
echo "hello from the container's web server" >"$work/www/index.html"
busybox httpd -p 127.0.0.1:8080 -h "$work/www"
cat >"$work/tinyproxy.conf" <<CONF
Port 3128
Timeout 10
LogLevel Error
MaxClients 20
Allow 198.18.0.0/30
DisableViaHeader Yes
CONF
echo "== jailinit --net proxy --proxy-port 3128 --proxy 'tinyproxy -d ...' -- demo-agent.sh"
set +e
"$JAILINIT" --net proxy --proxy-port 3128 --proxy "$(command -v tinyproxy) -d -c $work/tinyproxy.conf" \
	-- "$(command -v busybox)" sh "$agent"
code=$?
echo "== the agent exited with status $code"
sleep 0.2 # the jail netns (and with it the veth) is freed asynchronously
echo "== after the run, in the container: veths: $(ip -o link show type veth | wc -l), nf_tables tables: $(nft list tables 2>/dev/null | wc -l)"
exit $code
