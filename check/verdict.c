/* check verdict: the facts evaluated into checks, the tier, the verdict
 * and the fixes for this runtime. Pure: no syscall, unit-tested. */
#include "check_report.h"
#include "../landlock/landlock.h"

#include <errno.h>
#include <linux/capability.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- evaluating --------------------------------------------------------- */


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

/* Which step failures mean no jail at all (versus no network rules): the
 * step table's tier, by id. */
static int trial_step_is_basic(const struct jail_step_result *s)
{
	return jail_step(s->id)->tier == JAIL_TIER_BASIC;
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
	int netfilter_short_of_resources = f->netfilter_errno == EMFILE || f->netfilter_errno == ENFILE ||
					   f->netfilter_errno == ENOBUFS || f->netfilter_errno == ENOMEM;
	if (f->netfilter_errno == 0)
		add(r, "netlink_netfilter", 1, need_na, 0, "socket(AF_NETLINK, NETLINK_NETFILTER) works");
	else if (netfilter_short_of_resources)
		/* A limit of this process, not what the container allows: the
		 * build meets it too and says so (71), not "forbidden" (issue 16, 3). */
		add(r, "netlink_netfilter", -1, 0, f->netfilter_errno,
		    "cannot tell: socket(AF_NETLINK, NETLINK_NETFILTER) found no room (%s): raise RLIMIT_NOFILE "
		    "or free memory",
		    ji_errno_name(f->netfilter_errno));
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
			const char *step = s->name[0] ? s->name : jail_step(s->id)->name;
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
					trial_basic_failed = trial_step_is_basic(s);
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
	int na_ok = has_na && (f->netfilter_errno <= 0 || netfilter_short_of_resources) && f->rt.engine != RT_GVISOR;
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

