"""Container harness for integration tests: a FROM scratch image, `docker
run`, and OCI bundles run by runc / crun (podman and runsc where they work).

Every container runs without a network: `docker run --network none`, and OCI
bundles get a new, empty network namespace. Everything made here (images,
containers, bundle directories, runtime state) is removed by the fixture or
context manager that made it, and every name carries a per-run unique id.

API (see docs/containers.md for the configurations):

    image(jailinit_path, files=None) -> tag         context manager: builds
        docker/Dockerfile from a temp context (the binary + /bin/busybox,
        plus files {container_path: host_path}), removes the image on exit.
        Wrap it in a session fixture (see `jailinit_image` in
        test_containers.py): one build per test run.
    docker_run(image, args, caps=(), seccomp=None, user=None, userns=None,
               entrypoint=None, volumes=(), extra=(), timeout=60)
        -> CompletedProcess (always --rm --network none).
        seccomp: None (Docker's default), 'unconfined', or a profile path.
        image: a tag from image().
    DockerContainer(image, args, ...)               context manager: a
        detached container (for stop/signal tests); .stop(t), .wait(),
        .logs(), .exec(args); force-removed on exit.
    oci_bundle(runtime, args, caps=(), seccomp_profile=None, userns=False,
               files={}, jailinit=None, timeout=60) -> CompletedProcess
        writes a bundle (rootfs with /bin/busybox and applets, /jailinit,
        extra files; config.json with pid/ipc/uts/mount/network namespaces
        and optionally a user namespace mapped to host ids 100000:65536 with
        the rootfs owned by that range), runs it with `runc run` or
        `crun run`, deletes it.  seccomp_profile: None (no filter), a Docker
        profile path or dict (converted like Docker does, for Docker's
        default caps + caps), an OCI-format profile (used as is), or
        'docker-default' (Debian docker.io's default profile).
    podman_image(docker_tag) -> name                context manager: the
        image copied into podman's storage (docker save | podman load).
    podman_run(image, args, caps, seccomp, entrypoint, volumes, extra)
    runsc_bundle(args, caps, seccomp_profile, files, jailinit)
        these two pytest.skip() with the reason where the runtime cannot run
        here (mark such tests @pytest.mark.optional).
    SEED_PROFILE, LEAST_PROFILE, LEAST_OCI_PROFILE  the committed profiles.

    CONFIGURATIONS: the design brief's configurations as Config objects (id,
        runtime, caps, seccomp, userns, jail: whether the jail is possible
        there, optional); config_params() turns them into pytest params;
        run_config(cfg, args, jailinit=, files=, docker_image=, podman_image=)
        runs one container in that configuration with /jailinit as the
        entrypoint (or entrypoint=...). For tests that assert a verdict
        (`jailinit check`) or a jail in every configuration.

Capabilities are names without the CAP_ prefix ("NET_ADMIN"), like
`docker run --cap-add`.
"""
import contextlib
import json
import os
import platform
import shutil
import subprocess
import tempfile
import uuid

import pytest

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DOCKERFILE = os.path.join(REPO, "docker", "Dockerfile")
PROFILES = os.path.join(REPO, "docker", "seccomp")
SEED_PROFILE = os.path.join(PROFILES, "jailinit-seed.json")
LEAST_PROFILE = os.path.join(PROFILES, "jailinit-least-privilege.json")
LEAST_OCI_PROFILE = os.path.join(PROFILES, "jailinit-least-privilege.oci-%s.json" % {
    "x86_64": "amd64", "aarch64": "arm64"}.get(os.uname().machine, os.uname().machine))
BUSYBOX = "/bin/busybox"  # Debian's busybox-static
RUN_ID = uuid.uuid4().hex[:8]
LABEL = "jailinit-test=" + RUN_ID

# The unprivileged host range a user-namespaced container maps to (the
# sysbox-like / userns-remap case).
USERNS_HOST_ID = 100000
USERNS_SIZE = 65536

# Docker 20.10's default capability set.
DOCKER_DEFAULT_CAPS = (
    "CHOWN", "DAC_OVERRIDE", "FSETID", "FOWNER", "MKNOD", "NET_RAW", "SETGID",
    "SETUID", "SETFCAP", "SETPCAP", "NET_BIND_SERVICE", "SYS_CHROOT", "KILL",
    "AUDIT_WRITE",
)

