"""The jail, end to end on this machine (issue 3, "Tests" 1-7): jailinit
builds the real jail (clone, veth, nf_tables table, privilege drop, seccomp)
and the agent inside tries what a user would try.

Every run happens in a throwaway "container" the test makes: a fresh network
and PID namespace with its own /proc (util.netns_cmd, which refuses the root
netns). A shell script is PID 1 there: it starts the servers the test needs
(an HTTP server on the container's loopback, listeners on 0.0.0.0, a spare veth
interface with another address), runs jailinit, stops its servers and then
records what is left in the container: veths, nf_tables tables, processes
(polled, bounded: the veth goes a few tens of ms after the jail's netns
dies). Nothing touches the machine's own interfaces, routes or ruleset, and
all traffic stays inside those namespaces.

Agents are busybox sh scripts (busybox-static) or small Python programs run
by /usr/bin/python3 (the machine's files are visible in the jail).
"""
import os
import re
import shutil
import subprocess
import tempfile
import time

import pytest

from util import netns_cmd

PY = "/usr/bin/python3"
BB = "/bin/busybox"
TINYPROXY = "/usr/bin/tinyproxy"
OUTER = "198.18.0.1"
JAIL = "198.18.0.2"
PROXY_PORT = 3128

# Servers for the container: TCP on each port given (answers each
# connection with "port=P orig=SO_ORIGINAL_DST|direct"), UDP echo on each
# "uPORT". Binds 0.0.0.0, so only the jail's table stands between the jail
# and them. Writes "ready" to argv[1] once bound.
LISTENER = r"""
import socket, struct, sys, threading, time
def tcp(port):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", port)); s.listen(16)
    def loop():
        while True:
            c, _ = s.accept()
            try:
                raw = c.getsockopt(socket.SOL_IP, 80, 16)  # SO_ORIGINAL_DST
                p, ip = struct.unpack_from("!2xH4s", raw)
                orig = "%s:%d" % (socket.inet_ntoa(ip), p)
            except OSError:
                orig = "direct"
            try:
                c.sendall(("port=%d orig=%s\n" % (port, orig)).encode())
            finally:
                c.close()
    threading.Thread(target=loop, daemon=True).start()
def udp(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("0.0.0.0", port))
    def loop():
        while True:
            d, a = s.recvfrom(2048); s.sendto(b"echo:%d:" % port + d, a)
    threading.Thread(target=loop, daemon=True).start()
for a in sys.argv[2:]:
    (udp if a.startswith("u") else tcp)(int(a.lstrip("u")))
open(sys.argv[1], "w").write("ready")
while True:
    time.sleep(3600)
"""

# The agent's network probes, all at once (threads), one line each:
#   NAME ok DATA | NAME fail WHY
# tcp HOST PORT: connect + read a line; udp HOST PORT: send, wait for an
# answer; tcp6 ADDR%IF PORT; icmp HOST (ICMP datagram socket).
PROBE = r"""
import socket, sys, threading, errno
T = float(sys.argv[1])
out = {}
def run(name, kind, host, port):
    try:
        if kind == "tcp":
            s = socket.create_connection((host, int(port)), timeout=T)
            out[name] = "ok " + s.makefile().readline().strip()
        elif kind == "tcp6":
            a = socket.getaddrinfo(host, int(port), socket.AF_INET6, socket.SOCK_STREAM)[0][4]
            s = socket.socket(socket.AF_INET6); s.settimeout(T); s.connect(a)
            out[name] = "ok connected"
        elif kind == "udp":
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(T)
            s.sendto(b"hi", (host, int(port)))
            out[name] = "ok " + s.recvfrom(2048)[0].decode()
        elif kind == "icmp":
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_ICMP); s.settimeout(T)
            s.sendto(b"\x08\x00\x00\x00\x00\x01\x00\x01ping", (host, 0))
            out[name] = "ok reply %r" % (s.recvfrom(2048)[0][:4],)
    except socket.timeout:
        out[name] = "fail timeout"
    except OSError as e:
        out[name] = "fail " + (errno.errorcode.get(e.errno, str(e.errno)) if e.errno else str(e))
ths = []
for spec in sys.argv[2:]:
    name, kind, host, port = spec.split(",")
    t = threading.Thread(target=run, args=(name, kind, host, port)); t.start(); ths.append(t)
for t in ths:
    t.join()
for spec in sys.argv[2:]:
    n = spec.split(",")[0]
    print(n, out.get(n, "fail nothing"), flush=True)
"""

TINYPROXY_CONF = """Port {port}
Timeout 10
LogLevel Error
MaxClients 20
Allow 198.18.0.0/30
DisableViaHeader Yes
"""

# PID 1 of the "container": $W is the work dir. Functions for the test's
# parts: bg NAME CMD... (a server, remembered), wait_file F (bounded).
CONTAINER_HEAD = r"""
set -u
W={work}
JAILINIT={jailinit}
cd "$W"
SERVERS=""
bg() {{ "$@" & SERVERS="$SERVERS $!"; }}
wait_file() {{ i=0; while [ ! -e "$1" ] && [ $i -lt 200 ]; do {bb} usleep 20000; i=$((i+1)); done; [ -e "$1" ]; }}
wait_port() {{ h=$(printf ':%04X ' "$1"); i=0; while ! grep -q "$h.* 0A " /proc/net/tcp && [ $i -lt 200 ]; do {bb} usleep 20000; i=$((i+1)); done; }}
serve() {{ bg {py} "$W/listener.py" "$W/listener.ready" "$@"; wait_file "$W/listener.ready"; }}
"""

CONTAINER_TAIL = r"""
for p in $SERVERS; do kill -9 "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
ip link del jitdummy 2>/dev/null  # the test's own spare veth
# What is left: polled, bounded (the veth goes a few tens of ms after the
# jail's netns dies).
i=0
while :; do
	v=$(ip -o link show type veth | wc -l); t=$(nft list tables 2>/dev/null | wc -l)
	[ "$v" = 0 ] && [ "$t" = 0 ] && break
	[ $i -ge 100 ] && break
	{bb} usleep 20000; i=$((i+1))
done
{{
echo "veths=$v"
echo "tables=$t"
ip -o link show type veth
nft list tables 2>/dev/null
left=""
for p in /proc/[0-9]*; do
	n=${{p#/proc/}}
	[ "$n" = "$$" ] && continue
	[ -r "$p/comm" ] || continue
	read -r c < "$p/comm" 2>/dev/null || continue
	c="$c($(tr "\\0" " " < "$p/cmdline" 2>/dev/null))"
	left="$left $n:$c"
done
echo "procs=$left"
}} > "$W/after"
"""


class Run:
    """The outcome of one container: jailinit's exit code, the agent's
    output, jailinit's stderr, and the after-state."""

    def __init__(self, work, proc):
        self.work = work
        self.proc = proc
        self.stdout = proc.stdout
        self.stderr = proc.stderr

        def read(name):
            p = os.path.join(work, name)
            return open(p).read() if os.path.exists(p) else ""
        code = read("code").strip()
        self.code = int(code) if code else None
        self.out = read("agent.out")
        self.err = read("ji.err")
        self.after = read("after")
        self.files = read

    def __repr__(self):
        return (f"code={self.code}\n--- agent stdout:\n{self.out}\n--- jailinit stderr:\n{self.err}"
                f"\n--- after:\n{self.after}\n--- container stdout:\n{self.stdout}\n--- container stderr:\n{self.stderr}")

    def lines(self):
        d = {}
        for line in self.out.splitlines():
            parts = line.split(None, 1)
            if parts:
                d[parts[0]] = parts[1] if len(parts) > 1 else ""
        return d

    def assert_clean(self):
        """No veth, no table, no process left in the container."""
        assert "veths=0\n" in self.after, self
        assert "tables=0\n" in self.after, self
        m = re.search(r"^procs=(.*)$", self.after, re.M)
        assert m is not None, self
        assert m.group(1).strip() == "", f"processes left in the container: {m.group(1)}\n{self}"


