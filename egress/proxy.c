/* proxy: see proxy.h. The process's setup comes first (egress_proxy_main),
 * then the connection's life, one state at a time:
 *
 *   HEAD -> RESOLVE -> CONNECTING -> SENDING -> RELAY -> closed
 *      \________\___________\___ REFUSE (a status line and one-line body,
 *                                        then closed)
 *
 * Every socket is in the epoll set edge-triggered, so each handler moves as
 * far as it can and returns on EAGAIN; a sweep every EGRESS_SWEEP_MS applies
 * the deadlines. Nothing here blocks. */
#include "../base/clock.h"
#include "proxy.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <linux/netfilter_ipv4.h>
#include <unistd.h>

#include "../base/fds.h"
#include "../jail/privdrop.h"
#include "../seccomp/proxy_filter.h"
#include "dns_server.h"
#include "elog.h"
#include "http_head.h"
#include "relay.h"
#include "resolve.h"
#include "tls_sni.h"

#define EGRESS_SWEEP_MS 200
#define EGRESS_PIPE_CACHE 128 /* empty pipe pairs kept: 2 syscalls and 4 closes fewer a connection */
#define EGRESS_LINGER_MS 2000 /* after a refusal, for the client to read it and close */
/* A connection's buffer while it has one: the request as read, what is
 * made of it (the rewritten request or a refusal), and the DNS query's. */
#define EGRESS_DNS_BUF 2048
/* rounded up to whole pages, so that a buffer given back (madvise) is exactly its own */
#define EGRESS_BUF (((size_t)2 * EGRESS_HEADER_MAX + EGRESS_DNS_BUF + 4095) & ~(size_t)4095)
#define EGRESS_FDS_PER_CONN 7             /* 2 sockets, 2 pipes, a DNS socket */
#define ROLE_CLIENT 0
#define ROLE_UPSTREAM 1
#define ROLE_DNS 2
#define ROLE_LISTEN 3

enum conn_state { C_FREE = 0, C_HEAD, C_RESOLVE, C_CONNECTING, C_SENDING, C_RELAY, C_REFUSE };

/* What the client speaks: to a proxy (explicit mode, or a proxy request in
 * transparent mode), or, redirected in transparent mode, HTTP in origin
 * form, TLS, or any TCP (a synthetic address's name decides, or nothing
 * could be named yet). How a refusal looks follows from it. */
enum conn_kind { K_PROXY = 0, K_T_HTTP, K_T_TLS, K_T_TCP };

struct conn {
	enum conn_state state;
	int cfd, ufd, dns_fd_polled;
	long long t_accept, t_deadline, t_active;
	unsigned char *buf;      /* EGRESS_BUF bytes from the pool, while needed */
	size_t in_len;           /* request bytes read into buf */
	size_t head_len;         /* the header's length, once whole */
	/* what SENDING writes: to the client (the 200), to upstream (the
	 * request or the early bytes), each a span of buf */
	size_t cl_off, cl_len, up_off, up_len, up2_off, up2_len;
	uint64_t body_limit;     /* request body bytes still to forward (HTTP) */
	int is_connect;          /* relayed raw once connected (CONNECT, TLS, TCP) */
	enum conn_kind kind;
	uint32_t orig_addr;      /* transparent: where the agent connected to */
	char method[16];
	char host[HTTP_HEAD_HOST_MAX + 1];
	uint16_t port;
	struct egress_verdict verdict;
	struct resolve_query rq;
	uint32_t addrs[RESOLVE_MAX_ADDRS];
	int n_addrs, addr_i;
	uint32_t addr;           /* connected to */
	char why[400];           /* the last failure, for the log */
	const char *close_reason; /* why a relay was closed by us, for the log */
	struct relay_dir up, down;
};

struct server {
	const struct egress_config *cfg;
	struct resolve_conf rc;
	int ep, lfd;
	struct conn *conns;
	unsigned n_conns, active;
	unsigned char *pool;     /* n_conns * EGRESS_BUF, reserved, touched lazily */
	unsigned *free_bufs;     /* stack of buffer indices */
	unsigned n_free;
	int pipes[EGRESS_PIPE_CACHE][2]; /* empty pipes of closed relays, for the next */
	unsigned n_pipes;
	long long next_sweep;
	int has_dns;
	struct dns_server dns;
};

#define LISTEN_PROXY 0 /* data.u64 >> 2 of a ROLE_LISTEN event */
#define LISTEN_DNS 1

/* ---- limits ---------------------------------------------------------------- */

void egress_limits_defaults(struct egress_limits *l)
{
	l->max_conns = EGRESS_MAX_CONNS;
	l->header_ms = EGRESS_HEADER_MS;
	l->connect_ms = EGRESS_CONNECT_MS;
	l->idle_ms = EGRESS_IDLE_MS;
}

int egress_limits_parse(struct egress_limits *l, const char *spec, struct ji_err *err)
{
	static const struct {
		const char *key;
		size_t off;
	} keys[] = {
		{ "conns", offsetof(struct egress_limits, max_conns) },
		{ "header_ms", offsetof(struct egress_limits, header_ms) },
		{ "connect_ms", offsetof(struct egress_limits, connect_ms) },
		{ "idle_ms", offsetof(struct egress_limits, idle_ms) },
	};
	const char *p = spec;

	while (*p) {
		size_t n = strcspn(p, ",");
		const char *eq = memchr(p, '=', n);
		size_t k;

		for (k = 0; eq && k < sizeof keys / sizeof keys[0]; k++)
			if (strlen(keys[k].key) == (size_t)(eq - p) && strncmp(keys[k].key, p, (size_t)(eq - p)) == 0)
				break;
		if (!eq || k == sizeof keys / sizeof keys[0])
			return ji_fail(err, "JAILINIT_EGRESS_LIMITS", 0,
				       "'%.*s' is not conns=N, header_ms=N, connect_ms=N or idle_ms=N", (int)n, p);
		unsigned long v = 0;
		const char *d = eq + 1;
		if (d == p + n)
			return ji_fail(err, "JAILINIT_EGRESS_LIMITS", 0, "'%.*s' has no number", (int)n, p);
		for (; d < p + n; d++) {
			if (*d < '0' || *d > '9' || v > 100000000UL)
				return ji_fail(err, "JAILINIT_EGRESS_LIMITS", 0, "'%.*s' is not a number", (int)n, p);
			v = v * 10 + (unsigned long)(*d - '0');
		}
		if (v == 0)
			return ji_fail(err, "JAILINIT_EGRESS_LIMITS", 0, "'%.*s': 0 is no limit", (int)n, p);
		*(unsigned *)((char *)l + keys[k].off) = (unsigned)v;
		p += n;
		if (*p == ',')
			p++;
	}
	return 0;
}

