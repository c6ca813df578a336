/* jail: builds the network jail and runs the agent in it. The outer (this
 * process) clones the inner into a new user + network namespace (+ PID, UTS,
 * IPC where allowed), writes its id maps, builds the host side (veth end,
 * nf_tables table), optionally starts the proxy, then supervises; the inner
 * configures the jail side, drops every privilege, loads the seccomp filter
 * and runs the agent. The two talk over pipes in named stages. Everything
 * built is torn down on every exit path. */
#ifndef JAILINIT_JAIL_H
#define JAILINIT_JAIL_H

#include "../init/options.h"

/* One step of a trial build, for `jailinit check`. */
struct jail_step_result {
	const char *name; /* "clone", "uid_map", "create veth", "nft table", "jail: lo up", ... */
	int ran;          /* 0: not reached (an earlier step failed) */
	int ok;
	int errnum;
	char detail[192];
};

#define JAIL_TRIAL_MAX_STEPS 24
struct jail_trial {
	struct jail_step_result steps[JAIL_TRIAL_MAX_STEPS];
	int n_steps;
	unsigned long ns_flags; /* the clone flags that worked (JAIL_NS_FULL or JAIL_NS_MIN) */
};

/* Build the jail the options describe exactly the way jail_run does, with an
 * inner that configures its side and exits instead of running an agent (no
 * proxy started; a proxy port is only used for the rules); record every step
 * with its errno; tear everything down (table, veth, children). Returns 0
 * when every step succeeded, -1 otherwise (t says which failed). Safe to
 * call from a process that is not PID 1 and must leave nothing behind. */
int jail_trial(const struct options *o, struct jail_trial *t);

/* Build the jail, run the agent, supervise, tear down. Returns the exit code
 * jailinit should exit with (the agent's, or a jailinit exit code). */
int jail_run(const struct options *o);

#endif