@pytest.fixture
def work():
    d = tempfile.mkdtemp(prefix="jailinit-jail-")
    os.chmod(d, 0o1777)  # the agent (uid 65534) reads its scripts and leaves marks here
    with open(os.path.join(d, "listener.py"), "w") as f:
        f.write(LISTENER)
    with open(os.path.join(d, "probe.py"), "w") as f:
        f.write(PROBE)
    with open(os.path.join(d, "www.html"), "w") as f:
        f.write("hello from the container's web server\n")
    with open(os.path.join(d, "tinyproxy.conf"), "w") as f:
        f.write(TINYPROXY_CONF.format(port=PROXY_PORT))
    yield d
    shutil.rmtree(d, ignore_errors=True)


def write(work, name, text, mode=0o644):
    p = os.path.join(work, name)
    with open(p, "w") as f:
        f.write(text)
    os.chmod(p, mode)
    return p


def container(jailinit, work, body, timeout=60, env=None):
    """Run body (sh) as PID 1 of a fresh net+pid namespace, followed by the
    clean-up and after-state records."""
    script = (CONTAINER_HEAD.format(work=work, jailinit=jailinit, bb=BB, py=PY)
              + body + CONTAINER_TAIL.format(bb=BB))
    path = write(work, "container.sh", script)
    e = dict(os.environ)
    e.update(env or {})
    proc = subprocess.run(netns_cmd(["sh", path]), capture_output=True, text=True,
                          timeout=timeout, env=e)
    return Run(work, proc)


def jail(args, agent):
    """sh: run jailinit with args and the agent; code, stdout, stderr kept."""
    return (f'"$JAILINIT" {args} -- {agent} >"$W/agent.out" 2>"$W/ji.err" </dev/null\n'
            'echo $? >"$W/code"\n')


PROXY_ARGS = f'--proxy-port {PROXY_PORT} --proxy "{TINYPROXY} -d -c $W/tinyproxy.conf"'
HTTPD = f'bg {BB} httpd -f -p 127.0.0.1:8080 -h "$W/www"\nwait_port 8080\n'


def www(work):
    os.makedirs(os.path.join(work, "www"), exist_ok=True)
    os.chmod(os.path.join(work, "www"), 0o755)
    write(work, "www/index.html", "hello from the container's web server\n")


# A fetch through the proxy (busybox wget honours http_proxy; its -T
# segfaults in 1.35, so busybox timeout bounds it).
FETCH = f"{BB} timeout 5 {BB} wget -q -O - http://127.0.0.1:8080/"


# ---- 1. --net none -----------------------------------------------------------

def test_net_none_loopback_only_and_its_own(jailinit, work):
    """--net none: the agent sees lo only; the container's 127.0.0.1 server is
    not reachable (the jail's 127.0.0.1 is its own: a server the agent starts
    there answers instead)."""
    www(work)
    os.makedirs(os.path.join(work, "jailwww"))
    os.chmod(os.path.join(work, "jailwww"), 0o777)
    write(work, "agent.sh", f"""
echo "links $({BB} ip -o link | {BB} awk -F': ' '{{print $2}}' | {BB} tr '\\n' ' ')"
echo "dev $({BB} tail -n +3 /proc/net/dev | {BB} awk -F: '{{print $1}}' | {BB} tr -d ' ' | {BB} tr '\\n' ' ')"
echo "lo_flags $({BB} ip -o link show lo | {BB} grep -o 'LOWER_UP' )"
# the container's server, on what is the container's loopback outside
if {BB} timeout 3 {BB} wget -q -O - http://127.0.0.1:8080/ 2>/dev/null | {BB} grep -q container; then
  echo "container_server reached"; else echo "container_server unreachable"; fi
# a server of the jail's own on the jail's 127.0.0.1:8080
echo "jail's own page" > {work}/jailwww/index.html
{BB} httpd -f -p 127.0.0.1:8080 -h {work}/jailwww & h=$!
{BB} usleep 200000
echo "own_server $({BB} timeout 3 {BB} wget -q -O - http://127.0.0.1:8080/)"
kill $h
""")
    r = container(jailinit, work, HTTPD
                  + f'{BB} wget -q -O - http://127.0.0.1:8080/ >"$W/control" 2>&1\n'
                  + jail("--net none", f'{BB} sh "$W/agent.sh"'))
    assert r.code == 0, r
    assert "hello from the container" in r.files("control"), r  # the server is there
    d = r.lines()
    assert d["links"].split() == ["lo"], r
    assert d["dev"].split() == ["lo"], r
    assert d["lo_flags"] == "LOWER_UP", r
    assert d["container_server"] == "unreachable", r
    assert d["own_server"] == "jail's own page", r
    r.assert_clean()


# ---- 2. --net proxy with tinyproxy --------------------------------------------

PROXY_SETUP = (HTTPD
               + f'bg {BB} httpd -f -p 0.0.0.0:8082 -h "$W/www"\nwait_port 8082\n'
               + "serve 8081 u5300\n"
               + "ip link add jitdummy type veth peer name jitdummy1 && ip addr add 10.99.0.1/24 dev jitdummy "
               + "&& ip link set jitdummy up && ip link set jitdummy1 up\n")


def test_net_proxy_fetch_through_tinyproxy_and_nothing_else(jailinit, work):
    """--net proxy with tinyproxy started by --proxy: a page from the
    container's loopback comes through the proxy; straight TCP to the outer
    end on another port, to the container's other address, UDP, and IPv6
    link-local all fail, though listeners wait on 0.0.0.0 for each."""
    www(work)
    probes = [
        f"outer_8081,tcp,{OUTER},8081",
        "other_addr_8081,tcp,10.99.0.1,8081",
        "other_addr_proxy,tcp,10.99.0.1,%d" % PROXY_PORT,
        f"outer_udp,udp,{OUTER},5300",
        "other_addr_udp,udp,10.99.0.1,5300",
        "lo_8081,tcp,127.0.0.1,8081",
        "ll6_outer,tcp6,fe80::1%eth0,8081",
        "mcast6,tcp6,ff02::1%eth0,8081",
    ]
    write(work, "agent.sh", f"""
echo "fetch $({FETCH} 2>&1)"
if env -u http_proxy -u HTTP_PROXY {BB} timeout 1 {BB} wget -q -O - http://{OUTER}:8082/ >/dev/null 2>&1; then
  echo "direct_fetch worked"; else echo "direct_fetch failed"; fi
{PY} {work}/probe.py 1.0 {' '.join(probes)}
echo "inet6 $({BB} grep -cv ' lo$' /proc/net/if_inet6)"
if {BB} ping -c 1 -W 1 {OUTER} >/dev/null 2>&1; then echo "ping ok"; else echo "ping fail"; fi
echo "links $({BB} ip -o link | {BB} awk -F': ' '{{print $2}}' | {BB} sed 's/@.*//' | {BB} tr '\\n' ' ')"
echo "addr $({BB} ip -o -4 addr show dev eth0 | {BB} awk '{{print $4}}')"
echo "route $({BB} ip route show default)"
""")
    # Controls from the container itself: the listeners answer there.
    controls = (f'{PY} "$W/probe.py" 1.0 c_other,tcp,10.99.0.1,8081 c_udp,udp,10.99.0.1,5300 '
                '>"$W/control"\n'
                f'{BB} wget -q -O - http://10.99.0.1:8082/ >>"$W/control"\n')
    r = container(jailinit, work, PROXY_SETUP + controls + jail(PROXY_ARGS, f'{BB} sh "$W/agent.sh"'))
    assert r.code == 0, r
    c = r.files("control")
    assert "c_other ok port=8081 orig=direct" in c and "c_udp ok echo:5300:hi" in c, r
    assert "hello from the container" in c, r  # the 0.0.0.0:8082 web server
    d = r.lines()
    assert d["fetch"] == "hello from the container's web server", r
    assert d["direct_fetch"] == "failed", r
    for name in ("outer_8081", "other_addr_8081", "other_addr_proxy", "outer_udp",
                 "other_addr_udp", "lo_8081", "ll6_outer", "mcast6"):
        assert d[name].startswith("fail"), f"{name}: {d[name]}\n{r}"
    # TCP to the link is refused by the table at once (a reset), though a
    # server listens there (the control reached it): fail fast, fail closed.
    # UDP gets an ICMP admin-prohibited, which an unconnected socket does
    # not see: it waits out its own timeout and gets nothing.
    assert d["outer_8081"] == "fail ECONNREFUSED", r
    assert d["other_addr_8081"] == "fail ECONNREFUSED", r
    assert d["outer_udp"] == "fail timeout", r
    assert d["inet6"] == "0", r  # no IPv6 address but lo's, not even link-local
    assert d["ping"] == "fail", r
    assert d["links"].split() == ["lo", "eth0"], r
    assert d["addr"] == f"{JAIL}/30", r
    assert d["route"].startswith(f"default via {OUTER} dev eth0"), r
    r.assert_clean()


