/* checkquick: how long check_quick() takes here, for `make bench`.
 *
 *   checkquick [N] [JAIL OPTIONS...]
 *
 * Parses the options like `jailinit` would (default: --proxy-port 3128),
 * calls check_quick N times (default 200) and prints one line:
 *   check_quick: ready|forbidden median_us=M p90_us=P max_us=X n=N
 * Exits 0 when ready, 77 when forbidden, 64 on usage errors. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "init/check.h"
#include "init/options.h"

extern char **environ;

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	int n = 200;
	int first = 1;
	if (argc > 1 && argv[1][0] >= '0' && argv[1][0] <= '9') {
		char *end;
		long v = strtol(argv[1], &end, 10);
		n = *end ? -1 : (int)(v > 100000 ? -1 : v);
		first = 2;
	}
	if (n < 1 || n > 100000) {
		fprintf(stderr, "checkquick: N must be 1..100000\n");
		return 64;
	}
	/* argv for the parser: jailinit [OPTIONS] -- true */
	char *pargv[64];
	int pc = 0;
	pargv[pc++] = "jailinit";
	if (first >= argc) {
		pargv[pc++] = "--proxy-port";
		pargv[pc++] = "3128";
	}
	for (int i = first; i < argc && pc < 60; i++)
		pargv[pc++] = argv[i];
	pargv[pc++] = "--";
	pargv[pc++] = "true";
	pargv[pc] = NULL;
	struct options o;
	struct ji_err err;
	memset(&o, 0, sizeof o);
	if (options_parse(&o, pc, pargv, environ, &err) < 0) {
		fprintf(stderr, "checkquick: %s: %s\n", err.step ? err.step : "options", err.detail);
		return 64;
	}
	double *t = calloc((size_t)n, sizeof *t);
	if (!t)
		return 71;
	int rc = 0;
	for (int i = 0; i < n; i++) {
		struct timespec a, b;
		clock_gettime(CLOCK_MONOTONIC, &a);
		rc = check_quick(&o, &err);
		clock_gettime(CLOCK_MONOTONIC, &b);
		t[i] = (double)(b.tv_sec - a.tv_sec) * 1e6 + (double)(b.tv_nsec - a.tv_nsec) / 1e3;
	}
	qsort(t, (size_t)n, sizeof *t, cmp);
	printf("check_quick: %s median_us=%.0f p90_us=%.0f max_us=%.0f n=%d\n", rc == 0 ? "ready" : "forbidden",
	       t[n / 2], t[(n * 9) / 10], t[n - 1], n);
	if (rc != 0)
		printf("check_quick: %s: %s\n", err.step ? err.step : "?", err.detail);
	free(t);
	return rc == 0 ? 0 : 77;
}
