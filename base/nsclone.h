/* nsclone: the one way jailinit makes namespaces — the raw clone syscall
 * with fork semantics (never clone3, unshare or setns: under the seccomp
 * profiles that allow a jail at all, raw clone is the path that works) — and
 * the parent's writing of the child's uid/gid maps: every id this process
 * can name keeps its number inside, but for one pair swapped, so that the
 * agent's id inside is an id of nobody's outside (and that id's owner, if
 * any, takes the agent's number inside). */
#ifndef JAILINIT_NSCLONE_H
#define JAILINIT_NSCLONE_H

#include <sched.h>
#include <sys/types.h>

#include "err.h"

/* What the jail always needs, and what it adds where the runtime allows. */
#define JAIL_NS_MIN (CLONE_NEWUSER | CLONE_NEWNET)
#define JAIL_NS_FULL (JAIL_NS_MIN | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC)

/* clone(ns_flags | SIGCHLD) with a NULL stack: returns 0 in the child, the
 * child's pid in the parent, -1 with errno. In the child, libc's cached
 * thread id is stale: do not call raise() or abort() there before exec or
 * fork (fork refreshes it). */
pid_t ns_clone(unsigned long ns_flags);

/* inside -> outside, and outside -> inside; the rest identity. */
struct ns_id_swap {
	unsigned long inside;
	unsigned long outside;
};

/* The map to write, from our own map's text (/proc/self/uid_map): the ids
 * we can name (their "inside" column), identity but for swap. outside must
 * be an id we can name; NULL swap: identity. 0, or -1 with errno: EINVAL
 * (outside not nameable, no range), E2BIG (does not fit, or more lines than
 * the kernel takes). Pure, for the unit tests. */
int ns_swap_map(const char *own, const struct ns_id_swap *swap, char *out, size_t cap);

/* Write pid's uid_map and gid_map: identity maps of this process's own
 * ranges, but for the swapped pairs (NULL: none). Must run before the
 * child uses any id. */
int ns_write_id_maps_swapped(pid_t pid, const struct ns_id_swap *uid, const struct ns_id_swap *gid,
			     struct ji_err *err);
/* Identity maps (the tools' nested namespaces). */
int ns_write_id_maps(pid_t pid, struct ji_err *err);

#endif
