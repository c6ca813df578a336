/* options: turns argv and the environment into a struct options, with no
 * side effects (no printing, no syscalls), so it can be unit-tested. An error
 * names the option and the value; the caller exits EXIT_USAGE (64). */
#ifndef JAILINIT_OPTIONS_H
#define JAILINIT_OPTIONS_H

#include <stdint.h>
#include <sys/types.h>

#include "../base/err.h"
#include "../base/log.h"

enum action { ACTION_RUN = 0, ACTION_CHECK, ACTION_HELP, ACTION_VERSION, ACTION_LICENSE };

/* NET_DEFAULT is resolved by options_parse: NET_PROXY when a proxy port is
 * given, NET_NONE otherwise. */
enum net_mode { NET_DEFAULT = 0, NET_NONE, NET_PROXY, NET_TRANSPARENT, NET_HOST };

#define OPT_MAX_RULES 64 /* --allow, and --deny, given on the command line */

struct options {
	enum action action;

	/* supervision (tini compatible) */
	int subreaper;          /* -s, JAILINIT_SUBREAPER / TINI_SUBREAPER */
	int kill_group;         /* -g, JAILINIT_KILL_PROCESS_GROUP / TINI_KILL_PROCESS_GROUP */
	int pdeath_signal;      /* -p SIGNAL, 0 = none */
	uint8_t exit_zero[32];  /* -e CODE (bitmap of 0..255): report as 0 */
	int warn_reaped;        /* -w */
	int verbosity;          /* -v count, JAILINIT_VERBOSITY / TINI_VERBOSITY */
	int grace_ms;           /* --grace=SECONDS, JAILINIT_GRACE; default 5000 */
	enum log_format log_format; /* --log-format, JAILINIT_LOG_FORMAT */

	/* check subcommand */
	int check_json;         /* check --json */

	/* jail */
	enum net_mode net;      /* --net, JAILINIT_NET */
	uint16_t proxy_port;    /* --proxy-port PORT, 0 = none */
	char *proxy_cmd;        /* --proxy 'PATH ARG...' (points into argv) */
	int proxy_user_set;     /* --proxy-user UID[:GID] */
	uid_t proxy_uid;
	gid_t proxy_gid;
	uint16_t dns_port;      /* --dns-port PORT, 0 = none */
	int seccomp;            /* 1 unless --seccomp=off */
	char *hostname;         /* --hostname NAME, NULL = unchanged */
	uid_t agent_uid;        /* --user UID[:GID]; default 65534:65534 */
	gid_t agent_gid;
	int agent_user_set;
	uid_t outside_uid;      /* --outside-user UID[:GID]: the container ids the agent is */
	gid_t outside_gid;      /* (its --user is mapped onto them); default 65520:65520 */
	int outside_user_set;
	uint32_t subnet;        /* --subnet A.B.C.D/PREFIX, host byte order, network address */
	int subnet_prefix;      /* 30 or 31; default 198.18.0.0/30 */

	/* egress policy: jailinit's own proxy (egress/) when any allow is given.
	 * The rules stay strings here (they point into argv or the
	 * environment); each one is checked by egress/rules while parsing, and
	 * --allow-file is read later, by the plan (options do no I/O). */
	char *allow[OPT_MAX_RULES]; /* --allow RULE, in order */
	int n_allow;
	char *deny[OPT_MAX_RULES];  /* --deny RULE */
	int n_deny;
	const char *allow_env;  /* JAILINIT_ALLOW: rules separated by spaces or commas */
	char *allow_file;       /* --allow-file PATH */
	char *audit_log;        /* --audit-log PATH */
	const char *resolv_conf; /* JAILINIT_RESOLV_CONF, default /etc/resolv.conf (the proxy's resolver) */
	const char *hosts_file;  /* JAILINIT_HOSTS, default /etc/hosts */
	unsigned egress_conns;   /* JAILINIT_EGRESS_LIMITS conns=N ... (0: the default) */
	unsigned egress_header_ms;
	unsigned egress_connect_ms;
	unsigned egress_idle_ms;

	char **command;         /* NULL-terminated argv of the child (points into argv) */
};

#define DEFAULT_GRACE_MS 5000
#define GRACE_MAX_SECONDS 1000000 /* --grace takes 0 to this (about 11.6 days) */
#define DEFAULT_EGRESS_PORT 3128 /* the built-in proxy's port when --allow is given */
#define DEFAULT_EGRESS_UID 65533 /* the built-in proxy's uid:gid (65532 when the agent has it) */
#define EGRESS_DNS_PORT 1053   /* the jail's DNS with --allow, on the outer end (1054 if the proxy has 1053) */
#define DEFAULT_AGENT_ID 65534
/* The container uid:gid the agent appears as, whatever its --user inside:
 * ids that own no file and run no process in an ordinary image (Debian and
 * systemd leave 65520-65533 unallocated; 65532 is distroless' nonroot,
 * 65533 jailinit's own proxy), inside the 65536 ids that even a user-namespaced
 * container (sysbox, userns-remap) can name. */
#define DEFAULT_OUTSIDE_ID 65520
#define DEFAULT_SUBNET 0xC6120000u /* 198.18.0.0: RFC 2544 benchmarking range */
#define DEFAULT_SUBNET_PREFIX 30

/* Parse argv (argv[0] is the program) and envp. Returns 0, or -1 with *err
 * naming the option. ACTION_RUN without a command is an error. */
int options_parse(struct options *o, int argc, char **argv, char **envp, struct ji_err *err);

/* Signal number for "SIGTERM", "TERM", "15", "SIGRTMIN+3"; -1 when unknown.
 * RTMIN is 34 and RTMAX 64 as a shell on glibc says them (kill -l), not
 * this libc's SIGRTMIN: RTMIN+n = 34+n, RTMAX-n = 64-n, numbers 1-64. */
int signal_from_name(const char *name);

/* True when the built-in proxy runs: some --allow, --allow-file or
 * JAILINIT_ALLOW was given. */
static inline int options_egress(const struct options *o)
{
	return o->n_allow > 0 || o->allow_file != NULL || o->allow_env != NULL;
}

static inline int options_exit_is_zero(const struct options *o, int code)
{
	return code >= 0 && code < 256 && (o->exit_zero[code / 8] >> (code % 8)) & 1;
}

#endif
