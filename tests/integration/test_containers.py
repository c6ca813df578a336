"""jailinit in real containers: PID-1 duties through `docker run` / `docker
stop`, and the design brief's container configurations measured with a raw
probe (tests/tools/nsprobe), so the seccomp profiles in docker/seccomp/ are
shown to do what they claim in Docker, runc and crun (and podman / gVisor
where they run). Every container runs with --network none."""
import os
import subprocess
import tempfile
import time

import pytest

import containers as C

OK = "ok"
REPO = C.REPO

# clone flag sets (nsprobe's FLAG lists)
JAIL_MIN = "user,net"                   # CLONE_NEWUSER|CLONE_NEWNET
JAIL_FULL = "user,net,pid,uts,ipc"      # + PID/UTS/IPC where allowed
WITH_NS = "user,net,ns"                 # a mount namespace added: not jailinit's
PARTIAL = "user,net,pid"                # not one of the two exact masks


# ---- fixtures ---------------------------------------------------------------

@pytest.fixture(scope="session")
def nsprobe():
    """The static probe: $(BUILD)/tools/nsprobe from `make tools`, else
    built here with musl-gcc (it uses no jailinit code)."""
    build = os.environ.get("BUILD_DIR")
    if build and os.access(os.path.join(build, "tools", "nsprobe"), os.X_OK):
        yield os.path.join(build, "tools", "nsprobe")
        return
    d = tempfile.mkdtemp(prefix="jailinit-nsprobe-")
    out = os.path.join(d, "nsprobe")
    r = subprocess.run(["musl-gcc", "-static", "-Os", "-D_GNU_SOURCE", "-o", out,
                        os.path.join(REPO, "tests", "tools", "nsprobe.c")],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    yield out
    subprocess.run(["rm", "-rf", d])


@pytest.fixture(scope="session")
def probe_image():
    """docker/Dockerfile built with the current jailinit when there is one
    (the probe tests do not run it), else busybox standing in for it."""
    path = os.environ.get("JAILINIT") or os.path.join(REPO, "build", "jailinit")
    if not os.access(path, os.X_OK):
        path = C.BUSYBOX
    with C.image(path) as tag:
        yield tag


@pytest.fixture(scope="session")
def podman_probe_image(probe_image):
    """probe_image copied into podman's storage (skips where podman cannot run)."""
    with C.podman_image(probe_image) as name:
        yield name


@pytest.fixture(scope="session")
def jailinit_image(jailinit):
    """docker/Dockerfile built with the jailinit under test."""
    with C.image(jailinit) as tag:
        yield tag


# ---- the probe --------------------------------------------------------------

PROBE_SCRIPT = (
    "for f in {flags}; do /nsprobe clone $f; done; "
    "/nsprobe clone3 user,net; /nsprobe unshare user,net; "
    "/nsprobe rtnl-admin lo; "
    "echo uid_map $(cat /proc/self/uid_map)"
)
FLAGSETS = (JAIL_MIN, JAIL_FULL, WITH_NS, PARTIAL)


def parse_probe(out):
    """{"clone user,net": "ok"|"EPERM"|..., "clone3": ..., "unshare": ...,
    "rtnl-admin": ..., "uid_map": "0 100000 65536"}"""
    names = {"0x50000000": JAIL_MIN, "0x7c000000": JAIL_FULL,
             "0x50020000": WITH_NS, "0x70000000": PARTIAL}
    res = {}
    for line in out.splitlines():
        w = line.split()
        if not w:
            continue
        if w[0] == "clone":
            res["clone " + names.get(w[1], w[1])] = w[2]
        elif w[0] in ("clone3", "unshare"):
            res[w[0]] = w[2]
        elif w[0] == "rtnl-admin":
            res[w[0]] = w[1]
        elif w[0] == "uid_map":
            res["uid_map"] = " ".join(w[1:])
    return res


def probe_cmd():
    return ["-c", PROBE_SCRIPT.format(flags=" ".join(FLAGSETS))]


# Expected results per kind of configuration (the design brief's table).
# "least": clone only with exactly jailinit's namespace masks.
EXPECT = {
    "refused": {"clone " + f: "EPERM" for f in FLAGSETS} | {"clone3": "ENOSYS", "unshare": "EPERM"},
    "seed": {"clone " + f: OK for f in FLAGSETS} | {"clone3": "ENOSYS", "unshare": "EPERM"},
    "least": {"clone " + JAIL_MIN: OK, "clone " + JAIL_FULL: OK, "clone " + WITH_NS: "EPERM",
              "clone " + PARTIAL: "EPERM", "clone3": "ENOSYS", "unshare": "EPERM"},
    "open": {"clone " + f: OK for f in FLAGSETS} | {"clone3": OK, "unshare": OK},
}


def expected(cfg):
    """What the probe must find in cfg: the kind of namespace result, and
    whether rtnetlink changes are allowed (CAP_NET_ADMIN)."""
    if cfg.seccomp == C.SEED_PROFILE:
        kind = "seed"
    elif cfg.seccomp in (C.LEAST_PROFILE, C.LEAST_OCI_PROFILE):
        kind = "least"
    elif cfg.seccomp == "unconfined":
        kind = "open"
    elif cfg.runtime == "podman" or "SYS_ADMIN" in cfg.caps:
        # podman's own profile allows clone/clone3/unshare; Docker's allows
        # them to holders of CAP_SYS_ADMIN (which also get mount, setns, ...)
        kind = "open"
    else:
        kind = "refused"
    return kind, "NET_ADMIN" in cfg.caps


def check_probe(res, kind, net_admin, out):
    for k, v in EXPECT[kind].items():
        assert res.get(k) == v, f"{k}: expected {v}, got {res.get(k)}\n{out}"
    # rtnetlink changes in the container netns need CAP_NET_ADMIN (veth, addresses)
    assert res.get("rtnl-admin") == (OK if net_admin else "EPERM"), out


@pytest.mark.parametrize("cfg", C.config_params(lambda c: c.runtime != "runsc"))
def test_configuration(request, cfg, nsprobe):
    """Every configuration of the design brief's table (docker, runc and
    crun bundles with and without a container user namespace, podman), with
    a raw probe: the namespace syscalls, rtnetlink, and so whether the jail
    is possible, as the table (C.CONFIGURATIONS) says."""
    images = {}
    if cfg.runtime == "docker":
        images["docker_image"] = request.getfixturevalue("probe_image")
    elif cfg.runtime == "podman":
        images["podman_image"] = request.getfixturevalue("podman_probe_image")
    r = C.run_config(cfg, probe_cmd(), entrypoint="/bin/sh", files={"/nsprobe": nsprobe},
                     **images)
    assert r.returncode == 0, r.stderr
    res = parse_probe(r.stdout)
    kind, net_admin = expected(cfg)
    check_probe(res, kind, net_admin, r.stdout)
    assert cfg.jail == (res["clone " + JAIL_MIN] == OK and res["rtnl-admin"] == OK), r.stdout
    if cfg.userns:
        # the sysbox-like case: container ids mapped to an unprivileged host range
        assert res["uid_map"] == f"0 {C.USERNS_HOST_ID} {C.USERNS_SIZE}", r.stdout
    elif cfg.runtime in ("runc", "crun"):
        assert res["uid_map"] == "0 0 4294967295", r.stdout


@pytest.mark.parametrize("cfg", C.config_params(lambda c: c.runtime == "runsc"))
def test_gvisor_cannot_host_the_jail(cfg, nsprobe):
    """gVisor (runsc): clone with the jail's flags works, but there is no
    NETLINK_NETFILTER, so the jail's egress table cannot exist there (the
    self-check calls the runtime unsupported)."""
    r = C.run_config(cfg, ["-c", "/nsprobe clone user,net; /nsprobe netlink 0; "
                           "/nsprobe netlink 12"],
                     entrypoint="/bin/sh", files={"/nsprobe": nsprobe})
    assert parse_probe(r.stdout).get("clone " + JAIL_MIN) == OK, r.stdout + r.stderr
    assert "netlink 0 ok" in r.stdout, r.stdout
    assert "netlink 12 EPROTONOSUPPORT" in r.stdout, r.stdout
    assert not cfg.jail


# ---- jailinit as PID 1 (supervisor mode, --net host) ------------------------

SUP = ["--net", "host", "--"]


def test_exit_code_passes_through_docker_run(jailinit_image):
    r = C.docker_run(jailinit_image, SUP + ["/bin/sh", "-c", "exit 42"])
    assert r.returncode == 42, r.stdout + r.stderr


def test_agent_killed_by_signal_gives_128_plus_n(jailinit_image):
    r = C.docker_run(jailinit_image, SUP + ["/bin/sh", "-c", "kill -TERM $$; sleep 5"])
    assert r.returncode == 128 + 15, r.stdout + r.stderr
    r = C.docker_run(jailinit_image, SUP + ["/bin/sh", "-c", "kill -KILL $$"])
    assert r.returncode == 128 + 9, r.stdout + r.stderr


def test_agent_not_found_and_not_executable(jailinit_image):
    r = C.docker_run(jailinit_image, SUP + ["/no/such/agent"])
    assert r.returncode == 127, r.stdout + r.stderr
    r = C.docker_run(jailinit_image, SUP + ["/etc"])
    assert r.returncode == 126, r.stdout + r.stderr


def _wait_for(cond, timeout=20.0, step=0.1):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(step)
    return cond()


def test_docker_stop_delivers_sigterm_to_the_agent(jailinit_image):
    agent = ('trap "echo agent got TERM; exit 7" TERM; echo ready; '
             'while :; do sleep 0.1; done')
    with C.DockerContainer(jailinit_image, SUP + ["/bin/sh", "-c", agent]) as c:
        assert _wait_for(lambda: "ready" in c.logs()), c.logs()
        t0 = time.monotonic()
        c.stop(time=10)
        took = time.monotonic() - t0
        code = c.wait()
        logs = c.logs()
    assert "agent got TERM" in logs, logs
    assert code == 7, logs
    # Well within docker's 10 s (no SIGKILL after the timeout).
    assert took < 5, f"docker stop took {took:.1f}s"


def test_docker_stop_plain_agent_exits_143(jailinit_image):
    with C.DockerContainer(jailinit_image, SUP + ["/bin/sleep", "1000"]) as c:
        assert _wait_for(c.running)
        # the agent is up once /bin/sleep is visible in the container
        assert _wait_for(lambda: "sleep" in c.exec(["ps", "-o", "comm"]).stdout)
        t0 = time.monotonic()
        c.stop(time=10)
        took = time.monotonic() - t0
        code = c.wait()
    assert code == 128 + 15
    assert took < 5, f"docker stop took {took:.1f}s"


def test_orphans_are_reaped_in_a_container(jailinit_image):
    """Orphans reparent to jailinit (PID 1) and never stay zombies."""
    # wait (bounded) until the subshell that started it has exited, so the
    # reparenting has happened even on a loaded machine
    orphan = ('i=0; while [ $i -lt 100 ] && ! grep -q "^PPid:[[:space:]]*1$" /proc/$$/status; '
              'do sleep 0.05; i=$((i+1)); done; grep PPid /proc/$$/status > /tmp/orphan.$$')
    agent = (f"for i in 1 2 3 4 5; do (sh -c '{orphan}' &); done; "
             "echo ready; exec sleep 1000")
    with C.DockerContainer(jailinit_image, SUP + ["/bin/sh", "-c", agent]) as c:
        assert _wait_for(lambda: "ready" in c.logs()), c.logs()

        def orphans_done():
            return c.exec(["sh", "-c", "cat /tmp/orphan.* 2>/dev/null | wc -l"]).stdout.strip() == "5"
        assert _wait_for(orphans_done), c.exec(["sh", "-c", "cat /tmp/orphan.*"]).stdout
        ppids = c.exec(["sh", "-c", "cat /tmp/orphan.*"]).stdout.split()
        assert set(ppids) == {"PPid:", "1"}, ppids

        def no_zombies():
            out = c.exec(["sh", "-c", "grep -l '^State:.*Z' /proc/[0-9]*/status 2>/dev/null"]).stdout
            return out.strip() == ""
        assert _wait_for(no_zombies, timeout=10), \
            c.exec(["sh", "-c", "grep -H '^State' /proc/[0-9]*/status"]).stdout
