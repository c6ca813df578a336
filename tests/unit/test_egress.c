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

#include "egress/elog.h"
#include "egress/policy.h"
#include "egress/proxy.h"
#include "egress/resolve.h"
#include "egress/rules.h"
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
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
