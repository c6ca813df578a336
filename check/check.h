/* check: proves whether the jail configured by the options can be built in
 * this container, tried not guessed (each real step in a throwaway child,
 * torn down after), and says what to change: docker run flags, Kubernetes
 * securityContext, ECS task definition, sysbox-runc. `jailinit check` prints
 * it (text or --json); a run uses the quick form before building the jail,
 * and the full findings when building failed. */
#ifndef JAILINIT_CHECK_H
#define JAILINIT_CHECK_H

#include "../base/err.h"
#include "../init/options.h"

/* `jailinit check [--json] [JAIL OPTIONS]`: print the report on stdout.
 * Returns 0 (ready), EXIT_FORBIDDEN (77). */
int check_main(const struct options *o);

/* Before a run: the cheap probes only (capabilities, what the seccomp filter
 * lets through), a few hundred microseconds at most. Returns 0, or -1 with
 * err (step CHECK_QUICK_STEP, exit_code EXIT_FORBIDDEN) naming what forbids
 * the jail. */
#define CHECK_QUICK_STEP "self-check"
int check_quick(const struct options *o, struct ji_err *err);

/* After building the jail failed at err: print, on stderr, the findings of
 * the full check and the fix for this runtime, in one screen. */
void check_explain_failure(const struct options *o, const struct ji_err *failed);

#endif
