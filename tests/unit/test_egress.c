/* Unit tests of the built-in proxy's pure parts (egress/): the decision
 * log's lines, the resolver's files and address policy, the limits, the
 * rule lists of JAILINIT_ALLOW and --allow-file, and the policy's verdicts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include <cmocka.h>

#include "egress/dns_msg.h"
#include "egress/dns_server.h"
#include "egress/elog.h"
#include "egress/policy.h"
#include "egress/proxy.h"
#include "egress/resolve.h"
#include "egress/rules.h"
#include "egress/synth.h"
#include "egress/tls_sni.h"
#include "init/options.h"

static const struct timespec t0 = { .tv_sec = 1700000000, .tv_nsec = 123456789 }; /* 2023-11-14T22:13:20.123Z */

static void test_log_text(void **state)
{
	char buf[ELOG_LINE_MAX];
	struct elog_entry e = {
		.verdict = "allow", .method = "CONNECT", .host = "api.example.com", .port = 443,
		.rule = "*.example.com:443", .addr = 0xC000020A, .closed = 1, .bytes_up = 10, .bytes_down = 2000,
		.duration_ms = 15,
	};
	size_t n = elog_format(buf, sizeof buf, LOG_TEXT, &t0, &e);
	buf[n] = '\0';
	assert_string_equal(buf, "jailinit egress: 2023-11-14T22:13:20.123Z allow api.example.com:443 method=CONNECT "
				 "rule=*.example.com:443 addr=192.0.2.10 bytes_up=10 bytes_down=2000 duration_ms=15\n");
	struct elog_entry d = { .verdict = "deny", .host = "evil\"host", .port = 80, .reason = "no rule allows it" };
	n = elog_format(buf, sizeof buf, LOG_TEXT, &t0, &d);
	buf[n] = '\0';
	assert_string_equal(buf, "jailinit egress: 2023-11-14T22:13:20.123Z deny \"evil\\\"host\":80 rule=none "
				 "reason=\"no rule allows it\"\n");
}

static void test_log_json(void **state)
{
	char buf[ELOG_LINE_MAX];
	struct elog_entry e = {
		.verdict = "deny", .method = "GET", .host = "a\x01.test", .port = 80, .reason = "no rule allows it",
	};
	size_t n = elog_format(buf, sizeof buf, LOG_JSON, &t0, &e);
	buf[n] = '\0';
	assert_string_equal(buf, "{\"time\":\"2023-11-14T22:13:20.123Z\",\"event\":\"egress\",\"verdict\":\"deny\","
				 "\"method\":\"GET\",\"host\":\"a\\u0001.test\",\"port\":80,\"rule\":null,\"addr\":null,"
				 "\"reason\":\"no rule allows it\"}\n");
	const char *allow[] = { "a.test", "*.b.test:443" }, *deny[] = { "x.b.test" };
	n = elog_format_rules(buf, sizeof buf, LOG_JSON, &t0, allow, 2, deny, 1);
	buf[n] = '\0';
	assert_string_equal(buf, "{\"time\":\"2023-11-14T22:13:20.123Z\",\"event\":\"rules\",\"allow\":[\"a.test\","
				 "\"*.b.test:443\"],\"deny\":[\"x.b.test\"]}\n");
	n = elog_format_rules(buf, sizeof buf, LOG_TEXT, &t0, allow, 2, deny, 0);
	buf[n] = '\0';
	assert_string_equal(buf, "jailinit egress: 2023-11-14T22:13:20.123Z rules in force: allow: a.test *.b.test:443; "
				 "deny: (none)\n");
	/* a line never overflows, and always ends with its newline */
	char small[40];
	n = elog_format(small, sizeof small, LOG_JSON, &t0, &e);
	assert_int_equal(n, sizeof small);
	assert_int_equal(small[n - 1], '\n');
}

