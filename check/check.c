/* The self-check (issue 4): gather facts with syscalls, evaluate them into
 * checks, a verdict and fixes (pure), print text or JSON. */
#include "check.h"
#include "../egress/policy.h"
#include "../base/fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <linux/capability.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check_report.h"
#include "../base/log.h"
#include "../base/nsclone.h"
#include "../landlock/landlock.h"

/* ---- gathering ---------------------------------------------------------- */

static long read_long(const char *path)
{
	char buf[32];
	if (read_text_file(path, buf, sizeof buf) < 0)
		return -1;
	char *end;
	long v = strtol(buf, &end, 10);
	return end == buf ? -1 : v;
}

static int status_field(const char *status, const char *key)
{
	const char *p = strstr(status, key);
	if (!p)
		return -1;
	p += strlen(key);
	while (*p == ' ' || *p == '\t')
		p++;
	char *end;
	long v = strtol(p, &end, 10);
	return end == p ? -1 : (int)v;
}

static unsigned probe_mask(const struct options *o, int full)
{
	if (full)
		return PROBE_ALL;
	unsigned m = 0;
	if (o->net != NET_HOST) {
		m |= 1u << PROBE_CLONE_MIN;
		if (o->hostname)
			m |= (1u << PROBE_CLONE_FULL) | (1u << PROBE_SETHOSTNAME);
	}
	return m;
}

static int needs_net_admin(const struct options *o)
{
	return o->net == NET_PROXY || o->net == NET_TRANSPARENT;
}

static int probe_refused(const struct check_facts *f, enum probe_id id)
{
	return f->probes_known && f->probes[id].verdict == PROBE_REFUSED;
}

static int probe_allowed(const struct check_facts *f, enum probe_id id)
{
	return f->probes_known && f->probes[id].verdict == PROBE_ALLOWED;
}

/* jail_trial in a throwaway child writing into shared memory, so that a
 * filter that kills one of the jail's syscalls kills only that child and
 * the steps recorded up to then are still seen. The step names point into
 * the binary, which the child shares. */
static void run_trial(const struct options *o, struct check_facts *f)
{
	memset(&f->trial, 0, sizeof f->trial);
	struct jail_trial *t = mmap(NULL, sizeof *t, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (t == MAP_FAILED) {
		f->trial_state = TRIAL_FAILED_TO_RUN;
		f->trial_errno = errno;
		return;
	}
	memset(t, 0, sizeof *t);
	/* An init may start with SIGCHLD ignored: then no child could be waited for. */
	struct sigaction old_chld, dfl;
	memset(&dfl, 0, sizeof dfl);
	dfl.sa_handler = SIG_DFL;
	int restore = sigaction(SIGCHLD, NULL, &old_chld) == 0 &&
		      (old_chld.sa_handler == SIG_IGN || (old_chld.sa_flags & SA_NOCLDWAIT)) &&
		      sigaction(SIGCHLD, &dfl, NULL) == 0;
	pid_t pid = fork();
	if (pid < 0) {
		f->trial_state = TRIAL_FAILED_TO_RUN;
		f->trial_errno = errno;
		munmap(t, sizeof *t);
		if (restore)
			(void)sigaction(SIGCHLD, &old_chld, NULL);
		return;
	}
	if (pid == 0) {
		int rc = jail_trial(o, t);
		_exit(rc == 0 ? 0 : 1);
	}
	int status = 0;
	int wait_errno = 0;
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			status = 0;
			wait_errno = errno;
			break;
		}
	}
	if (restore)
		(void)sigaction(SIGCHLD, &old_chld, NULL);
	f->trial = *t;
	munmap(t, sizeof *t);
	if (f->trial.n_steps > JAIL_TRIAL_MAX_STEPS)
		f->trial.n_steps = JAIL_TRIAL_MAX_STEPS;
	if (WIFSIGNALED(status)) {
		f->trial_state = TRIAL_RAN;
		f->trial_signal = WTERMSIG(status);
		if (f->trial.n_steps < JAIL_TRIAL_MAX_STEPS) {
			struct jail_step_result *st = &f->trial.steps[f->trial.n_steps++];
			memset(st, 0, sizeof *st);
			st->name = "killed";
			st->ran = 1;
			snprintf(st->detail, sizeof st->detail, "the real steps were killed by signal %d%s", f->trial_signal,
				 f->trial_signal == SIGSYS ? " (SIGSYS: the seccomp filter kills a syscall the jail needs)" : "");
		}
	} else if (f->trial.n_steps == 0 && wait_errno) {
		f->trial_state = TRIAL_FAILED_TO_RUN; /* not "unavailable": the child was lost */
		f->trial_errno = wait_errno;
	} else if (f->trial.n_steps == 0) {
		f->trial_state = TRIAL_UNAVAILABLE;
	} else {
		f->trial_state = TRIAL_RAN;
	}
}

void check_gather(const struct options *o, struct check_facts *f, int full)
{
	memset(f, 0, sizeof *f);
	f->seccomp_mode = f->seccomp_filters = f->no_new_privs = -1;
	f->netfilter_errno = -1;
	f->landlock_abi = -1;
	f->apparmor_restrict_userns = -1;

	struct ji_err e;
	f->uid = (long)getuid();
	/* The quick form reads the bounding set only for the capabilities the
	 * report names. */
	uint64_t which = full ? CAPS_ALL
			      : CAPS_BIT(CAP_NET_ADMIN) | CAPS_BIT(CAP_SETUID) | CAPS_BIT(CAP_SETGID) |
					CAPS_BIT(CAP_SYS_ADMIN);
	f->caps_known = caps_read(&f->caps, which, &e) == 0;
	if (!f->caps_known)
		f->caps_errno = e.errnum;

	int sys_admin = f->caps_known && (f->caps.effective & CAPS_BIT(CAP_SYS_ADMIN));
	unsigned mask = probe_mask(o, full);
	if (mask) {
		f->probes_known = probe_run(mask, sys_admin, f->probes) == 0;
		if (!f->probes_known)
			f->probe_errno = errno;
	}

	f->max_userns = read_long("/proc/sys/user/max_user_namespaces");
	f->unpriv_userns_clone = (int)read_long("/proc/sys/kernel/unprivileged_userns_clone");

	if (full || needs_net_admin(o))
		f->netfilter_errno = runtime_netfilter_errno();
	struct runtime_facts rf;
	if (!full) {
		/* gVisor costs one uname to recognise, and nothing fixes it. */
		runtime_gather_kernel(&rf, f->netfilter_errno);
		struct runtime_info ri;
		runtime_classify(&rf, &ri);
		if (ri.engine == RT_GVISOR) {
			f->rt = ri;
			f->have_runtime = 1;
		}
		return;
	}

	/* Never required alone (the AppArmor profile may allow `userns,`): it
	 * only explains a real step's EPERM, so the quick form skips it. */
	f->apparmor_restrict_userns = (int)read_long("/proc/sys/kernel/apparmor_restrict_unprivileged_userns");
	char status[8192];
	if (read_text_file("/proc/self/status", status, sizeof status) >= 0) {
		f->seccomp_mode = status_field(status, "\nSeccomp:");
		f->seccomp_filters = status_field(status, "\nSeccomp_filters:");
		f->no_new_privs = status_field(status, "\nNoNewPrivs:");
	}
	/* "" when unreadable */
	read_text_file("/proc/self/attr/current", f->lsm_label, sizeof f->lsm_label);
	f->lsm_label[strcspn(f->lsm_label, "\n")] = '\0';

	int abi = landlock_abi();
	if (abi < 0)
		f->landlock_errno = errno;
	else
		f->landlock_abi = abi;

	runtime_gather(&rf, f->netfilter_errno);
	runtime_classify(&rf, &f->rt);
	f->have_runtime = 1;

	if (o->net != NET_HOST && full != CHECK_GATHER_NO_TRIAL) {
		if (probe_refused(f, PROBE_CLONE_MIN))
			f->trial_state = TRIAL_SKIPPED; /* it would stop at clone (or be killed there) */
		else
			run_trial(o, f);
	}
}

