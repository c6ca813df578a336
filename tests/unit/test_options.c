/* Unit tests of the command line and environment (init/options.c): what a
 * user types, what jailinit understands, and the line it says when wrong. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "init/options.h"

static struct options o;
static struct ji_err err;

/* Parse a NULL-terminated list of arguments (after argv[0]) with env. */
static int parse_env(char **env, ...)
{
	static char *argv[64];
	int argc = 0;
	va_list ap;
	char *a;

	argv[argc++] = "jailinit";
	va_start(ap, env);
	while ((a = va_arg(ap, char *)) != NULL)
		argv[argc++] = a;
	va_end(ap);
	argv[argc] = NULL;
	memset(&err, 0, sizeof(err));
	return options_parse(&o, argc, argv, env, &err);
}

static char *no_env[] = { NULL };
#define parse(...) parse_env(no_env, __VA_ARGS__, NULL)

/* The error line main() prints: step (option) and detail. */
static void assert_error_names(const char *needle_step, const char *needle_detail)
{
	if (needle_step != NULL) {
		assert_string_equal(err.step, needle_step);
	}
	if (needle_detail != NULL && strstr(err.detail, needle_detail) == NULL)
		fail_msg("detail '%s' lacks '%s'", err.detail, needle_detail);
}

static void test_defaults(void **state)
{
	assert_int_equal(parse("true"), 0);
	assert_int_equal(o.action, ACTION_RUN);
	assert_string_equal(o.command[0], "true");
	assert_null(o.command[1]);
	assert_int_equal(o.subreaper, 0);
	assert_int_equal(o.kill_group, 0);
	assert_int_equal(o.pdeath_signal, 0);
	assert_int_equal(o.warn_reaped, 0);
	assert_int_equal(o.verbosity, 0);
	assert_int_equal(o.grace_ms, DEFAULT_GRACE_MS);
	assert_int_equal(o.log_format, LOG_TEXT);
	assert_int_equal(o.net, NET_NONE);
	assert_int_equal(o.seccomp, 1);
	assert_int_equal(o.agent_uid, 65534);
	assert_int_equal(o.agent_gid, 65534);
	assert_int_equal(o.agent_user_set, 0);
	assert_int_equal(o.subnet, 0xC6120000u);
	assert_int_equal(o.subnet_prefix, 30);
	assert_null(o.hostname);
	assert_null(o.proxy_cmd);
	assert_false(options_exit_is_zero(&o, 0) && options_exit_is_zero(&o, 1));
}

static void test_tini_flags_and_clusters(void **state)
{
	assert_int_equal(parse("-s", "-g", "-w", "-v", "--", "cmd"), 0);
	assert_true(o.subreaper && o.kill_group && o.warn_reaped);
	assert_int_equal(o.verbosity, 1);

	assert_int_equal(parse("-sgw", "-vvv", "cmd"), 0);
	assert_true(o.subreaper && o.kill_group && o.warn_reaped);
	assert_int_equal(o.verbosity, 3);

	assert_int_equal(parse("-vv", "-v", "cmd"), 0);
	assert_int_equal(o.verbosity, 3);
}

static void test_pdeath_signal(void **state)
{
	assert_int_equal(parse("-p", "SIGKILL", "cmd"), 0);
	assert_int_equal(o.pdeath_signal, SIGKILL);
	assert_int_equal(parse("-pTERM", "cmd"), 0);
	assert_int_equal(o.pdeath_signal, SIGTERM);
	assert_int_equal(parse("-sp", "9", "cmd"), 0);
	assert_int_equal(o.pdeath_signal, 9);
	assert_true(o.subreaper);

	assert_int_equal(parse("-p", "SIGNOPE", "cmd"), -1);
	assert_error_names("-p", "'SIGNOPE' is not a signal");
	assert_int_equal(parse("cmd", "-p"), 0); /* after the command: its own */
	assert_int_equal(parse_env(no_env, "-p", NULL), -1);
	assert_error_names("-p", "needs a value");
}

static void test_exit_zero_repeatable(void **state)
{
	assert_int_equal(parse("-e", "3", "-e143", "-e", "0", "cmd"), 0);
	assert_true(options_exit_is_zero(&o, 3));
	assert_true(options_exit_is_zero(&o, 143));
	assert_true(options_exit_is_zero(&o, 0));
	assert_false(options_exit_is_zero(&o, 1));
	assert_false(options_exit_is_zero(&o, 255));
	assert_false(options_exit_is_zero(&o, 256));

	assert_int_equal(parse("-e", "255", "cmd"), 0);
	assert_true(options_exit_is_zero(&o, 255));

	assert_int_equal(parse("-e", "256", "cmd"), -1);
	assert_error_names("-e", "'256' is not an exit code");
	assert_int_equal(parse("-e", "x", "cmd"), -1);
	assert_error_names("-e", "'x'");
	assert_int_equal(parse("-e", "-1", "cmd"), -1);
}

