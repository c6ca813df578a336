#!/usr/bin/python3
"""make bench: whole-process figures of jailinit against tini, tini-static,
dumb-init, catatonit (and, for the jail, `unshare -Urn` and the exec way).

    bench/bench.py JAILINIT TOOLS_DIR OUT_MD

Called by bench/run.sh (which checks the prerequisites and builds the tools).
Prints one markdown report on stdout and writes it to OUT_MD; progress goes
to stderr. Every figure is a median measured in this one run, next to the
reference tools measured in the same run; nothing here asserts a time.

Knobs (environment): BENCH_QUICK=1 (few runs, to check the harness),
BENCH_ORPHANS (default 10000), BENCH_PROXY_PORT (default 3128).
The whole bench runs in a network namespace of its own (run.sh starts it
under `unshare --net`), and section 6 in a further one made for it; both are
gone when the bench ends.
"""
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
QUICK = os.environ.get("BENCH_QUICK") == "1"
NORPHANS = int(os.environ.get("BENCH_ORPHANS", "10000"))
PORT = int(os.environ.get("BENCH_PROXY_PORT", "3128"))
NA = "n/a (not supported by this build)"


def log(*a):
    print("bench:", *a, file=sys.stderr, flush=True)


def run(argv, **kw):
    kw.setdefault("stdout", subprocess.PIPE)
    kw.setdefault("stderr", subprocess.PIPE)
    kw.setdefault("text", True)
    kw.setdefault("timeout", 120)
    return subprocess.run(argv, **kw)


def med(xs):
    return statistics.median(xs) if xs else None


def ms(ns, nd=2):
    return "–" if ns is None else f"{ns / 1e6:.{nd}f}"


def ratio(a, b, nd=2):
    return "–" if a is None or not b else f"{a / b:.{nd}f}x"


def table(head, rows):
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(out)


# ---- startlat: interleaved rounds ------------------------------------------
def startlat(tools, argv, n, warm, env=None, flags=()):
    """n measured runs of argv under startlat -r: [(lat, tot, rss)], fails."""
    p = run([os.path.join(tools, "startlat"), "-r", "-n", str(n), "-w", str(warm)] + list(flags) + ["--"]
            + argv, timeout=600, env=env)
    ok, fails = [], []
    for line in p.stdout.splitlines():
        f = line.split()
        if f and f[0] == "fail":
            fails.append(int(f[1]))
        elif len(f) == 3:
            ok.append(tuple(int(x) for x in f))
    return ok, fails


def interleaved(tools, cmds, rounds, env=None):
    """cmds: {name: (argv, runs_per_round, warmup[, startlat flags])}. Rounds
    alternate the commands so that a slow moment of the machine hits them all
    alike."""
    res = {k: {"ok": [], "fails": []} for k in cmds}
    for r in range(rounds):
        for name, (argv, n, warm, *flags) in cmds.items():
            ok, fails = startlat(tools, argv, n, warm if r == 0 else 1, env=env,
                                 flags=flags[0] if flags else ())
            res[name]["ok"] += ok
            res[name]["fails"] += fails
    for v in res.values():
        v["lat"] = med([x[0] for x in v["ok"]])
        v["tot"] = med([x[1] for x in v["ok"]])
        v["rss"] = med([x[2] for x in v["ok"]])
        v["n"] = len(v["ok"])
    return res


# ---- helpers about binaries ------------------------------------------------
def elf_linkage(path):
    """'static' or 'dynamic' from the ELF program headers (PT_INTERP)."""
    try:
        with open(path, "rb") as f:
            h = f.read(64)
            if h[:4] != b"\x7fELF" or h[4] != 2:
                return "?"
            phoff = int.from_bytes(h[32:40], "little")
            phentsize = int.from_bytes(h[54:56], "little")
            phnum = int.from_bytes(h[56:58], "little")
            f.seek(phoff)
            ph = f.read(phentsize * phnum)
        for i in range(phnum):
            if int.from_bytes(ph[i * phentsize:i * phentsize + 4], "little") == 3:
                return "dynamic"
        return "static"
    except OSError:
        return "?"