/* ---- evaluating --------------------------------------------------------- */

/* /proc/self/status's Seccomp: 0, 1, 2 (mode >= 0). */
static const char *seccomp_mode_name(int mode)
{
	return mode == 0 ? "disabled" : mode == 1 ? "strict" : "filter";
}

const char *check_net_name(enum net_mode m)
{
	switch (m) {
	case NET_DEFAULT: return "default";
	case NET_NONE: return "none";
	case NET_PROXY: return "proxy";
	case NET_TRANSPARENT: return "transparent";
	case NET_HOST: return "host";
	}
	return "?";
}

__attribute__((format(printf, 6, 7))) static void add(struct check_report *r, const char *name, int ok, int required,
						       int errnum, const char *fmt, ...)
{
	if (r->n_items >= CHECK_MAX_ITEMS)
		return;
	struct check_item *it = &r->items[r->n_items++];
	snprintf(it->name, sizeof it->name, "%s", name);
	it->ok = ok;
	it->required = required;
	it->errnum = errnum;
	va_list ap;
	va_start(ap, fmt);
	(void)vsnprintf(it->detail, sizeof it->detail, fmt, ap);
	va_end(ap);
}

static struct check_fix *fix(struct check_report *r, const char *runtime, const char *kind)
{
	if (r->n_fixes >= CHECK_MAX_FIXES)
		return NULL;
	struct check_fix *x = &r->fixes[r->n_fixes++];
	memset(x, 0, sizeof *x);
	x->runtime = runtime;
	x->kind = kind;
	return x;
}

static const char *const probe_item_name[PROBE_COUNT] = {
	[PROBE_CLONE_FULL] = "filter:clone",
	[PROBE_CLONE_MIN] = "filter:clone-min",
	[PROBE_CLONE_OTHER] = "filter:clone-other",
	[PROBE_CLONE3] = "filter:clone3",
	[PROBE_UNSHARE] = "filter:unshare",
	[PROBE_SETNS] = "filter:setns",
	[PROBE_MOUNT] = "filter:mount",
	[PROBE_SETHOSTNAME] = "filter:sethostname",
};

static void add_probe(struct check_report *r, const struct check_facts *f, enum probe_id id, int required,
		      const char *use)
{
	const struct probe_result *p = &f->probes[id];
	const char *call = probe_call(id);
	const char *exp = ji_errno_name(p->expected);
	switch (p->verdict) {
	case PROBE_UNTRIED:
		return;
	case PROBE_ALLOWED:
		if (p->errnum == 0)
			add(r, probe_item_name[id], 1, required, 0, "let through: %s succeeded (%s)", call, use);
		else
			add(r, probe_item_name[id], 1, required, p->errnum, "let through: %s -> %s (%s)", call,
			    exp, use);
		return;
	case PROBE_REFUSED:
		if (p->signal)
			add(r, probe_item_name[id], 0, required, 0, "refused: %s killed by signal %d: the filter kills (%s)",
			    call, p->signal, use);
		else
			add(r, probe_item_name[id], 0, required, p->errnum, "refused by the seccomp filter: %s -> %s, not %s (%s)",
			    call, ji_errno_name(p->errnum), exp, use);
		return;
	case PROBE_UNKNOWN:
		if (id == PROBE_SETHOSTNAME && !p->signal)
			add(r, probe_item_name[id], -1, 0, p->errnum,
			    "cannot tell: needs CAP_SYS_ADMIN or a user+UTS namespace to try, and clone said %s (%s)",
			    ji_errno_name(p->errnum), use);
		else if (p->signal)
			add(r, probe_item_name[id], -1, 0, 0, "%s: killed by signal %d (%s)", call, p->signal, use);
		else
			add(r, probe_item_name[id], -1, 0, p->errnum, "%s: unexpected %s (expected %s); the real steps decide (%s)",
			    call, ji_errno_name(p->errnum), exp, use);
		return;
	}
}

/* Which step failures mean no jail at all (versus no network rules). */
static int trial_step_is_basic(const char *name)
{
	/* jail.c's names: "agent stdio", "handshake socketpair", "clone",
	 * "own /proc", "uid/gid maps", "jail side configured" (lo, and the
	 * jail end of the link); the others are the link and the rules
	 * (NET_ADMIN). */
	return strcmp(name, "clone") == 0 || strcmp(name, "agent stdio") == 0 || strcmp(name, "own /proc") == 0 ||
	       strstr(name, "handshake") || strstr(name, "maps") ||
	       strstr(name, "uid_map") || strstr(name, "gid_map") || strstr(name, "jail side") ||
	       strstr(name, "lo up");
}

struct problems {
	int clone;     /* the filter refuses the jail's clone */
	int net_admin; /* CAP_NET_ADMIN needed but missing */
	int net_admin_unbounded; /* ... and not even in the bounding set */
	int setid;     /* CAP_SETUID/SETGID missing */
	int hostname;  /* sethostname refused */
	int limits;    /* host sysctls */
	int gvisor;
	int netfilter; /* no NETLINK_NETFILTER (not gVisor) */
	int other;     /* a real step failed for a reason none of the above explains */
	int want_net_admin;    /* the mode needs CAP_NET_ADMIN (present or not) */
	int sys_admin_reliant; /* CAP_SYS_ADMIN under a filter: clone may only work thanks to it */
};

