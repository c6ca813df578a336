/* options: argv + environment -> struct options (see options.h). Hand
 * written rather than getopt: getopt keeps global state and prints, and this
 * must be pure, re-entrant and testable. Order of precedence: the command
 * line, then JAILINIT_*, then tini's TINI_* aliases, then the defaults. */
#include <ctype.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "options.h"
#include "../egress/policy.h"
#include "../egress/proxy.h"

enum opt_id {
	O_HELP, O_VERSION, O_GRACE, O_LOG_FORMAT, O_NET, O_PROXY_PORT, O_PROXY,
	O_PROXY_USER, O_DNS_PORT, O_SECCOMP, O_HOSTNAME, O_USER, O_SUBNET, O_JSON,
	O_ALLOW, O_ALLOW_FILE, O_DENY, O_AUDIT_LOG, O_OUTSIDE_USER,
};

struct long_opt {
	const char *name; /* with the dashes: it is also the error's step */
	enum opt_id id;
	int has_arg;
};

static const struct long_opt long_opts[] = {
	{ "--help", O_HELP, 0 },
	{ "--version", O_VERSION, 0 },
	{ "--grace", O_GRACE, 1 },
	{ "--log-format", O_LOG_FORMAT, 1 },
	{ "--net", O_NET, 1 },
	{ "--proxy-port", O_PROXY_PORT, 1 },
	{ "--proxy", O_PROXY, 1 },
	{ "--proxy-user", O_PROXY_USER, 1 },
	{ "--dns-port", O_DNS_PORT, 1 },
	{ "--seccomp", O_SECCOMP, 1 },
	{ "--hostname", O_HOSTNAME, 1 },
	{ "--user", O_USER, 1 },
	{ "--outside-user", O_OUTSIDE_USER, 1 },
	{ "--subnet", O_SUBNET, 1 },
	{ "--json", O_JSON, 0 },
	{ "--allow", O_ALLOW, 1 },
	{ "--allow-file", O_ALLOW_FILE, 1 },
	{ "--deny", O_DENY, 1 },
	{ "--audit-log", O_AUDIT_LOG, 1 },
};

/* The first n characters of s as decimal digits only (no sign, no spaces,
 * no 0x): what a user typed. */
static int parse_digits(const char *s, size_t n, unsigned long max, unsigned long *out)
{
	unsigned long v = 0;
	size_t i;

	if (n == 0)
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		if (v > (max - (unsigned long)(s[i] - '0')) / 10)
			return -1;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	*out = v;
	return 0;
}

static int parse_ulong(const char *s, unsigned long max, unsigned long *out)
{
	return s == NULL ? -1 : parse_digits(s, strlen(s), max, out);
}

/* "SECONDS" with an optional fraction, at most max_s, to milliseconds
 * (digits past the third decimal are dropped). No floating point: exact and
 * locale-free. 0, -1 when it is not such a number, -2 when it is one but
 * out of range. */
static int parse_seconds_ms(const char *s, unsigned long max_s, int *ms)
{
	const char *dot = strchr(s, '.');
	size_t n = dot != NULL ? (size_t)(dot - s) : strlen(s);
	unsigned long sec = 0, frac = 0;
	size_t fn, k;

	if (n > 0 && parse_digits(s, n, ULONG_MAX / 1000, &sec) != 0)
		return strspn(s, "0123456789") == n ? -2 : -1; /* digits, too many of them */
	if (dot == NULL) {
		if (n == 0)
			return -1;
	} else {
		fn = strlen(dot + 1);
		if (fn == 0 && n == 0)
			return -1; /* "." */
		/* Every digit is checked; the first three count. */
		if (fn > 0 && (strspn(dot + 1, "0123456789") != fn ||
			       parse_digits(dot + 1, fn < 3 ? fn : 3, 999, &frac) != 0))
			return -1;
		for (k = fn; k < 3; k++)
			frac *= 10;
	}
	if (sec > max_s || (sec == max_s && frac > 0))
		return -2;
	*ms = (int)(sec * 1000 + frac);
	return 0;
}

/* "UID" or "UID:GID"; a lone UID gives GID = UID (never group 0 by
 * accident). (uid_t)-1 is refused: the kernel reads it as "unchanged". */
