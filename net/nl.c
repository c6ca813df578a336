/* nl: the raw netlink layer (see nl.h). Three small parts: a builder whose
 * every put checks the room left before it writes, an attribute parser that
 * checks every length before it trusts it, and a transport that sends one
 * buffer and reads the kernel's answers to it. */
#include "nl.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#define NL_NO_MSG ((size_t)-1)
/* Room for one read: the kernel sizes dump replies after the largest buffer
 * it has seen (capped at 32 KiB), so one read never needs more. */
#define NL_RECV_SIZE 32768
/* A transaction's messages are tracked in a small bitmap. */
#define NL_MAX_MSGS 256
/* The kernel answers a request while sendmsg() runs; this bounds the wait
 * for an answer that, by that logic, can only be missing after a bug. */
#define NL_RECV_TIMEOUT_S 5

/* ---- builder ------------------------------------------------------------ */

void nl_buf_init(struct nl_buf *b, void *storage, size_t cap)
{
	b->data = storage;
	b->cap = cap;
	b->len = 0;
	b->msg_off = NL_NO_MSG;
	b->overflow = 0;
	b->seq = 1;
	/* headers are read in place: the storage must be 4-byte aligned */
	if (storage == NULL || ((uintptr_t)storage & (NLMSG_ALIGNTO - 1)) != 0)
		b->overflow = 1;
}

static struct nlmsghdr *nl_open_hdr(struct nl_buf *b)
{
	return (struct nlmsghdr *)(b->data + b->msg_off);
}

/* Reserve `len` bytes (padded to 4) at the tail of the open message, zeroed.
 * Returns NULL and marks the buffer unusable, writing nothing, when there is
 * no open message or the bytes do not fit. */
static unsigned char *nl_reserve(struct nl_buf *b, size_t len)
{
	size_t need = NLMSG_ALIGN(len);
	unsigned char *p;

	if (b->overflow)
		return NULL;
	if (b->msg_off == NL_NO_MSG || need < len || need > b->cap - b->len ||
	    b->len + need - b->msg_off > UINT32_MAX) {
		b->overflow = 1;
		return NULL;
	}
	p = b->data + b->len;
	memset(p, 0, need);
	b->len += need;
	nl_open_hdr(b)->nlmsg_len = (uint32_t)(b->len - b->msg_off);
	return p;
}

struct nlmsghdr *nl_msg_start(struct nl_buf *b, uint16_t type, uint16_t flags)
{
	struct nlmsghdr *h;

	nl_msg_end(b);
	if (b->overflow)
		return NULL;
	if (NLMSG_HDRLEN > b->cap - b->len) {
		b->overflow = 1;
		return NULL;
	}
	h = (struct nlmsghdr *)(b->data + b->len);
	memset(h, 0, NLMSG_HDRLEN);
	h->nlmsg_len = NLMSG_HDRLEN;
	h->nlmsg_type = type;
	h->nlmsg_flags = flags | NLM_F_REQUEST;
	h->nlmsg_seq = b->seq++;
	h->nlmsg_pid = 0; /* to the kernel */
	b->msg_off = b->len;
	b->len += NLMSG_HDRLEN;
	return h;
}

void *nl_put_extra(struct nl_buf *b, size_t len)
{
	return nl_reserve(b, len);
}

void nl_put(struct nl_buf *b, uint16_t type, const void *data, size_t len)
{
	struct nlattr *a;

	if (len > UINT16_MAX - NLA_HDRLEN || (len > 0 && data == NULL)) {
		b->overflow = 1;
		return;
	}
	a = (struct nlattr *)nl_reserve(b, NLA_HDRLEN + len);
	if (a == NULL)
		return;
	a->nla_len = (uint16_t)(NLA_HDRLEN + len);
	a->nla_type = type;
	if (len > 0)
		memcpy((unsigned char *)a + NLA_HDRLEN, data, len);
}

