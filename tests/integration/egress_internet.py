"""The test's "internet" (tests/integration/test_egress.py): every server
the egress tests reach, in one process run inside the internet's own network
namespace. argv: WORKDIR. Writes WORKDIR/internet.ready once every socket is
bound; logs each HTTP request to WORKDIR/http.log ("ADDR METHOD HOST PATH")
and each DNS query to WORKDIR/dns.log ("QNAME QTYPE").

  HTTP   on 192.0.2.10, 198.51.100.10, 203.0.113.20, 169.254.169.254 :80
         and 192.0.2.10:8080; GET /slow trickles for 30 s; GET /big is
         1 MiB; POST echoes the body's length; /repo.git/... serves the
         directory WORKDIR/repo.git (git's dumb HTTP protocol)
  HTTPS  on 192.0.2.11:443 (WORKDIR/server.pem, made by the test's CA)
  DNS    on 203.0.113.53:53, udp and tcp, from WORKDIR/zone ("NAME ADDR" lines)
  BANNER on 192.0.2.12:22, ssh-like: the server speaks first
         ("SSH-2.0-jailinit-test"), then echoes one line back
"""
import os
import socket
import socketserver
import ssl
import struct
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

W = sys.argv[1]
LOCK = threading.Lock()


def log(name, line):
    with LOCK, open(os.path.join(W, name), "a") as f:
        f.write(line + "\n")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def reply(self, body, ctype="text/plain"):
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        me = self.connection.getsockname()[0]
        log("http.log", f"{me} GET {self.headers.get('Host')} {self.path}")
        if self.path.startswith("/repo.git/"):
            p = os.path.normpath(os.path.join(W, self.path.lstrip("/").split("?")[0]))
            if not p.startswith(os.path.join(W, "repo.git")) or not os.path.isfile(p):
                self.send_error(404)
                return
            with open(p, "rb") as f:
                self.reply(f.read(), "application/octet-stream")
            return
        if self.path == "/slow":
            self.send_response(200)
            self.send_header("Content-Length", "600")
            self.end_headers()
            for _ in range(600):
                self.wfile.write(b"x")
                self.wfile.flush()
                time.sleep(0.05)
            return
        if self.path == "/big":
            self.reply(b"b" * (1 << 20))
            return
        self.reply(f"hello from {me} host={self.headers.get('Host')} path={self.path} "
                   f"connection={self.headers.get('Connection')}\n".encode())

    def do_POST(self):
        me = self.connection.getsockname()[0]
        n = int(self.headers.get("Content-Length", "0"))
        data = self.rfile.read(n)
        log("http.log", f"{me} POST {self.headers.get('Host')} {self.path}")
        self.reply(f"got {len(data)} bytes\n".encode())


def http(addr, port, tls=False):
    srv = ThreadingHTTPServer((addr, port), Handler)
    srv.daemon_threads = True
    if tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(os.path.join(W, "server.pem"), os.path.join(W, "server.key"))
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    threading.Thread(target=srv.serve_forever, daemon=True).start()


ZONE = {}
with open(os.path.join(W, "zone")) as f:
    for line in f:
        if line.strip():
            n, a = line.split()
            ZONE.setdefault(n.lower().rstrip("."), []).append(a)


def dns_answer(q):
    qid, flags, qd = struct.unpack("!HHH", q[:6])
    o = 12
    labels = []
    while q[o]:
        labels.append(q[o + 1:o + 1 + q[o]].decode())
        o += 1 + q[o]
    qname = ".".join(labels).lower()
    qtype = struct.unpack("!H", q[o + 1:o + 3])[0]
    question = q[12:o + 5]
    log("dns.log", f"{qname} {qtype}")
    addrs = ZONE.get(qname)
    rcode = 0 if addrs else 3
    ans = b""
    if addrs and qtype == 1:
        for a in addrs:
            ans += b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 60, 4) + socket.inet_aton(a)
    n = len(addrs) if addrs and qtype == 1 else 0
    return struct.pack("!HHHHHH", qid, 0x8180 | rcode, 1, n, 0, 0) + question + ans


def dns_udp():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("203.0.113.53", 53))

    def loop():
        while True:
            q, a = s.recvfrom(2048)
            try:
                s.sendto(dns_answer(q), a)
            except Exception:
                pass
    threading.Thread(target=loop, daemon=True).start()


class DnsTcp(socketserver.BaseRequestHandler):
    def handle(self):
        n = struct.unpack("!H", self.request.recv(2))[0]
        q = self.request.recv(n)
        r = dns_answer(q)
        self.request.sendall(struct.pack("!H", len(r)) + r)


def hold(addr, port):
    """Accepts, answers nothing, and keeps every connection open even after
    the client's half-close: a relay to it ends only when the proxy does."""
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port))
    s.listen(16)
    held = []

    def loop():
        while True:
            c, _ = s.accept()
            held.append(c)
    threading.Thread(target=loop, daemon=True).start()


def banner(addr, port):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port))
    s.listen(16)

    def serve(c):
        with c:
            c.sendall(b"SSH-2.0-jailinit-test\r\n")
            line = c.makefile("rb").readline()
            c.sendall(b"echo " + line)

    def loop():
        while True:
            c, _ = s.accept()
            threading.Thread(target=serve, args=(c,), daemon=True).start()
    threading.Thread(target=loop, daemon=True).start()


for a in ("192.0.2.10", "198.51.100.10", "203.0.113.20", "169.254.169.254"):
    http(a, 80)
hold("192.0.2.10", 9000)
banner("192.0.2.12", 22)
http("192.0.2.10", 8080)
http("192.0.2.11", 443, tls=True)
dns_udp()
tcp = socketserver.ThreadingTCPServer(("203.0.113.53", 53), DnsTcp)
threading.Thread(target=tcp.serve_forever, daemon=True).start()
open(os.path.join(W, "internet.ready"), "w").write("ready")
while True:
    time.sleep(3600)
