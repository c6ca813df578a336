"""`jailinit check` inside real containers (tests/integration/containers.py,
--network none always): for each configuration of the design brief, the
verdict, the failing checks, and that the printed fix, once applied exactly
as printed, turns the verdict to ready."""
import json
import os
import shlex
import subprocess

import pytest

import containers as C

ARGS = ["check", "--json", "--proxy-port", "3128"]


@pytest.fixture(scope="module")
def image(jailinit):
    with C.image(jailinit) as tag:
        yield tag


def parse(r):
    assert r.stdout.strip(), f"no report (exit {r.returncode}): {r.stderr}"
    rep = json.loads(r.stdout)
    assert rep["ready"] is (r.returncode == 0), (r.returncode, rep["ready"])
    assert steps_agree(rep), r.stdout
    return rep


FORBIDDEN = {"EPERM", "EACCES", "ENOSPC", "EUSERS", "ENOSYS", "EOPNOTSUPP", "EPROTONOSUPPORT",
             "EAFNOSUPPORT"}


def failed(rep):
    """The failed required checks, without the real steps (see steps_agree)."""
    return sorted(c["name"] for c in rep["checks"]
                  if c["required"] and c["ok"] is False and not c["name"].startswith("step:"))


def steps_agree(rep):
    """When the real steps ran (jail_trial), they agree with the verdict:
    none failed when ready; else one failed, with an errno that means the
    container forbids it."""
    if rep["real_steps"] != "ran":
        return True
    bad = [c for c in rep["checks"] if c["name"].startswith("step:") and c["ok"] is False]
    if rep["ready"]:
        return bad == []
    if rep["runtime"]["engine"] == "gvisor":
        return bool(bad)  # its errnos are its own (ENOPROTOOPT for a netlink option)
    return bool(bad) and bad[0]["errno"] in FORBIDDEN


def by_name(rep):
    return {c["name"]: c for c in rep["checks"]}


def docker_check(image, **kw):
    r = C.docker_run(image, ARGS, **kw)
    return r, parse(r)


def apply_docker_fix(image, text):
    """Run the printed `docker run ... IMAGE` from the repository root (the
    profile paths are relative to it), with --rm --network none added, and
    the same check as arguments."""
    argv = shlex.split(text)
    assert argv[:2] == ["docker", "run"] and argv[-1] == "IMAGE", text
    name = C.unique("fix")
    cmd = ([C.DOCKER, "run", "--rm", "--name", name, "--network", "none", "--label", C.LABEL]
           + argv[2:-1] + [image] + ARGS)
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=60, cwd=C.REPO)
    finally:
        subprocess.run([C.DOCKER, "rm", "-f", name], capture_output=True)
    return r, parse(r)


# ---- docker ------------------------------------------------------------------

DOCKER_CASES = {
    # id: (caps, seccomp, ready, failing checks, tier)
    "default": ((), None, False, ["cap_net_admin", "filter:clone-min"], "none"),
    "net_admin": (("NET_ADMIN",), None, False, ["filter:clone-min"], "none"),
    "net_admin+seed": (("NET_ADMIN",), C.SEED_PROFILE, True, [], "full"),
    "net_admin+least": (("NET_ADMIN",), C.LEAST_PROFILE, True, [], "full"),
    "net_admin+unconfined": (("NET_ADMIN",), "unconfined", True, [], "full"),
    "sys_admin": (("SYS_ADMIN",), None, False, ["cap_net_admin"], "reduced"),
    "net_admin+sys_admin": (("NET_ADMIN", "SYS_ADMIN"), None, True, [], "full"),
}


@pytest.mark.parametrize("case", list(DOCKER_CASES))
def test_docker_configuration(image, case):
    caps, seccomp, ready, failing, tier = DOCKER_CASES[case]
    r, rep = docker_check(image, caps=caps, seccomp=seccomp)
    assert rep["ready"] is ready, r.stdout
    assert r.returncode == (0 if ready else 77)
    assert failed(rep) == failing, r.stdout
    assert rep["tier"] == tier
    assert rep["runtime"]["name"] == "docker"
    assert "/.dockerenv exists" in rep["runtime"]["evidence"]
    c = by_name(rep)
    if "filter:clone-min" in failing:
        assert c["filter:clone-min"]["errno"] == "EPERM"
        assert "refused by the seccomp filter" in c["filter:clone-min"]["detail"]
    if ready:
        assert rep["fixes"] == []
    else:
        assert rep["fixes"], r.stdout


def test_docker_profiles_are_recognised(image):
    _, least = docker_check(image, caps=("NET_ADMIN",), seccomp=C.LEAST_PROFILE)
    assert "least-privilege" in by_name(least)["seccomp_profile"]["detail"]
    assert by_name(least)["filter:clone-other"]["ok"] is False
    _, seed = docker_check(image, caps=("NET_ADMIN",), seccomp=C.SEED_PROFILE)
    assert "seed" in by_name(seed)["seccomp_profile"]["detail"]
    assert by_name(seed)["filter:clone3"]["errno"] == "ENOSYS"
    _, unconfined = docker_check(image, caps=("NET_ADMIN",), seccomp="unconfined")
    assert unconfined["seccomp"]["mode"] == "disabled"


