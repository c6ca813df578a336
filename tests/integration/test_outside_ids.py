"""Issue 8: the agent is nobody to the container, whatever its --user.

The attack it closes: with an identity map, `--user 0` made the agent the
container's uid 0 for every file-permission check; it could read root's
files, rename its own file over the proxy's binary, raise the proxy's
oom_score_adj and eat memory until the OOM killer ended the proxy, and
jailinit then restarted "the proxy" -- the agent's program -- as container
root with the container's capabilities.

What a user checks, with `--user 0` and with the default ids, on this machine
(a throwaway net+pid namespace, test_jail's "container") and in Docker with
the least-privilege profile:
* the agent cannot read a root 0600 file, cannot create a file in a
  root-owned 0755 directory, and what it creates belongs to container uid
  65520 (--outside-user), not to root;
* its oom_score_adj is 1000 and it cannot change jailinit's or the proxy's;
* a proxy killed from outside is restarted from the binary checked at the
  start even after root of the container replaced the path (the old attack,
  done by the one who still could);
* a proxy binary or directory the agent's ids could write, a process already
  running as the agent's container uid, and --outside-user 0 are refused
  before anything is built (64, nothing left).
"""
import os
import shutil

import pytest

import containers as C
from test_jail import (BB, FETCH, HTTPD, PROXY_PORT, PY, TINYPROXY, container, jail,  # noqa: F401
                       nopidns, work, write, www)
from test_jail_docker import LEAST, jail_image, lines, show  # noqa: F401

OUTSIDE = 65520

# The agent's attempts, one line each; $1 is where it may leave its file.
AGENT = f"""
try() {{ n=$1; shift; if "$@" >/dev/null 2>&1; then echo "$n worked"; else echo "$n refused"; fi; }}
echo "uid $({BB} id -u)"
try read_secret {BB} cat "$W/secret"
try create_in_rootdir {BB} touch "$W/rootdir/agent-was-here"
try chmod_rootfile {BB} chmod 666 "$W/rootdir/file"
try rename_over_rootfile {BB} mv "$W/mine/x" "$W/rootdir/file"
echo "own_oom $({BB} cat /proc/self/oom_score_adj)"
for p in $({BB} pidof jailinit) $({BB} pidof tinyproxy); do
  try "oom_of_$p" {BB} sh -c "echo 1000 > /proc/$p/oom_score_adj"
  try "oom_down_$p" {BB} sh -c "echo -1000 > /proc/$p/oom_score_adj"
done
{BB} touch "$W/mine/made-by-agent"
echo "fetch $({FETCH} 2>&1)"
"""

SETUP = ("export W  # the agent's scripts name their files by it\n" + HTTPD
         + 'echo "root only" > "$W/secret"; chmod 600 "$W/secret"\n'
         + 'mkdir -p "$W/rootdir"; chmod 755 "$W/rootdir"; echo root > "$W/rootdir/file"\n'
         # a directory of the agent's own (as a workspace would be), for its marks
         + f'mkdir -p "$W/mine"; touch "$W/mine/x"; chown -R {OUTSIDE}:{OUTSIDE} "$W/mine"\n')

PROXY = f'--proxy-port {PROXY_PORT} --proxy "{TINYPROXY} -d -c $W/tinyproxy.conf"'


def oom_lines(d):
    return {k: v for k, v in d.items() if k.startswith("oom_")}


@pytest.mark.parametrize("user", ["0", "default"])
@pytest.mark.parametrize("pidns", ["pidns", "nopidns"])
def test_agent_owns_nothing_of_the_container(jailinit, work, nopidns, user, pidns):
    www(work)
    write(work, "agent.sh", AGENT)
    args = "-v " + ("--user 0 " if user == "0" else "") + PROXY
    run = jail(args, f'{BB} sh "$W/agent.sh"')
    if pidns == "nopidns":
        run = run.replace('"$JAILINIT"', f'{nopidns} "$JAILINIT"')
    after = ('stat -c "%u:%g" "$W/mine/made-by-agent" > "$W/owner"\n'
             'cat "$W/rootdir/file" > "$W/rootfile"\n')
    r = container(jailinit, work, SETUP + run + after)
    assert r.code == 0, r
    d = r.lines()
    assert d["uid"] == ("0" if user == "0" else "65534"), r
    for k in ("read_secret", "create_in_rootdir", "chmod_rootfile", "rename_over_rootfile"):
        assert d[k] == "refused", f"{k}: {d[k]}\n{r}"
    assert d["own_oom"] == "1000", r
    ooms = oom_lines(d)
    # jailinit (outer and, with a PID namespace, the jail's init) and the proxy
    assert len(ooms) >= 4, r
    assert all(v == "refused" for v in ooms.values()), f"{ooms}\n{r}"
    assert d["fetch"] == "hello from the container's web server", r
    assert r.files("owner").strip() == f"{OUTSIDE}:{OUTSIDE}", r
    assert r.files("rootfile").strip() == "root", r
    assert not os.path.exists(os.path.join(work, "rootdir", "agent-was-here")), r
    assert f"container uid {OUTSIDE} gid {OUTSIDE}" in r.err, r
    r.assert_clean()


