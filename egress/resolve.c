/* resolve: see resolve.h. The files are parsed by hand, line by line, with
 * every length checked; the messages are built and read by egress/dns_msg. */
#include "resolve.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dns_msg.h"

void resolve_conf_defaults(struct resolve_conf *c)
{
	memset(c, 0, sizeof *c);
	c->timeout_ms = RESOLVE_TIMEOUT_MS;
	c->attempts = RESOLVE_ATTEMPTS;
}

/* The next line of text (without its newline); 0 at the end. */
static int next_line(const char **p, const char *end, const char **line, size_t *n)
{
	if (*p >= end)
		return 0;
	const char *nl = memchr(*p, '\n', (size_t)(end - *p));
	*line = *p;
	*n = (size_t)((nl ? nl : end) - *p);
	*p = nl ? nl + 1 : end;
	return 1;
}

static int is_blank(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r';
}

/* Split a line into at most max words (a '#' or ';' starts a comment). */
static int words(const char *s, size_t n, const char **w, size_t *wl, int max)
{
	int k = 0;
	size_t i = 0;

	while (i < n && k < max) {
		while (i < n && is_blank(s[i]))
			i++;
		if (i == n || s[i] == '#' || s[i] == ';')
			break;
		size_t start = i;
		while (i < n && !is_blank(s[i]) && s[i] != '#')
			i++;
		w[k] = s + start;
		wl[k] = i - start;
		k++;
	}
	return k;
}

/* A dotted quad of exactly n characters, host byte order. */
static int parse_addr(const char *s, size_t n, uint32_t *out)
{
	char tmp[16];
	struct in_addr a;

	if (n == 0 || n >= sizeof tmp)
		return -1;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	if (inet_pton(AF_INET, tmp, &a) != 1)
		return -1;
	*out = ntohl(a.s_addr);
	return 0;
}

static int small_number(const char *s, size_t n, int max)
{
	int v = 0;

	if (n == 0 || n > 3)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v > max ? max : v;
}

void resolve_conf_parse_resolv(struct resolve_conf *c, const char *text, size_t len)
{
	const char *p = text, *end = text + len, *line, *w[8];
	size_t n, wl[8];

	while (next_line(&p, end, &line, &n)) {
		int k = words(line, n, w, wl, 8);
		if (k >= 2 && wl[0] == 10 && memcmp(w[0], "nameserver", 10) == 0) {
			uint32_t a;
			if (c->n_ns < RESOLVE_MAX_NS && parse_addr(w[1], wl[1], &a) == 0) {
				c->ns[c->n_ns] = a;
				c->ns_port[c->n_ns] = 53;
				c->n_ns++;
			}
		} else if (k >= 2 && wl[0] == 7 && memcmp(w[0], "options", 7) == 0) {
			for (int i = 1; i < k; i++) {
				int v;
				if (wl[i] > 8 && memcmp(w[i], "timeout:", 8) == 0 &&
				    (v = small_number(w[i] + 8, wl[i] - 8, RESOLVE_TIMEOUT_MAX_MS / 1000)) >= 0)
					c->timeout_ms = v > 0 ? v * 1000 : RESOLVE_TIMEOUT_MS;
				else if (wl[i] > 9 && memcmp(w[i], "attempts:", 9) == 0 &&
					 (v = small_number(w[i] + 9, wl[i] - 9, RESOLVE_ATTEMPTS_MAX)) >= 0)
					c->attempts = v > 0 ? v : 1;
			}
		}
	}
}

/* name -> lower case, no trailing dot, into out (RESOLVE_NAME_MAX + 1);
 * -1 when empty or too long. */
static int fold_name(const char *s, size_t n, char *out)
{
	if (n > 0 && s[n - 1] == '.')
		n--;
	if (n == 0 || n > RESOLVE_NAME_MAX)
		return -1;
	for (size_t i = 0; i < n; i++) {
		char ch = s[i];
		if (ch >= 'A' && ch <= 'Z')
			ch = (char)(ch - 'A' + 'a');
		out[i] = ch;
	}
	out[n] = '\0';
	return 0;
}

