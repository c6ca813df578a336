"""Issue 7, 2: the jail's build steps are data (jail/steps.c), and a test
build of jailinit (build/jailinit-seams: JAILINIT_TEST_SEAMS) makes any step
fail on demand (JAILINIT_TEST_FAIL_STEP=NAME, EIO, right after the step
itself succeeded: the worst case for teardown). This walks every step of
the table: the message names the step, the exit code is the documented one
(71 for a step of the jail, 69 for the proxy's), the agent never starts, and
nothing is left in the container: no veth, no nf_tables table, no process.
Each run is in test_jail's throwaway "container" (a netns + PID ns)."""
import os
import re

import pytest

from test_jail import BB, PROXY_ARGS, container, jail, work  # noqa: F401

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def table_steps():
    """(id, name) of every build step, read from the table itself, so a step
    added there is walked here without a test edit."""
    text = open(os.path.join(ROOT, "jail", "steps.c")).read()
    return [(m.group(1), m.group(2)) for m in re.finditer(r'\[(JS_\w+)\] = \{\s*"([^"]+)"', text)
            if m.group(1) != "JS_NONE"]


STEPS = table_steps()


@pytest.fixture(scope="module")
def seams(build_dir):
    p = os.path.join(build_dir, "jailinit-seams")
    assert os.access(p, os.X_OK), "make tools (builds jailinit-seams)"
    return p


def test_the_table_has_the_steps_we_know():
    names = [n for _, n in STEPS]
    for n in ("clone", "uid/gid maps", "create veth", "nf_tables table", "start proxy", "jail side configured"):
        assert n in names, names
    assert len(names) == len(set(names)), names


@pytest.mark.parametrize("step_id,name", STEPS, ids=[i for i, _ in STEPS])
def test_every_step_fails_cleanly(seams, work, step_id, name):
    r = container(seams, work, jail(PROXY_ARGS, f"{BB} sh -c 'echo AGENT-RAN'"),
                  env={"JAILINIT_TEST_FAIL_STEP": name})
    want = 69 if step_id.startswith("JS_PROXY") else 71
    assert r.code == want, r
    assert "AGENT-RAN" not in r.out, r
    assert name in r.err and "injected by JAILINIT_TEST_FAIL_STEP" in r.err, r
    assert "(EIO)" in r.err, r
    r.assert_clean()


def test_the_product_has_no_seam(jailinit, work):
    """The real binary ignores the variable: the agent runs."""
    r = container(jailinit, work, jail(PROXY_ARGS, f"{BB} sh -c 'echo AGENT-RAN'"),
                  env={"JAILINIT_TEST_FAIL_STEP": "clone"})
    assert r.code == 0, r
    assert "AGENT-RAN" in r.out, r
    r.assert_clean()
