"""The PID-1 supervisor (issue 2, "Supervision semantics" and "Command line"):
the real binary, as PID 1 of a fresh PID namespace and as a subreaper, one
test per promise. `--net host` everywhere: these tests are about supervision,
and the default will be the jail. They change no network state."""
import os
import pty
import select
import signal
import subprocess
import tempfile
import time

import pytest

from util import run

MODES = ["pid1", "subreaper"]

# Catchable signals a musl program can handle (32-34 are libc-internal in
# musl and tested separately). SIGCHLD is not forwarded by design.
STANDARD = [s for s in range(1, 32) if s not in (signal.SIGKILL, signal.SIGSTOP, signal.SIGCHLD)]
MUSL_RTMIN, RTMAX = 35, 64


def wrap(mode, cmd):
    if mode == "pid1":
        return ["unshare", "--pid", "--fork", "--mount-proc"] + list(cmd)
    return list(cmd)


def ji(jailinit, *args):
    return [jailinit, "--net", "host"] + list(args)


def tool(build_dir, name):
    path = os.path.join(build_dir, "tools", name)
    if not os.access(path, os.X_OK):
        pytest.fail(f"no test tool {path}: run make tools")
    return path


def children(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(x) for x in f.read().split()]
    except FileNotFoundError:
        return []


def wait_for(pred, timeout=10.0, what="condition"):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        v = pred()
        if v:
            return v
        time.sleep(0.01)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def init_pid(mode, proc):
    """The host pid of jailinit itself (under unshare it is unshare's child)."""
    if mode == "subreaper":
        return proc.pid
    return wait_for(lambda: (children(proc.pid) or [None])[0], what="jailinit under unshare")


def state(pid):
    with open(f"/proc/{pid}/stat") as f:
        return f.read().rsplit(")", 1)[1].split()[0]


def status_field(pid, name):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(name + ":"):
                return line.split(":", 1)[1].strip()
    raise KeyError(name)


def records(path):
    try:
        with open(path) as f:
            return f.read().split("\n")
    except FileNotFoundError:
        return []


def recorded(path, sig):
    return str(int(sig)) in records(path)


def ready(path):
    return any(line.startswith("ready") for line in records(path))


def pids_with_arg(needle):
    """Host pids of live sigrec processes whose arguments contain needle."""
    found = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/cmdline", "rb") as f:
                argv = f.read().split(b"\0")
            if (os.path.basename(argv[0]) == b"sigrec" and needle.encode() in argv
                    and state(int(d)) != "Z"):
                found.append(int(d))
        except (FileNotFoundError, ProcessLookupError):
            pass
    return found


@pytest.fixture
def tmp(tmp_path):
    return str(tmp_path)


# ---- exit status ------------------------------------------------------------

@pytest.mark.parametrize("mode", MODES)
def test_exit_code_passes_through(jailinit, mode):
    for code in (0, 1, 3, 255):
        r = run(wrap(mode, ji(jailinit, "--", "sh", "-c", f"exit {code}")))
        assert r.returncode == code, r.stderr


@pytest.mark.parametrize("mode", MODES)
def test_killed_by_signal_gives_128_plus_n(jailinit, mode):
    r = run(wrap(mode, ji(jailinit, "--", "sh", "-c", "kill -USR1 $$")))
    assert r.returncode == 128 + signal.SIGUSR1, r.stderr
    r = run(wrap(mode, ji(jailinit, "--", "sh", "-c", "kill -KILL $$")))
    assert r.returncode == 137, r.stderr


def test_not_found_is_127_with_one_line(jailinit):
    r = run(ji(jailinit, "--", "/nonexistent/agent"))
    assert r.returncode == 127
    lines = [l for l in r.stderr.splitlines() if "/nonexistent/agent" in l]
    assert len(lines) == 1, r.stderr
    assert "No such file or directory" in lines[0] and "ENOENT" in lines[0]


