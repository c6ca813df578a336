/* proxy: the optional proxy process (--proxy 'PATH ARG...'), started in the
 * container netns, split on spaces (no shell: FROM scratch has none), under
 * its own uid when asked, from the binary found and checked at start; or
 * jailinit's own (--allow: a function run in the
 * forked child instead of an exec, egress/proxy, which drops its own
 * privileges once it listens); ready once it accepts on the outer end's port
 * (bounded wait); restarted with backoff when it dies while the agent runs,
 * and given up on (EXIT_PROXY_DIED) when it keeps dying. */
#ifndef JAILINIT_PROXY_H
#define JAILINIT_PROXY_H

#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "../base/err.h"

#define PROXY_MAX_ARGS 32
#define PROXY_READY_TIMEOUT_MS 10000
#define PROXY_MAX_RESTARTS 5          /* within PROXY_RESTART_WINDOW_MS */
#define PROXY_RESTART_WINDOW_MS 60000

struct proxy {
	char *argv[PROXY_MAX_ARGS + 1];
	char buf[1024];
	pid_t pid;          /* 0 when not running */
	int drop_user;
	uid_t uid;
	gid_t gid;
	uint32_t addr;      /* where it must accept, host byte order */
	uint16_t port;
	int restarts;       /* restarts in the current window */
	struct timespec window_start;
	int stopping;       /* the agent is gone: no more restarts */
	/* the built-in proxy: run(run_ctx) in the child instead of an exec;
	 * the child keeps stderr and keep_fd (-1: none) and closes every other
	 * descriptor of jailinit's first */
	int (*run)(void *run_ctx);
	void *run_ctx;
	int keep_fd;
	const char *name;   /* for the log */
	int exe_fd;         /* the binary checked at start (O_PATH), executed on every (re)start; -1: none */
};

int proxy_init(struct proxy *px, const char *cmdline, uint32_t addr, uint16_t port, struct ji_err *err);
/* Find the proxy's binary once (PATH, like execvp), keep it open and run
 * that file on every start and restart, so that a rename over its path
 * later changes nothing; refuse (EXIT_USAGE) a binary, or a directory
 * above it, that the agent's container ids (uid, gid) could write: nor the
 * file's bytes nor the path it is found by are the agent's to change. Not
 * found or not executable: EXIT_PROXY_DIED, as a proxy that cannot start. */
int proxy_pin_binary(struct proxy *px, uid_t agent_uid, gid_t agent_gid, struct ji_err *err);
/* The built-in proxy: run(ctx) in the forked child; keep_fd survives. */
void proxy_init_builtin(struct proxy *px, int (*run)(void *), void *ctx, int keep_fd, uint32_t addr,
			uint16_t port);
/* Fork and exec the proxy; the child waits delay_ms first (backoff). */
int proxy_start(struct proxy *px, unsigned delay_ms, struct ji_err *err);
/* Wait until the proxy accepts a TCP connection on addr:port. */
int proxy_wait_ready(struct proxy *px, int timeout_ms, struct ji_err *err);
/* supervise_reap_fn: restart the proxy when it died, or ask the supervisor
 * to stop the agent with EXIT_PROXY_DIED when it keeps dying. */
int proxy_on_reap(void *ctx, pid_t pid, int wait_status);
/* Stop and reap the proxy (setup failure path). */
void proxy_kill(struct proxy *px);

#endif
