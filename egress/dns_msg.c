/* dns_msg: see dns_msg.h. */
#include "dns_msg.h"

#include <string.h>
#include <strings.h>

int dns_msg_build_query(unsigned char *buf, size_t cap, uint16_t id, const char *name, uint16_t qtype)
{
	size_t nn = strlen(name), o = 12;

	if (nn == 0 || nn > 253 || cap < 12 + nn + 2 + 4)
		return -1;
	memset(buf, 0, 12);
	buf[0] = (unsigned char)(id >> 8);
	buf[1] = (unsigned char)id;
	buf[2] = 0x01; /* RD */
	buf[5] = 1;    /* QDCOUNT */
	const char *p = name;
	while (*p) {
		size_t l = strcspn(p, ".");
		if (l == 0 || l > 63)
			return -1;
		buf[o++] = (unsigned char)l;
		memcpy(buf + o, p, l);
		o += l;
		p += l;
		if (*p == '.')
			p++;
	}
	buf[o++] = 0;
	buf[o++] = (unsigned char)(qtype >> 8);
	buf[o++] = (unsigned char)qtype;
	buf[o++] = 0;
	buf[o++] = 1; /* IN */
	return (int)o;
}

/* Skip a (possibly compressed) name at *o. */
static int skip_name(const unsigned char *m, size_t n, size_t *o)
{
	for (int hops = 0; hops < 128; hops++) {
		if (*o >= n)
			return -1;
		unsigned l = m[*o];
		if (l == 0) {
			(*o)++;
			return 0;
		}
		if ((l & 0xc0) == 0xc0) {
			if (*o + 2 > n)
				return -1;
			*o += 2;
			return 0;
		}
		if (l > 63)
			return -1;
		*o += 1 + l;
	}
	return -1;
}

/* The question's name equals name (no compression in a question we sent). */
static int same_qname(const unsigned char *m, size_t n, size_t o, const char *name)
{
	const char *p = name;

	while (o < n && m[o] != 0) {
		size_t l = m[o];
		/* never past the name asked (a label longer than what is left of
		 * it, or one with a NUL in it, would carry p beyond its end) */
		if (l > 63 || o + 1 + l > n || l > strlen(p) || memchr(m + o + 1, 0, l) != NULL ||
		    strncasecmp((const char *)m + o + 1, p, l) != 0)
			return 0;
		p += l;
		if (*p == '.')
			p++;
		else if (*p != '\0')
			return 0;
		o += 1 + l;
	}
	return o < n && *p == '\0';
}

int dns_msg_parse_answer_a(const unsigned char *m, size_t n, uint16_t id, const char *name, struct dns_answer_a *a)
{
	memset(a, 0, sizeof *a);
	if (n < 12 || ((unsigned)m[0] << 8 | m[1]) != id || !(m[2] & 0x80))
		return -1;
	unsigned qd = (unsigned)m[4] << 8 | m[5], an = (unsigned)m[6] << 8 | m[7];
	a->truncated = (m[2] & 0x02) != 0;
	a->rcode = m[3] & 0x0f;
	if (qd != 1 || !same_qname(m, n, 12, name))
		return -1;
	size_t o = 12;
	if (skip_name(m, n, &o) != 0 || o + 4 > n)
		return -1;
	if (((unsigned)m[o] << 8 | m[o + 1]) != DNS_TYPE_A)
		return -1;
	o += 4;
	for (unsigned i = 0; i < an; i++) {
		if (skip_name(m, n, &o) != 0 || o + 10 > n)
			return a->truncated ? 0 : -1;
		unsigned type = (unsigned)m[o] << 8 | m[o + 1], cls = (unsigned)m[o + 2] << 8 | m[o + 3];
		unsigned rdlen = (unsigned)m[o + 8] << 8 | m[o + 9];
		o += 10;
		if (o + rdlen > n)
			return a->truncated ? 0 : -1;
		if (type == DNS_TYPE_A && cls == 1 && rdlen == 4 && a->n_addrs < DNS_ANSWER_MAX_A)
			a->addrs[a->n_addrs++] = (uint32_t)m[o] << 24 | (uint32_t)m[o + 1] << 16 |
						 (uint32_t)m[o + 2] << 8 | m[o + 3];
		o += rdlen;
	}
	return 0;
}

/* ---- the server's side ------------------------------------------------ */

static uint16_t be16(const unsigned char *p)
{
	return (uint16_t)((unsigned)p[0] << 8 | p[1]);
}

static void put16(unsigned char *p, unsigned v)
{
	p[0] = (unsigned char)(v >> 8);
	p[1] = (unsigned char)v;
}

/* The question's name at 12 into q->name; the offset after it, or 0. */
static size_t read_qname(const unsigned char *m, size_t n, struct dns_question *q)
{
	size_t o = 12, len = 0;

	for (;;) {
		if (o >= n)
			return 0;
		unsigned l = m[o++];
		if (l == 0)
			break;
		if (l > 63 || o + l > n) /* a pointer (0xc0) or a reserved kind too */
			return 0;
		if (len + (len ? 1 : 0) + l > DNS_NAME_MAX)
			return 0;
		if (len)
			q->name[len++] = '.';
		for (unsigned i = 0; i < l; i++) {
			unsigned char c = m[o + i];
			if (c == '.' || c == '\0')
				return 0;
			q->name[len++] = (char)(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
		}
		o += l;
	}
	q->name[len] = '\0';
	return o;
}

int dns_msg_parse_query(const unsigned char *m, size_t n, struct dns_question *q)
{
	memset(q, 0, sizeof *q);
	if (n < 12 || (m[2] & 0x80))
		return -1;
	q->id = be16(m);
	q->rd = (m[2] & 0x01) != 0;
	if (((m[2] >> 3) & 0x0f) != 0)
		return DNS_RCODE_NOTIMP; /* not a standard query */
	if (be16(m + 4) != 1)
		return DNS_RCODE_FORMERR;
	size_t o = read_qname(m, n, q);
	if (o == 0 || o + 4 > n)
		return DNS_RCODE_FORMERR;
	q->qtype = be16(m + o);
	q->qclass = be16(m + o + 2);
	q->question_len = o + 4 - 12;
	return DNS_RCODE_NOERROR;
}

int dns_msg_build_reply(unsigned char *out, size_t cap, const unsigned char *query, const struct dns_question *q,
			int rcode, uint32_t addr, uint32_t ttl)
{
	size_t len = 12 + q->question_len + (addr ? 16 : 0);

	if (cap < len)
		return -1;
	memset(out, 0, 12);
	put16(out, q->id);
	out[2] = (unsigned char)(0x80 | (q->rd ? 0x01 : 0)); /* QR, opcode QUERY, RD echoed */
	out[3] = (unsigned char)(0x80 | (rcode & 0x0f));    /* RA */
	if (q->question_len) {
		put16(out + 4, 1);
		memcpy(out + 12, query + 12, q->question_len);
	}
	if (addr) {
		unsigned char *a = out + 12 + q->question_len;
		put16(out + 6, 1);
		put16(a, 0xc00c); /* the question's name */
		put16(a + 2, DNS_TYPE_A);
		put16(a + 4, DNS_CLASS_IN);
		put16(a + 6, ttl >> 16);
		put16(a + 8, ttl & 0xffff);
		put16(a + 10, 4);
		put16(a + 12, addr >> 16);
		put16(a + 14, addr & 0xffff);
	}
	return (int)len;
}