def test_not_executable_is_126_with_one_line(jailinit, tmp):
    path = os.path.join(tmp, "script")
    with open(path, "w") as f:
        f.write("#!/bin/sh\nexit 0\n")
    os.chmod(path, 0o644)
    r = run(ji(jailinit, "--", path))
    assert r.returncode == 126
    lines = [l for l in r.stderr.splitlines() if path in l]
    assert len(lines) == 1, r.stderr
    assert "Permission denied" in lines[0] and "EACCES" in lines[0]


def test_not_found_in_path_is_127(jailinit):
    r = run(ji(jailinit, "no-such-command-jailinit"))
    assert r.returncode == 127
    assert "'no-such-command-jailinit'" in r.stderr


@pytest.mark.parametrize("mode", MODES)
def test_exit_code_mapped_to_zero_with_e(jailinit, mode):
    r = run(wrap(mode, ji(jailinit, "-e", "3", "-e", "143", "--", "sh", "-c", "exit 3")))
    assert r.returncode == 0, r.stderr
    r = run(wrap(mode, ji(jailinit, "-e", "143", "--", "sh", "-c", "kill -TERM $$")))
    assert r.returncode == 0, r.stderr
    r = run(wrap(mode, ji(jailinit, "-e", "3", "--", "sh", "-c", "exit 4")))
    assert r.returncode == 4, r.stderr


# ---- command line -----------------------------------------------------------

def test_command_without_double_dash(jailinit):
    r = run([jailinit, "sh", "-c", "exit 3"], env=dict(os.environ, JAILINIT_NET="host"))
    assert r.returncode == 3, r.stderr


@pytest.mark.parametrize("args, named", [
    (["--bogus", "true"], "--bogus"),
    (["-x", "true"], "-x"),
    (["--grace=abc", "true"], "--grace"),
    (["--net", "wide", "true"], "--net"),
    (["-e", "300", "true"], "-e"),
    ([], "no command"),
])
def test_usage_error_is_64_with_one_line(jailinit, args, named):
    r = run([jailinit] + args)
    assert r.returncode == 64
    assert r.stdout == ""
    lines = r.stderr.splitlines()
    assert len(lines) == 1, r.stderr
    assert named in lines[0]


def test_help_version_license_on_stdout(jailinit):
    r = run([jailinit, "--help"])
    assert r.returncode == 0 and r.stderr == ""
    assert "Usage: jailinit" in r.stdout and "--grace" in r.stdout
    r = run([jailinit, "-h"])
    assert r.returncode == 0 and "Usage: jailinit" in r.stdout
    r = run([jailinit, "--version"])
    assert r.returncode == 0 and r.stdout.startswith("jailinit ")
    r = run([jailinit, "-l"])
    assert r.returncode == 0 and "MIT" in r.stdout


def test_json_log_format(jailinit):
    import json
    r = run([jailinit, "--log-format=json", "--net", "host", "/nonexistent/x"])
    assert r.returncode == 127
    objs = [json.loads(l) for l in r.stderr.splitlines()]
    err = [o for o in objs if o["level"] == "error"]
    assert len(err) == 1
    assert err[0]["errno_name"] == "ENOENT" and "/nonexistent/x" in err[0]["msg"]
    assert any(o["level"] == "warn" and "WITHOUT a network jail" in o["msg"] for o in objs)


def test_net_host_warns(jailinit):
    r = run(ji(jailinit, "true"))
    assert r.returncode == 0
    assert "WITHOUT a network jail" in r.stderr


@pytest.mark.parametrize("mode", MODES)
def test_status_passes_through_when_started_with_sigchld_ignored(jailinit, mode):
    # An ignored SIGCHLD makes the kernel reap children by itself; the init
    # must still see its child's status (and the child still gets the
    # ignored SIGCHLD, see the signal state test).
    def parent_setup():
        signal.signal(signal.SIGCHLD, signal.SIG_IGN)

    r = run(wrap(mode, ji(jailinit, "--", "sh", "-c", "exit 3")), preexec_fn=parent_setup, timeout=20)
    assert r.returncode == 3, r.stderr


# ---- signals ----------------------------------------------------------------

