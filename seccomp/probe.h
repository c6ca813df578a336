/* probe: what this process's seccomp filter really lets through, tried not
 * guessed. Each syscall the jail cares about is called with arguments the
 * kernel always rejects with a known errno before any capability check
 * (clone with CLONE_NEWUSER|CLONE_FS -> EINVAL, clone3 with a too-small size
 * -> EINVAL, setns(-1) -> EBADF, unshare with an invalid bit -> EINVAL, mount
 * on "" -> ENOENT); that errno back means the filter let it through, EPERM
 * (or ENOSYS, which the kernel would never say) means the filter refused.
 * Every probe runs in a throwaway child, so a surprise success or a filter
 * that kills leaves nothing in this process. */
#ifndef JAILINIT_PROBE_H
#define JAILINIT_PROBE_H

enum probe_id {
	PROBE_CLONE_FULL,  /* clone(JAIL_NS_FULL | CLONE_FS) */
	PROBE_CLONE_MIN,   /* clone(JAIL_NS_MIN | CLONE_FS) */
	PROBE_CLONE_OTHER, /* clone(NEWUSER|NEWUTS | CLONE_FS): flags the jail never uses */
	PROBE_CLONE3,      /* clone3(args, 8) */
	PROBE_UNSHARE,     /* unshare(JAIL_NS_MIN | an invalid bit) */
	PROBE_SETNS,       /* setns(-1, CLONE_NEWNET) */
	PROBE_MOUNT,       /* mount("none", "", "tmpfs") */
	PROBE_SETHOSTNAME, /* sethostname(name, -1) with CAP_SYS_ADMIN over the UTS ns:
	                      directly, or in a grandchild in its own user+UTS ns */
	PROBE_COUNT
};

enum probe_verdict {
	PROBE_UNTRIED = 0, /* not run (not asked for, or an earlier probe killed the child) */
	PROBE_ALLOWED,     /* the expected errno (or a surprise success): the filter let it through */
	PROBE_REFUSED,     /* EPERM/ENOSYS instead of the expected errno, or killed by SIGSYS */
	PROBE_UNKNOWN,     /* some other answer; the real steps decide */
};

struct probe_result {
	enum probe_verdict verdict;
	int errnum;   /* what came back (0: the call succeeded) */
	int expected; /* the errno that means "let through" */
	int signal;   /* the probe was killed by this signal (SIGSYS: filter kills) */
};

/* Stable short name ("clone", "clone3", "unshare", ...) and a description of
 * the call as made, for the report. */
const char *probe_name(enum probe_id id);
const char *probe_call(enum probe_id id);

/* Run the probes whose bit (1u << id) is set in mask; the others are left
 * PROBE_UNTRIED. have_sys_admin: this process has CAP_SYS_ADMIN over its own
 * UTS namespace (sethostname can be probed directly). SIGCHLD, if ignored,
 * is set to its default for the duration. Returns 0, or -1 with errno when
 * the throwaway child could not be made at all. */
int probe_run(unsigned mask, int have_sys_admin, struct probe_result out[PROBE_COUNT]);

/* Pure: the verdict for an answer (errnum after the call, or the signal that
 * killed the child). */
enum probe_verdict probe_classify(int errnum, int expected, int signal);

#define PROBE_ALL ((1u << PROBE_COUNT) - 1)

#endif
