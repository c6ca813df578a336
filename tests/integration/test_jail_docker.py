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

# The example config the repository ships (docker/tinyproxy.conf, README):
# what users copy is what is tested.
with open(os.path.join(os.path.dirname(C.DOCKERFILE), "tinyproxy.conf")) as _f:
    TINYPROXY_CONF = _f.read()
assert f"Port {PROXY_PORT}" in TINYPROXY_CONF

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


# Issue 14 in Docker: jailinit is not PID 1 here (the script must outlive it
# to report), a subreaper under the script; /leakprobe (tests/tools) holds
# the sockets, counts what reaches the container's server, loops connects.
ENTRY_FDS = """#!/bin/sh
/leakprobe serve 127.0.0.1 9000 /tmp/server.log >/tmp/serve.out &
i=0; while ! grep -q ready /tmp/serve.out && [ $i -lt 100 ]; do usleep 20000; i=$((i+1)); done
/leakprobe hold 127.0.0.1 9000 -- "$@" /leakprobe probe 127.0.0.1 9000 </dev/null
echo "code $?"
/leakprobe hold 127.0.0.1 9000 --stdin -- "$@" /leakprobe probe 127.0.0.1 9000 | sed 's/^/stdin_/'
echo "code_stdin $?"
usleep 200000
grep -v accept /tmp/server.log | sed 's/^/heard /'
echo "end"
"""

ENTRY_KILL = f"""#!/bin/sh
/leakprobe serve 0.0.0.0 8081 /tmp/server.log >/tmp/serve.out &
i=0; while ! grep -q ready /tmp/serve.out && [ $i -lt 100 ]; do usleep 20000; i=$((i+1)); done
"$@" --proxy-port {PROXY_PORT} -- /leakprobe connloop {OUTER} 8081 /tmp/looping & JI=$!
i=0; while [ ! -e /tmp/looping ] && [ $i -lt 200 ]; do usleep 20000; i=$((i+1)); done
usleep 200000
echo "before_kill $(grep -c accept /tmp/server.log)"
kill -9 $JI; wait $JI; echo "code $?"
usleep 500000
echo "after_kill $(grep -c accept /tmp/server.log)"
"""

ENTRY_SIGNAL = """#!/bin/sh
/leakprobe sleepas 65534 & N=$!
usleep 100000
"$@" --net none -- /bin/sh -c "if kill -0 $N 2>/dev/null; then echo signal worked; else echo signal refused; fi"
echo "code $?"
if kill -0 $N; then echo "control worked"; fi
"""