def ctx_switches(pid):
    v = nv = 0
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("voluntary_ctxt_switches"):
                v = int(line.split()[1])
            elif line.startswith("nonvoluntary_ctxt_switches"):
                nv = int(line.split()[1])
    with open(f"/proc/{pid}/stat") as f:
        st = f.read().rsplit(")", 1)[1].split()
    cpu = int(st[11]) + int(st[12])  # utime + stime, clock ticks
    return v + nv, cpu


# ---- the sections ----------------------------------------------------------
def inits(ji, host_args):
    """name -> argv prefix that runs the rest as the init's child."""
    return {
        "jailinit": [ji] + host_args,
        "tini-static": ["tini-static", "--"],
        "tini": ["tini", "--"],
        "dumb-init": ["dumb-init"],
        "catatonit": ["catatonit", "--"],
    }


def sec_hyperfine(ji, host_args, tmp):
    rounds, runs = (2, 30) if QUICK else (4, 100)
    names = ["true"] + list(inits(ji, host_args))
    cmds = {"true": "true"}
    cmds.update({k: " ".join(v + ["true"]) for k, v in inits(ji, host_args).items()})
    log(f"1/6 hyperfine ({rounds} rounds x {runs} runs each)")
    times = {k: [] for k in names}
    for r in range(rounds):
        out = os.path.join(tmp, f"hf{r}.json")
        argv = ["hyperfine", "-N", "--style", "none", "--warmup", "30" if r == 0 else "5",
                "--runs", str(runs), "--export-json", out]
        for k in names:
            argv += ["-n", k, cmds[k]]
        p = run(argv, timeout=600)
        if p.returncode != 0:
            return f"hyperfine failed: {p.stderr.strip()[:300]}", {}
        for res in json.load(open(out))["results"]:
            times[res["command"]] += res["times"]
    medians = {k: med(v) for k, v in times.items()}
    ref = medians["tini-static"]
    rows = []
    for k in names:
        t = sorted(times[k])
        rows.append([k, f"`{cmds[k]}`", f"{medians[k] * 1e3:.2f}",
                     f"{t[len(t) // 10] * 1e3:.2f} – {t[(len(t) - 1) * 9 // 10] * 1e3:.2f}",
                     ratio(medians[k], ref)])
    txt = (f"hyperfine `-N` (no shell), {rounds} rounds of {runs} runs of every command (30 warm-up runs "
           "first), all run times pooled: median and p10–p90.\n"
           "Reference on these machines: true 0.6 ms, tini-static 1.5, tini 1.7, dumb-init 1.7, catatonit 1.5.\n\n"
           + table(["", "command", "median ms", "p10 – p90 ms", "vs tini-static"], rows))
    return txt, medians


def sec_startlat(ji, host_args, tools):
    stamp = os.path.join(tools, "stamp")
    rounds, per = (2, 20) if QUICK else (4, 50)
    cmds = {"agent alone": ([stamp], per, 20)}
    cmds.update({k: (v + [stamp], per, 20) for k, v in inits(ji, host_args).items()})
    log(f"2/6 start-up latency ({rounds}x{per} runs each, interleaved)")
    res = interleaved(tools, cmds, rounds)
    ref = res["tini-static"]["lat"]
    rows = []
    for k, v in res.items():
        lats = sorted(x[0] for x in v["ok"])
        p90 = lats[int((len(lats) - 1) * 0.9)] if lats else None
        rows.append([k, v["n"], ms(v["lat"], 3), ms(p90, 3), ms(v["tot"], 3), ratio(v["lat"], ref),
                     len(v["fails"]) or ""])
    j = res["jailinit"]["lat"]
    verdict = ("target (≤ 0.8x tini-static): " +
               ("**met**" if j and ref and j <= 0.8 * ref else "**not met**") +
               f" ({ratio(j, ref)})")
    txt = ("From fork+exec of the init to the agent (`stamp`) running: startlat takes CLOCK_MONOTONIC "
           "just before fork, stamp prints its own as its first act; medians over "
           f"{rounds} interleaved rounds of {per}. *total* = until wait4 returns.\n"
           "Reference on these machines: agent alone 0.35 ms, tini-static 1.0, catatonit 0.96.\n\n"
           + table(["", "runs", "median ms", "p90 ms", "total ms", "vs tini-static", "failed"], rows)
           + "\n\njailinit " + verdict)
    return txt, res