static void test_help_version_license(void **state)
{
	assert_int_equal(parse("-h"), 0);
	assert_int_equal(o.action, ACTION_HELP);
	assert_int_equal(parse("--help"), 0);
	assert_int_equal(o.action, ACTION_HELP);
	assert_int_equal(parse("--version"), 0);
	assert_int_equal(o.action, ACTION_VERSION);
	assert_int_equal(parse("-l"), 0);
	assert_int_equal(o.action, ACTION_LICENSE);
	/* Answers at once, like tini: what follows does not matter. */
	assert_int_equal(parse("-sh", "--bogus"), 0);
	assert_int_equal(o.action, ACTION_HELP);
	assert_int_equal(parse("--help=x"), -1);
	assert_error_names("--help", "takes no value");
}

static void test_grace(void **state)
{
	assert_int_equal(parse("--grace=2", "cmd"), 0);
	assert_int_equal(o.grace_ms, 2000);
	assert_int_equal(parse("--grace", "0.25", "cmd"), 0);
	assert_int_equal(o.grace_ms, 250);
	assert_int_equal(parse("--grace=0", "cmd"), 0);
	assert_int_equal(o.grace_ms, 0);
	assert_int_equal(parse("--grace=.5", "cmd"), 0);
	assert_int_equal(o.grace_ms, 500);
	assert_int_equal(parse("--grace=1.0009", "cmd"), 0);
	assert_int_equal(o.grace_ms, 1000);
	assert_int_equal(parse("--grace=30", "cmd"), 0);
	assert_int_equal(o.grace_ms, 30000);
	assert_int_equal(parse("--grace=0.5", "cmd"), 0);
	assert_int_equal(o.grace_ms, 500);
	assert_int_equal(parse("--grace=1.25", "cmd"), 0);
	assert_int_equal(o.grace_ms, 1250);
	assert_int_equal(parse("--grace=2.", "cmd"), 0);
	assert_int_equal(o.grace_ms, 2000);
	assert_int_equal(parse("--grace=0.001", "cmd"), 0);
	assert_int_equal(o.grace_ms, 1);

	assert_int_equal(parse("--grace=abc", "cmd"), -1);
	assert_error_names("--grace", "'abc' is not a number of seconds");
	assert_int_equal(parse("--grace=-1", "cmd"), -1);
	assert_int_equal(parse("--grace=", "cmd"), -1);
	assert_int_equal(parse("--grace=.", "cmd"), -1);
	assert_int_equal(parse("--grace=1e3", "cmd"), -1);
	assert_int_equal(parse("--grace=99999999999", "cmd"), -1);
	assert_error_names("--grace", "'99999999999' is out of range (0 to 1000000 seconds)");
	assert_int_equal(parse("--grace=99999999999999999999999999", "cmd"), -1);
	assert_error_names("--grace", "out of range");
	/* The range is 0 to 1000000 seconds, and said so. */
	assert_int_equal(parse("--grace=1000000", "cmd"), 0);
	assert_int_equal(o.grace_ms, 1000000000);
	assert_int_equal(parse("--grace=999999.999", "cmd"), 0);
	assert_int_equal(o.grace_ms, 999999999);
	assert_int_equal(parse("--grace=1000000.001", "cmd"), -1);
	assert_error_names("--grace", "out of range");
	assert_int_equal(parse("--grace=2147483", "cmd"), -1);
	assert_error_names("--grace", "'2147483' is out of range (0 to 1000000 seconds)");
	assert_int_equal(parse("--grace=abc", "cmd"), -1);
	assert_error_names("--grace", "'abc' is not a number of seconds (0 to 1000000, fractions allowed)");
	/* hand-parsed (no strtod): only digits, one optional dot */
	static const char *const bad[] = {
		"--grace=1.2.3", "--grace= 1", "--grace=1 ", "--grace=+1", "--grace=1,5",
		"--grace=0x10", "--grace=1.-5", "--grace=1.5s", "--grace=inf", "--grace=nan",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(parse(bad[i], "cmd"), -1);
		assert_error_names("--grace", "is not a number of seconds");
	}
	assert_int_equal(parse_env(no_env, "--grace", NULL), -1);
	assert_error_names("--grace", "needs a value");
}

static void test_log_format(void **state)
{
	assert_int_equal(parse("--log-format=json", "cmd"), 0);
	assert_int_equal(o.log_format, LOG_JSON);
	assert_int_equal(parse("--log-format", "text", "cmd"), 0);
	assert_int_equal(o.log_format, LOG_TEXT);
	assert_int_equal(parse("--log-format=xml", "cmd"), -1);
	assert_error_names("--log-format", "'xml' is not text or json");
}

