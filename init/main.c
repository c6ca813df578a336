/* main: jailinit's entry point. Parses, then either answers (help, version,
 * license, check) or runs the command: in the jail, or with --net host as a
 * plain supervisor. The only place that prints errors and picks the exit
 * code. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "../check/check.h"
#include "../egress/rules.h"
#include "../base/err.h"
#include "run.h"
#include "../base/log.h"
#include "options.h"
#include "../supervise/spawn.h"
#include "../supervise/supervise.h"

static const char usage_text[] =
	"Usage: jailinit [OPTIONS] [--] COMMAND [ARG...]\n"
	"       jailinit check [--json] [JAIL OPTIONS]\n"
	"       jailinit --help | --version | -l\n"
	"\n"
	"Runs COMMAND as the container's init: reaps zombies, forwards signals,\n"
	"exits with COMMAND's status; and jails COMMAND's network (the default).\n"
	"Parsing stops at the first non-option: `jailinit sh -c 'exit 3'` works.\n"
	"\n"
	"Supervision (tini compatible):\n"
	"  -s              be a child subreaper (automatic when not PID 1)\n"
	"  -g              forward signals to COMMAND's process group\n"
	"  -p SIGNAL       parent-death signal for jailinit (e.g. -p SIGKILL;\n"
	"                  RTMIN is 34, as a shell says it)\n"
	"  -e CODE         report exit code CODE of COMMAND as 0 (repeatable)\n"
	"  -w              log every reaped orphan\n"
	"  -v              more log (repeatable: -vv, -vvv)\n"
	"  --grace=SECONDS when COMMAND ends: SIGTERM the rest, wait up to SECONDS\n"
	"                  (0-1000000, fractions allowed; default 5; 0 = SIGKILL\n"
	"                  at once), then SIGKILL; a SIGTERM/SIGINT meanwhile\n"
	"                  kills at once\n"
	"  --log-format=text|json\n"
	"\n"
	"Egress policy (jailinit's own proxy; docs/egress.md):\n"
	"  --allow RULE           allow HOST[:PORTS] (repeatable): example.com,\n"
	"                         *.example.com, 10.1.2.3, 10.0.0.0/8, *; PORTS 443,\n"
	"                         80,443, 1-65535 (default 80,443); or a preset, @npm\n"
	"                         @pypi @github @debian @anthropic @openai (their rules\n"
	"                         are listed at the end). Implies --net proxy and\n"
	"                         --proxy-port 3128; not with --proxy\n"
	"  --allow-file PATH      one rule a line, # comments\n"
	"  --deny RULE            an exception to the allowed (deny wins)\n"
	"  --audit-log PATH       the decision log to this file (else stderr)\n"
	"\n"
	"Jail:\n"
	"  --net none|proxy|transparent|host\n"
	"                  none: loopback only (default without --proxy-port)\n"
	"                  proxy: only the proxy port (default with --proxy-port)\n"
	"                  transparent: every TCP connection goes to the proxy\n"
	"                  host: NO JAIL, supervision only (explicit opt-out)\n"
	"  --proxy-port PORT      the proxy's port in the container\n"
	"  --proxy 'PATH ARG...'  start the proxy (split on spaces, no shell)\n"
	"  --proxy-user UID[:GID] run the proxy as this user (built-in: 65533)\n"
	"  --dns-port PORT        send the jail's DNS to this port (with --allow and\n"
	"                         without it, jailinit answers it: allowed names only)\n"
	"  --seccomp=on|off       the agent's seccomp filter (default on)\n"
	"  --hostname NAME        the jail's host name\n"
	"  --user UID[:GID]       the agent's ids in the jail (default 65534:65534)\n"
	"  --outside-user UID[:GID]\n"
	"                  the container ids the agent is (default 65520:65520; never 0)\n"
	"  --subnet A.B.C.D/30|31 the jail link (default 198.18.0.0/30)\n"
	"\n"
	"Both --opt=VALUE and --opt VALUE work. Environment: JAILINIT_SUBREAPER,\n"
	"JAILINIT_KILL_PROCESS_GROUP, JAILINIT_VERBOSITY (TINI_* aliases),\n"
	"JAILINIT_GRACE, JAILINIT_LOG_FORMAT, JAILINIT_NET, JAILINIT_OUTSIDE_USER,\n"
	"JAILINIT_USER, JAILINIT_CHECK=1|json (the self-check instead of the command),\n"
	"JAILINIT_ALLOW (rules separated by spaces or commas), JAILINIT_RESOLV_CONF,\n"
	"JAILINIT_HOSTS, JAILINIT_EGRESS_LIMITS.\n"
	"Exit codes: COMMAND's own; 128+N killed by signal N; 64 usage;\n"
	"69 the proxy failed; 71 setup failed; 77 the container forbids the jail;\n"
	"126 cannot execute; 127 not found. See docs/usage.md.\n";

static const char license_text[] =
	"jailinit is released under the MIT License.\n"
	"\n"
	"Permission is hereby granted, free of charge, to any person obtaining a copy\n"
	"of this software and associated documentation files (the \"Software\"), to deal\n"
	"in the Software without restriction, including without limitation the rights\n"
	"to use, copy, modify, merge, publish, distribute, sublicense, and/or sell\n"
	"copies of the Software, and to permit persons to whom the Software is\n"
	"furnished to do so, subject to the following conditions:\n"
	"\n"
	"The above copyright notice and this permission notice shall be included in\n"
	"all copies or substantial portions of the Software.\n"
	"\n"
	"THE SOFTWARE IS PROVIDED \"AS IS\", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR\n"
	"IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,\n"
	"FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE\n"
	"AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER\n"
	"LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,\n"
	"OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE\n"
	"SOFTWARE.\n";

static int print_stdout(const char *s)
{
	/* stdout closed: --help | head is not our error to log */
	return log_write_all(STDOUT_FILENO, s, strlen(s)) == 0 ? 0 : 1;
}

