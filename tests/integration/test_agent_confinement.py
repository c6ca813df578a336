"""The agent's confinement (issue 3, "The agent: every capability dropped ..."
and test 4): privdrop_all + agent_filter_load, exactly as the jail runs them,
exercised by tests/tools/agentprobe in user and network namespaces this test
makes itself. agentprobe tries every forbidden thing and the allowed ones and
prints one line per attempt ("NAME ok" / "NAME errno=E..." / "NAME signal=...").
"""
import os
import re
import struct
import subprocess
import time

import pytest

import containers as C
from util import ROOT_NETNS

# What the confined agent must be refused, and with what.
EPERM_PROBES = [
    # new namespaces, entering others
    "clone_newuser", "clone_newnet", "clone_newns", "clone_newpid", "clone_newuts",
    "clone_newipc", "clone_newcgroup", "unshare_user", "unshare_net", "unshare_ns", "setns",
    # the mount family
    "mount", "umount2", "pivot_root", "chroot", "open_tree", "move_mount", "fsopen",
    "fsconfig", "fsmount", "fspick", "mount_setattr",
    # other processes
    "ptrace", "process_vm_readv", "process_vm_writev", "kcmp", "pidfd_getfd",
    # kernel attack surface
    "bpf", "perf_event_open", "userfaultfd", "io_uring_setup", "io_uring_enter",
    "io_uring_register", "keyctl", "add_key", "request_key",
    # the machine
    "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module", "reboot",
    "swapon", "swapoff", "acct", "syslog", "settimeofday", "clock_settime", "quotactl",
    "vhangup", "iopl", "ioperm", "modify_ldt", "open_by_handle_at", "sethostname",
    # input pushed into a terminal is run by whatever shell outside reads it
    "ioctl_tiocsti", "ioctl_tiocsti_highbits", "ioctl_tioclinux",
    "personality_rie", "personality_norandom", "personality_bit31",
    # sockets that reach around the jail's network
    "socket_packet", "socket_packet_dgram", "socket_raw4", "socket_raw6", "socket_raw4_cloexec",
    "socket_inet_packet", "socket_packet_highbits", "socket_netlink_netfilter",
    "socket_netlink_sock_diag", "socket_netlink_audit", "socket_netlink_uevent",
    "socket_vsock", "socket_alg", "socket_other_families", "socketpair_packet",
    "socketpair_inet",
    # rtnetlink writes: the filter allows NETLINK_ROUTE, the kernel refuses
    # them without CAP_NET_ADMIN
    "route_add", "addr_add",
]
ENOSYS_PROBES = ["clone3"]  # libc falls back to clone, whose flags the filter sees
ALLOWED_PROBES = [
    "tcp_loopback", "udp_socket", "tcp6_socket", "netlink_route", "unix_socketpair",
    "fork_exec_true", "read_file", "personality_query", "personality_linux", "tty_ioctl_other",
]

# In a control run (uid 0 of the test's user namespace, every capability of
# it, no filter) these work: so when the filter-only run refuses them, the
# filter is what refuses, not a missing capability.
WORK_WITHOUT_FILTER = [
    "clone_newuser", "clone_newnet", "clone_newns", "clone_newpid", "unshare_user",
    "unshare_net", "setns", "socket_packet", "socket_raw4", "socket_raw6",
    "socket_netlink_netfilter", "socket_netlink_sock_diag", "personality_rie",
    "personality_norandom", "keyctl", "add_key", "kcmp", "route_add",
    "addr_add",
]

STATUS_ZERO = ["CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"]


@pytest.fixture(scope="module")
def agentprobe():
    build = os.environ.get("BUILD_DIR") or os.path.dirname(
        os.environ.get("JAILINIT") or os.path.abspath("build/jailinit"))
    path = os.path.join(build, "tools", "agentprobe")
    if not os.access(path, os.X_OK):
        pytest.fail(f"no agentprobe at {path}: run make tools")
    return path


