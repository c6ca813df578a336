"""An interactive agent on a terminal in every jail mode (issue 15, 1): the
terminal's foreground is handed on from jailinit to the jail's init to the
agent, as tini hands it to its command, so a prompt reads what is typed,
^C interrupts the agent, and ^Z stops it without stopping the init. Each
run is driven through a pty of the test's own, inside a network and PID
namespace the test made (the jail has one of its own too, or none: the
nopidns wrapper refuses CLONE_NEWPID)."""
import os
import pty
import select
import signal
import time

import pytest

from test_jail import nopidns  # noqa: F401
from test_supervisor import children, state, wait_for
from util import netns_cmd

MODES = {"none": ["--net", "none"], "proxy": ["--allow", "a.test"],
         "transparent": ["--net", "transparent", "--allow", "a.test"]}


class Tty:
    """jailinit on a pty: what it wrote, and its exit."""

    def __init__(self, argv):
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            try:
                os.execvp(argv[0], argv)
            finally:
                os._exit(99)
        self.out = b""
        self.status = None

    def read(self, timeout=0.05):
        while select.select([self.fd], [], [], timeout)[0]:
            try:
                d = os.read(self.fd, 4096)
            except OSError:
                return
            if not d:
                return
            self.out += d
            timeout = 0

    def wait_text(self, text, timeout=15):
        wait_for(lambda: (self.read(), text.encode() in self.out)[1], timeout, what=f"{text!r} on the terminal\n"
                 f"{self.out.decode(errors='replace')}")

    def wait_exit(self, timeout=20):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            self.read()
            done, st = os.waitpid(self.pid, os.WNOHANG)
            if done:
                self.status = os.waitstatus_to_exitcode(st)
                return self.status
        raise AssertionError(f"jailinit did not exit\n{self.out.decode(errors='replace')}")

    def close(self):
        """Nothing outlives the test: a failed run's agent sits stopped and
        jailinit waits for it, below `unshare` (which dies alone). The test's
        PID namespace goes with its first process, so that one is killed."""
        if self.status is None:
            for p in descendants(self.pid) + [self.pid]:
                try:
                    os.kill(p, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            try:
                os.waitpid(self.pid, 0)
            except ChildProcessError:
                pass
        os.close(self.fd)


def descendants(root):
    out, todo = [], children(root)
    while todo:
        p = todo.pop()
        out.append(p)
        todo += children(p)
    return out


def agent_pid(root, name):
    """The process named name below root."""
    todo = [root]
    while todo:
        p = todo.pop()
        try:
            if open(f"/proc/{p}/comm").read().strip() == name:
                return p
        except OSError:
            continue
        todo += children(p)
    return None


@pytest.mark.parametrize("pidns", ["pidns", "no_pidns"])
@pytest.mark.parametrize("mode", sorted(MODES))
def test_prompt_reads_the_terminal_and_ctrl_c_reaches_the_agent(jailinit, nopidns, mode, pidns):  # noqa: F811
    wrap = [nopidns] if pidns == "no_pidns" else []
    agent = ["/bin/sh", "-c", "printf 'name? '; read x; echo \"got:$x\"; exec cat"]
    t = Tty(netns_cmd(wrap + [jailinit] + MODES[mode] + ["--"] + agent))
    try:
        t.wait_text("name? ")
        os.write(t.fd, b"jail\n")
        t.wait_text("got:jail")  # it was not stopped by SIGTTIN: it holds the foreground
        cat = wait_for(lambda: agent_pid(t.pid, "cat"), what="cat")
        with open(f"/proc/{cat}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        assert fields[5] == fields[2], f"the terminal's foreground {fields[5]} is not the agent's group {fields[2]}"
        os.write(t.fd, b"\x1a")  # ^Z: the agent stops, jailinit does not
        wait_for(lambda: state(cat) == "T", what="cat stopped by ^Z")
        assert state(t.pid) != "T"
        os.kill(cat, signal.SIGCONT)
        wait_for(lambda: state(cat) != "T", what="cat resumed")
        os.write(t.fd, b"\x03")  # ^C: the agent is interrupted, jailinit passes it on
        assert t.wait_exit() == 128 + signal.SIGINT, t.out.decode(errors="replace")
    finally:
        t.close()