def test_net_proxy_agent_environment(jailinit, work):
    """The agent's environment: HTTP_PROXY/HTTPS_PROXY in both cases, pointing
    at the outer end; NO_PROXY/no_proxy gone although the container had them;
    other variables kept."""
    write(work, "agent.sh", f"{BB} env | {BB} sort\n")
    r = container(jailinit, work, "serve %d\n" % PROXY_PORT
                  + jail(f"--proxy-port {PROXY_PORT}", f'{BB} sh "$W/agent.sh"'),
                  env={"NO_PROXY": "127.0.0.1,example.com", "no_proxy": "localhost",
                       "HTTP_PROXY": "http://evil:1", "JI_KEEP": "kept"})
    assert r.code == 0, r
    env = dict(line.split("=", 1) for line in r.out.splitlines() if "=" in line)
    url = f"http://{OUTER}:{PROXY_PORT}"
    for k in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        assert env.get(k) == url, r
    assert "NO_PROXY" not in env and "no_proxy" not in env, r
    assert env.get("JI_KEEP") == "kept", r
    r.assert_clean()


# ---- 3. --net transparent ------------------------------------------------------

def test_transparent_redirect_and_dns(jailinit, work):
    """--net transparent --proxy-port P --dns-port D: a TCP connection to an
    arbitrary address:port lands on the listener on P, which reads that
    address:port back with SO_ORIGINAL_DST; udp and tcp 53 to the outer end
    land on D; UDP elsewhere is still dropped."""
    probes = [
        "far,tcp,203.0.113.7,443",
        f"outer_other,tcp,{OUTER},8081",
        f"dns,udp,{OUTER},53",
        f"dns_tcp,tcp,{OUTER},53",
        f"udp_other,udp,{OUTER},5300",
    ]
    write(work, "agent.sh", f"{PY} {work}/probe.py 1.0 {' '.join(probes)}\n")
    r = container(jailinit, work, "serve 3129 8081 5353 u5353 u5300\n"
                  + jail("--net transparent --proxy-port 3129 --dns-port 5353",
                         f'{BB} sh "$W/agent.sh"'))
    assert r.code == 0, r
    d = r.lines()
    assert d["far"] == "ok port=3129 orig=203.0.113.7:443", r
    assert d["outer_other"] == f"ok port=3129 orig={OUTER}:8081", r
    assert d["dns"] == "ok echo:5353:hi", r
    assert d["dns_tcp"] == f"ok port=5353 orig={OUTER}:53", r  # DNS over TCP: the DNS port, not the proxy
    assert d["udp_other"] == "fail timeout", r
    r.assert_clean()


# ---- 4. the agent as root of its user namespace tries to undo the jail -------

def test_agent_as_root_of_the_jail_cannot_undo_it(jailinit, work, build_dir):
    """--user 0: the agent is uid 0 of the jail's user namespace (container
    uid 65520), without capabilities, under the seccomp filter. Every way around the jail fails,
    the container's side is unchanged, and the proxied fetch still works."""
    www(work)
    agentprobe = os.path.join(build_dir, "tools", "agentprobe")
    assert os.access(agentprobe, os.X_OK), "make tools"
    write(work, "agent.sh", f"""
try() {{ n=$1; shift; if "$@" >/dev/null 2>&1; then echo "$n worked"; else echo "$n refused"; fi; }}
echo "id $({BB} id -u)"
echo "fetch_before $({FETCH} 2>&1)"
try route_add {BB} ip route add 10.99.0.0/24 dev eth0
try route_replace {BB} ip route replace default via {OUTER} dev eth0 src 198.18.0.2 metric 1
try addr_add {BB} ip addr add 198.18.0.3/30 dev eth0
try addr_del {BB} ip addr del {JAIL}/30 dev eth0
try link_down {BB} ip link set eth0 down
try link_add {BB} ip link add d1 type veth peer name d2
try unshare_net {BB} unshare -n true
try unshare_user {BB} unshare -U true
try unshare_user_net {BB} unshare -U -n -r true
try mount_tmpfs {BB} mount -t tmpfs none /mnt
try nsenter_proxy {BB} nsenter -t $({BB} pidof tinyproxy) -n true
# The proxy: the container's /proc is visible (no new procfs can be mounted
# in the jail), so the agent can read the proxy's container pid, but that
# number means nothing in the jail's PID namespace.
p=$({BB} pidof tinyproxy)
echo "proxy_pid_seen ${{p:-none}}"
try kill_proxy {BB} kill -9 $p
try kill_proxy0 {BB} kill -0 $p
try read_proxy_environ {BB} cat /proc/$p/environ
try read_proxy_mem {BB} head -c 1 /proc/$p/mem
{agentprobe} --mode none --signal $p > {work}/probe.txt 2>&1
# /proc/sys/net of the jail's netns: uid 0 of the owning user namespace may
# write it (the reason the agent is not uid 0 by default)
try write_ping_range {BB} sh -c 'echo "0 65535" > /proc/sys/net/ipv4/ping_group_range'
try write_forward {BB} sh -c 'echo 1 > /proc/sys/net/ipv4/ip_forward'
try write_hostname {BB} hostname evil
{PY} {work}/probe.py 1.0 icmp,icmp,{OUTER},0 outer_8081,tcp,{OUTER},8081 other_addr,tcp,10.99.0.1,8081
echo "addr $({BB} ip -o -4 addr show dev eth0 | {BB} awk '{{print $4}}')"
echo "fetch_after $({FETCH} 2>&1)"
""")
    before = ('{ ip -o -4 addr; ip route; cat /proc/sys/net/ipv4/ip_forward '
              '/proc/sys/net/ipv4/ping_group_range; } >"$W/before" 2>&1\n')
    # taken while jailinit runs no more: its veth is filtered out anyway
    after = ('{ ip -o -4 addr | grep -v jailinit0; ip route | grep -v jailinit0; '
             'cat /proc/sys/net/ipv4/ip_forward /proc/sys/net/ipv4/ping_group_range; } >"$W/after_c" 2>&1\n')
    # The container's next pids from 5000 on: the proxy's pid cannot be, by
    # chance, also the pid of one of the agent's own processes in the jail's
    # PID namespace (which counts from 1), so a refusal is the kernel's.
    high_pids = "echo 5000 > /proc/sys/kernel/ns_last_pid\n"
    r = container(jailinit, work, PROXY_SETUP + before + high_pids
                  + jail(f"--user 0 {PROXY_ARGS}", f'{BB} sh "$W/agent.sh"') + after)
    assert r.code == 0, r
    d = r.lines()
    assert d["id"] == "0", r
    assert d["fetch_before"] == "hello from the container's web server", r
    for name in ("route_add", "route_replace", "addr_add", "addr_del", "link_down", "link_add",
                 "unshare_net", "unshare_user", "unshare_user_net", "mount_tmpfs", "nsenter_proxy",
                 "kill_proxy", "kill_proxy0", "read_proxy_environ", "read_proxy_mem",
                 "write_hostname"):
        assert d[name] == "refused", f"{name}: {d[name]}\n{r}"
    probe = dict(line.split(" ", 1) for line in r.files("probe.txt").splitlines() if " " in line)
    for name in ("socket_raw4", "socket_raw6", "socket_packet", "bpf", "ptrace", "process_vm_readv",
                 "unshare_net", "unshare_user", "clone_newnet", "clone_newuser", "setns",
                 "route_add", "addr_add", "socket_netlink_netfilter"):
        assert probe.get(name) == "errno=EPERM", f"{name}: {probe.get(name)}\n{r.files('probe.txt')}"
    # kill(proxy's container pid): that pid is nobody in the jail's PID ns.
    assert int(d["proxy_pid_seen"]) > 5000, r
    assert probe.get("kill_other") == "errno=ESRCH", r.files("probe.txt")
    assert "proxy died" not in r.err, r
    # /proc/sys/net of the jail's netns is writable here (bare machine), but
    # not by the agent: a sysctl file grants writing to the kernel's uid 0 or
    # to CAP_NET_ADMIN over the netns, and the agent (--user 0 mapped onto
    # container uid 65520, issue 8) is neither. With the old identity map it
    # was container root, and this write worked.
    assert d["write_ping_range"] == "refused", r
    assert d["write_forward"] == "refused", r
    # No ICMP socket without that sysctl (EACCES), and the table would drop
    # the echo anyway; nothing else opened either.
    assert d["icmp"] in ("fail EACCES", "fail timeout"), r
    assert d["outer_8081"] == "fail ECONNREFUSED", r
    assert d["other_addr"] == "fail ECONNREFUSED", r
    assert d["addr"] == f"{JAIL}/30", r
    assert d["fetch_after"] == "hello from the container's web server", r
    # Nothing outside changed: addresses, routes, ip_forward, ping_group_range.
    assert r.files("before") == r.files("after_c"), r
    r.assert_clean()