/* The docker-style fixes. Each text is the complete set of flags the jail
 * needs beyond the engine's defaults, not a delta to the flags in use (which
 * cannot be seen from inside): NET_ADMIN when the mode needs it, SETUID and
 * SETGID when missing, and the least-privilege profile whenever the filter
 * refuses the jail's clone or clone only works thanks to CAP_SYS_ADMIN — and
 * always for Docker/containerd, whose default profile refuses it. */
static void docker_like(struct check_report *r, const struct problems *p, const char *cli, const char *rt,
			int default_refuses_clone)
{
	char caps[96] = "";
	size_t n = 0;
	if (p->want_net_admin)
		n += (size_t)snprintf(caps + n, sizeof caps - n, " --cap-add NET_ADMIN");
	if (p->setid && n < sizeof caps)
		snprintf(caps + n, sizeof caps - n, " --cap-add SETUID --cap-add SETGID");
	int profile = default_refuses_clone || p->clone || p->sys_admin_reliant;
	struct check_fix *x;
	if (!profile) {
		if ((x = fix(r, rt, "least-privilege")))
			snprintf(x->text, sizeof x->text, "%s run%s IMAGE", cli, caps);
		return;
	}
	if ((x = fix(r, rt, "least-privilege"))) {
		snprintf(x->text, sizeof x->text, "%s run%s --security-opt seccomp=%s IMAGE", cli, caps, CHECK_PROFILE_LEAST);
		snprintf(x->note, sizeof x->note, "%s%s",
			 p->sys_admin_reliant ? "instead of --cap-add SYS_ADMIN; " : "",
			 "the default profile plus clone only with jailinit's namespace flags (in jailinit's repository)");
	}
	if (!p->clone && !p->sys_admin_reliant)
		return; /* the profile is not what is missing: no alternatives needed */
	if ((x = fix(r, rt, "seed-profile"))) {
		snprintf(x->text, sizeof x->text, "%s run%s --security-opt seccomp=%s IMAGE", cli, caps, CHECK_PROFILE_SEED);
		snprintf(x->note, sizeof x->note, "alternative: the default profile plus clone allowed with any flags");
	}
	if (strcmp(rt, "docker") == 0 && (x = fix(r, "sysbox", "runtime"))) {
		snprintf(x->text, sizeof x->text, "docker run --runtime=sysbox-runc IMAGE");
		snprintf(x->note, sizeof x->note,
			 "alternative: sysbox-runc (installed on the host) gives the container its own user namespace "
			 "where namespaces and NET_ADMIN are allowed");
	}
	if ((x = fix(r, rt, "testing-only"))) {
		snprintf(x->text, sizeof x->text, "%s run%s --cap-add SYS_ADMIN IMAGE", cli, caps);
		snprintf(x->note, sizeof x->note,
			 "testing only: CAP_SYS_ADMIN makes the default profile allow every namespace syscall and much more");
	}
}

/* The capabilities to add, as a quoted list for the Kubernetes and ECS
 * fixes: "NET_ADMIN", "SETUID", "SETGID". */
static const char *added_caps(const struct problems *p)
{
	if (p->want_net_admin && p->setid)
		return "\"NET_ADMIN\", \"SETUID\", \"SETGID\"";
	if (p->want_net_admin)
		return "\"NET_ADMIN\"";
	return p->setid ? "\"SETUID\", \"SETGID\"" : "";
}

/* What is missing (capabilities, the profile), in the terms of the
 * orchestrator if there is one, else of the engine. */
static void runtime_fixes(struct check_report *r, const struct runtime_info *rt, const struct problems *p)
{
	struct check_fix *x;
	switch (rt->orchestrator) {
	case RT_ORCH_KUBERNETES:
		if ((x = fix(r, "kubernetes", "least-privilege"))) {
			size_t n = (size_t)snprintf(x->text, sizeof x->text, "securityContext:\n");
			if (p->want_net_admin || p->setid)
				n += (size_t)snprintf(x->text + n, sizeof x->text - n, "  capabilities:\n    add: [%s]\n",
						      added_caps(p));
			if (n < sizeof x->text)
				snprintf(x->text + n, sizeof x->text - n,
					 "  seccompProfile:\n    type: Localhost\n    localhostProfile: " CHECK_PROFILE_OCI_NAME);
			snprintf(x->note, sizeof x->note,
				 "copy docker/seccomp/%s to /var/lib/kubelet/seccomp/ on every node (the OCI form: "
				 "containerd ignores Docker's includes/excludes)", CHECK_PROFILE_OCI_NAME);
		}
		if ((x = fix(r, "kubernetes", "testing-only"))) {
			snprintf(x->text, sizeof x->text,
				 "securityContext:\n  capabilities:\n    add: [\"NET_ADMIN\", \"SYS_ADMIN\"]");
			snprintf(x->note, sizeof x->note, "testing only: CAP_SYS_ADMIN grants far more than the jail needs");
		}
		return;
	case RT_ORCH_ECS:
		/* The task definition can add the capability; it cannot name a
		 * seccomp profile (dockerSecurityOptions takes no seccomp=), so
		 * the profile goes to the Docker daemon of the EC2 instances. */
		if ((p->want_net_admin || p->setid) && (x = fix(r, "ecs", "least-privilege"))) {
			snprintf(x->text, sizeof x->text, "\"linuxParameters\": {\"capabilities\": {\"add\": [%s]}}",
				 added_caps(p));
			snprintf(x->note, sizeof x->note,
				 "container definition field, EC2 launch type (Fargate cannot add NET_ADMIN)");
		}
		if (p->clone && (x = fix(r, "ecs", "least-privilege"))) {
			snprintf(x->text, sizeof x->text,
				 "{\"seccomp-profile\": \"/etc/docker/jailinit-least-privilege.json\"}");
			snprintf(x->note, sizeof x->note,
				 "/etc/docker/daemon.json on the container instances (ECS passes no seccomp profile per "
				 "task); copy %s there, then restart docker", CHECK_PROFILE_LEAST);
		}
		return;
	case RT_ORCH_NONE:
		break;
	}

	switch (rt->engine) {
	case RT_PODMAN:
		docker_like(r, p, "podman", "podman", 0);
		break;
	case RT_CONTAINERD:
		docker_like(r, p, "nerdctl", "containerd", 1);
		break;
	case RT_CONTAINER:
		if ((x = fix(r, "oci", "least-privilege"))) {
			/* Unknown engine: the OCI bundle's own terms first. */
			size_t n = (size_t)snprintf(x->text, sizeof x->text, "config.json:");
			if ((p->want_net_admin || p->setid) && n < sizeof x->text)
				n += (size_t)snprintf(x->text + n, sizeof x->text - n,
						      " add %s%s%s to process.capabilities.bounding, .permitted and .effective;",
						      p->want_net_admin ? "\"CAP_NET_ADMIN\"" : "",
						      p->want_net_admin && p->setid ? ", " : "",
						      p->setid ? "\"CAP_SETUID\", \"CAP_SETGID\"" : "");
			if (n < sizeof x->text)
				snprintf(x->text + n, sizeof x->text - n,
					 " linux.seccomp: %s in OCI form (converted as Docker does)", CHECK_PROFILE_LEAST);
			snprintf(x->note, sizeof x->note, "for a runc/crun bundle; or, with Docker, the next fix");
		}
		docker_like(r, p, "docker", "docker", 1);
		break;
	case RT_SYSBOX:
	case RT_DOCKER:
	case RT_LXC:
	case RT_GVISOR:
		docker_like(r, p, "docker", "docker", 1);
		break;
	case RT_NONE:
		if ((x = fix(r, "host", "host"))) {
			snprintf(x->text, sizeof x->text, "run jailinit as root, outside any seccomp filter, "
							  "with CAP_NET_ADMIN, CAP_SETUID and CAP_SETGID in its bounding set");
			snprintf(x->note, sizeof x->note,
				 "e.g. not under setpriv --bounding-set=-net_admin, capsh --drop, or a "
				 "systemd SystemCallFilter/CapabilityBoundingSet without them");
		}
		break;
	}
}

