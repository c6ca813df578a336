/* dns_msg: DNS messages, the little jailinit needs, both ways: the proxy's
 * resolver builds an A query and reads an answer's A records (the question
 * checked against the name asked); the jail's DNS server reads a query and
 * builds its reply. Everything is bounded by the message's own length and
 * no count in it is trusted. Pure. */
#ifndef JAILINIT_DNS_MSG_H
#define JAILINIT_DNS_MSG_H

#include <stddef.h>
#include <stdint.h>

#define DNS_TYPE_A 1
#define DNS_TYPE_AAAA 28
#define DNS_CLASS_IN 1
#define DNS_RCODE_NOERROR 0
#define DNS_RCODE_FORMERR 1
#define DNS_RCODE_SERVFAIL 2
#define DNS_RCODE_NXDOMAIN 3
#define DNS_RCODE_NOTIMP 4
#define DNS_ANSWER_MAX_A 8
#define DNS_NAME_MAX 253
#define DNS_UDP_MAX 512 /* what a reply of ours never exceeds */

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

/* A query, as the jail's DNS server reads it. */
struct dns_question {
	uint16_t id;
	int rd;                       /* recursion desired: echoed */
	char name[DNS_NAME_MAX + 1];  /* lower case, no trailing dot; "" is the root */
	uint16_t qtype, qclass;
	size_t question_len;          /* 0 when the question could not be read */
};

/* Read a query: QR 0, opcode QUERY, exactly one question whose name has no
 * compression and no '.' or NUL inside a label. Returns DNS_RCODE_NOERROR
 * (0) for one to answer, DNS_RCODE_FORMERR or DNS_RCODE_NOTIMP for one to
 * answer with that rcode (q->id set, q->question_len set when the question
 * itself was read), or -1 for nothing to answer (shorter than a header, or
 * a response). */
int dns_msg_parse_query(const unsigned char *m, size_t n, struct dns_question *q);

/* The reply to q, which was read from query: rcode, and one A record for
 * addr (host byte order) when addr != 0, with ttl. The question is echoed
 * when it was read. Its length, or -1 when cap is too small. */
int dns_msg_build_reply(unsigned char *out, size_t cap, const unsigned char *query, const struct dns_question *q,
			int rcode, uint32_t addr, uint32_t ttl);

#endif