static void test_resolv_conf_and_hosts(void **state)
{
	static struct resolve_conf c;
	const char resolv[] = "# comment\nsearch x.test\nnameserver 203.0.113.53\nnameserver ::1\n"
			      "nameserver 192.0.2.53 # second\nnameserver 192.0.2.54\nnameserver 192.0.2.55\n"
			      "options ndots:2 timeout:9 attempts:7\n";
	resolve_conf_defaults(&c);
	resolve_conf_parse_resolv(&c, resolv, sizeof resolv - 1);
	assert_int_equal(c.n_ns, 3); /* IPv6 skipped, the fourth dropped */
	assert_int_equal(c.ns[0], 0xCB007135);
	assert_int_equal(c.ns[1], 0xC0000235);
	assert_int_equal(c.ns_port[0], 53);
	assert_int_equal(c.timeout_ms, RESOLVE_TIMEOUT_MAX_MS); /* at most 5 s */
	assert_int_equal(c.attempts, RESOLVE_ATTEMPTS_MAX);

	const char hosts[] = "127.0.0.1\tlocalhost\n::1 localhost ip6-localhost\n192.0.2.7 Web.Test. web # x\n"
			     "junk line\n192.0.2.8 web.test\n";
	resolve_conf_parse_hosts(&c, hosts, sizeof hosts - 1);
	uint32_t a[4];
	assert_int_equal(resolve_hosts_lookup(&c, "WEB.test.", a, 4), 2);
	assert_int_equal(a[0], 0xC0000207);
	assert_int_equal(a[1], 0xC0000208);
	assert_int_equal(resolve_hosts_lookup(&c, "web", a, 4), 1);
	assert_int_equal(resolve_hosts_lookup(&c, "localhost", a, 4), 1);
	assert_int_equal(a[0], 0x7F000001);
	assert_int_equal(resolve_hosts_lookup(&c, "ip6-localhost", a, 4), 0);
	assert_int_equal(resolve_hosts_lookup(&c, "junk", a, 4), 0);
}

static void test_address_policy(void **state)
{
	const uint32_t jail = 0xC6120000; /* 198.18.0.0/30 */
	assert_int_equal(resolve_addr_class(0x7F000001, jail, 30), ADDR_LOOPBACK);
	assert_int_equal(resolve_addr_class(0x7F123456, jail, 30), ADDR_LOOPBACK);
	assert_int_equal(resolve_addr_class(0xA9FEA9FE, jail, 30), ADDR_LINK_LOCAL);
	assert_int_equal(resolve_addr_class(0x00000000, jail, 30), ADDR_THIS_NET);
	assert_int_equal(resolve_addr_class(0xE0000001, jail, 30), ADDR_MULTICAST);
	assert_int_equal(resolve_addr_class(0xFFFFFFFF, jail, 30), ADDR_MULTICAST);
	assert_int_equal(resolve_addr_class(0xC6120001, jail, 30), ADDR_JAIL_LINK);
	assert_int_equal(resolve_addr_class(0xC6120003, jail, 30), ADDR_JAIL_LINK);
	assert_int_equal(resolve_addr_class(0xC6120004, jail, 30), ADDR_OK); /* past the /30 */
	assert_int_equal(resolve_addr_class(0xC6130101, jail, 30), ADDR_SYNTH_POOL);
	assert_int_equal(resolve_addr_class(0xC000020A, jail, 30), ADDR_OK);
	assert_int_equal(resolve_addr_class(0x0A000001, jail, 30), ADDR_OK); /* private ranges are the user's rules' */
}

static void test_limits(void **state)
{
	struct egress_limits l;
	struct ji_err err;

	egress_limits_defaults(&l);
	assert_int_equal(l.max_conns, EGRESS_MAX_CONNS);
	assert_int_equal(l.header_ms, EGRESS_HEADER_MS);
	assert_int_equal(egress_limits_parse(&l, "idle_ms=5,conns=3", &err), 0);
	assert_int_equal(l.idle_ms, 5);
	assert_int_equal(l.max_conns, 3);
	assert_int_equal(l.connect_ms, EGRESS_CONNECT_MS);
	assert_int_equal(egress_limits_parse(&l, "conns=0", &err), -1);
	assert_int_equal(egress_limits_parse(&l, "bogus=1", &err), -1);
	assert_int_equal(egress_limits_parse(&l, "conns=", &err), -1);
	assert_int_equal(egress_limits_parse(&l, "conns=1x", &err), -1);
}