# The built-in egress policy (issue 9) in Docker: the "internet" is the
# container's loopback server, named by the proxy's hosts file (not the
# container's /etc/hosts, which the jail reads too); an address rule lifts
# the loopback policy for it. The jail's DNS is asked at a documentation
# address (redirected: nothing leaves).
EGRESS_HOSTS = "127.0.0.1 allowed.test other.test\n"
EGRESS_RULES = ["--allow", "allowed.test:8080", "--allow", "127.0.0.1:8080"]
AGENT_EGRESS = """#!/bin/sh
echo "explicit $(timeout 5 wget -q -O - http://allowed.test:8080/ 2>&1)"
echo "refused $(timeout 5 wget -q -O - http://other.test:8080/ 2>&1 | grep -o 'HTTP/1.1 [0-9]*' | head -1)"
synth=$(nslookup allowed.test 203.0.113.53 2>&1 | awk '/^Address/ {a=$NF} END {print a}')
echo "dns_allowed $synth"
if nslookup other.test 203.0.113.53 2>&1 | grep -q NXDOMAIN; then echo "dns_other NXDOMAIN"; else echo "dns_other answered"; fi
echo "transparent $(env -u http_proxy -u HTTP_PROXY timeout 5 wget -q -O - http://$synth:8080/ 2>&1)"
if env -u http_proxy -u HTTP_PROXY timeout 3 wget -q -O - http://198.51.100.7:8080/ >/dev/null 2>&1; then
  echo "direct_addr worked"; else echo "direct_addr failed"; fi
exit 5
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
def jail_image(jailinit, build_dir):
    C.require_docker()
    d = tempfile.mkdtemp(prefix="jailinit-dockerjail-")
    try:
        texts = {"/entry.sh": ENTRY, "/agent-proxy.sh": AGENT_PROXY, "/agent-none.sh": AGENT_NONE,
                 "/agent-trap.sh": AGENT_TRAP, "/etc/tinyproxy.conf": TINYPROXY_CONF,
                 "/entry-fds.sh": ENTRY_FDS, "/entry-kill.sh": ENTRY_KILL, "/entry-signal.sh": ENTRY_SIGNAL,
                 "/agent-egress.sh": AGENT_EGRESS, "/etc/jailinit-hosts": EGRESS_HOSTS}
        files = _lib_files()
        for tool in ("leakprobe", "nopidns"):
            path = os.path.join(build_dir, "tools", tool)
            assert os.access(path, os.X_OK), "make tools"
            files["/" + tool] = path
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


@pytest.mark.parametrize("pidns", ["pidns", "nopidns"])
def test_inherited_sockets_reach_nothing_in_docker(jail_image, pidns):
    """Issue 14, 1, with the least-privilege profile: a connected TCP socket,
    a listener and a UDP socket of the container's netns given to jailinit
    are not the agent's, and the server behind them hears nothing; the
    connected socket as stdin makes jailinit refuse (71) before the agent."""
    cmd = (["/nopidns"] if pidns == "nopidns" else []) + ["/jailinit", "--net", "none", "--"]
    r = C.docker_run(jail_image, cmd, entrypoint="/entry-fds.sh", **LEAST)
    assert r.returncode == 0, show(r)
    d = lines(r.stdout)
    assert d["end"] == "", show(r)
    assert (d["fd3"], d["fd4"], d["fd5"]) == ("closed", "closed", "closed"), show(r)
    assert d["code"] == "0", show(r)
    assert "stdin_fd0" not in d, show(r)  # the agent never ran
    assert "agent stdio: fd 0 (stdin) is an AF_INET socket" in r.stderr, show(r)
    assert "heard" not in d, f"the server heard the agent\n{show(r)}"


@pytest.mark.parametrize("pidns", ["pidns", "nopidns"])
def test_sigkill_of_jailinit_lets_nothing_out_in_docker(jail_image, pidns):
    """Issue 14, 2, with the least-privilege profile: an agent that connects
    without pause to a port the table drops; SIGKILL of jailinit; the
    container's listener accepts nothing, before or after."""
    cmd = (["/nopidns"] if pidns == "nopidns" else []) + ["/jailinit"]
    r = C.docker_run(jail_image, cmd, entrypoint="/entry-kill.sh", **LEAST)
    d = lines(r.stdout)
    assert d["code"] == "137", show(r)
    assert d["before_kill"] == "0", show(r)
    assert d["after_kill"] == "0", f"connections got out after the SIGKILL\n{show(r)}"


def test_no_pid_namespace_agent_cannot_signal_a_same_uid_process_in_docker(jail_image):
    """Issue 14, 3, with the least-privilege profile and no PID namespace
    (/nopidns): a uid-65534 process outside the jail takes signals from the
    container (control) but not from the agent, also uid 65534."""
    r = C.docker_run(jail_image, ["/nopidns", "/jailinit"], entrypoint="/entry-signal.sh", **LEAST)
    d = lines(r.stdout)
    assert d["code"] == "0", show(r)
    assert d["control"] == "worked", show(r)
    assert "no PID namespace" in r.stderr, show(r)
    assert d["signal"] == "refused", f"the agent signalled a same-uid process outside the jail\n{show(r)}"