# ---- 5. the proxy dies --------------------------------------------------------

def test_proxy_in_its_restart_backoff_dies_with_jailinit(jailinit, work):
    """Issue 16, 1: a restarted proxy sleeps its backoff before it execs; a
    SIGKILL of jailinit then must not leave it running (the parent-death
    signal is set first thing in the child, and checked). The proxy here
    listens, then exits after 0.3 s, three times (the fourth start would
    stay); jailinit is killed while it waits 400 ms for that fourth start."""
    write(work, "flaky_proxy.py", """
import os, socket, sys, time
n = os.path.join(sys.argv[2], "starts")
k = len(open(n).read()) if os.path.exists(n) else 0
open(n, "a").write("x")
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", int(sys.argv[1]))); s.listen(4)
time.sleep(0.3 if k < 3 else 30)  # the fourth start would stay
""")
    body = (f'"$JAILINIT" --proxy-port {PROXY_PORT} --proxy "{PY} $W/flaky_proxy.py {PROXY_PORT} $W" '
            f'-- {BB} sleep 30 >"$W/agent.out" 2>"$W/ji.err" </dev/null &\n'
            'JI=$!\n'
            'i=0; while ! grep -q "restarting it in 400 ms" "$W/ji.err" && [ $i -lt 300 ]; do '
            f'{BB} usleep 10000; i=$((i+1)); done\n'
            'kill -9 $JI; wait $JI; echo $? > "$W/code"\n'
            f'{BB} usleep 1500000\n')
    r = container(jailinit, work, body)
    assert "restarting it in 400 ms" in r.err, r
    assert r.code == 137, r
    # The table stays after a SIGKILL (fail closed, by design); no process may.
    m = re.search(r"^procs=(.*)$", r.after, re.M)
    assert m is not None and m.group(1).strip() == "", f"left: {m and m.group(1)}\n{r}"


def test_proxy_dies_once_and_is_restarted(jailinit, work):
    """The proxy is SIGKILLed once (by pid, from the container): jailinit
    restarts it and the agent's next request works."""
    www(work)
    write(work, "agent.sh", f"""
echo "first $({FETCH} 2>&1)"
: > {work}/fetched1
i=0; while [ ! -e {work}/go ] && [ $i -lt 300 ]; do {BB} usleep 20000; i=$((i+1)); done
n=0; while [ $n -lt 50 ]; do
  out=$({FETCH} 2>/dev/null) && break
  {BB} usleep 100000; n=$((n+1))
done
echo "second $out"
echo "retries $n"
""")
    killer = r"""
wait_file "$W/fetched1"
old=$(pgrep -x tinyproxy)
echo "old=$old" >"$W/kill.log"
kill -9 $old
i=0; new=""
while [ $i -lt 200 ]; do new=$(pgrep -x tinyproxy); [ -n "$new" ] && [ "$new" != "$old" ] && break; busybox usleep 20000; i=$((i+1)); done
echo "new=$new" >>"$W/kill.log"
: >"$W/go"
wait $JI
echo $? >"$W/code"
"""
    body = (HTTPD + f'"$JAILINIT" -v {PROXY_ARGS} -- {BB} sh "$W/agent.sh" '
            '>"$W/agent.out" 2>"$W/ji.err" </dev/null & JI=$!\n' + killer)
    r = container(jailinit, work, body)
    assert r.code == 0, r
    log = r.files("kill.log")
    old = re.search(r"old=(\d+)", log).group(1)
    new = re.search(r"new=(\d*)", log).group(1)
    assert new and new != old, r
    d = r.lines()
    assert d["first"] == "hello from the container's web server", r
    assert d["second"] == "hello from the container's web server", r
    assert "the proxy died (signal 9); restarting it" in r.err, r
    r.assert_clean()


FAKE_PROXY = r"""
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", int(sys.argv[1]))); s.listen(4)
time.sleep(float(sys.argv[2]))
"""


def test_proxy_keeps_dying_stops_the_agent_with_69(jailinit, work):
    """A proxy that exits shortly after it starts listening, every time:
    jailinit restarts it with backoff, then stops the agent (which would
    otherwise sleep for a minute) and exits 69."""
    write(work, "fakeproxy.py", FAKE_PROXY)
    t0 = time.monotonic()
    r = container(jailinit, work, jail(f'--proxy-port {PROXY_PORT} --proxy "{PY} $W/fakeproxy.py {PROXY_PORT} 0.2"',
                                       f"{BB} sh -c 'echo agent started; sleep 60; echo agent survived'"))
    took = time.monotonic() - t0
    assert r.code == 69, r
    assert "agent started" in r.out and "agent survived" not in r.out, r
    assert "stopping the agent (exit 69)" in r.err, r
    assert took < 30, took
    r.assert_clean()


def test_proxy_that_exits_at_once_fails_the_start(jailinit, work):
    """A proxy command that exits before it ever listens: the agent never
    starts; the message names the port; the proxy's exit code (69)."""
    r = container(jailinit, work, jail(f"--proxy-port {PROXY_PORT} --proxy '/bin/false'",
                                       f"{BB} sh -c 'echo AGENT-RAN'"))
    assert r.code == 69, r
    assert "AGENT-RAN" not in r.out, r
    assert f"port {PROXY_PORT}" in r.err and "before listening" in r.err, r
    r.assert_clean()


def test_proxy_that_never_listens_fails_the_start(jailinit, work):
    """A proxy that runs but never listens on the port (here: only on
    127.0.0.1, which the jail cannot reach): after the readiness timeout the
    agent is not started and the message names the port."""
    write(work, "lo_proxy.py", FAKE_PROXY.replace('"0.0.0.0"', '"127.0.0.1"'))
    r = container(jailinit, work, jail(f'--proxy-port {PROXY_PORT} --proxy "{PY} $W/lo_proxy.py {PROXY_PORT} 60"',
                                       f"{BB} sh -c 'echo AGENT-RAN'"))
    assert r.code == 69, r  # the proxy's exit code, as for one that keeps dying
    assert "AGENT-RAN" not in r.out, r
    assert f"port {PROXY_PORT}" in r.err, r
    assert "127.0.0.1" in r.err, r
    r.assert_clean()


# ---- 6. nothing left after a failed run ----------------------------------------