static void test_stops_at_first_non_option(void **state)
{
	assert_int_equal(parse("sh", "-c", "exit 3"), 0);
	assert_string_equal(o.command[0], "sh");
	assert_string_equal(o.command[1], "-c");
	assert_string_equal(o.command[2], "exit 3");
	assert_null(o.command[3]);
	assert_int_equal(o.verbosity, 0);

	/* Options after the command belong to it. */
	assert_int_equal(parse("-s", "ls", "-g", "--bogus"), 0);
	assert_true(o.subreaper);
	assert_false(o.kill_group);
	assert_string_equal(o.command[1], "-g");

	/* "--" ends the options; what follows is the command, even "-x". */
	assert_int_equal(parse("-v", "--", "-weird", "--", "x"), 0);
	assert_string_equal(o.command[0], "-weird");
	assert_string_equal(o.command[1], "--");

	/* A lone "-" is not an option (a program may be called that). */
	assert_int_equal(parse("-"), 0);
	assert_string_equal(o.command[0], "-");
}

static void test_no_command(void **state)
{
	assert_int_equal(parse_env(no_env, NULL), -1);
	assert_error_names(NULL, "no command");
	assert_int_equal(parse_env(no_env, "-s", "--", NULL), -1);
	assert_error_names(NULL, "no command");
}

static void test_unknown_options_are_named(void **state)
{
	assert_int_equal(parse("--bogus", "cmd"), -1);
	assert_string_equal(err.step, "");
	assert_error_names(NULL, "unknown option '--bogus'");
	assert_int_equal(parse("--bogus=1", "cmd"), -1);
	assert_error_names(NULL, "unknown option '--bogus'");
	assert_int_equal(parse("-sx", "cmd"), -1);
	assert_error_names(NULL, "unknown option '-x'");
	/* A prefix is not an abbreviation. */
	assert_int_equal(parse("--gra=1", "cmd"), -1);
	assert_error_names(NULL, "unknown option '--gra'");
	assert_int_equal(parse("--json", "cmd"), -1);
	assert_error_names("--json", "jailinit check");
}

static void test_net_default_resolution(void **state)
{
	assert_int_equal(parse("cmd"), 0);
	assert_int_equal(o.net, NET_NONE);
	assert_int_equal(parse("--proxy-port", "3128", "cmd"), 0);
	assert_int_equal(o.net, NET_PROXY);
	assert_int_equal(o.proxy_port, 3128);
	assert_int_equal(parse("--net=transparent", "--proxy-port=3128", "cmd"), 0);
	assert_int_equal(o.net, NET_TRANSPARENT);
	assert_int_equal(parse("--net", "host", "cmd"), 0);
	assert_int_equal(o.net, NET_HOST);
	assert_int_equal(parse("--net", "none", "cmd"), 0);
	assert_int_equal(o.net, NET_NONE);
	assert_int_equal(parse("--net=proxy", "--proxy-port", "8080", "cmd"), 0);
	assert_int_equal(o.net, NET_PROXY);
	/* host ignores jail options: an operator may opt out by environment. */
	assert_int_equal(parse("--net=host", "--proxy-port", "8080", "cmd"), 0);
	assert_int_equal(o.net, NET_HOST);
}

static void test_net_contradictions(void **state)
{
	assert_int_equal(parse("--net=transparent", "cmd"), -1);
	assert_error_names("--net", "transparent needs --proxy-port");
	assert_int_equal(parse("--net=proxy", "cmd"), -1);
	assert_error_names("--net", "proxy needs --proxy-port");
	assert_int_equal(parse("--proxy", "/usr/bin/tinyproxy -d", "cmd"), -1);
	assert_error_names("--proxy", "needs --proxy-port");
	assert_int_equal(parse("--net=none", "--proxy-port=3128", "cmd"), -1);
	assert_error_names("--net", "--proxy-port");
	assert_int_equal(parse("--net=none", "--dns-port=53", "cmd"), -1);
	assert_error_names("--net", "--dns-port");
	assert_int_equal(parse("--dns-port=53", "cmd"), -1); /* default none */
	assert_error_names("--dns-port", "needs --proxy-port");
	assert_int_equal(parse("--proxy-port=3128", "--dns-port=53", "cmd"), 0);
	assert_int_equal(o.dns_port, 53);
	assert_int_equal(parse("--proxy-port=3128", "--proxy-user=100", "cmd"), -1);
	assert_error_names("--proxy-user", "needs --proxy");
	assert_int_equal(parse("--net=wide", "cmd"), -1);
	assert_error_names("--net", "'wide' is not none, proxy, transparent or host");
}

