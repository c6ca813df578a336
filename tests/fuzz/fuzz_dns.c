/* libFuzzer: the jail's DNS server and the proxy's resolver read bytes a
 * hostile agent (or a hostile upstream server) chose. Any input: no crash,
 * no read outside it (ASan, UBSan), and every reply fits its buffer and
 * parses back as an answer to the query's id. make fuzz runs it. */
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "egress/dns_msg.h"
#include "egress/dns_server.h"
#include "egress/elog.h"
#include "egress/policy.h"
#include "egress/synth.h"

static struct egress_policy policy;
static struct synth_map map;
static struct dns_server server;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char why[160];
	(void)argc;
	(void)argv;
	elog_setup(open("/dev/null", O_WRONLY), LOG_JSON);
	(void)rules_add(&policy.set, "*.test", 6, 0, why, sizeof why);
	(void)rules_add(&policy.set, "no.test", 7, 1, why, sizeof why);
	server.policy = &policy;
	server.map = &map;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	unsigned char out[DNS_UDP_MAX];
	struct dns_question q;
	int rc = dns_msg_parse_query(data, n, &q);
	int len = dns_server_answer(&server, data, n, out, sizeof out);
	if ((rc < 0) != (len < 0))
		__builtin_trap(); /* answered exactly when a query was read */
	if (len > 0 && (len < 12 || ((unsigned)out[0] << 8 | out[1]) != q.id || !(out[2] & 0x80)))
		__builtin_trap();
	if (map.n == SYNTH_MAX) /* keep finding new names */
		memset(&map, 0, sizeof map);
	/* the resolver's side: an upstream answer of any shape */
	struct dns_answer_a a;
	if (n >= 2)
		(void)dns_msg_parse_answer_a(data, n, (uint16_t)(data[0] << 8 | data[1]), "a.test", &a);
	return 0;
}
