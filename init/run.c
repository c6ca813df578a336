#include "run.h"

#include "../base/err.h"
#include "../base/log.h"
#include "../check/check.h"
#include "../egress/policy.h"
#include "../jail/jail.h"
#include "../jail/jail_plan.h"

static int exit_code_for(const struct ji_err *err)
{
	if (err->exit_code)
		return err->exit_code;
	return ji_errno_is_forbidden(err->errnum) ? EXIT_FORBIDDEN : EXIT_SETUP;
}

int run_jailed(const struct options *o)
{
	static struct jail_plan plan;
	static struct egress_policy policy;
	struct ji_err err = { 0 };

	if (jail_plan_make(o, &plan, &err) < 0) {
		log_err(&err);
		return EXIT_USAGE;
	}
	if (plan.egress) {
		/* reads --allow-file: options do no I/O */
		if (egress_policy_build(&policy, o, &err) < 0) {
			log_err(&err);
			return err.exit_code ? err.exit_code : EXIT_USAGE;
		}
		plan.egress_policy = &policy;
	}
	if (check_quick(o, &err) < 0) {
		log_err(&err);
		check_explain_failure(o, &err);
		return exit_code_for(&err);
	}
	int agent_started = 0;
	int code = jail_run(&plan, &err, &agent_started);
	if (code < 0) {
		code = exit_code_for(&err);
		log_err(&err);
		if (agent_started)
			return code;
		if (code == EXIT_FORBIDDEN)
			check_explain_failure(o, &err);
		else if (code == EXIT_SETUP)
			log_msg(LOG_ERROR, "the agent was not started; `jailinit check` tells what this container allows");
		return code;
	}
	return options_exit_is_zero(o, code) ? 0 : code;
}