static struct egress_policy pol;

static void test_policy(void **state)
{
	char path[] = "/tmp/jailinit-allow-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	const char file[] = "# rules\nfile.test:22,443 # ssh, https\n\n*.f.test 10.0.0.0/8:5432\n";
	assert_int_equal(write(fd, file, sizeof file - 1), (ssize_t)(sizeof file - 1));
	close(fd);
	struct options o;
	memset(&o, 0, sizeof o);
	char *allow[] = { "cli.test", "*" ":8080" };
	char *deny[] = { "x.f.test" };
	o.n_allow = 1;
	o.allow[0] = allow[0];
	o.n_deny = 1;
	o.deny[0] = deny[0];
	o.allow_env = "env.test,github.test:22,443, 192.0.2.0/24";
	o.allow_file = path;
	struct ji_err err = { 0 };
	assert_int_equal(egress_policy_build(&pol, &o, &err), 0);
	unlink(path);
	assert_int_equal(pol.set.n, 8);
	struct egress_verdict v;
	egress_policy_decide(&pol, "github.test", 22, &v);
	assert_true(v.allowed);
	assert_string_equal(v.rule, "github.test:22,443");
	egress_policy_decide(&pol, "github.test", 80, &v);
	assert_false(v.allowed);
	assert_null(v.rule);
	egress_policy_decide(&pol, "x.f.test", 443, &v);
	assert_false(v.allowed);
	assert_string_equal(v.rule, "x.f.test");
	egress_policy_decide(&pol, "y.f.test", 443, &v);
	assert_true(v.allowed);
	assert_false(v.names_address);
	egress_policy_decide(&pol, "10.1.2.3", 5432, &v);
	assert_true(v.allowed);
	assert_true(v.names_address);
	egress_policy_decide(&pol, "CLI.test.", 80, &v);
	assert_true(v.allowed);
	/* a bad line names the rule, and the line */
	o.allow_env = NULL;
	o.allow_file = path;
	fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "ok.test\nbad:x\n", 14), 14);
	close(fd);
	assert_int_equal(egress_policy_build(&pol, &o, &err), -1);
	unlink(path);
	assert_int_equal(err.exit_code, EXIT_USAGE);
	assert_non_null(strstr(err.detail, "'bad:x'"));
	assert_non_null(strstr(err.detail, ":2"));
}

/* Every preset parses (a preset of ours that did not would fail every run
 * that names it), expands to its documented rules, each kept with the
 * preset's name; an unknown one names the presets; a full set takes none
 * of a preset rather than part of it. */
static void test_presets(void **state)
{
	static struct rules_set set;
	char why[160];
	size_t n;
	const struct rules_preset *p = rules_presets(&n);
	assert_int_equal(n, 6);
	for (size_t i = 0; i < n; i++) {
		set.n = 0;
		assert_int_equal(rules_check(p[i].name, strlen(p[i].name), why, sizeof why), 0);
		assert_int_equal(rules_add(&set, p[i].name, strlen(p[i].name), 0, why, sizeof why), 0);
		size_t k = 0;
		for (; p[i].rules[k]; k++) {
			char want[RULES_TEXT_MAX];
			snprintf(want, sizeof want, "%s (%s)", p[i].rules[k], p[i].name);
			assert_string_equal(set.r[k].text, want);
		}
		assert_int_equal(set.n, (int)k);
	}
	set.n = 0;
	assert_int_equal(rules_add(&set, "@GitHub", 7, 0, why, sizeof why), 0);
	assert_int_equal(rules_add(&set, "@npm", 4, 1, why, sizeof why), 0);
	const struct rule *r = rules_decide(&set, "github.com", 22);
	assert_non_null(r);
	assert_string_equal(r->text, "github.com:22,443 (@github)");
	r = rules_decide(&set, "codeload.github.com", 443);
	assert_non_null(r);
	assert_false(r->deny);
	assert_null(rules_decide(&set, "codeload.github.com", 22));
	r = rules_decide(&set, "registry.npmjs.org", 443);
	assert_non_null(r);
	assert_true(r->deny);
	assert_int_equal(rules_check("@nope", 5, why, sizeof why), -1);
	assert_non_null(strstr(why, "'@nope' is not a preset"));
	assert_non_null(strstr(why, "@pypi"));
	struct rule one;
	assert_int_equal(rules_parse("@npm", 4, 0, &one, why, sizeof why), -1);
	set.n = RULES_MAX - 1;
	assert_int_equal(rules_add(&set, "@pypi", 5, 0, why, sizeof why), -1);
	assert_int_equal(set.n, RULES_MAX - 1);
	assert_int_equal(rules_add(&set, "one.test", 8, 0, why, sizeof why), 0);
	assert_int_equal(set.n, RULES_MAX);
}