@pytest.mark.parametrize("mode", ["proxy", "transparent"])
@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_allow_rules_in_docker(jail_image, profile, mode):
    """The built-in egress policy in a FROM scratch image (jailinit and the
    test agent's busybox), --network none, NET_ADMIN and the seed's or the
    least-privilege seccomp profile: an allowed name is reached through the
    proxy, another is refused with 403, the jail's DNS gives the allowed name
    a synthetic address and the other NXDOMAIN; in transparent mode a plain
    connection to the synthetic address (no proxy settings) reaches the
    allowed host too; a direct connection elsewhere fails."""
    r = C.docker_run(jail_image, ["--net", mode] + EGRESS_RULES + ["--", "/bin/sh", "/agent-egress.sh"],
                     entrypoint="/entry.sh", extra=("-e", "JAILINIT_HOSTS=/etc/jailinit-hosts"),
                     **PROFILES[profile])
    assert r.returncode == 5, show(r)
    d = lines(r.stdout)
    assert d["explicit"] == "hello from the container's web server", show(r)
    assert d["refused"] == "HTTP/1.1 403", show(r)
    assert d["dns_allowed"].startswith("198.19."), show(r)
    assert d["dns_other"] == "NXDOMAIN", show(r)
    if mode == "transparent":
        assert d["transparent"] == "hello from the container's web server", show(r)
    else:
        assert d["transparent"] != "hello from the container's web server", show(r)  # reset: no proxy in the way
    assert d["direct_addr"] == "failed", show(r)
    assert "jailinit egress:" in r.stderr and "deny other.test:8080" in r.stderr, show(r)


@pytest.mark.parametrize("mode", ["none", "proxy"])
def test_docker_run_it_prompt_and_ctrl_c(jail_image, mode):
    """`docker run -it` (issue 15, 1), driven through a pty of the test's:
    the agent's prompt reads what is typed (it holds the terminal's
    foreground through both levels of the jail), and ^C interrupts it: the
    container exits 130 at once, not after docker stop's 10 s."""
    import pty
    import select
    import time
    args = (["--net", "none"] if mode == "none" else
            ["--proxy-port", str(PROXY_PORT), "--proxy", "/usr/bin/tinyproxy -d -c /etc/tinyproxy.conf"])
    name = C.unique("tty")
    argv = ([C.DOCKER, "run", "--rm", "-it", "--name", name]
            + C._docker_opts(caps=("NET_ADMIN",), seccomp=C.LEAST_PROFILE, entrypoint="/entry.sh")
            + [jail_image] + args + ["--", "/bin/sh", "-c", "printf 'name? '; read x; echo \"got:$x\"; exec cat"])
    pid, fd = pty.fork()
    if pid == 0:
        try:
            os.execv(argv[0], argv)
        finally:
            os._exit(99)
    out = b""

    def until(text, timeout=30):
        nonlocal out
        end = time.monotonic() + timeout
        while time.monotonic() < end and text not in out:
            if select.select([fd], [], [], 0.1)[0]:
                try:
                    out += os.read(fd, 4096)
                except OSError:
                    break
        assert text in out, out.decode(errors="replace")

    try:
        until(b"name? ")
        os.write(fd, b"jail\r")
        until(b"got:jail")
        time.sleep(0.3)  # cat is reading
        t0 = time.monotonic()
        os.write(fd, b"\x03")
        end = t0 + 8
        st = None
        while time.monotonic() < end:
            if select.select([fd], [], [], 0.1)[0]:
                try:
                    out += os.read(fd, 4096)
                except OSError:
                    pass
            done, s = os.waitpid(pid, os.WNOHANG)
            if done:
                st = os.waitstatus_to_exitcode(s)
                break
        assert st == 130, f"exit {st}\n{out.decode(errors='replace')}"
    finally:
        subprocess.run([C.DOCKER, "rm", "-f", name], capture_output=True)
        try:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
        os.close(fd)