static int parse_ids(const char *s, uid_t *uid, gid_t *gid)
{
	const char *colon = strchr(s, ':');
	unsigned long uv, gv;

	if (parse_digits(s, colon != NULL ? (size_t)(colon - s) : strlen(s), 4294967294UL, &uv) != 0)
		return -1;
	gv = uv;
	if (colon != NULL && parse_ulong(colon + 1, 4294967294UL, &gv) != 0)
		return -1;
	*uid = (uid_t)uv;
	*gid = (gid_t)gv;
	return 0;
}

static int parse_port(const char *s, uint16_t *port)
{
	unsigned long v;

	if (parse_ulong(s, 65535, &v) != 0 || v == 0)
		return -1;
	*port = (uint16_t)v;
	return 0;
}

/* What a jail link cannot use, by its network address (the ranges are
 * aligned far wider than a /30): NULL when it is ordinary unicast. */
static const char *unusable_range(uint32_t net)
{
	if (net >> 24 == 0)
		return "0.0.0.0/8 is \"this network\" (RFC 1122), never a link's address";
	if (net >> 24 == 127)
		return "127.0.0.0/8 is loopback, which the kernel refuses to route over a link";
	if (net >> 28 == 0xE)
		return "224.0.0.0/4 is multicast, not an interface address";
	if (net >> 28 == 0xF)
		return "240.0.0.0/4 is reserved (RFC 1112) and holds the broadcast 255.255.255.255";
	return NULL;
}

/* "A.B.C.D/30" or "/31", the network address itself, in ordinary unicast
 * space: what the kernel would refuse later (or accept and misroute) is a
 * usage error now. */
static int parse_subnet(const char *s, uint32_t *net, int *prefix, struct ji_err *err, const char *name)
{
	uint32_t addr = 0;
	unsigned long part, pfx;
	const char *p = s, *why;
	int i;

	for (i = 0; i < 4; i++) {
		size_t n = strspn(p, "0123456789");

		if (n == 0 || n > 3 || p[n] != (i < 3 ? '.' : '/'))
			return ji_fail(err, name, 0, "'%s' is not A.B.C.D/30 or A.B.C.D/31", s);
		if (parse_digits(p, n, 255, &part) != 0)
			return ji_fail(err, name, 0, "'%s' is not A.B.C.D/30 or A.B.C.D/31", s);
		addr = addr << 8 | (uint32_t)part;
		p += n + 1;
	}
	if (parse_ulong(p, 32, &pfx) != 0 || (pfx != 30 && pfx != 31))
		return ji_fail(err, name, 0, "'%s': the prefix must be /30 or /31 (a point-to-point link)", s);
	if (addr & ~(0xffffffffu << (32 - pfx))) {
		uint32_t a = addr & (0xffffffffu << (32 - pfx));

		return ji_fail(err, name, 0, "'%s' is not the network address of a /%lu (try %u.%u.%u.%u/%lu)", s,
			       pfx, a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255, pfx);
	}
	why = unusable_range(addr);
	if (why != NULL)
		return ji_fail(err, name, 0, "'%s' cannot be the jail link: %s (the default is 198.18.0.0/30)", s,
			       why);
	*net = addr;
	*prefix = (int)pfx;
	return 0;
}

static int valid_hostname(const char *s)
{
	size_t n = strlen(s), i;

	if (n == 0 || n > 64 || s[0] == '-' || s[0] == '.')
		return 0;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '.')
			return 0;
	return 1;
}

/* One --allow or --deny: checked now (a rule that does not parse is a usage
 * error naming it), kept as the string. */
static int add_rule(struct options *o, int allow, const char *name, char *v, struct ji_err *err)
{
	char **list = allow ? o->allow : o->deny;
	int *n = allow ? &o->n_allow : &o->n_deny;

	if (*n == OPT_MAX_RULES)
		return ji_fail(err, name, 0, "more than %d rules on the command line (use --allow-file)",
			       OPT_MAX_RULES);
	if (egress_rule_check(name, v, err) != 0)
		return -1;
	list[(*n)++] = v;
	return 0;
}

/* Set a value given by a long option or its environment variable; name is
 * what the user typed (the option or the variable), for the error. */