/* ---- the jail's DNS ---- */

static size_t query(unsigned char *q, uint16_t id, const char *name, uint16_t qtype)
{
	int n = dns_msg_build_query(q, 512, id, name, qtype);
	assert_true(n > 0);
	return (size_t)n;
}

/* A query is read only within its bytes; everything it may not be is
 * answered FORMERR / NOTIMP or not at all. */
static void test_dns_parse_query(void **state)
{
	unsigned char q[600];
	struct dns_question dq;
	size_t n = query(q, 0x1234, "WWW.Example.TEST", DNS_TYPE_A);
	assert_int_equal(dns_msg_parse_query(q, n, &dq), DNS_RCODE_NOERROR);
	assert_int_equal(dq.id, 0x1234);
	assert_true(dq.rd);
	assert_string_equal(dq.name, "www.example.test");
	assert_int_equal(dq.qtype, DNS_TYPE_A);
	assert_int_equal(dq.qclass, DNS_CLASS_IN);
	assert_int_equal(dq.question_len, n - 12);
	/* every truncation of it: never read past n, never NOERROR */
	for (size_t k = 0; k < n; k++)
		assert_int_not_equal(dns_msg_parse_query(q, k, &dq), DNS_RCODE_NOERROR);
	assert_int_equal(dns_msg_parse_query(q, 11, &dq), -1);
	unsigned char r[600];
	memcpy(r, q, n);
	r[2] |= 0x80; /* a response: not answered */
	assert_int_equal(dns_msg_parse_query(r, n, &dq), -1);
	memcpy(r, q, n);
	r[2] |= 0x10; /* opcode 2 (STATUS) */
	assert_int_equal(dns_msg_parse_query(r, n, &dq), DNS_RCODE_NOTIMP);
	memcpy(r, q, n);
	r[5] = 2; /* QDCOUNT 2 */
	assert_int_equal(dns_msg_parse_query(r, n, &dq), DNS_RCODE_FORMERR);
	memcpy(r, q, n);
	r[12] = 0xc0; /* a pointer in the question */
	assert_int_equal(dns_msg_parse_query(r, n, &dq), DNS_RCODE_FORMERR);
	memcpy(r, q, n);
	r[13] = '.'; /* a dot inside a label: "w.w.example.test" must not match */
	assert_int_equal(dns_msg_parse_query(r, n, &dq), DNS_RCODE_FORMERR);
	r[13] = '\0';
	assert_int_equal(dns_msg_parse_query(r, n, &dq), DNS_RCODE_FORMERR);
	/* a name of 254 bytes in labels of 63: FORMERR, not an overflow */
	memset(r, 0, sizeof r);
	r[5] = 1;
	size_t o = 12;
	for (int i = 0; i < 4; i++) {
		r[o++] = 63;
		memset(r + o, 'a', 63);
		o += 63;
	}
	r[o++] = 0;
	o += 4;
	assert_int_equal(dns_msg_parse_query(r, o, &dq), DNS_RCODE_FORMERR);
	/* the root: read, its name "" */
	unsigned char root[] = { 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 1 };
	assert_int_equal(dns_msg_parse_query(root, sizeof root, &dq), DNS_RCODE_NOERROR);
	assert_string_equal(dq.name, "");
	assert_int_equal(dq.qtype, 2);
}

