"""Faults and bad input (issue 16) and resource faults (issue 13): each
defect a fault-injection run found, pinned by a test that failed before its
fix. The jail runs in a throwaway container (a fresh network and PID
namespace, test_jail.container); --net host runs need no namespace of
their own but change no network state either."""
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time

import pytest

from test_jail import BB, FAKE_PROXY, PROXY_PORT, PY, container, jail, work, write  # noqa: F401
from util import netns_cmd, run


# ---- item 5: PATH is searched like execvp, 127 when the command is nowhere ----

def path_dirs(tmp):
    """A directory uid 65534 cannot search, one with a non-executable 'tool'
    and one with an executable 'tool' (exit 7)."""
    locked, first, second = (os.path.join(tmp, n) for n in ("locked", "first", "second"))
    for d in (locked, first, second):
        os.mkdir(d)
    os.chmod(tmp, 0o755)
    os.chmod(locked, 0o700)  # root's: not searchable for 65534
    os.chmod(first, 0o755)
    os.chmod(second, 0o755)
    for d, mode, code in ((first, 0o644, 3), (second, 0o755, 7)):
        p = os.path.join(d, "tool")
        with open(p, "w") as f:
            f.write(f"#!/bin/sh\nexit {code}\n")
        os.chmod(p, mode)
    return locked, first, second


NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]


@pytest.fixture
def pubdir():
    """A directory uid 65534 can reach (pytest's tmp_path is under a 0700
    one)."""
    d = tempfile.mkdtemp(prefix="jailinit-faults-")
    os.chmod(d, 0o755)
    yield d
    shutil.rmtree(d, ignore_errors=True)


@pytest.mark.parametrize("how", ["host", "jail"])
def test_command_nowhere_in_path_is_127_even_behind_an_unsearchable_directory(jailinit, pubdir, how):
    """A command found nowhere is 127 (not found), also when an earlier PATH
    entry cannot be searched (musl's execvp said EACCES, 126); an earlier
    EACCES hides no later match; 126 only for a file found but not
    executable. As uid 65534: --net host under setpriv, and as the jail's
    agent (65534 by default)."""
    locked, first, second = path_dirs(pubdir)

    def ji(path, cmd):
        env = dict(os.environ, PATH=path)
        if how == "host":
            return run(NOBODY + [jailinit, "--net", "host", "--", cmd], env=env)
        return run(netns_cmd([jailinit, "--net", "none", "--", cmd]), env=env)

    r = ji(f"{locked}:/usr/bin:/bin", "jailinit-no-such-command")
    assert r.returncode == 127, r.stderr
    assert "ENOENT" in r.stderr and "EACCES" not in r.stderr, r.stderr
    r = ji(f"{locked}:{first}:{second}:/usr/bin:/bin", "tool")
    assert r.returncode == 7, r.stderr
    os.remove(os.path.join(second, "tool"))
    r = ji(f"{locked}:{first}:/usr/bin:/bin", "tool")
    assert r.returncode == 126, r.stderr
    assert "EACCES" in r.stderr, r.stderr


# ---- item 6: unusable --subnet ranges are usage errors -------------------------

@pytest.mark.parametrize("subnet", [
    "0.0.0.0/30", "0.0.0.0/31", "0.255.255.252/30",   # "this network" (0/8)
    "127.0.0.0/30", "127.1.2.4/31",                  # loopback
    "224.0.0.0/30", "239.255.255.252/30",            # multicast
    "240.0.0.0/30", "250.1.2.0/31",                  # reserved (240/4)
    "255.255.255.252/30", "255.255.255.254/31",      # the limited broadcast
    "10.0.0.0/32", "10.0.0.1/32",                    # not a link of two
])
def test_unusable_subnet_is_refused_at_parse_time(jailinit, subnet):
    """Such a subnet used to pass the parser and fail at the kernel (71 with
    an obscure message), or to be accepted: now 64 and one line naming it,
    before anything is built (no namespace needed)."""
    r = run([jailinit, "--subnet", subnet, "--", "true"])
    assert r.returncode == 64, r.stderr
    lines = r.stderr.splitlines()
    assert len(lines) == 1 and "--subnet" in lines[0] and subnet.split("/")[0] in lines[0], r.stderr


def test_usable_subnet_edges_still_build(jailinit, work):
    """The edges next to the refused ranges are ordinary unicast: a jail
    with 1.0.0.0/30 and 223.255.255.252/30 (and a /31) starts."""
    body = ""
    for i, subnet in enumerate(("1.0.0.0/30", "223.255.255.252/30", "126.255.255.254/31")):
        body += (f'"$JAILINIT" --subnet {subnet} --proxy-port {PROXY_PORT} -- /bin/true '
                 f'>>"$W/agent.out" 2>>"$W/ji.err" </dev/null; echo $? >>"$W/codes"\n')
    r = container(jailinit, work, body)
    assert r.files("codes").split() == ["0", "0", "0"], r
    r.assert_clean()


# ---- item 8: messages ----------------------------------------------------------