static int apply_value(struct options *o, enum opt_id id, const char *name, char *v, struct ji_err *err)
{
	switch (id) {
	case O_GRACE:
		switch (parse_seconds_ms(v, GRACE_MAX_SECONDS, &o->grace_ms)) {
		case 0:
			return 0;
		case -2:
			return ji_fail(err, name, 0, "'%s' is out of range (0 to %d seconds)", v, GRACE_MAX_SECONDS);
		default:
			return ji_fail(err, name, 0, "'%s' is not a number of seconds (0 to %d, fractions allowed)", v,
				       GRACE_MAX_SECONDS);
		}
	case O_LOG_FORMAT:
		if (strcmp(v, "text") == 0)
			o->log_format = LOG_TEXT;
		else if (strcmp(v, "json") == 0)
			o->log_format = LOG_JSON;
		else
			return ji_fail(err, name, 0, "'%s' is not text or json", v);
		return 0;
	case O_NET:
		if (strcmp(v, "none") == 0)
			o->net = NET_NONE;
		else if (strcmp(v, "proxy") == 0)
			o->net = NET_PROXY;
		else if (strcmp(v, "transparent") == 0)
			o->net = NET_TRANSPARENT;
		else if (strcmp(v, "host") == 0)
			o->net = NET_HOST;
		else
			return ji_fail(err, name, 0, "'%s' is not none, proxy, transparent or host", v);
		return 0;
	case O_PROXY_PORT:
		if (parse_port(v, &o->proxy_port) != 0)
			return ji_fail(err, name, 0, "'%s' is not a port (1-65535)", v);
		return 0;
	case O_DNS_PORT:
		if (parse_port(v, &o->dns_port) != 0)
			return ji_fail(err, name, 0, "'%s' is not a port (1-65535)", v);
		return 0;
	case O_PROXY:
		if (strspn(v, " ") == strlen(v))
			return ji_fail(err, name, 0, "the proxy command is empty");
		o->proxy_cmd = v;
		return 0;
	case O_PROXY_USER:
		if (parse_ids(v, &o->proxy_uid, &o->proxy_gid) != 0)
			return ji_fail(err, name, 0, "'%s' is not UID or UID:GID (numbers)", v);
		o->proxy_user_set = 1;
		return 0;
	case O_USER:
		if (parse_ids(v, &o->agent_uid, &o->agent_gid) != 0)
			return ji_fail(err, name, 0, "'%s' is not UID or UID:GID (numbers)", v);
		o->agent_user_set = 1;
		return 0;
	case O_OUTSIDE_USER:
		if (parse_ids(v, &o->outside_uid, &o->outside_gid) != 0)
			return ji_fail(err, name, 0, "'%s' is not UID or UID:GID (numbers)", v);
		/* the whole point: the agent is nobody to the container's files */
		if (o->outside_uid == 0 || o->outside_gid == 0)
			return ji_fail(err, name, 0,
				       "'%s': the agent would be the container's root %s for every file; choose ids "
				       "that own nothing (default %u:%u)",
				       v, o->outside_uid == 0 ? "user" : "group", DEFAULT_OUTSIDE_ID, DEFAULT_OUTSIDE_ID);
		o->outside_user_set = 1;
		return 0;
	case O_SECCOMP:
		if (strcmp(v, "on") == 0)
			o->seccomp = 1;
		else if (strcmp(v, "off") == 0)
			o->seccomp = 0;
		else
			return ji_fail(err, name, 0, "'%s' is not on or off", v);
		return 0;
	case O_HOSTNAME:
		if (!valid_hostname(v))
			return ji_fail(err, name, 0, "'%s' is not a host name (1-64 of a-z, 0-9, '-', '.')", v);
		o->hostname = v;
		return 0;
	case O_SUBNET:
		return parse_subnet(v, &o->subnet, &o->subnet_prefix, err, name);
	case O_ALLOW:
	case O_DENY:
		return add_rule(o, id == O_ALLOW, name, v, err);
	case O_ALLOW_FILE:
		if (v[0] == '\0')
			return ji_fail(err, name, 0, "the path is empty");
		o->allow_file = v;
		return 0;
	case O_AUDIT_LOG:
		if (v[0] == '\0')
			return ji_fail(err, name, 0, "the path is empty");
		o->audit_log = v;
		return 0;
	case O_HELP:
	case O_VERSION:
	case O_JSON:
		break;
	}
	return ji_fail(err, name, 0, "takes no value");
}

