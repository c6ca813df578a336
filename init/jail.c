/* Placeholder until the jail lands (issue 3): refuses, fail closed. */
#include <errno.h>

#include "jail.h"
#include "log.h"

int jail_run(const struct options *o)
{
	(void)o;
	log_msg(LOG_ERROR, "the network jail is not built yet; use --net host to run unjailed");
	return EXIT_SETUP;
}

int jail_trial(const struct options *o, struct jail_trial *t)
{
	(void)o;
	t->n_steps = 0;
	t->ns_flags = 0;
	return -1;
}
