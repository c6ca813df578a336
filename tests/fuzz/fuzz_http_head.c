/* libFuzzer: the built-in proxy's request-header parser, which reads what
 * the agent sends. Any input: no crash, no read outside it, and a header it
 * accepts is within the input with a host it could check. make fuzz. */
#include <stdint.h>
#include <string.h>

#include "egress/http_head.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	struct http_head h;
	int rc = http_head_parse(data, n, &h);
	if (rc == HTTP_HEAD_OK) {
		if (h.head_len > n || strlen(h.host) > HTTP_HEAD_HOST_MAX)
			__builtin_trap();
		/* a proxy request names what is checked (origin form names nothing
		 * and is refused by the proxy) */
		if ((h.is_connect || h.absolute) && (h.host[0] == '\0' || h.port == 0))
			__builtin_trap();
		if (!h.is_connect && h.absolute && h.path_off + h.path_len > n)
			__builtin_trap();
	}
	return 0;
}
