/* dns_server: the jail's DNS, answered by jailinit's proxy process (issue
 * 9). The jail's queries to port 53 of any address arrive here, redirected
 * by the nf_tables table, over UDP and TCP. An A query for a name some rule
 * allows gets that name's synthetic address (egress/synth), AAAA and every
 * other type of such a name an empty answer (the jail has no IPv6; the
 * proxy resolves for real when the agent connects), every other name
 * NXDOMAIN. Nothing is asked of any upstream server: a name the rules
 * refuse never leaves the container, so DNS is no way out. One log line
 * per answer (egress/elog, method "DNS-A", "DNS-AAAA", "DNS-TYPE65", ...).
 *
 * Its sockets sit in an epoll set of its own, which the proxy's loop polls
 * as one descriptor: dns_server_run does what is ready and never blocks.
 * Bounded: a UDP query over 512 bytes is dropped, at most DNS_TCP_MAX TCP
 * clients at once, each with DNS_TCP_MS to send one query, which is
 * answered and closed. */
#ifndef JAILINIT_DNS_SERVER_H
#define JAILINIT_DNS_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include "../base/err.h"
#include "dns_msg.h"
#include "policy.h"
#include "synth.h"

#define DNS_TCP_MAX 16
#define DNS_TCP_MS 5000
#define DNS_TTL 300

struct dns_tcp_client {
	int fd;                 /* -1: free */
	long long deadline;
	size_t in_len, out_off, out_len;
	unsigned char in[2 + DNS_UDP_MAX];
	unsigned char out[2 + DNS_UDP_MAX];
};

struct dns_server {
	int ep, udp_fd, tcp_fd;
	const struct egress_policy *policy;
	struct synth_map *map;
	struct dns_tcp_client tcp[DNS_TCP_MAX];
};

/* Bind UDP and TCP addr:port (host byte order) and make the epoll set;
 * before privileges drop. 0, or -1 with err. */
int dns_server_open(struct dns_server *d, uint32_t addr, uint16_t port, const struct egress_policy *policy,
		    struct synth_map *map, struct ji_err *err);
/* The descriptor the proxy's loop polls (readable when something is ready). */
int dns_server_fd(const struct dns_server *d);
/* Do what is ready and apply the deadlines; never blocks. */
void dns_server_run(struct dns_server *d, long long now_ms);
/* 1 while a TCP client is open (the proxy's loop must then wake up for
 * the deadlines). */
int dns_server_busy(const struct dns_server *d);

/* The reply to one query of n bytes into out (logged); its length, or -1
 * when nothing is to be sent back. Pure but for the log and the map. */
int dns_server_answer(struct dns_server *d, const unsigned char *query, size_t n, unsigned char *out, size_t cap);

#endif