static void test_jail_options(void **state)
{
	assert_int_equal(parse("--proxy-port", "3128", "--proxy", "/usr/sbin/tinyproxy -d -c /etc/t.conf",
			       "--proxy-user=100:101", "--dns-port", "5353", "--seccomp=off", "--hostname",
			       "agent-box", "--user", "1000:1001", "--subnet=10.9.8.4/30", "--", "agent"),
			 0);
	assert_int_equal(o.proxy_port, 3128);
	assert_string_equal(o.proxy_cmd, "/usr/sbin/tinyproxy -d -c /etc/t.conf");
	assert_true(o.proxy_user_set);
	assert_int_equal(o.proxy_uid, 100);
	assert_int_equal(o.proxy_gid, 101);
	assert_int_equal(o.dns_port, 5353);
	assert_int_equal(o.seccomp, 0);
	assert_string_equal(o.hostname, "agent-box");
	assert_true(o.agent_user_set);
	assert_int_equal(o.agent_uid, 1000);
	assert_int_equal(o.agent_gid, 1001);
	assert_int_equal(o.subnet, 0x0A090804u);
	assert_int_equal(o.subnet_prefix, 30);
	assert_string_equal(o.command[0], "agent");

	assert_int_equal(parse("--user=1000", "--seccomp", "on", "--subnet", "10.0.0.6/31", "cmd"), 0);
	assert_int_equal(o.agent_uid, 1000);
	assert_int_equal(o.agent_gid, 1000); /* a lone UID: GID = UID, never 0 */
	assert_int_equal(o.seccomp, 1);
	assert_int_equal(o.subnet, 0x0A000006u);
	assert_int_equal(o.subnet_prefix, 31);
	assert_int_equal(parse("--user", "0", "cmd"), 0);
	assert_int_equal(o.agent_uid, 0);
	assert_true(o.agent_user_set);
}

/* The container ids the agent is: 65520:65520 unless chosen, never 0. */
static void test_outside_user(void **state)
{
	assert_int_equal(parse("--user", "0", "cmd"), 0);
	assert_int_equal(o.outside_uid, 65520);
	assert_int_equal(o.outside_gid, 65520);
	assert_false(o.outside_user_set);
	assert_int_equal(parse("--outside-user=61000:1001", "cmd"), 0);
	assert_int_equal(o.outside_uid, 61000);
	assert_int_equal(o.outside_gid, 1001);
	assert_true(o.outside_user_set);
	char *env[] = { "JAILINIT_OUTSIDE_USER=62000", NULL };
	assert_int_equal(parse_env(env, "cmd", NULL), 0);
	assert_int_equal(o.outside_uid, 62000);
	assert_int_equal(o.outside_gid, 62000);
	assert_int_equal(parse_env(env, "--outside-user", "63000", "cmd", NULL), 0);
	assert_int_equal(o.outside_uid, 63000); /* the command line wins */
	assert_int_equal(parse("--outside-user", "0", "cmd"), -1);
	assert_error_names("--outside-user", "the container's root user");
	assert_int_equal(parse("--outside-user=1000:0", "cmd"), -1);
	assert_error_names("--outside-user", "the container's root group");
	assert_int_equal(parse("--outside-user=agent", "cmd"), -1);
	assert_error_names("--outside-user", "'agent' is not UID or UID:GID");
	char *env0[] = { "JAILINIT_OUTSIDE_USER=0", NULL };
	assert_int_equal(parse_env(env0, "cmd", NULL), -1);
	assert_error_names("JAILINIT_OUTSIDE_USER", "root");
	/* the proxy must not be the agent's container ids */
	assert_int_equal(parse("--proxy-port=3128", "--proxy=/p", "--proxy-user=65520", "cmd"), -1);
	assert_error_names("--proxy-user", "--outside-user 65520:65520");
	assert_int_equal(parse("--proxy-port=3128", "--proxy=/p", "--proxy-user=1000", "--outside-user=1001", "cmd"), 0);
}

static void test_jail_option_errors(void **state)
{
	assert_int_equal(parse("--proxy-port=0", "cmd"), -1);
	assert_error_names("--proxy-port", "'0' is not a port");
	assert_int_equal(parse("--proxy-port=65536", "cmd"), -1);
	assert_error_names("--proxy-port", "'65536'");
	assert_int_equal(parse("--proxy-port", "http", "cmd"), -1);
	assert_int_equal(parse("--dns-port=-53", "cmd"), -1);
	assert_error_names("--dns-port", "'-53'");
	assert_int_equal(parse("--seccomp=maybe", "cmd"), -1);
	assert_error_names("--seccomp", "'maybe' is not on or off");
	assert_int_equal(parse("--user=nobody", "cmd"), -1);
	assert_error_names("--user", "'nobody'");
	assert_int_equal(parse("--user=1:", "cmd"), -1);
	assert_int_equal(parse("--user=:1", "cmd"), -1);
	assert_int_equal(parse("--user=4294967295", "cmd"), -1);
	assert_int_equal(parse("--hostname=bad_name!", "cmd"), -1);
	assert_error_names("--hostname", "'bad_name!'");
	assert_int_equal(parse("--hostname=", "cmd"), -1);
	assert_int_equal(parse("--proxy= ", "--proxy-port=1", "cmd"), -1);
	assert_error_names("--proxy", "empty");
}