# The Docker client (HACKING.md): Debian's, the same version as the engine.
DOCKER = os.environ.get("DOCKER", "/usr/bin/docker")

_counter = 0


def unique(prefix):
    """A name unique to this test run and call: jailinit-test-<run>-<n>-prefix."""
    global _counter
    _counter += 1
    return f"jailinit-test-{RUN_ID}-{_counter}-{prefix}"


def _run(cmd, timeout=60, check=False, **kw):
    kw.setdefault("capture_output", True)
    kw.setdefault("text", True)
    return subprocess.run(cmd, timeout=timeout, check=check, **kw)


# ---- Docker -----------------------------------------------------------------

def docker_available():
    """(ok, reason): whether the Docker engine answers."""
    if not shutil.which(DOCKER):
        return False, f"no docker client {DOCKER} (make setup)"
    try:
        r = _run([DOCKER, "version", "--format", "{{.Server.Version}}"], timeout=20)
    except subprocess.TimeoutExpired:
        return False, "docker version timed out"
    if r.returncode != 0:
        return False, "the Docker engine does not answer (scripts/docker-up.sh): " + r.stderr.strip()
    return True, r.stdout.strip()


def require_docker():
    ok, why = docker_available()
    if not ok:
        pytest.skip(why)


@contextlib.contextmanager
def image(jailinit_path, tag=None, files=None):
    """Build docker/Dockerfile with jailinit_path as /jailinit; yield the tag;
    remove the image (and any container of this run) afterwards.
    files: {container_path: host_path} added on top (static test tools, a
    proxy binary, ...), mode kept."""
    require_docker()
    tag = tag or unique("image").lower()
    ctx = tempfile.mkdtemp(prefix="jailinit-ctx-")
    try:
        shutil.copy2(jailinit_path, os.path.join(ctx, "jailinit"))
        shutil.copy2(BUSYBOX, os.path.join(ctx, "busybox"))
        with open(DOCKERFILE) as f:
            dockerfile = f.read()
        if files:
            for ctr, host in files.items():
                dst = os.path.join(ctx, "extra", ctr.lstrip("/"))
                os.makedirs(os.path.dirname(dst), exist_ok=True)
                shutil.copy2(host, dst)
            dockerfile += "COPY extra/ /\n"
        with open(os.path.join(ctx, "Dockerfile"), "w") as f:
            f.write(dockerfile)
        env = dict(os.environ, DOCKER_BUILDKIT="0")
        r = _run([DOCKER, "build", "-q", "--network", "none", "--label", LABEL,
                  "-t", tag, ctx], timeout=300, env=env)
        if r.returncode != 0:
            raise RuntimeError(f"docker build failed: {r.stderr}")
    finally:
        shutil.rmtree(ctx, ignore_errors=True)
    try:
        yield tag
    finally:
        # Containers of this run first (in case a test left one), then the image.
        ids = _run([DOCKER, "ps", "-aq", "--filter", "label=" + LABEL]).stdout.split()
        if ids:
            _run([DOCKER, "rm", "-f"] + ids)
        _run([DOCKER, "rmi", "-f", tag])


def _docker_opts(caps=(), seccomp=None, user=None, userns=None, entrypoint=None,
                 volumes=(), extra=()):
    opts = ["--network", "none", "--label", LABEL]
    for c in caps:
        opts += ["--cap-add", c]
    if seccomp is not None:
        opts += ["--security-opt", f"seccomp={seccomp}"]
    if user is not None:
        opts += ["--user", str(user)]
    if userns is not None:
        opts += ["--userns", userns]
    if entrypoint is not None:
        opts += ["--entrypoint", entrypoint]
    for host, ctr in volumes:
        opts += ["-v", f"{host}:{ctr}:ro"]
    return opts + list(extra)


def docker_run(image, args=(), caps=(), seccomp=None, user=None, userns=None,
               entrypoint=None, volumes=(), extra=(), timeout=60):
    """`docker run --rm --network none ...`; returns the CompletedProcess.
    volumes: (host_path, container_path) pairs, mounted read-only."""
    name = unique("run")
    cmd = ([DOCKER, "run", "--rm", "--name", name]
           + _docker_opts(caps, seccomp, user, userns, entrypoint, volumes, extra)
           + [image] + list(args))
    try:
        return _run(cmd, timeout=timeout)
    finally:
        _run([DOCKER, "rm", "-f", name])


