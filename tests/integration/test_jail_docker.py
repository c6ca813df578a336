"""The jail in Docker (issue 3, "Tests", in Docker with the seed's
configuration): a FROM scratch image with the static jailinit, busybox, and
Debian's tinyproxy copied in with the two libraries `ldd` names (libc and the
dynamic loader), run `--network none` with `--cap-add NET_ADMIN` and the
seed's seccomp profile or the least-privilege one.

The container's entrypoint is a small busybox sh script that starts an HTTP
server on the container's loopback (the "internet" the proxy may reach) and a
second one on 0.0.0.0:8081 (something the jail must not reach directly), then
execs jailinit, which becomes PID 1.
"""
import os
import tempfile
import shutil
import subprocess

import pytest

import containers as C

PROXY_PORT = 3128
OUTER = "198.18.0.1"
SEED = dict(caps=("NET_ADMIN",), seccomp=C.SEED_PROFILE)
LEAST = dict(caps=("NET_ADMIN",), seccomp=C.LEAST_PROFILE)
PROFILES = {"seed": SEED, "least": LEAST}

TINYPROXY_CONF = f"""Port {PROXY_PORT}
Timeout 10
LogLevel Error
MaxClients 20
Allow 198.18.0.0/30
DisableViaHeader Yes
"""

# The container's PID 1 until it execs jailinit: servers, then jailinit.
ENTRY = """#!/bin/sh
mkdir -p /tmp/www /tmp/other
echo "hello from the container's web server" > /tmp/www/index.html
echo "the container's other server" > /tmp/other/index.html
httpd -p 127.0.0.1:8080 -h /tmp/www
httpd -p 0.0.0.0:8081 -h /tmp/other
i=0; while ! wget -q -O /dev/null http://127.0.0.1:8080/ && [ $i -lt 100 ]; do usleep 20000; i=$((i+1)); done
wget -q -O - http://127.0.0.1:8081/ | sed 's/^/control: /'
exec /jailinit "$@"
"""

FETCH = "timeout 5 wget -q -O - http://127.0.0.1:8080/"

# The agent in --net proxy: one line per attempt.
AGENT_PROXY = f"""#!/bin/sh
echo "uid $(id -u)"
echo "links $(ip -o link | awk -F': ' '{{print $2}}' | sed 's/@.*//' | tr '\\n' ' ')"
echo "proxy_env $HTTP_PROXY"
echo "fetch $({FETCH} 2>&1)"
if env -u http_proxy -u HTTP_PROXY timeout 2 wget -q -O - http://{OUTER}:8081/ >/dev/null 2>&1; then
  echo "direct_outer worked"; else echo "direct_outer failed"; fi
if nc -w 1 {OUTER} 22 </dev/null >/dev/null 2>&1; then echo "nc_outer_22 worked"; else echo "nc_outer_22 failed"; fi
if env -u http_proxy -u HTTP_PROXY timeout 2 wget -q -O - http://127.0.0.1:8080/ >/dev/null 2>&1; then
  echo "direct_lo worked"; else echo "direct_lo failed"; fi
if ping -c 1 -W 1 {OUTER} >/dev/null 2>&1; then echo "ping worked"; else echo "ping failed"; fi
if ip route add 10.0.0.0/8 dev eth0 2>/dev/null; then echo "route_add worked"; else echo "route_add failed"; fi
if unshare -n true 2>/dev/null; then echo "unshare_net worked"; else echo "unshare_net failed"; fi
echo "fetch_after $({FETCH} 2>&1)"
exit 7
"""

AGENT_NONE = """#!/bin/sh
echo "links $(ip -o link | awk -F': ' '{print $2}' | tr '\\n' ' ')"
if wget -q -O - http://127.0.0.1:8080/ >/dev/null 2>&1; then echo "container_lo worked"; else echo "container_lo failed"; fi
exit 42
"""

AGENT_TRAP = """#!/bin/sh
trap 'echo "got TERM"; exit 3' TERM
echo started
while :; do usleep 20000; done
"""


def _lib_files():
    """tinyproxy and the libraries ldd names, at the same paths."""
    files = {"/usr/bin/tinyproxy": "/usr/bin/tinyproxy"}
    out = subprocess.run(["ldd", "/usr/bin/tinyproxy"], capture_output=True, text=True,
                         check=True).stdout
    for line in out.splitlines():
        w = line.split()
        if "=>" in w and len(w) >= 3 and w[2].startswith("/"):
            files[w[2]] = os.path.realpath(w[2])
        elif w and w[0].startswith("/"):
            files[w[0]] = os.path.realpath(w[0])
    return files


@pytest.fixture(scope="module")
def jail_image(jailinit):
    C.require_docker()
    d = tempfile.mkdtemp(prefix="jailinit-dockerjail-")
    try:
        texts = {"/entry.sh": ENTRY, "/agent-proxy.sh": AGENT_PROXY, "/agent-none.sh": AGENT_NONE,
                 "/agent-trap.sh": AGENT_TRAP, "/etc/tinyproxy.conf": TINYPROXY_CONF}
        files = _lib_files()
        for ctr, text in texts.items():
            host = os.path.join(d, ctr.strip("/").replace("/", "_"))
            with open(host, "w") as f:
                f.write(text)
            os.chmod(host, 0o755)
            files[ctr] = host
        with C.image(jailinit, files=files) as tag:
            yield tag
    finally:
        shutil.rmtree(d, ignore_errors=True)