static void test_subnet(void **state)
{
	assert_int_equal(parse("--subnet=10.0.0.1/30", "cmd"), -1);
	assert_error_names("--subnet", "not the network address of a /30 (try 10.0.0.0/30)");
	assert_int_equal(parse("--subnet=10.0.0.1/31", "cmd"), -1);
	assert_error_names("--subnet", "try 10.0.0.0/31");
	assert_int_equal(parse("--subnet=10.0.0.0/24", "cmd"), -1);
	assert_error_names("--subnet", "/30 or /31");
	assert_int_equal(parse("--subnet=10.0.0.0", "cmd"), -1);
	assert_int_equal(parse("--subnet=10.0.256.0/30", "cmd"), -1);
	assert_int_equal(parse("--subnet=10.0.0/30", "cmd"), -1);
	assert_int_equal(parse("--subnet=10.0.0.0.0/30", "cmd"), -1);
	assert_int_equal(parse("--subnet=10.0.0.0/32", "cmd"), -1);
	assert_error_names("--subnet", "/30 or /31");

	/* Ranges no link can use are refused here, with the reason, not by
	 * the kernel later (71) or never (240/4, the broadcast). */
	static const char *const unusable[][2] = {
		{ "0.0.0.0/30", "this network" }, { "0.0.0.0/31", "this network" },
		{ "0.255.255.252/30", "this network" }, { "127.0.0.0/30", "loopback" },
		{ "127.255.255.254/31", "loopback" }, { "224.0.0.0/30", "multicast" },
		{ "239.255.255.252/30", "multicast" }, { "240.0.0.0/30", "reserved" },
		{ "255.255.255.252/30", "255.255.255.255" }, { "255.255.255.254/31", "reserved" },
	};
	for (size_t i = 0; i < sizeof unusable / sizeof unusable[0]; i++) {
		char arg[48];
		snprintf(arg, sizeof arg, "--subnet=%s", unusable[i][0]);
		assert_int_equal(parse(arg, "cmd"), -1);
		assert_error_names("--subnet", unusable[i][0]);
		assert_error_names("--subnet", unusable[i][1]);
	}
	/* Their neighbours are ordinary unicast. */
	assert_int_equal(parse("--subnet=1.0.0.0/30", "cmd"), 0);
	assert_int_equal(o.subnet, 0x01000000u);
	assert_int_equal(parse("--subnet=126.255.255.252/30", "cmd"), 0);
	assert_int_equal(parse("--subnet=128.0.0.0/31", "cmd"), 0);
	assert_int_equal(parse("--subnet=223.255.255.252/30", "cmd"), 0);
	assert_int_equal(o.subnet, 0xDFFFFFFCu);
}

static void test_check_subcommand(void **state)
{
	assert_int_equal(parse("check"), 0);
	assert_int_equal(o.action, ACTION_CHECK);
	assert_null(o.command);
	assert_int_equal(o.check_json, 0);
	assert_int_equal(o.net, NET_NONE);

	assert_int_equal(parse("check", "--json", "--net", "transparent", "--proxy-port", "3128"), 0);
	assert_int_equal(o.action, ACTION_CHECK);
	assert_int_equal(o.check_json, 1);
	assert_int_equal(o.net, NET_TRANSPARENT);
	assert_int_equal(o.proxy_port, 3128);

	assert_int_equal(parse("check", "--net=transparent"), -1);
	assert_error_names("--net", "--proxy-port");
	assert_int_equal(parse("check", "ls"), -1);
	assert_error_names("check", "takes no command");

	/* Only as the first argument: elsewhere "check" is a command. */
	assert_int_equal(parse("-s", "check"), 0);
	assert_int_equal(o.action, ACTION_RUN);
	assert_string_equal(o.command[0], "check");
	assert_int_equal(parse("--", "check"), 0);
	assert_int_equal(o.action, ACTION_RUN);
}

static void test_environment(void **state)
{
	char *env[] = { "PATH=/bin", "JAILINIT_SUBREAPER=1", "JAILINIT_KILL_PROCESS_GROUP=yes",
			"JAILINIT_VERBOSITY=2", "JAILINIT_GRACE=1.5", "JAILINIT_LOG_FORMAT=json",
			"JAILINIT_NET=host", NULL };

	assert_int_equal(parse_env(env, "cmd", NULL), 0);
	assert_true(o.subreaper);
	assert_true(o.kill_group);
	assert_int_equal(o.verbosity, 2);
	assert_int_equal(o.grace_ms, 1500);
	assert_int_equal(o.log_format, LOG_JSON);
	assert_int_equal(o.net, NET_HOST);
}

