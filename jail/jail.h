/* jail: builds the network jail and runs the agent in it; knows nothing of
 * the self-check (check/ calls jail_trial, never the other way). The outer (this
 * process) clones the inner into a new user + network namespace (+ PID, UTS,
 * IPC where allowed), writes its id maps, builds the host side (veth end,
 * nf_tables table), optionally starts the proxy, then supervises; the inner
 * configures the jail side, drops every privilege, loads the seccomp filter
 * and runs the agent. The two talk over pipes in named stages. Everything
 * built is torn down on every exit path. */
#ifndef JAILINIT_JAIL_H
#define JAILINIT_JAIL_H

#include "../init/options.h"

#include "steps.h"

/* One step of a trial build, for `jailinit check`: self-contained (the
 * trial's child writes it into memory shared with the check). */
struct jail_step_result {
	enum jail_step_id id; /* the tier and what it needs come from its table entry */
	char name[JI_STEP_MAX]; /* jail_step(id)->name, or the jail side's own step ("link up") */
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

/* Build the jail the plan describes, run the agent, supervise, tear down.
 * Returns the exit code the agent's run ended with (its own, 128+N, or
 * EXIT_PROXY_DIED when the proxy kept dying); -1 with *err when the jail
 * could not be built (everything built is torn down; *agent_started 0) or
 * supervising failed (*agent_started 1). Prints nothing of its failure: the
 * caller reports err and picks the exit code (init/run.c). */
struct jail_plan;
int jail_run(const struct jail_plan *plan, struct ji_err *err, int *agent_started);

#endif