class DockerContainer:
    """A detached container (`docker run -d`), force-removed on exit."""

    def __init__(self, image, args=(), **kw):
        self.name = unique("ctr")
        self.cmd = ([DOCKER, "run", "-d", "--name", self.name] + _docker_opts(**kw)
                    + [image] + list(args))

    def __enter__(self):
        r = _run(self.cmd)
        if r.returncode != 0:
            _run([DOCKER, "rm", "-f", self.name])
            raise RuntimeError(f"docker run -d failed: {r.stderr}")
        return self

    def __exit__(self, *exc):
        _run([DOCKER, "rm", "-f", self.name])

    def exec(self, args, timeout=30):
        return _run([DOCKER, "exec", self.name] + list(args), timeout=timeout)

    def kill(self, signal="TERM"):
        return _run([DOCKER, "kill", "--signal", signal, self.name])

    def stop(self, time=10, timeout=60):
        return _run([DOCKER, "stop", "--time", str(time), self.name], timeout=timeout)

    def wait(self, timeout=60):
        """The container's exit code (docker wait)."""
        r = _run([DOCKER, "wait", self.name], timeout=timeout)
        return int(r.stdout.strip())

    def logs(self):
        r = _run([DOCKER, "logs", self.name])
        return r.stdout + r.stderr

    def running(self):
        r = _run([DOCKER, "inspect", "--format", "{{.State.Running}}", self.name])
        return r.stdout.strip() == "true"


# ---- seccomp: Docker profile -> OCI -----------------------------------------

# Go's GOARCH names (used by the profiles' includes/excludes) and the native
# libseccomp architecture (the archMap key).
_GOARCH = {"x86_64": "amd64", "aarch64": "arm64", "s390x": "s390x",
           "ppc64le": "ppc64le", "armv7l": "arm"}
_SCMP_ARCH = {"amd64": "SCMP_ARCH_X86_64", "arm64": "SCMP_ARCH_AARCH64",
              "s390x": "SCMP_ARCH_S390X", "ppc64le": "SCMP_ARCH_PPC64LE",
              "arm": "SCMP_ARCH_ARM"}


def docker_default_profile_path():
    """Debian docker.io's default profile, as docker/seccomp/generate.sh
    fetches it (build/seccomp-base/VERSION/default.json)."""
    base = os.path.join(REPO, "build", "seccomp-base")
    if os.path.isdir(base):
        for v in sorted(os.listdir(base)):
            p = os.path.join(base, v, "default.json")
            if os.path.isfile(p):
                return p
    with tempfile.TemporaryDirectory() as tmp:
        r = _run(["sh", os.path.join(PROFILES, "generate.sh"), "-o", tmp], timeout=300)
    if r.returncode != 0:
        raise RuntimeError("cannot fetch the base profile: " + r.stderr)
    return docker_default_profile_path()


def load_profile(profile):
    if isinstance(profile, str):
        with open(profile) as f:
            return json.load(f)
    return profile


def is_oci_profile(profile):
    """An OCI linux.seccomp object (no archMap, no includes/excludes)."""
    p = load_profile(profile)
    return "archMap" not in p and not any("includes" in s or "excludes" in s
                                          for s in p.get("syscalls", []))


def docker_profile_to_oci(profile, caps, goarch=None):
    """Convert a Docker seccomp profile to the OCI linux.seccomp object the
    way Docker does for a container with capability set `caps` (includes /
    excludes on caps and arches, archMap to architectures); minKernel rules
    are kept (the kernel is newer). goarch: Go's name of the architecture,
    default the machine's."""
    profile = load_profile(profile)
    goarch = goarch or _GOARCH.get(platform.machine(), platform.machine())
    native = _SCMP_ARCH.get(goarch)
    capset = {"CAP_" + c for c in caps}
    arches = []
    for a in profile.get("archMap") or []:
        if a["architecture"] == native:
            arches = [a["architecture"]] + list(a.get("subArchitectures") or [])
    syscalls = []
    for s in profile["syscalls"]:
        inc, exc = s.get("includes") or {}, s.get("excludes") or {}
        if inc.get("arches") and goarch not in inc["arches"]:
            continue
        if goarch in (exc.get("arches") or []):
            continue
        if any(c not in capset for c in inc.get("caps") or []):
            continue
        if any(c in capset for c in exc.get("caps") or []):
            continue
        entry = {"names": s["names"] if s.get("names") else [s["name"]],
                 "action": s["action"]}
        if s.get("errnoRet") is not None:
            entry["errnoRet"] = s["errnoRet"]
        if s.get("args"):
            entry["args"] = [{"index": a["index"], "value": a["value"],
                              "valueTwo": a.get("valueTwo", 0), "op": a["op"]}
                             for a in s["args"]]
        syscalls.append(entry)
    out = {"defaultAction": profile["defaultAction"], "architectures": arches,
           "syscalls": syscalls}
    if profile.get("defaultErrnoRet") is not None:
        out["defaultErrnoRet"] = profile["defaultErrnoRet"]
    return out


