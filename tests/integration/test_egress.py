"""jailinit's own egress proxy (issue 9, explicit mode: --net proxy with
--allow), end to end, with real clients as the agent.

"The internet" is a network namespace of its own inside each test's
throwaway container (util.netns_cmd: a fresh net+pid namespace), held by a
sleeping process and joined to the container's netns by a veth; its servers
(egress_internet.py) are on documentation addresses only: HTTP on
192.0.2.10, 198.51.100.10, 203.0.113.20 (and 169.254.169.254, so that
a refusal of the metadata address is a refusal, not a missing server),
HTTPS with a CA this test makes with openssl, a git repository over HTTP,
and the DNS server 203.0.113.53 the proxy resolves against
(JAILINIT_RESOLV_CONF names the test's resolv.conf). The container also
has a server on its own 127.0.0.1:80. Nothing leaves the namespaces the
test made; everything goes with them.
"""
import json
import os
import re
import shutil
import subprocess
import tempfile

import pytest

from test_jail import BB, PY, container, jail, write

HERE = os.path.dirname(os.path.abspath(__file__))
CURL = "/usr/bin/curl"
NODE = "/usr/bin/node"  # Debian's nodejs (scripts/packages.txt)
GIT = "/usr/bin/git"
OPENSSL = "/usr/bin/openssl"

ZONE = """allowed.test 192.0.2.10
www.allowed.test 192.0.2.10
git.test 192.0.2.10
secure.test 192.0.2.11
other.test 198.51.100.10
a.sub.test 203.0.113.20
b.sub.test 203.0.113.20
sub.test 203.0.113.20
deep.a.sub.test 203.0.113.20
loop.test 127.0.0.1
meta.test 169.254.169.254
pypi.org 192.0.2.11
registry.npmjs.org 192.0.2.11
deb.debian.org 192.0.2.10
ssh.test 192.0.2.12
"""

# PID 1's part before jailinit: the internet, its servers, the container's
# own loopback server. $N runs a command in the internet's netns.
INTERNET = r"""
unshare --net {bb} sleep 1000 & NETPID=$!; SERVERS="$SERVERS $NETPID"
i=0; while [ "$(readlink /proc/$NETPID/ns/net)" = "$(readlink /proc/self/ns/net)" ] && [ $i -lt 100 ]; do {bb} usleep 10000; i=$((i+1)); done
N="nsenter -t $NETPID -n"
ip link add inet0 type veth peer name inet1
ip link set inet1 netns $NETPID
ip addr add 192.0.2.254/24 dev inet0
ip link set inet0 up
ip route add 198.51.100.0/24 dev inet0
ip route add 203.0.113.0/24 dev inet0
ip route add 169.254.169.254/32 dev inet0
$N ip link set lo up
for a in 192.0.2.1/24 192.0.2.10/24 192.0.2.11/24 192.0.2.12/24 198.51.100.10/24 203.0.113.20/24 203.0.113.53/24 169.254.169.254/32; do
	$N ip addr add $a dev inet1
done
$N ip link set inet1 up
$N ip route add 192.0.2.254/32 dev inet1 2>/dev/null
bg $N {py} {here}/egress_internet.py "$W"
wait_file "$W/internet.ready"
bg {py} -m http.server --bind 127.0.0.1 80 --directory "$W/local"
wait_port 80
"""

RESOLV = "nameserver 203.0.113.53\noptions timeout:1 attempts:1\n"


