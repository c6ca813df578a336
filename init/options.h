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
	uint32_t subnet;        /* --subnet A.B.C.D/PREFIX, host byte order, network address */
	int subnet_prefix;      /* 30 or 31; default 198.18.0.0/30 */

	char **command;         /* NULL-terminated argv of the child (points into argv) */
};

#define DEFAULT_GRACE_MS 5000
#define DEFAULT_AGENT_ID 65534
#define DEFAULT_SUBNET 0xC6120000u /* 198.18.0.0: RFC 2544 benchmarking range */
#define DEFAULT_SUBNET_PREFIX 30

/* Parse argv (argv[0] is the program) and envp. Returns 0, or -1 with *err
 * naming the option. ACTION_RUN without a command is an error. */
int options_parse(struct options *o, int argc, char **argv, char **envp, struct ji_err *err);

/* Signal number for "SIGTERM", "TERM", "15", "SIGRTMIN+3"; -1 when unknown. */
int signal_from_name(const char *name);

static inline int options_exit_is_zero(const struct options *o, int code)
{
	return code >= 0 && code < 256 && (o->exit_zero[code / 8] >> (code % 8)) & 1;
}

#endif
