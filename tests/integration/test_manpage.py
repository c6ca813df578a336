"""The man page jailinit(8) (issue 12): it renders without a groff warning,
it and --help name the same options and environment variables, it lists
every exit code, and make install puts the binary and the page in place."""
import json
import os
import re
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
PAGE = os.path.join(REPO, "man", "jailinit.8")


def rendered():
    r = subprocess.run(["groff", "-man", "-Tutf8", "-ww", "-P", "-cbou", PAGE], capture_output=True, text=True,
                       timeout=30)
    assert r.returncode == 0 and r.stderr == "", r.stderr  # -ww: every warning
    return r.stdout


def names(text):
    opts = set(re.findall(r"(?<![\w-])(--[a-z][a-z-]+|-[sgpewvlh])(?![\w-])", text))
    env = set(re.findall(r"\b((?:JAILINIT|TINI)_[A-Z_]+)\b", text))
    return opts, env


def test_man_page_and_help_agree(jailinit):
    help_text = subprocess.run([jailinit, "--help"], capture_output=True, text=True, check=True).stdout
    h_opts, h_env = names(help_text)
    page = rendered()
    m_opts, _ = names(page.split("\nEXAMPLES")[0])  # the examples show docker's flags too
    _, m_env = names(page)
    assert h_opts - m_opts == set(), f"in --help, not in the man page: {sorted(h_opts - m_opts)}"
    assert m_opts - h_opts <= {"-h"}, f"in the man page, not in --help: {sorted(m_opts - h_opts)}"
    assert h_env - m_env == set(), f"variables in --help, not in the man page: {sorted(h_env - m_env)}"
    for code in ("64", "69", "71", "77", "126", "127", "128+N"):
        assert re.search(rf"^\s+{re.escape(code)}\b", rendered(), re.M), code


def test_make_install(tmp_path, build_dir):
    r = subprocess.run(["make", "-C", REPO, f"BUILD={build_dir}", "install", f"DESTDIR={tmp_path}",
                        "PREFIX=/usr"], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr
    binary = tmp_path / "usr" / "bin" / "jailinit"
    page = tmp_path / "usr" / "share" / "man" / "man8" / "jailinit.8"
    assert os.access(binary, os.X_OK) and page.read_text() == open(PAGE).read()
    profile = tmp_path / "usr" / "share" / "jailinit" / "seccomp" / "jailinit-least-privilege.json"
    assert json.loads(profile.read_text())["defaultAction"], "the profile is installed whole"
    v = subprocess.run([str(binary), "--version"], capture_output=True, text=True)
    assert v.returncode == 0 and v.stdout.startswith("jailinit "), v