void nl_put_u8(struct nl_buf *b, uint16_t type, uint8_t v)
{
	nl_put(b, type, &v, sizeof(v));
}

void nl_put_u16(struct nl_buf *b, uint16_t type, uint16_t v)
{
	nl_put(b, type, &v, sizeof(v));
}

void nl_put_u32(struct nl_buf *b, uint16_t type, uint32_t v)
{
	nl_put(b, type, &v, sizeof(v));
}

void nl_put_be16(struct nl_buf *b, uint16_t type, uint16_t host_order)
{
	unsigned char v[2] = { (unsigned char)(host_order >> 8), (unsigned char)host_order };

	nl_put(b, type, v, sizeof(v));
}

void nl_put_be32(struct nl_buf *b, uint16_t type, uint32_t host_order)
{
	unsigned char v[4] = { (unsigned char)(host_order >> 24), (unsigned char)(host_order >> 16),
			       (unsigned char)(host_order >> 8), (unsigned char)host_order };

	nl_put(b, type, v, sizeof(v));
}

void nl_put_str(struct nl_buf *b, uint16_t type, const char *s)
{
	if (s == NULL) {
		b->overflow = 1;
		return;
	}
	nl_put(b, type, s, strlen(s) + 1);
}

/* The handle is the nest's offset in the buffer; 0 (where the first message
 * header sits, never an attribute) means "no nest" after an overflow. Every
 * nest carries NLA_F_NESTED, which the kernel's strict parsers expect and
 * its liberal ones ignore. */
size_t nl_nest_start(struct nl_buf *b, uint16_t type)
{
	size_t off = b->len;
	struct nlattr *a = (struct nlattr *)nl_reserve(b, NLA_HDRLEN);

	if (a == NULL)
		return 0;
	a->nla_len = NLA_HDRLEN;
	a->nla_type = type | NLA_F_NESTED;
	return off;
}

void nl_nest_end(struct nl_buf *b, size_t nest)
{
	struct nlattr *a;

	if (b->overflow)
		return;
	if (nest == 0 || b->msg_off == NL_NO_MSG || nest < b->msg_off + NLMSG_HDRLEN ||
	    nest + NLA_HDRLEN > b->len || b->len - nest > UINT16_MAX) {
		b->overflow = 1;
		return;
	}
	a = (struct nlattr *)(b->data + nest);
	a->nla_len = (uint16_t)(b->len - nest);
}

void nl_msg_end(struct nl_buf *b)
{
	if (b->msg_off == NL_NO_MSG)
		return;
	if (!b->overflow)
		nl_open_hdr(b)->nlmsg_len = (uint32_t)(b->len - b->msg_off);
	b->msg_off = NL_NO_MSG;
}

/* ---- parser ------------------------------------------------------------- */

int nl_attr_parse(const void *data, size_t len, const struct nlattr **tb, uint16_t maxtype)
{
	const unsigned char *p = data;
	size_t i;

	for (i = 0; i <= maxtype; i++)
		tb[i] = NULL;
	if (len > 0 && (p == NULL || ((uintptr_t)p & (NLA_ALIGNTO - 1)) != 0)) {
		errno = EINVAL;
		return -1;
	}
	while (len > 0) {
		const struct nlattr *a = (const struct nlattr *)p;
		size_t step;
		uint16_t type;

		/* a header must fit, and the length it claims must be both
		 * at least the header and within what is left */
		if (len < NLA_HDRLEN || a->nla_len < NLA_HDRLEN || a->nla_len > len) {
			errno = EINVAL;
			return -1;
		}
		type = a->nla_type & NLA_TYPE_MASK;
		if (type <= maxtype)
			tb[type] = a;
		step = NLA_ALIGN(a->nla_len);
		if (step >= len)
			break; /* the last attribute; its padding may be absent */
		p += step;
		len -= step;
	}
	return 0;
}

