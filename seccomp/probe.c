#include "probe.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../base/nsclone.h"

#ifndef __NR_clone3
#define __NR_clone3 435
#endif
#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

/* Not valid for unshare (only the CLONE_NEW* bits, THREAD, FS, SIGHAND, VM,
 * FILES, SYSVSEM are), so the kernel says EINVAL before looking further. */
#define UNSHARE_INVALID_BIT CLONE_SETTLS
/* clone flags the jail never uses: a filter that allows only the jail's
 * exact namespace bits (the least-privilege profile) refuses these. */
#define CLONE_OTHER_NS (CLONE_NEWUSER | CLONE_NEWUTS)

static const struct {
	const char *name;
	const char *call;
	int expected;
} table[PROBE_COUNT] = {
	[PROBE_CLONE_FULL] = {"clone", "clone(USER|NET|PID|UTS|IPC|FS)", EINVAL},
	[PROBE_CLONE_MIN] = {"clone-min", "clone(USER|NET|FS)", EINVAL},
	[PROBE_CLONE_OTHER] = {"clone-other", "clone(USER|UTS|FS)", EINVAL},
	[PROBE_CLONE3] = {"clone3", "clone3(args, size 8)", EINVAL},
	[PROBE_UNSHARE] = {"unshare", "unshare(USER|NET|SETTLS)", EINVAL},
	[PROBE_SETNS] = {"setns", "setns(-1, NET)", EBADF},
	[PROBE_MOUNT] = {"mount", "mount(\"none\", \"\", \"tmpfs\")", ENOENT},
	[PROBE_SETHOSTNAME] = {"sethostname", "sethostname(\"x\", -1)", EINVAL},
};

const char *probe_name(enum probe_id id)
{
	return (unsigned)id < PROBE_COUNT ? table[id].name : "?";
}

const char *probe_call(enum probe_id id)
{
	return (unsigned)id < PROBE_COUNT ? table[id].call : "?";
}

enum probe_verdict probe_classify(int errnum, int expected, int signal)
{
	if (signal == SIGSYS)
		return PROBE_REFUSED;
	if (signal)
		return PROBE_UNKNOWN;
	if (errnum == expected || errnum == 0)
		return PROBE_ALLOWED;
	if (errnum == EPERM || errnum == ENOSYS || errnum == EACCES)
		return PROBE_REFUSED;
	return PROBE_UNKNOWN;
}

/* In the probe child. A clone that surprisingly succeeds makes a grandchild
 * that exits at once; the child reaps it. */
static int try_clone(unsigned long flags)
{
	long r = syscall(SYS_clone, flags | CLONE_FS | SIGCHLD, NULL, NULL, NULL, NULL);
	if (r == 0)
		_exit(0);
	if (r < 0)
		return errno;
	int status;
	while (waitpid((pid_t)r, &status, 0) < 0 && errno == EINTR)
		;
	return 0;
}

/* sethostname checks CAP_SYS_ADMIN over the UTS namespace before its
 * arguments, so without that capability the probe runs in a grandchild that
 * is root of its own user namespace owning its own UTS namespace. Returns
 * the errno, or -1 with *sig when the grandchild was killed, or -2 with
 * *clone_err when no grandchild could be made (cannot tell). */
static int try_sethostname(int have_sys_admin, int *sig, int *clone_err)
{
	if (have_sys_admin) {
		long r = syscall(SYS_sethostname, "x", (long)-1);
		return r < 0 ? errno : 0;
	}
	static const unsigned long tries[] = {CLONE_NEWUSER | CLONE_NEWUTS, JAIL_NS_FULL};
	for (size_t i = 0; i < sizeof tries / sizeof tries[0]; i++) {
		long pid = syscall(SYS_clone, tries[i] | SIGCHLD, NULL, NULL, NULL, NULL);
		if (pid == 0) {
			long r = syscall(SYS_sethostname, "x", (long)-1);
			_exit(r < 0 ? (errno & 0xff) : 0);
		}
		if (pid < 0) {
			*clone_err = errno;
			continue;
		}
		int status;
		while (waitpid((pid_t)pid, &status, 0) < 0) {
			if (errno != EINTR) {
				*clone_err = errno;
				return -2;
			}
		}
		if (WIFSIGNALED(status)) {
			*sig = WTERMSIG(status);
			return -1;
		}
		return WEXITSTATUS(status);
	}
	return -2;
}

static int run_one(enum probe_id id, int have_sys_admin, int *sig, int *aux)
{
	switch (id) {
	case PROBE_CLONE_FULL:
		return try_clone(JAIL_NS_FULL);
	case PROBE_CLONE_MIN:
		return try_clone(JAIL_NS_MIN);
	case PROBE_CLONE_OTHER:
		return try_clone(CLONE_OTHER_NS);
	case PROBE_CLONE3: {
		struct clone_args args;
		memset(&args, 0, sizeof args);
		args.flags = JAIL_NS_MIN;
		args.exit_signal = SIGCHLD;
		long r = syscall(__NR_clone3, &args, (size_t)8);
		if (r == 0)
			_exit(0); /* cannot happen: size 8 is below CLONE_ARGS_SIZE_VER0 */
		if (r > 0) {
			int status;
			while (waitpid((pid_t)r, &status, 0) < 0 && errno == EINTR)
				;
			return 0;
		}
		return errno;
	}
	case PROBE_UNSHARE: {
		long r = syscall(SYS_unshare, (long)(JAIL_NS_MIN | UNSHARE_INVALID_BIT));
		return r < 0 ? errno : 0;
	}
	case PROBE_SETNS: {
		long r = syscall(SYS_setns, -1, (long)CLONE_NEWNET);
		return r < 0 ? errno : 0;
	}
	case PROBE_MOUNT: {
		long r = syscall(SYS_mount, "none", "", "tmpfs", 0UL, NULL);
		return r < 0 ? errno : 0;
	}
	case PROBE_SETHOSTNAME:
		return try_sethostname(have_sys_admin, sig, aux);
	case PROBE_COUNT:
		break;
	}
	return EINVAL;
}

