"""Helpers for integration tests: namespaces the test makes itself."""
import os
import subprocess

ROOT_NETNS = os.readlink("/proc/self/ns/net")

# Runs inside the new namespaces; refuses to go on in the root netns.
_GUARD = (
    'if [ "$(readlink /proc/self/ns/net)" = "$JI_ROOT_NETNS" ]; then '
    'echo "refusing to run: still in the root network namespace" >&2; exit 99; fi; '
    'ip link set lo up 2>/dev/null || true; exec "$@"'
)


def netns_cmd(cmd, pid=True):
    """Wrap cmd to run in a fresh network namespace (and PID namespace with
    its own /proc when pid=True), so its veths and tables die with it."""
    wrap = ["unshare", "--net"]
    if pid:
        wrap += ["--pid", "--fork", "--mount-proc"]
    return wrap + ["env", f"JI_ROOT_NETNS={ROOT_NETNS}", "sh", "-c", _GUARD, "guard"] + list(cmd)


def run(cmd, timeout=30, **kw):
    kw.setdefault("capture_output", True)
    kw.setdefault("text", True)
    return subprocess.run(cmd, timeout=timeout, **kw)