# The old attack, done by root of the container (the one who still can):
# the proxy's path is replaced and the proxy killed while the agent runs.
REPLACE = f"""
mkdir -p "$W/pbin"; chmod 755 "$W/pbin"; cp {TINYPROXY} "$W/pbin/tinyproxy"
printf '#!/bin/sh\\ntouch "%s/EVIL"\\nexec {BB} sleep 30\\n' "$W" > "$W/evil"; chmod 755 "$W/evil"
"$JAILINIT" {{user}} --proxy-port {PROXY_PORT} --proxy "$W/pbin/tinyproxy -d -c $W/tinyproxy.conf" \\
  -- {BB} sh "$W/agent.sh" >"$W/agent.out" 2>"$W/ji.err" </dev/null &
JI=$!
wait_file "$W/mine/before"
old=$({BB} pidof tinyproxy)
mv "$W/evil" "$W/pbin/tinyproxy"
kill -9 $old
i=0; while :; do new=$({BB} pidof tinyproxy); [ -n "$new" ] && [ "$new" != "$old" ] && break
  [ $i -ge 200 ] && break; {BB} usleep 20000; i=$((i+1)); done
echo "old=$old new=$new exe=$(readlink /proc/$new/exe)" > "$W/restart"
touch "$W/mine/replaced"
wait $JI; echo $? > "$W/code"
"""

AGENT_REPLACE = f"""
echo "fetch_before $({FETCH} 2>&1)"
touch "$W/mine/before"
i=0; while [ ! -e "$W/mine/replaced" ] && [ $i -lt 300 ]; do {BB} usleep 20000; i=$((i+1)); done
i=0; while ! {FETCH} >/dev/null 2>&1 && [ $i -lt 100 ]; do {BB} usleep 50000; i=$((i+1)); done
echo "fetch_after $({FETCH} 2>&1)"
"""


@pytest.mark.parametrize("user", ["--user 0", ""])
def test_proxy_restarts_from_the_binary_checked_at_start(jailinit, work, user):
    www(work)
    write(work, "agent.sh", AGENT_REPLACE)
    r = container(jailinit, work, SETUP + REPLACE.replace("{user}", user))
    assert r.code == 0, r
    d = r.lines()
    assert d["fetch_before"] == "hello from the container's web server", r
    assert d["fetch_after"] == "hello from the container's web server", r
    restart = r.files("restart")
    assert "new= " not in restart and "(deleted)" in restart, f"{restart}\n{r}"
    assert not os.path.exists(os.path.join(work, "EVIL")), f"the replaced path was executed\n{r}"
    assert "the proxy died" in r.err, r
    r.assert_clean()


@pytest.mark.parametrize("case", ["dir_of_agent", "world_writable_dir", "group_writable_binary",
                                  "binary_of_agent"])
def test_proxy_the_agent_could_replace_is_refused(jailinit, work, case):
    copy = f'mkdir "$W/pbin"; chmod 755 "$W/pbin"; cp {TINYPROXY} "$W/pbin/tinyproxy"; '
    setup = copy + {
        "dir_of_agent": f'chown {OUTSIDE} "$W/pbin"',
        "world_writable_dir": 'chmod 777 "$W/pbin"',
        "group_writable_binary": f'chgrp {OUTSIDE} "$W/pbin/tinyproxy"; chmod 775 "$W/pbin/tinyproxy"',
        "binary_of_agent": f'chown {OUTSIDE} "$W/pbin/tinyproxy"',
    }[case] + "\n"
    args = f'--user 0 --proxy-port {PROXY_PORT} --proxy "$W/pbin/tinyproxy -d -c $W/tinyproxy.conf"'
    r = container(jailinit, work, setup + jail(args, f"{BB} sh -c 'echo AGENT-RAN'"))
    assert r.code == 64, r
    assert "AGENT-RAN" not in r.out, r
    assert "--proxy" in r.err and "writable by the agent's container ids 65520:65520" in r.err, r
    assert f"{work}/pbin" in r.err, r
    r.assert_clean()


def test_a_process_of_the_agents_container_uid_is_refused(jailinit, work):
    body = (f"{PY} -c 'import os, time; os.setgid({OUTSIDE}); os.setuid({OUTSIDE}); time.sleep(30)' & S=$!\n"
            + f"{BB} usleep 300000\n"
            + jail("--net none", f"{BB} sh -c 'echo AGENT-RAN'")
            + "kill $S; wait $S\n")
    r = container(jailinit, work, body)
    assert r.code == 64, r
    assert "AGENT-RAN" not in r.out, r
    assert f"already runs as uid {OUTSIDE}" in r.err and "--outside-user" in r.err, r
    r.assert_clean()
    # and with ids of its own, the same container is fine
    r = container(jailinit, work, body.replace("--net none", "--net none --outside-user 61000"))
    assert r.code == 0, r
    assert "AGENT-RAN" in r.out, r