def proc_mem(pid):
    """VmHWM, VmRSS, RssAnon (KiB) from /proc/PID/status: exact, unlike
    ru_maxrss, which this kernel derives from per-CPU RSS counters and so
    reads as 0 for a process of a few pages."""
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            k = line.split(":")[0]
            if k in ("VmHWM", "VmRSS", "RssAnon"):
                out[k] = int(line.split()[1])
    return out


def sec_sizes(ji, host_args, tools):
    log("3/6 sizes and peak RSS")
    rows = []
    procs = {}
    for k, v in inits(ji, host_args).items():
        procs[k] = subprocess.Popen(v + ["/bin/sleep", "30"], stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL, start_new_session=True)
    time.sleep(0.5)
    mem = {k: proc_mem(p.pid) for k, p in procs.items()}
    for p in procs.values():
        os.killpg(p.pid, signal.SIGKILL)
        p.wait()
    for k, v in inits(ji, host_args).items():
        path = shutil.which(v[0]) or v[0]
        size = os.stat(path).st_size
        rs = []
        for _ in range(3 if QUICK else 7):
            with tempfile.NamedTemporaryFile("r") as t:
                run(["/usr/bin/time", "-o", t.name, "-f", "%M"] + v + ["true"])
                try:
                    rs.append(int(t.read().split()[-1]))
                except (ValueError, IndexError):
                    pass
        m = mem.get(k, {})
        rows.append([k, path, f"{size:,}", elf_linkage(path), m.get("VmHWM", "–"), m.get("RssAnon", "–"),
                     int(med(rs)) if rs else "–"])
    txt = ("Size: `stat` of the file (a dynamic one needs libc besides). Peak RSS (KiB) of the init "
           "itself: VmHWM from /proc/PID/status of the init supervising `sleep 30` (high-water mark since "
           "its exec, start-up included), and RssAnon (its private memory; the rest is file pages, "
           "shared with other processes for a dynamic libc). GNU time's %M of `INIT -- true` is shown "
           "as asked, but it is the max over the init *and* `true` (a dynamic glibc program) and, on "
           "this kernel, ru_maxrss comes from per-CPU counters that read low for tiny processes: use "
           "VmHWM.\n\n"
           + table(["", "path", "bytes", "linkage", "VmHWM KiB", "RssAnon KiB", "GNU time %M, `-- true`"],
                   rows))
    return txt


def sec_orphans(ji, host_args, tools):
    orphans = os.path.join(tools, "orphans")
    reps = 1 if QUICK else 3
    n = 1000 if QUICK else NORPHANS
    names = ["jailinit", "tini-static", "catatonit", "dumb-init"]
    all_inits = inits(ji, host_args)
    res = {k: [] for k in names}
    notes = {}
    log(f"4/6 reaping {n} orphans as PID 1 ({reps} runs each)")
    for _ in range(reps):
        for k in names:
            argv = ["unshare", "--pid", "--fork", "--mount-proc"] + all_inits[k] + [orphans, str(n)]
            t0 = time.monotonic_ns()
            try:
                p = run(["timeout", "-s", "KILL", "120"] + argv, timeout=130)
            except subprocess.TimeoutExpired:
                notes[k] = "timed out"
                continue
            wall = time.monotonic_ns() - t0
            try:
                j = json.loads(p.stdout.strip().splitlines()[-1])
            except (ValueError, IndexError):
                notes[k] = f"no result (exit {p.returncode}: {p.stderr.strip()[:120]})"
                continue
            if j.get("left"):
                notes[k] = f"{j['left']} orphans never reaped"
                continue
            res[k].append((j["reap_ns"], j["reap_ns"] - j["fork_ns"], wall))
    rows = []
    for k in names:
        if not res[k]:
            rows.append([k, "–", "–", "–", notes.get(k, "failed")])
            continue
        rows.append([k, ms(med([x[0] for x in res[k]]), 0), ms(med([x[1] for x in res[k]]), 1),
                     ms(med([x[2] for x in res[k]]), 0), notes.get(k, "")])
    txt = (f"`unshare --pid --fork --mount-proc INIT -- orphans {n}`: orphans forks {n} children that "
           "each fork a grandchild and exit at once; the grandchildren (exiting at once too) land on "
           "the init as PID 1. orphans reaps only its own children, then polls /proc until nothing but "
           "PID 1 and itself is left. *until all reaped*: first fork to the last orphan gone; *lag*: "
           "after the last fork; *whole*: the whole `unshare` process. Medians of "
           f"{reps}. Forking dominates: the lag is the init's part.\n\n"
           + table(["init (PID 1)", "until all reaped ms", "lag after last fork ms", "whole ms", "note"], rows))
    return txt