FAILURES = {
    # name: (container set-up, jailinit args, agent, expected exit code, text in stderr)
    "agent_not_found": ("", "--net none", "/no/such/agent", 127, "/no/such/agent"),
    "agent_not_found_proxy": ("", PROXY_ARGS, "/no/such/agent", 127, "/no/such/agent"),
    "user_is_proxy_user": ("", PROXY_ARGS + " --outside-user 1000 --proxy-user 1000", "/bin/true", 64,
                           "--outside-user"),
    "proxy_binary_missing": ("", f"--proxy-port {PROXY_PORT} --proxy '/no/such/proxy -d'",
                             "/bin/true", 69, "/no/such/proxy"),
    "veth_name_taken": ("ip link add jailinit0 type veth peer name jitdummy\nserve 3128\n",
                        "--proxy-port 3128", "/bin/true", 0, ""),
}


@pytest.mark.parametrize("case", sorted(FAILURES))
def test_nothing_left_after_a_failure(jailinit, work, case):
    setup, args, agent, code, text = FAILURES[case]
    r = container(jailinit, work, setup + jail("-v " + args, f"{agent}"))  # -v: "jail ready" would show
    assert r.code == code, r
    assert text in r.err, r
    if code:
        assert "jail ready" not in r.err, r
    r.assert_clean()


def test_subnet_colliding_with_a_container_address(jailinit, work):
    """--subnet 10.77.0.0/30 where the container already has 10.77.0.1/30 on
    another link: either jailinit refuses (the agent never runs, the message
    names the address) or the agent's request through the proxy works. A jail
    that starts but cannot reach its proxy is neither."""
    www(work)
    write(work, "tinyproxy77.conf", TINYPROXY_CONF.replace("198.18.0.0/30", "10.77.0.0/30")
          .format(port=PROXY_PORT))
    write(work, "agent.sh", f'echo AGENT-RAN\necho "fetch $({FETCH} 2>&1)"\n')
    r = container(jailinit, work, HTTPD
                  + "ip link add jitdummy type veth peer name jitdummy1 && ip addr add 10.77.0.1/30 "
                  "dev jitdummy && ip link set jitdummy up && ip link set jitdummy1 up\n"
                  + jail(f'--subnet 10.77.0.0/30 --proxy-port {PROXY_PORT} '
                         f'--proxy "{TINYPROXY} -d -c $W/tinyproxy77.conf"', f'{BB} sh "$W/agent.sh"'))
    if r.code == 0:
        assert r.lines().get("fetch") == "hello from the container's web server", \
            f"the jail started but its proxy is unreachable (the container's own 10.77.0.0/30 route wins)\n{r}"
    else:
        assert "AGENT-RAN" not in r.out and "10.77.0" in r.err, r
    r.assert_clean()


def test_hostname_in_the_jails_uts_namespace(jailinit, work):
    """--hostname with every namespace allowed: the name is set in the jail's
    UTS namespace and the container's is unchanged."""
    r = container(jailinit, work, 'hostname >"$W/host_before"\n'
                  + jail("--hostname jailhost", f"{BB} hostname")
                  + 'hostname >"$W/host_after"\n')
    assert r.code == 0, r
    assert r.out.strip() == "jailhost", r
    assert r.files("host_before") == r.files("host_after") != "jailhost\n", r
    r.assert_clean()


def test_sigkill_of_jailinit_leaves_nothing_but_the_fence(jailinit, work):
    """jailinit (not PID 1 here: a subreaper under the container's sh)
    SIGKILLed while the agent runs behind a proxy: the agent dies (the jail's
    init has a parent-death signal), and so does the proxy; the veth goes
    with the jail's netns; the table stays (issue 14: it must outlive every
    process of the jail, fail closed), its comment names the dead jailinit,
    and the next run replaces it and leaves nothing."""
    write(work, "agent.sh", f": > {work}/running\nexec {BB} sleep 60\n")
    body = (f'"$JAILINIT" {PROXY_ARGS} -- {BB} sh "$W/agent.sh" >"$W/agent.out" 2>"$W/ji.err" & JI=$!\n'
            'wait_file "$W/running"\n'
            '{ ip -o link show type veth; nft list tables; } >"$W/during"\n'
            'ip -o -6 addr show dev jailinit0 >"$W/outer_inet6"\n'
            'kill -9 $JI; wait $JI; echo $? >"$W/code"; echo $JI >"$W/ji_pid"\n'
            'busybox usleep 300000; pgrep -x tinyproxy >"$W/proxy_left"\n'
            'pkill -9 -x tinyproxy; busybox usleep 100000\n'  # only in this test's PID ns
            'nft list table inet jailinit >"$W/left_table" 2>&1\n'
            f'"$JAILINIT" {PROXY_ARGS} -- /bin/true 2>>"$W/ji.err"; echo $? >"$W/code2"\n')
    r = container(jailinit, work, body)
    assert r.code == 137, r
    during = r.files("during")
    assert "jailinit0" in during and "table inet jailinit" in during, r
    assert r.files("outer_inet6") == "", r  # no IPv6 address, not even link-local, on the outer end
    left = r.files("left_table")
    assert f'comment "jailinit pid={r.files("ji_pid").strip()}"' in left, f"the table did not stay\n{left}\n{r}"
    assert 'iifname "jailinit0" reject with icmpx admin-prohibited' in left, r
    assert r.files("code2").strip() == "0", r
    r.assert_clean()
    assert r.files("proxy_left").strip() == "", f"the proxy outlived jailinit's SIGKILL\n{r}"


@pytest.fixture
def leakprobe(build_dir):
    """tests/tools/leakprobe: inherited sockets, a counting server, a
    connect loop, a same-uid neighbour."""
    path = os.path.join(build_dir, "tools", "leakprobe")
    assert os.access(path, os.X_OK), "make tools"
    return path


# A counting server in the container: every connection it accepts and every
# byte string it reads or receives is one line of $W/server.log.
SERVE = ('"$LP" serve {addr} {port} "$W/server.log" >"$W/serve.out" & SERVERS="$SERVERS $!"\n'
         'i=0; while ! grep -q ready "$W/serve.out" 2>/dev/null && [ $i -lt 200 ]; do busybox usleep 20000; '
         'i=$((i+1)); done\n')


@pytest.mark.parametrize("pidns", ["pidns", "nopidns"])
def test_sigkill_of_jailinit_lets_nothing_out(jailinit, work, leakprobe, nopidns, pidns):
    """Issue 14, 2: an agent connects without pause (256 in flight) to a
    port of the container that the table drops; jailinit is SIGKILLed. The
    listener must accept nothing, before the kill or after it: the rules
    outlive every process of the jail. (With the table owned by jailinit's
    socket, tens to hundreds of connections got through in the few ms
    between the socket's close and the jail's death.)"""
    wrap = f"{nopidns} " if pidns == "nopidns" else ""
    body = ('LP=' + leakprobe + '\n' + SERVE.format(addr="0.0.0.0", port=8081)
            + f'{wrap}"$JAILINIT" --proxy-port {PROXY_PORT} -- "$LP" connloop {OUTER} 8081 "$W/looping" '
            '>"$W/agent.out" 2>"$W/ji.err" </dev/null & JI=$!\n'
            'wait_file "$W/looping"; busybox usleep 200000\n'
            'grep -c accept "$W/server.log" >"$W/before_kill"\n'
            'kill -9 $JI; wait $JI; echo $? >"$W/code"\n'
            'busybox usleep 500000\n'
            'pkill -9 -f "leakprobe connloop"; busybox usleep 100000\n'  # only this test's PID ns
            'grep -c accept "$W/server.log" >"$W/after_kill"\n'
            f'{wrap}"$JAILINIT" --proxy-port {PROXY_PORT} -- /bin/true 2>>"$W/ji.err"\n')  # removes the stale table
    r = container(jailinit, work, body)
    assert r.code == 137, r
    assert r.files("before_kill").strip() == "0", r
    assert r.files("after_kill").strip() == "0", f"connections got out after the SIGKILL\n{r}"
    r.assert_clean()