static void test_tini_aliases(void **state)
{
	char *tini[] = { "TINI_SUBREAPER=", "TINI_KILL_PROCESS_GROUP=1", "TINI_VERBOSITY=3", NULL };
	char *both[] = { "TINI_SUBREAPER=1", "JAILINIT_SUBREAPER=0", "TINI_VERBOSITY=4",
			 "JAILINIT_VERBOSITY=0", "TINI_KILL_PROCESS_GROUP=0",
			 "JAILINIT_KILL_PROCESS_GROUP=1", NULL };

	/* tini: set at all (even empty) means on; its verbosity 1 is our 0. */
	assert_int_equal(parse_env(tini, "cmd", NULL), 0);
	assert_true(o.subreaper);
	assert_true(o.kill_group);
	assert_int_equal(o.verbosity, 2);

	/* JAILINIT_* wins over TINI_* whichever is set. */
	assert_int_equal(parse_env(both, "cmd", NULL), 0);
	assert_false(o.subreaper);
	assert_true(o.kill_group);
	assert_int_equal(o.verbosity, 0);
}

static void test_command_line_beats_environment(void **state)
{
	char *env[] = { "JAILINIT_GRACE=9", "JAILINIT_NET=host", "JAILINIT_LOG_FORMAT=json",
			"JAILINIT_VERBOSITY=3", NULL };

	assert_int_equal(parse_env(env, "--grace=1", "--net=none", "--log-format=text", "-v", "cmd", NULL), 0);
	assert_int_equal(o.grace_ms, 1000);
	assert_int_equal(o.net, NET_NONE);
	assert_int_equal(o.log_format, LOG_TEXT);
	assert_int_equal(o.verbosity, 1);

	/* Without the options, the environment holds. */
	assert_int_equal(parse_env(env, "cmd", NULL), 0);
	assert_int_equal(o.grace_ms, 9000);
	assert_int_equal(o.verbosity, 3);
}

static void test_environment_errors_name_the_variable(void **state)
{
	char *grace[] = { "JAILINIT_GRACE=soon", NULL };
	char *verb[] = { "TINI_VERBOSITY=loud", NULL };
	char *net[] = { "JAILINIT_NET=open", NULL };
	char *off[] = { "JAILINIT_SUBREAPER=off", "JAILINIT_KILL_PROCESS_GROUP=false", NULL };

	assert_int_equal(parse_env(grace, "cmd", NULL), -1);
	assert_error_names("JAILINIT_GRACE", "'soon' is not a number of seconds");
	assert_int_equal(parse_env(verb, "cmd", NULL), -1);
	assert_error_names("TINI_VERBOSITY", "'loud'");
	assert_int_equal(parse_env(net, "cmd", NULL), -1);
	assert_error_names("JAILINIT_NET", "'open'");
	assert_int_equal(parse_env(off, "cmd", NULL), 0);
	assert_false(o.subreaper);
	assert_false(o.kill_group);
	/* Prefix of a name is not the name. */
	char *near[] = { "JAILINIT_NETWORK=open", "JAILINIT_NE=x", NULL };
	assert_int_equal(parse_env(near, "cmd", NULL), 0);
	assert_int_equal(o.net, NET_NONE);
}

static void test_reentrant(void **state)
{
	struct options a, b;
	struct ji_err e1, e2;
	char *av1[] = { "jailinit", "-s", "--grace=1", "x", NULL };
	char *av2[] = { "jailinit", "-g", "y", NULL };

	/* No state kept between calls: the second parse starts clean. */
	assert_int_equal(options_parse(&a, 4, av1, no_env, &e1), 0);
	assert_int_equal(options_parse(&b, 3, av2, no_env, &e2), 0);
	assert_true(a.subreaper);
	assert_false(b.subreaper);
	assert_int_equal(b.grace_ms, DEFAULT_GRACE_MS);
	assert_string_equal(a.command[0], "x");
	assert_string_equal(b.command[0], "y");
}

