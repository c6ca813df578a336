#!/bin/sh
# Start the Docker engine for the container tests, if it is not answering:
# dockerd --iptables=false in the background (log: $DOCKERD_LOG), then wait
# (at most $DOCKER_UP_TIMEOUT seconds, default 60) until it answers.
# Idempotent: does nothing when `$DOCKER info` already works.
#
# DOCKER is the client the tests use (default /usr/bin/docker, Debian's
# client, the same version as Debian's engine; see HACKING.md).
set -eu
DOCKER=${DOCKER:-/usr/bin/docker}
DOCKERD=${DOCKERD:-dockerd}
DOCKERD_LOG=${DOCKERD_LOG:-/var/log/jailinit-dockerd.log}
TIMEOUT=${DOCKER_UP_TIMEOUT:-60}

up() { "$DOCKER" info >/dev/null 2>&1; }

if up; then
    echo "docker-up: engine answering ($("$DOCKER" version -f '{{.Server.Version}}' 2>/dev/null))"
    exit 0
fi
command -v "$DOCKER" >/dev/null 2>&1 || { echo "docker-up: no client $DOCKER (make setup)" >&2; exit 1; }
command -v "$DOCKERD" >/dev/null 2>&1 || { echo "docker-up: no $DOCKERD (make setup)" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || { echo "docker-up: the engine is down and starting it needs root" >&2; exit 1; }

# One starter at a time; a second caller waits, then finds it answering.
if [ -z "${JI_DOCKER_LOCKED:-}" ] && command -v flock >/dev/null 2>&1; then
    JI_DOCKER_LOCKED=1 exec flock /run/lock/jailinit-docker-up.lock sh "$0" "$@"
fi

pid=
if pgrep -x dockerd >/dev/null 2>&1; then
    echo "docker-up: a dockerd is running but not answering yet; waiting for it"
else
    echo "docker-up: starting $DOCKERD --iptables=false (log: $DOCKERD_LOG)"
    mkdir -p "$(dirname "$DOCKERD_LOG")"
    # Its own session, no stdin, so it outlives this script and make.
    setsid "$DOCKERD" --iptables=false </dev/null >>"$DOCKERD_LOG" 2>&1 &
    pid=$!
fi

i=0
while ! up; do
    if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
        echo "docker-up: dockerd exited; the end of $DOCKERD_LOG:" >&2
        tail -20 "$DOCKERD_LOG" >&2
        exit 1
    fi
    i=$((i + 1))
    if [ "$i" -gt $((TIMEOUT * 2)) ]; then
        echo "docker-up: no answer from the engine after ${TIMEOUT}s; the end of $DOCKERD_LOG:" >&2
        tail -20 "$DOCKERD_LOG" >&2
        exit 1
    fi
    sleep 0.5
done
echo "docker-up: engine answering after $((i / 2))s ($("$DOCKER" version -f '{{.Server.Version}}' 2>/dev/null))"
