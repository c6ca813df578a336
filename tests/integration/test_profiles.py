"""The seccomp profiles in docker/seccomp/: valid, up to date with their
generator, and different from Debian docker.io's default profile only by the
clone rules they claim to add."""
import json
import os
import subprocess

import pytest

import containers as C

SEED = "jailinit-seed.json"
LEAST = "jailinit-least-privilege.json"
OCI = {"amd64": "jailinit-least-privilege.oci-amd64.json",
       "arm64": "jailinit-least-privilege.oci-arm64.json"}
ALL = [SEED, LEAST] + sorted(OCI.values())
OCI_CAPS = C.DOCKER_DEFAULT_CAPS + ("NET_ADMIN",)
GENERATOR = os.path.join(C.PROFILES, "generate.sh")

NSMASK = 0x7E020000  # NEWNS|NEWCGROUP|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET
JAIL_FULL = 0x10000000 | 0x40000000 | 0x20000000 | 0x04000000 | 0x08000000
JAIL_MIN = 0x10000000 | 0x40000000


def load(path):
    with open(path) as f:
        return json.load(f)


@pytest.fixture(scope="module")
def fresh(tmp_path_factory):
    """`make profiles` output, written to a temporary directory."""
    out = tmp_path_factory.mktemp("profiles")
    r = subprocess.run(["sh", GENERATOR, "-o", str(out)], capture_output=True, text=True,
                       timeout=300, cwd=C.REPO)
    assert r.returncode == 0, r.stderr
    return out


@pytest.fixture(scope="module")
def base(fresh):
    return load(C.docker_default_profile_path())


@pytest.mark.parametrize("name", ALL)
def test_committed_profile_is_valid_json(name):
    p = load(os.path.join(C.PROFILES, name))
    assert p["defaultAction"] == "SCMP_ACT_ERRNO"
    assert isinstance(p["syscalls"], list) and p["syscalls"]
    for s in p["syscalls"]:
        assert s["names"] and s["action"].startswith("SCMP_ACT_")


@pytest.mark.parametrize("name", ALL)
def test_committed_profile_is_up_to_date(fresh, name):
    """What `make profiles` writes now is byte for byte what is committed."""
    with open(os.path.join(C.PROFILES, name), "rb") as f:
        committed = f.read()
    with open(fresh / name, "rb") as f:
        generated = f.read()
    assert committed == generated, f"docker/seccomp/{name} is stale: run make profiles"


def test_generator_is_deterministic(fresh, tmp_path):
    r = subprocess.run(["sh", GENERATOR, "-o", str(tmp_path)], capture_output=True,
                       text=True, timeout=300, cwd=C.REPO)
    assert r.returncode == 0, r.stderr
    for name in ALL:
        assert (tmp_path / name).read_bytes() == (fresh / name).read_bytes()


def added_rules(base, profile):
    """The profile's syscall entries that are not in the base, after checking
    that everything else is the base unchanged and in order."""
    assert {k: v for k, v in profile.items() if k != "syscalls"} == \
        {k: v for k, v in base.items() if k != "syscalls"}
    rest = list(profile["syscalls"])
    added = []
    for b in base["syscalls"]:
        while rest and rest[0] != b:
            added.append(rest.pop(0))
        assert rest, f"base rule missing from the profile: {b}"
        rest.pop(0)
    return added + rest


def test_seed_adds_only_clone_allowed_outright(base):
    added = added_rules(base, load(os.path.join(C.PROFILES, SEED)))
    assert len(added) == 1
    r = added[0]
    assert r["names"] == ["clone"] and r["action"] == "SCMP_ACT_ALLOW"
    assert r["args"] == [] and not r["includes"] and not r["excludes"]