@pytest.mark.parametrize("case", ["default", "net_admin", "sys_admin"])
def test_docker_fixes_turn_ready(image, case):
    """Every docker fix printed (least privilege first, CAP_SYS_ADMIN last
    and marked testing only), applied exactly as printed, gives ready."""
    caps, seccomp, *_ = DOCKER_CASES[case]
    _, rep = docker_check(image, caps=caps, seccomp=seccomp)
    fixes = [f for f in rep["fixes"] if f["runtime"] == "docker"]
    assert fixes and fixes[0]["kind"] == "least-privilege"
    if any("SYS_ADMIN" in f["text"] for f in fixes):
        assert fixes[-1]["kind"] == "testing-only" and "SYS_ADMIN" in fixes[-1]["text"]
        assert all("SYS_ADMIN" not in f["text"] for f in fixes[:-1])
    for f in fixes:
        r, after = apply_docker_fix(image, f["text"])
        assert after["ready"] is True and r.returncode == 0, (f["text"], r.stdout, r.stderr)
        assert failed(after) == []


def test_docker_human_output_one_screen(image):
    r = C.docker_run(image, ["check", "--proxy-port", "3128"])
    assert r.returncode == 77
    out = r.stdout
    assert "FAILED cap_net_admin" in out and "FAILED filter:clone-min" in out
    assert "verdict: NOT READY" in out
    assert "docker run --cap-add NET_ADMIN --security-opt seccomp=docker/seccomp/jailinit-least-privilege.json IMAGE" in out
    assert len(out.splitlines()) <= 40, out


def test_docker_non_root_user(image):
    r, rep = docker_check(image, caps=("NET_ADMIN",), seccomp=C.LEAST_PROFILE, user="1000:1000")
    assert r.returncode == 77, r.stdout
    assert "cap_net_admin" in failed(rep) and "cap_setuid" in failed(rep)
    assert rep["fixes"][0]["kind"] == "option"
    assert "run jailinit as root" in rep["fixes"][0]["text"]
    # applied: the same flags without --user
    r, rep = docker_check(image, caps=("NET_ADMIN",), seccomp=C.LEAST_PROFILE)
    assert r.returncode == 0 and rep["ready"] is True


def test_docker_net_none_needs_no_net_admin(image):
    r = C.docker_run(image, ["check", "--json", "--net", "none"], seccomp=C.LEAST_PROFILE)
    rep = parse(r)
    assert r.returncode == 0 and rep["tier"] == "reduced", r.stdout


# ---- OCI bundles: runc and crun, with and without a user namespace ------------

OCI_CASES = {
    # id: (caps added to Docker's defaults, profile, ready, failing)
    "docker-default": ((), "docker-default", False, ["cap_net_admin", "filter:clone-min"]),
    "net_admin+least": (("NET_ADMIN",), C.LEAST_PROFILE, True, []),
    "sys_admin": (("SYS_ADMIN",), "docker-default", False, ["cap_net_admin"]),
}


@pytest.mark.parametrize("userns", [False, True], ids=["no-userns", "userns"])
@pytest.mark.parametrize("runtime", ["runc", "crun"])
@pytest.mark.parametrize("case", list(OCI_CASES))
def test_oci_bundle(jailinit, runtime, userns, case):
    caps, profile, ready, failing = OCI_CASES[case]
    r = C.oci_bundle(runtime, ["/jailinit"] + ARGS, caps=caps, seccomp_profile=profile,
                     userns=userns, jailinit=jailinit)
    rep = parse(r)
    assert rep["ready"] is ready, r.stdout + r.stderr
    assert failed(rep) == failing, r.stdout
    assert rep["runtime"]["userns"] is userns
    if userns:
        assert any(e.startswith("own user namespace: uid_map 0 100000 65536")
                   for e in rep["runtime"]["evidence"]), rep["runtime"]
    if not ready:
        # The least-privilege fix, applied to the bundle: NET_ADMIN and the profile.
        fix = rep["fixes"][0]
        assert fix["runtime"] == "oci" and fix["kind"] == "least-privilege"
        assert [f["runtime"] for f in rep["fixes"][1:3]] == ["docker", "docker"]
        assert rep["fixes"][-1]["kind"] == "testing-only"
        add = tuple(caps) + (("NET_ADMIN",) if "NET_ADMIN" in fix["text"] else ())
        prof = C.LEAST_PROFILE if "jailinit-least-privilege.json" in fix["text"] else profile
        r2 = C.oci_bundle(runtime, ["/jailinit"] + ARGS, caps=add, seccomp_profile=prof,
                          userns=userns, jailinit=jailinit)
        after = parse(r2)
        assert after["ready"] is True, r2.stdout + r2.stderr