/* ---- buffers and connections ------------------------------------------------- */

static unsigned char *buf_get(struct server *s)
{
	if (s->n_free == 0)
		return NULL;
	return s->pool + (size_t)s->free_bufs[--s->n_free] * EGRESS_BUF;
}

/* The few most recent stay warm; the rest are given back to the kernel,
 * so a thousand idle relays hold no header buffer. */
static void buf_put(struct server *s, unsigned char *b)
{
	unsigned idx = (unsigned)((size_t)(b - s->pool) / EGRESS_BUF);

	if (s->n_conns - s->n_free > 32)
		(void)madvise(b, EGRESS_BUF, MADV_DONTNEED);
	s->free_bufs[s->n_free++] = idx;
}

static unsigned conn_index(const struct server *s, const struct conn *c)
{
	return (unsigned)(c - s->conns);
}

static int poll_add(struct server *s, int fd, unsigned idx, int role)
{
	struct epoll_event ev = {
		.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET,
		.data.u64 = (uint64_t)idx << 2 | (uint64_t)role,
	};

	return epoll_ctl(s->ep, EPOLL_CTL_ADD, fd, &ev);
}

static void conn_log(const struct conn *c, const char *verdict, const char *reason, int closed)
{
	struct elog_entry e = {
		.verdict = verdict,
		.method = c->method[0] ? c->method : NULL,
		.host = c->host[0] ? c->host : NULL,
		.port = c->port,
		.rule = c->verdict.rule,
		.addr = c->addr,
		.closed = closed,
		.bytes_up = c->up.bytes,
		.bytes_down = c->down.bytes,
		.duration_ms = clock_mono_ms() - c->t_accept,
		.reason = reason,
	};

	elog_write(&e);
}

/* A direction's pipe back to the cache when it is empty, else closed. */
static void pipe_put(struct server *s, struct relay_dir *d)
{
	if (d->pipe_r >= 0 && d->in_pipe == 0 && s->n_pipes < EGRESS_PIPE_CACHE) {
		s->pipes[s->n_pipes][0] = d->pipe_r;
		s->pipes[s->n_pipes][1] = d->pipe_w;
		s->n_pipes++;
		d->pipe_r = d->pipe_w = -1;
	}
	relay_dir_close(d);
}

static int pipe_get(struct server *s, struct relay_dir *d)
{
	if (s->n_pipes == 0)
		return relay_dir_open(d);
	s->n_pipes--;
	d->pipe_r = s->pipes[s->n_pipes][0];
	d->pipe_w = s->pipes[s->n_pipes][1];
	return 0;
}

static void conn_free(struct server *s, struct conn *c)
{
	if (c->state == C_RELAY)
		conn_log(c, "allow", c->close_reason, 1);
	resolve_end(&c->rq);
	pipe_put(s, &c->up);
	pipe_put(s, &c->down);
	if (c->ufd >= 0)
		close(c->ufd);
	if (c->cfd >= 0)
		close(c->cfd);
	if (c->buf)
		buf_put(s, c->buf);
	memset(c, 0, sizeof *c);
	c->state = C_FREE;
	c->cfd = c->ufd = -1;
	c->rq.fd = -1;
	relay_dir_init(&c->up, 0, 0);
	relay_dir_init(&c->down, 0, 0);
	s->active--;
}

/* ---- refusals ------------------------------------------------------------------ */

/* Answer status with a one-line body and close once it is written. The
 * client's request is done with, so the buffer's second half holds it. */
static void refuse(struct server *s, struct conn *c, int status, const char *body_fmt, ...)
	__attribute__((format(printf, 4, 5)));

static const char *status_text(int status)
{
	switch (status) {
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 431: return "Request Header Fields Too Large";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	}
	return "Error";
}

static int flush_client(struct conn *c);

/* Write the answer, then half-close and read what the client still sends
 * until it closes (or EGRESS_LINGER_MS): closing with unread bytes would
 * reset the connection, and the client could lose the answer. */
static void step_refuse(struct server *s, struct conn *c)
{
	if (c->cl_len > 0) {
		if (flush_client(c) < 0) {
			conn_free(s, c);
			return;
		}
		if (c->cl_len > 0)
			return;
		(void)shutdown(c->cfd, SHUT_WR);
	}
	for (;;) {
		ssize_t n = recv(c->cfd, c->buf, EGRESS_HEADER_MAX, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0)
			break;
	}
	conn_free(s, c);
}

/* A redirected connection that is not HTTP: TLS gets the fatal alert
 * access_denied (its client says so), any other TCP a reset at once. */
static void refuse_raw(struct server *s, struct conn *c)
{
	resolve_end(&c->rq);
	if (c->ufd >= 0) {
		close(c->ufd);
		c->ufd = -1;
	}
	if (c->kind == K_T_TLS) {
		memcpy(c->buf + EGRESS_HEADER_MAX, tls_alert_access_denied, sizeof tls_alert_access_denied);
		c->cl_off = EGRESS_HEADER_MAX;
		c->cl_len = sizeof tls_alert_access_denied;
		c->up_len = 0;
		c->state = C_REFUSE;
		c->t_deadline = clock_mono_ms() + EGRESS_LINGER_MS;
		step_refuse(s, c);
		return;
	}
	struct linger rst = { .l_onoff = 1, .l_linger = 0 };
	(void)setsockopt(c->cfd, SOL_SOCKET, SO_LINGER, &rst, sizeof rst);
	conn_free(s, c);
}

