/* rules: HOST[:PORTS] allow and deny rules (issue 9), parsed and matched.
 * STAND-IN: the egress-core helper writes the real module (presets, the
 * full grammar); this one covers what the proxy needs meanwhile: a name,
 * *.suffix, an IPv4 address or CIDR, or *; PORTS 443, 80,443, 1-65535;
 * default 80,443. Names case-insensitive, a trailing dot ignored. Pure. */
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

/* Parse one rule of n bytes. 0, or -1 with why (what is wrong). */
int rules_parse(const char *s, size_t n, int deny, struct rule *out, char *why, size_t why_cap);
/* Append; -1 with why when it does not parse or the set is full. */
int rules_add(struct rules_set *set, const char *s, size_t n, int deny, char *why, size_t why_cap);
/* The deciding rule for host:port: the first deny rule that matches, else
 * the first allow rule that matches, else NULL (refused). */
const struct rule *rules_decide(const struct rules_set *set, const char *host, uint16_t port);

#endif
