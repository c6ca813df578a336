#include "nsclone.h"
#include "fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

pid_t ns_clone(unsigned long ns_flags)
{
	/* x86_64 and most others: clone(flags, stack, parent_tid, child_tid, tls).
	 * A NULL stack makes the child run on a copy of ours, like fork. */
	return (pid_t)syscall(SYS_clone, ns_flags | SIGCHLD, NULL, NULL, NULL, NULL);
}

/* Blanks, then a decimal number (digits only: no sign, no 0x); *s moves
 * past it. 0, or -1 when there is none or it does not fit. */
static int next_ulong(const char **s, unsigned long *v)
{
	const char *p = *s + strspn(*s, " \t");
	char *end;

	if (*p < '0' || *p > '9')
		return -1;
	errno = 0;
	*v = strtoul(p, &end, 10);
	if (errno != 0)
		return -1;
	*s = end;
	return 0;
}

/* "inside outside count" lines of our own map become "inside inside count":
 * every id this process can name keeps its number inside the jail. */
static int identity_map(const char *own, char *out, size_t cap)
{
	size_t used = 0;
	const char *line = own;
	while (*line) {
		unsigned long inside, outside, count;
		const char *p = line;
		if (next_ulong(&p, &inside) == 0 && next_ulong(&p, &outside) == 0 &&
		    next_ulong(&p, &count) == 0) {
			int n = snprintf(out + used, cap - used, "%lu %lu %lu\n", inside, inside, count);
			if (n < 0 || (size_t)n >= cap - used)
				return -1;
			used += (size_t)n;
		}
		const char *nl = strchr(line, '\n');
		if (!nl)
			break;
		line = nl + 1;
	}
	return used ? 0 : -1;
}

static int write_map(pid_t pid, const char *which, struct ji_err *err)
{
	char own_path[32], path[64], own[4096], map[4096];
	snprintf(own_path, sizeof own_path, "/proc/self/%s", which);
	snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, which);

	if (read_text_file(own_path, own, sizeof own) < 0)
		return ji_fail(err, which, errno, "reading %s", own_path);
	if (identity_map(own, map, sizeof map) < 0)
		return ji_fail(err, which, EINVAL, "cannot make an identity map of %s", own_path);

	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return ji_fail(err, which, errno, "opening %s", path);
	size_t len = strlen(map);
	ssize_t n = write(fd, map, len);
	int saved = errno;
	close(fd);
	if (n < 0)
		return ji_fail(err, which, saved, "writing %s", path);
	if ((size_t)n != len)
		return ji_fail(err, which, EIO, "short write to %s", path);
	return 0;
}

int ns_write_id_maps(pid_t pid, struct ji_err *err)
{
	if (write_map(pid, "uid_map", err) < 0)
		return -1;
	return write_map(pid, "gid_map", err);
}