@pytest.mark.parametrize("pidns", ["pidns", "nopidns"])
def test_inherited_sockets_reach_nothing(jailinit, work, leakprobe, nopidns, pidns):
    """Issue 14, 1: jailinit started with a connected TCP socket (fd 3), a
    listening one (fd 4) and a UDP one (fd 5), all in the container's netns:
    the agent has none of them, and the server they lead to hears nothing.
    The same connected socket as stdin: jailinit refuses to start (71, step
    "agent stdio") and the agent never runs."""
    wrap = f"{nopidns} " if pidns == "nopidns" else ""
    probe = '"$LP" probe 127.0.0.1 9000'
    body = ('LP=' + leakprobe + '\n' + SERVE.format(addr="127.0.0.1", port=9000)
            + f'"$LP" hold 127.0.0.1 9000 -- {wrap}"$JAILINIT" --net none -- {probe} '
            '>"$W/agent.out" 2>"$W/ji.err" </dev/null; echo $? >"$W/code"\n'
            f'"$LP" hold 127.0.0.1 9000 --stdin -- {wrap}"$JAILINIT" --net none -- {probe} '
            '>"$W/agent_stdin.out" 2>"$W/ji_stdin.err"; echo $? >"$W/code_stdin"\n'
            'busybox usleep 200000\n')
    r = container(jailinit, work, body)
    assert r.code == 0, r
    d = r.lines()
    assert (d["fd3"], d["fd4"], d["fd5"]) == ("closed", "closed", "closed"), r
    assert r.files("code_stdin").strip() == "71", r
    assert r.files("agent_stdin.out") == "", r
    err = r.files("ji_stdin.err")
    assert "agent stdio: fd 0 (stdin) is an AF_INET socket" in err, err
    heard = [ln for ln in r.files("server.log").splitlines() if not ln.startswith("accept")]
    assert heard == [], f"the server heard the agent: {heard}\n{r}"
    r.assert_clean()


# ---- 7. PID-1 promises with the jail built --------------------------------------

MODES = {
    "none": ("", "--net none"),
    "proxy": (f"serve {PROXY_PORT}\n", f"--proxy-port {PROXY_PORT}"),
}


@pytest.mark.parametrize("mode", sorted(MODES))
def test_exit_codes_through_both_levels(jailinit, work, mode):
    setup, args = MODES[mode]
    body = setup
    for name, agent in (("exit42", "sh -c 'exit 42'"), ("sigkill", "sh -c 'kill -KILL $$'"),
                        ("sigterm", "sh -c 'kill -TERM $$; sleep 5'"),
                        ("mapped", None)):
        if agent is None:
            cmd = f'"$JAILINIT" -e 42 {args} -- {BB} sh -c "exit 42"'
        else:
            cmd = f'"$JAILINIT" {args} -- {BB} {agent}'
        body += f'{cmd} >/dev/null 2>>"$W/ji.err" </dev/null; echo "{name} $?" >>"$W/agent.out"\n'
    r = container(jailinit, work, body)
    d = r.lines()
    assert d == {"exit42": "42", "sigkill": "137", "sigterm": "143", "mapped": "0"}, r
    r.assert_clean()


@pytest.mark.parametrize("mode", sorted(MODES))
def test_sigterm_reaches_the_agent_through_both_levels(jailinit, work, mode):
    """SIGTERM to jailinit (outer) -> jail PID 1 -> agent, which traps it and
    exits 3: 3 comes back."""
    setup, args = MODES[mode]
    write(work, "agent.sh", f"trap 'echo got TERM; exit 3' TERM\n: > {work}/running\n"
                            f"while :; do {BB} usleep 20000; done\n")
    body = (setup + f'"$JAILINIT" {args} -- {BB} sh "$W/agent.sh" >"$W/agent.out" 2>"$W/ji.err" & JI=$!\n'
            'wait_file "$W/running"\nkill -TERM $JI\nwait $JI; echo $? >"$W/code"\n')
    r = container(jailinit, work, body)
    assert r.code == 3, r
    assert "got TERM" in r.out, r
    r.assert_clean()


@pytest.mark.parametrize("mode", sorted(MODES))
def test_zombies_reaped_in_the_jail_and_grace_escalation(jailinit, work, mode):
    """Orphans of the agent are reaped inside the jail (no zombie while the
    agent still runs); when the agent ends, a left-over child that ignores
    SIGTERM is SIGKILLed after the grace period, or at once when a second
    SIGTERM reaches jailinit."""
    setup, args = MODES[mode]
    write(work, "agent.sh", f"""
for i in 1 2 3 4 5; do {BB} sh -c '{BB} sleep 0.05 & exit 0'; done
{BB} sleep 0.5
z=0; for p in /proc/[0-9]*; do
  s=$({BB} awk '/^State/{{print $2}}' $p/status 2>/dev/null); [ "$s" = Z ] && z=$((z+1)); done
echo "zombies $z"
{BB} sh -c 'trap "" TERM; : > {work}/stubborn; while :; do {BB} usleep 20000; done' &
i=0; while [ ! -e {work}/stubborn ] && [ $i -lt 100 ]; do {BB} usleep 20000; i=$((i+1)); done
exit 5
""")
    body = (setup + 'start=$(date +%s%N)\n'
            + f'"$JAILINIT" --grace 0.5 {args} -- {BB} sh "$W/agent.sh" >"$W/agent.out" 2>"$W/ji.err" </dev/null\n'
            'echo $? >"$W/code"; echo $(( ($(date +%s%N) - start) / 1000000 )) >"$W/ms1"\n'
            # escalation: grace 30 s, a second SIGTERM ends it at once
            f'rm -f "$W/stubborn"; "$JAILINIT" --grace 30 {args} -- {BB} sh "$W/agent.sh" '
            '>/dev/null 2>>"$W/ji.err" </dev/null & JI=$!\n'
            'wait_file "$W/stubborn"; busybox usleep 300000\n'
            'start=$(date +%s%N); kill -TERM $JI; busybox usleep 200000; kill -TERM $JI\n'
            'wait $JI; echo $? >"$W/code2"; echo $(( ($(date +%s%N) - start) / 1000000 )) >"$W/ms2"\n')
    r = container(jailinit, work, body)
    assert r.code == 5, r
    assert r.lines()["zombies"] == "0", r
    ms1 = int(r.files("ms1"))
    assert 400 <= ms1 < 5000, r  # waited the grace period, then SIGKILL
    code2, ms2 = int(r.files("code2")), int(r.files("ms2"))
    assert code2 in (5, 143), r
    assert ms2 < 10000, f"the second SIGTERM did not end the 30 s grace: {ms2} ms\n{r}"
    r.assert_clean()


# ---- a runtime that allows only clone(NEWUSER|NEWNET): no PID/UTS namespace ----

@pytest.fixture
def nopidns(build_dir):
    """tests/tools/nopidns: a seccomp filter refusing clone with NEWPID,
    NEWUTS or NEWIPC (like a profile that allows exactly the jail's minimum),
    then exec."""
    path = os.path.join(build_dir, "tools", "nopidns")
    assert os.access(path, os.X_OK), "make tools"
    return path


def test_no_pid_namespace_proxy_mode(jailinit, work, nopidns):
    """Without a PID namespace the agent is the jail's only process, run by
    jailinit itself: the fetch through the proxy works, its exit code comes
    back, SIGTERM is not needed to reach it through a second level, it cannot
    signal the proxy (another uid), and nothing is left."""
    www(work)
    write(work, "agent.sh", f"""
echo "pid1 $({BB} cat /proc/1/comm)"
echo "fetch $({FETCH} 2>&1)"
p=$({BB} pidof tinyproxy)
if kill -0 $p 2>/dev/null; then echo "signal_proxy worked"; else echo "signal_proxy refused"; fi
{PY} {work}/probe.py 1.0 outer_8081,tcp,{OUTER},8081
exit 7
""")
    r = container(jailinit, work, HTTPD + "serve 8081\n"
                  + jail(PROXY_ARGS, f'{BB} sh "$W/agent.sh"').replace('"$JAILINIT"', f'{nopidns} "$JAILINIT"'))
    assert r.code == 7, r
    assert "no PID namespace" in r.err, r
    d = r.lines()
    assert d["pid1"] == "sh", r  # the container's PID 1: no PID namespace of the jail's own
    assert d["fetch"] == "hello from the container's web server", r
    assert d["signal_proxy"] == "refused", r
    assert d["outer_8081"] == "fail ECONNREFUSED", r
    r.assert_clean()


