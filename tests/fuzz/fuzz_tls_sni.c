/* libFuzzer: the ClientHello reader of transparent mode, which reads the
 * agent's first bytes. Any input: no crash, no read outside it, and a name
 * it returns is a host name. make fuzz. */
#include <stdint.h>
#include <string.h>

#include "egress/tls_sni.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	char name[TLS_SNI_MAX + 1];
	enum tls_sni_rc rc = tls_sni_parse(data, n, name);
	if (rc == TLS_SNI_OK) {
		size_t len = strlen(name);
		if (len == 0 || len > TLS_SNI_MAX || name[len - 1] == '.')
			__builtin_trap();
		for (size_t i = 0; i < len; i++)
			if (!((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= '0' && name[i] <= '9') || name[i] == '-' ||
			      name[i] == '_' || name[i] == '.'))
				__builtin_trap();
	}
	/* a prefix of an input is never read as more than the input */
	if (n > 0 && tls_sni_parse(data, n / 2, name) == TLS_SNI_OK && rc != TLS_SNI_OK)
		__builtin_trap();
	return 0;
}