/* Found by fuzz_dns: an upstream answer whose question has a label longer
 * than what is left of the name asked ("a" then 20 bytes holding "test\0")
 * carried the comparison past the end of the name. Refused now, and read
 * within bounds (ASan). */
static void test_dns_answer_label_longer_than_the_name(void **state)
{
	static const unsigned char m[] = { 0x12, 0x34, 0x81, 0x80, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00,
					   0x00, 0x00, 0x01, 0x61, 0x14, 0x74, 0x65, 0x73, 0x74, 0x00,
					   0x00, 0x01, 0x00, 0x01, 0xc0, 0x0c, 0x00, 0x01, 0x00, 0x01,
					   0x00, 0x00, 0x00, 0x3c, 0x00, 0x04, 0xc0, 0x00, 0x02, 0x01 };
	struct dns_answer_a a;
	char name[] = "a.test"; /* on the stack, so ASan sees a read past it */
	assert_int_equal(dns_msg_parse_answer_a(m, sizeof m, 0x1234, name, &a), -1);
}

static void test_dns_reply_bytes(void **state)
{
	unsigned char q[512], out[512];
	struct dns_question dq;
	size_t n = query(q, 0xbeef, "a.test", DNS_TYPE_A);
	assert_int_equal(dns_msg_parse_query(q, n, &dq), 0);
	int len = dns_msg_build_reply(out, sizeof out, q, &dq, DNS_RCODE_NOERROR, 0xc6130007, 300);
	const unsigned char want[] = { 0xbe, 0xef, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0, 1, 'a', 4, 't', 'e', 's', 't', 0,
				       0, 1, 0, 1, 0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 1, 0x2c, 0, 4, 198, 19, 0, 7 };
	assert_int_equal(len, (int)sizeof want);
	assert_memory_equal(out, want, sizeof want);
	/* our own reader agrees */
	struct dns_answer_a a;
	assert_int_equal(dns_msg_parse_answer_a(out, (size_t)len, 0xbeef, "a.test", &a), 0);
	assert_int_equal(a.n_addrs, 1);
	assert_int_equal(a.addrs[0], 0xc6130007);
	len = dns_msg_build_reply(out, sizeof out, q, &dq, DNS_RCODE_NXDOMAIN, 0, 0);
	assert_int_equal(len, (int)n);
	assert_int_equal(out[3], 0x83);
	assert_int_equal(out[7], 0);
	assert_int_equal(dns_msg_build_reply(out, n - 1, q, &dq, DNS_RCODE_NXDOMAIN, 0, 0), -1);
}

static void test_synth_map(void **state)
{
	static struct synth_map m;
	memset(&m, 0, sizeof m);
	uint32_t a = synth_addr_for(&m, "a.test"), b = synth_addr_for(&m, "b.test");
	assert_int_equal(a, 0xc6130001);
	assert_int_equal(b, 0xc6130002);
	assert_int_equal(synth_addr_for(&m, "a.test"), a); /* stable */
	assert_string_equal(synth_name_of(&m, b), "b.test");
	assert_null(synth_name_of(&m, 0xc6130003)); /* not given out */
	assert_null(synth_name_of(&m, 0xc0000201)); /* not the pool */
	assert_true(synth_in_pool(0xc613ffff));
	assert_false(synth_in_pool(0xc6120001));
	char name[32];
	for (int i = 2; i < SYNTH_MAX; i++) {
		snprintf(name, sizeof name, "n%d.test", i);
		assert_int_not_equal(synth_addr_for(&m, name), 0);
	}
	assert_int_equal(m.n, SYNTH_MAX);
	assert_int_equal(synth_addr_for(&m, "one-too-many.test"), 0); /* full: none */
	assert_int_equal(synth_addr_for(&m, "a.test"), a);           /* the old still found */
	snprintf(name, sizeof name, "n%d.test", SYNTH_MAX - 1);
	assert_string_equal(synth_name_of(&m, 0xc6130000 + SYNTH_MAX), name);
}