def _env():
    env = dict(os.environ)
    env["JI_ROOT_NETNS"] = ROOT_NETNS  # agentprobe refuses to run in the root netns
    return env


def run_root_userns(cmd, ro_proc_sys=False, timeout=60):
    """`unshare -Ur --net cmd`: uid 0 of a fresh user namespace (only uid 0
    mapped, setgroups denied, as unprivileged tools make it), its own netns.
    ro_proc_sys: /proc/sys read-only, as every container runtime mounts it."""
    wrap = ["unshare", "-Ur", "--net"]
    if ro_proc_sys:
        wrap += ["--mount", "sh", "-c",
                 'mount --bind /proc/sys /proc/sys && mount -o remount,bind,ro /proc/sys'
                 ' && exec "$@"', "sh"]
    return subprocess.run(wrap + cmd, capture_output=True, text=True, timeout=timeout, env=_env())


def run_multi_userns(cmd, timeout=60):
    """A fresh user namespace with uids/gids 0-65535 mapped (written by this
    test, root of the initial namespace, so setgroups stays allowed: the way
    jailinit's outer writes the jail's maps) and its own netns."""
    me = os.readlink("/proc/self/ns/user")
    p = subprocess.Popen(["unshare", "-U", "-n", "--", "sh", "-c", 'read _ && exec "$@"', "sh"] + cmd,
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True, env=_env())
    try:
        deadline = time.monotonic() + 10
        while os.readlink(f"/proc/{p.pid}/ns/user") == me:
            if time.monotonic() > deadline or p.poll() is not None:
                raise AssertionError("unshare -U never entered its user namespace")
            time.sleep(0.002)
        for name in ("uid_map", "gid_map"):
            with open(f"/proc/{p.pid}/{name}", "w") as f:
                f.write("0 0 65536\n")
        out, err = p.communicate("\n", timeout=timeout)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    return subprocess.CompletedProcess(p.args, p.returncode, out, err)


def parse(out):
    """agentprobe's lines -> {name: "ok" | "errno=E..." | "signal=..."}, plus
    the status lines as {"CapEff": "0000...", "NoNewPrivs": "1", ...}."""
    res, status = {}, {}
    for line in out.splitlines():
        if ":" in line and "\t" in line:
            k, v = line.split(":", 1)
            status[k] = v.strip()
        elif line.startswith(("uid=", "filter_")):
            for kv in line.split():
                k, v = kv.split("=", 1)
                status[k] = v
        elif " " in line:
            name, what = line.split(" ", 1)
            res[name] = what
    return res, status


def assert_other_abis_killed(res):
    """x32 goes through the 64-bit entry and the filter: SIGSYS. int 0x80 is
    SIGSYS too where the kernel has IA32 emulation (here); a kernel booted
    with ia32_emulation=0 answers SIGSEGV before any filter runs."""
    assert res.get("x32_getpid") == "signal=SIGSYS", res.get("x32_getpid")
    assert res.get("int80_getpid") in ("signal=SIGSYS", "signal=Segmentation fault"), \
        res.get("int80_getpid")


def assert_confined(res, status, uid):
    wrong = {n: res.get(n) for n in EPERM_PROBES if res.get(n) != "errno=EPERM"}
    assert not wrong, f"not refused with EPERM: {wrong}"
    for n in ENOSYS_PROBES:
        assert res.get(n) == "errno=ENOSYS", (n, res.get(n))
    assert_other_abis_killed(res)
    broken = {n: res.get(n) for n in ALLOWED_PROBES if res.get(n) != "ok"}
    assert not broken, f"allowed things broken under confinement: {broken}"
    for k in STATUS_ZERO:
        assert int(status[k], 16) == 0, f"{k} is {status[k]}"
    assert status["NoNewPrivs"] == "1"
    assert status["Seccomp"] == "2"
    assert status["uid"] == str(uid) and status["gid"] == str(uid)
    assert status["groups"] == "0", "supplementary groups left"


