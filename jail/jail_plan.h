/* jail_plan: what to build, derived once from the options, so that no build
 * step reads options itself. Shared by the outer, the inner and the trial
 * build of `jailinit check`. */
#ifndef JAILINIT_JAIL_PLAN_H
#define JAILINIT_JAIL_PLAN_H

#include <net/if.h>
#include <stdint.h>
#include <sys/types.h>

#include "../base/err.h"
#include "../init/options.h"

struct egress_policy;

#define JAIL_HOST_IF "jailinit0" /* the outer end, in the container netns */
#define JAIL_PEER_IF "eth0"      /* the jail's end */

struct jail_plan {
	unsigned long ns_flags; /* tried first; falls back to JAIL_NS_MIN */
	int link;               /* veth + nf_tables table (proxy, transparent) */
	char host_if[IF_NAMESIZE];
	char jail_if[IF_NAMESIZE];
	char table[32];         /* nf_tables table name */
	uint32_t subnet;        /* the link's network address, host byte order */
	uint32_t outer_addr;    /* host byte order */
	uint32_t jail_addr;
	int prefix;
	uint16_t proxy_port;
	uint16_t dns_port;
	int egress_dns;          /* the jail's DNS is jailinit's own (--allow, no --dns-port) */
	int transparent;
	int proxy_env;          /* HTTP_PROXY & co. for the agent */
	const char *hostname;   /* NULL: keep */
	uid_t agent_uid;
	gid_t agent_gid;
	int agent_ids_chosen;   /* --user given (else the default is said at start) */
	uid_t outside_uid;      /* the container ids agent_uid/gid are mapped onto */
	gid_t outside_gid;
	/* the proxy (--proxy), started in the container netns */
	const char *proxy_cmd;  /* NULL: none started */
	int proxy_drop_user;
	uid_t proxy_uid;
	gid_t proxy_gid;
	int egress;             /* jailinit's own proxy (--allow), instead of proxy_cmd */
	const struct egress_policy *egress_policy; /* built by the caller (it reads --allow-file) */
	const char *audit_log;  /* NULL: the decisions go to stderr */
	int log_format;         /* enum log_format */
	const char *resolv_conf;
	const char *hosts;
	unsigned egress_conns, egress_header_ms, egress_connect_ms, egress_idle_ms; /* 0: the default */
	int seccomp;
	char **command;
	/* supervision, at both levels */
	int kill_group;
	int warn_reaped;
	int grace_ms;
};

int jail_plan_make(const struct options *o, struct jail_plan *p, struct ji_err *err);

#endif
