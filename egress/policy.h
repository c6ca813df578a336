/* policy: the rules jailinit's own proxy enforces, gathered from the
 * options (--allow, --deny, JAILINIT_ALLOW) and --allow-file, parsed by
 * egress/rules, and the one question the proxy asks of them: may HOST:PORT
 * be reached, and which rule says so. The checks used by init/options are
 * pure; egress_policy_build reads the allow file. */
#ifndef JAILINIT_EGRESS_POLICY_H
#define JAILINIT_EGRESS_POLICY_H

#include <stdint.h>

#include "../base/err.h"
#include "rules.h"

struct options;

/* One rule as the user wrote it (name: the option or variable, for the
 * error). 0, or -1 with err naming the rule and what is wrong. */
int egress_rule_check(const char *name, const char *rule, struct ji_err *err);
/* A list separated by spaces or commas (JAILINIT_ALLOW). */
int egress_rule_list_check(const char *name, const char *list, struct ji_err *err);

struct egress_policy {
	struct rules_set set;
};

/* Every rule of the options, and of --allow-file (read here: one rule a
 * line, '#' comments). 0, or -1 with err (exit code EXIT_USAGE for a rule
 * that does not parse). */
int egress_policy_build(struct egress_policy *p, const struct options *o, struct ji_err *err);

struct egress_verdict {
	int allowed;
	const char *rule;   /* the deciding rule as written; NULL: none matched */
	int names_address;  /* the deciding allow rule is an address or CIDR (not '*') */
};

void egress_policy_decide(const struct egress_policy *p, const char *host, uint16_t port,
			  struct egress_verdict *v);

/* For the jail's DNS: the rule by which some port of name may be reached
 * (as written), or NULL when none may. */
const char *egress_policy_name_rule(const struct egress_policy *p, const char *name);

/* The rules in force, as one decision-log line (egress/elog). */
void egress_policy_log(const struct egress_policy *p);
/* The same as text lines ("allow RULE" / "deny RULE"), for jailinit check. */
void egress_policy_print(const struct egress_policy *p, int fd);

#endif