int nl_msg_parse(const struct nlmsghdr *h, size_t extra, const struct nlattr **tb, uint16_t maxtype)
{
	size_t off = NLMSG_LENGTH(NLMSG_ALIGN(extra));

	if (h->nlmsg_len < off) {
		errno = EPROTO;
		return -1;
	}
	return nl_attr_parse((const unsigned char *)h + off, h->nlmsg_len - off, tb, maxtype);
}

const void *nl_attr_data(const struct nlattr *a)
{
	return (const unsigned char *)a + NLA_HDRLEN;
}

size_t nl_attr_len(const struct nlattr *a)
{
	return a->nla_len >= NLA_HDRLEN ? (size_t)a->nla_len - NLA_HDRLEN : 0;
}

/* ---- transport ---------------------------------------------------------- */

int nl_open(struct nl_sock *s, int protocol, struct ji_err *err)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	socklen_t salen = sizeof(sa);
	struct timeval tv = { .tv_sec = NL_RECV_TIMEOUT_S };
	int one = 1;
	const char *what;

	s->portid = 0;
	s->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, protocol);
	if (s->fd < 0)
		return ji_fail(err, "open netlink socket", errno, "protocol %d", protocol);
	/* Extended acks (the kernel's own words on what it refused) and capped
	 * acks (no echo of our request in each ack) are both optional: a kernel
	 * without them still answers with the errno. */
	what = "NETLINK_EXT_ACK";
	if (setsockopt(s->fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one)) < 0 && errno != ENOPROTOOPT)
		goto fail;
	what = "NETLINK_CAP_ACK";
	if (setsockopt(s->fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one)) < 0 && errno != ENOPROTOOPT)
		goto fail;
	what = "SO_RCVTIMEO";
	if (setsockopt(s->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0)
		goto fail;
	what = "bind";
	if (bind(s->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		goto fail;
	what = "getsockname";
	if (getsockname(s->fd, (struct sockaddr *)&sa, &salen) < 0)
		goto fail;
	if (salen != sizeof(sa) || sa.nl_family != AF_NETLINK) {
		errno = EPROTO;
		goto fail;
	}
	s->portid = sa.nl_pid;
	return 0;
fail:;
	int e = errno;
	nl_close(s);
	return ji_fail(err, "open netlink socket", e, "set up protocol %d socket: %s", protocol, what);
}

void nl_close(struct nl_sock *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}

static int nl_send(struct nl_sock *s, const struct nl_buf *b, const char *step, struct ji_err *err)
{
	struct sockaddr_nl to = { .nl_family = AF_NETLINK };
	ssize_t n;

	do
		n = sendto(s->fd, b->data, b->len, 0, (struct sockaddr *)&to, sizeof(to));
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return ji_fail(err, step, errno, "send %zu bytes over netlink", b->len);
	if ((size_t)n != b->len)
		return ji_fail(err, step, EMSGSIZE, "netlink sent %zd of %zu bytes", n, b->len);
	return 0;
}

/* Walk a datagram: calls fn for every message, after checking its length.
 * fn returns 0 to go on, 1 to stop, -1 for an error. */
typedef int (*nl_walk_fn)(const struct nlmsghdr *h, void *ctx);

static int nl_walk(const unsigned char *p, size_t len, nl_walk_fn fn, void *ctx, const char *step,
		   struct ji_err *err)
{
	while (len >= NLMSG_HDRLEN) {
		const struct nlmsghdr *h = (const struct nlmsghdr *)p;
		size_t step_len;
		int r;

		if (h->nlmsg_len < NLMSG_HDRLEN || h->nlmsg_len > len)
			return ji_fail(err, step, EPROTO, "malformed netlink reply (length %u of %zu)",
				       h->nlmsg_len, len);
		r = fn(h, ctx);
		if (r != 0)
			return r;
		step_len = NLMSG_ALIGN(h->nlmsg_len);
		if (step_len >= len)
			break;
		p += step_len;
		len -= step_len;
	}
	return 0;
}

/* Read one datagram from the kernel and walk its messages with fn. Returns
 * 1 when a datagram was read, 0 when `nowait` and nothing is queued, -1
 * with err (a receive error, or a malformed reply or fn's error). */
static int nl_recv_walk(struct nl_sock *s, int nowait, nl_walk_fn fn, void *ctx, const char *step,
			struct ji_err *err)
{
	union {
		unsigned char bytes[NL_RECV_SIZE];
		struct nlmsghdr align;
	} rx;

	for (;;) {
		struct sockaddr_nl from;
		struct iovec iov = { .iov_base = rx.bytes, .iov_len = sizeof(rx.bytes) };
		struct msghdr m = {
			.msg_name = &from, .msg_namelen = sizeof(from), .msg_iov = &iov, .msg_iovlen = 1
		};
		ssize_t n = recvmsg(s->fd, &m, nowait ? MSG_DONTWAIT : 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && nowait && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return ji_fail(err, step, ETIMEDOUT, "no netlink answer within %d s", NL_RECV_TIMEOUT_S);
		if (n < 0)
			return ji_fail(err, step, errno, "receive from netlink");
		if (m.msg_flags & MSG_TRUNC)
			return ji_fail(err, step, EMSGSIZE, "netlink reply larger than %zu bytes", sizeof(rx.bytes));
		if (m.msg_namelen != sizeof(from) || from.nl_pid != 0)
			continue; /* not from the kernel */
		return nl_walk(rx.bytes, (size_t)n, fn, ctx, step, err) < 0 ? -1 : 1;
	}
}

/* The error code of an NLMSG_ERROR: 0 for an ack, else a positive errno
 * (EPROTO when the message is too short to hold one, or holds no errno). The
 * kernel's extended-ack text, when present, goes to text (always
 * NUL-terminated). */
static int nl_error_of(const struct nlmsghdr *h, char *text, size_t textlen)
{
	const struct nlmsgerr *e;
	const struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	size_t off;

	text[0] = '\0';
	if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*e))) {
		snprintf(text, textlen, "short netlink error message");
		return EPROTO;
	}
	e = NLMSG_DATA(h);
	if ((h->nlmsg_flags & NLM_F_ACK_TLVS) && e->error != 0) {
		off = NLMSG_LENGTH(sizeof(*e));
		/* without NETLINK_CAP_ACK the request's payload comes first */
		if (!(h->nlmsg_flags & NLM_F_CAPPED) && e->msg.nlmsg_len > NLMSG_HDRLEN)
			off += NLMSG_ALIGN(e->msg.nlmsg_len) - NLMSG_HDRLEN;
		if (off < h->nlmsg_len &&
		    nl_attr_parse((const unsigned char *)h + off, h->nlmsg_len - off, tb, NLMSGERR_ATTR_MAX) == 0 &&
		    tb[NLMSGERR_ATTR_MSG] != NULL) {
			size_t n = nl_attr_len(tb[NLMSGERR_ATTR_MSG]);

			if (n >= textlen)
				n = textlen - 1;
			memcpy(text, nl_attr_data(tb[NLMSGERR_ATTR_MSG]), n);
			text[n] = '\0';
			n = strlen(text);
			while (n > 0 && text[n - 1] == '\n')
				text[--n] = '\0';
		}
	}
	if (e->error > 0 || e->error < -4095)
		return EPROTO; /* not an errno: the kernel never sends that */
	return -e->error;
}