def test_proxy_exit_before_listening_names_no_errno(jailinit, work):
    """"the proxy exited before listening" used to end in ": No child
    process (ECHILD)": no errno applies, none is named."""
    r = container(jailinit, work, jail(f"--proxy-port {PROXY_PORT} --proxy '/bin/false'", "/bin/true"))
    assert r.code == 69, r
    assert "before listening" in r.err, r
    assert "ECHILD" not in r.err and "No child process" not in r.err, r
    r.assert_clean()


@pytest.mark.parametrize("value, says", [
    ("2147483", "out of range"),
    ("1000001", "out of range"),
    ("abc", "not a number of seconds"),
])
def test_grace_range_is_said_as_a_range(jailinit, value, says):
    r = run([jailinit, "--net", "host", f"--grace={value}", "true"])
    assert r.returncode == 64, r.stderr
    assert says in r.stderr and "0 to 1000000" in r.stderr, r.stderr
    r = run([jailinit, "--net", "host", "--grace=1000000", "true"])
    assert r.returncode == 0, r.stderr


# A glibc program (python) records which real-time signal it got: the
# parent-death signal jailinit receives and forwards.
RT_RECORDER = r"""
import signal, sys, time
out = sys.argv[1]
def got(sig, _):
    open(out, "a").write("%d\n" % sig); sys.exit(0)
for s in range(34, 65):
    signal.signal(s, got)
open(out + ".ready", "w").close()
time.sleep(30)
"""


@pytest.mark.parametrize("name, num", [("RTMIN", 34), ("SIGRTMIN+2", 36), ("rtmax-1", 63), ("RTMAX", 64)])
def test_p_rtmin_is_the_shells_34(jailinit, tmp_path, name, num):
    """-p RTMIN was musl's 35, while a shell on glibc (kill -l) says 34:
    RTMIN+n is 34+n, RTMAX-n is 64-n, whatever libc jailinit is built
    with."""
    rec = tmp_path / "rec.py"
    rec.write_text(RT_RECORDER)
    out = str(tmp_path / "got")
    script = (f'"{jailinit}" -p {name} --net host -- {PY} {rec} {out} & '
              f'i=0; while [ ! -e {out}.ready ] && [ $i -lt 500 ]; do sleep 0.01; i=$((i+1)); done; exit 0')
    r = run(["sh", "-c", script])
    assert r.returncode == 0
    end = time.monotonic() + 10
    while time.monotonic() < end and not os.path.exists(out):
        time.sleep(0.02)
    assert open(out).read().split() == [str(num)]


# ---- item 3: out of descriptors is a setup failure (71), not a forbidding container (77) ----

@pytest.mark.parametrize("args", ["--proxy-port 3128", f"--proxy-port {PROXY_PORT} --proxy /usr/bin/tinyproxy",
                                  "--allow a.test", "--net none"])
def test_out_of_descriptors_is_71_and_says_emfile(jailinit, work, args):
    """RLIMIT_NOFILE 3: the quick check's NETLINK_NETFILTER probe gets
    EMFILE, which is this process's limit, not "no nf_tables here": the run
    fails at the first step that needs a descriptor, with 71 and EMFILE, and
    builds nothing."""
    limited = jail(args, f"{BB} sh -c 'echo AGENT-RAN'").replace(
        '"$JAILINIT"', 'sh -c \'ulimit -n 3; exec "$@"\' sh "$JAILINIT"', 1)
    r = container(jailinit, work, limited)
    assert r.code == 71, r
    assert "AGENT-RAN" not in r.out, r
    assert "EMFILE" in r.err, r
    assert "no nf_tables" not in r.err, r
    r.assert_clean()


# ---- item 9: a pids limit at clone is a resource of the moment (71), said as such ----

def pids_cgroup_parent():
    """Where a pids cgroup can be made: v1's pids hierarchy or the v2 root
    (with the pids controller on for its children)."""
    v1 = "/sys/fs/cgroup/pids"
    if os.path.exists(os.path.join(v1, "cgroup.procs")):
        return v1
    for v2 in ("/sys/fs/cgroup", "/sys/fs/cgroup/unified"):
        ctl = os.path.join(v2, "cgroup.subtree_control")
        if os.path.exists(ctl) and "pids" in open(os.path.join(v2, "cgroup.controllers")).read():
            if "pids" not in open(ctl).read():
                try:
                    with open(ctl, "w") as f:
                        f.write("+pids")
                except OSError:
                    continue
            return v2
    return None


@pytest.fixture
def pids_one():
    """A pids cgroup of the test's own with pids.max 1: the process moved in
    is the only one it may hold."""
    parent = pids_cgroup_parent()
    if parent is None:
        pytest.skip("no pids cgroup controller to make a limit in")
    cg = os.path.join(parent, f"jailinit-test-{os.getpid()}")
    os.mkdir(cg)
    try:
        with open(os.path.join(cg, "pids.max"), "w") as f:
            f.write("1")
        yield cg
    finally:
        # The container's processes are gone when container() returns.
        end = time.monotonic() + 5
        while True:
            try:
                os.rmdir(cg)
                break
            except OSError:
                if time.monotonic() > end:
                    raise
                time.sleep(0.05)


