/* dns_server: see dns_server.h. */
#include "dns_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "elog.h"

#define TAG_UDP 0
#define TAG_LISTEN 1
#define TAG_CLIENT 2 /* + the client's index */
#define UDP_BURST 64 /* queries a turn, so that the proxy's own work goes on */

static void log_answer(const struct dns_question *q, const char *verdict, const char *rule, uint32_t addr,
		       const char *reason)
{
	char method[24];
	switch (q->qtype) {
	case DNS_TYPE_A: snprintf(method, sizeof method, "DNS-A"); break;
	case DNS_TYPE_AAAA: snprintf(method, sizeof method, "DNS-AAAA"); break;
	default: snprintf(method, sizeof method, "DNS-TYPE%u", (unsigned)q->qtype); break;
	}
	struct elog_entry e = {
		.verdict = verdict,
		.method = q->question_len ? method : "DNS",
		.host = q->question_len ? q->name : NULL,
		.port = 53,
		.rule = rule,
		.addr = addr,
		.reason = reason,
	};
	elog_write(&e);
}

int dns_server_answer(struct dns_server *d, const unsigned char *query, size_t n, unsigned char *out, size_t cap)
{
	struct dns_question q;
	int rc = dns_msg_parse_query(query, n, &q);
	if (rc < 0)
		return -1;
	if (rc != DNS_RCODE_NOERROR) {
		log_answer(&q, "deny", NULL, 0, rc == DNS_RCODE_NOTIMP ? "not a standard DNS query" : "malformed DNS query");
		return dns_msg_build_reply(out, cap, query, &q, rc, 0, 0);
	}
	if (q.qclass != DNS_CLASS_IN) {
		log_answer(&q, "deny", NULL, 0, "not class IN");
		return dns_msg_build_reply(out, cap, query, &q, DNS_RCODE_NOTIMP, 0, 0);
	}
	const char *rule = q.name[0] ? egress_policy_name_rule(d->policy, q.name) : NULL;
	if (rule == NULL) {
		log_answer(&q, "deny", NULL, 0, "no rule allows the name (NXDOMAIN; not asked upstream)");
		return dns_msg_build_reply(out, cap, query, &q, DNS_RCODE_NXDOMAIN, 0, 0);
	}
	uint32_t addr = 0;
	if (q.qtype == DNS_TYPE_A) {
		addr = synth_addr_for(d->map, q.name);
		if (addr == 0) {
			log_answer(&q, "error", rule, 0, "the synthetic address pool is full (4096 names)");
			return dns_msg_build_reply(out, cap, query, &q, DNS_RCODE_SERVFAIL, 0, 0);
		}
	}
	log_answer(&q, "allow", rule, addr, NULL);
	return dns_msg_build_reply(out, cap, query, &q, DNS_RCODE_NOERROR, addr, DNS_TTL);
}

static int bound_socket(int type, uint32_t addr, uint16_t port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(addr) };
	int one = 1;
	int fd = socket(AF_INET, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if ((type == SOCK_STREAM && setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0) ||
	    bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 || (type == SOCK_STREAM && listen(fd, 64) < 0)) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

static int watch(struct dns_server *d, int fd, uint64_t tag, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.u64 = tag };
	return epoll_ctl(d->ep, EPOLL_CTL_ADD, fd, &ev);
}

int dns_server_open(struct dns_server *d, uint32_t addr, uint16_t port, const struct egress_policy *policy,
		    struct synth_map *map, struct ji_err *err)
{
	memset(d, 0, sizeof *d);
	d->policy = policy;
	d->map = map;
	d->udp_fd = d->tcp_fd = -1;
	for (int i = 0; i < DNS_TCP_MAX; i++)
		d->tcp[i].fd = -1;
	d->ep = epoll_create1(EPOLL_CLOEXEC);
	if (d->ep < 0)
		return ji_fail(err, "jail DNS", errno, "epoll");
	d->udp_fd = bound_socket(SOCK_DGRAM, addr, port);
	if (d->udp_fd < 0)
		return ji_fail(err, "jail DNS", errno, "udp %u.%u.%u.%u:%u", addr >> 24, (addr >> 16) & 255,
			       (addr >> 8) & 255, addr & 255, (unsigned)port);
	d->tcp_fd = bound_socket(SOCK_STREAM, addr, port);
	if (d->tcp_fd < 0)
		return ji_fail(err, "jail DNS", errno, "tcp %u.%u.%u.%u:%u", addr >> 24, (addr >> 16) & 255,
			       (addr >> 8) & 255, addr & 255, (unsigned)port);
	if (watch(d, d->udp_fd, TAG_UDP, EPOLLIN) < 0 || watch(d, d->tcp_fd, TAG_LISTEN, EPOLLIN) < 0)
		return ji_fail(err, "jail DNS", errno, "epoll");
	return 0;
}

