/* The self-check's entry points: `jailinit check`, the quick check before
 * a run, and the explanation after a failed build. */
#include "check.h"
#include "check_report.h"
#include "../egress/policy.h"
#include "../jail/jail_plan.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../base/log.h"

/* ---- entry points ------------------------------------------------------- */

/* Where the jail's DNS goes with --allow, as the run would set it up. */
static void print_jail_dns(const struct options *o)
{
	static struct jail_plan plan;
	struct ji_err err = { 0 };
	if (jail_plan_make(o, &plan, &err) < 0 || !plan.link)
		return;
	uint32_t a = plan.outer_addr;
	if (plan.egress_dns)
		printf("dns:    answered by jailinit at %u.%u.%u.%u:%u (port 53 of any address from the jail): "
		       "allowed names get synthetic addresses in 198.19.0.0/16, other names NXDOMAIN\n",
		       a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255, (unsigned)plan.dns_port);
	else if (plan.dns_port)
		printf("dns:    port 53 of %u.%u.%u.%u goes to your resolver on port %u (--dns-port)\n", a >> 24,
		       (a >> 16) & 255, (a >> 8) & 255, a & 255, (unsigned)plan.dns_port);
	fflush(stdout);
}

int check_main(const struct options *o)
{
	static struct check_facts f;
	static struct check_report r;
	static struct egress_policy policy;
	if (options_egress(o)) {
		struct ji_err err = { 0 };
		if (egress_policy_build(&policy, o, &err) < 0) {
			log_err(&err);
			return EXIT_USAGE;
		}
		if (!o->check_json) {
			fflush(stdout);
			egress_policy_print(&policy, STDOUT_FILENO);
			print_jail_dns(o);
		}
	}
	check_gather(o, &f, 1);
	check_evaluate(o, &f, &r);
	if (o->check_json)
		check_print_json(stdout, o, &f, &r);
	else
		check_print_text(stdout, o, &f, &r, 0);
	if (fflush(stdout) != 0)
		log_msg(LOG_WARN, "check: writing the report failed: %s", strerror(errno));
	return r.ready ? 0 : EXIT_FORBIDDEN;
}

int check_quick(const struct options *o, struct ji_err *err)
{
	if (o->net == NET_HOST)
		return 0;
	static struct check_facts f;
	static struct check_report r;
	check_gather(o, &f, 0);
	check_evaluate(o, &f, &r);
	if (r.ready)
		return 0;
	const struct check_item *it = check_first_failure(&r);
	/* A missing capability has no errno of its own: EPERM is what the step
	 * would get. Said inside the line, which ends with what happens next
	 * (the explanation follows it: check_explain_failure), so that it does
	 * not read as if the check itself had failed with EPERM. */
	ji_fail(err, CHECK_QUICK_STEP, it && it->errnum ? it->errnum : EPERM,
		"%s: %.100s; the agent was not started (the fix follows); the step would get",
		it ? it->name : "the jail", it ? it->detail : "it");
	if (err)
		err->exit_code = EXIT_FORBIDDEN;
	return -1;
}

void check_explain_failure(const struct options *o, const struct ji_err *failed)
{
	static struct check_facts f;
	static struct check_report r;
	/* Not the trial: the build that just failed is the real step, and a
	 * second build could trip over what the first left half-done. */
	check_gather(o, &f, CHECK_GATHER_NO_TRIAL);
	/* From check_quick: already logged by the caller, and not a build step. */
	int from_quick = failed && strcmp(failed->step, CHECK_QUICK_STEP) == 0;
	if (from_quick)
		failed = NULL;
	if (failed && o->net != NET_HOST) {
		f.trial_state = TRIAL_RAN;
		f.trial.n_steps = 1;
		f.trial.steps[0].id = (enum jail_step_id)failed->build_step;
		snprintf(f.trial.steps[0].name, sizeof f.trial.steps[0].name, "%s",
			 failed->step[0] ? failed->step : jail_step(f.trial.steps[0].id)->name);
		f.trial.steps[0].ran = 1;
		f.trial.steps[0].ok = 0;
		f.trial.steps[0].errnum = failed->errnum;
		snprintf(f.trial.steps[0].detail, sizeof f.trial.steps[0].detail, "%.127s", failed->detail);
	}
	check_evaluate(o, &f, &r);
	if (failed)
		log_msg(LOG_ERROR, "building the jail failed at %s (%s)%s%s", failed->step[0] ? failed->step : "?",
			ji_errno_name(failed->errnum), failed->detail[0] ? ": " : "", failed->detail);
	log_msg(LOG_ERROR, "what the self-check finds here (jailinit check shows everything):");
	/* The report goes through log.c like every line jailinit writes: as
	 * it is in text mode, one JSON object a line with --log-format=json. */
	static char text[16384];
	FILE *m = fmemopen(text, sizeof text, "w");
	if (!m) {
		log_msg(LOG_ERROR, "the findings cannot be shown (%s)", ji_errno_name(errno));
		return;
	}
	check_print_text(m, o, &f, &r, 1);
	if (fclose(m) != 0)
		text[sizeof text - 1] = '\0';
	log_text_block(LOG_ERROR, text);
}
