/* supervise: the one supervision loop, used by the container's PID 1 and by
 * the jail's PID 1. It spawns nothing and knows nothing about networks: it
 * forwards every catchable signal to the main child, reaps every child and
 * orphan, and when the main child is gone stops what is left (SIGTERM, grace,
 * SIGKILL), then returns the main child's wait status. One blocking call
 * (signalfd) while idle. */
#ifndef JAILINIT_SUPERVISE_H
#define JAILINIT_SUPERVISE_H

#include <signal.h>
#include <sys/types.h>

struct supervisor;

/* Called for every reaped process other than the main child (a proxy, an
 * orphan). Return 0 to go on, or an exit code > 0 to stop the main child
 * (SIGTERM, grace, SIGKILL) and make supervise_run report that code. Not
 * called once the shutdown has begun (nothing may be restarted then). */
typedef int (*supervise_reap_fn)(void *ctx, pid_t pid, int wait_status);

struct supervise_config {
	int kill_group;     /* forward to the main child's process group */
	int warn_reaped;    /* log "Reaped zombie process with pid=N" */
	int grace_ms;       /* after the main child exits: SIGTERM, wait, SIGKILL */
	supervise_reap_fn on_reap; /* may be NULL */
	void *ctx;
	/* Processes stopped last, after everything else is gone (the proxy: the
	 * agent goes first). May be empty. */
	const pid_t *stop_last;
	int n_stop_last;
};

/* Block every catchable signal and remember the mask the process was given,
 * so a child can get it back (supervise_child_restore). Call first, before
 * any fork, so no signal is lost. Returns 0 or -1 with errno. An ignored
 * SIGCHLD (which would let the kernel reap our children) is reset to the
 * default for the init only. */
int supervise_block_signals(void);

/* In a freshly forked child, before exec: restore the signal mask the init
 * was given and SIGCHLD's disposition (the init changes no other, so
 * ignored ones stay ignored). */
void supervise_child_restore(void);

/* SIGCHLD at its default while children must be waited for (the one place
 * that fixes an inherited SIG_IGN or SA_NOCLDWAIT): 1 when it was changed
 * (supervise_sigchld_restore puts the original back), 0 when it needed no
 * change, -1 with errno. */
int supervise_sigchld_default(void);
void supervise_sigchld_restore(void);

/* Make what the loop needs before the first child exists: the signalfd and
 * two spare descriptors that the /proc scans of the shutdown use (released
 * for the scan, taken back after). Under a descriptor limit the start then
 * fails before anything runs, instead of leaving a child unsupervised.
 * Called again in a forked child (the jail's init) it replaces what it
 * inherited. 0 or -1 with errno (EMFILE). */
int supervise_prepare(void);

/* A stop asked for while the loop does not run yet: SIGTERM, SIGINT,
 * SIGHUP or SIGQUIT pending (every signal is blocked from the start). Its
 * number, or 0. Set-up code asks between steps, so that `docker stop`
 * during the set-up ends the run with 128+N instead of starting the agent.
 * The signal stays pending. */
int supervise_stop_pending(void);

/* The short name of a signal ("SIGTERM"), or "a signal"; never NULL. */
const char *supervise_signal_name(int sig);

/* Supervise until main_pid is gone and everything the init is responsible
 * for has been stopped and reaped (supervise_prepare first; done here if
 * it was not). *forced_exit is set to the code an
 * on_reap callback asked for (0 otherwise). Returns main_pid's wait status,
 * or -1 with errno on an internal failure. */
int supervise_run(const struct supervise_config *cfg, pid_t main_pid, int *forced_exit);

/* Map a wait status to an exit code: exit code as is, signal N -> 128+N. */
int status_to_exit_code(int wait_status);

#endif