def test_pids_limit_at_clone_is_71_and_named(jailinit, work, pids_one):
    """jailinit alone in a cgroup with pids.max 1: clone() of the jail fails
    with EAGAIN. That is a count full at this moment, not a container that
    forbids the jail: exit 71 (the documented code for it), a message that
    names clone, EAGAIN and pids.max, no agent and nothing left behind."""
    limited = jail("--net none", f"{BB} sh -c 'echo AGENT-RAN'").replace(
        '"$JAILINIT"', f'sh -c \'echo $$ > {pids_one}/cgroup.procs && exec "$@"\' sh "$JAILINIT"', 1)
    r = container(jailinit, work, limited)
    assert r.code == 71, r
    assert "AGENT-RAN" not in r.out, r
    for word in ("clone", "EAGAIN", "pids.max"):
        assert word in r.err, (word, r)
    r.assert_clean()


# ---- item 2: the loop's descriptors exist before the command does ----

@pytest.mark.parametrize("limit", [3, 5])
def test_descriptor_limit_with_net_host_fails_before_the_command(jailinit, tmp_path, limit):
    """--net host under RLIMIT_NOFILE 3 or 5: the supervision loop needs its
    signalfd and two descriptors for the /proc scans of its shutdown (6 in
    all with stdio). They are made before the command starts, so jailinit
    exits 71 naming EMFILE and the command never ran. At 3 it used to run,
    unsupervised, while jailinit exited; at 5 its shutdown could not list
    what was left. (The command is static busybox, which raises its own
    soft limit, so nothing but jailinit stops it.)"""
    marker = tmp_path / "ran"
    r = run(["sh", "-c", f'ulimit -S -n {limit}; exec "$@"', "sh", jailinit, "--net", "host", "--",
             BB, "sh", "-c", f"ulimit -S -n 64; : > {marker}"])
    assert r.returncode == 71, r
    assert "EMFILE" in r.stderr, r.stderr
    assert not marker.exists(), "the command ran although jailinit could not supervise it"


# ---- item 4: a stop during the set-up ends the run (128+N), the agent never starts ----

@pytest.mark.parametrize("sig,code", [("TERM", 143), ("INT", 130)])
def test_stop_while_waiting_for_the_proxy_is_128_plus_n(jailinit, work, sig, code):
    """jailinit waits up to 10 s for the proxy to listen; a SIGTERM (docker
    stop) or SIGINT (^C) in that wait ends the run at once with 128+N: the
    agent is not started, the proxy is stopped, nothing is left built. It
    used to wait out the 10 s and exit 69, or start the agent."""
    write(work, "mute_proxy.sh", f": > {work}/proxy-up\nexec {BB} sleep 30\n")
    body = (f'"$JAILINIT" --proxy-port {PROXY_PORT} --proxy "{BB} sh $W/mute_proxy.sh" '
            f'-- {BB} sh -c "echo AGENT-RAN" >"$W/agent.out" 2>"$W/ji.err" </dev/null &\n'
            'JI=$!\n'
            'i=0; while [ ! -e "$W/proxy-up" ] && [ $i -lt 500 ]; do '
            f'{BB} usleep 10000; i=$((i+1)); done\n'
            f'{BB} usleep 100000\n'
            f'T0=$(date +%s%N); kill -{sig} $JI; wait $JI; echo $? > "$W/code"\n'
            'echo $(( ($(date +%s%N) - T0) / 1000000 )) > "$W/stop_ms"\n')
    r = container(jailinit, work, body)
    assert r.code == code, r
    assert f"SIG{sig}" in r.err, r
    assert "AGENT-RAN" not in r.out, r
    stop_ms = int(open(os.path.join(work, "stop_ms")).read())
    assert stop_ms < 3000, f"the stop took {stop_ms} ms: the proxy wait was not cut short\n{r}"
    r.assert_clean()


# ---- item 7: a value cannot forge a log line, and JSON output stays JSON ----

@pytest.mark.parametrize("value", [b"1\njailinit: jail ready: net=proxy", b"\x1b[31mred\xff\xc3"])
def test_bad_value_is_one_line_and_json_stays_json(jailinit, value):
    """A bad --grace value holding a newline, a terminal escape or bytes
    that are not UTF-8: the text message is one line (the newline shown as
    \\n, the rest as \\xNN), and with --log-format=json every line of stderr
    is a JSON object that a strict UTF-8 reader accepts."""
    import json
    r = subprocess.run([jailinit.encode(), b"--grace", value, b"--", b"true"], capture_output=True)
    assert r.returncode == 64, r
    lines = r.stderr.split(b"\n")
    assert lines[-1] == b"" and len(lines) == 2, r.stderr
    assert b"--grace" in lines[0] and b"\x1b" not in lines[0] and b"\n" not in lines[0]
    lines[0].decode("utf-8")  # strict: no byte that is not UTF-8
    r = subprocess.run([jailinit.encode(), b"--log-format=json", b"--grace", value, b"--", b"true"],
                       capture_output=True)
    assert r.returncode == 64, r
    objs = [json.loads(line.decode("utf-8")) for line in r.stderr.splitlines()]
    assert len(objs) == 1 and objs[0]["step"] == "--grace", objs