static void test_name_reachable(void **state)
{
	static struct rules_set set;
	char why[160];
	set.n = 0;
	const char *rules[] = { "allowed.test", "*.sub.test", "10.0.0.0/8", "ssh.test:22" };
	for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++)
		assert_int_equal(rules_add(&set, rules[i], strlen(rules[i]), 0, why, sizeof why), 0);
	assert_int_equal(rules_add(&set, "b.sub.test", 10, 1, why, sizeof why), 0);     /* 80,443: all it had */
	assert_int_equal(rules_add(&set, "ssh.test:1-21", 13, 1, why, sizeof why), 0); /* not 22 */
	assert_string_equal(rules_name_reachable(&set, "allowed.test")->text, "allowed.test");
	assert_string_equal(rules_name_reachable(&set, "ALLOWED.test.")->text, "allowed.test");
	assert_string_equal(rules_name_reachable(&set, "a.sub.test")->text, "*.sub.test");
	assert_null(rules_name_reachable(&set, "sub.test"));   /* not the apex */
	assert_null(rules_name_reachable(&set, "b.sub.test")); /* every port it had is denied */
	assert_null(rules_name_reachable(&set, "10.1.2.3"));   /* an address rule is no name */
	assert_null(rules_name_reachable(&set, "other.test"));
	assert_string_equal(rules_name_reachable(&set, "ssh.test")->text, "ssh.test:22");
	assert_int_equal(rules_add(&set, "*:22", 4, 1, why, sizeof why), 0);
	assert_null(rules_name_reachable(&set, "ssh.test"));
}

/* What the jail's DNS answers, through dns_server_answer itself. */
static void test_dns_server_answers(void **state)
{
	static struct egress_policy dns_pol;
	static struct synth_map m;
	static struct dns_server d;
	char why[160];
	memset(&dns_pol, 0, sizeof dns_pol);
	memset(&m, 0, sizeof m);
	assert_int_equal(rules_add(&dns_pol.set, "allowed.test", 12, 0, why, sizeof why), 0);
	d.policy = &dns_pol;
	d.map = &m;
	int devnull = open("/dev/null", O_WRONLY);
	assert_true(devnull >= 0);
	elog_setup(devnull, LOG_TEXT);
	unsigned char q[512], out[512];
	struct dns_answer_a a;
	size_t n = query(q, 1, "allowed.test", DNS_TYPE_A);
	int len = dns_server_answer(&d, q, n, out, sizeof out);
	assert_int_equal(dns_msg_parse_answer_a(out, (size_t)len, 1, "allowed.test", &a), 0);
	assert_int_equal(a.rcode, 0);
	assert_int_equal(a.n_addrs, 1);
	assert_true(synth_in_pool(a.addrs[0]));
	n = query(q, 2, "allowed.test", DNS_TYPE_AAAA);
	len = dns_server_answer(&d, q, n, out, sizeof out);
	assert_int_equal(len, (int)n); /* NOERROR, no answer */
	assert_int_equal(out[3] & 15, 0);
	n = query(q, 3, "other.test", DNS_TYPE_A);
	len = dns_server_answer(&d, q, n, out, sizeof out);
	assert_int_equal(out[3] & 15, DNS_RCODE_NXDOMAIN);
	assert_int_equal(m.n, 1); /* a refused name is given nothing */
	q[2] |= 0x80;
	assert_int_equal(dns_server_answer(&d, q, n, out, sizeof out), -1);
	elog_setup(STDERR_FILENO, LOG_TEXT);
	close(devnull);
}

/* ---- transparent mode's ClientHello reader ---- */