static void make_fixes(const struct check_facts *f, struct check_report *r, const struct problems *p)
{
	const struct runtime_info *rt = &f->rt;
	struct check_fix *x;
	if (p->gvisor) {
		if ((x = fix(r, "gvisor", "unsupported"))) {
			snprintf(x->text, sizeof x->text, "unsupported runtime: run this container with runc or crun, not runsc");
			snprintf(x->note, sizeof x->note,
				 "gVisor has no veth, no nf_tables over netlink and cannot even bring lo up; no flag fixes it");
		}
		return;
	}
	if (p->limits && (x = fix(r, "host", "host"))) {
		char text[sizeof x->text] = "";
		size_t n = 0;
		if (f->max_userns == 0)
			n += (size_t)snprintf(text + n, sizeof text - n, "sysctl -w user.max_user_namespaces=15000\n");
		if (f->unpriv_userns_clone == 0 && n < sizeof text)
			n += (size_t)snprintf(text + n, sizeof text - n, "sysctl -w kernel.unprivileged_userns_clone=1\n");
		if (f->apparmor_restrict_userns == 1 && n < sizeof text)
			n += (size_t)snprintf(text + n, sizeof text - n,
					      "sysctl -w kernel.apparmor_restrict_unprivileged_userns=0\n");
		if (n > 0 && n < sizeof text && text[n - 1] == '\n')
			text[n - 1] = '\0';
		snprintf(x->text, sizeof x->text, "%s", text);
		snprintf(x->note, sizeof x->note,
			 "on the host, not in the container (or, for AppArmor, a profile with the `userns,` rule)");
	}

	if (f->uid != 0 && (p->setid || p->net_admin) && (x = fix(r, runtime_name(rt), "option"))) {
		snprintf(x->text, sizeof x->text, "run jailinit as root (uid 0) in the container: no --user, no USER line");
		snprintf(x->note, sizeof x->note,
			 "uid %ld loses every capability at exec; jailinit runs the agent as --user UID (default 65534) "
			 "itself", f->uid);
	}
	if (p->hostname && (x = fix(r, runtime_name(rt), "option"))) {
		snprintf(x->text, sizeof x->text, "run jailinit without --hostname");
		snprintf(x->note, sizeof x->note,
			 "Docker's profiles (and jailinit's) allow sethostname only with CAP_SYS_ADMIN; "
			 "the jail keeps the container's host name");
	}
	if (p->clone || p->net_admin || p->setid || p->netfilter)
		runtime_fixes(r, rt, p);
	if (p->other && (x = fix(r, runtime_name(rt), "none-known"))) {
		snprintf(x->text, sizeof x->text, "no known fix: a step failed for a reason the checks do not explain");
		snprintf(x->note, sizeof x->note, "see the failed step above; please report it with `jailinit check --json`");
	}
}