def test_no_pid_namespace_sigterm_reaches_the_agent(jailinit, work, nopidns):
    write(work, "agent.sh", f"trap 'echo got TERM; exit 3' TERM\n: > {work}/running\n"
                            f"while :; do {BB} usleep 20000; done\n")
    body = (f'{nopidns} "$JAILINIT" --net none -- {BB} sh "$W/agent.sh" >"$W/agent.out" 2>"$W/ji.err" & JI=$!\n'
            'wait_file "$W/running"\nkill -TERM $JI\nwait $JI; echo $? >"$W/code"\n')
    r = container(jailinit, work, body)
    assert r.code == 3, r
    assert "got TERM" in r.out, r
    r.assert_clean()


def test_hostname_without_uts_namespace_fails_closed(jailinit, work, nopidns):
    """--hostname where the runtime refuses the UTS namespace: refused (77,
    the container forbids it), the agent never runs, the message says to run
    without --hostname; nothing left."""
    r = container(jailinit, work, jail("--hostname jailhost", f"{BB} sh -c 'echo AGENT-RAN'")
                  .replace('"$JAILINIT"', f'{nopidns} "$JAILINIT"'))
    assert r.code == 77, r
    assert "AGENT-RAN" not in r.out, r
    assert "--hostname" in r.err, r
    r.assert_clean()


def test_no_pid_namespace_root_agent_cannot_signal_the_proxy_or_init(jailinit, work, nopidns):
    """--user 0 without a PID namespace: the agent can name the pids of the
    proxy and of jailinit (container root both), but it is container uid
    65520 (issue 8: --outside-user), so it cannot signal them, and the jail
    runs (issue 3: never under the uid the proxy or the init run as)."""
    www(work)
    write(work, "agent.sh", f"""
echo AGENT-RAN
p=$({BB} pidof tinyproxy)
if kill -0 $p 2>/dev/null; then echo "signal_proxy worked"; else echo "signal_proxy refused"; fi
if kill -0 $PPID 2>/dev/null; then echo "signal_parent worked"; else echo "signal_parent refused"; fi
""")
    r = container(jailinit, work, HTTPD
                  + jail("--user 0 " + PROXY_ARGS, f'{BB} sh "$W/agent.sh"')
                  .replace('"$JAILINIT"', f'{nopidns} "$JAILINIT"'))
    assert r.code == 0, r
    d = r.lines()
    assert "AGENT-RAN" in d, r
    assert d["signal_proxy"] == "refused", f"the agent (--user 0, no PID namespace) can signal the proxy\n{r}"
    assert d["signal_parent"] == "refused", f"the agent (--user 0, no PID namespace) can signal jailinit\n{r}"
    r.assert_clean()


def test_no_pid_namespace_sigkill_of_jailinit(jailinit, work, nopidns):
    """Without a PID namespace too the table outlives a killed jailinit (a
    surviving agent stays fenced): after SIGKILL the agent and the proxy die
    (parent-death signal), the veth goes with the jail's netns, and the next
    run replaces the stale table and leaves nothing."""
    write(work, "agent.sh", f": > {work}/running\nexec {BB} sleep 60\n")
    body = (f'{nopidns} "$JAILINIT" {PROXY_ARGS} -- {BB} sh "$W/agent.sh" >"$W/agent.out" 2>"$W/ji.err" & JI=$!\n'
            'wait_file "$W/running"\n'
            'kill -9 $JI; wait $JI; echo $? >"$W/code"\n'
            'busybox usleep 300000\n'
            '{ pgrep -x tinyproxy; pgrep -x sleep; } >"$W/left_procs"\n'
            'nft list tables >"$W/left_tables" 2>&1\n'
            f'{nopidns} "$JAILINIT" {PROXY_ARGS} -- /bin/true 2>>"$W/ji.err"; echo $? >"$W/code2"\n')
    r = container(jailinit, work, body)
    assert r.code == 137, r
    assert r.files("left_procs").strip() == "", r
    assert "table inet jailinit" in r.files("left_tables"), r  # it stays, fencing
    assert r.files("code2").strip() == "0", r
    r.assert_clean()


def test_proxy_user_runs_the_proxy_under_its_own_uid_also_after_a_restart(jailinit, work):
    """--proxy-user 1000:1000: tinyproxy runs as 1000 (seen from the
    container), the fetch works, and the restarted proxy runs as 1000 too."""
    www(work)
    write(work, "agent.sh", f"""
echo "first $({FETCH} 2>&1)"
: > {work}/fetched1
i=0; while [ ! -e {work}/go ] && [ $i -lt 300 ]; do {BB} usleep 20000; i=$((i+1)); done
n=0; while [ $n -lt 50 ]; do out=$({FETCH} 2>/dev/null) && break; {BB} usleep 100000; n=$((n+1)); done
echo "second $out"
""")
    killer = r"""
wait_file "$W/fetched1"
old=$(pgrep -x tinyproxy)
echo "uid1=$(awk '/^Uid/{print $2, $3, $4, $5}' /proc/$old/status)" >"$W/uids"
kill -9 $old
i=0; new=""
while [ $i -lt 200 ]; do new=$(pgrep -x tinyproxy); [ -n "$new" ] && [ "$new" != "$old" ] && break; busybox usleep 20000; i=$((i+1)); done
busybox usleep 100000
echo "uid2=$(awk '/^Uid/{print $2, $3, $4, $5}' /proc/$new/status)" >>"$W/uids"
: >"$W/go"
wait $JI
echo $? >"$W/code"
"""
    body = (HTTPD + f'"$JAILINIT" --proxy-user 1000:1000 {PROXY_ARGS} -- {BB} sh "$W/agent.sh" '
            '>"$W/agent.out" 2>"$W/ji.err" </dev/null & JI=$!\n' + killer)
    r = container(jailinit, work, body)
    assert r.code == 0, r
    uids = r.files("uids")
    assert "uid1=1000 1000 1000 1000" in uids and "uid2=1000 1000 1000 1000" in uids, f"{uids}\n{r}"
    d = r.lines()
    assert d["first"] == d["second"] == "hello from the container's web server", r
    r.assert_clean()


SHUTDOWN_PROXY = r"""
import os, signal, socket, sys, time
work, port = sys.argv[1], int(sys.argv[2])
def term(*_):
    done = os.path.exists(os.path.join(work, "agent-done"))
    open(os.path.join(work, "proxy-term"), "w").write("agent-done-first" if done else "agent-still-running")
    sys.exit(0)
signal.signal(signal.SIGTERM, term)
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", port)); s.listen(4)
while True:
    time.sleep(3600)
"""


def test_shutdown_stops_the_agent_before_the_proxy(jailinit, work):
    """SIGTERM to jailinit: the agent (which takes 0.3 s to finish) ends
    before the proxy gets its SIGTERM; the agent's code comes back."""
    write(work, "shutdown_proxy.py", SHUTDOWN_PROXY)
    write(work, "agent.sh", f"trap '{BB} usleep 300000; : > {work}/agent-done; exit 4' TERM\n"
                            f": > {work}/running\nwhile :; do {BB} usleep 20000; done\n")
    body = (f'"$JAILINIT" --proxy-port {PROXY_PORT} --proxy "{PY} $W/shutdown_proxy.py $W {PROXY_PORT}" '
            f'-- {BB} sh "$W/agent.sh" >"$W/agent.out" 2>"$W/ji.err" & JI=$!\n'
            'wait_file "$W/running"\nkill -TERM $JI\nwait $JI; echo $? >"$W/code"\n')
    r = container(jailinit, work, body)
    assert r.code == 4, r
    assert r.files("proxy-term") == "agent-done-first", r
    r.assert_clean()


