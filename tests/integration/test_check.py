"""`jailinit check` on this machine, in network namespaces the tests make:
ready with exit 0 as root, the --json schema, usage errors (64), and the
configurations that cannot work — NET_ADMIN dropped from the bounding set
(setpriv, capsh), seccomp filters the test loads (tests/tools/seccomp_exec)
— giving 77 with the right failing check and fix."""
import json
import os
import shutil

import pytest

from util import netns_cmd, run

CHECK_NAMES_ALWAYS = {"capabilities", "cap_net_admin", "cap_setuid", "cap_setgid",
                      "cap_sys_admin", "seccomp", "filter:clone", "filter:clone-min",
                      "max_user_namespaces", "unprivileged_userns_clone",
                      "apparmor_userns", "landlock", "netlink_netfilter", "runtime"}


def check(jailinit, *args, wrap=(), timeout=60):
    """Run `[wrap...] jailinit check ARGS` in a fresh netns (+ pid ns)."""
    return run(netns_cmd(list(wrap) + [jailinit, "check"] + list(args)), timeout=timeout)


def check_json(jailinit, *args, wrap=()):
    r = check(jailinit, "--json", *args, wrap=wrap)
    assert r.stdout.count("\n") == 1, r.stdout + r.stderr
    rep = json.loads(r.stdout)
    assert steps_agree(rep), r.stdout
    return r, rep


def by_name(report):
    return {c["name"]: c for c in report["checks"]}


FORBIDDEN = {"EPERM", "EACCES", "ENOSPC", "EUSERS", "ENOSYS", "EOPNOTSUPP", "EPROTONOSUPPORT",
             "EAFNOSUPPORT"}


def failed_required(report):
    """The failed required checks, without the real steps (steps_agree)."""
    return sorted(c["name"] for c in report["checks"]
                  if c["required"] and c["ok"] is False and not c["name"].startswith("step:"))


def steps_agree(rep):
    """When the real steps ran (jail_trial), they agree with the verdict."""
    if rep["real_steps"] != "ran":
        return True
    bad = [c for c in rep["checks"] if c["name"].startswith("step:") and c["ok"] is False]
    if rep["ready"]:
        return bad == []
    return bool(bad) and bad[0]["errno"] in FORBIDDEN


@pytest.fixture(scope="module")
def seccomp_exec(build_dir):
    p = os.path.join(build_dir, "tools", "seccomp_exec")
    if not os.access(p, os.X_OK):
        pytest.fail(f"no {p}: run make tools")
    return p


def test_ready_as_root_in_a_netns(jailinit):
    r = check(jailinit, "--proxy-port", "3128")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "verdict: READY" in r.stdout
    assert "FAILED" not in r.stdout
    # one screen
    assert len(r.stdout.splitlines()) <= 40, r.stdout


@pytest.mark.parametrize("args", [[], ["--net", "none"], ["--proxy-port", "3128"],
                                  ["--net", "transparent", "--proxy-port", "3128"]])
def test_json_schema(jailinit, args):
    r, rep = check_json(jailinit, *args)
    assert r.returncode == 0, r.stdout + r.stderr
    assert rep["schema"] == 1
    assert rep["ready"] is True
    assert rep["tier"] in ("full", "reduced", "none")
    assert rep["tier"] == "full"  # root, no filter, NET_ADMIN: everything
    assert isinstance(rep["tier_detail"], str)
    assert rep["config"]["net"] in ("none", "proxy", "transparent")
    rt = rep["runtime"]
    assert isinstance(rt["name"], str) and isinstance(rt["evidence"], list)
    assert all(isinstance(e, str) for e in rt["evidence"])
    assert isinstance(rt["userns"], bool)
    caps = rep["capabilities"]
    for k in ("effective", "permitted", "inheritable", "bounding", "ambient"):
        assert isinstance(caps[k], list)
    assert "NET_ADMIN" in caps["effective"]
    assert rep["seccomp"]["mode"] == "disabled"
    assert rep["real_steps"] in ("ran", "unavailable")
    for c in rep["checks"]:
        assert set(c) == {"name", "ok", "required", "status", "errno", "detail"}
        assert c["ok"] in (True, False, None)
        assert c["status"] == {True: "ok", None: "n/a"}.get(c["ok"], "failed" if c["required"] else "not-needed")
        assert isinstance(c["required"], bool)
        assert c["errno"] is None or (isinstance(c["errno"], str) and c["errno"].startswith("E"))
        assert isinstance(c["detail"], str)
    assert CHECK_NAMES_ALWAYS <= set(by_name(rep))
    assert rep["fixes"] == []
    assert failed_required(rep) == []