void resolve_conf_parse_hosts(struct resolve_conf *c, const char *text, size_t len)
{
	const char *p = text, *end = text + len, *line, *w[16];
	size_t n, wl[16];

	while (next_line(&p, end, &line, &n)) {
		int k = words(line, n, w, wl, 16);
		uint32_t a;
		if (k < 2 || parse_addr(w[0], wl[0], &a) != 0)
			continue; /* IPv6 and junk */
		for (int i = 1; i < k && c->n_hosts < RESOLVE_MAX_HOSTS; i++) {
			struct resolve_host *h = &c->hosts[c->n_hosts];
			if (fold_name(w[i], wl[i], h->name) == 0) {
				h->addr = a;
				c->n_hosts++;
			}
		}
	}
}

/* The first RESOLVE_FILE_MAX bytes of path into buf; its length, 0 when
 * missing, -1 on another error. */
static ssize_t read_small(const char *path, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t got = 0;

	if (fd < 0)
		return errno == ENOENT ? 0 : -1;
	while (got < cap) {
		ssize_t n = read(fd, buf + got, cap - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;
			close(fd);
			errno = e;
			return -1;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	return (ssize_t)got;
}

int resolve_conf_load(struct resolve_conf *c, const char *resolv_path, const char *hosts_path, struct ji_err *err)
{
	static char buf[RESOLVE_FILE_MAX];
	ssize_t n;

	resolve_conf_defaults(c);
	if ((n = read_small(resolv_path, buf, sizeof buf)) < 0)
		return ji_fail(err, "read resolv.conf", errno, "%s", resolv_path);
	resolve_conf_parse_resolv(c, buf, (size_t)n);
	if ((n = read_small(hosts_path, buf, sizeof buf)) < 0)
		return ji_fail(err, "read hosts", errno, "%s", hosts_path);
	resolve_conf_parse_hosts(c, buf, (size_t)n);
	if (c->n_ns == 0) { /* what libc does without a nameserver line */
		c->ns[0] = INADDR_LOOPBACK;
		c->ns_port[0] = 53;
		c->n_ns = 1;
	}
	return 0;
}

int resolve_hosts_lookup(const struct resolve_conf *c, const char *name, uint32_t *addrs, int max)
{
	char folded[RESOLVE_NAME_MAX + 1];
	int k = 0;

	if (fold_name(name, strlen(name), folded) != 0)
		return 0;
	for (int i = 0; i < c->n_hosts && k < max; i++)
		if (strcmp(c->hosts[i].name, folded) == 0)
			addrs[k++] = c->hosts[i].addr;
	return k;
}

enum addr_class resolve_addr_class(uint32_t addr, uint32_t jail_net, int jail_prefix)
{
	uint32_t jail_mask = jail_prefix > 0 ? 0xffffffffu << (32 - jail_prefix) : 0;

	if ((addr >> 24) == 0)
		return ADDR_THIS_NET;
	if ((addr >> 24) == 127)
		return ADDR_LOOPBACK;
	if ((addr >> 16) == 0xA9FE)
		return ADDR_LINK_LOCAL;
	if ((addr >> 28) >= 0xE)
		return ADDR_MULTICAST;
	if (jail_prefix > 0 && (addr & jail_mask) == (jail_net & jail_mask))
		return ADDR_JAIL_LINK;
	if ((addr & 0xffff0000u) == RESOLVE_SYNTH_POOL)
		return ADDR_SYNTH_POOL;
	return ADDR_OK;
}

const char *resolve_addr_class_name(enum addr_class c)
{
	switch (c) {
	case ADDR_OK:
		return "allowed";
	case ADDR_THIS_NET:
		return "\"this network\" (0.0.0.0/8)";
	case ADDR_LOOPBACK:
		return "loopback";
	case ADDR_LINK_LOCAL:
		return "link-local (the cloud metadata range)";
	case ADDR_MULTICAST:
		return "multicast or reserved";
	case ADDR_JAIL_LINK:
		return "the jail's own link";
	case ADDR_SYNTH_POOL:
		return "the synthetic DNS pool";
	}
	return "?";
}

/* ---- the query ----------------------------------------------------------- */

static void close_fd(struct resolve_query *q)
{
	if (q->fd >= 0)
		close(q->fd);
	q->fd = -1;
	q->want_read = q->want_write = 0;
}

void resolve_end(struct resolve_query *q)
{
	close_fd(q);
}

static uint16_t new_id(void)
{
	uint16_t id;

	if (getrandom(&id, sizeof id, GRND_NONBLOCK) != (ssize_t)sizeof id) {
		static uint16_t fallback = 0x5a5a;
		id = (uint16_t)(fallback * 31u + 17u);
		fallback = id;
	}
	return id;
}

/* A socket of type to the nameserver being asked, connected (TCP: under
 * way). 0 or -1. */
static int open_to_ns(struct resolve_query *q, const struct resolve_conf *c, int type)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };

	close_fd(q);
	q->fd = socket(AF_INET, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (q->fd < 0) {
		q->errnum = errno;
		return -1;
	}
	sa.sin_addr.s_addr = htonl(c->ns[q->ns]);
	sa.sin_port = htons(c->ns_port[q->ns]);
	if (connect(q->fd, (struct sockaddr *)&sa, sizeof sa) < 0 && errno != EINPROGRESS) {
		q->errnum = errno;
		close_fd(q);
		return -1;
	}
	return 0;
}

/* The query into buf (TCP: after a two-byte length). */
static int build_query(struct resolve_query *q)
{
	size_t off = q->tcp ? 2 : 0;
	int n = dns_msg_build_query(q->buf + off, q->cap - off, q->id, q->name, DNS_TYPE_A);

	if (n <= 0) {
		q->errnum = EINVAL;
		return -1;
	}
	if (q->tcp) {
		q->buf[0] = (unsigned char)(n >> 8);
		q->buf[1] = (unsigned char)n;
	}
	q->len = off + (size_t)n;
	q->sent = 0;
	return 0;
}

/* Ask the current nameserver, over UDP (or TCP when tcp). */
static enum resolve_rc ask(struct resolve_query *q, const struct resolve_conf *c, long long now_ms)
{
	for (;;) {
		if (open_to_ns(q, c, q->tcp ? SOCK_STREAM : SOCK_DGRAM) == 0 && build_query(q) == 0) {
			q->deadline_ms = now_ms + c->timeout_ms;
			q->want_write = 1; /* UDP: writable at once; TCP: connected */
			q->want_read = 0;
			return RESOLVE_WAIT;
		}
		/* this one cannot even be asked: the next */
		q->tcp = 0;
		if (++q->ns >= c->n_ns) {
			q->ns = 0;
			if (++q->attempt >= c->attempts)
				return RESOLVE_FAILED;
		}
	}
}

/* Give up on this nameserver for this round: the next, or fail. */
static enum resolve_rc next_ns(struct resolve_query *q, const struct resolve_conf *c, long long now_ms)
{
	close_fd(q);
	q->tcp = 0;
	if (++q->ns >= c->n_ns) {
		q->ns = 0;
		if (++q->attempt >= c->attempts)
			return RESOLVE_FAILED;
	}
	return ask(q, c, now_ms);
}

enum resolve_rc resolve_start(struct resolve_query *q, const struct resolve_conf *c, const char *name,
			      unsigned char *buf, size_t cap, long long now_ms)
{
	struct in_addr lit;

	memset(q, 0, sizeof *q);
	q->fd = -1;
	q->rcode = -1;
	q->buf = buf;
	q->cap = cap;
	if (fold_name(name, strlen(name), q->name) != 0) {
		q->errnum = EINVAL;
		return RESOLVE_FAILED;
	}
	if (inet_pton(AF_INET, q->name, &lit) == 1) {
		q->addrs[0] = ntohl(lit.s_addr);
		q->n_addrs = 1;
		return RESOLVE_DONE;
	}
	q->n_addrs = resolve_hosts_lookup(c, q->name, q->addrs, RESOLVE_MAX_ADDRS);
	if (q->n_addrs > 0)
		return RESOLVE_DONE;
	if (c->n_ns == 0) {
		q->errnum = ENOENT;
		return RESOLVE_FAILED;
	}
	q->id = new_id();
	return ask(q, c, now_ms);
}

/* An answer of n bytes at msg: DONE with addresses, TRUNC, or a verdict. */
static enum resolve_rc answer(struct resolve_query *q, const struct resolve_conf *c, const unsigned char *msg,
			      size_t n, long long now_ms)
{
	struct dns_answer_a a;

	if (dns_msg_parse_answer_a(msg, n, q->id, q->name, &a) != 0)
		return RESOLVE_WAIT; /* not ours, or garbage: keep waiting (UDP) */
	q->rcode = a.rcode;
	if (a.truncated && !q->tcp) {
		q->tcp = 1;
		if (open_to_ns(q, c, SOCK_STREAM) != 0 || build_query(q) != 0)
			return next_ns(q, c, now_ms);
		q->deadline_ms = now_ms + c->timeout_ms;
		q->want_write = 1;
		q->want_read = 0;
		return RESOLVE_WAIT;
	}
	if (a.rcode == DNS_RCODE_NXDOMAIN || (a.rcode == 0 && a.n_addrs == 0))
		return RESOLVE_FAILED; /* the name has no A record: final */
	if (a.rcode != 0)
		return next_ns(q, c, now_ms); /* SERVFAIL, REFUSED: ask the next */
	q->n_addrs = a.n_addrs < RESOLVE_MAX_ADDRS ? a.n_addrs : RESOLVE_MAX_ADDRS;
	memcpy(q->addrs, a.addrs, sizeof q->addrs[0] * (size_t)q->n_addrs);
	close_fd(q);
	return RESOLVE_DONE;
}

enum resolve_rc resolve_step(struct resolve_query *q, const struct resolve_conf *c, long long now_ms)
{
	if (q->fd < 0)
		return RESOLVE_FAILED;
	if (now_ms >= q->deadline_ms) {
		q->errnum = ETIMEDOUT;
		return next_ns(q, c, now_ms);
	}
	if (q->want_write) {
		ssize_t n = send(q->fd, q->buf + q->sent, q->len - q->sent, MSG_NOSIGNAL);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return RESOLVE_WAIT;
		if (n < 0) {
			q->errnum = errno;
			return next_ns(q, c, now_ms);
		}
		q->sent += (size_t)n;
		if (q->sent < q->len)
			return RESOLVE_WAIT;
		q->want_write = 0;
		q->want_read = 1;
		q->len = 0;
	}
	for (;;) {
		ssize_t n = recv(q->fd, q->buf + q->len, q->cap - q->len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return RESOLVE_WAIT;
		if (n < 0) { /* ECONNREFUSED: an ICMP refusal, at once */
			q->errnum = errno;
			return next_ns(q, c, now_ms);
		}
		if (!q->tcp) {
			enum resolve_rc rc = answer(q, c, q->buf, (size_t)n, now_ms);
			if (rc != RESOLVE_WAIT || q->tcp)
				return rc;
			continue;
		}
		if (n == 0) {
			q->errnum = ECONNRESET;
			return next_ns(q, c, now_ms);
		}
		q->len += (size_t)n;
		if (q->len >= 2) {
			size_t want = (size_t)q->buf[0] << 8 | q->buf[1];
			if (want + 2 > q->cap) {
				q->errnum = EMSGSIZE;
				return next_ns(q, c, now_ms);
			}
			if (q->len >= want + 2) {
				enum resolve_rc rc = answer(q, c, q->buf + 2, want, now_ms);
				return rc == RESOLVE_WAIT ? next_ns(q, c, now_ms) : rc;
			}
		}
		if (q->len == q->cap) {
			q->errnum = EMSGSIZE;
			return next_ns(q, c, now_ms);
		}
	}
}

void resolve_why(const struct resolve_query *q, char *out, size_t cap)
{
	if (q->rcode == DNS_RCODE_NXDOMAIN)
		snprintf(out, cap, "no such name");
	else if (q->rcode == 0)
		snprintf(out, cap, "the name has no IPv4 address");
	else if (q->rcode > 0)
		snprintf(out, cap, "the nameserver answered rcode %d", q->rcode);
	else if (q->errnum)
		snprintf(out, cap, "no answer from the nameservers (%s)", strerror(q->errnum));
	else
		snprintf(out, cap, "cannot resolve");
}