def sec_idle(ji, host_args, tmp):
    log("5/6 idle wake-ups and syscalls")
    window = 2.0
    procs = {}
    for k, v in inits(ji, host_args).items():
        procs[k] = subprocess.Popen(v + ["/bin/sleep", "30"], stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL, start_new_session=True)
    time.sleep(0.7)
    a = {k: ctx_switches(p.pid) for k, p in procs.items()}
    time.sleep(window)
    b = {k: ctx_switches(p.pid) for k, p in procs.items()}
    straces = {}
    for k, p in procs.items():
        f = os.path.join(tmp, f"strace.{k}")
        straces[k] = (f, subprocess.Popen(["timeout", "-s", "INT", str(window), "strace", "-o", f,
                                           "-p", str(p.pid)], stdout=subprocess.DEVNULL,
                                          stderr=subprocess.DEVNULL))
    rows = []
    for k, p in procs.items():
        f, sp = straces[k]
        sp.wait()
        calls = []
        try:
            for line in open(f):
                if " = " in line and not line.startswith(("restart_syscall", "+++", "---")):
                    calls.append(line.split("(", 1)[0])
        except OSError:
            calls = None
        wake = (b[k][0] - a[k][0]) / window
        cpu = (b[k][1] - a[k][1]) / os.sysconf("SC_CLK_TCK") * 1000 / window
        rows.append([k, f"{wake:.1f}", f"{cpu:.1f}",
                     "?" if calls is None else f"{len(calls) / window:.1f}",
                     ", ".join(sorted(set(calls))) if calls else ""])
    for p in procs.values():
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        p.wait()
    txt = (f"Each init supervising `sleep 30`, idle for {window:.0f} s after 0.7 s to settle. Wake-ups: "
           "the change of voluntary+involuntary context switches in /proc/PID/status (no tracer "
           f"attached); then `strace -p` for another {window:.0f} s counts the syscalls that completed "
           "(the one it interrupts to attach is not counted). Not PID 1 here: jailinit is its own "
           "subreaper; tini and catatonit warn and go on.\n\n"
           + table(["", "wake-ups/s", "CPU ms/s", "syscalls/s", "which"], rows))
    return txt


# ---- section 6: the jail, inside a network namespace made here --------------
def jail_inner(cfg):
    """Runs under `unshare --net`: the bench's own netns, empty but lo."""
    if os.readlink("/proc/self/ns/net") == cfg["root_netns"]:
        raise SystemExit("bench: refusing: still in the root network namespace")
    ji, tools = cfg["ji"], cfg["tools"]
    stamp = os.path.join(tools, "stamp")
    run(["ip", "link", "set", "lo", "up"], check=True)
    lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)  # the "proxy": accepts nothing
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind(("0.0.0.0", PORT))
    lsock.listen(512)
    env = dict(os.environ, JI_ROOT_NETNS=cfg["root_netns"])
    modes = {
        "jailinit --net none": [ji, "--net", "none", "--"],
        "jailinit --net proxy": [ji, "--net", "proxy", "--proxy-port", str(PORT), "--"],
        "jailinit --net transparent": [ji, "--net", "transparent", "--proxy-port", str(PORT), "--"],
    }
    out = {"support": {}, "why": {}}
    for k, v in modes.items():
        p = run(v + [stamp], env=env, timeout=30)
        ok = p.returncode == 0 and p.stdout.strip().isdigit()
        out["support"][k] = ok
        if not ok:
            out["why"][k] = f"exit {p.returncode}: {(p.stderr.strip().splitlines() or [''])[0][:160]}"
    ew = ["sh", os.path.join(HERE, "exec-way.sh"), "--proxy-port", str(PORT), "--mode", "transparent"]
    rounds, fast, slow = (2, 10, 3) if QUICK else (4, 25, 6)
    # Every run in a fresh netns (startlat -N), as each container start is;
    # the jail modes also back to back in this one netns ("same netns"),
    # where a run meets the previous jail's asynchronous teardown.
    N = ["-N", "-p", "20"]
    cmds = {"unshare -Urn": (["unshare", "-Urn", stamp], fast, 5, N),
            "jailinit, no jail": ([ji] + cfg["host_args"] + [stamp], fast, 5, N)}
    cmds.update({k: (v + [stamp], fast, 5, N) for k, v in modes.items() if out["support"][k]})
    cmds.update({k + " @same": (v + [stamp], fast, 5) for k, v in modes.items() if out["support"][k]})
    cmds["exec way, ip + nft"] = (ew + ["--fw", "nft", "--", stamp], slow, 1, N)
    cmds["exec way, ip + iptables"] = (ew + ["--fw", "iptables", "--", stamp], slow, 1, N)
    res = interleaved(tools, cmds, rounds, env=env)
    out["res"] = {k: {x: v[x] for x in ("lat", "tot", "n")} | {"fails": len(v["fails"])}
                  for k, v in res.items()}
    # Leftovers: exec-way and jailinit must leave no veth and no table behind.
    links = [l.split(":")[1].strip() for l in run(["ip", "-o", "link", "show"]).stdout.splitlines()]
    links = [l for l in links if l != "lo"]
    # iptables-nft leaves its empty base tables behind; those are not ours.
    tables = [t for t in run(["nft", "list", "tables"]).stdout.strip().splitlines()
              if t and t not in ("table ip filter", "table ip nat")]
    out["leftovers"] = {"links": links, "nft_tables": tables}
    # The quiet pre-run check: jailinit check --json, and a timing in a verbose trace.
    out["check"] = check_cost(ji, stamp, env)
    lsock.close()
    print(json.dumps(out))


