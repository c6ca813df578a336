/* http_head: see http_head.h. */
#include "http_head.h"

#include <string.h>
#include <strings.h>

static int bad(struct http_head *h, const char *why)
{
	h->error = why;
	return HTTP_HEAD_BAD;
}

/* host[:port] of n bytes at s. */
static int authority(struct http_head *h, const char *s, size_t n, int need_port, uint16_t dflt)
{
	const char *colon = memchr(s, ':', n);
	size_t hn = colon ? (size_t)(colon - s) : n;
	unsigned port = dflt;

	if (hn > 1 && s[hn - 1] == '.')
		hn--;
	if (hn == 0 || hn > HTTP_HEAD_HOST_MAX)
		return -1;
	for (size_t i = 0; i < hn; i++) {
		char ch = s[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '-' ||
		      ch == '.' || ch == '_'))
			return -1;
		if (ch >= 'A' && ch <= 'Z')
			ch = (char)(ch - 'A' + 'a');
		h->host[i] = ch;
	}
	h->host[hn] = '\0';
	if (colon) {
		size_t pn = n - (size_t)(colon - s) - 1;
		if (pn == 0 || pn > 5)
			return -1;
		port = 0;
		for (size_t i = 0; i < pn; i++) {
			if (colon[1 + i] < '0' || colon[1 + i] > '9')
				return -1;
			port = port * 10 + (unsigned)(colon[1 + i] - '0');
		}
	} else if (need_port) {
		return -1;
	}
	if (port == 0 || port > 65535)
		return -1;
	h->port = (uint16_t)port;
	return 0;
}

int http_head_parse(const unsigned char *ubuf, size_t len, struct http_head *h)
{
	const char *buf = (const char *)ubuf;

	memset(h, 0, sizeof *h);
	/* the end of the header: an empty line */
	const char *end = NULL;
	for (size_t i = 0; i + 1 < len; i++) {
		if (buf[i] == '\n' && buf[i + 1] == '\n') {
			end = buf + i + 2;
			break;
		}
		if (i + 3 < len && buf[i] == '\r' && buf[i + 1] == '\n' && buf[i + 2] == '\r' && buf[i + 3] == '\n') {
			end = buf + i + 4;
			break;
		}
	}
	if (!end)
		return HTTP_HEAD_MORE;
	h->head_len = (size_t)(end - buf);
	const char *eol = memchr(buf, '\n', h->head_len);
	size_t ln = (size_t)(eol - buf);
	if (ln > 0 && buf[ln - 1] == '\r')
		ln--;
	const char *sp1 = memchr(buf, ' ', ln);
	if (!sp1 || sp1 == buf || (size_t)(sp1 - buf) >= sizeof h->method)
		return bad(h, "malformed request line");
	const char *t = sp1 + 1;
	const char *sp2 = memchr(t, ' ', (size_t)(buf + ln - t));
	if (!sp2 || sp2 == t)
		return bad(h, "malformed request line");
	const char *ver = sp2 + 1;
	if ((size_t)(buf + ln - ver) != 8 || strncmp(ver, "HTTP/1.", 7) != 0)
		return bad(h, "not HTTP/1.x");
	memcpy(h->method, buf, (size_t)(sp1 - buf));
	size_t tn = (size_t)(sp2 - t);
	if (strcmp(h->method, "CONNECT") == 0) {
		h->is_connect = 1;
		if (authority(h, t, tn, 1, 0) != 0)
			return bad(h, "CONNECT needs host:port");
		return HTTP_HEAD_OK;
	}
	if (tn > 7 && strncasecmp(t, "http://", 7) == 0) {
		const char *a = t + 7;
		size_t an = strcspn(a, "/? ");
		if (an > (size_t)(sp2 - a))
			an = (size_t)(sp2 - a);
		if (memchr(a, '@', an))
			return bad(h, "user info in the URL");
		if (authority(h, a, an, 0, 80) != 0)
			return bad(h, "the URL's host is not a host name or address");
		h->absolute = 1;
		const char *path = a + an;
		h->path_off = (size_t)(path - buf);
		h->path_len = (size_t)(sp2 - path); /* 0, or starting with '/' or '?' */
		return HTTP_HEAD_OK;
	}
	if (tn > 0 && t[0] == '/') {
		/* origin form (what transparent mode sees): the Host header
		 * names the host, when there is one */
		h->path_off = (size_t)(t - buf);
		h->path_len = tn;
		for (const char *p = eol + 1; p < end;) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			size_t vis = (size_t)((nl ? nl : end) - p);
			if (vis > 0 && p[vis - 1] == '\r')
				vis--;
			if (vis > 5 && strncasecmp(p, "host:", 5) == 0) {
				const char *v = p + 5, *ve = p + vis;
				while (v < ve && (*v == ' ' || *v == '\t'))
					v++;
				while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
					ve--;
				if (h->host[0] != '\0' || authority(h, v, (size_t)(ve - v), 0, 80) != 0) {
					h->host[0] = '\0';
					return bad(h, "a Host header that is not one host name or address");
				}
			}
			if (!nl)
				break;
			p = nl + 1;
		}
		return HTTP_HEAD_OK; /* not absolute; host "" when no Host header */
	}
	return bad(h, "only http:// URLs in absolute form (https goes through CONNECT)");
}
