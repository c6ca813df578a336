"""net/ against the real kernel (issue 3, "Network"): the veth with its peer
born in another netns, IPv6 address generation off, addresses and the default
route, the kernel's errno kept on failure, and the nf_tables egress table --
its listing, and what it does to real traffic between two namespaces.

Everything happens in namespaces this test makes: an "outer" netns (made by
util.netns_cmd, which refuses to run in the root netns) standing for the
container, and an "inner" netns (an `unshare -n sleep` started inside the
outer one) standing for the jail. Commands run there through `nsenter -n`.
Killing the two sleepers removes the namespaces with their veths and tables.
tests/tools/nettest drives net/ one request at a time.
"""
import os
import re
import signal
import subprocess
import sys
import time

import pytest

from util import ROOT_NETNS, netns_cmd, run

PY = sys.executable or "/usr/bin/python3"
OUTER_ADDR = "10.200.0.1"
INNER_ADDR = "10.200.0.2"
PREFIX = 30

# A listener for the outer side: TCP on each port in argv (answers every
# connection with the SO_ORIGINAL_DST it sees, or "direct"), UDP echo on
# each "u"-prefixed port. Prints "ready" once bound.
LISTENER = r"""
import socket, struct, sys, threading
def tcp(port):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", port)); s.listen(16)
    def loop():
        while True:
            c, _ = s.accept()
            try:
                raw = c.getsockopt(socket.SOL_IP, 80, 16)  # SO_ORIGINAL_DST
                port_, ip = struct.unpack_from("!2xH4s", raw)
                orig = "%s:%d" % (socket.inet_ntoa(ip), port_)
            except OSError:
                orig = "direct"
            c.sendall(("port=%d orig=%s\n" % (port, orig)).encode()); c.close()
    threading.Thread(target=loop, daemon=True).start()
def udp(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("0.0.0.0", port))
    def loop():
        while True:
            d, a = s.recvfrom(2048); s.sendto(b"echo:%d:" % port + d, a)
    threading.Thread(target=loop, daemon=True).start()
for a in sys.argv[1:]:
    (udp if a.startswith("u") else tcp)(int(a.lstrip("u")))
print("ready", flush=True)
sys.stdin.read()
"""

# A client for the jail side: one attempt, one line out.
CLIENT = r"""
import socket, sys
kind, host, port, timeout = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
try:
    if kind == "tcp":
        s = socket.create_connection((host, port), timeout=timeout)
        print("ok", s.recv(200).decode().strip())
    elif kind == "udpc":  # connected: sees the ICMP errors that come back
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(timeout)
        s.connect((host, port)); s.send(b"hi"); print("ok", s.recv(200).decode())
    else:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(timeout)
        s.sendto(b"hi", (host, port)); print("ok", s.recv(200).decode())
except OSError as e:
    print("fail", type(e).__name__, e.errno)
"""


def _netns(pid):
    return os.readlink(f"/proc/{pid}/ns/net")


def _wait_netns(pid, not_in):
    for _ in range(200):
        try:
            ns = _netns(pid)
            if ns not in not_in and open(f"/proc/{pid}/comm").read().strip() == "sleep":
                return ns
        except OSError:
            pass
        time.sleep(0.01)
    raise AssertionError(f"process {pid} never reached a netns of its own")


@pytest.fixture(scope="session")
def nettest():
    build = os.environ.get("BUILD_DIR") or os.path.abspath("build")
    path = os.path.join(build, "tools", "nettest")
    if not os.access(path, os.X_OK):
        pytest.fail(f"no nettest at {path}: run make tools")
    return path