def test_agent_as_uid0_of_its_userns_cannot_undo_the_jail(agentprobe):
    """--user 0: root of the user namespace that owns the netns, with every
    capability of it before the drop. After privdrop_all + the filter it
    cannot add a route, change its address, make a netns or userns, open
    raw/packet sockets, load BPF, ptrace a sibling; the allowed path (TCP,
    UDP, fork+exec, unix sockets, files) works afterwards."""
    r = run_root_userns([agentprobe, "--uid", "0"])
    assert r.returncode == 0, r.stderr
    res, status = parse(r.stdout)
    assert_confined(res, status, 0)


def test_agent_as_default_user_is_confined(agentprobe):
    """The default agent user, 65534:65534, in a namespace with many ids."""
    r = run_multi_userns([agentprobe, "--uid", "65534"])
    assert r.returncode == 0, r.stderr
    res, status = parse(r.stdout)
    assert_confined(res, status, 65534)


def test_the_filter_itself_refuses_what_capabilities_would_allow(agentprobe):
    """Control: with every capability of the test's userns and no filter,
    namespaces, packet/raw sockets, netfilter netlink, ptrace-family calls,
    route changes work. With the filter alone (capabilities kept), each is
    refused: the EPERM in the confined runs is the filter's, not only the
    missing capability's."""
    ctl = run_root_userns([agentprobe, "--uid", "0", "--mode", "none"])
    assert ctl.returncode == 0, ctl.stderr
    ctl_res, ctl_status = parse(ctl.stdout)
    assert ctl_status["Seccomp"] == "0"
    not_working = {n: ctl_res.get(n) for n in WORK_WITHOUT_FILTER if ctl_res.get(n) != "ok"}
    assert not not_working, f"control run: expected these to work unconfined: {not_working}"

    flt = run_root_userns([agentprobe, "--uid", "0", "--mode", "filter"])
    assert flt.returncode == 0, flt.stderr
    res, status = parse(flt.stdout)
    assert status["Seccomp"] == "2" and int(status["CapEff"], 16) != 0
    must_be_filtered = [n for n in EPERM_PROBES if n not in ("route_add", "addr_add")]
    wrong = {n: res.get(n) for n in must_be_filtered if res.get(n) != "errno=EPERM"}
    assert not wrong, f"the filter let these through: {wrong}"
    for n in ENOSYS_PROBES:
        assert res[n] == "errno=ENOSYS"
    assert_other_abis_killed(res)
    # NETLINK_ROUTE stays open by design: with CAP_NET_ADMIN route changes
    # work, so without it (the confined runs above) the kernel is what says no.
    assert res["route_add"] == "ok" and res["netlink_route"] == "ok"


def test_uid_other_than_0_cannot_signal_another_uid(agentprobe):
    script = ('sleep 30 & p=$!; "$@" --signal $p; r=$?; kill $p; exit $r')
    r = run_multi_userns(["sh", "-c", script, "sh", agentprobe, "--uid", "1000"])
    assert r.returncode == 0, r.stderr
    res, status = parse(r.stdout)
    assert status["uid"] == "1000"
    assert res["kill_other"] == "errno=EPERM"
    # The same uid may: this is why the agent never shares the proxy's or the
    # init's uid.
    r = run_multi_userns(["sh", "-c", script, "sh", agentprobe, "--uid", "0"])
    assert r.returncode == 0, r.stderr
    res, _ = parse(r.stdout)
    assert res["kill_other"] == "ok"


SYSCTL = "/proc/sys/net/ipv4/ip_default_ttl"  # written with its default: no change


def test_uid0_cannot_write_netns_sysctls_under_a_readonly_proc_sys(agentprobe):
    """Container runtimes mount /proc/sys read-only: there even uid 0 of the
    jail's userns cannot write the jail's /proc/sys/net."""
    r = run_root_userns([agentprobe, "--uid", "0", "--write", SYSCTL, "64"], ro_proc_sys=True)
    assert r.returncode == 0, r.stderr
    res, _ = parse(r.stdout)
    assert res["write_file"] == "errno=EROFS"