def test_json_probes_say_what_the_kernel_answered(jailinit):
    _, rep = check_json(jailinit)
    c = by_name(rep)
    # no filter here: every probe gets the kernel's answer to invalid arguments
    assert c["filter:clone-min"]["ok"] is True and c["filter:clone-min"]["errno"] == "EINVAL"
    assert c["filter:clone3"]["errno"] == "EINVAL"
    assert c["filter:setns"]["errno"] == "EBADF"
    assert c["filter:mount"]["errno"] == "ENOENT"
    assert c["filter:sethostname"]["errno"] == "EINVAL"


def test_hostname_needs_sethostname(jailinit, seccomp_exec):
    r, rep = check_json(jailinit, "--hostname", "agent")
    assert r.returncode == 0, r.stdout + r.stderr
    assert rep["config"]["hostname"] == "agent"
    assert by_name(rep)["filter:sethostname"]["required"] is True
    # a filter that lets the jail's clone through but refuses sethostname
    r = check(jailinit, "--json", "--hostname", "agent", wrap=[seccomp_exec, "least"])
    assert r.returncode == 77, r.stdout + r.stderr
    rep = json.loads(r.stdout)
    assert steps_agree(rep), r.stdout
    assert failed_required(rep) == ["filter:sethostname"]
    assert by_name(rep)["filter:sethostname"]["errno"] == "EPERM"


@pytest.mark.parametrize("args", [["--bogus"], ["--proxy-port", "notaport"],
                                  ["--net", "sideways"], ["--json", "--proxy-port", "70000"]])
def test_usage_errors_exit_64(jailinit, args):
    r = run([jailinit, "check"] + args)
    assert r.returncode == 64, (r.returncode, r.stdout, r.stderr)
    assert r.stdout == ""


@pytest.mark.parametrize("wrap", [
    ["setpriv", "--bounding-set=-net_admin"],
    ["capsh", "--drop=cap_net_admin", "--"],
], ids=["setpriv", "capsh"])
def test_no_net_admin_forbids_proxy_mode(jailinit, wrap):
    if not shutil.which(wrap[0]):
        pytest.skip(f"{wrap[0]} is not installed (make setup)")
    # capsh runs its arguments with /bin/sh -c ...: pass the command that way.
    if wrap[0] == "capsh":
        cmd = lambda *a: check(jailinit, *a, wrap=wrap[:-1] + ["--", "-c", 'exec "$0" "$@"'])  # noqa: E731
    else:
        cmd = lambda *a: check(jailinit, *a, wrap=wrap)  # noqa: E731
    r = cmd("--json", "--proxy-port", "3128")
    assert r.returncode == 77, r.stdout + r.stderr
    rep = json.loads(r.stdout)
    assert steps_agree(rep), r.stdout
    assert rep["ready"] is False
    assert failed_required(rep) == ["cap_net_admin"]
    assert "not even in the bounding set" in by_name(rep)["cap_net_admin"]["detail"]
    assert rep["tier"] == "reduced"  # --net none still possible
    assert any("--cap-add NET_ADMIN" in f["text"] for f in rep["fixes"])

    # --net none does not need NET_ADMIN: ready (tier reduced)
    r = cmd("--json", "--net", "none")
    assert r.returncode == 0, r.stdout + r.stderr
    rep = json.loads(r.stdout)
    assert steps_agree(rep), r.stdout
    assert rep["ready"] is True and rep["tier"] == "reduced"

    # and the human form says so
    r = cmd("--proxy-port", "3128")
    assert r.returncode == 77
    assert "FAILED cap_net_admin" in r.stdout
    assert "verdict: NOT READY" in r.stdout
    assert "--cap-add NET_ADMIN" in r.stdout


