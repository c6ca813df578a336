/* run: the sequence of a jailed run, the one place that decides it: options
 * -> plan (and the egress policy) -> the quick self-check -> build, run and
 * supervise the jail -> on failure the report (the self-check's findings
 * when the container forbids the jail) and the exit code. main() calls it;
 * jail/ and check/ each know only their own part. */
#ifndef JAILINIT_RUN_H
#define JAILINIT_RUN_H

#include "options.h"

/* Returns the exit code jailinit exits with. */
int run_jailed(const struct options *o);

#endif
