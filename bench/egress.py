"""make bench, the egress part (issue 9): jailinit's own proxy side by side
with a direct connection and with tinyproxy, all on loopback, in the network
namespace bench/run.sh made (nothing leaves it).

  python3 bench/egress.py /abs/jailinit TOOLS_DIR OUT.md

* one CONNECT stream: MiB/s of 1 GiB sent by a server through the proxy;
* connections: CONNECT + a 1-byte echo, 8 and 64 clients at once, for a few
  seconds each: connections per second and the p50/p99 of one connection
  (connect, CONNECT, 200, 1 byte there and back, close);
* the proxy's RSS with 1,000 idle relayed connections;
* transparent mode: the same connections made by the agent inside a
  `--net transparent` jail to the link's outer end (198.18.0.1, where an
  echo server listens on 0.0.0.0), redirected to jailinit's proxy and
  relayed (an address rule names it); compared with the same clients run
  in the bench's netns straight to that server;
* the jail's DNS: p50/p99 of one UDP query and its answer (an allowed
  name's synthetic address, and NXDOMAIN for another), 5,000 each, one at
  a time, asked from Python at the DNS port of the link's outer end.

The connection clients and the echo server are tests/tools/egressbench
(C, threads, epoll); the stream's reader is Python (recv_into), the same
for all three ways. jailinit
runs `--allow 127.0.0.1:PORT` (an address rule lifts the loopback policy)
with a sleeping agent; its proxy listens on the jail link's outer end,
198.18.0.1:3128, reached here directly."""
import multiprocessing as mp
import os
import socket
import subprocess
import sys
import tempfile
import time

JI, TOOLS, OUT = sys.argv[1], sys.argv[2], sys.argv[3]
EB = os.path.join(TOOLS, "egressbench")
ECHO_PORT, STREAM_PORT, TINY_PORT = 19001, 19002, 18888
ANY_ECHO_PORT = 19003  # on 0.0.0.0: what the transparent jail's agent reaches
DNS_PORT = 1053  # the jail's DNS on the outer end (docs/egress.md)
OURS = ("198.18.0.1", 3128)
TINY = ("127.0.0.1", TINY_PORT)
STREAM_BYTES = 1 << 30


def servers():
    def stream():
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", STREAM_PORT))
        s.listen(16)
        buf = b"s" * (1 << 20)
        while True:
            c, _ = s.accept()
            left = STREAM_BYTES
            while left > 0:
                n = c.send(buf if left >= len(buf) else buf[:left])
                left -= n
            c.close()
    import signal
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    p = mp.Process(target=stream, daemon=True)
    p.start()
    return subprocess.Popen([EB, "serve", str(ECHO_PORT)])


def open_conn(via, port):
    if via is None:
        s = socket.create_connection(("127.0.0.1", port))
    else:
        s = socket.create_connection(via)
        s.sendall(b"CONNECT 127.0.0.1:%d HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n\r\n" % (port, port))
        head = b""
        while b"\r\n\r\n" not in head:
            d = s.recv(4096)
            if not d:
                raise OSError("proxy closed")
            head += d
        if b" 200 " not in head.split(b"\r\n")[0]:
            raise OSError(head.split(b"\r\n")[0].decode())
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def stream_mibs(via):
    s = open_conn(via, STREAM_PORT)
    buf = bytearray(1 << 20)
    got = 0
    t = time.perf_counter()
    while True:
        n = s.recv_into(buf)
        if n == 0:
            break
        got += n
    dt = time.perf_counter() - t
    s.close()
    return got / dt / (1 << 20)


def conns(via, k, seconds=3.0):
    addr, port = via if via else ("-", "-")
    r = subprocess.run([EB, "conns", addr, str(port), str(ECHO_PORT), str(k), str(seconds)],
                       capture_output=True, text=True, check=True)
    rate, p50, p99, failed = r.stdout.split()
    if int(failed):
        raise SystemExit(f"egressbench: {failed} connections failed through {via}")
    return float(rate), float(p50) / 1e3, float(p99) / 1e3