/* Close the open message and refuse a buffer that overflowed: nothing of
 * it is sent. */
static int nl_buf_ready(struct nl_buf *b, const char *step, struct ji_err *err)
{
	nl_msg_end(b);
	if (b->overflow)
		return ji_fail(err, step, EMSGSIZE, "netlink request does not fit its %zu-byte buffer", b->cap);
	return 0;
}

/* ---- nl_transact -------------------------------------------------------- */

struct nl_tx {
	struct nl_sock *s;
	uint32_t first_seq;
	size_t count;
	uint16_t types[NL_MAX_MSGS];
	unsigned char wants_ack[NL_MAX_MSGS];
	unsigned char answered[NL_MAX_MSGS];
	size_t acked;       /* messages that asked for an ack */
	size_t outstanding; /* ... and have not had their answer yet */
	int stop_waiting; /* the kernel dropped the rest of a batch */
	const char *step;
	struct ji_err *err;
	int errnum;       /* the first error the kernel reported */
};

static int nl_tx_reply(const struct nlmsghdr *h, void *ctx)
{
	struct nl_tx *t = ctx;
	uint32_t i = h->nlmsg_seq - t->first_seq;
	char text[160];
	int e;

	if (h->nlmsg_pid != t->s->portid || i >= t->count)
		return 0; /* not an answer to this buffer */
	if (h->nlmsg_type != NLMSG_ERROR)
		return 0; /* an echo or notification: nl_transact does not read those */
	e = nl_error_of(h, text, sizeof(text));
	if (e != 0 && t->errnum == 0) {
		t->errnum = e;
		if (t->count == 1)
			ji_fail(t->err, t->step, e, "%s", text[0] ? text : "refused by the kernel");
		else
			ji_fail(t->err, t->step, e, "message %u of %zu (type 0x%x)%s%s", i + 1, t->count,
				t->types[i], text[0] ? ": " : "", text);
	}
	if (t->wants_ack[i] && !t->answered[i]) {
		t->answered[i] = 1;
		t->outstanding--;
	} else if (e != 0 && !t->wants_ack[i]) {
		/* an error on a batch marker: the kernel has dropped the rest */
		t->stop_waiting = 1;
	}
	return 0;
}

