#include "json.h"

#include <string.h>

#include "utf8.h"

size_t json_escape_byte(unsigned char c, int ascii_only, char out[7])
{
	static const char hex[] = "0123456789abcdef";
	const char *named = NULL;

	switch (c) {
	case '"': named = "\\\""; break;
	case '\\': named = "\\\\"; break;
	case '\n': named = "\\n"; break;
	case '\r': named = "\\r"; break;
	case '\t': named = "\\t"; break;
	case '\b': named = "\\b"; break;
	case '\f': named = "\\f"; break;
	default: break;
	}
	if (named) {
		out[0] = named[0];
		out[1] = named[1];
		out[2] = '\0';
		return 2;
	}
	if (c < 0x20 || c == 0x7f || (ascii_only && c >= 0x80)) {
		out[0] = '\\';
		out[1] = 'u';
		out[2] = '0';
		out[3] = '0';
		out[4] = hex[c >> 4];
		out[5] = hex[c & 15];
		out[6] = '\0';
		return 6;
	}
	out[0] = (char)c;
	out[1] = '\0';
	return 1;
}

size_t json_escape_char(const char *s, size_t n, int ascii_only, char out[7], size_t *used)
{
	const unsigned char *u = (const unsigned char *)s;
	*used = 1;
	if (u[0] < 0x80 || ascii_only)
		return json_escape_byte(u[0], ascii_only, out);
	size_t len = utf8_sequence_len(u, n);
	if (len == 0) {
		memcpy(out, "\\ufffd", 7);
		return 6;
	}
	*used = len;
	if (utf8_is_c1(u, len)) {
		static const char hex[] = "0123456789abcdef";
		memcpy(out, "\\u00", 4);
		out[4] = hex[u[1] >> 4];
		out[5] = hex[u[1] & 15];
		out[6] = '\0';
		return 6;
	}
	memcpy(out, s, len);
	out[len] = '\0';
	return len;
}