@pytest.mark.parametrize("mode", MODES)
def test_every_catchable_signal_is_forwarded(jailinit, build_dir, tmp, mode):
    out = os.path.join(tmp, "rec")
    p = subprocess.Popen(wrap(mode, ji(jailinit, "--", tool(build_dir, "sigrec"), "-o", out, "-i")),
                         stdin=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        pid = init_pid(mode, p)
        wait_for(lambda: ready(out), what="sigrec ready")
        for sig in STANDARD + list(range(MUSL_RTMIN, RTMAX + 1)):
            os.kill(pid, sig)
            wait_for(lambda: recorded(out, sig), what=f"signal {sig} forwarded")
            # job-control signals do not stop the init itself
            assert state(pid) != "T", f"init stopped by signal {sig}"
        # SIGCHLD is the init's own; a later signal shows the order
        os.kill(pid, signal.SIGCHLD)
        os.kill(pid, RTMAX)
        wait_for(lambda: records(out).count(str(RTMAX)) == 2, what="marker")
        assert not recorded(out, signal.SIGCHLD)
        p.stdin.close()
        assert p.wait(timeout=20) == 0
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("sig", [32, 33, 34])
def test_libc_reserved_realtime_signals_are_forwarded(jailinit, build_dir, mode, sig):
    # glibc programs use 34 as SIGRTMIN; a `sleep` with the default
    # disposition (sigdfl: make runs us with 32 and 33 ignored) dies of it.
    p = subprocess.Popen(wrap(mode, ji(jailinit, "--", tool(build_dir, "sigdfl"), "sleep", "60")),
                         stderr=subprocess.PIPE)
    try:
        pid = init_pid(mode, p)
        wait_for(lambda: children(pid) and open(f"/proc/{children(pid)[0]}/comm").read() == "sleep\n",
                 what="sleep started")
        os.kill(pid, sig)
        assert p.wait(timeout=20) == 128 + sig
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()


@pytest.mark.parametrize("mode", MODES)
def test_signal_storm_neither_kills_nor_wedges(jailinit, build_dir, tmp, mode):
    out = os.path.join(tmp, "rec")
    p = subprocess.Popen(wrap(mode, ji(jailinit, "--", tool(build_dir, "sigrec"), "-o", out, "-i")),
                         stdin=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        pid = init_pid(mode, p)
        wait_for(lambda: ready(out), what="sigrec ready")
        # Standard signals coalesce; real-time ones queue (the queue is per
        # user, shared with the recorder, which must drain its share after),
        # so they are a smaller part of the storm.
        storm = [signal.SIGUSR1, signal.SIGSEGV, signal.SIGHUP, signal.SIGTSTP, signal.SIGBUS]
        sent, rounds, end = 0, 0, time.monotonic() + 2.0
        while time.monotonic() < end:
            for s in storm:
                os.kill(pid, s)
                sent += 1
            rounds += 1
            if rounds % 10 == 0:
                os.kill(pid, 40 + rounds % 20)
                sent += 1
        assert sent > 10000, "the storm was too weak to mean anything"
        assert p.poll() is None, "the init died in the storm"
        assert state(pid) != "T"
        os.kill(pid, signal.SIGUSR2)
        wait_for(lambda: recorded(out, signal.SIGUSR2), timeout=30, what="forwarding after the storm")
        assert len(records(out)) > 100
        p.stdin.close()
        assert p.wait(timeout=30) == 0
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()


def _sig_lines(text):
    return {l.split(":")[0]: l.split(":")[1].strip() for l in text.splitlines()
            if l.startswith(("SigBlk", "SigIgn"))}


@pytest.mark.parametrize("mode", MODES)
def test_child_gets_the_signal_state_the_init_was_given(jailinit, mode):
    def parent_setup():
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGQUIT, signal.SIG_IGN)
        signal.signal(signal.SIGCHLD, signal.SIG_IGN)
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1, signal.SIGRTMIN + 5})

    cmd = ["grep", "^Sig", "/proc/self/status"]
    base = run(wrap(mode, cmd), preexec_fn=parent_setup)
    got = run(wrap(mode, ji(jailinit, "--", *cmd)), preexec_fn=parent_setup)
    assert base.returncode == 0 and got.returncode == 0, got.stderr
    want, have = _sig_lines(base.stdout), _sig_lines(got.stdout)
    assert have == want
    # and the test means something: the state is not the empty one
    assert int(have["SigBlk"], 16) & (1 << (signal.SIGUSR1 - 1))
    assert int(have["SigIgn"], 16) & (1 << (signal.SIGINT - 1))
    if mode == "subreaper":  # unshare --fork resets SIGCHLD for its child
        assert int(have["SigIgn"], 16) & (1 << (signal.SIGCHLD - 1))
    # without a doctored parent, nothing is blocked in the child
    plain = run(wrap(mode, ji(jailinit, "--", *cmd)))
    assert int(_sig_lines(plain.stdout)["SigBlk"], 16) == 0