def test_least_privilege_adds_only_the_exact_clone_masks(base):
    added = added_rules(base, load(os.path.join(C.PROFILES, LEAST)))
    got = set()
    for r in added:
        assert r["names"] == ["clone"] and r["action"] == "SCMP_ACT_ALLOW", r
        assert len(r["args"]) == 1, r
        a = r["args"][0]
        assert a["op"] == "SCMP_CMP_MASKED_EQ" and a["value"] == NSMASK, r
        s390 = r["includes"].get("arches") == ["s390", "s390x"]
        # flags are argument 0, argument 1 on s390 (as in the base's rules)
        assert a["index"] == (1 if s390 else 0), r
        if not s390:
            assert r["excludes"].get("arches") == ["s390", "s390x"], r
        assert r["excludes"].get("caps") == ["CAP_SYS_ADMIN"], r
        got.add((a["index"], a["valueTwo"]))
    assert got == {(0, JAIL_FULL), (1, JAIL_FULL), (0, JAIL_MIN), (1, JAIL_MIN)}
    assert len(added) == 4


def test_base_clone_rules_are_as_the_generator_expects(base):
    """The generator adds its rules in the style of the base's own clone
    rules; if Debian changes them, this says so."""
    clone = [s for s in base["syscalls"] if s["names"] == ["clone"]]
    assert [(r["args"][0]["index"], r["args"][0]["value"], r["args"][0]["op"]) for r in clone] == \
        [(0, NSMASK, "SCMP_CMP_MASKED_EQ"), (1, NSMASK, "SCMP_CMP_MASKED_EQ")]
    assert all(r["args"][0].get("valueTwo", 0) == 0 for r in clone)


def test_generator_takes_another_base(tmp_path):
    """A different base profile may be passed: the rules go after its clone
    rules, whatever else it holds."""
    base = {"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
        {"names": ["read"], "action": "SCMP_ACT_ALLOW", "args": []},
        {"names": ["clone"], "action": "SCMP_ACT_ALLOW",
         "args": [{"index": 0, "value": NSMASK, "op": "SCMP_CMP_MASKED_EQ"}]},
        {"names": ["write"], "action": "SCMP_ACT_ALLOW", "args": []},
    ]}
    (tmp_path / "base.json").write_text(json.dumps(base))
    out = tmp_path / "out"
    r = subprocess.run(["sh", GENERATOR, "-o", str(out), str(tmp_path / "base.json")],
                       capture_output=True, text=True, timeout=60, cwd=C.REPO)
    assert r.returncode == 0, r.stderr
    least = load(out / LEAST)
    assert [s["names"][0] for s in least["syscalls"]] == \
        ["read", "clone", "clone", "clone", "clone", "clone", "write"]
    assert len(added_rules(base, load(out / SEED))) == 1


def test_generator_refuses_a_base_without_clone_rules(tmp_path):
    (tmp_path / "base.json").write_text(json.dumps(
        {"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW"}]}))
    r = subprocess.run(["sh", GENERATOR, "-o", str(tmp_path / "out"), str(tmp_path / "base.json")],
                       capture_output=True, text=True, timeout=60, cwd=C.REPO)
    assert r.returncode != 0
    assert "no clone rule" in r.stderr
    assert not (tmp_path / "out" / LEAST).exists()


@pytest.mark.parametrize("goarch", sorted(OCI))
def test_oci_variant_is_the_least_privilege_profile_as_docker_applies_it(goarch):
    """The OCI-format files (for containerd / Kubernetes) are what Docker
    would load from the least-privilege profile for a container with its
    default caps + NET_ADMIN (the generator's jq and the harness's Python
    conversion, written independently, agree)."""
    oci = load(os.path.join(C.PROFILES, OCI[goarch]))
    want = C.docker_profile_to_oci(os.path.join(C.PROFILES, LEAST), OCI_CAPS, goarch=goarch)
    assert oci == want
    assert C.is_oci_profile(oci)
    clone = [r for r in oci["syscalls"] if "clone" in r["names"]]
    # Docker's own rule (no namespace flag) and jailinit's two exact masks;
    # no s390 rule on argument 1, no CAP_SYS_ADMIN rule
    assert [(r["args"][0]["index"], r["args"][0]["value"], r["args"][0]["valueTwo"])
            for r in clone] == [(0, NSMASK, 0), (0, NSMASK, JAIL_FULL), (0, NSMASK, JAIL_MIN)]
    allowed = {n for r in oci["syscalls"] if r["action"] == "SCMP_ACT_ALLOW" for n in r["names"]}
    assert not allowed & {"unshare", "setns", "mount", "bpf", "clone3"}