# ---- OCI bundles (runc, crun, runsc) ----------------------------------------

def make_rootfs(root, jailinit=None, files=None, owner=None):
    """A rootfs: /bin/busybox with its applet links, /jailinit (when given),
    extra files {container_path: host_path}; chowned to owner (uid) when
    given (the mapped range of a user-namespaced container)."""
    for d in ("bin", "proc", "sys", "dev", "tmp", "etc"):
        os.makedirs(os.path.join(root, d), exist_ok=True)
    os.chmod(os.path.join(root, "tmp"), 0o1777)
    shutil.copy2(BUSYBOX, os.path.join(root, "bin", "busybox"))
    applets = _run([BUSYBOX, "--list"]).stdout.split()
    for a in applets:
        p = os.path.join(root, "bin", a)
        if not os.path.lexists(p):
            os.symlink("busybox", p)
    if jailinit:
        shutil.copy2(jailinit, os.path.join(root, "jailinit"))
    for ctr, host in (files or {}).items():
        dst = os.path.join(root, ctr.lstrip("/"))
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        shutil.copy2(host, dst)
    if owner is not None:
        for dirpath, dirnames, filenames in os.walk(root):
            for n in [dirpath] + [os.path.join(dirpath, x) for x in dirnames + filenames]:
                os.lchown(n, owner, owner)


def oci_config(args, caps=(), seccomp=None, userns=False, env=()):
    """config.json for a bundle: namespaces pid/ipc/uts/mount/network (a new,
    empty netns) [+ user, mapped to USERNS_HOST_ID:USERNS_SIZE], the given
    capabilities, seccomp (an OCI linux.seccomp object or None)."""
    capnames = ["CAP_" + c for c in caps]
    ns = [{"type": t} for t in ("pid", "ipc", "uts", "mount", "network")]
    linux = {
        "namespaces": ns,
        "maskedPaths": ["/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys",
                        "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
                        "/proc/sched_debug", "/sys/firmware", "/proc/scsi"],
        "readonlyPaths": ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
                          "/proc/sysrq-trigger"],
    }
    mounts = [
        {"destination": "/proc", "type": "proc", "source": "proc"},
        {"destination": "/dev", "type": "tmpfs", "source": "tmpfs",
         "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
        {"destination": "/dev/pts", "type": "devpts", "source": "devpts",
         "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"]},
        {"destination": "/dev/shm", "type": "tmpfs", "source": "shm",
         "options": ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]},
        {"destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue",
         "options": ["nosuid", "noexec", "nodev"]},
        {"destination": "/sys", "type": "sysfs", "source": "sysfs",
         "options": ["nosuid", "noexec", "nodev", "ro"]},
    ]
    if userns:
        ns.append({"type": "user"})
        m = [{"containerID": 0, "hostID": USERNS_HOST_ID, "size": USERNS_SIZE}]
        linux["uidMappings"] = m
        linux["gidMappings"] = m
    else:
        mounts[2]["options"].append("gid=5")
    if seccomp is not None:
        linux["seccomp"] = seccomp
    return {
        "ociVersion": "1.0.2",
        "process": {
            "terminal": False,
            "user": {"uid": 0, "gid": 0},
            "args": list(args),
            "env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]
                   + list(env),
            "cwd": "/",
            "capabilities": {"bounding": capnames, "effective": capnames,
                             "permitted": capnames},
            "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024}],
            "noNewPrivileges": False,
        },
        "root": {"path": "rootfs", "readonly": False},
        "hostname": "jailinit-test",
        "mounts": mounts,
        "linux": linux,
    }


OCI_RUNTIMES = {"runc": "runc", "crun": "crun"}