@pytest.mark.parametrize("how", ["-g", "TINI_KILL_PROCESS_GROUP", "JAILINIT_KILL_PROCESS_GROUP", None])
def test_g_signals_the_process_group(jailinit, build_dir, tmp, how):
    f1, f2 = os.path.join(tmp, "main"), os.path.join(tmp, "sibling")
    rec = tool(build_dir, "sigrec")
    script = f'"{rec}" -o "{f2}" -x USR2 & exec "{rec}" -o "{f1}" -x USR2'
    group = how is not None
    env = {k: v for k, v in os.environ.items() if "KILL_PROCESS_GROUP" not in k}
    if how and how != "-g":
        env[how] = "1"
    args = (["-g"] if how == "-g" else []) + ["--grace=0.5", "--", "sh", "-c", script]
    p = subprocess.Popen(ji(jailinit, *args), stderr=subprocess.PIPE, env=env)
    try:
        wait_for(lambda: ready(f1) and ready(f2), what="both recorders")
        os.kill(p.pid, signal.SIGUSR1)
        wait_for(lambda: recorded(f1, signal.SIGUSR1), what="USR1 at the main child")
        if group:
            wait_for(lambda: recorded(f2, signal.SIGUSR1), what="USR1 at the group")
        else:
            time.sleep(0.5)
            assert not recorded(f2, signal.SIGUSR1)
        os.kill(p.pid, signal.SIGUSR2)
        assert p.wait(timeout=20) == 0
        if group:
            # the group's USR2 reached the sibling too (whether it had
            # exited before the shutdown's SIGTERM is a race, not a promise)
            assert recorded(f2, signal.SIGUSR2)
        else:
            # without -g the sibling was left: it got the shutdown's SIGTERM
            assert recorded(f2, signal.SIGTERM)
            assert not recorded(f2, signal.SIGUSR2)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()


# ---- job control ------------------------------------------------------------

def _drain(fd):
    try:
        while select.select([fd], [], [], 0)[0]:
            if not os.read(fd, 4096):
                return
    except OSError:
        pass