static const char *env_get(char **envp, const char *name)
{
	size_t n = strlen(name);

	for (; envp != NULL && *envp != NULL; envp++)
		if (strncmp(*envp, name, n) == 0 && (*envp)[n] == '=')
			return *envp + n + 1;
	return NULL;
}

/* tini turns these on when the variable is set at all; "0", "false", "no"
 * and "off" are read as off here, which is what people who write them mean. */
static int env_flag(const char *v)
{
	return strcmp(v, "0") != 0 && strcasecmp(v, "false") != 0 && strcasecmp(v, "no") != 0 &&
	       strcasecmp(v, "off") != 0;
}

/* Returns the value of JAILINIT_<name>, else TINI_<name> when tini has it. */
static const char *env_pick(char **envp, const char *ours, const char *tinis, const char **which)
{
	const char *v = env_get(envp, ours);

	*which = ours;
	if (v == NULL && tinis != NULL) {
		v = env_get(envp, tinis);
		*which = tinis;
	}
	return v;
}

static int env_apply(struct options *o, char **envp, struct ji_err *err)
{
	static const struct {
		const char *ours;
		enum opt_id id;
	} valued[] = {
		{ "JAILINIT_GRACE", O_GRACE },
		{ "JAILINIT_LOG_FORMAT", O_LOG_FORMAT },
		{ "JAILINIT_NET", O_NET },
		{ "JAILINIT_OUTSIDE_USER", O_OUTSIDE_USER },
		{ "JAILINIT_USER", O_USER },
	};
	const char *which, *v;
	unsigned long n;
	size_t i;

	if ((v = env_pick(envp, "JAILINIT_SUBREAPER", "TINI_SUBREAPER", &which)) != NULL)
		o->subreaper = env_flag(v);
	if ((v = env_pick(envp, "JAILINIT_KILL_PROCESS_GROUP", "TINI_KILL_PROCESS_GROUP", &which)) != NULL)
		o->kill_group = env_flag(v);
	if ((v = env_pick(envp, "JAILINIT_VERBOSITY", "TINI_VERBOSITY", &which)) != NULL) {
		if (parse_ulong(v, 100, &n) != 0)
			return ji_fail(err, which, 0, "'%s' is not a number", v);
		/* tini's 1 is its default (warnings), ours is 0. */
		o->verbosity = strcmp(which, "TINI_VERBOSITY") == 0 ? (int)n - 1 : (int)n;
	}
	for (i = 0; i < sizeof(valued) / sizeof(valued[0]); i++) {
		v = env_get(envp, valued[i].ours);
		/* The environment's strings outlive the parse like argv's; the
		 * cast only matches the char * fields, nothing writes them. */
		if (v != NULL && apply_value(o, valued[i].id, valued[i].ours, (char *)v, err) != 0)
			return -1;
	}
	if ((v = env_get(envp, "JAILINIT_RESOLV_CONF")) != NULL && *v)
		o->resolv_conf = v;
	if ((v = env_get(envp, "JAILINIT_HOSTS")) != NULL && *v)
		o->hosts_file = v;
	if ((v = env_get(envp, "JAILINIT_EGRESS_LIMITS")) != NULL) {
		struct egress_limits l = { 0 };
		if (egress_limits_parse(&l, v, err) != 0)
			return -1;
		o->egress_conns = l.max_conns;
		o->egress_header_ms = l.header_ms;
		o->egress_connect_ms = l.connect_ms;
		o->egress_idle_ms = l.idle_ms;
	}
	/* Added to the command line's rules (an ENV line beside an
	 * ENTRYPOINT's), checked rule by rule now. */
	if ((v = env_get(envp, "JAILINIT_ALLOW")) != NULL && v[strspn(v, " ,\t")] != '\0') {
		if (egress_rule_list_check("JAILINIT_ALLOW", v, err) != 0)
			return -1;
		o->allow_env = v;
	}
	return 0;
}

