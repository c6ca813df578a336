#include "runtime.h"
#include "../base/fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <linux/netlink.h>

static int exists(const char *path)
{
	return access(path, F_OK) == 0;
}

/* One pass over /proc/self/mountinfo, which can be long: the type of the
 * root file system from the first chunk (the mount at "/" is among the
 * first lines), and a sysboxfs mount anywhere, scanning in chunks. */
static void scan_mountinfo(struct runtime_facts *f)
{
	int fd = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	static const char needle[] = "sysboxfs";
	const size_t nlen = sizeof needle - 1;
	char buf[4096 + 64];
	size_t keep = 0;
	int first = 1;
	for (;;) {
		ssize_t n = read(fd, buf + keep, sizeof buf - 1 - keep);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		size_t len = keep + (size_t)n;
		buf[len] = '\0';
		if (first) {
			runtime_root_fstype(buf, f->root_fstype, sizeof f->root_fstype);
			first = 0;
		}
		if (strstr(buf, needle)) {
			f->sysboxfs = 1;
			break;
		}
		keep = len < nlen ? len : nlen - 1;
		memmove(buf, buf + len - keep, keep);
	}
	close(fd);
}

/* The file system type of the first mount at "/" in mountinfo text: lines
 * "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [TAGS...] - FSTYPE SOURCE ...". */
void runtime_root_fstype(const char *mi, char *out, size_t cap)
{
	out[0] = '\0';
	const char *line = mi;
	while (*line) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);
		/* skip four fields to the mount point */
		const char *p = line;
		for (int i = 0; i < 4 && p < line + len; i++) {
			p = memchr(p, ' ', (size_t)(line + len - p));
			if (!p)
				break;
			p++;
		}
		if (p && p + 2 <= line + len && p[0] == '/' && p[1] == ' ') {
			for (const char *d = p; d + 3 <= line + len; d++) {
				if (d[0] == ' ' && d[1] == '-' && d[2] == ' ') {
					const char *t = d + 3;
					size_t n = 0;
					while (t + n < line + len && t[n] != ' ')
						n++;
					snprintf(out, cap, "%.*s", (int)n, t);
					return;
				}
			}
		}
		if (!end)
			break;
		line = end + 1;
	}
}

int runtime_netfilter_errno(void)
{
	int s = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);
	if (s < 0)
		return errno;
	close(s);
	return 0;
}

void runtime_gather_kernel(struct runtime_facts *f, int netfilter_errno)
{
	memset(f, 0, sizeof *f);
	struct utsname u;
	if (uname(&u) == 0) {
		snprintf(f->kernel_release, sizeof f->kernel_release, "%s", u.release);
		snprintf(f->kernel_version, sizeof f->kernel_version, "%s", u.version);
	}
	f->netfilter_errno = netfilter_errno;
}

void runtime_gather(struct runtime_facts *f, int netfilter_errno)
{
	runtime_gather_kernel(f, netfilter_errno);
	f->dockerenv = exists("/.dockerenv");
	f->containerenv = exists("/run/.containerenv");
	const char *c = getenv("container");
	if (c)
		snprintf(f->container_env, sizeof f->container_env, "%s", c);
	read_text_file("/proc/self/cgroup", f->self_cgroup, sizeof f->self_cgroup);
	read_text_file("/proc/1/cgroup", f->init_cgroup, sizeof f->init_cgroup);
	scan_mountinfo(f);
	read_text_file("/proc/self/uid_map", f->uid_map, sizeof f->uid_map);
	f->k8s_env = getenv("KUBERNETES_SERVICE_HOST") != NULL;
	f->k8s_sa = exists("/var/run/secrets/kubernetes.io/serviceaccount");
	f->ecs_env = getenv("ECS_CONTAINER_METADATA_URI_V4") != NULL || getenv("ECS_CONTAINER_METADATA_URI") != NULL;
}

__attribute__((format(printf, 2, 3))) static void evidence(struct runtime_info *r, const char *fmt, ...)
{
	if (r->n_evidence >= RUNTIME_MAX_EVIDENCE)
		return;
	char *slot = r->evidence[r->n_evidence++];
	va_list ap;
	va_start(ap, fmt);
	(void)vsnprintf(slot, sizeof r->evidence[0], fmt, ap);
	va_end(ap);
}

/* The first cgroup line containing needle, trimmed to its path, for the
 * evidence. */
static int cgroup_has(const char *cg, const char *needle, char *line, size_t cap)
{
	const char *p = strstr(cg, needle);
	if (!p)
		return 0;
	const char *start = p;
	while (start > cg && start[-1] != '\n' && start[-1] != ':')
		start--;
	const char *end = strchr(p, '\n');
	size_t len = end ? (size_t)(end - start) : strlen(start);
	if (len > 60) { /* keep it short: container ids are long */
		snprintf(line, cap, "%.60s...", start);
	} else {
		snprintf(line, cap, "%.*s", (int)len, start);
	}
	return 1;
}

static int cgroups_are_root(const char *cg)
{
	/* Every line ends in ":/" — the init of a host, or a private cgroupns. */
	if (!*cg)
		return 0;
	for (const char *line = cg; *line;) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		if (len < 2 || line[len - 1] != '/' || line[len - 2] != ':')
			return 0;
		if (!nl)
			break;
		line = nl + 1;
	}
	return 1;
}

/* The first line of a uid_map: "inside outside count". */
static int parse_map_line(const char *map, unsigned long v[3])
{
	const char *p = map;
	for (int i = 0; i < 3; i++) {
		char *end;
		errno = 0;
		v[i] = strtoul(p, &end, 10);
		if (end == p || errno)
			return -1;
		p = end;
	}
	return 0;
}