def test_job_control_on_a_terminal(jailinit):
    pid, fd = pty.fork()
    if pid == 0:
        try:
            os.execv(jailinit, [jailinit, "--net", "host", "--", "cat"])
        finally:
            os._exit(99)
    try:
        cat = wait_for(lambda: (children(pid) or [None])[0], what="cat started")

        def cat_in_foreground():
            _drain(fd)
            with open(f"/proc/{cat}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            # own process group, and it is the terminal's foreground group
            return fields[2] == str(cat) and fields[5] == str(cat)

        wait_for(cat_in_foreground, what="cat in the foreground")
        os.write(fd, b"\x1a")  # Ctrl-Z
        wait_for(lambda: (_drain(fd), state(cat) == "T")[1], what="cat stopped")
        assert state(pid) != "T", "the init was stopped too"
        os.kill(pid, signal.SIGCONT)  # forwarded: cat resumes
        wait_for(lambda: (_drain(fd), state(cat) != "T")[1], what="cat resumed")
        for s in (signal.SIGTTIN, signal.SIGTTOU):
            os.kill(pid, s)  # the init is not stopped by these
        time.sleep(0.2)
        assert state(pid) != "T"
        if state(cat) == "T":
            os.kill(pid, signal.SIGCONT)
            wait_for(lambda: state(cat) != "T", what="cat resumed again")
        os.write(fd, b"\x03")  # Ctrl-C reaches cat
        end = time.monotonic() + 20
        while time.monotonic() < end:
            _drain(fd)
            done, st = os.waitpid(pid, os.WNOHANG)
            if done:
                break
            time.sleep(0.01)
        else:
            raise AssertionError("jailinit did not exit after Ctrl-C")
        assert os.waitstatus_to_exitcode(st) == 128 + signal.SIGINT
    finally:
        try:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
        os.close(fd)


def test_background_init_does_not_take_the_terminal(jailinit):
    # An init started in the background of an interactive shell (job
    # control on) leaves the terminal's foreground to the shell.
    pid, fd = pty.fork()
    if pid == 0:
        try:
            os.execv("/bin/sh", ["sh", "-c", f'set -m; "{jailinit}" --net host -- sleep 60 & read x; kill $!'])
        finally:
            os._exit(99)
    try:
        init = wait_for(lambda: [c for c in children(pid) if children(c)], what="jailinit and its child")[0]
        sleeper = children(init)[0]
        wait_for(lambda: (_drain(fd), open(f"/proc/{sleeper}/cmdline", "rb").read().startswith(b"sleep"))[1],
                 what="the command exec'd")
        time.sleep(0.2)
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        pgrp, tpgid = fields[2], fields[5]
        assert tpgid == pgrp, f"foreground group {tpgid} is not the shell's {pgrp}"
        os.write(fd, b"\n")
        end = time.monotonic() + 20
        while time.monotonic() < end and not os.waitpid(pid, os.WNOHANG)[0]:
            _drain(fd)
            time.sleep(0.01)
    finally:
        try:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
        os.close(fd)


def test_p_sets_the_parent_death_signal(jailinit, build_dir, tmp):
    out = os.path.join(tmp, "rec")
    rec = tool(build_dir, "sigrec")
    # jailinit's parent (sh) exits once the recorder is up; -p SIGUSR1 makes
    # the kernel send jailinit SIGUSR1 then, which it forwards.
    script = (f'"{jailinit}" -p SIGUSR1 --net host -- "{rec}" -o "{out}" -x USR1 & '
              f'while ! grep -q ready "{out}" 2>/dev/null; do sleep 0.01; done; exit 0')
    r = run(["sh", "-c", script])
    assert r.returncode == 0
    wait_for(lambda: recorded(out, signal.SIGUSR1), what="the parent-death signal, forwarded")
    wait_for(lambda: pids_with_arg(out) == [], what="the recorder to exit")


# ---- reaping ----------------------------------------------------------------

@pytest.mark.parametrize("mode", MODES)
def test_reaps_thousands_of_orphans(jailinit, build_dir, mode):
    r = run(wrap(mode, ji(jailinit, "--", tool(build_dir, "orphanburst"), "3000")), timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "orphans=3000 left=0" in r.stdout


@pytest.mark.parametrize("mode", MODES)
def test_w_logs_each_reaped_orphan(jailinit, build_dir, mode):
    r = run(wrap(mode, ji(jailinit, "-w", "--", tool(build_dir, "orphanburst"), "25")))
    assert r.returncode == 0, r.stderr
    lines = [l for l in r.stderr.splitlines() if "Reaped zombie process with pid=" in l]
    assert len(lines) == 25
    assert len({l.rsplit("=", 1)[1] for l in lines}) == 25
    r = run(wrap(mode, ji(jailinit, "--", tool(build_dir, "orphanburst"), "25")))
    assert "Reaped zombie" not in r.stderr


@pytest.mark.parametrize("mode", MODES)
def test_zero_wakeups_while_idle(jailinit, mode):
    p = subprocess.Popen(wrap(mode, ji(jailinit, "--", "sleep", "60")), stderr=subprocess.PIPE)
    try:
        pid = init_pid(mode, p)
        wait_for(lambda: children(pid), what="sleep started")
        time.sleep(0.3)

        def switches():
            return (int(status_field(pid, "voluntary_ctxt_switches")),
                    int(status_field(pid, "nonvoluntary_ctxt_switches")))

        before = switches()
        time.sleep(1.5)
        assert switches() == before, "the init woke up while idle"
        assert state(pid) == "S"
    finally:
        p.kill()
        p.wait()


# ---- shutdown: grace period -------------------------------------------------

@pytest.mark.parametrize("mode", MODES)
def test_nothing_left_means_no_grace_wait(jailinit, mode):
    t = time.monotonic()
    r = run(wrap(mode, ji(jailinit, "--grace=60", "--", "sh", "-c", "exit 0")))
    assert r.returncode == 0
    assert time.monotonic() - t < 30


@pytest.mark.parametrize("mode", MODES)
def test_grace_remaining_processes_get_sigterm_and_may_finish(jailinit, build_dir, tmp, mode):
    out = os.path.join(tmp, "bg")
    rec = tool(build_dir, "sigrec")
    t = time.monotonic()
    r = run(wrap(mode, ji(jailinit, "--grace=60", "--", "sh", "-c",
                          f'"{rec}" -d -x TERM -o "{out}"; exit 7')), timeout=60)
    assert r.returncode == 7, r.stderr  # the main child's status
    assert recorded(out, signal.SIGTERM)
    assert time.monotonic() - t < 30, "waited the whole grace period for a process that had finished"
    assert pids_with_arg(out) == []


@pytest.mark.parametrize("mode", MODES)
def test_grace_child_ignoring_sigterm_is_killed_after_grace_not_before(jailinit, build_dir, tmp, mode):
    out = os.path.join(tmp, "stubborn")
    rec = tool(build_dir, "sigrec")
    grace = 3.0
    p = subprocess.Popen(wrap(mode, ji(jailinit, f"--grace={grace}", "--", "sh", "-c",
                                       f'"{rec}" -d -o "{out}"; exit 5')), stderr=subprocess.PIPE)
    try:
        wait_for(lambda: recorded(out, signal.SIGTERM), what="SIGTERM at the leftover")
        t_term = time.monotonic()
        stubborn = pids_with_arg(out)
        assert len(stubborn) == 1
        # still alive well inside the grace period
        time.sleep(1.0)
        assert pids_with_arg(out) == stubborn and p.poll() is None
        assert p.wait(timeout=30) == 5
        assert time.monotonic() - t_term >= grace - 1.0, "killed before the grace period was over"
        assert pids_with_arg(out) == []
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()


@pytest.mark.parametrize("mode", MODES)
def test_grace_zero_kills_at_once(jailinit, build_dir, tmp, mode):
    out = os.path.join(tmp, "stubborn")
    rec = tool(build_dir, "sigrec")
    t = time.monotonic()
    r = run(wrap(mode, ji(jailinit, "--grace=0", "--", "sh", "-c", f'"{rec}" -d -o "{out}"; exit 5')))
    assert r.returncode == 5, r.stderr
    assert ready(out)
    assert not recorded(out, signal.SIGTERM), "--grace=0 sent SIGTERM instead of SIGKILL"
    assert time.monotonic() - t < 20
    assert pids_with_arg(out) == []


@pytest.mark.parametrize("mode", MODES)
def test_second_sigterm_during_grace_kills_at_once(jailinit, build_dir, tmp, mode):
    out = os.path.join(tmp, "stubborn")
    rec = tool(build_dir, "sigrec")
    p = subprocess.Popen(wrap(mode, ji(jailinit, "--grace=120", "--", "sh", "-c",
                                       f'"{rec}" -d -o "{out}"; exit 5')), stderr=subprocess.PIPE)
    try:
        pid = init_pid(mode, p)
        wait_for(lambda: recorded(out, signal.SIGTERM), what="SIGTERM at the leftover")
        t = time.monotonic()
        os.kill(pid, signal.SIGTERM)
        assert p.wait(timeout=60) == 5
        assert time.monotonic() - t < 60
        assert pids_with_arg(out) == []
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()


# ---- stdio ------------------------------------------------------------------

@pytest.mark.parametrize("mode", MODES)
def test_stdin_stdout_pass_through_untouched(jailinit, mode):
    data = os.urandom(1 << 20) + bytes(range(256)) * 16
    r = subprocess.run(wrap(mode, ji(jailinit, "--", "cat")), input=data, capture_output=True, timeout=60)
    assert r.returncode == 0
    assert r.stdout == data
    # the init writes nothing of its own to stdout
    r = subprocess.run(wrap(mode, ji(jailinit, "-vvv", "--", "true")), capture_output=True, timeout=60)
    assert r.stdout == b""


# ---- what the jail uses: stop_last (the proxy goes last) and on_reap ---------

@pytest.mark.parametrize("stubborn", [False, True])
def test_stop_last_is_stopped_after_everything_else(build_dir, tmp, stubborn):
    log = os.path.join(tmp, "events")
    rec = tool(build_dir, "sigrec")
    leftover = f'"{rec}" -d -t leftover -o "{log}"' + ("" if stubborn else " -x TERM")
    p = subprocess.Popen([tool(build_dir, "supdrv"), "1500", "69",
                          rec, "-t", "proxy", "-o", log, "-x", "TERM", "--",
                          "sh", "-c", leftover + "; exit 3"], stdout=subprocess.PIPE, text=True)
    try:
        wait_for(lambda: "leftover 15" in records(log), what="SIGTERM at the leftover")
        # as long as the leftover lives (a stubborn one: the whole grace
        # period), the proxy has not been told to stop
        while pids_with_arg(log) != [] and p.poll() is None:
            alive = [pid for pid in pids_with_arg(log)]
            if "proxy 15" in records(log):
                assert len(alive) <= 1, "the proxy got SIGTERM while the leftover was alive"
            time.sleep(0.01)
        out, _ = p.communicate(timeout=30)
        # the proxy's exit during the shutdown forces nothing
        assert out.strip() == "status=3 forced=0"
        events = [l for l in records(log) if l.endswith(" 15")]
        assert events == ["leftover 15", "proxy 15"]
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()


def test_on_reap_can_stop_the_main_child(build_dir, tmp):
    proxy, agent = os.path.join(tmp, "proxy"), os.path.join(tmp, "agent")
    rec = tool(build_dir, "sigrec")
    p = subprocess.Popen([tool(build_dir, "supdrv"), "10000", "69", rec, "-o", proxy, "--",
                          rec, "-o", agent, "-x", "TERM"], stdout=subprocess.PIPE, text=True)
    try:
        wait_for(lambda: ready(proxy) and ready(agent), what="proxy and agent")
        [pid] = pids_with_arg(proxy)
        os.kill(pid, signal.SIGKILL)  # the proxy dies
        out, _ = p.communicate(timeout=30)
        assert out.strip() == "status=0 forced=69"
        assert recorded(agent, signal.SIGTERM)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()


def test_subreaper_without_proc_does_not_hang(jailinit, build_dir, tmp):
    # A subreaper finds leftovers through /proc; with none mounted (a mount
    # namespace of the test's own) it must still exit, with the main
    # child's status, after saying what it could not do.
    out = os.path.join(tmp, "orphan")
    rec = tool(build_dir, "sigrec")
    script = (f'umount -l /proc && exec "{jailinit}" --net host --grace=0.5 -- '
              f'sh -c \'"{rec}" -d -o "{out}" </dev/null >/dev/null 2>&1; exit 4\'')
    try:
        r = run(["unshare", "--mount", "sh", "-c", script], timeout=60)
        assert r.returncode == 4, r.stderr
        assert "/proc" in r.stderr
        assert r.stderr.count("cannot list") == 1
    finally:
        for pid in pids_with_arg(out):
            os.kill(pid, signal.SIGKILL)
