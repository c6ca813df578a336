/* http_head: the request line and the end of an HTTP/1.x request header:
 * CONNECT host:port, absolute-form http://host[:port]/path (what a client
 * sends a proxy), and origin form /path with the host of its Host header
 * (what transparent mode receives). Bounded by the bytes given; pure;
 * called again with more bytes until it says OK or BAD. */
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
	char host[HTTP_HEAD_HOST_MAX + 1]; /* lower case, no trailing dot; origin form: the
	                                      Host header's, "" without one */
	uint16_t port;
	size_t path_off, path_len; /* the target's path within the buffer (absolute form: after
	                              the authority, maybe empty; origin form: the target) */
	const char *error;    /* HTTP_HEAD_BAD: why */
};

int http_head_parse(const unsigned char *buf, size_t len, struct http_head *h);

#endif