# How to call a runtime. crun 1.8 refuses any host whose cgroups are in
# hybrid mode with a controller on cgroup2 ("cgroups in hybrid mode not
# supported, drop all controllers from cgroupv2"; these machines mount
# hugetlb there), whatever its cgroup manager. Cgroups play no part in what
# the tests check, so there crun runs in a private mount namespace where an
# empty tmpfs hides /sys/fs/cgroup/unified, with --cgroup-manager=disabled
# (no cgroup of its own, nothing left behind). The host is not changed.
_HIDE_UNIFIED = ('mount -t tmpfs -o ro,size=4k jailinit-test /sys/fs/cgroup/unified'
                 ' && exec "$@"')


def _runtime_cmd(runtime, state):
    exe = OCI_RUNTIMES.get(runtime, runtime)
    if runtime == "crun" and _cgroup_hybrid_with_v2_controllers():
        return (["unshare", "--mount", "--propagation", "private", "sh", "-c",
                 _HIDE_UNIFIED, "sh", exe, "--root", state, "--cgroup-manager=disabled"])
    return [exe, "--root", state]


def _cgroup_hybrid_with_v2_controllers():
    try:
        with open("/sys/fs/cgroup/unified/cgroup.controllers") as f:
            return bool(f.read().split())
    except OSError:
        return False


def runtime_available(runtime):
    exe = OCI_RUNTIMES.get(runtime, runtime)
    if not shutil.which(exe):
        return False, f"{exe} is not installed (make setup)"
    r = _run([exe, "--version"])
    if r.returncode != 0:
        return False, f"{exe} --version failed: {r.stderr.strip()}"
    return True, r.stdout.splitlines()[0] if r.stdout else exe


@contextlib.contextmanager
def bundle_dir(args, caps=(), seccomp_profile=None, userns=False, files=None,
               jailinit=None, env=()):
    """Yield the path of a fresh bundle directory; removed on exit."""
    d = tempfile.mkdtemp(prefix="jailinit-bundle-")
    try:
        os.chmod(d, 0o755)
        make_rootfs(os.path.join(d, "rootfs"), jailinit=jailinit, files=files,
                    owner=USERNS_HOST_ID if userns else None)
        if seccomp_profile == "docker-default":
            seccomp_profile = docker_default_profile_path()
        if seccomp_profile is None:
            sc = None
        elif is_oci_profile(seccomp_profile):
            sc = load_profile(seccomp_profile)
        else:
            sc = docker_profile_to_oci(seccomp_profile, list(DOCKER_DEFAULT_CAPS) + list(caps))
        # Docker's default capability set plus the added ones, as docker run does.
        allcaps = sorted(set(DOCKER_DEFAULT_CAPS) | set(caps))
        with open(os.path.join(d, "config.json"), "w") as f:
            json.dump(oci_config(args, allcaps, sc, userns, env), f, indent=1)
        yield d
    finally:
        shutil.rmtree(d, ignore_errors=True)


def oci_bundle(runtime, args, caps=(), seccomp_profile=None, userns=False,
               files=None, jailinit=None, env=(), timeout=60):
    """Write a bundle, `runc run` / `crun run` it in the foreground, delete
    it; returns the CompletedProcess (the container's exit code, output).
    The container gets Docker's default capabilities plus `caps`."""
    ok, why = runtime_available(runtime)
    if not ok:
        pytest.skip(why)
    cid = unique(runtime)
    state = tempfile.mkdtemp(prefix=f"jailinit-{runtime}-state-")
    base = _runtime_cmd(runtime, state)
    with bundle_dir(args, caps, seccomp_profile, userns, files, jailinit, env) as b:
        try:
            return _run(base + ["run", "--bundle", b, cid],
                        timeout=timeout, stdin=subprocess.DEVNULL)
        finally:
            _run(base + ["delete", "--force", cid])
            shutil.rmtree(state, ignore_errors=True)


# ---- optional runtimes ------------------------------------------------------

def _podman_base():
    """podman and its global options here. Debian's podman uses crun, which
    refuses hybrid-cgroup hosts (see _runtime_cmd): runc then."""
    base = ["podman"]
    if _cgroup_hybrid_with_v2_controllers():
        base += ["--runtime", "runc"]
    return base