int nl_transact(struct nl_sock *s, struct nl_buf *b, const char *step, struct ji_err *err)
{
	struct nl_tx t;
	size_t off = 0;
	int r;

	if (nl_buf_ready(b, step, err) < 0)
		return -1;
	if (b->len == 0)
		return ji_fail(err, step, EINVAL, "empty netlink request");
	memset(&t, 0, sizeof(t));
	t.s = s;
	t.step = step;
	t.err = err;
	/* Index the buffer's messages; their sequence numbers are consecutive
	 * (nl_msg_start hands them out), which maps an answer to its message. */
	while (off < b->len) {
		const struct nlmsghdr *h = (const struct nlmsghdr *)(b->data + off);

		if (b->len - off < NLMSG_HDRLEN || h->nlmsg_len < NLMSG_HDRLEN || h->nlmsg_len > b->len - off)
			return ji_fail(err, step, EINVAL, "malformed netlink request at byte %zu", off);
		if (t.count == NL_MAX_MSGS)
			return ji_fail(err, step, EMSGSIZE, "more than %d messages in one request", NL_MAX_MSGS);
		if (t.count == 0)
			t.first_seq = h->nlmsg_seq;
		else if (h->nlmsg_seq != t.first_seq + (uint32_t)t.count)
			return ji_fail(err, step, EINVAL, "netlink request with non-consecutive sequence numbers");
		t.types[t.count] = h->nlmsg_type;
		t.wants_ack[t.count] = (h->nlmsg_flags & NLM_F_ACK) != 0;
		t.acked += t.wants_ack[t.count];
		t.outstanding += t.wants_ack[t.count];
		t.count++;
		off += NLMSG_ALIGN(h->nlmsg_len);
	}

	if (nl_send(s, b, step, err) < 0)
		return -1;
	/* Wait for every acked message's answer; then take, without waiting,
	 * whatever else the kernel queued for this buffer (errors on messages
	 * that asked for no ack, e.g. a batch's commit failing). */
	do
		r = nl_recv_walk(s, t.outstanding == 0 || t.stop_waiting, nl_tx_reply, &t, step, err);
	while (r > 0);
	if (r < 0 || t.errnum != 0)
		return -1;
	if (t.outstanding != 0)
		return ji_fail(err, step, EPROTO, "the kernel answered %zu of %zu netlink messages",
			       t.acked - t.outstanding, t.acked);
	return 0;
}