class Nets:
    """The outer and inner netns, and helpers to run commands in them."""

    def __init__(self, nettest):
        self.nettest = nettest
        self.procs = []
        try:
            self._start()
        except BaseException:
            self.close()
            raise

    def _start(self):
        self.outer_proc = subprocess.Popen(netns_cmd(["sleep", "600"], pid=False))
        self.procs.append(self.outer_proc)
        self.outer = self.outer_proc.pid
        outer_ns = _wait_netns(self.outer, {ROOT_NETNS})
        self.inner_proc = subprocess.Popen(["nsenter", "-t", str(self.outer), "-n", "unshare", "-n", "sleep", "600"])
        self.procs.append(self.inner_proc)
        self.inner = self.inner_proc.pid
        _wait_netns(self.inner, {ROOT_NETNS, outer_ns})

    def _in(self, pid, cmd, **kw):
        # never let a command run in the root netns, whatever happened
        assert _netns(pid) != ROOT_NETNS
        return run(["nsenter", "-t", str(pid), "-n"] + [str(c) for c in cmd], **kw)

    def out(self, *cmd, **kw):
        return self._in(self.outer, cmd, **kw)

    def inn(self, *cmd, **kw):
        return self._in(self.inner, cmd, **kw)

    def nt(self, *args, where="out"):
        return (self.out if where == "out" else self.inn)(self.nettest, *args)

    def ok(self, *args, where="out"):
        r = self.nt(*args, where=where)
        assert r.returncode == 0, f"nettest {' '.join(map(str, args))}: {r.stderr}"
        return r.stdout.strip()

    def link(self, addrgen_off=True, outer=OUTER_ADDR, inner=INNER_ADDR, prefix=PREFIX):
        """The whole link: veth with the peer in the inner netns, addresses,
        both ends up, lo up inside, default route inside."""
        ifindex = int(self.ok("veth", "ji0", "jv0", self.inner))
        if addrgen_off:
            self.ok("addrgen-off", "ji0")
            self.ok("addrgen-off", "jv0", where="in")
        self.ok("addr", "ji0", f"{outer}/{prefix}")
        self.ok("up", "ji0")
        self.ok("up", "lo", where="in")
        self.ok("addr", "jv0", f"{inner}/{prefix}", where="in")
        self.ok("up", "jv0", where="in")
        self.ok("route", "jv0", outer, where="in")
        return ifindex

    def listen(self, *ports):
        p = subprocess.Popen(
            ["nsenter", "-t", str(self.outer), "-n", PY, "-c", LISTENER] + [str(x) for x in ports],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.procs.append(p)
        assert p.stdout.readline().strip() == "ready"
        return p

    def client(self, kind, host, port, timeout=5.0):
        """One attempt from the jail side. Use a short timeout where the
        packet is expected to be dropped, a long one where it must pass."""
        r = self.inn(PY, "-c", CLIENT, kind, host, port, timeout)
        assert r.returncode == 0, r.stderr
        return r.stdout.strip()

    def close(self):
        for p in reversed(self.procs):
            if p.poll() is None:
                p.kill()
            p.wait()


@pytest.fixture
def nets(nettest):
    n = Nets(nettest)
    try:
        yield n
    finally:
        n.close()


def _ruleset(nets):
    r = nets.out("nft", "list", "ruleset")
    assert r.returncode == 0, r.stderr
    return r.stdout


def _normal(text):
    return "\n".join(line.strip() for line in text.strip().splitlines() if line.strip())


# ---- rtnetlink --------------------------------------------------------------

def test_veth_peer_born_in_the_other_netns(nets):
    ifindex = nets.link()
    r = nets.out("ip", "-d", "-o", "link", "show", "ji0")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith(f"{ifindex}: ji0@"), r.stdout
    assert " veth " in r.stdout
    assert "jv0" not in nets.out("ip", "-o", "link").stdout
    r = nets.inn("ip", "-d", "-o", "link", "show", "jv0")
    assert r.returncode == 0 and " veth " in r.stdout, r.stdout + r.stderr
    assert "ji0" not in nets.inn("ip", "-o", "link").stdout
    # the ifindex nettest printed is the kernel's (from the echoed reply)
    assert int(nets.ok("index", "ji0")) == ifindex


def test_veth_goes_when_the_jail_netns_dies(nets):
    """Why teardown never deletes the link: the kernel removes the pair
    when the jail's netns ends with its last process."""
    nets.link()
    nets.inner_proc.kill()
    nets.inner_proc.wait()
    for _ in range(300):
        if "ji0" not in nets.out("ip", "-o", "link").stdout:
            break
        time.sleep(0.01)
    assert "ji0" not in nets.out("ip", "-o", "link").stdout


def test_delete_link_removes_both_ends_and_frees_the_names(nets):
    nets.ok("veth", "ji0", "jv0", nets.inner)
    r = nets.nt("veth", "ji0", "jv0", nets.inner)
    assert r.returncode == 1 and "EEXIST" in r.stderr
    nets.ok("del", "ji0")
    assert "ji0" not in nets.out("ip", "-o", "link").stdout
    assert "jv0" not in nets.inn("ip", "-o", "link").stdout
    nets.ok("veth", "ji0", "jv0", nets.inner)  # the caller's EEXIST path: delete, create again
    r = nets.nt("del", "nosuch0")
    assert r.returncode == 1 and r.stderr.startswith("nettest: look up link: ENODEV "), r.stderr


def test_no_ipv6_link_local_on_either_end(nets):
    nets.link(addrgen_off=True)
    for where, dev in (("out", "ji0"), ("in", "jv0")):
        run_in = nets.out if where == "out" else nets.inn
        assert "addrgenmode none" in run_in("ip", "-d", "link", "show", dev).stdout
        assert run_in("ip", "-6", "-o", "addr", "show", "dev", dev).stdout.strip() == ""
    # control: without the change the same steps do produce a link-local
    nets.ok("veth", "ji1", "jv1", nets.inner)
    nets.ok("up", "ji1")
    nets.ok("up", "jv1", where="in")
    assert "fe80::" in nets.out("ip", "-6", "-o", "addr", "show", "dev", "ji1").stdout


def test_addresses_and_default_route(nets):
    nets.link()
    assert f"inet {OUTER_ADDR}/{PREFIX} " in nets.out("ip", "-4", "-o", "addr", "show", "ji0").stdout
    assert f"inet {INNER_ADDR}/{PREFIX} " in nets.inn("ip", "-4", "-o", "addr", "show", "jv0").stdout
    routes = nets.inn("ip", "-4", "route", "show", "table", "main").stdout
    assert re.search(rf"^default via {re.escape(OUTER_ADDR)} dev jv0 proto static", routes, re.M), routes
    # the link carries traffic (no table yet)
    nets.listen(8080)
    assert nets.client("tcp", OUTER_ADDR, 8080) == "ok port=8080 orig=direct"


def test_point_to_point_31(nets):
    """A /31 (RFC 3021) works as well as a /30: jailinit's default is
    198.18.0.0/30 (RFC 2544), --subnet may give a /31."""
    nets.link(outer="198.18.0.0", inner="198.18.0.1", prefix=31)
    nets.listen(3128)
    nets.ok("nft-install", "--link", "ji0", "--addr", "198.18.0.0", "--proxy-port", "3128")
    assert nets.client("tcp", "198.18.0.0", 3128).startswith("ok port=3128")
    assert "default via 198.18.0.0 dev jv0" in nets.inn("ip", "route").stdout


def test_jail_side_from_its_own_user_namespace(nets):
    """As in the jail: the peer goes into a netns owned by a child user
    namespace, whose root configures its own side; from there it cannot
    reach the outer netns."""
    p = subprocess.Popen(["nsenter", "-t", str(nets.outer), "-n", "unshare", "-Urn", "sleep", "600"])
    nets.procs.append(p)
    _wait_netns(p.pid, {ROOT_NETNS, _netns(nets.outer), _netns(nets.inner)})
    nets.ok("veth", "ji0", "jv0", p.pid)

    def jail(*args):
        return run(["nsenter", "-t", str(p.pid), "-U", "-n", nets.nettest] + [str(a) for a in args])

    for args in (("addrgen-off", "jv0"), ("addr", "jv0", f"{INNER_ADDR}/{PREFIX}"), ("up", "jv0"),
                 ("up", "lo"), ("route", "jv0", OUTER_ADDR)):
        r = jail(*args)
        assert r.returncode == 0, (args, r.stderr)
    r = run(["nsenter", "-t", str(p.pid), "-U", "-n", "ip", "-o", "addr", "show", "jv0"])
    assert f"inet {INNER_ADDR}/{PREFIX}" in r.stdout and "inet6" not in r.stdout, r.stdout
    # root of the jail's user namespace has no say over the outer netns
    r = jail("veth", "jx0", "jy0", nets.outer)
    assert r.returncode == 1 and r.stderr.startswith("nettest: create veth: EPERM "), r.stderr


def test_errors_keep_the_kernels_errno(nets):
    nets.ok("veth", "ji0", "jv0", nets.inner)
    cases = [
        (("veth", "ji0", "jvx", nets.inner), "create veth", "EEXIST"),      # name taken here
        (("veth", "jiy", "jv0", nets.inner), "create veth", "EEXIST"),      # peer name taken there
        (("veth", "jiz", "jvz", 999999999), "create veth", "ESRCH"),        # no such process
        (("addr", "nosuch0", "10.9.9.9/24"), "look up link", "ENODEV"),
        (("veth", "a-name-far-too-long", "jv9", nets.inner), "create veth", "EINVAL"),
    ]
    for args, step, errname in cases:
        r = nets.nt(*args)
        assert r.returncode == 1, (args, r.stdout, r.stderr)
        assert r.stderr.startswith(f"nettest: {step}: {errname} "), (args, r.stderr)
    nets.ok("addr", "ji0", "10.200.0.1/30")
    r = nets.nt("addr", "ji0", "10.200.0.1/30")
    assert r.returncode == 1 and "add address: EEXIST" in r.stderr, r.stderr
    nets.ok("up", "ji0")
    nets.ok("route", "ji0", "10.200.0.2")
    r = nets.nt("route", "ji0", "10.200.0.2")
    assert r.returncode == 1 and "add default route: EEXIST" in r.stderr, r.stderr
    # nothing half-made was left behind by the failed creations
    links = nets.out("ip", "-o", "link").stdout
    assert "jvx" not in links and "jiy" not in links and "jiz" not in links


# ---- nf_tables --------------------------------------------------------------

EXPECTED_FULL = f"""
table inet jailinit {{
	chain input {{
		type filter hook input priority filter; policy accept;
		iifname "ji0" ip daddr {OUTER_ADDR} tcp dport 3128 accept
		iifname "ji0" ip daddr {OUTER_ADDR} udp dport 5353 accept
		iifname "ji0" ip daddr {OUTER_ADDR} tcp dport 5353 accept
		iifname "ji0" meta nfproto ipv6 drop
		iifname "ji0" meta l4proto tcp reject with tcp reset
		iifname "ji0" reject with icmpx admin-prohibited
	}}

	chain forward {{
		type filter hook forward priority filter; policy accept;
		iifname "ji0" meta l4proto tcp reject with tcp reset
		iifname "ji0" reject with icmpx admin-prohibited
		oifname "ji0" drop
	}}

	chain prerouting {{
		type nat hook prerouting priority dstnat; policy accept;
		iifname "ji0" ip daddr {OUTER_ADDR} udp dport 53 redirect to :5353
		iifname "ji0" ip daddr {OUTER_ADDR} tcp dport 53 redirect to :5353
		iifname "ji0" meta l4proto tcp redirect to :3128
	}}
}}
"""

EXPECTED_PROXY_ONLY = f"""
table inet jailinit {{
	chain input {{
		type filter hook input priority filter; policy accept;
		iifname "ji0" ip daddr {OUTER_ADDR} tcp dport 3128 accept
		iifname "ji0" meta nfproto ipv6 drop
		iifname "ji0" meta l4proto tcp reject with tcp reset
		iifname "ji0" reject with icmpx admin-prohibited
	}}

	chain forward {{
		type filter hook forward priority filter; policy accept;
		iifname "ji0" meta l4proto tcp reject with tcp reset
		iifname "ji0" reject with icmpx admin-prohibited
		oifname "ji0" drop
	}}
}}
"""


def test_table_lists_the_intended_rules(nets):
    nets.ok("nft-install", "--link", "ji0", "--addr", OUTER_ADDR, "--proxy-port", "3128",
            "--dns-port", "5353", "--transparent")
    r = nets.out("nft", "list", "table", "inet", "jailinit")
    assert r.returncode == 0, r.stderr
    assert _normal(r.stdout) == _normal(EXPECTED_FULL)
    nets.ok("nft-delete")
    nets.ok("nft-install", "--link", "ji0", "--addr", OUTER_ADDR, "--proxy-port", "3128")
    assert _normal(_ruleset(nets)) == _normal(EXPECTED_PROXY_ONLY)


def test_proxy_mode_traffic(nets):
    nets.link()
    nets.listen(3128, 8080, "u5353", "u9999")
    # before the table everything gets through (so what fails later fails
    # because of the table)
    assert nets.client("tcp", OUTER_ADDR, 8080).startswith("ok")
    assert nets.client("udp", OUTER_ADDR, 9999) == "ok echo:9999:hi"
    assert nets.inn("busybox", "ping", "-c", "1", "-W", "1", OUTER_ADDR).returncode == 0

    nets.ok("nft-install", "--link", "ji0", "--addr", OUTER_ADDR, "--proxy-port", "3128",
            "--dns-port", "5353")
    # (with the nat chain present, conntrack tracks it: the "original"
    # destination is then the one the client used)
    assert nets.client("tcp", OUTER_ADDR, 3128) in ("ok port=3128 orig=direct",
                                                     f"ok port=3128 orig={OUTER_ADDR}:3128")
    # refused loudly (issue 9, fail fast): a reset for TCP, ICMP
    # admin-prohibited for the rest, which a connected socket sees at once
    # (EHOSTUNREACH) and an unconnected one never (it times out)
    assert nets.client("tcp", OUTER_ADDR, 8080, timeout=3) == "fail ConnectionRefusedError 111"
    assert nets.client("udpc", OUTER_ADDR, 9999, timeout=3) == "fail OSError 113"
    assert nets.client("udp", OUTER_ADDR, 9999, timeout=1).startswith("fail TimeoutError")
    assert nets.inn("busybox", "ping", "-c", "1", "-W", "1", OUTER_ADDR).returncode != 0
    # DNS: udp 53 to the outer end lands on the DNS port; 5353 itself is allowed
    assert nets.client("udp", OUTER_ADDR, 53) == "ok echo:5353:hi"
    assert nets.client("udp", OUTER_ADDR, 5353) == "ok echo:5353:hi"
    # not transparent: a connection elsewhere goes nowhere, and says so
    far = nets.client("tcp", "203.0.113.7", 443, timeout=3)
    assert far.startswith("fail") and "TimeoutError" not in far, far
    # the outer side itself is not restricted (its own loopback works)
    r = nets.out(PY, "-c", CLIENT, "tcp", "127.0.0.1", "8080", "5")
    assert r.stdout.startswith("ok port=8080"), r.stdout


def test_transparent_redirect_keeps_the_original_destination(nets):
    nets.link()
    nets.listen(3128, 8080)
    nets.ok("nft-install", "--link", "ji0", "--addr", OUTER_ADDR, "--proxy-port", "3128", "--transparent")
    assert nets.client("tcp", "203.0.113.7", 443) == "ok port=3128 orig=203.0.113.7:443"
    assert nets.client("tcp", "198.51.100.1", 80) == "ok port=3128 orig=198.51.100.1:80"
    # even the outer end's other ports land on the proxy
    assert nets.client("tcp", OUTER_ADDR, 8080) == f"ok port=3128 orig={OUTER_ADDR}:8080"
    # UDP is not redirected and stays dropped
    assert nets.client("udp", "203.0.113.7", 53, timeout=1).startswith("fail")


def test_stale_table_is_replaced(nets):
    nets.ok("nft-install", "--link", "old0", "--addr", "10.99.0.1", "--proxy-port", "1111", "--dns-port", "2222")
    assert "old0" in _ruleset(nets)
    nets.ok("nft-install", "--link", "ji0", "--addr", OUTER_ADDR, "--proxy-port", "3128")
    assert _normal(_ruleset(nets)) == _normal(EXPECTED_PROXY_ONLY)


def test_owned_table_goes_with_its_socket(nets):
    p = subprocess.Popen(
        ["nsenter", "-t", str(nets.outer), "-n", nets.nettest, "nft-install", "--link", "ji0",
         "--addr", OUTER_ADDR, "--proxy-port", "3128", "--owned", "--hold"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    nets.procs.append(p)
    assert p.stdout.readline().strip() == "ready", p.stderr.read()
    listing = nets.out("nft", "list", "table", "inet", "jailinit").stdout
    assert "flags owner" in listing and "tcp dport 3128 accept" in listing, listing
    # while its owner lives, nobody else may touch it: the kernel refuses
    # even the NEWTABLE (EPERM, before it looks at NLM_F_EXCL), and that
    # errno comes back
    r = nets.nt("nft-install", "--link", "ji0", "--addr", OUTER_ADDR, "--proxy-port", "3128")
    assert r.returncode == 1, r.stdout
    assert r.stderr.startswith("nettest: install nf_tables table: EPERM "), r.stderr
    assert "table inet jailinit" in r.stderr
    os.kill(p.pid, signal.SIGKILL)
    p.wait()
    for _ in range(100):
        if "jailinit" not in _ruleset(nets):
            break
        time.sleep(0.01)
    assert _ruleset(nets).strip() == ""


def test_persistent_table_outlives_its_socket(nets):
    """NFT_TABLE_OWNED_PERSIST (what jailinit uses, issue 14): while its
    socket is open nobody else may change or delete the table (EPERM); when
    the holder is SIGKILLed the table stays (fail closed), with the comment
    naming the holder's pid; then another install replaces it."""
    p = subprocess.Popen(
        ["nsenter", "-t", str(nets.outer), "-n", nets.nettest, "nft-install", "--link", "ji0",
         "--addr", OUTER_ADDR, "--proxy-port", "3128", "--persist", "--owner-pid", "4242", "--hold"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    nets.procs.append(p)
    assert p.stdout.readline().strip() == "ready", p.stderr.read()
    listing = nets.out("nft", "list", "table", "inet", "jailinit").stdout
    assert 'comment "jailinit pid=4242"' in listing and "tcp dport 3128 accept" in listing, listing
    r = nets.nt("nft-delete")
    assert r.returncode == 1 and r.stderr.startswith("nettest: delete nf_tables table: EPERM "), r.stderr
    os.kill(p.pid, signal.SIGKILL)
    p.wait()
    time.sleep(0.2)
    listing = nets.out("nft", "list", "table", "inet", "jailinit").stdout
    assert 'comment "jailinit pid=4242"' in listing and 'iifname "ji0" reject with icmpx admin-prohibited' in listing, listing
    nets.ok("nft-install", "--link", "ji0", "--addr", OUTER_ADDR, "--proxy-port", "3128")
    assert _normal(_ruleset(nets)) == _normal(EXPECTED_PROXY_ONLY)


def test_delete_leaves_nothing(nets):
    nets.ok("nft-install", "--link", "ji0", "--addr", OUTER_ADDR, "--proxy-port", "3128",
            "--dns-port", "53", "--transparent")
    assert "jailinit" in _ruleset(nets)
    nets.ok("nft-delete")
    assert _ruleset(nets).strip() == ""
    nets.ok("nft-delete")  # a missing table is not an error
