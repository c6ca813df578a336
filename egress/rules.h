/* rules: HOST[:PORTS] allow and deny rules (issue 9), parsed and matched:
 * a name, *.suffix, an IPv4 address or CIDR, or *; PORTS 443, 80,443,
 * 1-65535; default 80,443; names case-insensitive, a trailing dot ignored.
 * A preset (@npm, ...) is sugar for a documented list of rules, each kept
 * with its preset's name for the log. Pure: no I/O, no allocation. */
#ifndef JAILINIT_RULES_H
#define JAILINIT_RULES_H

#include <stddef.h>
#include <stdint.h>

#define RULES_MAX 512
#define RULES_TEXT_MAX 272
#define RULES_MAX_PORT_RANGES 16

enum rule_kind { RULE_NAME, RULE_SUFFIX, RULE_CIDR, RULE_ANY };

struct rule {
	enum rule_kind kind;
	int deny;
	char text[RULES_TEXT_MAX];  /* as written, for the log */
	char name[254];             /* RULE_NAME: the name; RULE_SUFFIX: ".example.com" */
	uint32_t net, mask;         /* RULE_CIDR, host byte order */
	uint16_t lo[RULES_MAX_PORT_RANGES], hi[RULES_MAX_PORT_RANGES];
	int n_ports;
};

struct rules_set {
	struct rule r[RULES_MAX];
	int n;
};

/* A preset: its name ("@npm"), what it is for, and its rules (NULL-ended). */
struct rules_preset {
	const char *name;
	const char *what;
	const char *const *rules;
};

/* Every preset, in the order --help lists them; *count set. */
const struct rules_preset *rules_presets(size_t *count);

/* Parse one rule of n bytes (not a preset). 0, or -1 with why. */
int rules_parse(const char *s, size_t n, int deny, struct rule *out, char *why, size_t why_cap);
/* Check a rule or a preset's name without keeping it: 0, or -1 with why. */
int rules_check(const char *s, size_t n, char *why, size_t why_cap);
/* Append a rule, or every rule of a preset (its text "RULE (@name)"); -1
 * with why when it does not parse or the set is full (then nothing of it
 * was added). */
int rules_add(struct rules_set *set, const char *s, size_t n, int deny, char *why, size_t why_cap);
/* The deciding rule for host:port: the first deny rule that matches, else
 * the first allow rule that matches, else NULL (refused). */
const struct rule *rules_decide(const struct rules_set *set, const char *host, uint16_t port);
/* Whether some port of name may be reached, for the jail's DNS: the first
 * allow rule that matches the name (an address rule never matches a name)
 * with a port that no deny rule matching the name takes; NULL: none. */
const struct rule *rules_name_reachable(const struct rules_set *set, const char *name);

#endif
