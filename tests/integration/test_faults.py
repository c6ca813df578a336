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