void check_evaluate(const struct options *o, const struct check_facts *f, struct check_report *r)
{
	memset(r, 0, sizeof *r);
	int jail = o->net != NET_HOST;
	int need_na = needs_net_admin(o);
	struct problems p;
	memset(&p, 0, sizeof p);
	uint64_t eff = f->caps.effective, bnd = f->caps.bounding;
	int last = f->caps.last_cap;
	int in_userns = f->have_runtime && f->rt.userns;

	/* capabilities */
	int has_na = 0, has_setuid = 0, has_setgid = 0, has_sa = 0;
	if (f->caps_known) {
		char buf[200];
		caps_format(eff, last, buf, sizeof buf);
		uint64_t all = last >= 63 ? ~UINT64_C(0) : (CAPS_BIT(last + 1) - 1);
		uint64_t missing = all & ~eff;
		if (__builtin_popcountll(missing) <= 4 && missing != all) {
			char miss[96];
			caps_format(missing, last, miss, sizeof miss);
			add(r, "capabilities", 1, 0, 0, "effective: all %d%s%s", last + 1, missing ? " but " : "",
			    missing ? miss : "");
		} else {
			add(r, "capabilities", 1, 0, 0, "effective: %s", buf);
		}
		has_na = !!(eff & CAPS_BIT(CAP_NET_ADMIN));
		has_setuid = !!(eff & CAPS_BIT(CAP_SETUID));
		has_setgid = !!(eff & CAPS_BIT(CAP_SETGID));
		has_sa = !!(eff & CAPS_BIT(CAP_SYS_ADMIN));
		static const struct {
			const char *item;
			int cap;
			const char *use;
		} called[] = {
			{"cap_net_admin", CAP_NET_ADMIN, "veth and nf_tables for --net proxy/transparent"},
			{"cap_setuid", CAP_SETUID, "the jail's uid_map"},
			{"cap_setgid", CAP_SETGID, "the jail's gid_map"},
			{"cap_sys_admin", CAP_SYS_ADMIN, "not needed; testing-only configurations"},
		};
		for (size_t i = 0; i < sizeof called / sizeof called[0]; i++) {
			int c = called[i].cap;
			int have = !!(eff & CAPS_BIT(c));
			int required = (c == CAP_NET_ADMIN) ? need_na : (c == CAP_SYS_ADMIN ? 0 : jail);
			const char *where = have ? "effective"
					   : (f->caps.permitted & CAPS_BIT(c)) ? "permitted only"
					   : (bnd & CAPS_BIT(c)) ? "bounding set only: the runtime did not grant it"
					   : "not even in the bounding set";
			add(r, called[i].item, c == CAP_SYS_ADMIN ? 1 : have, required, 0, "%s %s (%s)",
			    caps_name(c), where, called[i].use);
		}
		p.want_net_admin = need_na;
		p.sys_admin_reliant = has_sa && f->seccomp_mode != 0;
		if (need_na && !has_na) {
			p.net_admin = 1;
			p.net_admin_unbounded = !(bnd & CAPS_BIT(CAP_NET_ADMIN));
		}
		if (jail && (!has_setuid || !has_setgid))
			p.setid = 1;
	} else {
		add(r, "capabilities", -1, 0, f->caps_errno, "could not be read");
		has_na = has_setuid = has_setgid = 1; /* unknown: the real steps decide */
	}

	/* seccomp */
	if (f->seccomp_mode >= 0) {
		add(r, "seccomp", 1, 0, 0, "mode %s, %d filter%s, NoNewPrivs %s", seccomp_mode_name(f->seccomp_mode),
		    f->seccomp_filters < 0 ? 0 : f->seccomp_filters, f->seccomp_filters == 1 ? "" : "s",
		    f->no_new_privs < 0 ? "unknown" : f->no_new_privs ? "1" : "0");
	}
	if (!f->probes_known && jail) {
		add(r, "filter", -1, 0, f->probe_errno, "the probes could not run");
	} else if (f->probes_known) {
		add_probe(r, f, PROBE_CLONE_FULL, 0, "the jail's clone; else no PID/UTS/IPC ns");
		add_probe(r, f, PROBE_CLONE_MIN, jail, "the jail's minimal clone");
		add_probe(r, f, PROBE_CLONE_OTHER, 0, "flags the jail does not use");
		add_probe(r, f, PROBE_CLONE3, 0, "not used by the jail");
		add_probe(r, f, PROBE_UNSHARE, 0, "not used by the jail");
		add_probe(r, f, PROBE_SETNS, 0, "not used by the jail");
		add_probe(r, f, PROBE_MOUNT, 0, "not used by the jail");
		add_probe(r, f, PROBE_SETHOSTNAME, o->hostname != NULL, o->hostname ? "--hostname" : "not used without --hostname");
		if (f->probes[PROBE_CLONE_MIN].verdict != PROBE_UNTRIED && f->probes[PROBE_CLONE_OTHER].verdict != PROBE_UNTRIED) {
			const char *guess = NULL;
			if (f->seccomp_mode == 0)
				guess = "no seccomp filter";
			else if (probe_refused(f, PROBE_CLONE_MIN))
				guess = "namespaces refused (Docker's default profile without CAP_SYS_ADMIN, or similar)";
			else if (probe_allowed(f, PROBE_CLONE_MIN) && probe_refused(f, PROBE_CLONE_OTHER))
				guess = "clone only with jailinit's namespace flags (jailinit-least-privilege.json or similar)";
			else if (probe_allowed(f, PROBE_CLONE_MIN) && probe_refused(f, PROBE_CLONE3) &&
				 f->probes[PROBE_CLONE3].errnum == ENOSYS && probe_refused(f, PROBE_UNSHARE))
				guess = "clone allowed with any flags, clone3 ENOSYS, unshare refused (jailinit-seed.json or similar)";
			else if (probe_allowed(f, PROBE_CLONE_MIN) && probe_allowed(f, PROBE_UNSHARE) &&
				 probe_allowed(f, PROBE_MOUNT))
				guess = has_sa ? "namespaces and mount allowed (CAP_SYS_ADMIN, a permissive profile, or unconfined)"
					       : "namespaces and mount allowed (a permissive profile such as podman's, or unconfined)";
			if (guess)
				add(r, "seccomp_profile", 1, 0, 0, "%s", guess);
		}
	}
	if (probe_refused(f, PROBE_CLONE_MIN) && jail)
		p.clone = 1;
	if (o->hostname && jail && (probe_refused(f, PROBE_SETHOSTNAME) || probe_refused(f, PROBE_CLONE_FULL)))
		p.hostname = 1;

	/* kernel and LSM limits */
	if (f->max_userns < 0)
		add(r, "max_user_namespaces", -1, 0, 0, "/proc/sys/user/max_user_namespaces absent: not applicable");
	else if (f->max_userns == 0)
		add(r, "max_user_namespaces", 0, jail, ENOSPC,
		    "user.max_user_namespaces is 0: creating a user namespace fails with ENOSPC");
	else
		add(r, "max_user_namespaces", 1, jail, 0, "%ld", f->max_userns);
	if (f->unpriv_userns_clone < 0)
		add(r, "unprivileged_userns_clone", -1, 0, 0, "kernel.unprivileged_userns_clone absent: not applicable");
	else if (f->unpriv_userns_clone == 0 && !(has_sa && !in_userns))
		add(r, "unprivileged_userns_clone", 0, jail, EPERM,
		    "kernel.unprivileged_userns_clone is 0 (Debian): CLONE_NEWUSER without CAP_SYS_ADMIN fails with EPERM");
	else
		add(r, "unprivileged_userns_clone", 1, jail, 0, "%d%s", f->unpriv_userns_clone,
		    f->unpriv_userns_clone == 0 ? ", but CAP_SYS_ADMIN exempts this process" : "");
	if (f->apparmor_restrict_userns < 0)
		add(r, "apparmor_userns", -1, 0, 0, "kernel.apparmor_restrict_unprivileged_userns absent: not applicable%s%s",
		    f->lsm_label[0] ? "; LSM label " : "", f->lsm_label);
	else if (f->apparmor_restrict_userns == 1 && !has_sa)
		/* Not conclusive alone (the AppArmor profile may allow `userns,`):
		 * shown, and the real steps decide. */
		add(r, "apparmor_userns", 0, 0, EPERM,
		    "kernel.apparmor_restrict_unprivileged_userns is 1 (Ubuntu): a user namespace made without "
		    "CAP_SYS_ADMIN gets no capabilities inside unless the AppArmor profile allows `userns,`%s%s",
		    f->lsm_label[0] ? "; label " : "", f->lsm_label);
	else
		add(r, "apparmor_userns", 1, 0, 0, "kernel.apparmor_restrict_unprivileged_userns is %d",
		    f->apparmor_restrict_userns);
	int limits_bad = jail && (f->max_userns == 0 || (f->unpriv_userns_clone == 0 && !(has_sa && !in_userns)));
	int apparmor_suspect = jail && f->apparmor_restrict_userns == 1 && !has_sa;
	p.limits = limits_bad;

	if (f->landlock_abi > 0)
		add(r, "landlock", 1, 0, 0, "ABI %d: filesystem rules%s%s", f->landlock_abi,
		    f->landlock_abi >= LANDLOCK_ABI_NET ? ", TCP bind/connect rules" : "",
		    f->landlock_abi >= LANDLOCK_ABI_SCOPE ? ", signal and abstract-socket scoping" : "");
	else if (f->landlock_errno)
		add(r, "landlock", -1, 0, f->landlock_errno, "not available (%s)",
		    f->landlock_errno == EOPNOTSUPP ? "disabled at boot" : f->landlock_errno == ENOSYS ? "not built in or filtered" : "refused");

	/* netlink netfilter */
	if (f->netfilter_errno == 0)
		add(r, "netlink_netfilter", 1, need_na, 0, "socket(AF_NETLINK, NETLINK_NETFILTER) works");
	else if (f->netfilter_errno > 0) {
		add(r, "netlink_netfilter", 0, need_na, f->netfilter_errno,
		    "socket(AF_NETLINK, NETLINK_NETFILTER) fails: no nf_tables here for the egress rules");
		if (need_na)
			p.netfilter = 1;
	}

	/* runtime */
	if (f->have_runtime) {
		if (f->rt.engine == RT_GVISOR) {
			add(r, "runtime", 0, jail, 0,
			    "gVisor (runsc): unsupported runtime: no veth, no nf_tables, lo cannot be brought up");
			if (jail)
				p.gvisor = 1;
		} else {
			add(r, "runtime", 1, 0, 0, "%s%s%s%s", runtime_engine_name(f->rt.engine),
			    f->rt.orchestrator ? " under " : "",
			    f->rt.orchestrator ? runtime_orchestrator_name(f->rt.orchestrator) : "",
			    f->rt.userns ? ", in its own user namespace" : "");
		}
	}

	/* the real steps */
	int trial_failed = 0, trial_basic_failed = 0;
	if (f->trial_state == TRIAL_UNAVAILABLE) {
		add(r, "real steps", -1, 0, 0,
		    "not available in this build (jail_trial reported no steps): the verdict rests on the probes");
	} else if (f->trial_state == TRIAL_SKIPPED) {
		add(r, "real steps", -1, 0, 0, "not run: the seccomp filter refuses the jail's clone (above)");
	} else if (f->trial_state == TRIAL_FAILED_TO_RUN) {
		add(r, "real steps", -1, 0, f->trial_errno, "could not be run (no throwaway child)");
	} else if (f->trial_state == TRIAL_RAN) {
		for (int i = 0; i < f->trial.n_steps && i < JAIL_TRIAL_MAX_STEPS; i++) {
			const struct jail_step_result *s = &f->trial.steps[i];
			const char *step = s->name ? s->name : "?";
			char name[48];
			snprintf(name, sizeof name, "step:%.40s", step);
			if (!s->ran) {
				add(r, name, -1, 0, 0, "not reached");
			} else if (s->ok) {
				add(r, name, 1, 1, 0, "%s", s->detail);
			} else {
				add(r, name, 0, 1, s->errnum, "%s", s->detail);
				if (!trial_failed) {
					trial_failed = 1;
					trial_basic_failed = trial_step_is_basic(step);
					/* Explained by a finding above? Else say so. */
					if (apparmor_suspect && (s->errnum == EPERM || s->errnum == EACCES))
						p.limits = 1; /* the AppArmor restriction explains it */
					else if (!p.clone && !p.net_admin && !p.setid && !p.hostname && !p.limits &&
						 !p.gvisor && !p.netfilter)
						p.other = 1;
				}
			}
		}
	}

	/* verdict */
	int ns_ok = !probe_refused(f, PROBE_CLONE_MIN) && has_setuid && has_setgid && !limits_bad &&
		    f->rt.engine != RT_GVISOR;
	int pidns_ok = !probe_refused(f, PROBE_CLONE_FULL);
	if (f->trial_state == TRIAL_RAN && f->trial.ns_flags && !(f->trial.ns_flags & CLONE_NEWPID))
		pidns_ok = 0; /* the real clone fell back to NEWUSER|NEWNET */
	int na_ok = has_na && (f->netfilter_errno <= 0) && f->rt.engine != RT_GVISOR;
	if (trial_failed && trial_basic_failed)
		ns_ok = 0;
	if (!ns_ok || (trial_failed && o->net == NET_NONE)) {
		r->tier = "none";
		snprintf(r->tier_detail, sizeof r->tier_detail, "no jail can be built here");
	} else if (na_ok && pidns_ok && !trial_failed) {
		r->tier = "full";
		snprintf(r->tier_detail, sizeof r->tier_detail,
			 "network jail: user, net, PID, UTS and IPC namespaces, veth, nf_tables egress (every --net mode)");
	} else {
		r->tier = "reduced";
		if (!na_ok || trial_failed)
			snprintf(r->tier_detail, sizeof r->tier_detail,
				 "--net none only: namespaces can be made, but no veth and nf_tables (CAP_NET_ADMIN) for "
				 "--net proxy/transparent");
		else
			snprintf(r->tier_detail, sizeof r->tier_detail,
				 "network jail without PID/UTS/IPC namespaces: only clone(NEWUSER|NEWNET) is allowed");
	}
	if (!jail)
		r->ready = 1;
	else
		r->ready = ns_ok && (!need_na || na_ok) && !p.hostname && !trial_failed;
	if (!r->ready)
		make_fixes(f, r, &p);
}