static void set_defaults(struct options *o)
{
	memset(o, 0, sizeof(*o));
	o->action = ACTION_RUN;
	o->grace_ms = DEFAULT_GRACE_MS;
	o->log_format = LOG_TEXT;
	o->net = NET_DEFAULT;
	o->seccomp = 1;
	o->agent_uid = DEFAULT_AGENT_ID;
	o->agent_gid = DEFAULT_AGENT_ID;
	o->outside_uid = DEFAULT_OUTSIDE_ID;
	o->outside_gid = DEFAULT_OUTSIDE_ID;
	o->subnet = DEFAULT_SUBNET;
	o->subnet_prefix = DEFAULT_SUBNET_PREFIX;
}

/* One cluster of short options ("-sgv", "-p SIGTERM", "-e3"). *i advances
 * when an option takes the next argument as its value. */
static int parse_short(struct options *o, int argc, char **argv, int *i, int *cli_verbosity, struct ji_err *err)
{
	char *a = argv[*i];
	size_t k;

	for (k = 1; a[k] != '\0'; k++) {
		char c = a[k];
		char *v;
		unsigned long n;

		switch (c) {
		case 's': o->subreaper = 1; continue;
		case 'g': o->kill_group = 1; continue;
		case 'w': o->warn_reaped = 1; continue;
		case 'v': (*cli_verbosity)++; continue;
		case 'h': o->action = ACTION_HELP; return 0;
		case 'l': o->action = ACTION_LICENSE; return 0;
		case 'p':
		case 'e':
			break;
		default:
			return ji_fail(err, NULL, 0, "unknown option '-%c' (see jailinit --help)", c);
		}
		/* -p and -e take a value: the rest of this argument, or the next. */
		if (a[k + 1] != '\0') {
			v = a + k + 1;
		} else if (*i + 1 < argc) {
			v = argv[++*i];
		} else {
			return ji_fail(err, c == 'p' ? "-p" : "-e", 0, "needs a value");
		}
		if (c == 'p') {
			o->pdeath_signal = signal_from_name(v);
			if (o->pdeath_signal < 0)
				return ji_fail(err, "-p", 0, "'%s' is not a signal name or number", v);
		} else {
			if (parse_ulong(v, 255, &n) != 0)
				return ji_fail(err, "-e", 0, "'%s' is not an exit code (0-255)", v);
			o->exit_zero[n / 8] |= (uint8_t)(1u << (n % 8));
		}
		return 0;
	}
	return 0;
}

static int parse_long(struct options *o, int argc, char **argv, int *i, int *json, struct ji_err *err)
{
	char *a = argv[*i];
	char *eq = strchr(a, '=');
	size_t n = eq != NULL ? (size_t)(eq - a) : strlen(a);
	const struct long_opt *lo = NULL;
	size_t k;

	for (k = 0; k < sizeof(long_opts) / sizeof(long_opts[0]); k++)
		if (strlen(long_opts[k].name) == n && strncmp(long_opts[k].name, a, n) == 0)
			lo = &long_opts[k];
	if (lo == NULL)
		return ji_fail(err, NULL, 0, "unknown option '%.*s' (see jailinit --help)", (int)n, a);
	if (!lo->has_arg) {
		if (eq != NULL)
			return ji_fail(err, lo->name, 0, "takes no value");
		if (lo->id == O_HELP)
			o->action = ACTION_HELP;
		else if (lo->id == O_VERSION)
			o->action = ACTION_VERSION;
		else
			*json = 1;
		return 0;
	}
	if (eq != NULL)
		return apply_value(o, lo->id, lo->name, eq + 1, err);
	if (*i + 1 >= argc)
		return ji_fail(err, lo->name, 0, "needs a value");
	return apply_value(o, lo->id, lo->name, argv[++*i], err);
}

/* Turn NET_DEFAULT into a mode and refuse combinations that cannot mean
 * what the user wants. --net host ignores the jail options (main says so):
 * an operator may opt out with JAILINIT_NET=host without editing the
 * ENTRYPOINT. */
