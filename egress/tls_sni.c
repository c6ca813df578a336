/* tls_sni: see tls_sni.h (RFC 8446 4.1.2 and RFC 6066 3). */
#include "tls_sni.h"

#include <stdint.h>
#include <string.h>

const unsigned char tls_alert_access_denied[7] = { 21, 3, 1, 0, 2, 2, 49 };

/* A cursor over [p, end): every read checks the room first. */
struct cur {
	const unsigned char *p, *end;
};

static int take(struct cur *c, size_t n, const unsigned char **out)
{
	if ((size_t)(c->end - c->p) < n)
		return -1;
	if (out)
		*out = c->p;
	c->p += n;
	return 0;
}

/* An n-byte big-endian number (n = 1, 2 or 3: TLS's uint8/16/24). */
static int be(struct cur *c, size_t n, size_t *v)
{
	const unsigned char *b;
	if (take(c, n, &b) < 0)
		return -1;
	*v = 0;
	for (size_t i = 0; i < n; i++)
		*v = *v << 8 | b[i];
	return 0;
}

/* A sub-cursor of the next n bytes (a length-prefixed vector). */
static int sub(struct cur *c, size_t n, struct cur *s)
{
	const unsigned char *b;
	if (take(c, n, &b) < 0)
		return -1;
	s->p = b;
	s->end = b + n;
	return 0;
}

/* A DNS host name (RFC 6066: no trailing dot, ASCII): letters, digits, '-',
 * '_' and dots between labels of 1 to 63. */
static int host_name(const unsigned char *s, size_t n, char *out)
{
	size_t label = 0;
	if (n == 0 || n > TLS_SNI_MAX)
		return -1;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = s[i];
		if (ch == '.') {
			if (label == 0)
				return -1;
			label = 0;
		} else if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-' || ch == '_') {
			label++;
		} else if (ch >= 'A' && ch <= 'Z') {
			ch = (unsigned char)(ch - 'A' + 'a');
			label++;
		} else {
			return -1;
		}
		if (label > 63)
			return -1;
		out[i] = (char)ch;
	}
	if (label == 0)
		return -1; /* empty, or a trailing dot */
	out[n] = '\0';
	return 0;
}

enum tls_sni_rc tls_sni_parse(const unsigned char *buf, size_t len, char name[TLS_SNI_MAX + 1])
{
	name[0] = '\0';
	/* the record header: handshake (22), version 3.x, length */
	if (len >= 1 && buf[0] != 22)
		return TLS_SNI_NOT;
	if (len >= 2 && buf[1] != 3)
		return TLS_SNI_NOT;
	if (len < 5)
		return TLS_SNI_MORE;
	size_t rec = (size_t)buf[3] << 8 | buf[4];
	if (rec == 0 || rec > 16384 + 256)
		return TLS_SNI_BAD;
	if (len < 5 + rec)
		return TLS_SNI_MORE;
	struct cur r = { buf + 5, buf + 5 + rec }, hello, v;
	size_t type = 0, hlen, n;
	if (be(&r, 1, &type) < 0 || type != 1 /* client_hello */ || be(&r, 3, &hlen) < 0)
		return type != 1 ? TLS_SNI_NOT : TLS_SNI_BAD;
	if (hlen > (size_t)(r.end - r.p))
		return TLS_SNI_NONE; /* goes on in another record: not looked at */
	if (sub(&r, hlen, &hello) < 0 || take(&hello, 2 + 32, NULL) < 0) /* legacy_version, random */
		return TLS_SNI_BAD;
	if (be(&hello, 1, &n) < 0 || n > 32 || take(&hello, n, NULL) < 0) /* legacy_session_id */
		return TLS_SNI_BAD;
	if (be(&hello, 2, &n) < 0 || n < 2 || n % 2 || take(&hello, n, NULL) < 0) /* cipher_suites */
		return TLS_SNI_BAD;
	if (be(&hello, 1, &n) < 0 || n < 1 || take(&hello, n, NULL) < 0) /* legacy_compression_methods */
		return TLS_SNI_BAD;
	if (hello.p == hello.end)
		return TLS_SNI_NONE; /* no extensions at all */
	struct cur ext;
	if (be(&hello, 2, &n) < 0 || sub(&hello, n, &ext) < 0)
		return TLS_SNI_BAD;
	int seen = 0;
	while (ext.p < ext.end) {
		size_t etype, elen;
		if (be(&ext, 2, &etype) < 0 || be(&ext, 2, &elen) < 0 || sub(&ext, elen, &v) < 0)
			return TLS_SNI_BAD;
		if (etype != 0 /* server_name */)
			continue;
		if (seen++)
			return TLS_SNI_BAD; /* one of each extension (RFC 8446 4.2) */
		struct cur list, nm;
		if (be(&v, 2, &n) < 0 || sub(&v, n, &list) < 0 || v.p != v.end)
			return TLS_SNI_BAD;
		while (list.p < list.end) {
			size_t nt;
			if (be(&list, 1, &nt) < 0 || be(&list, 2, &n) < 0 || sub(&list, n, &nm) < 0)
				return TLS_SNI_BAD;
			if (nt != 0 /* host_name */)
				continue;
			if (name[0] != '\0' || host_name(nm.p, n, name) < 0) {
				name[0] = '\0';
				return TLS_SNI_BAD; /* two host names, or not a host name */
			}
		}
	}
	return name[0] ? TLS_SNI_OK : TLS_SNI_NONE;
}
