/* fds: what a process holds open, before it hands itself to code it does
 * not trust. Marks every descriptor from a number up close-on-exec (so the
 * exec that follows drops them, while the caller may still use its own until
 * then), and names the socket family of a descriptor. Async-signal-safe
 * where it says so: the agent's confinement runs it between fork and exec. */
#ifndef JAILINIT_FDS_H
#define JAILINIT_FDS_H

#include "err.h"

/* Every open descriptor >= lowfd gets FD_CLOEXEC: close_range(lowfd, ~0U,
 * CLOSE_RANGE_CLOEXEC) (Linux 5.11), or, where that is missing (ENOSYS,
 * EINVAL before 5.11) or a seccomp filter refuses it (EPERM), each
 * descriptor listed in /proc/self/fd. Fails (step "close inherited fds")
 * only when neither works: the caller must not exec then. */
int fds_cloexec_from(int lowfd, struct ji_err *err);

/* The socket family (AF_*) of fd when it is a socket, 0 when it is open but
 * not a socket, -1 with errno (EBADF: not open). */
int fd_socket_family(int fd);

#endif