int dns_server_fd(const struct dns_server *d)
{
	return d->ep;
}

int dns_server_busy(const struct dns_server *d)
{
	for (int i = 0; i < DNS_TCP_MAX; i++)
		if (d->tcp[i].fd >= 0)
			return 1;
	return 0;
}

static void on_udp(struct dns_server *d)
{
	unsigned char in[DNS_UDP_MAX + 1], out[DNS_UDP_MAX];
	for (int k = 0; k < UDP_BURST; k++) {
		struct sockaddr_in from;
		socklen_t fl = sizeof from;
		ssize_t n = recvfrom(d->udp_fd, in, sizeof in, MSG_TRUNC, (struct sockaddr *)&from, &fl);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return; /* EAGAIN: all done */
		if ((size_t)n > DNS_UDP_MAX)
			continue; /* larger than any query a stub sends without EDNS: dropped */
		int len = dns_server_answer(d, in, (size_t)n, out, sizeof out);
		if (len > 0)
			(void)sendto(d->udp_fd, out, (size_t)len, MSG_DONTWAIT | MSG_NOSIGNAL, (struct sockaddr *)&from, fl);
	}
}

static void client_close(struct dns_server *d, struct dns_tcp_client *c)
{
	(void)epoll_ctl(d->ep, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	c->fd = -1;
}

static void on_accept(struct dns_server *d, long long now)
{
	for (;;) {
		int fd = accept4(d->tcp_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0 && errno == EINTR)
			continue;
		if (fd < 0)
			return;
		struct dns_tcp_client *c = NULL;
		for (int i = 0; i < DNS_TCP_MAX && !c; i++)
			if (d->tcp[i].fd < 0)
				c = &d->tcp[i];
		if (c == NULL) { /* full: the client retries, or falls back */
			close(fd);
			continue;
		}
		c->fd = fd;
		c->deadline = now + DNS_TCP_MS;
		c->in_len = c->out_off = c->out_len = 0;
		if (watch(d, fd, TAG_CLIENT + (uint64_t)(c - d->tcp), EPOLLIN | EPOLLRDHUP) < 0) {
			close(fd);
			c->fd = -1;
		}
	}
}

/* Read the 2-byte length and the query, answer, write, close. */
static void on_client(struct dns_server *d, struct dns_tcp_client *c)
{
	while (c->out_len == 0) {
		ssize_t n = recv(c->fd, c->in + c->in_len, sizeof c->in - c->in_len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			client_close(d, c);
			return;
		}
		c->in_len += (size_t)n;
		if (c->in_len < 2)
			continue;
		size_t want = (size_t)c->in[0] << 8 | c->in[1];
		if (want > DNS_UDP_MAX || want < 12) {
			client_close(d, c);
			return;
		}
		if (c->in_len < 2 + want) {
			if (c->in_len == sizeof c->in) { /* cannot happen: want <= 512 */
				client_close(d, c);
				return;
			}
			continue;
		}
		int len = dns_server_answer(d, c->in + 2, want, c->out + 2, sizeof c->out - 2);
		if (len <= 0) {
			client_close(d, c);
			return;
		}
		c->out[0] = (unsigned char)(len >> 8);
		c->out[1] = (unsigned char)len;
		c->out_len = 2 + (size_t)len;
	}
	while (c->out_off < c->out_len) {
		ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			/* level-triggered: wait for room only now, not before */
			struct epoll_event ev = { .events = EPOLLOUT, .data.u64 = TAG_CLIENT + (uint64_t)(c - d->tcp) };
			if (epoll_ctl(d->ep, EPOLL_CTL_MOD, c->fd, &ev) < 0)
				client_close(d, c);
			return;
		}
		if (n < 0) {
			client_close(d, c);
			return;
		}
		c->out_off += (size_t)n;
	}
	client_close(d, c); /* one query a connection */
}

void dns_server_run(struct dns_server *d, long long now)
{
	struct epoll_event evs[DNS_TCP_MAX + 2];
	int n = epoll_wait(d->ep, evs, (int)(sizeof evs / sizeof evs[0]), 0);
	for (int i = 0; i < n; i++) {
		uint64_t tag = evs[i].data.u64;
		if (tag == TAG_UDP)
			on_udp(d);
		else if (tag == TAG_LISTEN)
			on_accept(d, now);
		else if (tag - TAG_CLIENT < DNS_TCP_MAX && d->tcp[tag - TAG_CLIENT].fd >= 0)
			on_client(d, &d->tcp[tag - TAG_CLIENT]);
	}
	for (int i = 0; i < DNS_TCP_MAX; i++)
		if (d->tcp[i].fd >= 0 && now >= d->tcp[i].deadline)
			client_close(d, &d->tcp[i]);
}