const struct check_item *check_first_failure(const struct check_report *r)
{
	for (int i = 0; i < r->n_items; i++)
		if (r->items[i].required && r->items[i].ok == 0)
			return &r->items[i];
	return NULL;
}

/* ---- printing ----------------------------------------------------------- */

void check_json_string(FILE *out, const char *s)
{
	fputc('"', out);
	for (const unsigned char *p = (const unsigned char *)s; p && *p; p++) {
		switch (*p) {
		case '"': fputs("\\\"", out); break;
		case '\\': fputs("\\\\", out); break;
		case '\n': fputs("\\n", out); break;
		case '\r': fputs("\\r", out); break;
		case '\t': fputs("\\t", out); break;
		case '\b': fputs("\\b", out); break;
		case '\f': fputs("\\f", out); break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				fprintf(out, "\\u%04x", *p);
			else
				fputc(*p, out);
		}
	}
	fputc('"', out);
}

static void json_caps(FILE *out, const char *key, uint64_t mask, int last, int comma)
{
	fprintf(out, "\"%s\":[", key);
	int first = 1;
	for (int i = 0; i <= last && i < 64; i++) {
		if (!(mask & CAPS_BIT(i)))
			continue;
		fprintf(out, "%s\"%s\"", first ? "" : ",", caps_name(i));
		first = 0;
	}
	fprintf(out, "]%s", comma ? "," : "");
}