def check_cost(ji, stamp, env):
    res = {}
    cc = os.path.join(os.path.dirname(stamp), "checkcost")
    if os.access(cc, os.X_OK):
        res["checkcost"] = {}
        for mode, args in (("none", ["--net", "none"]),
                           ("transparent", ["--net", "transparent", "--proxy-port", str(PORT)])):
            p = run([cc, "-n", "50" if QUICK else "300"] + args, env=env, timeout=120)
            try:
                res["checkcost"][mode] = json.loads(p.stdout)
            except ValueError:
                res["checkcost"][mode] = {"error": f"exit {p.returncode}: {p.stderr.strip()[:120]}"}
    argv = [ji, "check", "--json", "--net", "transparent", "--proxy-port", str(PORT)]
    p = run(argv, env=env, timeout=60)
    try:
        j = json.loads(p.stdout)
        res["check_json"] = {"exit": p.returncode, "ready": j.get("ready")}
        # any field that looks like a duration
        for key, val in j.items():
            if re.search(r"(dur|elapsed|time|_us$|_ns$|_ms$)", key) and isinstance(val, (int, float)):
                res["check_json"]["field"] = f"{key}={val}"
        with tempfile.NamedTemporaryFile("r", suffix=".json") as t:
            h = run(["hyperfine", "-N", "-i", "--style", "none", "--warmup", "3", "--runs",
                     "10" if QUICK else "40", "--export-json", t.name, " ".join(argv)], env=env,
                    timeout=300)
            if h.returncode == 0:
                res["check_json"]["median_ns"] = json.load(open(t.name))["results"][0]["median"] * 1e9
    except ValueError:
        res["check_json"] = None
    # A trace line that times the check, if the build prints one.
    venv = dict(env, JAILINIT_VERBOSITY="3")
    p = run([ji, "--net", "transparent", "--proxy-port", str(PORT), "--", stamp], env=venv, timeout=30)
    m = None
    for line in p.stderr.splitlines():
        if "check" in line.lower():
            m = re.search(r"(\d+(?:\.\d+)?)\s*(ns|us|µs|ms)\b", line)
            if m:
                res["trace_line"] = line.strip()[:200]
                mult = {"ns": 1, "us": 1e3, "µs": 1e3, "ms": 1e6}[m.group(2)]
                res["trace_ns"] = float(m.group(1)) * mult
                break
    return res


