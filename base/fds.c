#include "fds.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2) /* Linux 5.11 */
#endif
#ifndef SYS_close_range
#define SYS_close_range 436
#endif

/* The kernel's struct linux_dirent64, read with the raw getdents64 into a
 * buffer on the stack: no allocation between fork and exec. */
struct dirent64_raw {
	uint64_t ino;
	int64_t off;
	unsigned short reclen;
	unsigned char type;
	char name[];
};

static int set_cloexec(int fd)
{
	int flags = fcntl(fd, F_GETFD);
	if (flags < 0)
		return errno == EBADF ? 0 : -1; /* closed meanwhile: nothing to mark */
	if (flags & FD_CLOEXEC)
		return 0;
	return fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
}

/* A name of /proc/self/fd as a descriptor number; -1 for "." and "..". */
static int fd_from_name(const char *s)
{
	long v = 0;
	if (*s == '\0')
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > (INT32_MAX - 9) / 10)
			return -1;
		v = v * 10 + (*s - '0');
	}
	return (int)v;
}

static int cloexec_listed(int lowfd, struct ji_err *err)
{
	int dir = open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0)
		return ji_fail(err, "close inherited fds", errno,
			       "close_range refused, and /proc/self/fd cannot be listed");
	union {
		char bytes[4096];
		struct dirent64_raw align;
	} buf;
	int rc = 0;
	for (;;) {
		long n = syscall(SYS_getdents64, dir, buf.bytes, sizeof buf.bytes);
		if (n == 0)
			break;
		if (n < 0) {
			rc = ji_fail(err, "close inherited fds", errno, "reading /proc/self/fd");
			break;
		}
		for (long off = 0; off < n;) {
			const struct dirent64_raw *d = (const void *)(buf.bytes + off);
			if (d->reclen == 0 || d->reclen > n - off)
				break;
			off += d->reclen;
			int fd = fd_from_name(d->name);
			if (fd >= lowfd && fd != dir && set_cloexec(fd) < 0) {
				rc = ji_fail(err, "close inherited fds", errno, "fd %d", fd);
				break;
			}
		}
		if (rc < 0)
			break;
	}
	(void)close(dir);
	return rc;
}

int fds_cloexec_from(int lowfd, struct ji_err *err)
{
	if (syscall(SYS_close_range, (unsigned)lowfd, ~0U, CLOSE_RANGE_CLOEXEC) == 0)
		return 0;
	/* No /proc means no id maps either, so the jail never gets this far
	 * without one: no loop up to RLIMIT_NOFILE is needed (it would also
	 * miss a descriptor above a limit lowered after it was opened). */
	if (errno == ENOSYS || errno == EINVAL || errno == EPERM)
		return cloexec_listed(lowfd, err);
	return ji_fail(err, "close inherited fds", errno, "close_range(%d, ~0U, CLOSE_RANGE_CLOEXEC)", lowfd);
}

int fd_socket_family(int fd)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return -1;
	if (!S_ISSOCK(st.st_mode))
		return 0;
	int family = 0;
	socklen_t len = sizeof family;
	if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &family, &len) < 0)
		return -1;
	return family;
}