static void json_int_or_null(FILE *out, long v)
{
	if (v < 0)
		fputs("null", out);
	else
		fprintf(out, "%ld", v);
}

void check_print_json(FILE *out, const struct options *o, const struct check_facts *f, const struct check_report *r)
{
	fprintf(out, "{\"schema\":1,\"ready\":%s,\"tier\":", r->ready ? "true" : "false");
	check_json_string(out, r->tier);
	fputs(",\"tier_detail\":", out);
	check_json_string(out, r->tier_detail);
	fprintf(out, ",\"config\":{\"net\":\"%s\",\"proxy_port\":", check_net_name(o->net));
	json_int_or_null(out, o->proxy_port ? o->proxy_port : -1);
	fputs(",\"hostname\":", out);
	if (o->hostname)
		check_json_string(out, o->hostname);
	else
		fputs("null", out);
	fputs("},\"runtime\":{\"name\":", out);
	check_json_string(out, f->have_runtime ? runtime_name(&f->rt) : "unknown");
	fputs(",\"engine\":", out);
	check_json_string(out, f->have_runtime ? runtime_engine_name(f->rt.engine) : "unknown");
	fputs(",\"orchestrator\":", out);
	const char *orch = f->have_runtime ? runtime_orchestrator_name(f->rt.orchestrator) : NULL;
	if (orch)
		check_json_string(out, orch);
	else
		fputs("null", out);
	fprintf(out, ",\"userns\":%s,\"evidence\":[", f->have_runtime && f->rt.userns ? "true" : "false");
	for (int i = 0; f->have_runtime && i < f->rt.n_evidence; i++) {
		if (i)
			fputc(',', out);
		check_json_string(out, f->rt.evidence[i]);
	}
	fputs("]},\"capabilities\":", out);
	if (f->caps_known) {
		fputc('{', out);
		json_caps(out, "effective", f->caps.effective, f->caps.last_cap, 1);
		json_caps(out, "permitted", f->caps.permitted, f->caps.last_cap, 1);
		json_caps(out, "inheritable", f->caps.inheritable, f->caps.last_cap, 1);
		json_caps(out, "bounding", f->caps.bounding, f->caps.last_cap, 1);
		json_caps(out, "ambient", f->caps.ambient, f->caps.last_cap, 0);
		fputc('}', out);
	} else {
		fputs("null", out);
	}
	fputs(",\"seccomp\":{\"mode\":", out);
	if (f->seccomp_mode < 0)
		fputs("null", out);
	else
		check_json_string(out, seccomp_mode_name(f->seccomp_mode));
	fputs(",\"filters\":", out);
	json_int_or_null(out, f->seccomp_filters);
	fputs(",\"no_new_privs\":", out);
	if (f->no_new_privs < 0)
		fputs("null", out);
	else
		fputs(f->no_new_privs ? "true" : "false", out);
	fputs("},\"landlock_abi\":", out);
	json_int_or_null(out, f->landlock_abi > 0 ? f->landlock_abi : -1);
	fprintf(out, ",\"real_steps\":\"%s\"",
		f->trial_state == TRIAL_RAN		? "ran"
		: f->trial_state == TRIAL_UNAVAILABLE ? "unavailable"
		: f->trial_state == TRIAL_SKIPPED     ? "skipped"
		: f->trial_state == TRIAL_FAILED_TO_RUN ? "failed-to-run"
						      : "not-run");
	fputs(",\"checks\":[", out);
	for (int i = 0; i < r->n_items; i++) {
		const struct check_item *it = &r->items[i];
		fputs(i ? ",{\"name\":" : "{\"name\":", out);
		check_json_string(out, it->name);
		fprintf(out, ",\"ok\":%s,\"required\":%s,\"errno\":", it->ok < 0 ? "null" : it->ok ? "true" : "false",
			it->required ? "true" : "false");
		if (it->errnum)
			check_json_string(out, ji_errno_name(it->errnum));
		else
			fputs("null", out);
		fputs(",\"detail\":", out);
		check_json_string(out, it->detail);
		fputc('}', out);
	}
	fputs("],\"fixes\":[", out);
	for (int i = 0; i < r->n_fixes; i++) {
		const struct check_fix *x = &r->fixes[i];
		fputs(i ? ",{\"runtime\":" : "{\"runtime\":", out);
		check_json_string(out, x->runtime);
		fputs(",\"kind\":", out);
		check_json_string(out, x->kind);
		fputs(",\"text\":", out);
		check_json_string(out, x->text);
		fputs(",\"note\":", out);
		check_json_string(out, x->note);
		fputc('}', out);
	}
	fputs("]}\n", out);
}

static void print_indented(FILE *out, const char *text, const char *indent)
{
	const char *line = text;
	while (*line) {
		const char *nl = strchr(line, '\n');
		int len = nl ? (int)(nl - line) : (int)strlen(line);
		fprintf(out, "%s%.*s\n", indent, len, line);
		if (!nl)
			break;
		line = nl + 1;
	}
}

static int is_unused_probe(const struct check_item *it)
{
	return !it->required && strncmp(it->name, "filter:", 7) == 0 && strcmp(it->name, "filter:clone") != 0;
}

static const char *fix_title(const struct check_fix *x)
{
	if (strcmp(x->kind, "least-privilege") == 0)
		return "least privilege";
	if (strcmp(x->kind, "seed-profile") == 0)
		return "alternative, the seed profile";
	if (strcmp(x->kind, "runtime") == 0)
		return "alternative runtime";
	if (strcmp(x->kind, "testing-only") == 0)
		return "TESTING ONLY";
	if (strcmp(x->kind, "host") == 0)
		return "on the host";
	if (strcmp(x->kind, "unsupported") == 0)
		return "unsupported runtime";
	if (strcmp(x->kind, "option") == 0)
		return "change jailinit's options";
	return x->kind;
}