def test_docker_like_filter_forbids_the_jail(jailinit, seccomp_exec):
    r = check(jailinit, "--json", "--proxy-port", "3128", wrap=[seccomp_exec, "docker"])
    assert r.returncode == 77, r.stdout + r.stderr
    rep = json.loads(r.stdout)
    assert steps_agree(rep), r.stdout
    c = by_name(rep)
    assert failed_required(rep) == ["filter:clone-min"]
    assert c["filter:clone-min"]["errno"] == "EPERM"
    assert "refused by the seccomp filter" in c["filter:clone-min"]["detail"]
    assert c["filter:clone3"]["errno"] == "ENOSYS" and c["filter:clone3"]["ok"] is False
    assert not c["filter:clone3"]["required"]
    assert c["filter:clone3"]["status"] == "not-needed"  # failed, but the jail does without (issue 15, 6)
    assert c["filter:clone-min"]["status"] == "failed"
    assert rep["seccomp"] == {"mode": "filter", "filters": 1, "no_new_privs": True}
    assert rep["tier"] == "none"
    kinds = [f["kind"] for f in rep["fixes"]]
    assert kinds[0] == "least-privilege" and kinds[-1] == "testing-only"
    assert "seccomp=docker/seccomp/jailinit-least-privilege.json" in rep["fixes"][0]["text"]
    assert "SYS_ADMIN" not in rep["fixes"][0]["text"]
    assert "SYS_ADMIN" in rep["fixes"][-1]["text"]


def test_least_privilege_like_filter_is_ready(jailinit, seccomp_exec):
    r, rep = check_json(jailinit, "--net", "transparent", "--proxy-port", "3128",
                        wrap=[seccomp_exec, "least"])
    assert r.returncode == 0, r.stdout + r.stderr
    c = by_name(rep)
    assert c["filter:clone"]["ok"] and c["filter:clone-min"]["ok"]
    assert c["filter:clone-other"]["ok"] is False
    assert "least-privilege" in c["seccomp_profile"]["detail"]
    assert rep["tier"] == "full"


def test_killing_filter_is_told_apart(jailinit, seccomp_exec):
    r = check(jailinit, "--json", wrap=[seccomp_exec, "kill"])
    assert r.returncode == 77, r.stdout + r.stderr
    rep = json.loads(r.stdout)
    assert steps_agree(rep), r.stdout
    c = by_name(rep)
    assert c["filter:clone-min"]["ok"] is False
    assert "killed by signal 31" in c["filter:clone-min"]["detail"]
    # the probes after the killed one still ran
    assert c["filter:setns"]["errno"] == "EBADF"
    # and the real steps, which would die at clone too, were not tried
    assert rep["real_steps"] == "skipped"


def test_net_host_needs_nothing(jailinit, seccomp_exec):
    r, rep = check_json(jailinit, "--net", "host", wrap=[seccomp_exec, "docker"])
    assert r.returncode == 0, r.stdout + r.stderr
    assert rep["ready"] is True


@pytest.mark.parametrize("fmt", ["json", "text"])
def test_refused_start_explains_itself_in_the_log_format(jailinit, seccomp_exec, fmt):
    """Issue 7's second defect: with --log-format=json a refused start wrote
    one JSON line and then the self-check's explanation as plain text. Every
    line jailinit writes goes through its log: one JSON object a line."""
    args = [seccomp_exec, "docker", jailinit, f"--log-format={fmt}", "--proxy-port", "3128",
            "--", "/bin/sh", "-c", "echo AGENT-RAN"]
    r = run(netns_cmd(args), timeout=60)
    assert r.returncode == 77, r.stdout + r.stderr
    assert "AGENT-RAN" not in r.stdout + r.stderr
    lines = [line for line in r.stderr.splitlines() if line.strip()]
    assert len(lines) >= 5, r.stderr
    if fmt == "json":
        msgs = []
        for line in lines:
            obj = json.loads(line)  # every line, not only the first
            assert obj["level"] in ("error", "warn", "info"), line
            msgs.append(obj["msg"])
        text = "\n".join(msgs)
    else:
        assert not any(line.startswith("{") for line in lines), r.stderr
        text = r.stderr
    assert "what the self-check finds here" in text, r.stderr
    assert "filter:clone-min" in text, r.stderr
    assert "seccomp=docker/seccomp/jailinit-least-privilege.json" in text, r.stderr