@pytest.fixture
def net(tmp_path_factory):
    d = tempfile.mkdtemp(prefix="jailinit-egress-")
    os.chmod(d, 0o1777)
    write(d, "zone", ZONE)
    write(d, "resolv.conf", RESOLV)
    write(d, "hosts", "127.0.0.1 localhost\n")
    os.makedirs(os.path.join(d, "local"))
    write(d, "local/index.html", "the container's own loopback server\n")
    # the test's CA and a certificate for secure.test
    ssl = os.path.join(d, "ssl.cnf")
    write(d, "ssl.cnf", "[req]\ndistinguished_name=dn\n[dn]\n[ext]\nsubjectAltName=DNS:secure.test\n"
          "basicConstraints=CA:FALSE\n")
    def o(*args):
        subprocess.run([OPENSSL] + list(args), cwd=d, check=True, capture_output=True)
    o("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
      "-subj", "/CN=jailinit test CA", "-config", ssl, "-addext", "basicConstraints=critical,CA:TRUE")
    o("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr",
      "-subj", "/CN=secure.test", "-config", ssl)
    o("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
      "-out", "server.pem", "-days", "2", "-extfile", ssl, "-extensions", "ext")
    os.chmod(os.path.join(d, "server.key"), 0o644)
    # a git repository, served with git's dumb HTTP protocol
    src = os.path.join(d, "src")
    os.makedirs(src)
    g = ["-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "init.defaultBranch=main"]
    subprocess.run([GIT] + g + ["init", "-q", src], check=True)
    write(d, "src/README", "a repository behind the egress proxy\n")
    subprocess.run([GIT] + g + ["-C", src, "add", "README"], check=True)
    subprocess.run([GIT] + g + ["-C", src, "commit", "-qm", "one"], check=True)
    subprocess.run([GIT] + g + ["clone", "-q", "--bare", src, os.path.join(d, "repo.git")], check=True)
    subprocess.run([GIT, "-C", os.path.join(d, "repo.git"), "update-server-info"], check=True)
    for root, dirs, files in os.walk(d):
        for x in dirs:
            os.chmod(os.path.join(root, x), 0o755)
        for x in files:
            os.chmod(os.path.join(root, x), 0o644)
    os.chmod(d, 0o1777)
    yield d
    shutil.rmtree(d, ignore_errors=True)


ENV = {"JAILINIT_RESOLV_CONF": None, "JAILINIT_HOSTS": None}


def run(jailinit, work, args, agent, env=None, timeout=90, before="", after=""):
    """The container: the internet, then jailinit ARGS -- AGENT."""
    e = {"JAILINIT_RESOLV_CONF": os.path.join(work, "resolv.conf"),
         "JAILINIT_HOSTS": os.path.join(work, "hosts")}
    e.update(env or {})
    body = INTERNET.format(bb=BB, py=PY, here=HERE) + before + jail(args, agent) + after
    return container(jailinit, work, body, timeout=timeout, env=e)


def agent(work, text):
    write(work, "agent.sh", text.replace("$W", work), 0o755)
    return f'{BB} sh "$W/agent.sh"'


def log_lines(text):
    return [line for line in text.splitlines() if line.startswith("jailinit egress:")]


# ---- allowed and refused, by each rule form --------------------------------------

def test_curl_http_and_https_through_the_proxy(jailinit, net):
    """curl as the agent: http by absolute form, https by CONNECT (the
    test's CA), both allowed by their rules; the origin saw the checked
    Host and Connection: close; one log line each, with bytes and time."""
    a = agent(net, f"""
echo "http $({CURL} -sS http://allowed.test/x 2>&1)"
echo "https $({CURL} -sS --cacert $W/ca.pem https://secure.test/y 2>&1)"
""")
    r = run(jailinit, net, "--allow allowed.test --allow secure.test:443", a)
    assert r.code == 0, r
    d = r.lines()
    assert d["http"] == "hello from 192.0.2.10 host=allowed.test path=/x connection=close", r
    assert d["https"] == "hello from 192.0.2.11 host=secure.test path=/y connection=None", r
    lines = log_lines(r.err)
    assert re.search(r" rules in force: allow: allowed.test secure.test:443; deny: \(none\)", lines[0]), r
    http = [x for x in lines if " allow allowed.test:80 " in x]
    https = [x for x in lines if " allow secure.test:443 " in x]
    assert len(http) == 1 and len(https) == 1, r
    assert "rule=allowed.test addr=192.0.2.10" in http[0] and "method=GET" in http[0], r
    assert "rule=secure.test:443 addr=192.0.2.11" in https[0] and "method=CONNECT" in https[0], r
    for x in http + https:
        m = re.search(r"bytes_up=(\d+) bytes_down=(\d+) duration_ms=(\d+)", x)
        assert m and int(m.group(1)) > 0 and int(m.group(2)) > 0, x
    r.assert_clean()


def test_each_rule_form_allowed_and_refused(jailinit, net):
    """name, *.name (not the apex), address, CIDR, ports; a refusal is a
    403 whose one line names the host, the port and the rule that would
    allow it."""
    a = agent(net, f"""
f() {{ echo "$1 $({CURL} -s -o /dev/null -w '%{{http_code}}' "$2")"; }}
f name_ok http://allowed.test/
f name_other_port http://allowed.test:8080/
f sub_ok http://a.sub.test/
f sub_deep http://deep.a.sub.test/
f sub_apex http://sub.test/
f addr_ok http://198.51.100.10/
f cidr_ok http://192.0.2.10:8080/
f cidr_out http://203.0.113.20/
f unknown http://other.test/
echo "body $({CURL} -s http://other.test/)"
echo "body_port $({CURL} -s http://allowed.test:8080/)"
""")
    r = run(jailinit, net, "--allow allowed.test --allow '*.sub.test' --allow 198.51.100.10 "
            "--allow 192.0.2.0/24:8080", a)
    assert r.code == 0, r
    d = r.lines()
    assert d["name_ok"] == "200", r
    assert d["name_other_port"] == "403", r  # a CIDR rule matches a request that names an address
    assert d["sub_ok"] == "200" and d["sub_deep"] == "200", r
    assert d["sub_apex"] == "403", r
    assert d["addr_ok"] == "200", r
    assert d["cidr_ok"] == "200", r
    assert d["cidr_out"] == "403", r
    assert d["unknown"] == "403", r
    assert d["body"] == "jailinit: other.test:80 is not allowed; --allow other.test would allow it", r
    r.assert_clean()


def test_presets_allow_their_rules_and_deny_as_exceptions(jailinit, net):
    """--allow @pypi --allow @debian --deny @npm: each preset stands for its
    documented rules (the test's DNS puts their names on the test's own
    servers): pypi.org:443 and deb.debian.org:80 reached, pypi.org:80
    refused (not in @pypi), registry.npmjs.org:443 refused by the deny
    preset, and the log and the 403 body name the rule with its preset."""
    a = agent(net, f"""
f() {{ echo "$1 $({CURL} -sk -o /dev/null -w '%{{http_code}}' "$2")"; }}
f pypi_https https://pypi.org/simple/
f pypi_http http://pypi.org/
f debian_http http://deb.debian.org/debian/
f npm_https https://registry.npmjs.org/
echo "body $({CURL} -s http://pypi.org/)"
""")
    r = run(jailinit, net, "--allow @pypi --allow @debian --deny @npm", a)
    assert r.code == 0, r
    d = r.lines()
    assert d["pypi_https"] == "200" and d["debian_http"] == "200", r
    assert d["pypi_http"] == "403", r
    assert d["npm_https"] == "000", r  # curl sees the CONNECT refused (403) and gives no code
    assert d["body"] == "jailinit: pypi.org:80 is not allowed; --allow pypi.org would allow it", r
    lines = log_lines(r.err)
    assert any(' allow pypi.org:443 ' in x and 'rule="pypi.org:443 (@pypi)"' in x for x in lines), lines
    assert any(' deny registry.npmjs.org:443 ' in x and 'rule="registry.npmjs.org:443 (@npm)"' in x
               for x in lines), lines
    r.assert_clean()


def test_deny_wins_over_allow(jailinit, net):
    a = agent(net, f"""
echo "a $({CURL} -s http://a.sub.test/)"
echo "b $({CURL} -s http://b.sub.test/ | {BB} head -c 20)"
""")
    r = run(jailinit, net, "--allow '*.sub.test' --deny a.sub.test", a)
    assert r.code == 0, r
    d = r.lines()
    assert d["a"] == "jailinit: a.sub.test:80 is refused by the rule --deny a.sub.test", r
    assert d["b"] == "hello from 203.0.113", r
    assert [x for x in log_lines(r.err) if " deny a.sub.test:80 " in x and "rule=a.sub.test" in x], r
    r.assert_clean()


def test_names_that_resolve_to_loopback_or_metadata_are_refused(jailinit, net):
    """loop.test -> 127.0.0.1 (the container's own server is there),
    meta.test -> 169.254.169.254 (a server is there too): both allowed by
    name, both refused by address; an address rule naming it lifts that."""
    a = agent(net, f"""
echo "loop $({CURL} -s -o /dev/null -w '%{{http_code}}' http://loop.test/)"
echo "loop_body $({CURL} -s http://loop.test/)"
echo "meta $({CURL} -s -o /dev/null -w '%{{http_code}}' http://meta.test/)"
echo "meta_body $({CURL} -s http://meta.test/)"
""")
    r = run(jailinit, net, "--allow loop.test --allow meta.test", a)
    assert r.code == 0, r
    d = r.lines()
    assert d["loop"] == "403" and "127.0.0.1 (loopback)" in d["loop_body"], r
    assert "own loopback" not in r.out, r
    assert d["meta"] == "403" and "169.254.169.254 (link-local" in d["meta_body"], r
    r.assert_clean()
    # a rule that names the address itself lifts the address policy
    a = agent(net, f"""
echo "meta_by_addr $({CURL} -s http://169.254.169.254/ | {BB} head -c 26)"
echo "meta_by_name $({CURL} -s -o /dev/null -w '%{{http_code}}' http://meta.test/)"
""")
    r = run(jailinit, net, "--allow 169.254.169.254:80", a)
    d = r.lines()
    assert d["meta_by_addr"] == "hello from 169.254.169.254", r
    assert d["meta_by_name"] == "403", r  # no rule allows the name
    r.assert_clean()


def test_python_urllib_and_git_clone(jailinit, net):
    write(net, "fetch.py", "import urllib.request\n"
          "print('urllib', urllib.request.urlopen('http://allowed.test/u').read().decode().strip())\n")
    a = agent(net, f"""
{PY} $W/fetch.py
cd /tmp && rm -rf egress-clone && HOME=/tmp {GIT} clone -q http://git.test/repo.git egress-clone 2>&1 && echo "git $(cat egress-clone/README)"
rm -rf /tmp/egress-clone
""")
    r = run(jailinit, net, "--allow allowed.test --allow git.test", a, env={})
    assert r.code == 0, r
    d = r.lines()
    assert d["urllib"] == "hello from 192.0.2.10 host=allowed.test path=/u connection=close", r
    assert d["git"] == "a repository behind the egress proxy", r
    r.assert_clean()


DIRECT_DNS = r"""
import errno, socket, time
q = b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00" + b"\x0bjail-direct\x04test\x00\x00\x01\x00\x01"
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(8)
t = time.monotonic()
try:
    s.connect(("203.0.113.53", 53)); s.send(q); s.recv(512); print("dns answered")
except socket.timeout:
    print("dns timeout")
except OSError as e:
    print("dns", errno.errorcode[e.errno])
print("dns_ms", int((time.monotonic() - t) * 1000))
"""


DNS_PROBE = r"""
import socket, struct, sys
def ask(transport, server, name, qtype, qid):
    q = struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 0)
    q += b"".join(bytes([len(l)]) + l.encode() for l in name.split(".")) + b"\0" + struct.pack("!HH", qtype, 1)
    if transport == "udp":
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(3)
        s.connect((server, 53)); s.send(q); r = s.recv(2048)
    else:
        s = socket.create_connection((server, 53), timeout=3)
        s.sendall(struct.pack("!H", len(q)) + q)
        n = struct.unpack("!H", s.recv(2))[0]; r = b""
        while len(r) < n:
            r += s.recv(n - len(r))
    rid, flags, qd, an = struct.unpack("!HHHH", r[:8])
    assert rid == qid
    o = 12 + len(q) - 12
    addrs = []
    for _ in range(an):
        t, c, ttl, ln = struct.unpack("!HHIH", r[o + 2:o + 12])
        if t == 1:
            addrs.append(socket.inet_ntoa(r[o + 12:o + 16]))
        o += 12 + ln
    return "rcode=%d addrs=%s" % (flags & 15, ",".join(addrs))
for i, spec in enumerate(sys.argv[1:]):
    label, transport, server, name, qtype = spec.split(",")
    try:
        print(label, ask(transport, server, name, int(qtype), 100 + i), flush=True)
    except Exception as e:
        print(label, "fail", type(e).__name__, flush=True)
"""


def test_jail_dns_answers_allowed_names_with_synthetic_addresses(jailinit, net):
    """The jail's DNS (issue 9): a query to port 53 of any address, UDP or
    TCP, is answered by jailinit: an allowed name's A is a synthetic
    address in 198.19.0.0/16, the same each time, another name's another;
    AAAA is empty; a name no rule allows is NXDOMAIN; and nothing is asked
    upstream (the test's DNS server on 203.0.113.53 logs every query it
    gets: none of the jail's). One log line per answer."""
    write(net, "dns_probe.py", DNS_PROBE)
    a = agent(net, f"""
{PY} $W/dns_probe.py a1,udp,203.0.113.53,allowed.test,1 a2,tcp,192.0.2.99,allowed.test,1 \
    a3,udp,198.18.0.1,ALLOWED.test,1 sub,udp,203.0.113.53,a.sub.test,1 aaaa,udp,203.0.113.53,allowed.test,28 \
    other,udp,203.0.113.53,other.test,1 other_tcp,tcp,203.0.113.53,other.test,1 apex,udp,198.51.100.53,sub.test,1 \
    denied,udp,203.0.113.53,b.sub.test,1 mx,udp,203.0.113.53,allowed.test,15
""")
    r = run(jailinit, net, "--allow allowed.test --allow '*.sub.test' --deny b.sub.test", a)
    assert r.code == 0, r
    d = r.lines()
    m = re.fullmatch(r"rcode=0 addrs=(198\.19\.\d+\.\d+)", d["a1"])
    assert m, r
    addr = m.group(1)
    assert d["a2"] == d["a1"] and d["a3"] == d["a1"], r  # TCP, any server, any case: the same
    assert re.fullmatch(r"rcode=0 addrs=198\.19\.\d+\.\d+", d["sub"]) and d["sub"] != d["a1"], r
    assert d["aaaa"] == "rcode=0 addrs=" and d["mx"] == "rcode=0 addrs=", r
    for k in ("other", "other_tcp", "apex", "denied"):
        assert d[k] == "rcode=3 addrs=", (k, r)
    dns_log = os.path.join(net, "dns.log")
    upstream = open(dns_log).read() if os.path.exists(dns_log) else ""
    assert upstream == "", f"the jail's queries went upstream: {upstream}"
    lines = log_lines(r.err)
    assert any(f" allow allowed.test:53 method=DNS-A rule=allowed.test addr={addr}" in x for x in lines), lines
    assert any(" deny other.test:53 method=DNS-A rule=none" in x and "NXDOMAIN" in x for x in lines), lines
    r.assert_clean()


# ---- transparent mode ------------------------------------------------------------

# The jail's resolv.conf (bind-mounted in the container's own mount
# namespace): any address; port 53 is redirected to the jail's DNS anyway.
JAIL_RESOLV = 'echo "nameserver 203.0.113.53" >"$W/jail-resolv.conf"\nmount --bind "$W/jail-resolv.conf" /etc/resolv.conf\n'

BANNER_CLIENT = r"""
import socket, sys
try:
    s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=5)
    f = s.makefile("rwb")
    hello = f.readline().decode().strip()
    f.write(b"hi there\n"); f.flush()
    print("ok", hello, "|", f.readline().decode().strip())
except OSError as e:
    print("fail", type(e).__name__)
"""


def test_transparent_any_client_by_name(jailinit, net):
    """--net transparent: no proxy settings needed. curl without a proxy
    (http and https by name), python's urllib, node's fetch, git clone, and a TCP client
    to ssh.test:22 (the server speaks first) reach the allowed hosts through
    the jail's DNS (a synthetic address mapped back to its name); a name
    with no rule gets NXDOMAIN (curl 6), an allowed name at a port its rule
    lacks is reset. Every connection is logged with the name that decided."""
    write(net, "banner.py", BANNER_CLIENT)
    a = agent(net, f"""
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY
echo "http $({CURL} -sS http://allowed.test/t 2>&1)"
echo "https $({CURL} -sS --cacert $W/ca.pem https://secure.test/t 2>&1)"
echo "urllib $({PY} -c 'import urllib.request; print(urllib.request.urlopen("http://allowed.test/u", timeout=5).read().decode().strip())' 2>&1)"
git clone -q http://git.test/repo.git $W/clone 2>&1 && echo "git $(cat $W/clone/README)"
echo "ssh $({PY} $W/banner.py ssh.test 22)"
F='fetch(process.argv[1]).then(r => r.text()).then(t => console.log(t.trim()), e => console.log("fail", String(e.cause || e)))'
# NODE_NO_WARNINGS: Debian 12's node 18 warns that fetch is experimental
echo "node_http $(NODE_NO_WARNINGS=1 {NODE} -e "$F" http://allowed.test/n 2>&1)"
echo "node_https $(NODE_NO_WARNINGS=1 NODE_EXTRA_CA_CERTS=$W/ca.pem {NODE} -e "$F" https://secure.test/n 2>&1)"
{CURL} -s -o /dev/null http://other.test/; echo "other_curl $?"
echo "ssh_port80 $({PY} $W/banner.py ssh.test 80)"
""")
    r = run(jailinit, net, "--net transparent --allow allowed.test --allow secure.test:443 --allow git.test "
            "--allow ssh.test:22", a, before=JAIL_RESOLV)
    assert r.code == 0, r
    d = r.lines()
    # relayed as it is (any protocol): nothing rewritten, unlike a proxy request
    assert d["http"] == "hello from 192.0.2.10 host=allowed.test path=/t connection=None", r
    assert d["https"] == "hello from 192.0.2.11 host=secure.test path=/t connection=None", r
    assert d["urllib"] == "hello from 192.0.2.10 host=allowed.test path=/u connection=close", r
    assert d["git"] == "a repository behind the egress proxy", r
    assert d["ssh"] == "ok SSH-2.0-jailinit-test | echo hi there", r
    # node's fetch honours no proxy variable: transparent mode is its way out
    assert d["node_http"] == "hello from 192.0.2.10 host=allowed.test path=/n connection=keep-alive", r
    assert d["node_https"] == "hello from 192.0.2.11 host=secure.test path=/n connection=keep-alive", r
    assert d["other_curl"] == "6", r  # NXDOMAIN from the jail's DNS
    assert d["ssh_port80"].startswith("fail"), r  # ssh.test's rule has port 22 only: reset
    lines = log_lines(r.err)
    assert any(" allow ssh.test:22 method=TCP rule=ssh.test:22 addr=192.0.2.12" in x for x in lines), lines
    assert any(" allow secure.test:443 method=TCP rule=secure.test:443 addr=192.0.2.11" in x for x in lines), lines
    assert any(" deny ssh.test:80 method=TCP rule=none" in x for x in lines), lines
    r.assert_clean()


def test_transparent_names_decide_not_addresses(jailinit, net):
    """An agent that picks the address itself (curl --resolve): TLS's SNI
    or HTTP's Host names the host, the name decides, and jailinit connects
    to what the name resolves to, never to the address the agent chose: an
    allowed name sent to another server reaches the allowed host's own. A
    refused name gets a 403 (HTTP) or the TLS alert access_denied; bytes
    that name nothing are reset; an address rule lets an address through."""
    a = agent(net, f"""
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY
echo "sni_moved $({CURL} -sS --cacert $W/ca.pem --resolve secure.test:443:198.51.100.10 https://secure.test/s 2>&1)"
echo "host_moved $({CURL} -sS --resolve allowed.test:80:203.0.113.20 http://allowed.test/h 2>&1)"
echo "host_refused $({CURL} -s --resolve other.test:80:192.0.2.10 http://other.test/ 2>&1)"
{CURL} -sS --cacert $W/ca.pem --resolve other.test:443:192.0.2.11 https://other.test/ >/dev/null 2>$W/tls.err; echo "tls_refused $?"
echo "tls_alert $(grep -c 'access denied' $W/tls.err)"
echo "raw $({PY} -c '
import socket
s = socket.create_connection(("203.0.113.20", 80), timeout=5); s.sendall(b"\x00\x01binary")
try:
    print("got", s.recv(100))
except OSError as e:
    print("fail", type(e).__name__)
')"
echo "addr_rule $({CURL} -sS http://198.51.100.10/a 2>&1)"
""")
    r = run(jailinit, net, "--net transparent --allow allowed.test --allow secure.test:443 "
            "--allow 198.51.100.10:80", a, before=JAIL_RESOLV)
    assert r.code == 0, r
    d = r.lines()
    assert d["sni_moved"] == "hello from 192.0.2.11 host=secure.test path=/s connection=None", r
    assert d["host_moved"] == "hello from 192.0.2.10 host=allowed.test path=/h connection=close", r
    assert d["host_refused"] == "jailinit: other.test:80 is not allowed; --allow other.test would allow it", r
    assert d["tls_refused"] == "35", r  # curl: SSL connect error
    assert d["tls_alert"] == "1", open(os.path.join(net, "tls.err")).read()
    assert d["raw"] in ("fail ConnectionResetError", "got b''"), r
    assert d["addr_rule"] == "hello from 198.51.100.10 host=198.51.100.10 path=/a connection=None", r
    lines = log_lines(r.err)
    assert any(" allow secure.test:443 method=TLS rule=secure.test:443 addr=192.0.2.11" in x for x in lines), lines
    assert any(" deny other.test:443 method=TLS rule=none" in x for x in lines), lines
    r.assert_clean()


def test_around_the_proxy_fails_at_once(jailinit, net):
    """Fail fast (issue 9): a tool that goes around the proxy gets "connection
    refused" from the table at once (curl exit 7, not its timeout's 28), and
    a DNS query the jail sends to a server of the internet for a name no
    rule allows is answered at once by the jail's DNS (NXDOMAIN) instead of
    waiting for an answer that never comes. Closed all the same: the test's
    DNS server never saw the query. (Without jailinit's DNS, the table
    answers such a query with ICMP admin-prohibited: test_netlink.)"""
    write(net, "direct_dns.py", DIRECT_DNS)
    a = agent(net, f"""
{CURL} -s -m 8 --noproxy '*' -o /dev/null http://192.0.2.10/; echo "direct_http $?"
{CURL} -s -m 8 --noproxy '*' -o /dev/null http://198.18.0.1:8080/; echo "outer_port $?"
{PY} $W/direct_dns.py
""")
    r = run(jailinit, net, "--allow allowed.test", a)
    assert r.code == 0, r
    d = r.lines()
    assert d["direct_http"] == "7", r  # couldn't connect: refused, not curl's timeout (28)
    assert d["outer_port"] == "7", r
    assert d["dns"] == "answered", r
    assert int(d["dns_ms"]) < 8000, r
    dns_log = os.path.join(net, "dns.log")
    assert "jail-direct.test" not in (open(dns_log).read() if os.path.exists(dns_log) else ""), r
    r.assert_clean()


def test_second_request_on_one_connection_goes_nowhere_else(jailinit, net):
    """Two requests on one client connection, the second for another
    (allowed) host: only the first is forwarded; the other host's server
    sees nothing and the client one answer."""
    write(net, "two.py", r"""
import socket
s = socket.create_connection(("198.18.0.1", 3128), timeout=10)
s.sendall(b"GET http://allowed.test/first HTTP/1.1\r\nHost: allowed.test\r\n\r\n"
          b"GET http://other.test/second HTTP/1.1\r\nHost: other.test\r\n\r\n")
data = b""
while True:
    b = s.recv(65536)
    if not b:
        break
    data += b
print("responses", data.count(b"HTTP/1."))
print("first", b"path=/first" in data)
print("second", b"path=/second" in data)
""")
    r = run(jailinit, net, "--allow allowed.test --allow other.test", f"{PY} $W/two.py")
    assert r.code == 0, r
    d = r.lines()
    assert d == {"responses": "1", "first": "True", "second": "False"}, r
    log = open(os.path.join(net, "http.log")).read()
    assert "GET allowed.test /first" in log and "other.test" not in log, log
    r.assert_clean()


def test_slowloris_and_header_flood_cut_off_while_others_are_served(jailinit, net):
    write(net, "abuse.py", r"""
import socket, time, threading, subprocess
out = {}
def slow():
    s = socket.create_connection(("198.18.0.1", 3128), timeout=10)
    s.sendall(b"GET http://allowed.test/ HTTP/1.1\r\n")
    t = time.time()
    try:
        d = s.recv(4096)
    except OSError as e:
        d = repr(e).encode()
    out["slow"] = "%s after %.1fs" % (d.split(b"\r\n")[0].decode(), time.time() - t)
def flood():
    s = socket.create_connection(("198.18.0.1", 3128), timeout=10)
    try:
        s.sendall(b"GET http://allowed.test/ HTTP/1.1\r\n" + b"X-A: " + b"a" * 20000 + b"\r\n\r\n")
    except OSError:
        pass
    out["flood"] = s.recv(4096).split(b"\r\n")[0].decode()
ts = [threading.Thread(target=f) for f in (slow, flood)]
for t in ts: t.start()
time.sleep(0.2)
out["normal"] = subprocess.run(["CURL", "-s", "http://allowed.test/n"], capture_output=True, text=True).stdout.strip()
for t in ts: t.join()
for k in ("slow", "flood", "normal"):
    print(k, out[k])
""".replace("CURL", CURL))
    r = run(jailinit, net, "--allow allowed.test", f"{PY} $W/abuse.py",
            env={"JAILINIT_EGRESS_LIMITS": "header_ms=1500"})
    assert r.code == 0, r
    d = r.lines()
    assert d["normal"].startswith("hello from 192.0.2.10"), r
    assert d["flood"] == "HTTP/1.1 431 Request Header Fields Too Large", r
    m = re.match(r"HTTP/1.1 408 Request Timeout after (\d+\.\d)s", d["slow"])
    assert m and 1.0 <= float(m.group(1)) <= 5.0, r
    r.assert_clean()


def test_proxy_killed_mid_transfer_is_restarted(jailinit, net):
    """A transfer under way when the proxy is SIGKILLed fails; jailinit
    restarts the proxy and the next connection works."""
    a = agent(net, f"""
{CURL} -s -o /dev/null -w '%{{size_download}}' http://allowed.test/slow > $W/slow.out 2>&1 &
c=$!
{BB} usleep 500000
echo go > $W/kill.now
i=0; while [ ! -e $W/killed ] && [ $i -lt 200 ]; do {BB} usleep 20000; i=$((i+1)); done
wait $c; echo "slow_rc $?"
i=0; while [ $i -lt 100 ]; do
  out=$({CURL} -s http://allowed.test/after) && [ -n "$out" ] && break
  {BB} usleep 50000; i=$((i+1))
done
echo "after $out"
""")
    killer = r"""
( i=0; while [ ! -e "$W/kill.now" ] && [ $i -lt 500 ]; do busybox usleep 20000; i=$((i+1)); done
  for p in /proc/[0-9]*; do
    if grep -q "^Uid:.65533" $p/status 2>/dev/null; then kill -9 ${p#/proc/}; fi
  done
  echo done > "$W/killed" ) &
"""
    r = run(jailinit, net, "--allow allowed.test", a, before=killer)
    assert r.code == 0, r
    d = r.lines()
    assert d["slow_rc"] != "0", r
    assert d["after"].startswith("hello from 192.0.2.10"), r
    assert "the proxy died (signal 9); restarting it" in r.err, r
    r.assert_clean()


def test_json_log_and_audit_file(jailinit, net):
    a = agent(net, f"""
{CURL} -s -o /dev/null http://allowed.test/
{CURL} -s -o /dev/null http://other.test/
""")
    r = run(jailinit, net, "--log-format=json --audit-log $W/audit.log --allow allowed.test", a)
    assert r.code == 0, r
    assert not log_lines(r.err) and '"event":"egress"' not in r.err, r
    lines = [json.loads(x) for x in open(os.path.join(net, "audit.log")).read().splitlines()]
    assert lines[0]["event"] == "rules" and lines[0]["allow"] == ["allowed.test"] and lines[0]["deny"] == [], lines
    ok = [x for x in lines if x.get("verdict") == "allow"]
    no = [x for x in lines if x.get("verdict") == "deny"]
    assert len(ok) == 1 and len(no) == 1, lines
    assert ok[0]["host"] == "allowed.test" and ok[0]["port"] == 80 and ok[0]["rule"] == "allowed.test", ok
    assert ok[0]["addr"] == "192.0.2.10" and ok[0]["bytes_up"] > 0 and ok[0]["bytes_down"] > 0, ok
    assert isinstance(ok[0]["duration_ms"], int) and ok[0]["reason"] is None, ok
    assert no[0]["host"] == "other.test" and no[0]["rule"] is None and no[0]["reason"], no
    r.assert_clean()


def test_open_tunnels_are_logged_when_the_proxy_is_stopped(jailinit, net):
    """A relay still open when jailinit stops (SIGTERM to jailinit while the
    agent holds a CONNECT tunnel to a server that never closes, not even
    after the client's half-close) is logged, "the proxy was stopped",
    before the proxy ends: no decision is missing from the audit log."""
    write(net, "tunnel.py", """
import os, socket, sys, time
host, port = os.environ["HTTPS_PROXY"].rsplit("/", 1)[-1].split(":")
s = socket.create_connection((host, int(port)), timeout=5)
s.sendall(b"CONNECT allowed.test:9000 HTTP/1.1\\r\\nHost: allowed.test:9000\\r\\n\\r\\n")
print("tunnel", s.recv(200).split(b"\\r\\n")[0].decode(), flush=True)
open(sys.argv[1], "w").write("open")
time.sleep(30)
""")
    killer = (f'( i=0; while [ ! -e "$W/tunnel.open" ] && [ $i -lt 300 ]; do {BB} usleep 20000; i=$((i+1)); done; '
              f'kill -TERM $(for p in /proc/[0-9]*; do [ "$(cat $p/comm 2>/dev/null)" = jailinit ] '
              f'&& echo ${{p#/proc/}}; done | {BB} sort -n | {BB} head -n 1) ) &\n')
    r = run(jailinit, net, "--audit-log $W/audit.log --allow allowed.test:9000", f"{PY} $W/tunnel.py $W/tunnel.open",
            before=killer)
    assert r.code == 143, r  # the agent ended by the SIGTERM jailinit passed on
    assert r.lines()["tunnel"] == "HTTP/1.1 200 Connection established", r
    lines = log_lines(open(os.path.join(net, "audit.log")).read())
    tunnel = [x for x in lines if " allow allowed.test:9000 " in x and "method=CONNECT" in x]
    assert len(tunnel) == 1, f"{lines}\n{r}"
    assert "the proxy was stopped" in tunnel[0], tunnel
    r.assert_clean()


# ---- options ----------------------------------------------------------------------

@pytest.mark.parametrize("args,msg", [
    ("--allow a.test --proxy-port 3128 --proxy /bin/true", "choose one"),
    ("--allow 'bad host!'", "'bad host!'"),
    ("--allow a.test:0", "'a.test:0'"),
    ("--net none --allow a.test", "--net"),
    ("--deny a.test", "needs --allow"),
])
def test_usage_errors(jailinit, args, msg):
    r = subprocess.run(["sh", "-c", f"{jailinit} {args} -- /bin/true"], capture_output=True, text=True, timeout=10)
    assert r.returncode == 64, r
    assert msg in r.stderr, r


def test_env_and_allow_file_and_check(jailinit, tmp_path):
    f = tmp_path / "rules"
    f.write_text("# agents' hosts\nfile.test:22,443  # ssh and https\n\n*.file.test\n")
    env = dict(os.environ, JAILINIT_ALLOW="env.test, github.test:22,443")
    r = subprocess.run([jailinit, "check", "--allow", "cli.test", "--allow-file", str(f), "--deny", "x.file.test"],
                       capture_output=True, text=True, env=env, timeout=60)
    rules = [x for x in r.stdout.splitlines() if x.startswith("egress:")]
    assert rules == ["egress: allow cli.test", "egress: allow env.test", "egress: allow github.test:22,443",
                     "egress: allow file.test:22,443", "egress: allow *.file.test", "egress: deny  x.file.test"], r
    dns = [x for x in r.stdout.splitlines() if x.startswith("dns:")]
    assert len(dns) == 1 and "answered by jailinit at 198.18.0.1:1053" in dns[0] and "NXDOMAIN" in dns[0], r
    f.write_text("ok.test\nbad:port:x\n")
    r = subprocess.run([jailinit, "--allow-file", str(f), "--", "/bin/true"], capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 64 and "bad:port:x" in r.stderr and ":2" in r.stderr, r