static void test_signal_from_name(void **state)
{
	assert_int_equal(signal_from_name("SIGTERM"), SIGTERM);
	assert_int_equal(signal_from_name("TERM"), SIGTERM);
	assert_int_equal(signal_from_name("term"), SIGTERM);
	assert_int_equal(signal_from_name("15"), 15);
	assert_int_equal(signal_from_name("SIGKILL"), SIGKILL);
	assert_int_equal(signal_from_name("SIGHUP"), SIGHUP);
	assert_int_equal(signal_from_name("USR1"), SIGUSR1);
	assert_int_equal(signal_from_name("SIGCHLD"), SIGCHLD);
	assert_int_equal(signal_from_name("SIGWINCH"), SIGWINCH);
	assert_int_equal(signal_from_name("SIGSYS"), SIGSYS);
	/* As a shell on glibc says them (kill -l), whatever this libc's
	 * SIGRTMIN (musl's is 35): RTMIN 34 ... RTMAX 64. */
	assert_int_equal(signal_from_name("SIGRTMIN"), 34);
	assert_int_equal(signal_from_name("rtmin"), 34);
	assert_int_equal(signal_from_name("SIGRTMIN+3"), 37);
	assert_int_equal(signal_from_name("RTMIN+30"), 64);
	assert_int_equal(signal_from_name("RTMAX-1"), 63);
	assert_int_equal(signal_from_name("RTMAX-30"), 34);
	assert_int_equal(signal_from_name("SIGRTMAX"), 64);
	assert_int_equal(signal_from_name("64"), 64);
	assert_int_equal(signal_from_name("34"), 34);
	assert_int_equal(signal_from_name("32"), 32);
	assert_int_equal(signal_from_name("RTMIN+31"), -1);
	assert_int_equal(signal_from_name("RTMAX-31"), -1);
	assert_int_equal(signal_from_name("RTMIN-1"), -1);
	assert_int_equal(signal_from_name("RTMAX+1"), -1);

	assert_int_equal(signal_from_name("0"), -1);
	assert_int_equal(signal_from_name("65"), -1);
	assert_int_equal(signal_from_name(""), -1);
	assert_int_equal(signal_from_name(NULL), -1);
	assert_int_equal(signal_from_name("SIG"), -1);
	assert_int_equal(signal_from_name("SIGTERMX"), -1);
	assert_int_equal(signal_from_name("SIGRTMIN+100"), -1);
	assert_int_equal(signal_from_name("SIGRTMIN-1"), -1);
	assert_int_equal(signal_from_name("15x"), -1);
	assert_int_equal(signal_from_name("-15"), -1);
}


/* ---- the egress policy (issue 9) ---- */

static void test_allow_starts_the_builtin_proxy(void **state)
{
	assert_int_equal(parse("--allow", "example.com", "--allow=*.npm.test:443", "--deny", "x.npm.test", "true"), 0);
	assert_true(options_egress(&o));
	assert_int_equal(o.n_allow, 2);
	assert_string_equal(o.allow[0], "example.com");
	assert_string_equal(o.allow[1], "*.npm.test:443");
	assert_int_equal(o.n_deny, 1);
	assert_int_equal(o.net, NET_PROXY);
	assert_int_equal(o.proxy_port, DEFAULT_EGRESS_PORT);
	/* a port of one's own */
	assert_int_equal(parse("--allow", "a.test", "--proxy-port", "8888", "true"), 0);
	assert_int_equal(o.proxy_port, 8888);
	/* --proxy-user is the built-in proxy's too */
	assert_int_equal(parse("--allow", "a.test", "--proxy-user", "4000", "true"), 0);
	assert_int_equal(o.proxy_uid, 4000);
	/* no rule: no built-in proxy, the old defaults */
	assert_int_equal(parse("true"), 0);
	assert_false(options_egress(&o));
	assert_int_equal(o.net, NET_NONE);
}

static void test_allow_from_the_environment(void **state)
{
	char *env[] = { "JAILINIT_ALLOW=a.test, github.test:22,443 *.b.test", "JAILINIT_RESOLV_CONF=/r",
			"JAILINIT_HOSTS=/h", "JAILINIT_EGRESS_LIMITS=conns=10,header_ms=500", NULL };

	assert_int_equal(parse_env(env, "true", NULL), 0);
	assert_true(options_egress(&o));
	assert_int_equal(o.n_allow, 0);
	assert_string_equal(o.allow_env, "a.test, github.test:22,443 *.b.test");
	assert_string_equal(o.resolv_conf, "/r");
	assert_string_equal(o.hosts_file, "/h");
	assert_int_equal(o.egress_conns, 10);
	assert_int_equal(o.egress_header_ms, 500);
	assert_int_equal(o.egress_idle_ms, 0);
	assert_int_equal(o.net, NET_PROXY);

	char *bad[] = { "JAILINIT_ALLOW=a.test b..test", NULL };
	assert_int_equal(parse_env(bad, "true", NULL), -1);
	assert_error_names("JAILINIT_ALLOW", "'b..test'");
	char *blank[] = { "JAILINIT_ALLOW= , ", NULL };
	assert_int_equal(parse_env(blank, "true", NULL), 0);
	assert_false(options_egress(&o));
	char *lim[] = { "JAILINIT_EGRESS_LIMITS=conns=x", NULL };
	assert_int_equal(parse_env(lim, "true", NULL), -1);
	assert_error_names("JAILINIT_EGRESS_LIMITS", "conns=x");
}