def _podman_ulimits():
    """podman raises RLIMIT_NOFILE/NPROC for its containers; that needs
    CAP_SYS_RESOURCE, which root lacks on these machines (every podman
    container then fails: `setrlimit ... Operation not permitted`). Ask for
    modest limits instead."""
    with open("/proc/self/status") as f:
        capbnd = int([x for x in f if x.startswith("CapBnd:")][0].split()[1], 16)
    if capbnd & (1 << 24):  # CAP_SYS_RESOURCE
        return []
    return ["--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024"]


def podman_available():
    if not shutil.which("podman"):
        return False, "podman is not installed (Debian's podman; optional runtime, make setup)"
    r = _run(_podman_base() + ["info", "--format", "{{.Host.OCIRuntime.Name}}"], timeout=60)
    if r.returncode != 0:
        return False, "podman info failed here: " + r.stderr.strip()[:300]
    return True, r.stdout.strip()


@contextlib.contextmanager
def podman_image(docker_tag):
    """Copy an image built by image() into podman's storage (docker save |
    podman load, no registry); yield its podman name; remove it on exit."""
    ok, why = podman_available()
    if not ok:
        pytest.skip(why)
    save = subprocess.Popen([DOCKER, "save", docker_tag], stdout=subprocess.PIPE)
    r = _run(["podman", "load"], stdin=save.stdout, timeout=300)
    save.stdout.close()
    save.wait()
    if r.returncode != 0 or save.returncode != 0:
        raise RuntimeError("docker save | podman load failed: " + r.stderr)
    name = "localhost/" + docker_tag + ":latest"
    try:
        yield name
    finally:
        ids = _run(["podman", "ps", "-aq", "--filter", "label=" + LABEL]).stdout.split()
        if ids:
            _run(["podman", "rm", "-f"] + ids)
        _run(["podman", "rmi", "-f", name])


def podman_run(image, args=(), caps=(), seccomp=None, entrypoint=None,
               volumes=(), extra=(), timeout=60):
    """`podman run --rm --network none ...` (image from podman_image());
    skips when podman cannot run here."""
    ok, why = podman_available()
    if not ok:
        pytest.skip(why)
    name = unique("podman")
    cmd = (_podman_base() + ["run", "--rm", "--name", name] + _podman_ulimits()
           + _docker_opts(caps, seccomp, None, None, entrypoint, volumes, extra)
           + [image] + list(args))
    try:
        return _run(cmd, timeout=timeout)
    finally:
        _run(["podman", "rm", "-f", name])


_runsc_ok = None


def runsc_available():
    """(ok, reason): whether runsc can start a sandbox here (tried once: a
    bundle running /bin/true)."""
    global _runsc_ok
    if _runsc_ok is None:
        if not shutil.which("runsc"):
            _runsc_ok = (False, "runsc (gVisor) is not installed: Debian's runsc is optional")
        else:
            r = _runsc_raw(["/bin/true"], (), None, None, None, 60)
            _runsc_ok = (True, "") if r.returncode == 0 else \
                (False, "runsc cannot start a sandbox here: " + (r.stderr.strip()[-300:]))
    return _runsc_ok


def _runsc_raw(args, caps, seccomp_profile, files, jailinit, timeout):
    cid = unique("runsc")
    state = tempfile.mkdtemp(prefix="jailinit-runsc-state-")
    base = ["runsc", "--root", state, "--network", "none"]
    with bundle_dir(args, caps, seccomp_profile, False, files, jailinit) as b:
        try:
            return _run(base + ["run", "--bundle", b, cid], timeout=timeout,
                        stdin=subprocess.DEVNULL)
        finally:
            _run(base + ["delete", "--force", cid])
            shutil.rmtree(state, ignore_errors=True)


def runsc_bundle(args, caps=(), seccomp_profile=None, files=None, jailinit=None,
                 timeout=60):
    """Run a bundle with gVisor's runsc (--network=none); skips when runsc is
    missing or cannot start a sandbox on this machine."""
    ok, why = runsc_available()
    if not ok:
        pytest.skip(why)
    return _runsc_raw(args, caps, seccomp_profile, files, jailinit, timeout)


# ---- the configurations that matter (design brief's table) -----------------