void check_print_text(FILE *out, const struct options *o, const struct check_facts *f, const struct check_report *r,
		      int failures_only)
{
	if (!failures_only) {
		fprintf(out, "jailinit check: --net %s", check_net_name(o->net));
		if (o->proxy_port)
			fprintf(out, " --proxy-port %u", (unsigned)o->proxy_port);
		if (o->hostname)
			fprintf(out, " --hostname %s", o->hostname);
		fputc('\n', out);
		if (f->have_runtime) {
			fprintf(out, "runtime: %s", runtime_name(&f->rt));
			for (int i = 0; i < f->rt.n_evidence; i++)
				fprintf(out, "%s%s", i ? "; " : " (", f->rt.evidence[i]);
			fputs(f->rt.n_evidence ? ")\n" : "\n", out);
		}
	}
	int unused = 0, steps_ok = 0, steps_not_reached = 0;
	for (int i = 0; i < r->n_items; i++) {
		const struct check_item *it = &r->items[i];
		if (failures_only && !(it->ok == 0 && it->required))
			continue;
		if (!failures_only && is_unused_probe(it)) {
			unused++;
			continue;
		}
		if (!failures_only && strncmp(it->name, "step:", 5) == 0 && it->ok != 0) {
			/* passed and not reached real steps: one line each, below */
			if (it->ok > 0)
				steps_ok++;
			else
				steps_not_reached++;
			continue;
		}
		const char *mark = it->ok > 0 ? "  ok  " : it->ok < 0 ? "  --  " : it->required ? "FAILED" : "  no  ";
		fprintf(out, "%s %-25s", mark, it->name);
		if (it->errnum && it->ok <= 0)
			fprintf(out, " %s:", ji_errno_name(it->errnum));
		fprintf(out, " %s\n", it->detail);
	}
	for (int pass = 0; pass < 2; pass++) {
		int count = pass == 0 ? steps_ok : steps_not_reached;
		if (!count)
			continue;
		fprintf(out, "%s %-25s", pass == 0 ? "  ok  " : "  --  ", pass == 0 ? "real steps" : "not reached");
		int first = 1;
		for (int i = 0; i < r->n_items; i++) {
			const struct check_item *it = &r->items[i];
			if (strncmp(it->name, "step:", 5) != 0 || it->ok != (pass == 0 ? 1 : -1))
				continue;
			fprintf(out, "%s%s", first ? " " : ", ", it->name + 5);
			first = 0;
		}
		fputc('\n', out);
	}
	if (unused) {
		/* The syscalls the jail does not use, on one line. */
		fprintf(out, "  --   %-25s", "filter (unused by jail)");
		for (int i = 0; i < r->n_items; i++) {
			const struct check_item *it = &r->items[i];
			if (!is_unused_probe(it))
				continue;
			fprintf(out, " %s %s%s", it->name + strlen("filter:"),
				it->errnum ? ji_errno_name(it->errnum) : "killed",
				it->ok > 0 ? "" : it->ok == 0 ? " (refused)" : " (?)");
		}
		fputc('\n', out);
	}
	if (r->ready)
		fprintf(out, "verdict: READY (tier %s: %s)\n", r->tier, r->tier_detail);
	else
		fprintf(out, "verdict: NOT READY for --net %s (tier %s: %s)\n", check_net_name(o->net), r->tier,
			r->tier_detail);
	for (int i = 0; i < r->n_fixes; i++) {
		const struct check_fix *x = &r->fixes[i];
		fprintf(out, "fix %d (%s, %s):\n", i + 1, x->runtime, fix_title(x));
		print_indented(out, x->text, "    ");
		if (x->note[0])
			fprintf(out, "    # %s\n", x->note);
	}
}

/* ---- entry points ------------------------------------------------------- */

int check_main(const struct options *o)
{
	static struct check_facts f;
	static struct check_report r;
	static struct egress_policy policy;
	if (options_egress(o)) {
		struct ji_err err = { 0 };
		if (egress_policy_build(&policy, o, &err) < 0) {
			log_err(&err);
			return EXIT_USAGE;
		}
		if (!o->check_json) {
			fflush(stdout);
			egress_policy_print(&policy, STDOUT_FILENO);
		}
	}
	check_gather(o, &f, 1);
	check_evaluate(o, &f, &r);
	if (o->check_json)
		check_print_json(stdout, o, &f, &r);
	else
		check_print_text(stdout, o, &f, &r, 0);
	if (fflush(stdout) != 0)
		log_msg(LOG_WARN, "check: writing the report failed: %s", strerror(errno));
	return r.ready ? 0 : EXIT_FORBIDDEN;
}

int check_quick(const struct options *o, struct ji_err *err)
{
	if (o->net == NET_HOST)
		return 0;
	static struct check_facts f;
	static struct check_report r;
	check_gather(o, &f, 0);
	check_evaluate(o, &f, &r);
	if (r.ready)
		return 0;
	const struct check_item *it = check_first_failure(&r);
	/* A missing capability has no errno of its own: EPERM is what the step
	 * would get. */
	ji_fail(err, CHECK_QUICK_STEP, it && it->errnum ? it->errnum : EPERM, "%s: %s; `jailinit check` shows the fix",
		it ? it->name : "the jail", it ? it->detail : "cannot be built here");
	if (err)
		err->exit_code = EXIT_FORBIDDEN;
	return -1;
}

void check_explain_failure(const struct options *o, const struct ji_err *failed)
{
	static struct check_facts f;
	static struct check_report r;
	/* Not the trial: the build that just failed is the real step, and a
	 * second build could trip over what the first left half-done. */
	check_gather(o, &f, CHECK_GATHER_NO_TRIAL);
	/* From check_quick: already logged by the caller, and not a build step. */
	int from_quick = failed && failed->step && strcmp(failed->step, CHECK_QUICK_STEP) == 0;
	if (from_quick)
		failed = NULL;
	if (failed && o->net != NET_HOST) {
		f.trial_state = TRIAL_RAN;
		f.trial.n_steps = 1;
		f.trial.steps[0].name = failed->step ? failed->step : "build";
		f.trial.steps[0].ran = 1;
		f.trial.steps[0].ok = 0;
		f.trial.steps[0].errnum = failed->errnum;
		snprintf(f.trial.steps[0].detail, sizeof f.trial.steps[0].detail, "%.127s", failed->detail);
	}
	check_evaluate(o, &f, &r);
	if (failed)
		fprintf(stderr, "jailinit: building the jail failed at %s (%s)%s%s\n", failed->step ? failed->step : "?",
			ji_errno_name(failed->errnum), failed->detail[0] ? ": " : "", failed->detail);
	fprintf(stderr, "jailinit: what the self-check finds here (jailinit check shows everything):\n");
	check_print_text(stderr, o, &f, &r, 1);
	fflush(stderr);
}
