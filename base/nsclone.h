/* nsclone: the one way jailinit makes namespaces — the raw clone syscall
 * with fork semantics (never clone3, unshare or setns: under the seccomp
 * profiles that allow a jail at all, raw clone is the path that works) — and
 * the parent's writing of the child's uid/gid maps (an identity map of the
 * ids this process itself has). */
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

/* Write pid's uid_map and gid_map (identity map of this process's own
 * uid_map/gid_map ranges). Must run before the child uses any id. */
int ns_write_id_maps(pid_t pid, struct ji_err *err);

#endif