def dns_latency(name, n=5000):
    """p50, p99 (µs) of one query and its answer, sent one at a time."""
    q = (b"\x00\x01\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00"
         + b"".join(bytes([len(x)]) + x.encode() for x in name.split(".")) + b"\x00\x00\x01\x00\x01")
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(2)
    s.connect((OURS[0], DNS_PORT))
    took = []
    for _ in range(n):
        t = time.perf_counter_ns()
        s.send(q)
        s.recv(512)
        took.append(time.perf_counter_ns() - t)
    s.close()
    took.sort()
    return took[len(took) // 2] / 1000, took[len(took) * 99 // 100] / 1000


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1


def proxy_pid(parent):
    for p in os.listdir("/proc"):
        if p.isdigit():
            try:
                st = open(f"/proc/{p}/status").read()
            except OSError:
                continue
            if f"\nPPid:\t{parent}\n" in st and "\nUid:\t65533" in st:
                return int(p)
    return None


def main():
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    # This netns's own sysctl (run.sh made it): reuse TIME_WAIT ports for
    # new connections to any address, as Linux does for 127/8 by default;
    # without it the clients' ports to 198.18.0.1 run out within seconds.
    with open("/proc/sys/net/ipv4/tcp_tw_reuse", "w") as f:
        f.write("1")
    echo = servers()
    time.sleep(0.3)
    tmp = tempfile.mkdtemp(prefix="jailinit-bench-egress-")
    conf = os.path.join(tmp, "tinyproxy.conf")
    with open(conf, "w") as f:
        f.write(f"Port {TINY_PORT}\nListen 127.0.0.1\nTimeout 60\nLogLevel Error\nMaxClients 200\n"
                "Allow 127.0.0.1\nConnectPort 19001\nConnectPort 19002\nDisableViaHeader Yes\n")
    tiny = subprocess.Popen(["/usr/bin/tinyproxy", "-d", "-c", conf], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    ji = subprocess.Popen([JI, "--allow", f"127.0.0.1:{ECHO_PORT},{STREAM_PORT}", "--allow", "dns.bench.test",
                           "--audit-log", os.path.join(tmp, "audit.log"), "--", "/bin/sleep", "1000"],
                          stdout=subprocess.DEVNULL, stderr=open(os.path.join(tmp, "ji.err"), "w"),
                          env=dict(os.environ, JAILINIT_EGRESS_LIMITS="conns=1100"))
    for _ in range(200):
        try:
            socket.create_connection(OURS, timeout=0.2).close()
            socket.create_connection(TINY, timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    any_echo = None
    try:
        ways = [("direct", None), ("jailinit", OURS), ("tinyproxy", TINY)]
        rows = {}
        for name, via in ways:
            rows[name] = {"stream": stream_mibs(via)}
            for k in (8, 64):
                rows[name][k] = conns(via, k)
        dns_ok = dns_latency("dns.bench.test")
        dns_nx = dns_latency("other.bench.test")
        # RSS with 1,000 idle relayed connections
        pid = proxy_pid(ji.pid)
        rss0 = rss_kib(pid) if pid else -1
        idle = [open_conn(OURS, ECHO_PORT) for _ in range(1000)]
        time.sleep(0.5)
        rss1 = rss_kib(pid) if pid else -1
        for s in idle:
            s.close()
        ji.terminate()
        tiny.terminate()
        ji.wait()
        tiny.wait()
        echo.kill()
        echo.wait()
        # transparent: the clients are the agent, inside the jail (one jail at a time)
        any_echo = subprocess.Popen([EB, "serve", str(ANY_ECHO_PORT), "any"])
        time.sleep(0.2)
        trans = {}
        for k in (8, 64):
            r = subprocess.run([JI, "--net", "transparent", "--allow", f"198.18.0.1:{ANY_ECHO_PORT}", "--",
                                EB, "conns", "198.18.0.1", "-", str(ANY_ECHO_PORT), str(k), "3"],
                               capture_output=True, text=True, timeout=60)
            rate, p50, p99, failed = r.stdout.split()
            trans[k] = (float(rate), float(p50) / 1000, float(p99) / 1000, int(failed))
        # the same clients without the jail, to a server that stays on the host side
        r = subprocess.run(["ip", "addr", "add", "198.18.0.1/32", "dev", "lo"], check=True)
        base = {}
        for k in (8, 64):
            r = subprocess.run([EB, "conns", "198.18.0.1", "-", str(ANY_ECHO_PORT), str(k), "3"],
                               capture_output=True, text=True, timeout=60)
            rate, p50, p99, failed = r.stdout.split()
            base[k] = (float(rate), float(p50) / 1000, float(p99) / 1000, int(failed))
        subprocess.run(["ip", "addr", "del", "198.18.0.1/32", "dev", "lo"], check=True)
        any_echo.kill()
        any_echo.wait()
    finally:  # nothing left in the bench's netns, whatever failed
        for p in (ji, tiny, echo) + ((any_echo,) if any_echo else ()):
            if p.poll() is None:
                p.kill()
                p.wait()
    size = os.stat(JI).st_size

    d = rows["direct"]
    lines = ["## Egress proxy (issue 9): jailinit --allow vs direct vs tinyproxy, loopback", "",
             "| way | 1 stream MiB/s | x direct | conns/s @8 | p50 ms | p99 ms | conns/s @64 | p50 ms | p99 ms |",
             "|---|---|---|---|---|---|---|---|---|"]
    for name, _ in ways:
        r = rows[name]
        lines.append(f"| {name} | {r['stream']:.0f} | {r['stream'] / d['stream']:.2f} | {r[8][0]:.0f} | "
                     f"{r[8][1]:.2f} | {r[8][2]:.2f} | {r[64][0]:.0f} | {r[64][1]:.2f} | {r[64][2]:.2f} |")
    j, t = rows["jailinit"], rows["tinyproxy"]
    lines += ["",
              f"jailinit / tinyproxy: stream {j['stream'] / t['stream']:.2f}x, connections @8 "
              f"{j[8][0] / t[8][0]:.2f}x, @64 {j[64][0] / t[64][0]:.2f}x; jailinit / direct: connections @8 "
              f"{j[8][0] / d[8][0]:.2f}x, @64 {j[64][0] / d[64][0]:.2f}x.",
              f"jailinit's proxy RSS: {rss0} KiB idle, {rss1} KiB with 1,000 idle relayed connections "
              f"({(rss1 - rss0) * 1024 / 1000:.0f} bytes each). Binary: {size} bytes.",
              "Connections: tests/tools/egressbench (C threads; connect, CONNECT, 1 byte echoed, close), 3 s each; "
              "the connection table (1,024 slots) is allocated at start, header buffers only while in use.",
              "",
              "| transparent mode | conns/s @8 | p50 ms | p99 ms | conns/s @64 | p50 ms | p99 ms |",
              "|---|---|---|---|---|---|---|",
              f"| direct (no jail) | {base[8][0]:.0f} | {base[8][1]:.2f} | {base[8][2]:.2f} | {base[64][0]:.0f} | "
              f"{base[64][1]:.2f} | {base[64][2]:.2f} |",
              f"| jailinit --net transparent | {trans[8][0]:.0f} | {trans[8][1]:.2f} | {trans[8][2]:.2f} | "
              f"{trans[64][0]:.0f} | {trans[64][1]:.2f} | {trans[64][2]:.2f} |",
              "",
              f"transparent / direct: connections @8 {trans[8][0] / base[8][0]:.2f}x, @64 "
              f"{trans[64][0] / base[64][0]:.2f}x (the agent's connections, redirected by the table, decided by "
              f"an address rule, relayed by the proxy; failed: {trans[8][3]} and {trans[64][3]}).",
              f"The jail's DNS, one UDP query at a time from Python (its own cost included), each answer "
              f"logged to a file: allowed name p50 {dns_ok[0]:.0f} µs, p99 {dns_ok[1]:.0f} µs; NXDOMAIN p50 "
              f"{dns_nx[0]:.0f} µs, p99 {dns_nx[1]:.0f} µs (target: p99 ≤ 100 µs).", ""]
    text = "\n".join(lines)
    print(text)
    with open(OUT, "a") as f:
        f.write(text + "\n")


if __name__ == "__main__":
    main()
