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

/* The kernel takes at most this many lines (Linux 4.15; 5 before). */
#define NS_MAP_MAX_LINES 340

struct id_range {
	unsigned long long lo, hi; /* [lo, hi) of the ids we name */
};

/* The "inside" column of our own map: the ids this process can name. */
static int own_ranges(const char *own, struct id_range *r, int max)
{
	int n = 0;
	const char *line = own;
	while (*line) {
		unsigned long inside, outside, count;
		const char *p = line;
		if (next_ulong(&p, &inside) == 0 && next_ulong(&p, &outside) == 0 &&
		    next_ulong(&p, &count) == 0 && count > 0) {
			if (n == max) {
				errno = E2BIG;
				return -1;
			}
			r[n].lo = inside;
			r[n].hi = (unsigned long long)inside + count;
			n++;
		}
		const char *nl = strchr(line, '\n');
		if (!nl)
			break;
		line = nl + 1;
	}
	if (n == 0)
		errno = EINVAL;
	return n ? n : -1;
}

struct map_out {
	char *buf;
	size_t cap, used;
	int lines;
};

static int emit(struct map_out *m, unsigned long long inside, unsigned long long outside,
		unsigned long long count)
{
	if (count == 0)
		return 0;
	if (m->lines == NS_MAP_MAX_LINES) {
		errno = E2BIG;
		return -1;
	}
	int n = snprintf(m->buf + m->used, m->cap - m->used, "%llu %llu %llu\n", inside, outside, count);
	if (n < 0 || (size_t)n >= m->cap - m->used) {
		errno = E2BIG;
		return -1;
	}
	m->used += (size_t)n;
	m->lines++;
	return 0;
}

static int in_ranges(const struct id_range *r, int n, unsigned long long id)
{
	for (int i = 0; i < n; i++)
		if (id >= r[i].lo && id < r[i].hi)
			return 1;
	return 0;
}

int ns_swap_map(const char *own, const struct ns_id_swap *swap, char *out, size_t cap)
{
	struct id_range r[NS_MAP_MAX_LINES];
	struct map_out m = { .buf = out, .cap = cap };
	int n = own_ranges(own, r, NS_MAP_MAX_LINES);
	if (n < 0)
		return -1;
	if (cap)
		out[0] = '\0';
	int swapped = swap && swap->inside != swap->outside;
	unsigned long long a = swapped ? swap->inside : 0, b = swapped ? swap->outside : 0;
	if (swapped && !in_ranges(r, n, b)) {
		errno = EINVAL;
		return -1;
	}
	int a_named = swapped && in_ranges(r, n, a);
	for (int i = 0; i < n; i++) {
		/* The range, with the swapped ids cut out of the identity. */
		unsigned long long cut[2] = { a < b ? a : b, a < b ? b : a };
		unsigned long long from = r[i].lo;
		for (int k = 0; swapped && k < 2; k++) {
			if (cut[k] < from || cut[k] >= r[i].hi)
				continue;
			if (emit(&m, from, from, cut[k] - from) < 0)
				return -1;
			from = cut[k] + 1;
		}
		if (emit(&m, from, from, r[i].hi - from) < 0)
			return -1;
	}
	if (swapped && (emit(&m, a, b, 1) < 0 || (a_named && emit(&m, b, a, 1) < 0)))
		return -1;
	return m.used ? 0 : (errno = EINVAL, -1);
}

static int write_map(pid_t pid, const char *which, const struct ns_id_swap *swap, struct ji_err *err)
{
	char own_path[32], path[64], own[4096], map[4096];
	snprintf(own_path, sizeof own_path, "/proc/self/%s", which);
	snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, which);

	if (read_text_file(own_path, own, sizeof own) < 0)
		return ji_fail(err, which, errno, "reading %s", own_path);
	if (ns_swap_map(own, swap, map, sizeof map) < 0) {
		if (swap && errno == EINVAL)
			return ji_fail(err, which, EINVAL,
				       "%s %lu is not an id of this container (%s: %.*s)", which[0] == 'u' ? "uid" : "gid",
				       swap->outside, own_path, (int)strcspn(own, "\n"), own);
		return ji_fail(err, which, errno, "cannot make a map of %s", own_path);
	}

	if (write_text_file(path, map) < 0)
		return ji_fail(err, which, errno, "writing %s", path);
	return 0;
}

int ns_write_id_maps_swapped(pid_t pid, const struct ns_id_swap *uid, const struct ns_id_swap *gid,
			     struct ji_err *err)
{
	if (write_map(pid, "uid_map", uid, err) < 0)
		return -1;
	return write_map(pid, "gid_map", gid, err);
}

int ns_write_id_maps(pid_t pid, struct ji_err *err)
{
	return ns_write_id_maps_swapped(pid, NULL, NULL, err);
}
