/* inner: the jail's side, run in the child the outer cloned into the new
 * namespaces. Waits for the outer's maps, configures lo (and its veth end,
 * address, default route, hostname), reports, waits for the go, then runs
 * the agent with every privilege dropped and the seccomp filter loaded:
 * exec'd in place, or, with a PID namespace, as the child of this process,
 * which stays the jail's PID 1 and runs the same supervision loop. */
#ifndef JAILINIT_INNER_H
#define JAILINIT_INNER_H

#include "jail_plan.h"

/* trial: configure, report, and exit 0 at the go (for `jailinit check`).
 * take_terminal: the outer held the terminal's foreground (stdin a
 * terminal, its group the foreground one), so the foreground is handed on
 * to the agent through the jail's init, as a plain init hands it to its
 * command: the agent's own job control works (a prompt, ^C, ^Z). Said by
 * the outer: from inside a new PID namespace the outer's group is not
 * visible, so the jail's init cannot tell a foreground from a background. */
__attribute__((noreturn)) void inner_main(const struct jail_plan *p, int sock, unsigned long ns_flags,
					  int trial, int take_terminal);

#endif
