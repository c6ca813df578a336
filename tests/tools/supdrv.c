/* supdrv: drives the supervision loop the way the jail does, with a proxy,
 * for the tests of what only the jail uses: stop_last and on_reap.
 *
 *   supdrv GRACE_MS PROXY_EXIT_CODE PROXY [ARG...] -- MAIN [ARG...]
 *
 * Becomes a subreaper, starts PROXY (spawn_background) then MAIN
 * (spawn_command), and runs supervise_run with stop_last = { PROXY } and an
 * on_reap that answers PROXY_EXIT_CODE when the proxy is reaped (0: go on).
 * Prints
 * "status=N forced=M" (N: MAIN's exit code, 128+signal; M: the code the
 * callback forced, 0 if none) and exits 0; 2 on a setup failure. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>

#include "base/log.h"
#include "supervise/spawn.h"
#include "supervise/supervise.h"

static pid_t proxy_pid;
static int proxy_code;

static int on_reap(void *ctx, pid_t pid, int wait_status)
{
	(void)ctx;
	(void)wait_status;
	return pid == proxy_pid ? proxy_code : 0;
}

int main(int argc, char **argv)
{
	struct supervise_config cfg = { 0 };
	struct ji_err err;
	char **main_argv = NULL;
	int i, st, forced;
	pid_t main_pid;

	if (supervise_block_signals() != 0 || prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) {
		perror("supdrv: setup");
		return 2;
	}
	if (argc < 6) {
		fprintf(stderr, "usage: supdrv GRACE_MS PROXY_EXIT_CODE PROXY... -- MAIN...\n");
		return 2;
	}
	for (i = 3; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0) {
			argv[i] = NULL;
			main_argv = argv + i + 1;
			break;
		}
	}
	if (main_argv == NULL || main_argv[0] == NULL) {
		fprintf(stderr, "supdrv: no MAIN command\n");
		return 2;
	}
	log_setup(LOG_TEXT, 1);
	proxy_code = (int)strtol(argv[2], NULL, 10);
	proxy_pid = spawn_background(argv + 3, &err);
	if (proxy_pid < 0) {
		log_err(&err);
		return 2;
	}
	main_pid = spawn_command(main_argv, &err);
	if (main_pid < 0) {
		log_err(&err);
		return 2;
	}
	cfg.grace_ms = (int)strtol(argv[1], NULL, 10);
	cfg.on_reap = on_reap;
	cfg.stop_last = &proxy_pid;
	cfg.n_stop_last = 1;
	st = supervise_run(&cfg, main_pid, &forced);
	if (st < 0) {
		perror("supdrv: supervise_run");
		return 2;
	}
	printf("status=%d forced=%d\n", status_to_exit_code(st), forced);
	return 0;
}