def test_runc_and_crun_agree(jailinit):
    reports = {}
    for rt in ("runc", "crun"):
        r = C.oci_bundle(rt, ["/jailinit"] + ARGS, seccomp_profile="docker-default", jailinit=jailinit)
        rep = parse(r)
        reports[rt] = {c["name"]: (c["ok"], c["errno"]) for c in rep["checks"]
                       if c["name"].startswith(("filter:", "cap_"))}
    assert reports["runc"] == reports["crun"]


# ---- optional runtimes -------------------------------------------------------

@pytest.mark.optional
@pytest.mark.parametrize("caps", [(), ("NET_ADMIN",)], ids=["default", "net_admin"])
def test_podman(image, caps):
    with C.podman_image(image) as pimg:
        r = C.podman_run(pimg, ARGS, caps=caps)
    rep = parse(r)
    assert rep["runtime"]["name"] == "podman"
    if caps:
        assert rep["ready"] is True, r.stdout
    else:
        assert failed(rep) == ["cap_net_admin"]
        assert rep["fixes"][0]["text"] == "podman run --cap-add NET_ADMIN IMAGE"


@pytest.mark.optional
def test_gvisor_is_unsupported(jailinit):
    r = C.runsc_bundle(["/jailinit"] + ARGS, caps=("NET_ADMIN",), jailinit=jailinit)
    rep = parse(r)
    assert rep["ready"] is False and r.returncode == 77
    assert rep["runtime"]["name"] == "gvisor"
    assert rep["fixes"][0]["kind"] == "unsupported"


# ---- orchestrators, as their containers look from inside ----------------------
# (the environment variables Kubernetes and ECS set; a real cluster is out of
# reach here, so these show the detection and the shape of the fix)

def test_kubernetes_fix_is_securitycontext_yaml(image):
    r, rep = docker_check(image, extra=["-e", "KUBERNETES_SERVICE_HOST=10.96.0.1"])
    assert r.returncode == 77
    assert rep["runtime"]["name"] == "kubernetes" and rep["runtime"]["engine"] == "docker"
    assert "KUBERNETES_SERVICE_HOST is set" in rep["runtime"]["evidence"]
    fix = rep["fixes"][0]
    assert fix["runtime"] == "kubernetes" and fix["kind"] == "least-privilege"
    assert fix["text"].splitlines() == [
        "securityContext:",
        "  capabilities:",
        '    add: ["NET_ADMIN"]',
        "  seccompProfile:",
        "    type: Localhost",
        "    localhostProfile: jailinit-least-privilege.oci-amd64.json",
    ]
    assert rep["fixes"][-1]["kind"] == "testing-only"


def test_ecs_fix_is_task_definition_fields(image):
    r, rep = docker_check(image, extra=["-e", "ECS_CONTAINER_METADATA_URI_V4=http://169.254.170.2/v4/x"])
    assert r.returncode == 77
    assert rep["runtime"]["name"] == "ecs"
    fix = rep["fixes"][0]
    assert fix["runtime"] == "ecs"
    # the text is JSON members of a container definition
    members = json.loads("{" + fix["text"] + "}")
    assert members["linuxParameters"]["capabilities"]["add"] == ["NET_ADMIN"]
    assert "dockerSecurityOptions" not in members  # ECS takes no seccomp= there
    daemon = rep["fixes"][1]
    assert daemon["runtime"] == "ecs" and "daemon.json" in daemon["note"]
    assert json.loads(daemon["text"]) == {"seccomp-profile": "/etc/docker/jailinit-least-privilege.json"}


def test_net_host_is_ready_anywhere(image):
    r = C.docker_run(image, ["check", "--json", "--net", "host"])
    rep = parse(r)
    assert r.returncode == 0 and rep["real_steps"] == "not-run"


# ---- a run, not a check: the quick check refuses and explains -----------------

def test_run_refused_with_the_fix(image):
    r = C.docker_run(image, ["--proxy-port", "3128", "--", "/bin/true"])
    assert r.returncode == 77, r.stderr
    assert r.stdout == ""
    err = r.stderr
    assert "self-check" in err
    assert "FAILED cap_net_admin" in err and "FAILED filter:clone-min" in err
    assert "docker run --cap-add NET_ADMIN --security-opt seccomp=docker/seccomp/jailinit-least-privilege.json IMAGE" in err
    assert len(err.splitlines()) <= 30, err


@pytest.mark.optional
def test_run_under_gvisor_says_unsupported(jailinit):
    r = C.runsc_bundle(["/jailinit", "--", "/bin/true"], caps=("NET_ADMIN",), jailinit=jailinit)
    assert r.returncode == 77, r.stderr
    assert "unsupported runtime" in r.stderr