static void refuse(struct server *s, struct conn *c, int status, const char *body_fmt, ...)
{
	char body[1024];
	va_list ap;

	if (c->kind == K_T_TLS || c->kind == K_T_TCP) {
		refuse_raw(s, c);
		return;
	}
	va_start(ap, body_fmt);
	int bn = vsnprintf(body, sizeof body - 1, body_fmt, ap);
	va_end(ap);
	if (bn < 0)
		bn = 0;
	if ((size_t)bn > sizeof body - 2)
		bn = (int)sizeof body - 2;
	body[bn++] = '\n';
	body[bn] = '\0';
	unsigned char *out = c->buf + EGRESS_HEADER_MAX;
	int n = snprintf((char *)out, EGRESS_HEADER_MAX,
			 "HTTP/1.1 %d %s\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n"
			 "Connection: close\r\n\r\n%s",
			 status, status_text(status), bn, body);
	resolve_end(&c->rq);
	if (c->ufd >= 0) {
		close(c->ufd);
		c->ufd = -1;
	}
	c->cl_off = EGRESS_HEADER_MAX;
	c->cl_len = n > 0 && n < EGRESS_HEADER_MAX ? (size_t)n : 0;
	c->up_len = 0;
	c->state = C_REFUSE;
	c->t_deadline = clock_mono_ms() + EGRESS_LINGER_MS;
	step_refuse(s, c);
}

/* The rule to suggest: the host alone covers 80 and 443. */
static void suggest(const struct conn *c, char *out, size_t cap)
{
	if (c->port == 80 || c->port == 443)
		snprintf(out, cap, "%s", c->host);
	else
		snprintf(out, cap, "%s:%u", c->host, (unsigned)c->port);
}

static void refuse_by_rule(struct server *s, struct conn *c)
{
	char rule[HTTP_HEAD_HOST_MAX + 8];

	suggest(c, rule, sizeof rule);
	if (c->verdict.rule) {
		snprintf(c->why, sizeof c->why, "denied by --deny %s", c->verdict.rule);
		conn_log(c, "deny", c->why, 0);
		refuse(s, c, 403, "jailinit: %s:%u is refused by the rule --deny %s", c->host, (unsigned)c->port,
		       c->verdict.rule);
	} else {
		conn_log(c, "deny", "no rule allows it", 0);
		refuse(s, c, 403, "jailinit: %s:%u is not allowed; --allow %s would allow it", c->host,
		       (unsigned)c->port, rule);
	}
}

/* ---- writing what is pending ---------------------------------------------- */

