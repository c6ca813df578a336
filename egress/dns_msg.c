/* dns_msg: see dns_msg.h (stand-in). */
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
		if (l > 63 || o + 1 + l > n || strncasecmp((const char *)m + o + 1, p, l) != 0)
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
