/* checkcost: what the quiet pre-run self-check costs (make bench).
 *
 *   checkcost [-n RUNS] [JAIL OPTIONS...]
 *   e.g. checkcost -n 200 --net transparent --proxy-port 3128
 *
 * Parses the options exactly as a run of jailinit would (options_parse on
 * "jailinit OPTIONS -- true"), then calls check_quick() -- the check a run
 * does before building the jail -- 5 times to warm up and RUNS times timed
 * with CLOCK_MONOTONIC. Prints one JSON object: runs, ready (the last
 * verdict), median / p10 / p90 ns, and the failure's step and errno name when
 * the check says no. Exit 0 ready, 77 not ready, 64 usage. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check/check.h"
#include "base/err.h"
#include "init/options.h"

extern char **environ;

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

int main(int argc, char **argv)
{
	int runs = 200, first = 1, i, rc = 0;
	char **av;
	int ac = 0;
	struct options o;
	struct ji_err err;
	unsigned long long *t;

	if (argc > 2 && strcmp(argv[1], "-n") == 0) {
		runs = atoi(argv[2]);
		first = 3;
	}
	if (runs < 1) {
		fprintf(stderr, "usage: checkcost [-n RUNS] [JAIL OPTIONS...]\n");
		return 64;
	}
	av = calloc((size_t)argc + 3, sizeof(*av));
	t = calloc((size_t)runs, sizeof(*t));
	if (!av || !t)
		return perror("calloc"), 1;
	av[ac++] = "jailinit";
	for (i = first; i < argc; i++)
		av[ac++] = argv[i];
	av[ac++] = "--";
	av[ac++] = "true";
	memset(&o, 0, sizeof(o));
	memset(&err, 0, sizeof(err));
	if (options_parse(&o, ac, av, environ, &err) < 0) {
		fprintf(stderr, "checkcost: %s: %s\n", err.step[0] ? err.step : "options", err.detail);
		return 64;
	}
	for (i = 0; i < 5; i++)
		rc = check_quick(&o, &err);
	for (i = 0; i < runs; i++) {
		unsigned long long t0 = now_ns();

		memset(&err, 0, sizeof(err));
		rc = check_quick(&o, &err);
		t[i] = now_ns() - t0;
	}
	qsort(t, (size_t)runs, sizeof(*t), cmp_ull);
	printf("{\"runs\": %d, \"ready\": %s, \"med_ns\": %llu, \"p10_ns\": %llu, \"p90_ns\": %llu",
	       runs, rc == 0 ? "true" : "false",
	       runs % 2 ? t[runs / 2] : (t[runs / 2 - 1] + t[runs / 2]) / 2,
	       t[(runs - 1) / 10], t[(runs - 1) * 9 / 10]);
	if (rc != 0)
		printf(", \"step\": \"%s\", \"errno\": \"%s\"", err.step[0] ? err.step : "?", ji_errno_name(err.errnum));
	printf("}\n");
	return rc == 0 ? 0 : 77;
}