/* The presets' rules, from the table the proxy uses: --help cannot drift. */
static int print_presets(void)
{
	size_t n;
	const struct rules_preset *p = rules_presets(&n);
	if (print_stdout("\nPresets (--allow @NAME stands for these rules):\n"))
		return 1;
	for (size_t i = 0; i < n; i++) {
		char line[512];
		int len = snprintf(line, sizeof line, "  %-11s %s:\n             ", p[i].name, p[i].what);
		int col = 13;
		for (const char *const *r = p[i].rules; *r && len > 0 && (size_t)len < sizeof line; r++) {
			int wrap = col + 1 + (int)strlen(*r) > 79;
			len += snprintf(line + len, sizeof line - (size_t)len, "%s %s", wrap ? "\n             " : "", *r);
			col = (wrap ? 13 : col) + 1 + (int)strlen(*r);
		}
		if (len <= 0 || (size_t)len >= sizeof line - 1 || print_stdout(line) || print_stdout("\n"))
			return 1;
	}
	return 0;
}

/* --net host: the plain supervisor, no jail. */
static int run_unjailed(const struct options *o)
{
	struct supervise_config cfg = {
		.kill_group = o->kill_group,
		.warn_reaped = o->warn_reaped,
		.grace_ms = o->grace_ms,
	};
	struct ji_err err;
	int status, code;
	pid_t pid;

	log_msg(LOG_WARN, "--net host: the command runs WITHOUT a network jail (explicit opt-out)");
	if (o->proxy_port != 0 || o->proxy_cmd != NULL || o->dns_port != 0 || o->agent_user_set ||
	    o->outside_user_set || o->hostname != NULL)
		log_msg(LOG_WARN, "--net host: --proxy*, --dns-port, --user, --outside-user and --hostname are not applied");
	if (supervise_prepare() != 0) {
		ji_fail(&err, "supervise", errno, "making the supervision loop's descriptors before the command starts");
		log_err(&err);
		return EXIT_SETUP;
	}
	pid = spawn_command(o->command, &err);
	if (pid < 0) {
		log_err(&err);
		return err.exit_code != 0 ? err.exit_code : EXIT_SETUP;
	}
	log_msg(LOG_INFO, "started '%s' as pid=%d", o->command[0], (int)pid);
	status = supervise_run(&cfg, pid, NULL); /* no on_reap: nothing forces */
	if (status < 0) {
		ji_fail(&err, "supervise", errno, "the supervision loop failed");
		log_err(&err);
		return EXIT_SETUP;
	}
	code = status_to_exit_code(status);
	return options_exit_is_zero(o, code) ? 0 : code;
}

int main(int argc, char **argv, char **envp)
{
	struct options o;
	struct ji_err err;

	/* First of all: no signal may be lost or act on the init before the
	 * loop reads them (the child gets the original mask back). */
	if (supervise_block_signals() != 0) {
		ji_fail(&err, "block signals", errno, NULL);
		log_err(&err);
		return EXIT_SETUP;
	}
	if (options_parse(&o, argc, argv, envp, &err) != 0) {
		log_setup(o.log_format, 0);
		log_err(&err);
		return EXIT_USAGE;
	}
	log_setup(o.log_format, o.verbosity);
	switch (o.action) {
	case ACTION_HELP:
		return print_stdout(usage_text) || print_presets();
	case ACTION_VERSION:
		return print_stdout("jailinit " JAILINIT_VERSION "\n");
	case ACTION_LICENSE:
		return print_stdout(license_text);
	case ACTION_CHECK:
		return check_main(&o);
	case ACTION_RUN:
		break;
	}
	if (o.pdeath_signal != 0 && prctl(PR_SET_PDEATHSIG, o.pdeath_signal) != 0) {
		ji_fail(&err, "-p", errno, "cannot set the parent-death signal %d", o.pdeath_signal);
		log_err(&err);
		return EXIT_SETUP;
	}
	/* Not PID 1: without this, orphans would go to the real init and the
	 * grace period could not reach them. */
	if (o.subreaper || getpid() != 1) {
		if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) {
			ji_fail(&err, "subreaper", errno, "cannot become a child subreaper");
			log_err(&err);
			return EXIT_SETUP;
		}
	}
	if (o.net == NET_HOST)
		return run_unjailed(&o);
	return run_jailed(&o);
}
