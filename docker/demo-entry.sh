#!/bin/sh
# The demo image's entry point (make image): what make demo does, in a
# container of Docker's: a web server on the container's loopback stands for
# the internet, the proxy's hosts file names it twice, and the demo agent
# runs in a transparent jail behind jailinit's own allowlist.
#   docker run --rm --network none --cap-add NET_ADMIN \
#     --security-opt seccomp=jailinit-least-privilege.json jailinit-demo
set -eu
mkdir -p /tmp/www
echo "hello from the demo's internet" >/tmp/www/index.html
httpd -p 127.0.0.1:8080 -h /tmp/www
echo "127.0.0.1 api.allowed.test evil.test" >/tmp/hosts
echo "== jailinit --net transparent --allow api.allowed.test:8080 --allow 127.0.0.1:8080 -- demo-agent.sh"
export JAILINIT_HOSTS=/tmp/hosts
exec /jailinit --net transparent --allow api.allowed.test:8080 --allow 127.0.0.1:8080 "$@" -- /bin/sh /demo/demo-agent.sh
