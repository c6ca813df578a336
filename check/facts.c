/* check facts: what this container allows, found with syscalls: the
 * capabilities, the seccomp mode and what its filter lets through (probes),
 * user-namespace limits, Landlock, the runtime, and the real steps of the
 * jail tried in a throwaway child (jail_trial). */
#include "check_report.h"
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

#include "../base/log.h"
#include "../base/nsclone.h"
#include "../landlock/landlock.h"
#include "../supervise/supervise.h"

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

/* jail_trial in a throwaway child writing into shared memory, so that a
 * filter that kills one of the jail's syscalls kills only that child and
 * the steps recorded up to then are still seen. Each step result is
 * self-contained (its id and a copy of its name). */
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
	int restore = supervise_sigchld_default() == 1;
	pid_t pid = fork();
	if (pid < 0) {
		f->trial_state = TRIAL_FAILED_TO_RUN;
		f->trial_errno = errno;
		munmap(t, sizeof *t);
		if (restore)
			supervise_sigchld_restore();
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
		supervise_sigchld_restore();
	f->trial = *t;
	munmap(t, sizeof *t);
	if (f->trial.n_steps < 0 || f->trial.n_steps > JAIL_TRIAL_MAX_STEPS)
		f->trial.n_steps = f->trial.n_steps < 0 ? 0 : JAIL_TRIAL_MAX_STEPS;
	/* written by a child that may have died mid-step */
	for (int i = 0; i < f->trial.n_steps; i++) {
		struct jail_step_result *st = &f->trial.steps[i];
		st->name[sizeof st->name - 1] = '\0';
		st->detail[sizeof st->detail - 1] = '\0';
		if ((unsigned)st->id >= JS_COUNT)
			st->id = JS_NONE;
	}
	if (WIFSIGNALED(status)) {
		f->trial_state = TRIAL_RAN;
		f->trial_signal = WTERMSIG(status);
		if (f->trial.n_steps < JAIL_TRIAL_MAX_STEPS) {
			struct jail_step_result *st = &f->trial.steps[f->trial.n_steps++];
			memset(st, 0, sizeof *st);
			st->id = JS_NONE; /* whatever it was doing: no jail */
			snprintf(st->name, sizeof st->name, "killed");
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