def sec_jail(ji, host_args, tools):
    log("6/6 jail modes (in a network namespace made for it)")
    cfg = {"ji": ji, "tools": tools, "root_netns": os.environ["JI_ROOT_NETNS"], "host_args": host_args}
    p = run(["unshare", "--net", "--", sys.executable, os.path.abspath(__file__), "--jail-inner",
             json.dumps(cfg)], timeout=900)
    try:
        out = json.loads(p.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return f"jail section failed (exit {p.returncode}): {p.stderr.strip()[-400:]}"
    res = out["res"]
    base = res["unshare -Urn"]["lat"]
    ew = res["exec way, ip + nft"]["lat"]
    rows = []
    names = ["unshare -Urn", "jailinit, no jail", "jailinit --net none", "jailinit --net proxy", "jailinit --net transparent",
             "exec way, ip + nft", "exec way, ip + iptables"]
    for k in names:
        if k not in res:
            rows.append([k, NA, "", "", "", "", "", ""])
            continue
        v = res[k]
        tear = None if v["lat"] is None or v["tot"] is None else v["tot"] - v["lat"]
        same = res.get(k + " @same")
        rows.append([k, ms(v["lat"], 2), ratio(v["lat"], base), ratio(ew, v["lat"], 1), ms(v["tot"], 2),
                     ms(tear, 2), f"{ms(same['lat'], 2)} / {ms(same['tot'], 2)}" if same else "",
                     f"{v['n']}" + (f" ({v['fails']} failed)" if v["fails"] else "")
                     + (f", same netns {same['fails']} failed" if same and same["fails"] else "")])
    txt = ("Inside a network namespace made by the bench (`unshare --net`, lo up, a listener on "
           f"0.0.0.0:{PORT} standing for the proxy). *jailinit, no jail* is `jailinit "
           f"{' '.join(host_args)} stamp`, the supervisor alone, for scale. "
           "*to agent*: fork+exec of the command to `stamp` "
           "running in the jail; *total*: until the whole process is gone, teardown included (the "
           "container-stop cost); *after agent* = total − to agent (stamp itself takes ~0.05 ms). "
           "Every run starts in a network namespace of its own, made before the clock starts "
           "(`startlat -N`), as each container start does, 20 ms apart (`-p 20`: the kernel's deferred "
           "clean-up of one run is not billed to the next); *same netns*: the jail modes again, back to "
           "back (no pause) in one netns, where a run meets the previous jail's asynchronous teardown (its netns and "
           "veth die in a kernel work queue) and takes the stale-link/table replacement path. "
           "Medians of interleaved rounds. The exec way is bench/exec-way.sh in transparent mode: "
           "`unshare -Urn` child, `ip link add` veth, `ip link set netns`, `ip addr`/`link up`/`route` "
           "(`nsenter -n ip` for the jail side), one `nft -f` (or five `iptables`), go; teardown `ip "
           "link del` + `nft delete table`.\n"
           "Reference on these machines: `unshare -Urn true` ≈ 2 ms; the exec way ≈ 65–70 ms before "
           "the agent plus 60 ms teardown. Targets: transparent ≤ 2x unshare, ≥ 20x faster than the "
           "exec way, total ≤ 100 ms.\n\n"
           + table(["", "to agent ms", "vs unshare", "exec way (nft) ÷ this", "total ms", "after agent ms",
                    "same netns: to agent / total ms", "runs"], rows))
    if out["why"]:
        txt += "\n\nNot measured: " + "; ".join(f"`{k}`: {w}" for k, w in out["why"].items())
    t = res.get("jailinit --net transparent")
    if t and t["lat"] and base:
        txt += ("\n\nTargets: transparent " + ratio(t["lat"], base) + " of unshare (≤ 2x: "
                + ("met" if t["lat"] <= 2 * base else "not met") + "); " + ratio(ew, t["lat"], 1)
                + " faster than the exec way (≥ 20x: " + ("met" if ew and ew >= 20 * t["lat"] else "not met")
                + "); total " + ms(t["tot"], 1) + " ms (≤ 100 ms: "
                + ("met" if t["tot"] <= 100e6 else "not met") + ").")
    lo = out["leftovers"]
    txt += ("\n\nLeft in the bench's netns after all those runs (should be nothing): links besides lo: "
            + (", ".join(lo["links"]) or "none") + "; nf_tables tables: "
            + (", ".join(lo["nft_tables"]) or "none")
            + " (iptables' own empty `ip filter`/`ip nat` not counted).")
    c = out["check"]
    parts = []
    if c.get("checkcost"):
        for mode, r in c["checkcost"].items():
            if "med_ns" in r:
                parts.append(f"quiet pre-run check (`check_quick()`, timed in-process by tests/tools/checkcost, "
                             f"`--net {mode}`): median **{r['med_ns'] / 1e3:.0f} µs** (p10 {r['p10_ns'] / 1e3:.0f}, "
                             f"p90 {r['p90_ns'] / 1e3:.0f}; {r['runs']} calls; ready={r['ready']}"
                             + (f", refused at {r.get('step')} {r.get('errno')}" if not r["ready"] else "") + ")")
            else:
                parts.append(f"quiet pre-run check, `--net {mode}`: {r.get('error')}")
    else:
        parts.append("quiet pre-run check timed in-process (tests/tools/checkcost): " + NA)
    cj = c.get("check_json")
    if cj:
        parts.append(f"`jailinit check --json --net transparent --proxy-port {PORT}` (the full, loud "
                     f"check, for scale): median {ms(cj.get('median_ns'), 2)} ms, exit {cj['exit']}, "
                     f"ready={cj['ready']}" + (f", {cj['field']}" if cj.get("field") else ""))
    else:
        parts.append("`jailinit check --json`: " + NA)
    if c.get("trace_ns") is not None:
        parts.append(f"quiet pre-run check from the JAILINIT_VERBOSITY=3 trace: {c['trace_ns'] / 1e3:.0f} µs "
                     f"(`{c['trace_line']}`)")
    else:
        parts.append("quiet pre-run check timing in a JAILINIT_VERBOSITY=3 trace: " + NA)
    txt += "\n\nCheck cost (target: the quiet check adds ≤ a few hundred µs):\n" + "\n".join(
        f"* {x}" for x in parts)
    return txt


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--jail-inner":
        return jail_inner(json.loads(sys.argv[2]))
    ji, tools, out_md = sys.argv[1:4]
    root_netns = os.environ.get("JI_ROOT_NETNS")
    if not root_netns or os.readlink("/proc/self/ns/net") == root_netns:
        raise SystemExit("bench: run me through bench/run.sh (in a network namespace of my own)")
    run(["ip", "link", "set", "lo", "up"])
    t_start = time.monotonic()
    probe = run([ji, "--net", "host", "--", "true"])
    host_args = ["--net", "host", "--"] if probe.returncode == 0 else ["--"]
    ver = run([ji, "--version"])
    version = (ver.stdout + ver.stderr).strip().splitlines()
    head = [
        "# jailinit benchmarks",
        "",
        f"* when: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; kernel {os.uname().release}; "
        f"{os.cpu_count()} CPUs; load average at start {os.getloadavg()[0]:.2f}"
        + (" (**busy machine: expect noisy figures, compare the ratios**)"
           if os.getloadavg()[0] > os.cpu_count() else "")
        + (" (**BENCH_QUICK: few runs, harness check only**)" if QUICK else ""),
        f"* jailinit: `{ji}` — `{version[0] if version else '?'}`; plain supervisor run as "
        f"`jailinit {' '.join(host_args)} CMD`"
        + ("" if probe.returncode == 0 else " (`--net host` refused by this build)"),
        "* every figure is a median from this one run; ratios compare figures of this run only",
    ]
    with tempfile.TemporaryDirectory() as tmp:
        s1, _ = sec_hyperfine(ji, host_args, tmp)
        s2, lat = sec_startlat(ji, host_args, tools)
        s3 = sec_sizes(ji, host_args, tools)
        s4 = sec_orphans(ji, host_args, tools)
        s5 = sec_idle(ji, host_args, tmp)
        s6 = sec_jail(ji, host_args, tools)
    body = "\n".join(head) + "\n"
    for title, s in [("1. Whole process: `INIT -- true`", s1),
                     ("2. Start-up latency: exec of the init → exec of the agent", s2),
                     ("3. Sizes and peak RSS", s3),
                     ("4. Reaping orphans as PID 1", s4),
                     ("5. Idle: wake-ups and syscalls", s5),
                     ("6. The jail: exec of jailinit → exec of the agent, and teardown", s6)]:
        body += f"\n## {title}\n\n{s}\n"
    body += f"\n_bench took {time.monotonic() - t_start:.0f} s_\n"
    os.makedirs(os.path.dirname(os.path.abspath(out_md)), exist_ok=True)
    with open(out_md, "w") as f:
        f.write(body)
    print(body)


if __name__ == "__main__":
    main()
