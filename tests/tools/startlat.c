/* startlat: start-up latency launcher for `make bench`.
 *
 *   startlat [-n RUNS] [-w WARMUP] [-r] [-N] [-p MS] [-v] -- COMMAND [ARG...]
 *
 * Each run: a pipe; t0 = CLOCK_MONOTONIC just before fork(); the child puts
 * the pipe on its stdout (stderr to /dev/null unless -v) and execs COMMAND,
 * which must eventually run `stamp` (tests/tools/stamp.c) with that stdout:
 * stamp prints its own CLOCK_MONOTONIC. latency = stamp - t0, i.e. from
 * fork+exec of the init to the agent running. total = the moment wait4()
 * returns - t0 (the whole process, teardown included). wait4()'s rusage gives
 * ru_maxrss (max of the command and the children it reaped; approximate on
 * recent kernels, 0 for processes of a few pages: the bench quotes VmHWM).
 *
 * Prints one JSON object: runs, failures, latency and total medians /
 * percentiles in ns, peak RSS in KiB (median over runs). Exit 0 when at least
 * half the runs produced a stamp and exited 0, else 1 (with the first
 * failure's wait status in the JSON). With -r, instead of the summary, one
 * line per measured run: "LAT_NS TOT_NS RSS_KB", or "fail WAITSTATUS"
 * (bench/bench.py interleaves rounds of several commands and takes the
 * medians itself). With -N (root), every run starts in a network namespace
 * of its own, made before t0 (unshare(CLONE_NEWNET), lo up), the way each
 * container start gets a fresh netns: no run meets what the previous one is
 * still tearing down asynchronously (a dying jail's veth, say). -p MS pauses
 * that long before each run (outside the timing), so the kernel's deferred
 * clean-up of the previous run is not billed to the next. */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ULL + (unsigned long long)ts.tv_nsec;
}

static int cmp_ull(const void *a, const void *b)
{
	unsigned long long x = *(const unsigned long long *)a, y = *(const unsigned long long *)b;

	return x < y ? -1 : x > y;
}

static unsigned long long pct(unsigned long long *v, int n, int p)
{
	if (n <= 0)
		return 0;
	qsort(v, (size_t)n, sizeof(*v), cmp_ull);
	if (p == 50 && n % 2 == 0)
		return (v[n / 2 - 1] + v[n / 2]) / 2;
	return v[(long)(n - 1) * p / 100];
}

/* A fresh network namespace for this process (and the next child), lo up. */
static int fresh_netns(void)
{
	struct ifreq ifr;
	int fd, rc = -1;

	if (unshare(CLONE_NEWNET) < 0)
		return perror("startlat: unshare(CLONE_NEWNET)"), -1;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return perror("startlat: socket"), -1;
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "lo");
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) == 0) {
		ifr.ifr_flags |= IFF_UP;
		rc = ioctl(fd, SIOCSIFFLAGS, &ifr);
	}
	if (rc < 0)
		perror("startlat: lo up");
	close(fd);
	return rc;
}

/* One run; returns 0 with *lat, *tot, *rss filled, or -1 (*status set). */
static int one(char **argv, int verbose, unsigned long long *lat, unsigned long long *tot,
	       unsigned long long *rss, int *status)
{
	int fds[2];
	char buf[128];
	size_t len = 0;
	ssize_t r;
	unsigned long long t0, stamp = 0;
	struct rusage ru;
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return perror("pipe"), -1;
	t0 = now_ns();
	pid = fork();
	if (pid < 0)
		return perror("fork"), -1;
	if (pid == 0) {
		dup2(fds[1], 1);
		if (!verbose) {
			int nul = open("/dev/null", O_WRONLY);

			if (nul >= 0)
				dup2(nul, 2);
		}
		execvp(argv[0], argv);
		_exit(127);
	}
	close(fds[1]);
	while ((r = read(fds[0], buf + len, sizeof(buf) - 1 - len)) != 0) {
		if (r < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		len += (size_t)r;
		if (len >= sizeof(buf) - 1)
			break;
	}
	close(fds[0]);
	while (wait4(pid, status, 0, &ru) < 0 && errno == EINTR)
		;
	*tot = now_ns() - t0;
	buf[len] = 0;
	stamp = strtoull(buf, NULL, 10);
	if (!WIFEXITED(*status) || WEXITSTATUS(*status) != 0 || stamp < t0)
		return -1;
	*lat = stamp - t0;
	*rss = (unsigned long long)ru.ru_maxrss;
	return 0;
}

int main(int argc, char **argv)
{
	int runs = 200, warm = 10, verbose = 0, raw = 0, newns = 0, pause_ms = 0, opt, i, n = 0, fails = 0, first_status = 0;
	unsigned long long *lat, *tot, *rss;

	while ((opt = getopt(argc, argv, "+n:w:rNp:v")) != -1) {
		switch (opt) {
		case 'n': runs = atoi(optarg); break;
		case 'w': warm = atoi(optarg); break;
		case 'r': raw = 1; break;
		case 'N': newns = 1; break;
		case 'p': pause_ms = atoi(optarg); break;
		case 'v': verbose = 1; break;
		default:
			fprintf(stderr, "usage: startlat [-n RUNS] [-w WARMUP] [-r] [-N] [-p MS] [-v] -- COMMAND [ARG...]\n");
			return 64;
		}
	}
	if (optind >= argc || runs < 1 || warm < 0) {
		fprintf(stderr, "usage: startlat [-n RUNS] [-w WARMUP] [-r] [-N] [-p MS] [-v] -- COMMAND [ARG...]\n");
		return 64;
	}
	lat = calloc((size_t)runs, sizeof(*lat));
	tot = calloc((size_t)runs, sizeof(*tot));
	rss = calloc((size_t)runs, sizeof(*rss));
	if (!lat || !tot || !rss)
		return perror("calloc"), 1;
	for (i = 0; i < warm + runs; i++) {
		unsigned long long l, t, m;
		int st = 0;

		if (pause_ms > 0) {
			struct timespec nap = { pause_ms / 1000, (long)(pause_ms % 1000) * 1000000L };

			nanosleep(&nap, NULL);
		}
		if (newns && fresh_netns() < 0)
			return 1;
		if (one(argv + optind, verbose, &l, &t, &m, &st) < 0) {
			if (raw && i >= warm)
				printf("fail %d\n", st);
			if (!fails++)
				first_status = st;
			if (fails >= 5 && n == 0)
				break; /* it does not work at all: stop early */
			continue;
		}
		if (i < warm)
			continue;
		if (raw)
			printf("%llu %llu %llu\n", l, t, m);
		lat[n] = l;
		tot[n] = t;
		rss[n] = m;
		n++;
	}
	if (raw)
		return n * 2 >= runs ? 0 : 1;
	printf("{\"runs\": %d, \"failures\": %d, \"first_status\": %d, "
	       "\"lat_min\": %llu, \"lat_p10\": %llu, \"lat_med\": %llu, \"lat_p90\": %llu, "
	       "\"tot_p10\": %llu, \"tot_med\": %llu, \"tot_p90\": %llu, \"maxrss_kb\": %llu}\n",
	       n, fails, first_status,
	       pct(lat, n, 0), pct(lat, n, 10), pct(lat, n, 50), pct(lat, n, 90),
	       pct(tot, n, 10), pct(tot, n, 50), pct(tot, n, 90), pct(rss, n, 50));
	return n * 2 >= runs ? 0 : 1;
}
