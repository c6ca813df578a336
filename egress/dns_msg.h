/* dns_msg: DNS messages, the little the proxy's resolver needs. STAND-IN
 * until the egress-core helper's module lands: build an A query, read an
 * answer's A records (the question checked against the name asked). Pure. */
#ifndef JAILINIT_DNS_MSG_H
#define JAILINIT_DNS_MSG_H

#include <stddef.h>
#include <stdint.h>

#define DNS_TYPE_A 1
#define DNS_RCODE_NXDOMAIN 3
#define DNS_ANSWER_MAX_A 8

struct dns_answer_a {
	int rcode;
	int truncated;
	int n_addrs;
	uint32_t addrs[DNS_ANSWER_MAX_A]; /* host byte order */
};

/* The query's length, or -1 when name does not fit. */
int dns_msg_build_query(unsigned char *buf, size_t cap, uint16_t id, const char *name, uint16_t qtype);
/* 0 for an answer to (id, name, A), -1 for anything else. */
int dns_msg_parse_answer_a(const unsigned char *msg, size_t n, uint16_t id, const char *name, struct dns_answer_a *a);

#endif
