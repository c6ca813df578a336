/* orphans: the reaping benchmark's workload.
 *
 *   orphans [COUNT]        (default 10000)
 *
 * Run as the main child of an init that is PID 1 of a fresh PID namespace
 * with its own /proc (unshare --pid --fork --mount-proc INIT -- orphans).
 * Forks COUNT children; each forks one grandchild and _exits at once, the
 * grandchild _exits at once too, so COUNT short-lived orphans (or zombies)
 * land on PID 1. orphans reaps its own children only, then polls /proc until
 * no process but PID 1 and itself is left, i.e. until the init has reaped
 * every orphan. Prints one JSON object: count, ns from the first fork to the
 * last orphan reaped, ns spent forking. Exit 0; 1 when orphans are still
 * there after 60 s (the init does not reap them); 2 when not in a PID
 * namespace of its own (PID 1 must be the init). */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ULL + (unsigned long long)ts.tv_nsec;
}

/* Processes in this /proc other than PID 1 and me; -1 on error. */
static long others(pid_t me)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	long n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d))) {
		char *end;
		long pid = strtol(e->d_name, &end, 10);

		if (*end || pid <= 0 || pid == 1 || pid == me)
			continue;
		n++;
	}
	closedir(d);
	return n;
}

int main(int argc, char **argv)
{
	long count = argc > 1 ? atol(argv[1]) : 10000, i, left = 0;
	pid_t me = getpid();
	unsigned long long t0, tf, deadline;
	struct timespec nap = { 0, 200000 };

	if (getppid() != 1 || others(me) < 0) {
		fprintf(stderr, "orphans: must be the child of PID 1 with its own /proc "
				"(unshare --pid --fork --mount-proc INIT -- orphans)\n");
		return 2;
	}
	t0 = now_ns();
	for (i = 0; i < count; i++) {
		pid_t p = fork();

		if (p < 0) {
			if (errno == EAGAIN) { /* pid limit: let some go first */
				while (waitpid(-1, NULL, WNOHANG) > 0)
					;
				nanosleep(&nap, NULL);
				i--;
				continue;
			}
			perror("orphans: fork");
			return 1;
		}
		if (p == 0) {
			if (fork() == 0)
				_exit(0); /* the orphan */
			_exit(0);     /* its parent, gone at once */
		}
		while (waitpid(-1, NULL, WNOHANG) > 0)
			; /* my own children only; the grandchildren are PID 1's */
	}
	tf = now_ns();
	while (waitpid(-1, NULL, 0) > 0)
		;
	deadline = now_ns() + 60000000000ULL;
	while ((left = others(me)) > 0 && now_ns() < deadline)
		nanosleep(&nap, NULL);
	printf("{\"count\": %ld, \"reap_ns\": %llu, \"fork_ns\": %llu, \"left\": %ld}\n",
	       count, now_ns() - t0, tf - t0, left);
	return left ? 1 : 0;
}