def test_outside_user_root_is_refused(jailinit, work):
    for args, needle in (("--outside-user 0", "root user"), ("--outside-user 1000:0", "root group")):
        r = container(jailinit, work, jail(args, f"{BB} sh -c 'echo AGENT-RAN'"))
        assert r.code == 64, r
        assert "AGENT-RAN" not in r.out, r
        assert "--outside-user" in r.err and needle in r.err, r
        r.assert_clean()


# ---- in Docker, the least-privilege profile -----------------------------------

DOCKER_SCRIPT = r"""
mkdir -p /tmp/www /work/mine /work/rootdir
chmod 755 /work /work/rootdir; chmod 1777 /tmp
echo "hello from the container's web server" > /tmp/www/index.html
httpd -p 127.0.0.1:8080 -h /tmp/www
echo "root only" > /work/secret; chmod 600 /work/secret
echo root > /work/rootdir/file
touch /work/mine/x; chown -R 65520:65520 /work/mine
mkdir -p /opt/proxy; chmod 755 /opt/proxy; cp /usr/bin/tinyproxy /opt/proxy/tinyproxy
printf '#!/bin/sh\ntouch /work/EVIL\nexec sleep 30\n' > /work/evil; chmod 755 /work/evil
cat > /work/agent.sh <<'EOF'
try() { n=$1; shift; if "$@" >/dev/null 2>&1; then echo "$n worked"; else echo "$n refused"; fi; }
echo "uid $(id -u)"
try read_secret cat /work/secret
try create_in_rootdir touch /work/rootdir/agent-was-here
try rename_over_rootfile mv /work/mine/x /work/rootdir/file
try rename_over_proxy sh -c 'cp /bin/busybox /work/mine/p && mv /work/mine/p /opt/proxy/tinyproxy'
echo "own_oom $(cat /proc/self/oom_score_adj)"
for p in $(pidof jailinit) $(pidof tinyproxy); do
  try "oom_of_$p" sh -c "echo 1000 > /proc/$p/oom_score_adj"
done
echo "fetch_before $(timeout 5 wget -q -O - http://127.0.0.1:8080/ 2>&1)"
touch /work/mine/made-by-agent /work/mine/before
i=0; while [ ! -e /work/mine/replaced ] && [ $i -lt 300 ]; do usleep 20000; i=$((i+1)); done
i=0; while ! timeout 5 wget -q -O /dev/null http://127.0.0.1:8080/ 2>/dev/null && [ $i -lt 100 ]; do usleep 50000; i=$((i+1)); done
echo "fetch_after $(timeout 5 wget -q -O - http://127.0.0.1:8080/ 2>&1)"
EOF
/jailinit $JUSER --proxy-port 3128 --proxy "/opt/proxy/tinyproxy -d -c /etc/tinyproxy.conf" -- /bin/sh /work/agent.sh &
JI=$!
i=0; while [ ! -e /work/mine/before ] && [ $i -lt 300 ]; do usleep 20000; i=$((i+1)); done
old=$(pidof tinyproxy)
mv /work/evil /opt/proxy/tinyproxy
kill -9 $old
i=0; while :; do new=$(pidof tinyproxy); [ -n "$new" ] && [ "$new" != "$old" ] && break
  [ $i -ge 200 ] && break; usleep 20000; i=$((i+1)); done
echo "restart_exe $(readlink /proc/$new/exe)"
touch /work/mine/replaced
wait $JI; echo "code $?"
echo "owner $(stat -c %u:%g /work/mine/made-by-agent)"
[ -e /work/EVIL ] && echo "evil ran"
[ -e /work/rootdir/agent-was-here ] && echo "agent_file_in_rootdir"
echo "end"
"""


@pytest.mark.parametrize("user", ["0", "default"])
def test_agent_owns_nothing_of_the_container_in_docker(jail_image, user):
    env = ["-e", "JUSER=--user 0"] if user == "0" else []
    r = C.docker_run(jail_image, ["-c", DOCKER_SCRIPT], entrypoint="/bin/sh", extra=env, timeout=90, **LEAST)
    assert r.returncode == 0, show(r)
    d = lines(r.stdout)
    assert d["end"] == "", show(r)
    assert d["code"] == "0", show(r)
    assert d["uid"] == ("0" if user == "0" else "65534"), show(r)
    for k in ("read_secret", "create_in_rootdir", "rename_over_rootfile", "rename_over_proxy"):
        assert d[k] == "refused", f"{k}\n{show(r)}"
    assert d["own_oom"] == "1000", show(r)
    ooms = oom_lines(d)
    assert len(ooms) >= 3 and all(v == "refused" for v in ooms.values()), f"{ooms}\n{show(r)}"
    assert d["fetch_before"] == "hello from the container's web server", show(r)
    assert d["fetch_after"] == "hello from the container's web server", show(r)
    assert d["restart_exe"] == "/opt/proxy/tinyproxy (deleted)", show(r)
    assert "evil" not in d and "agent_file_in_rootdir" not in d, show(r)
    assert d["owner"] == f"{OUTSIDE}:{OUTSIDE}", show(r)
