/* proxy: the optional proxy process (--proxy 'PATH ARG...'), started in the
 * container netns, split on spaces (no shell: FROM scratch has none), under
 * its own uid when asked; ready once it accepts on the outer end's port
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
};

int proxy_init(struct proxy *px, const char *cmdline, uint32_t addr, uint16_t port, struct ji_err *err);
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
