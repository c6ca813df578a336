/* libFuzzer: the rule parser (--allow, --allow-file, JAILINIT_ALLOW) and
 * matching against a name from the input. make fuzz. */
#include <stdint.h>
#include <string.h>

#include "egress/rules.h"

static struct rules_set set;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	char why[160], host[300];
	size_t cut = n;
	for (size_t i = 0; i < n; i++)
		if (data[i] == '\n') {
			cut = i;
			break;
		}
	set.n = 0;
	(void)rules_add(&set, (const char *)data, cut, 0, why, sizeof why);
	(void)rules_add(&set, (const char *)data, cut, 1, why, sizeof why);
	size_t hn = n > cut + 1 ? n - cut - 1 : 0;
	if (hn >= sizeof host)
		hn = sizeof host - 1;
	memcpy(host, data + (n > cut ? cut + 1 : n), hn);
	host[hn] = '\0';
	(void)rules_decide(&set, host, 443);
	(void)rules_name_reachable(&set, host);
	return 0;
}
