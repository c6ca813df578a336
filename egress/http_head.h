/* http_head: the request line and the end of an HTTP/1.x request header.
 * STAND-IN until the egress-core helper's module lands: CONNECT host:port
 * and absolute-form http://host[:port]/path (origin form is reported as not
 * absolute). Pure; called again with more bytes until it says OK or BAD. */
#ifndef JAILINIT_HTTP_HEAD_H
#define JAILINIT_HTTP_HEAD_H

#include <stddef.h>
#include <stdint.h>

#define HTTP_HEAD_HOST_MAX 253

enum { HTTP_HEAD_MORE = 0, HTTP_HEAD_OK = 1, HTTP_HEAD_BAD = -1 };

struct http_head {
	size_t head_len;      /* through the empty line */
	int is_connect;
	int absolute;         /* absolute-form http:// target */
	char method[16];
	char host[HTTP_HEAD_HOST_MAX + 1]; /* lower case, no trailing dot */
	uint16_t port;
	size_t path_off, path_len; /* origin-form target within the buffer ("/" when empty: see path_off) */
	const char *error;    /* HTTP_HEAD_BAD: why */
};

int http_head_parse(const unsigned char *buf, size_t len, struct http_head *h);

#endif