/* 0: all written or more later (EAGAIN); -1: the peer is gone. */
static int write_span(int fd, unsigned char *buf, size_t *off, size_t *len)
{
	while (*len > 0) {
		ssize_t n = send(fd, buf + *off, *len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN ? 0 : -1;
		*off += (size_t)n;
		*len -= (size_t)n;
	}
	return 0;
}

static int flush_client(struct conn *c)
{
	return write_span(c->cfd, c->buf, &c->cl_off, &c->cl_len);
}

/* ---- the request ------------------------------------------------------------- */

/* Hop-by-hop and proxy-only headers: not forwarded. Host is written anew
 * from the checked host, so the origin sees the name the rules allowed. */
static int dropped_header(const char *name, size_t n)
{
	static const char *const drop[] = {
		"connection", "proxy-connection", "keep-alive", "proxy-authorization", "te", "upgrade", "host",
	};
	for (size_t i = 0; i < sizeof drop / sizeof drop[0]; i++)
		if (strlen(drop[i]) == n && strncasecmp(drop[i], name, n) == 0)
			return 1;
	return 0;
}

static void put(unsigned char *out, size_t cap, size_t *len, const void *p, size_t n)
{
	if (*len + n <= cap)
		memcpy(out + *len, p, n);
	*len += n;
}

/* The request in origin form into the buffer's second half, with the body
 * framing it declares. 0, or an HTTP status to refuse with. */
static int rewrite_request(struct conn *c, const struct http_head *h)
{
	unsigned char *out = c->buf + EGRESS_HEADER_MAX;
	const size_t cap = EGRESS_HEADER_MAX;
	const char *in = (const char *)c->buf;
	size_t len = 0;
	char line[HTTP_HEAD_HOST_MAX + 32];
	int chunked = 0, have_length = 0;
	uint64_t length = 0;

	put(out, cap, &len, h->method, strlen(h->method));
	put(out, cap, &len, " ", 1);
	if (h->path_len == 0 || in[h->path_off] != '/')
		put(out, cap, &len, "/", 1);
	put(out, cap, &len, in + h->path_off, h->path_len);
	put(out, cap, &len, " HTTP/1.1\r\n", 11);
	int n = c->port == 80 ? snprintf(line, sizeof line, "Host: %s\r\n", c->host)
			      : snprintf(line, sizeof line, "Host: %s:%u\r\n", c->host, (unsigned)c->port);
	put(out, cap, &len, line, (size_t)n);

	/* the header lines after the request line, up to the empty one */
	const char *p = memchr(in, '\n', h->head_len);
	const char *end = in + h->head_len;
	for (p = p ? p + 1 : end; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t ln = (size_t)((nl ? nl : end) - p);
		size_t full = nl ? ln + 1 : ln;
		size_t vis = ln > 0 && p[ln - 1] == '\r' ? ln - 1 : ln;
		if (vis == 0)
			break;
		const char *colon = memchr(p, ':', vis);
		if (colon == NULL)
			return 400;
		size_t nn = (size_t)(colon - p);
		const char *v = colon + 1;
		while (v < p + vis && (*v == ' ' || *v == '\t'))
			v++;
		size_t vn = (size_t)(p + vis - v);
		if (nn == 17 && strncasecmp(p, "transfer-encoding", 17) == 0)
			chunked = 1;
		if (nn == 14 && strncasecmp(p, "content-length", 14) == 0) {
			uint64_t x = 0;
			if (vn == 0 || vn > 18)
				return 400;
			for (size_t i = 0; i < vn; i++) {
				if (v[i] < '0' || v[i] > '9')
					return 400;
				x = x * 10 + (uint64_t)(v[i] - '0');
			}
			if (have_length && x != length)
				return 400;
			have_length = 1;
			length = x;
		}
		if (!dropped_header(p, nn)) {
			put(out, cap, &len, p, vis);
			put(out, cap, &len, "\r\n", 2);
		}
		p += full;
	}
	put(out, cap, &len, "Connection: close\r\n\r\n", 21);
	if (len > cap)
		return 431;
	/* chunked: all of it goes on (framing it would mean parsing it; the
	 * bytes reach the allowed host and no other either way) */
	c->body_limit = chunked ? RELAY_NO_LIMIT : have_length ? length : 0;
	c->up_off = EGRESS_HEADER_MAX;
	c->up_len = len;
	return 0;
}

/* ---- the steps ------------------------------------------------------------------- */

static void start_connect(struct server *s, struct conn *c);

/* The address policy: 0, or a refusal sent. A rule that names the address
 * itself (an address or CIDR rule that allowed it) lifts the policy. */
static int named_by_rule(struct server *s, struct conn *c, uint32_t a)
{
	char as[16];
	struct egress_verdict v;
	snprintf(as, sizeof as, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
	egress_policy_decide(s->cfg->policy, as, c->port, &v);
	return v.allowed && v.names_address;
}

static int address_allowed(struct server *s, struct conn *c, uint32_t a)
{
	return resolve_addr_class(a, s->cfg->jail_net, s->cfg->jail_prefix) == ADDR_OK || named_by_rule(s, c, a);
}

static void resolved(struct server *s, struct conn *c)
{
	int k = 0;

	for (int i = 0; i < c->rq.n_addrs; i++)
		if (address_allowed(s, c, c->rq.addrs[i]))
			c->addrs[k++] = c->rq.addrs[i];
	if (k == 0) {
		uint32_t a = c->rq.addrs[0];
		enum addr_class cls = resolve_addr_class(a, s->cfg->jail_net, s->cfg->jail_prefix);
		snprintf(c->why, sizeof c->why, "%s resolves to %u.%u.%u.%u (%s), which is never connected to",
			 c->host, a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255, resolve_addr_class_name(cls));
		conn_log(c, "deny", c->why, 0);
		refuse(s, c, 403, "jailinit: %s:%u: %s unless a rule names that address (--allow %u.%u.%u.%u:%u)",
		       c->host, (unsigned)c->port, c->why, a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255,
		       (unsigned)c->port);
		return;
	}
	c->n_addrs = k;
	c->addr_i = 0;
	start_connect(s, c);
}

static void step_resolve(struct server *s, struct conn *c, enum resolve_rc rc)
{
	if (rc == RESOLVE_WAIT) {
		if (c->rq.fd >= 0 && c->rq.fd != c->dns_fd_polled) {
			if (poll_add(s, c->rq.fd, conn_index(s, c), ROLE_DNS) < 0) {
				snprintf(c->why, sizeof c->why, "epoll: %s", strerror(errno));
				conn_log(c, "error", c->why, 0);
				refuse(s, c, 502, "jailinit: %s:%u: %s", c->host, (unsigned)c->port, c->why);
				return;
			}
			c->dns_fd_polled = c->rq.fd;
		}
		c->t_deadline = c->rq.deadline_ms;
		return;
	}
	c->dns_fd_polled = -1;
	if (rc == RESOLVE_FAILED) {
		char why[96];
		resolve_why(&c->rq, why, sizeof why);
		resolve_end(&c->rq);
		snprintf(c->why, sizeof c->why, "cannot resolve %s: %s", c->host, why);
		conn_log(c, "error", c->why, 0);
		refuse(s, c, 502, "jailinit: %s:%u is allowed, but %s", c->host, (unsigned)c->port, c->why);
		return;
	}
	resolve_end(&c->rq);
	resolved(s, c);
}

/* Connect to the next address of the list; out of addresses: 502/504. */
static void start_connect(struct server *s, struct conn *c)
{
	while (c->addr_i < c->n_addrs) {
		struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(c->port) };
		uint32_t a = c->addrs[c->addr_i++];
		int one = 1;

		if (c->ufd >= 0)
			close(c->ufd);
		c->ufd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (c->ufd < 0) {
			snprintf(c->why, sizeof c->why, "socket: %s", strerror(errno));
			break;
		}
		(void)setsockopt(c->ufd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		sa.sin_addr.s_addr = htonl(a);
		c->addr = a;
		if (connect(c->ufd, (struct sockaddr *)&sa, sizeof sa) < 0 && errno != EINPROGRESS) {
			snprintf(c->why, sizeof c->why, "connect: %s", strerror(errno));
			continue;
		}
		if (poll_add(s, c->ufd, conn_index(s, c), ROLE_UPSTREAM) < 0) {
			snprintf(c->why, sizeof c->why, "epoll: %s", strerror(errno));
			break;
		}
		c->state = C_CONNECTING;
		c->t_deadline = clock_mono_ms() + s->cfg->limits.connect_ms;
		return;
	}
	conn_log(c, "error", c->why, 0);
	refuse(s, c, 502, "jailinit: %s:%u is allowed, but the connection failed (%s)", c->host, (unsigned)c->port,
	       c->why);
}

static void step_relay(struct server *s, struct conn *c);

static void start_relay(struct server *s, struct conn *c)
{
	if (pipe_get(s, &c->up) < 0 || pipe_get(s, &c->down) < 0) {
		snprintf(c->why, sizeof c->why, "pipe: %s", strerror(errno));
		conn_log(c, "error", c->why, 0);
		conn_free(s, c);
		return;
	}
	buf_put(s, c->buf);
	c->buf = NULL;
	c->state = C_RELAY;
	c->t_active = clock_mono_ms();
	step_relay(s, c);
}

static void step_sending(struct server *s, struct conn *c)
{
	int rc = write_span(c->ufd, c->buf, &c->up_off, &c->up_len);
	if (rc == 0 && c->up_len == 0)
		rc = write_span(c->ufd, c->buf, &c->up2_off, &c->up2_len);
	if (rc < 0 || flush_client(c) < 0) {
		snprintf(c->why, sizeof c->why, "%s", strerror(errno));
		conn_log(c, "error", c->why, 0);
		conn_free(s, c);
		return;
	}
	if (c->up_len == 0 && c->up2_len == 0 && c->cl_len == 0)
		start_relay(s, c);
}

/* The upstream connection is made (or failed): check it, then SENDING. */
static void step_connected(struct server *s, struct conn *c)
{
	int e = 0;
	socklen_t el = sizeof e;
	struct sockaddr_in me, peer;
	socklen_t ml = sizeof me, pl = sizeof peer;

	if (getsockopt(c->ufd, SOL_SOCKET, SO_ERROR, &e, &el) < 0)
		e = errno;
	/* SO_ERROR is 0 while the connection is under way too */
	if (e == 0 && getpeername(c->ufd, (struct sockaddr *)&peer, &pl) < 0)
		e = errno;
	if (e == EINPROGRESS || e == ENOTCONN)
		return; /* not yet */
	if (e == 0 && getsockname(c->ufd, (struct sockaddr *)&me, &ml) < 0)
		e = errno;
	if (e != 0) {
		snprintf(c->why, sizeof c->why, "connect to %u.%u.%u.%u: %s", c->addr >> 24, (c->addr >> 16) & 255,
			 (c->addr >> 8) & 255, c->addr & 255, strerror(e));
		start_connect(s, c);
		return;
	}
	/* An address of the container itself (its own eth0, say) is as local
	 * as loopback: the kernel routed it back to us. */
	if (ntohl(me.sin_addr.s_addr) == c->addr && !named_by_rule(s, c, c->addr)) {
		snprintf(c->why, sizeof c->why, "%s resolves to %u.%u.%u.%u, an address of this container", c->host,
			 c->addr >> 24, (c->addr >> 16) & 255, (c->addr >> 8) & 255, c->addr & 255);
		conn_log(c, "deny", c->why, 0);
		refuse(s, c, 403, "jailinit: %s:%u: %s, which is never connected to unless a rule names it", c->host,
		       (unsigned)c->port, c->why);
		return;
	}
	int one = 1;
	(void)setsockopt(c->cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	size_t early = c->in_len - c->head_len;
	if (c->is_connect) {
		static const char ok[] = "HTTP/1.1 200 Connection established\r\n\r\n";
		memcpy(c->buf + EGRESS_HEADER_MAX, ok, sizeof ok - 1);
		c->cl_off = EGRESS_HEADER_MAX;
		c->cl_len = c->kind == K_PROXY ? sizeof ok - 1 : 0; /* redirected: nothing to say */
		c->up_off = c->head_len; /* what the client sent after the header */
		c->up_len = early;
		relay_dir_init(&c->up, RELAY_NO_LIMIT, 1);
	} else {
		/* the rewritten request (up), then the body bytes read with
		 * the header (up2), then the rest of the body by the relay */
		uint64_t lim = c->body_limit;
		size_t take = early < lim ? early : (size_t)lim;
		c->up2_off = c->head_len;
		c->up2_len = take;
		if (lim != RELAY_NO_LIMIT)
			lim -= take;
		relay_dir_init(&c->up, lim, 0);
	}
	relay_dir_init(&c->down, RELAY_NO_LIMIT, 1);
	c->up.bytes = c->up_len + c->up2_len; /* counted as sent: SENDING sends them */
	c->state = C_SENDING;
	c->t_deadline = 0;
	c->t_active = clock_mono_ms();
	step_sending(s, c);
}

static void step_relay(struct server *s, struct conn *c)
{
	int moved = 0;
	enum relay_rc up = relay_pump(&c->up, c->cfd, c->ufd, &moved);
	enum relay_rc down = up == RELAY_ERROR ? RELAY_ERROR : relay_pump(&c->down, c->ufd, c->cfd, &moved);

	if (moved)
		c->t_active = clock_mono_ms();
	/* An error either way ends both; the answer's end ends a forwarded
	 * request (nothing more of the client's is forwarded). */
	if (up == RELAY_ERROR || down == RELAY_ERROR || (c->up.done && c->down.done) ||
	    (!c->is_connect && c->down.done))
		conn_free(s, c);
}

/* The host is allowed: resolve it (the connection follows). */
static void go_resolve(struct server *s, struct conn *c)
{
	c->state = C_RESOLVE;
	c->dns_fd_polled = -1;
	step_resolve(s, c, resolve_start(&c->rq, &s->rc, c->host, c->buf + (size_t)2 * EGRESS_HEADER_MAX, EGRESS_DNS_BUF,
					 clock_mono_ms()));
}

/* The rules on c->host:c->port, then resolve, or the refusal. */
static void decide_and_go(struct server *s, struct conn *c)
{
	egress_policy_decide(s->cfg->policy, c->host, c->port, &c->verdict);
	if (!c->verdict.allowed) {
		refuse_by_rule(s, c);
		return;
	}
	go_resolve(s, c);
}

static void addr_text(uint32_t a, char *out, size_t cap)
{
	snprintf(out, cap, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
}

static void step_head_proxy(struct server *s, struct conn *c);

/* An HTTP method token, then a space: 1; not one: 0; too few bytes: -1. */
static int looks_like_http(const unsigned char *b, size_t n)
{
	for (size_t i = 0; i < n && i < 16; i++) {
		if (b[i] == ' ')
			return i > 0;
		if (b[i] < 'A' || b[i] > 'Z')
			return 0;
	}
	return n < 16 ? -1 : 0;
}

/* Transparent mode, a real address the agent chose and no address rule:
 * the first bytes must name the host (TLS's SNI, HTTP's Host); the name
 * decides and is resolved, never the address the agent chose. */
static void peek(struct server *s, struct conn *c)
{
	char name[TLS_SNI_MAX + 1];
	if (c->in_len == 0)
		return; /* nothing yet */
	enum tls_sni_rc t = tls_sni_parse(c->buf, c->in_len, name);
	c->kind = t == TLS_SNI_NOT ? K_T_TCP : K_T_TLS;
	if (t != TLS_SNI_NOT) {
		c->kind = K_T_TLS;
		snprintf(c->method, sizeof c->method, "TLS");
		if (t == TLS_SNI_MORE && c->in_len < EGRESS_HEADER_MAX)
			return; /* more of the ClientHello */
		if (t != TLS_SNI_OK) {
			snprintf(c->why, sizeof c->why, "%s", t == TLS_SNI_MORE || t == TLS_SNI_NONE
								 ? "TLS without a server name (SNI) in its first record"
								 : "a malformed TLS ClientHello");
			conn_log(c, "deny", c->why, 0);
			refuse_raw(s, c);
			return;
		}
		snprintf(c->host, sizeof c->host, "%s", name);
		c->head_len = 0; /* every byte read goes on */
		c->is_connect = 1;
		decide_and_go(s, c);
		return;
	}
	int http = looks_like_http(c->buf, c->in_len);
	if (http < 0)
		return;
	if (http == 0) {
		conn_log(c, "deny", "nothing names the host (not TLS with SNI, not HTTP with Host) and no "
				    "address rule allows the address",
			 0);
		refuse_raw(s, c);
		return;
	}
	c->kind = K_T_HTTP;
	step_head_proxy(s, c);
}

static void step_head(struct server *s, struct conn *c)
{
	for (;;) {
		if (c->in_len == EGRESS_HEADER_MAX)
			break;
		ssize_t n = recv(c->cfd, c->buf + c->in_len, EGRESS_HEADER_MAX - c->in_len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n <= 0) { /* gone before a whole header: nothing to decide */
			conn_free(s, c);
			return;
		}
		c->in_len += (size_t)n;
	}
	if (c->kind == K_T_TCP || c->kind == K_T_TLS) {
		peek(s, c);
		return;
	}
	step_head_proxy(s, c);
}

/* The request header (a proxy's, or a redirected HTTP request's). */
static void step_head_proxy(struct server *s, struct conn *c)
{
	struct http_head h;
	int rc = http_head_parse(c->buf, c->in_len, &h);
	if (rc == HTTP_HEAD_MORE) {
		if (c->in_len == EGRESS_HEADER_MAX) {
			conn_log(c, "deny", "request header larger than 8 KiB", 0);
			refuse(s, c, 431, "jailinit: the request header is larger than %d bytes", EGRESS_HEADER_MAX);
		}
		return;
	}
	if (rc != HTTP_HEAD_OK) {
		snprintf(c->why, sizeof c->why, "%s", h.error ? h.error : "malformed request");
		conn_log(c, "deny", c->why, 0);
		refuse(s, c, 400, "jailinit: %s", c->why);
		return;
	}
	c->head_len = h.head_len;
	c->is_connect = h.is_connect;
	snprintf(c->method, sizeof c->method, "%s", h.method);
	if (c->kind == K_T_HTTP && (h.is_connect || h.absolute))
		c->kind = K_PROXY; /* a proxy request, sent to an address of its own: one all the same */
	if (c->kind == K_T_HTTP) {
		/* the agent's port decides (it connected there); the Host
		 * header's name does, not the address it connected to */
		if (h.host[0] == '\0') {
			conn_log(c, "deny", "an HTTP request without a Host header: nothing names the host", 0);
			refuse(s, c, 400, "jailinit: no Host header: this connection was redirected to jailinit's "
					  "proxy, which needs the host's name");
			return;
		}
		snprintf(c->host, sizeof c->host, "%s", h.host);
		h.absolute = 1; /* rewritten like a proxy's request: origin form, our Host, one request */
	} else {
		snprintf(c->host, sizeof c->host, "%s", h.host);
		c->port = h.port;
	}
	if (!h.is_connect && !h.absolute) {
		conn_log(c, "deny", "not a proxy request (origin form)", 0);
		refuse(s, c, 400,
		       "jailinit: this is a proxy: send CONNECT host:port or an absolute URL (GET http://host/...)");
		return;
	}
	egress_policy_decide(s->cfg->policy, c->host, c->port, &c->verdict);
	if (!c->verdict.allowed) {
		refuse_by_rule(s, c);
		return;
	}
	if (!h.is_connect) {
		int st = rewrite_request(c, &h);
		if (st) {
			conn_log(c, "deny", st == 431 ? "request header too large" : "malformed request header", 0);
			refuse(s, c, st, "jailinit: %s", st == 431 ? "the request header is too large" :
								     "malformed request header");
			return;
		}
	}
	go_resolve(s, c);
}

/* ---- the loop ---------------------------------------------------------------------- */

/* Transparent mode: where was the connection going? The proxy's own
 * address and port (HTTP_PROXY honoured) is explicit mode as usual. */
static void transparent_start(struct server *s, struct conn *c)
{
	struct sockaddr_in dst;
	socklen_t dl = sizeof dst;
	if (getsockopt(c->cfd, SOL_IP, SO_ORIGINAL_DST, &dst, &dl) < 0 || dst.sin_family != AF_INET ||
	    (ntohl(dst.sin_addr.s_addr) == s->cfg->listen_addr && ntohs(dst.sin_port) == s->cfg->port)) {
		step_head(s, c);
		return;
	}
	c->kind = K_T_TCP;
	c->orig_addr = ntohl(dst.sin_addr.s_addr);
	c->port = ntohs(dst.sin_port);
	snprintf(c->method, sizeof c->method, "TCP");
	if (synth_in_pool(c->orig_addr)) {
		/* a name the jail's DNS gave out: it decides, any protocol */
		const char *name = s->cfg->synth ? synth_name_of(s->cfg->synth, c->orig_addr) : NULL;
		if (name == NULL) {
			addr_text(c->orig_addr, c->host, sizeof c->host);
			conn_log(c, "deny", "a synthetic address the jail's DNS did not give out", 0);
			refuse_raw(s, c);
			return;
		}
		snprintf(c->host, sizeof c->host, "%s", name);
		c->is_connect = 1;
		decide_and_go(s, c);
		return;
	}
	/* an address rule (or '*') allows the address itself: connect there */
	addr_text(c->orig_addr, c->host, sizeof c->host);
	egress_policy_decide(s->cfg->policy, c->host, c->port, &c->verdict);
	if (c->verdict.allowed) {
		c->is_connect = 1;
		c->rq.n_addrs = 1;
		c->rq.addrs[0] = c->orig_addr;
		resolved(s, c); /* the address policy as for a name's addresses */
		return;
	}
	memset(&c->verdict, 0, sizeof c->verdict);
	step_head(s, c); /* the first bytes must name the host: peek */
}

static void on_accept(struct server *s)
{
	for (;;) {
		int fd = accept4(s->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0 && errno == EINTR)
			continue;
		if (fd < 0)
			return; /* EAGAIN, or out of descriptors: the backlog waits */
		unsigned char *b = s->active < s->n_conns ? buf_get(s) : NULL;
		struct conn *c = NULL;
		for (unsigned i = 0; b && i < s->n_conns; i++)
			if (s->conns[i].state == C_FREE) {
				c = &s->conns[i];
				break;
			}
		if (c == NULL) {
			static const char busy[] = "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 46\r\n"
						   "Connection: close\r\n\r\njailinit: too many connections at once\n";
			if (b)
				buf_put(s, b);
			(void)send(fd, busy, sizeof busy - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
			close(fd);
			struct elog_entry e = { .verdict = "deny", .reason = "too many connections at once" };
			elog_write(&e);
			continue;
		}
		memset(c, 0, sizeof *c);
		c->cfd = fd;
		c->ufd = -1;
		c->rq.fd = -1;
		c->dns_fd_polled = -1;
		relay_dir_init(&c->up, 0, 0);
		relay_dir_init(&c->down, 0, 0);
		c->buf = b;
		c->state = C_HEAD;
		c->t_accept = clock_mono_ms();
		c->t_deadline = c->t_accept + s->cfg->limits.header_ms;
		s->active++;
		if (poll_add(s, fd, conn_index(s, c), ROLE_CLIENT) < 0) {
			conn_free(s, c);
			continue;
		}
		if (s->cfg->transparent)
			transparent_start(s, c);
		else
			step_head(s, c);
	}
}

static void on_event(struct server *s, struct conn *c, int role, uint32_t events)
{
	switch (c->state) {
	case C_HEAD:
		if (role == ROLE_CLIENT)
			step_head(s, c);
		break;
	case C_RESOLVE:
		if (role == ROLE_DNS)
			step_resolve(s, c, resolve_step(&c->rq, &s->rc, clock_mono_ms()));
		else if (role == ROLE_CLIENT && (events & (EPOLLHUP | EPOLLERR)))
			conn_free(s, c);
		break;
	case C_CONNECTING:
		if (role == ROLE_UPSTREAM)
			step_connected(s, c);
		else if (role == ROLE_CLIENT && (events & (EPOLLHUP | EPOLLERR)))
			conn_free(s, c);
		break;
	case C_SENDING:
		step_sending(s, c);
		break;
	case C_RELAY:
		step_relay(s, c);
		break;
	case C_REFUSE:
		if (role == ROLE_CLIENT)
			step_refuse(s, c);
		break;
	case C_FREE:
		break;
	}
}

/* The deadlines, every EGRESS_SWEEP_MS while anything is open. */
static void sweep(struct server *s, long long now)
{
	const struct egress_limits *l = &s->cfg->limits;

	for (unsigned i = 0; i < s->n_conns; i++) {
		struct conn *c = &s->conns[i];
		switch (c->state) {
		case C_HEAD:
			if (now >= c->t_deadline) {
				snprintf(c->why, sizeof c->why, "no whole request header within %u ms", l->header_ms);
				conn_log(c, "deny", c->why, 0);
				refuse(s, c, 408, "jailinit: %s", c->why);
			}
			break;
		case C_RESOLVE:
			if (now >= c->t_deadline)
				step_resolve(s, c, resolve_step(&c->rq, &s->rc, now));
			break;
		case C_CONNECTING:
			if (now >= c->t_deadline) {
				snprintf(c->why, sizeof c->why, "no connection within %u ms", l->connect_ms);
				if (c->addr_i < c->n_addrs) {
					start_connect(s, c);
				} else {
					conn_log(c, "error", c->why, 0);
					refuse(s, c, 504, "jailinit: %s:%u is allowed, but %s", c->host, (unsigned)c->port,
					       c->why);
				}
			}
			break;
		case C_SENDING:
		case C_RELAY:
			if (now - c->t_active >= (long long)l->idle_ms) {
				if (c->state == C_SENDING)
					conn_log(c, "error", "idle", 1);
				c->close_reason = "closed when idle";
				conn_free(s, c);
			}
			break;
		case C_REFUSE:
			if (now >= c->t_deadline)
				conn_free(s, c);
			break;
		case C_FREE:
			break;
		}
	}
}

/* SIGTERM/SIGINT (jailinit stopping the proxy once the agent is gone): the
 * open relays are logged before the proxy ends, so that no decision is
 * missing from the audit log. */
static volatile sig_atomic_t stop_requested;

static void on_stop_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void close_all(struct server *s)
{
	for (unsigned i = 0; i < s->n_conns; i++) {
		struct conn *c = &s->conns[i];
		if (c->state == C_FREE)
			continue;
		if (c->state == C_RELAY && !c->close_reason)
			c->close_reason = "the proxy was stopped";
		conn_free(s, c);
	}
}

static int serve(struct server *s)
{
	struct epoll_event evs[64];
	/* The stop signals are blocked but inside epoll_pwait: one that comes
	 * between the check and the wait is not lost. */
	sigset_t stops, waiting;
	sigemptyset(&stops);
	sigaddset(&stops, SIGTERM);
	sigaddset(&stops, SIGINT);
	if (sigprocmask(SIG_BLOCK, &stops, &waiting) < 0)
		return -1;
	sigdelset(&waiting, SIGTERM);
	sigdelset(&waiting, SIGINT);

	for (;;) {
		int timeout = -1;
		int dns_busy = s->has_dns && dns_server_busy(&s->dns);
		if (s->active > 0 || dns_busy) {
			long long now = clock_mono_ms();
			if (now >= s->next_sweep) {
				sweep(s, now);
				if (dns_busy)
					dns_server_run(&s->dns, now); /* its deadlines */
				s->next_sweep = now + EGRESS_SWEEP_MS;
			}
			timeout = (int)(s->next_sweep - now);
			if (timeout < 0)
				timeout = 0;
		}
		if (stop_requested)
			return 0;
		int n = epoll_pwait(s->ep, evs, (int)(sizeof evs / sizeof evs[0]),
				    s->active > 0 || dns_busy ? timeout : -1, &waiting);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (s->active == 0 && !dns_busy)
			s->next_sweep = clock_mono_ms() + EGRESS_SWEEP_MS;
		for (int i = 0; i < n; i++) {
			unsigned role = (unsigned)(evs[i].data.u64 & 3);
			if (role == ROLE_LISTEN) {
				if ((evs[i].data.u64 >> 2) == LISTEN_DNS)
					dns_server_run(&s->dns, clock_mono_ms());
				else
					on_accept(s);
				continue;
			}
			struct conn *c = &s->conns[evs[i].data.u64 >> 2];
			/* an event of a descriptor the connection has closed since */
			int fd = role == ROLE_CLIENT ? c->cfd : role == ROLE_UPSTREAM ? c->ufd : c->rq.fd;
			if (c->state == C_FREE || fd < 0)
				continue;
			on_event(s, c, (int)role, evs[i].events);
		}
	}
}

/* ---- the process ------------------------------------------------------------------ */

static int listen_on(const struct egress_config *cfg, struct ji_err *err)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(cfg->port) };
	int one = 1;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return ji_fail(err, "proxy listen", errno, "socket");
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	sa.sin_addr.s_addr = htonl(cfg->listen_addr);
	if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(fd, 1024) < 0) {
		int e = errno;
		close(fd);
		return ji_fail(err, "proxy listen", e, "%u.%u.%u.%u:%u", cfg->listen_addr >> 24,
			       (cfg->listen_addr >> 16) & 255, (cfg->listen_addr >> 8) & 255, cfg->listen_addr & 255,
			       (unsigned)cfg->port);
	}
	return fd;
}

/* As many descriptors as the hard limit allows; the connection limit
 * follows from it. */
static unsigned fit_conns(unsigned want)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return want;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
		(void)getrlimit(RLIMIT_NOFILE, &rl);
	}
	unsigned long fit = rl.rlim_cur > 32 ? (unsigned long)(rl.rlim_cur - 32) / EGRESS_FDS_PER_CONN : 1;
	return fit < want ? (unsigned)fit : want;
}