/* A ClientHello in one record: extensions [server_name NAME] when name. */
static size_t client_hello(unsigned char *b, const char *name, int two_names)
{
	size_t o = 0, nl = name ? strlen(name) : 0;
	unsigned char ext[600];
	size_t e = 0;
	if (name) {
		size_t entry = 3 + nl, list = two_names ? 2 * entry : entry;
		ext[e++] = 0; ext[e++] = 0; /* server_name */
		ext[e++] = (unsigned char)((list + 2) >> 8); ext[e++] = (unsigned char)(list + 2);
		ext[e++] = (unsigned char)(list >> 8); ext[e++] = (unsigned char)list;
		for (int k = 0; k < (two_names ? 2 : 1); k++) {
			ext[e++] = 0; /* host_name */
			ext[e++] = (unsigned char)(nl >> 8); ext[e++] = (unsigned char)nl;
			memcpy(ext + e, name, nl);
			e += nl;
		}
	}
	ext[e++] = 0; ext[e++] = 43; ext[e++] = 0; ext[e++] = 3; ext[e++] = 2; ext[e++] = 3; ext[e++] = 4;
	size_t body = 2 + 32 + 1 + 2 + 2 + 2 + 2 + e;
	b[o++] = 22; b[o++] = 3; b[o++] = 1;
	b[o++] = (unsigned char)((body + 4) >> 8); b[o++] = (unsigned char)(body + 4);
	b[o++] = 1; b[o++] = 0; b[o++] = (unsigned char)(body >> 8); b[o++] = (unsigned char)body;
	b[o++] = 3; b[o++] = 3;
	memset(b + o, 7, 32); o += 32;
	b[o++] = 0;                                /* no session id */
	b[o++] = 0; b[o++] = 2; b[o++] = 0x13; b[o++] = 0x01; /* one suite */
	b[o++] = 1; b[o++] = 0;                    /* null compression */
	b[o++] = (unsigned char)(e >> 8); b[o++] = (unsigned char)e;
	memcpy(b + o, ext, e);
	return o + e;
}

static void test_tls_sni(void **state)
{
	unsigned char b[1024];
	char name[TLS_SNI_MAX + 1];
	size_t n = client_hello(b, "Secure.TEST", 0);
	assert_int_equal(tls_sni_parse(b, n, name), TLS_SNI_OK);
	assert_string_equal(name, "secure.test");
	/* every prefix: more, never a name, never past the bytes (ASan) */
	for (size_t k = 0; k < n; k++)
		assert_int_equal(tls_sni_parse(b, k, name), TLS_SNI_MORE);
	n = client_hello(b, NULL, 0);
	assert_int_equal(tls_sni_parse(b, n, name), TLS_SNI_NONE);
	n = client_hello(b, "a.test", 1);
	assert_int_equal(tls_sni_parse(b, n, name), TLS_SNI_BAD); /* two host names */
	const char *bad[] = { "a..test", "a.test.", ".a.test", "a test", "a\ntest", "a.t\xc3\xa9st" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		n = client_hello(b, bad[i], 0);
		assert_int_equal(tls_sni_parse(b, n, name), TLS_SNI_BAD);
		assert_string_equal(name, "");
	}
	/* a length that claims more than its vector holds */
	n = client_hello(b, "a.test", 0);
	b[5 + 4 + 2 + 32 + 1 + 1] = 0x40; /* cipher_suites length 0x4002 */
	assert_int_equal(tls_sni_parse(b, n, name), TLS_SNI_BAD);
	/* not TLS at all: HTTP, SSH */
	assert_int_equal(tls_sni_parse((const unsigned char *)"GET / HTTP/1.1\r\n", 16, name), TLS_SNI_NOT);
	assert_int_equal(tls_sni_parse((const unsigned char *)"SSH-2.0-x", 9, name), TLS_SNI_NOT);
	/* a ClientHello longer than its record (split over two): not looked into */
	n = client_hello(b, "a.test", 0);
	b[4] = (unsigned char)(b[4] - 10);
	assert_int_equal(tls_sni_parse(b, n - 10, name), TLS_SNI_NONE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_log_text),
		cmocka_unit_test(test_log_json),
		cmocka_unit_test(test_resolv_conf_and_hosts),
		cmocka_unit_test(test_address_policy),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_policy),
		cmocka_unit_test(test_presets),
		cmocka_unit_test(test_dns_parse_query),
		cmocka_unit_test(test_dns_reply_bytes),
		cmocka_unit_test(test_dns_answer_label_longer_than_the_name),
		cmocka_unit_test(test_synth_map),
		cmocka_unit_test(test_name_reachable),
		cmocka_unit_test(test_dns_server_answers),
		cmocka_unit_test(test_tls_sni),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