class Config:
    """One container configuration: where and how a container runs.
    runtime: docker | runc | crun | podman | runsc; caps added to the
    runtime's defaults; seccomp: None (the runtime's default: Docker's
    profile for docker/runc/crun bundles, podman's own for podman, none for
    runsc), 'unconfined', or a profile path; userns: the container in its
    own user namespace (bundles only); jail: whether the network jail can be
    built there; optional: the runtime may be missing in CI."""

    def __init__(self, id, runtime, caps=(), seccomp=None, userns=False, jail=False,
                 optional=False):
        self.id, self.runtime, self.caps, self.seccomp = id, runtime, tuple(caps), seccomp
        self.userns, self.jail, self.optional = userns, jail, optional

    def __repr__(self):
        return f"Config({self.id})"


def _configurations():
    na = ("NET_ADMIN",)
    out = [
        Config("docker-default", "docker"),
        Config("docker-net-admin", "docker", na),
        Config("docker-net-admin+seed", "docker", na, SEED_PROFILE, jail=True),
        Config("docker-net-admin+least-privilege", "docker", na, LEAST_PROFILE, jail=True),
        Config("docker-net-admin+unconfined", "docker", na, "unconfined", jail=True),
        Config("docker-sys-admin", "docker", ("SYS_ADMIN",)),
        Config("docker-net-admin+sys-admin", "docker", ("NET_ADMIN", "SYS_ADMIN"), jail=True),
    ]
    for rt in ("runc", "crun"):
        for userns in (False, True):
            sfx = "-userns" if userns else ""
            out += [
                Config(f"{rt}{sfx}-net-admin", rt, na, None, userns),
                Config(f"{rt}{sfx}-net-admin+seed", rt, na, SEED_PROFILE, userns, True),
                Config(f"{rt}{sfx}-net-admin+least-privilege", rt, na, LEAST_PROFILE, userns, True),
                Config(f"{rt}{sfx}-net-admin+least-privilege-oci", rt, na, LEAST_OCI_PROFILE,
                       userns, True),
                Config(f"{rt}{sfx}-net-admin+unconfined", rt, na, "unconfined", userns, True),
            ]
    out += [
        Config("podman-default", "podman", optional=True),
        Config("podman-net-admin", "podman", na, jail=True, optional=True),
        Config("podman-net-admin+least-privilege", "podman", na, LEAST_PROFILE, jail=True,
               optional=True),
        Config("runsc-net-admin", "runsc", na, optional=True),
    ]
    return out


CONFIGURATIONS = _configurations()


def config_params(select=lambda c: True):
    """CONFIGURATIONS as pytest params (id = the config's id; the optional
    mark on podman/runsc ones) for @pytest.mark.parametrize("cfg", ...)."""
    return [pytest.param(c, id=c.id, marks=[pytest.mark.optional] if c.optional else [])
            for c in CONFIGURATIONS if select(c)]


def run_config(cfg, args, jailinit=None, files=None, docker_image=None, podman_image=None,
               entrypoint=None, timeout=60):
    """Run one container in configuration cfg; returns the CompletedProcess.
    docker/podman: the image's entrypoint (/jailinit) gets args, unless
    entrypoint is given; files {container_path: host_path} are bind-mounted
    read-only. Bundles (runc/crun/runsc): the rootfs gets /jailinit (from
    jailinit) and files, and runs [entrypoint or "/jailinit"] + args."""
    files = files or {}
    vols = [(h, c) for c, h in files.items()]
    if cfg.runtime == "docker":
        assert docker_image, "run_config(docker): docker_image= (a tag from image())"
        return docker_run(docker_image, args, caps=cfg.caps, seccomp=cfg.seccomp,
                          entrypoint=entrypoint, volumes=vols, timeout=timeout)
    if cfg.runtime == "podman":
        assert podman_image, "run_config(podman): podman_image= (from podman_image())"
        return podman_run(podman_image, args, caps=cfg.caps, seccomp=cfg.seccomp,
                          entrypoint=entrypoint, volumes=vols, timeout=timeout)
    argv = [entrypoint or "/jailinit"] + list(args)
    if cfg.runtime == "runsc":
        return runsc_bundle(argv, caps=cfg.caps, seccomp_profile=None, files=files,
                            jailinit=jailinit, timeout=timeout)
    profile = {None: "docker-default", "unconfined": None}.get(cfg.seccomp, cfg.seccomp)
    return oci_bundle(cfg.runtime, argv, caps=cfg.caps, seccomp_profile=profile,
                      userns=cfg.userns, files=files, jailinit=jailinit, timeout=timeout)