UNIX_SERVER = r"""
import os, socket, sys, time
work = sys.argv[1]
p = socket.socket(socket.AF_UNIX); p.bind(os.path.join(work, "u.sock")); os.chmod(os.path.join(work, "u.sock"), 0o777); p.listen(4)
a = socket.socket(socket.AF_UNIX); a.bind("\0jailinit-test-abstract"); a.listen(4)
open(os.path.join(work, "listener.ready"), "w").write("ready")
while True:
    c, _ = p.accept()
    try:
        c.sendall(b"pathname\n")
    except OSError:
        pass  # the client may be gone already (EPIPE): keep serving
    c.close()
"""

UNIX_CLIENT = r"""
import socket, sys
for name, addr in (("abstract", "\0jailinit-test-abstract"), ("pathname", sys.argv[1] + "/u.sock")):
    s = socket.socket(socket.AF_UNIX)
    try:
        s.connect(addr); print(name, "reached")
    except OSError as e:
        print(name, "refused", e.errno)
"""


def test_unix_sockets_abstract_unreachable_pathname_shared(jailinit, work):
    """docs/seccomp.md: the jail's own network namespace keeps the
    container's abstract unix sockets out of reach; pathname sockets are
    files and stay reachable (the documented limit: do not leave sockets
    such as docker.sock where the agent can open them)."""
    write(work, "unix_server.py", UNIX_SERVER)
    write(work, "unix_client.py", UNIX_CLIENT)
    body = (f'bg {PY} "$W/unix_server.py" "$W"\nwait_file "$W/listener.ready"\n'
            f'{PY} "$W/unix_client.py" "$W" >"$W/control"\n'
            + jail("--net none", f'{PY} "$W/unix_client.py" "$W"'))
    r = container(jailinit, work, body)
    assert r.code == 0, r
    assert r.files("control") == "abstract reached\npathname reached\n", r
    d = r.lines()
    assert d["abstract"].startswith("refused"), r
    assert d["pathname"] == "reached", r
    r.assert_clean()


def test_back_to_back_runs_in_one_container(jailinit, work):
    """Five jails one right after the other in the same container netns (the
    previous veth may still be dying): each one starts, its agent fetches
    through the proxy, and nothing is left at the end."""
    www(work)
    write(work, "agent.sh", f'echo "fetch $({FETCH} 2>&1)"\n')
    body = HTTPD
    for i in range(5):
        body += (f'"$JAILINIT" {PROXY_ARGS} -- {BB} sh "$W/agent.sh" >>"$W/agent.out" 2>>"$W/ji.err" </dev/null; '
                 f'echo "code{i} $?" >>"$W/agent.out"\n')
    r = container(jailinit, work, body)
    d = r.out.splitlines()
    assert d.count("fetch hello from the container's web server") == 5, r
    assert [line for line in d if line.startswith("code")] == [f"code{i} 0" for i in range(5)], r
    r.assert_clean()


def test_no_pid_namespace_agent_cannot_signal_a_same_uid_process(jailinit, work, leakprobe, nopidns):
    """Issue 14, 3: without a PID namespace the agent (uid 65534) can name
    every process of the container; one of the same uid outside the jail
    (another jail's agent, say) must still be out of its reach: Landlock's
    signal scoping (ABI 6). A control shows the neighbour takes signals from
    outside the jail."""
    body = (f'"{leakprobe}" sleepas 65534 & N=$!; SERVERS="$SERVERS $N"; busybox usleep 100000\n'
            'echo "uid=$(awk \'/^Uid/{print $2}\' /proc/$N/status)" >"$W/neighbour"\n'
            f'{nopidns} "$JAILINIT" --net none -- {BB} sh -c '
            '"if kill -0 $N 2>/dev/null; then echo signal worked; else echo signal refused; fi; '
            'if kill -0 \\$\\$ 2>/dev/null; then echo self worked; fi" >"$W/agent.out" 2>"$W/ji.err" </dev/null\n'
            'echo $? >"$W/code"\n'
            'if kill -0 $N; then echo "control worked" >>"$W/neighbour"; fi\n')
    r = container(jailinit, work, body)
    assert r.code == 0, r
    assert "uid=65534" in r.files("neighbour") and "control worked" in r.files("neighbour"), r
    assert "no PID namespace" in r.err, r
    d = r.lines()
    assert d["self"] == "worked", r  # its own domain: signals within it still work
    assert d["signal"] == "refused", f"the agent signalled a same-uid process outside the jail\n{r}"
    r.assert_clean()


FD_PROXY = r"""
import os, socket, sys, time
work, port = sys.argv[1], int(sys.argv[2])
fds = " ".join(str(f) for f in sorted(int(f) for f in os.listdir("/proc/self/fd")))
open(os.path.join(work, "proxy-fds"), "w").write(fds)
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", port)); s.listen(4)
while True:
    time.sleep(3600)
"""


def test_the_proxy_inherits_none_of_jailinits_own_descriptors(jailinit, work):
    """Issue 14: the proxy gets stdin, stdout and stderr, and none of the
    descriptors jailinit made (netlink sockets, the handshake, the
    signalfd): only 0, 1, 2 and the one listing /proc/self/fd."""
    write(work, "fd_proxy.py", FD_PROXY)
    body = (f'"$JAILINIT" --proxy-port {PROXY_PORT} --proxy "{PY} $W/fd_proxy.py $W {PROXY_PORT}" '
            f'-- {BB} true >"$W/agent.out" 2>"$W/ji.err" </dev/null; echo $? >"$W/code"\n')
    r = container(jailinit, work, body)
    assert r.code == 0, r
    # 3: python's own descriptor for the listing
    assert r.files("proxy-fds") == "0 1 2 3", r
    r.assert_clean()


def test_maps_are_not_written_through_a_foreign_proc(jailinit, work):
    """Issue 14: in a PID namespace whose /proc was not mounted anew,
    /proc/PID names another process: jailinit refuses to write the jail's
    id maps through it (71, step "own /proc") and the agent never runs."""
    body = ('unshare --pid --fork sh -c \'"$0" --net none -- /bin/echo AGENT-RAN\' "$JAILINIT" '
            '>"$W/agent.out" 2>"$W/ji.err" </dev/null; echo $? >"$W/code"\n')
    r = container(jailinit, work, body)
    assert r.code == 71, r
    assert "AGENT-RAN" not in r.out, r
    assert "own /proc: /proc is not this PID namespace's" in r.err, r
    r.assert_clean()


# ---- issue 15, 4 and 5: a HOME the agent can write; the self-check by environment ----

@pytest.mark.parametrize("home", ["root", "writable"])
def test_agent_gets_a_home_it_can_write(jailinit, work, home):
    """The image's HOME is root's (/root), which the agent (nobody to the
    container) cannot write: npm and git fail there. jailinit gives it
    HOME=/tmp then; a HOME the agent can write is kept."""
    mine = os.path.join(work, "agenthome")
    os.makedirs(mine)
    os.chmod(mine, 0o777)
    env = {"HOME": "/root" if home == "root" else mine}
    r = container(jailinit, work, jail("--net none", f"{BB} sh -c 'echo \"home $HOME\"; "
                                                      "echo x > \"$HOME/.probe\" && echo home_write ok'"), env=env)
    assert r.code == 0, r
    d = r.lines()
    assert d["home"] == ("/tmp" if home == "root" else mine), r
    assert d["home_write"] == "ok", r
    r.assert_clean()


def test_jailinit_check_from_the_environment(jailinit, work):
    """JAILINIT_CHECK=1 runs the self-check with the options the ENTRYPOINT
    gives, instead of the command (docker run -e JAILINIT_CHECK=1 IMAGE)."""
    r = container(jailinit, work, jail("--net none", f"{BB} sh -c 'echo AGENT-RAN'").replace(
        '"$JAILINIT"', 'JAILINIT_CHECK=1 "$JAILINIT"', 1))
    assert r.code == 0, r
    assert "AGENT-RAN" not in r.out, r
    assert "verdict: READY" in r.out, r
    r.assert_clean()
