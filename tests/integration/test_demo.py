"""The README's first command (make demo = scripts/demo.sh): the demo agent
in a transparent jail with jailinit's own allowlist. It makes its own
network, PID and mount namespaces (and is run in one of the test's too):
what it prints is what the README shows, and it exits 0 only when every
line came out as promised."""
import os
import re

from util import netns_cmd, run

HERE = os.path.dirname(os.path.abspath(__file__))
DEMO = os.path.join(HERE, "..", "..", "scripts", "demo.sh")


def test_demo_agent_can_and_cannot(jailinit):
    r = run(netns_cmd(["sh", DEMO, jailinit]), timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    said = {m.group(1).strip(): m.group(2) for m in re.finditer(r"^  (.+?)\s+(CAN|cannot)$", r.stdout, re.M)}
    assert said.pop("fetch http://api.allowed.test:8080/ through the proxy") == "CAN", r.stdout
    assert said.pop("fetch api.allowed.test with no proxy at all (transparent)") == "CAN", r.stdout
    resolved = [k for k in said if k.startswith("resolve api.allowed.test")]
    assert len(resolved) == 1 and said.pop(resolved[0]) == "CAN" and "198.19." in resolved[0], r.stdout
    assert len(said) >= 9 and set(said.values()) == {"cannot"}, said  # everything else refused
    assert "^ " not in r.stdout, r.stdout  # no line the agent flagged
    assert "veths: 0, nf_tables tables: 0" in r.stdout, r.stdout
    assert re.search(r"jailinit egress: \S+ deny evil\.test:8080 method=GET", r.stdout + r.stderr), r.stdout