/* What the child writes per probe. */
struct probe_msg {
	int32_t id;
	int32_t errnum;
	int32_t signal;
	int32_t cannot; /* no way to try it; errnum is why */
};

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* The throwaway child borrows our memory and runs on a stack of its own
 * (CLONE_VM|CLONE_VFORK: no page tables copied, the check stays cheap before
 * every run); we wait, suspended, until it is gone. A filter that kills
 * kills only the child; a clone that surprisingly succeeds makes a
 * grandchild with a copy of the memory, not ours. */
static char probe_stack[64 * 1024] __attribute__((aligned(16)));

struct child_args {
	int fd;
	const int *ids;
	int n;
	int have_sys_admin;
};

/* In the child: each answer goes down the pipe before the next probe. */
static int child_main(void *arg)
{
	const struct child_args *a = arg;
	for (int i = 0; i < a->n; i++) {
		int sig = 0, aux = 0;
		int e = run_one((enum probe_id)a->ids[i], a->have_sys_admin, &sig, &aux);
		struct probe_msg m = {a->ids[i], e, sig, 0};
		if (e == -1)
			m.errnum = 0;
		if (e == -2) {
			m.cannot = 1;
			m.errnum = aux;
		}
		if (write_all(a->fd, &m, sizeof m) < 0)
			_exit(2);
	}
	_exit(0);
}

static int probe_run_children(const int *ids, int n, int have_sys_admin, struct probe_result out[PROBE_COUNT])
{
	int next = 0;
	while (next < n) {
		int fds[2];
		if (pipe2(fds, O_CLOEXEC) < 0)
			return -1;
		struct child_args args = { fds[1], ids + next, n - next, have_sys_admin };
		pid_t pid = clone(child_main, probe_stack + sizeof probe_stack, CLONE_VM | CLONE_VFORK | SIGCHLD, &args);
		if (pid < 0) {
			int saved = errno;
			close(fds[0]);
			close(fds[1]);
			errno = saved;
			return -1;
		}
		close(fds[1]);
		for (;;) {
			struct probe_msg m;
			ssize_t got = read(fds[0], &m, sizeof m);
			if (got < 0 && errno == EINTR)
				continue;
			if (got != (ssize_t)sizeof m)
				break;
			if (m.id < 0 || m.id >= PROBE_COUNT || m.id != ids[next])
				break;
			struct probe_result *r = &out[m.id];
			r->errnum = m.errnum;
			r->signal = m.signal;
			r->verdict = m.cannot ? PROBE_UNKNOWN : probe_classify(m.errnum, r->expected, m.signal);
			next++;
		}
		close(fds[0]);
		int status;
		while (waitpid(pid, &status, 0) < 0) {
			if (errno != EINTR)
				return -1;
		}
		if (next < n && WIFSIGNALED(status)) {
			/* The probe in progress killed the child: that is its answer. */
			struct probe_result *r = &out[ids[next]];
			r->signal = WTERMSIG(status);
			r->errnum = 0;
			r->verdict = probe_classify(0, r->expected, r->signal);
			next++;
		} else if (next < n) {
			errno = EPROTO;
			return -1;
		}
	}
	return 0;
}

int probe_run(unsigned mask, int have_sys_admin, struct probe_result out[PROBE_COUNT])
{
	/* With SIGCHLD ignored the kernel reaps the probe child itself and
	 * waitpid fails: take the default for the probes, then give it back. */
	struct sigaction old, dfl;
	memset(&dfl, 0, sizeof dfl);
	dfl.sa_handler = SIG_DFL;
	if (sigaction(SIGCHLD, NULL, &old) < 0)
		return -1;
	int restore = old.sa_handler == SIG_IGN || (old.sa_flags & SA_NOCLDWAIT);
	if (restore && sigaction(SIGCHLD, &dfl, NULL) < 0)
		return -1;

	int ids[PROBE_COUNT], n = 0;
	memset(out, 0, sizeof(struct probe_result) * PROBE_COUNT);
	for (int i = 0; i < PROBE_COUNT; i++) {
		out[i].expected = table[i].expected;
		if (mask & (1u << i))
			ids[n++] = i;
	}
	int rc = probe_run_children(ids, n, have_sys_admin, out);
	int saved = errno;
	if (restore && sigaction(SIGCHLD, &old, NULL) < 0 && rc == 0)
		return -1;
	errno = saved;
	return rc;
}