static int resolve_net(struct options *o, struct ji_err *err)
{
	int explicit_none = o->net == NET_NONE;
	int egress = options_egress(o);

	if (egress && o->proxy_cmd != NULL)
		return ji_fail(err, "--allow", 0,
			       "and --proxy: choose one: --allow rules (jailinit's own proxy enforces them) "
			       "or --proxy (your own proxy and its own rules)");
	if (!egress && o->n_deny > 0)
		return ji_fail(err, "--deny", 0, "needs --allow (deny carves exceptions out of what is allowed)");
	if (!egress && o->audit_log != NULL)
		return ji_fail(err, "--audit-log", 0, "needs --allow (it is the log of jailinit's own proxy)");
	if (egress && o->proxy_port == 0 && (o->net == NET_DEFAULT || o->net == NET_PROXY || o->net == NET_TRANSPARENT))
		o->proxy_port = DEFAULT_EGRESS_PORT;
	if (o->net == NET_DEFAULT)
		o->net = o->proxy_port != 0 ? NET_PROXY : NET_NONE;
	if (o->net == NET_HOST)
		return 0;
	if (egress && explicit_none)
		return ji_fail(err, "--net", 0, "none has no link for the allowed hosts: drop --net none");
	/* the jail's DNS gives out 198.19.0.0/16: the link cannot be there */
	if (egress && (o->subnet & 0xffff0000u) == 0xc6130000u)
		return ji_fail(err, "--subnet", 0,
			       "198.19.0.0/16 holds the synthetic addresses the jail's DNS gives out with --allow: "
			       "choose another range");
	if (o->proxy_cmd != NULL && o->proxy_port == 0)
		return ji_fail(err, "--proxy", 0, "needs --proxy-port PORT (the port the proxy listens on)");
	if (o->proxy_user_set && o->proxy_cmd == NULL && !egress)
		return ji_fail(err, "--proxy-user", 0, "needs --proxy or --allow (it is the user the proxy runs as)");
	/* The agent is --outside-user to every process outside the jail. */
	if (o->proxy_user_set && (o->proxy_uid == o->outside_uid || o->proxy_gid == o->outside_gid))
		return ji_fail(err, "--proxy-user", 0,
			       "%u:%u and the agent's container ids (--outside-user %u:%u) must differ: the same uid "
			       "could signal the proxy or write its /proc",
			       (unsigned)o->proxy_uid, (unsigned)o->proxy_gid, (unsigned)o->outside_uid,
			       (unsigned)o->outside_gid);
	if (explicit_none) {
		if (o->proxy_port != 0)
			return ji_fail(err, "--net", 0, "none has no link to a proxy: drop --proxy-port or use --net proxy");
		if (o->dns_port != 0)
			return ji_fail(err, "--net", 0, "none has no link for DNS: drop --dns-port or use --net proxy");
	}
	if (o->net == NET_NONE && o->dns_port != 0)
		return ji_fail(err, "--dns-port", 0, "needs --proxy-port PORT (without a proxy the jail has no link)");
	if ((o->net == NET_PROXY || o->net == NET_TRANSPARENT) && o->proxy_port == 0)
		return ji_fail(err, "--net", 0, "%s needs --proxy-port PORT",
			       o->net == NET_PROXY ? "proxy" : "transparent");
	return 0;
}

int options_parse(struct options *o, int argc, char **argv, char **envp, struct ji_err *err)
{
	int cli_verbosity = 0, json = 0;
	int i = 1;

	set_defaults(o);
	if (env_apply(o, envp, err) != 0)
		return -1;
	if (argc > 1 && strcmp(argv[1], "check") == 0) {
		o->action = ACTION_CHECK;
		i = 2;
	}
	/* The self-check from an image whose ENTRYPOINT carries the jail's
	 * options and whose CMD is the agent: `docker run -e JAILINIT_CHECK=1
	 * IMAGE` checks those options; the command is not run. */
	int check_by_env = 0;
	const char *check_env = env_get(envp, "JAILINIT_CHECK");
	if (check_env != NULL && *check_env && strcmp(check_env, "0") != 0) {
		if (strcmp(check_env, "1") != 0 && strcmp(check_env, "json") != 0)
			return ji_fail(err, "JAILINIT_CHECK", 0, "'%s' is not 0, 1 or json", check_env);
		o->action = ACTION_CHECK;
		check_by_env = 1;
		json = strcmp(check_env, "json") == 0;
	}
	for (; i < argc; i++) {
		char *a = argv[i];
		int rc;

		if (strcmp(a, "--") == 0) {
			i++;
			break;
		}
		if (a[0] != '-' || a[1] == '\0')
			break; /* the command: everything after it is its own */
		if (a[1] == '-')
			rc = parse_long(o, argc, argv, &i, &json, err);
		else
			rc = parse_short(o, argc, argv, &i, &cli_verbosity, err);
		if (rc != 0)
			return -1;
		/* Like tini's -h: answer at once, whatever else is there. */
		if (o->action == ACTION_HELP || o->action == ACTION_VERSION || o->action == ACTION_LICENSE)
			return 0;
	}
	if (cli_verbosity > 0)
		o->verbosity = cli_verbosity;
	o->check_json = json;
	if (json && o->action != ACTION_CHECK)
		return ji_fail(err, "--json", 0, "is an option of 'jailinit check'");
	if (i < argc)
		o->command = argv + i;
	if (o->action == ACTION_CHECK && o->command != NULL && !check_by_env)
		return ji_fail(err, "check", 0, "takes no command (got '%s')", o->command[0]);
	if (o->action == ACTION_RUN && o->command == NULL)
		return ji_fail(err, NULL, 0, "no command to run (usage: jailinit [OPTIONS] [--] COMMAND [ARG...])");
	return resolve_net(o, err);
}