static void test_allow_errors(void **state)
{
	assert_int_equal(parse("--allow", "bad host", "true"), -1);
	assert_error_names("--allow", "'bad host'");
	assert_int_equal(parse("--allow", "a.test:70000", "true"), -1);
	assert_error_names("--allow", "'a.test:70000'");
	assert_int_equal(parse("--deny", "a.test:0", "--allow", "b.test", "true"), -1);
	assert_error_names("--deny", "'a.test:0'");
	assert_int_equal(parse("--allow", "a.test", "--proxy-port", "1", "--proxy", "/bin/p", "true"), -1);
	assert_error_names("--allow", "choose one");
	assert_int_equal(parse("--allow", "a.test", "--net", "transparent", "true"), 0);
	assert_int_equal(o.net, NET_TRANSPARENT);
	assert_int_equal(o.proxy_port, 3128); /* the built-in proxy's, as in explicit mode */
	assert_int_equal(parse("--allow", "a.test", "--subnet", "198.19.7.0/30", "true"), -1);
	assert_error_names("--subnet", "synthetic");
	assert_int_equal(parse("--allow", "a.test", "--net", "none", "true"), -1);
	assert_error_names("--net", NULL);
	assert_int_equal(parse("--deny", "a.test", "true"), -1);
	assert_error_names("--deny", "needs --allow");
	assert_int_equal(parse("--audit-log", "/tmp/x", "true"), -1);
	assert_error_names("--audit-log", "needs --allow");
	assert_int_equal(parse("--allow-file", "", "true"), -1);
	assert_error_names("--allow-file", "empty");
	/* --net host keeps its meaning: everything accepted, nothing applied */
	assert_int_equal(parse("--net", "host", "--allow", "a.test", "true"), 0);
}

/* Issue 15, 4 and 5: the self-check and the agent's user from the
 * environment, for images whose ENTRYPOINT carries the options. */
static void test_check_and_user_from_the_environment(void **state)
{
	char *user[] = { "JAILINIT_USER=1000:1001", NULL };
	assert_int_equal(parse_env(user, "--net", "none", "cmd", NULL), 0);
	assert_int_equal(o.agent_uid, 1000);
	assert_int_equal(o.agent_gid, 1001);
	assert_true(o.agent_user_set);
	assert_int_equal(parse_env(user, "--user", "7", "cmd", NULL), 0);
	assert_int_equal(o.agent_uid, 7); /* the command line wins */
	char *check[] = { "JAILINIT_CHECK=1", NULL };
	assert_int_equal(parse_env(check, "--net", "none", "--", "agent", "--flag", NULL), 0);
	assert_int_equal(o.action, ACTION_CHECK); /* the ENTRYPOINT's command is not run */
	assert_false(o.check_json);
	char *json[] = { "JAILINIT_CHECK=json", NULL };
	assert_int_equal(parse_env(json, "--net", "none", "agent", NULL), 0);
	assert_int_equal(o.action, ACTION_CHECK);
	assert_true(o.check_json);
	char *off[] = { "JAILINIT_CHECK=0", NULL };
	assert_int_equal(parse_env(off, "--net", "none", "agent", NULL), 0);
	assert_int_equal(o.action, ACTION_RUN);
	char *bad[] = { "JAILINIT_CHECK=yes", NULL };
	assert_int_equal(parse_env(bad, "agent", NULL), -1);
	assert_error_names("JAILINIT_CHECK", "'yes' is not 0, 1 or json");
	char *baduser[] = { "JAILINIT_USER=nobody", NULL };
	assert_int_equal(parse_env(baduser, "agent", NULL), -1);
	assert_error_names("JAILINIT_USER", "'nobody'");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_tini_flags_and_clusters),
		cmocka_unit_test(test_pdeath_signal),
		cmocka_unit_test(test_exit_zero_repeatable),
		cmocka_unit_test(test_help_version_license),
		cmocka_unit_test(test_grace),
		cmocka_unit_test(test_log_format),
		cmocka_unit_test(test_stops_at_first_non_option),
		cmocka_unit_test(test_no_command),
		cmocka_unit_test(test_unknown_options_are_named),
		cmocka_unit_test(test_net_default_resolution),
		cmocka_unit_test(test_net_contradictions),
		cmocka_unit_test(test_jail_options),
		cmocka_unit_test(test_jail_option_errors),
		cmocka_unit_test(test_subnet),
		cmocka_unit_test(test_check_subcommand),
		cmocka_unit_test(test_environment),
		cmocka_unit_test(test_tini_aliases),
		cmocka_unit_test(test_command_line_beats_environment),
		cmocka_unit_test(test_environment_errors_name_the_variable),
		cmocka_unit_test(test_outside_user),
		cmocka_unit_test(test_reentrant),
		cmocka_unit_test(test_signal_from_name),
		cmocka_unit_test(test_allow_starts_the_builtin_proxy),
		cmocka_unit_test(test_allow_from_the_environment),
		cmocka_unit_test(test_allow_errors),
		cmocka_unit_test(test_check_and_user_from_the_environment),
	};

	return cmocka_run_group_tests_name("options", tests, NULL, NULL);
}