static int setup(struct server *s, const struct egress_config *cfg, struct ji_err *err)
{
	memset(s, 0, sizeof *s);
	s->cfg = cfg;
	s->lfd = -1;
	if (resolve_conf_load(&s->rc, cfg->resolv_conf, cfg->hosts, err) < 0)
		return -1;
	unsigned n = fit_conns(cfg->limits.max_conns);
	if (n < cfg->limits.max_conns)
		log_msg(LOG_WARN, "egress proxy: %u connections at once at most (RLIMIT_NOFILE)", n);
	s->n_conns = n;
	size_t pool = (size_t)n * EGRESS_BUF;
	s->pool = mmap(NULL, pool, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	s->conns = mmap(NULL, sizeof *s->conns * n + sizeof *s->free_bufs * n, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (s->pool == MAP_FAILED || s->conns == MAP_FAILED)
		return ji_fail(err, "proxy memory", ENOMEM, "%u connections", n);
	s->free_bufs = (unsigned *)(s->conns + n);
	for (unsigned i = 0; i < n; i++) {
		s->conns[i].cfd = s->conns[i].ufd = s->conns[i].rq.fd = -1;
		s->free_bufs[i] = n - 1 - i;
	}
	s->n_free = n;
	s->ep = epoll_create1(EPOLL_CLOEXEC);
	if (s->ep < 0)
		return ji_fail(err, "proxy epoll", errno, NULL);
	/* DNS first: once the proxy port listens (what jailinit waits for),
	 * the jail's DNS answers too. */
	if (cfg->dns_port) {
		if (dns_server_open(&s->dns, cfg->listen_addr, cfg->dns_port, cfg->policy, cfg->synth, err) < 0)
			return -1;
		s->has_dns = 1;
		struct epoll_event dev = { .events = EPOLLIN, .data.u64 = (LISTEN_DNS << 2) | ROLE_LISTEN };
		if (epoll_ctl(s->ep, EPOLL_CTL_ADD, dns_server_fd(&s->dns), &dev) < 0)
			return ji_fail(err, "proxy epoll", errno, NULL);
	}
	s->lfd = listen_on(cfg, err);
	if (s->lfd < 0)
		return -1;
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = (LISTEN_PROXY << 2) | ROLE_LISTEN };
	if (epoll_ctl(s->ep, EPOLL_CTL_ADD, s->lfd, &ev) < 0)
		return ji_fail(err, "proxy epoll", errno, NULL);
	return 0;
}

/* Nothing of jailinit's but stderr, the log and our own descriptors. */
static int confine(const struct egress_config *cfg, struct ji_err *err)
{
	if (cfg->drop_user && privdrop_all(cfg->uid, cfg->gid, err) < 0)
		return -1;
	/* The id change cleared the parent-death signal: again, and jailinit
	 * must not have gone before it was set (issue 16, 1). */
	if (cfg->parent && prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
		return ji_fail(err, "proxy parent-death signal", errno, NULL);
	if (cfg->parent && getppid() != cfg->parent)
		return ji_fail(err, "proxy parent-death signal", ESRCH, "jailinit is gone");
	if (!cfg->drop_user && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		return ji_fail(err, "proxy no_new_privs", errno, NULL);
	return proxy_filter_load(err);
}

int egress_proxy_main(const struct egress_config *cfg)
{
	static struct server srv;
	struct ji_err err = { 0 };
	struct sigaction sa = { .sa_handler = SIG_IGN };

	/* a splice into a socket the peer closed: EPIPE, not a signal */
	sigaction(SIGPIPE, &sa, NULL);
	struct sigaction stop = { .sa_handler = on_stop_signal };
	sigaction(SIGTERM, &stop, NULL);
	sigaction(SIGINT, &stop, NULL);
	elog_setup(cfg->log_fd, cfg->log_format);
	if (setup(&srv, cfg, &err) < 0 || confine(cfg, &err) < 0) {
		log_err(&err);
		return EXIT_SETUP;
	}
	egress_policy_log(cfg->policy);
	if (serve(&srv) == 0) {
		close_all(&srv);
		return 0;
	}
	ji_fail(&err, "proxy", errno, "epoll_wait");
	log_err(&err);
	return EXIT_SETUP;
}