void runtime_classify(const struct runtime_facts *f, struct runtime_info *r)
{
	memset(r, 0, sizeof *r);
	char line[96];

	/* gVisor: a fixed fake kernel ("4.4.0", built "Sun Jan 10 15:06:54 PST
	 * 2016") and no NETLINK_NETFILTER. */
	int fake_kernel = strcmp(f->kernel_release, "4.4.0") == 0 && strstr(f->kernel_version, "2016");
	if (fake_kernel || (f->netfilter_errno == EPROTONOSUPPORT && strcmp(f->kernel_release, "4.4.0") == 0)) {
		r->engine = RT_GVISOR;
		evidence(r, "kernel %s %s (gVisor's fixed version)", f->kernel_release, f->kernel_version);
		if (f->netfilter_errno == EPROTONOSUPPORT)
			evidence(r, "socket(AF_NETLINK, NETLINK_NETFILTER): EPROTONOSUPPORT");
	}

	if (!r->engine && f->sysboxfs) {
		r->engine = RT_SYSBOX;
		evidence(r, "sysboxfs mounts in /proc/self/mountinfo");
	}
	if (f->containerenv) {
		if (!r->engine)
			r->engine = RT_PODMAN;
		evidence(r, "/run/.containerenv exists");
	}
	if (f->container_env[0]) {
		if (!r->engine && strcmp(f->container_env, "podman") == 0)
			r->engine = RT_PODMAN;
		else if (!r->engine && strncmp(f->container_env, "lxc", 3) == 0)
			r->engine = RT_LXC;
		evidence(r, "environment container=%s", f->container_env);
	}
	if (f->dockerenv) {
		if (!r->engine)
			r->engine = RT_DOCKER;
		evidence(r, "/.dockerenv exists");
	}
	const char *cg = f->self_cgroup;
	if (cgroup_has(cg, "docker", line, sizeof line)) {
		if (!r->engine)
			r->engine = RT_DOCKER;
		evidence(r, "cgroup %s", line);
	} else if (cgroup_has(cg, "libpod", line, sizeof line)) {
		if (!r->engine)
			r->engine = RT_PODMAN;
		evidence(r, "cgroup %s", line);
	} else if (cgroup_has(cg, "containerd", line, sizeof line)) {
		if (!r->engine)
			r->engine = RT_CONTAINERD;
		evidence(r, "cgroup %s", line);
	} else if (cgroup_has(cg, "kubepods", line, sizeof line)) {
		evidence(r, "cgroup %s", line);
	} else if (cgroup_has(cg, "lxc", line, sizeof line)) {
		if (!r->engine)
			r->engine = RT_LXC;
		evidence(r, "cgroup %s", line);
	}

	if (f->k8s_env || f->k8s_sa || strstr(cg, "kubepods")) {
		r->orchestrator = RT_ORCH_KUBERNETES;
		if (f->k8s_env)
			evidence(r, "KUBERNETES_SERVICE_HOST is set");
		if (f->k8s_sa)
			evidence(r, "/var/run/secrets/kubernetes.io/serviceaccount exists");
	} else if (f->ecs_env) {
		r->orchestrator = RT_ORCH_ECS;
		evidence(r, "ECS_CONTAINER_METADATA_URI(_V4) is set");
	}

	/* Own user namespace: a uid_map that is not the identity of the whole
	 * range (unreadable: assume none). */
	unsigned long v[3];
	r->userns = parse_map_line(f->uid_map, v) == 0 && !(v[0] == 0 && v[1] == 0 && v[2] == 4294967295UL);
	if (r->userns)
		evidence(r, "own user namespace: uid_map %lu %lu %lu", v[0], v[1], v[2]);

	if (!r->engine && r->orchestrator)
		r->engine = RT_CONTAINER;
	if (!r->engine && !cgroups_are_root(f->init_cgroup) && f->init_cgroup[0] && !strstr(f->init_cgroup, "init.scope")) {
		/* Not conclusive alone: PID 1 sits in a cgroup that is not the
		 * root and not systemd's init.scope. */
		r->engine = RT_CONTAINER;
		cgroup_has(f->init_cgroup, "/", line, sizeof line);
		evidence(r, "PID 1's cgroup is %s", line);
	}
	if (!r->engine && strcmp(f->root_fstype, "overlay") == 0) {
		r->engine = RT_CONTAINER;
		evidence(r, "the root file system is overlay");
	}
	if (!r->engine) {
		if (r->userns)
			r->engine = RT_CONTAINER;
		else
			evidence(r, "no container markers; PID 1's cgroup is %s",
				 cgroups_are_root(f->init_cgroup) ? "/" : "systemd's init.scope or unknown");
	}
}

const char *runtime_engine_name(enum rt_engine e)
{
	switch (e) {
	case RT_NONE: return "none";
	case RT_CONTAINER: return "container";
	case RT_DOCKER: return "docker";
	case RT_CONTAINERD: return "containerd";
	case RT_PODMAN: return "podman";
	case RT_SYSBOX: return "sysbox";
	case RT_GVISOR: return "gvisor";
	case RT_LXC: return "lxc";
	}
	return "container";
}

const char *runtime_orchestrator_name(enum rt_orchestrator o)
{
	switch (o) {
	case RT_ORCH_KUBERNETES: return "kubernetes";
	case RT_ORCH_ECS: return "ecs";
	case RT_ORCH_NONE: break;
	}
	return NULL;
}

const char *runtime_name(const struct runtime_info *r)
{
	const char *o = runtime_orchestrator_name(r->orchestrator);
	return o ? o : runtime_engine_name(r->engine);
}