def test_non_root_agent_cannot_write_netns_sysctls(agentprobe):
    """With /proc/sys writable (no container around it), a uid other than 0
    of the user namespace owning the netns is refused by the permission check."""
    r = run_multi_userns([agentprobe, "--uid", "65534", "--write", SYSCTL, "64"])
    assert r.returncode == 0, r.stderr
    res, _ = parse(r.stdout)
    assert res["write_file"] == "errno=EACCES"


def test_uid0_of_the_netns_owner_may_write_its_sysctls_without_capabilities(agentprobe):
    """The documented reason the agent is not uid 0 by default: the kernel
    lets uid 0 of the user namespace that owns a netns write that netns's
    /proc/sys/net with no capability at all (net_ctl_permissions). Only a
    read-only /proc/sys (every container runtime) stops it."""
    r = run_root_userns([agentprobe, "--uid", "0", "--write", SYSCTL, "64"])
    assert r.returncode == 0, r.stderr
    res, status = parse(r.stdout)
    assert int(status["CapEff"], 16) == 0
    assert res["write_file"] == "ok"


def test_exec_after_the_drop_regains_nothing(agentprobe):
    """exec as uid 0 of the userns (NOROOT locked, empty bounding set): the
    exec'd program starts with no capability, NNP and the filter."""
    r = run_root_userns([agentprobe, "--uid", "0", "--exec", "cat", "/proc/self/status"])
    assert r.returncode == 0, r.stderr
    _, status = parse(r.stdout)
    for k in STATUS_ZERO:
        assert int(status[k], 16) == 0, f"{k} is {status[k]}"
    assert status["NoNewPrivs"] == "1" and status["Seccomp"] == "2"

    r = run_root_userns([agentprobe, "--uid", "0", "--exec", "unshare", "-rn", "true"])
    assert r.returncode != 0
    assert "Operation not permitted" in r.stderr


def test_busybox_network_tools_as_the_agent(agentprobe):
    """What an agent would actually type: reading works, changing the jail's
    network does not."""
    ok = run_root_userns([agentprobe, "--uid", "0", "--exec", "busybox", "ip", "addr", "show", "lo"])
    assert ok.returncode == 0, ok.stderr
    assert "127.0.0.1" in ok.stdout
    for cmd in (["ip", "route", "add", "10.0.0.0/8", "dev", "lo"],
                ["ip", "link", "add", "d0", "type", "dummy"],
                ["ip", "addr", "add", "192.0.2.7/32", "dev", "lo"],
                ["ip", "link", "set", "lo", "down"]):
        r = run_root_userns([agentprobe, "--uid", "0", "--exec", "busybox"] + cmd)
        assert r.returncode != 0, cmd
        assert "Operation not permitted" in r.stderr, (cmd, r.stderr)


def test_filter_without_no_new_privs_fails_naming_step_and_errno(agentprobe):
    """If the privilege drop is skipped (capabilities gone, no_new_privs never
    set), loading the filter fails closed and says which step and errno."""
    r = run_root_userns([agentprobe, "--uid", "0", "--mode", "nonnp"])
    assert r.returncode == 71
    assert "load the agent's seccomp filter" in r.stderr
    assert "EACCES" in r.stderr
    assert "no_new_privs" in r.stderr
    assert r.stdout == ""


def test_reports_filter_load_time(agentprobe):
    """Not a timing assertion (speed is make bench): shows the times with -s."""
    r = run_root_userns([agentprobe, "--uid", "0"])
    assert r.returncode == 0, r.stderr
    _, status = parse(r.stdout)
    print(f"filter_load_us={status['filter_load_us']}")
    assert int(status["filter_load_us"]) >= 0


# ---- the program baked at build time ----------------------------------------

def _build_dir():
    return os.environ.get("BUILD_DIR") or os.path.dirname(
        os.environ.get("JAILINIT") or os.path.abspath("build/jailinit"))