static const struct {
	const char *name;
	int num;
} signal_names[] = {
	{ "HUP", SIGHUP }, { "INT", SIGINT }, { "QUIT", SIGQUIT }, { "ILL", SIGILL },
	{ "TRAP", SIGTRAP }, { "ABRT", SIGABRT }, { "IOT", SIGIOT }, { "BUS", SIGBUS },
	{ "FPE", SIGFPE }, { "KILL", SIGKILL }, { "USR1", SIGUSR1 }, { "SEGV", SIGSEGV },
	{ "USR2", SIGUSR2 }, { "PIPE", SIGPIPE }, { "ALRM", SIGALRM }, { "TERM", SIGTERM },
#ifdef SIGSTKFLT
	{ "STKFLT", SIGSTKFLT },
#endif
	{ "CHLD", SIGCHLD }, { "CLD", SIGCHLD }, { "CONT", SIGCONT }, { "STOP", SIGSTOP },
	{ "TSTP", SIGTSTP }, { "TTIN", SIGTTIN }, { "TTOU", SIGTTOU }, { "URG", SIGURG },
	{ "XCPU", SIGXCPU }, { "XFSZ", SIGXFSZ }, { "VTALRM", SIGVTALRM }, { "PROF", SIGPROF },
	{ "WINCH", SIGWINCH }, { "IO", SIGIO }, { "POLL", SIGPOLL },
#ifdef SIGPWR
	{ "PWR", SIGPWR },
#endif
	{ "SYS", SIGSYS },
};

/* Real-time signals by name count from 34, as a shell on glibc says them
 * (kill -l: 34 SIGRTMIN, 35 SIGRTMIN+1 ... 64 SIGRTMAX), not from this
 * libc's SIGRTMIN (musl's is 35): the number that reaches the process is
 * the one the user read off their shell. */
#define RTMIN_AS_SHELLS_SAY 34
#define RTMAX_KERNEL 64

int signal_from_name(const char *name)
{
	unsigned long n;
	size_t i;

	if (name == NULL || *name == '\0')
		return -1;
	if (name[0] >= '0' && name[0] <= '9')
		return parse_ulong(name, 1000, &n) == 0 && n >= 1 && n <= RTMAX_KERNEL ? (int)n : -1;
	if (strncasecmp(name, "SIG", 3) == 0)
		name += 3;
	for (i = 0; i < sizeof(signal_names) / sizeof(signal_names[0]); i++)
		if (strcasecmp(name, signal_names[i].name) == 0)
			return signal_names[i].num;
	/* RTMIN, RTMIN+N, RTMAX, RTMAX-N, as kill(1) spells them. */
	if (strncasecmp(name, "RTMIN", 5) == 0 || strncasecmp(name, "RTMAX", 5) == 0) {
		int max = (name[4] == 'X' || name[4] == 'x');
		const char *rest = name + 5;
		int base = max ? RTMAX_KERNEL : RTMIN_AS_SHELLS_SAY;

		if (*rest == '\0')
			return base;
		if (*rest != (max ? '-' : '+') || parse_ulong(rest + 1, 64, &n) != 0)
			return -1;
		base = max ? base - (int)n : base + (int)n;
		return base >= RTMIN_AS_SHELLS_SAY && base <= RTMAX_KERNEL ? base : -1;
	}
	return -1;
}
