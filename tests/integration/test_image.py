"""make image (issue 12): the FROM scratch demo image, built from the local
build with no registry access, runs the demo agent in Docker as a user
would run it: --network none, NET_ADMIN, the least-privilege profile. It
exits 0 only when every line came out as promised."""
import os
import re
import subprocess

import containers as C

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))


def test_make_image_runs_the_demo_in_docker(build_dir):
    C.require_docker()
    tag = C.unique("demo").lower()
    try:
        r = subprocess.run(["make", "-C", REPO, f"BUILD={build_dir}", "image", f"IMAGE={tag}"],
                           capture_output=True, text=True, timeout=600)
        assert r.returncode == 0, r.stdout + r.stderr
        assert f"built {tag}" in r.stdout, r.stdout
        r = subprocess.run([C.DOCKER, "run", "--rm", "--network", "none", "--cap-add", "NET_ADMIN",
                            "--security-opt", f"seccomp={C.LEAST_PROFILE}", tag],
                           capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, r.stdout + r.stderr
        said = dict(m.groups() for m in re.finditer(r"^  (.+?)\s+(CAN|cannot)$", r.stdout, re.M))
        assert said.pop("fetch http://api.allowed.test:8080/ through the proxy") == "CAN", r.stdout
        assert said.pop("fetch api.allowed.test with no proxy at all (transparent)") == "CAN", r.stdout
        resolved = [k for k in said if k.startswith("resolve api.allowed.test")]
        assert len(resolved) == 1 and said.pop(resolved[0]) == "CAN", r.stdout
        assert len(said) >= 9 and set(said.values()) == {"cannot"}, said
        assert "deny evil.test:8080 method=GET" in r.stderr, r.stderr
    finally:
        subprocess.run([C.DOCKER, "rmi", "-f", tag, "jailinit:local"], capture_output=True)