def _program(header):
    """The instructions of agent_filter_bpf.h as (code, jt, jf, k) tuples."""
    prog = [tuple(int(x, 0) for x in m) for m in re.findall(
        r"\{ (0x[0-9a-f]+), +(\d+), +(\d+), (0x[0-9a-f]+) \}", header)]
    n = re.search(r"#define AGENT_FILTER_PROG_LEN (\d+)", header)
    assert n and int(n.group(1)) == len(prog) > 0, "header and its length disagree"
    return prog


def test_baked_filter_is_what_libseccomp_makes_of_the_rules():
    """jailinit installs a program made at build time: the header it was
    compiled with must be exactly what the generator (the rules, through the
    pinned libseccomp) prints now, and printing is deterministic: two runs,
    same bytes. The program starts with libseccomp's architecture check:
    native (x86_64) goes on, anything else is killed."""
    build = _build_dir()
    gen = os.path.join(build, "bpfgen", "gen_agent_filter")
    header = os.path.join(build, "gen", "agent_filter_bpf.h")
    assert os.access(gen, os.X_OK), f"no generator at {gen}: run make"
    with open(header) as f:
        baked = f.read()
    runs = [subprocess.run([gen], capture_output=True, text=True, timeout=30) for _ in range(2)]
    for r in runs:
        assert r.returncode == 0, r.stderr
    assert runs[0].stdout == runs[1].stdout, "the generator is not deterministic"
    assert runs[0].stdout == baked, f"{header} is not what {gen} prints now"
    assert "GENERATED" in baked and "gen_agent_filter" in baked and "libseccomp" in baked
    prog = _program(baked)
    BPF_LD_W_ABS, BPF_JEQ_K, BPF_RET_K = 0x20, 0x15, 0x06
    assert prog[0] == (BPF_LD_W_ABS, 0, 0, 4)  # offsetof(struct seccomp_data, arch)
    if os.uname().machine == "x86_64":
        code, jt, jf, k = prog[1]
        assert (code, jt, k) == (BPF_JEQ_K, 0, 0xC000003E)  # AUDIT_ARCH_X86_64
        assert prog[2 + jf] == (BPF_RET_K, 0, 0, 0x80000000)  # SECCOMP_RET_KILL_PROCESS
    assert prog[2] == (BPF_LD_W_ABS, 0, 0, 0)  # offsetof(struct seccomp_data, nr)
    # the binary holds the same program: its instructions, as bytes
    raw = b"".join(struct.pack("=HBBI", *i) for i in prog)
    jailinit = os.environ.get("JAILINIT") or os.path.join(build, "jailinit")
    with open(jailinit, "rb") as f:
        assert raw in f.read(), f"{jailinit} does not contain the baked program"


# ---- in Docker, configured the way the seed documentation asks --------------

@pytest.fixture(scope="module")
def probe_image(jailinit, agentprobe):
    """The FROM scratch image (jailinit + busybox) with /agentprobe added."""
    with C.image(jailinit, files={"/agentprobe": agentprobe}) as tag:
        yield tag


@pytest.mark.parametrize("profile", [C.SEED_PROFILE, C.LEAST_PROFILE],
                         ids=["seed-profile", "least-privilege-profile"])
@pytest.mark.parametrize("uid", [0, 65534])
def test_confinement_inside_docker(probe_image, profile, uid):
    """`docker run --cap-add NET_ADMIN --security-opt seccomp=<profile>
    --network none`: agentprobe clones the jail's user + network namespace
    with jailinit's own nsclone code, then drops and loads the filter under
    Docker's filter. Everything refused and allowed as on the bare machine."""
    r = C.docker_run(probe_image, ["--clone", "--uid", str(uid)], caps=("NET_ADMIN",),
                     seccomp=profile, entrypoint="/agentprobe")
    assert r.returncode == 0, r.stderr
    res, status = parse(r.stdout)
    assert_confined(res, status, uid)