def run(image, args, profile, timeout=60):
    return C.docker_run(image, args, entrypoint="/entry.sh", timeout=timeout, **profile)


def lines(out):
    d = {}
    for line in out.splitlines():
        p = line.split(None, 1)
        if p:
            d[p[0]] = p[1] if len(p) > 1 else ""
    return d


def show(r):
    return f"exit {r.returncode}\n--- stdout:\n{r.stdout}\n--- stderr:\n{r.stderr}"


@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_net_none_in_docker(jail_image, profile):
    r = run(jail_image, ["--net", "none", "--", "/bin/sh", "/agent-none.sh"], PROFILES[profile])
    assert r.returncode == 42, show(r)
    d = lines(r.stdout)
    assert d["control:"] == "the container's other server", show(r)
    assert d["links"].split() == ["lo"], show(r)
    assert d["container_lo"] == "failed", show(r)


@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_net_proxy_with_tinyproxy_in_docker(jail_image, profile):
    """tinyproxy started by --proxy: the fetch works through it, direct
    connections fail, the agent's exit code comes back."""
    r = run(jail_image, ["--proxy-port", str(PROXY_PORT),
                         "--proxy", "/usr/bin/tinyproxy -d -c /etc/tinyproxy.conf",
                         "--", "/bin/sh", "/agent-proxy.sh"], PROFILES[profile])
    assert r.returncode == 7, show(r)
    d = lines(r.stdout)
    assert d["control:"] == "the container's other server", show(r)  # 8081 answers in the container
    assert d["uid"] == "65534", show(r)
    assert d["links"].split() == ["lo", "eth0"], show(r)
    assert d["proxy_env"] == f"http://{OUTER}:{PROXY_PORT}", show(r)
    assert d["fetch"] == "hello from the container's web server", show(r)
    for k in ("direct_outer", "nc_outer_22", "direct_lo", "ping", "route_add", "unshare_net"):
        assert d[k] == "failed", f"{k}\n{show(r)}"
    assert d["fetch_after"] == "hello from the container's web server", show(r)


@pytest.mark.parametrize("profile", sorted(PROFILES))
@pytest.mark.parametrize("net", ["none", "proxy"])
def test_docker_stop_reaches_the_agent_through_both_levels(jail_image, profile, net):
    """docker stop -> jailinit (PID 1) -> jail PID 1 -> agent, which traps
    SIGTERM and exits 3: the container exits 3, well before the stop timeout."""
    args = ["--net", "none"] if net == "none" else [
        "--proxy-port", str(PROXY_PORT), "--proxy", "/usr/bin/tinyproxy -d -c /etc/tinyproxy.conf"]
    with C.DockerContainer(jail_image, args + ["--", "/bin/sh", "/agent-trap.sh"],
                           entrypoint="/entry.sh", **PROFILES[profile]) as c:
        for _ in range(200):
            if "started" in c.logs():
                break
            subprocess.run(["sleep", "0.05"])
        assert "started" in c.logs(), c.logs()
        r = c.stop(time=20)
        assert r.returncode == 0, r.stderr
        assert c.wait() == 3, c.logs()
        assert "got TERM" in c.logs(), c.logs()


@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_agent_killed_by_signal_in_docker(jail_image, profile):
    r = run(jail_image, ["--net", "none", "--", "/bin/sh", "-c", "kill -KILL $$"], PROFILES[profile])
    assert r.returncode == 137, show(r)


def test_docker_default_fails_closed_with_77(jail_image):
    """No capability added, Docker's default seccomp profile: the jail cannot
    be built; jailinit exits 77 and the agent never runs."""
    r = C.docker_run(jail_image, ["--net", "none", "--", "/bin/sh", "-c", "echo AGENT-RAN"])
    assert r.returncode == 77, show(r)
    assert "AGENT-RAN" not in r.stdout + r.stderr, show(r)
    r = C.docker_run(jail_image, ["--proxy-port", str(PROXY_PORT), "--",
                                  "/bin/sh", "-c", "echo AGENT-RAN"], caps=("NET_ADMIN",))
    assert r.returncode == 77, show(r)
    assert "AGENT-RAN" not in r.stdout + r.stderr, show(r)


@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_root_agent_cannot_undo_the_jail_in_docker(jail_image, profile):
    """--user 0 (root of the jail's user namespace) in Docker: the same
    attempts fail (route, direct connections, ping, a new netns) and the
    fetch through the proxy still works afterwards."""
    r = run(jail_image, ["--user", "0", "--proxy-port", str(PROXY_PORT),
                         "--proxy", "/usr/bin/tinyproxy -d -c /etc/tinyproxy.conf",
                         "--", "/bin/sh", "/agent-proxy.sh"], PROFILES[profile])
    assert r.returncode == 7, show(r)
    d = lines(r.stdout)
    assert d["uid"] == "0", show(r)
    assert d["fetch"] == "hello from the container's web server", show(r)
    for k in ("direct_outer", "nc_outer_22", "direct_lo", "ping", "route_add", "unshare_net"):
        assert d[k] == "failed", f"{k}\n{show(r)}"
    assert d["fetch_after"] == "hello from the container's web server", show(r)
