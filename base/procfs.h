/* procfs: whether the /proc mounted here is our PID namespace's. A /proc of
 * another PID namespace (the jail's PID 1 keeps the container's; a runtime
 * may hand in its parent's) names other processes by the numbers we know
 * our children by: nothing may be signalled, read or written through it. */
#ifndef JAILINIT_PROCFS_H
#define JAILINIT_PROCFS_H

/* 1 when /proc/self is this process's pid, 0 otherwise (no /proc, another
 * PID namespace's). */
int procfs_is_ours(void);

#endif
