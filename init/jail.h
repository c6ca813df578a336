/* jail: builds the network jail and runs the agent in it. The outer (this
 * process) clones the inner into a new user + network namespace (+ PID, UTS,
 * IPC where allowed), writes its id maps, builds the host side (veth end,
 * nf_tables table), optionally starts the proxy, then supervises; the inner
 * configures the jail side, drops every privilege, loads the seccomp filter
 * and runs the agent. The two talk over pipes in named stages. Everything
 * built is torn down on every exit path. */
#ifndef JAILINIT_JAIL_H
#define JAILINIT_JAIL_H

#include "options.h"

/* Build the jail, run the agent, supervise, tear down. Returns the exit code
 * jailinit should exit with (the agent's, or a jailinit exit code). */
int jail_run(const struct options *o);

#endif