/* ---- nl_request --------------------------------------------------------- */

struct nl_rq {
	struct nl_sock *s;
	uint32_t seq;
	nl_msg_cb cb;
	void *ctx;
	const char *step;
	struct ji_err *err;
	int failed; /* cb said stop or the kernel refused: read on, call no more */
	int done;
};

static int nl_rq_reply(const struct nlmsghdr *h, void *ctx)
{
	struct nl_rq *q = ctx;

	if (h->nlmsg_pid != q->s->portid || h->nlmsg_seq != q->seq)
		return 0;
	if (h->nlmsg_type == NLMSG_ERROR) {
		char text[160];
		int e = nl_error_of(h, text, sizeof(text));

		q->done = 1;
		if (e != 0 && !q->failed) {
			q->failed = 1;
			ji_fail(q->err, q->step, e, "%s", text[0] ? text : "refused by the kernel");
		}
		return 1;
	}
	if (h->nlmsg_type == NLMSG_DONE) {
		q->done = 1;
		/* the kernel may notice a concurrent change only at the end */
		if ((h->nlmsg_flags & NLM_F_DUMP_INTR) && !q->failed) {
			q->failed = 1;
			ji_fail(q->err, q->step, EAGAIN, "dump interrupted by a concurrent change");
			return 1;
		}
		/* a dump that ended early says why in the DONE message */
		if (h->nlmsg_len >= NLMSG_LENGTH(sizeof(int)) && !q->failed) {
			int e;

			memcpy(&e, NLMSG_DATA(h), sizeof(e));
			if (e < 0) {
				q->failed = 1;
				ji_fail(q->err, q->step, -e, "dump ended with an error");
			}
		}
		return 1;
	}
	if (h->nlmsg_type == NLMSG_NOOP || h->nlmsg_type == NLMSG_OVERRUN || q->failed)
		return 0;
	if (h->nlmsg_flags & NLM_F_DUMP_INTR) {
		q->failed = 1;
		ji_fail(q->err, q->step, EAGAIN, "dump interrupted by a concurrent change");
		return 0;
	}
	errno = 0;
	if (q->cb(h, q->ctx) != 0) {
		q->failed = 1;
		ji_fail(q->err, q->step, errno ? errno : EPROTO, "unexpected netlink reply (type 0x%x)",
			h->nlmsg_type);
	}
	return 0;
}

int nl_request(struct nl_sock *s, struct nl_buf *b, nl_msg_cb cb, void *ctx, const char *step,
	       struct ji_err *err)
{
	struct nl_rq q = { .s = s, .cb = cb, .ctx = ctx, .step = step, .err = err };
	struct nlmsghdr *h;

	if (nl_buf_ready(b, step, err) < 0)
		return -1;
	h = (struct nlmsghdr *)b->data;
	if (b->len < NLMSG_HDRLEN || h->nlmsg_len < NLMSG_HDRLEN || NLMSG_ALIGN(h->nlmsg_len) != b->len)
		return ji_fail(err, step, EINVAL, "nl_request sends exactly one message");
	/* A get ends with its ack, a dump with NLMSG_DONE. */
	if ((h->nlmsg_flags & NLM_F_DUMP) != NLM_F_DUMP)
		h->nlmsg_flags |= NLM_F_ACK;
	q.seq = h->nlmsg_seq;
	if (nl_send(s, b, step, err) < 0)
		return -1;
	/* Even after cb stops us, read to the end so no reply is left queued
	 * for the next request on this socket. */
	while (!q.done)
		if (nl_recv_walk(s, 0, nl_rq_reply, &q, step, err) < 0)
			return -1;
	return q.failed ? -1 : 0;
}
