#include "steps.h"

#include <string.h>

static const struct jail_step_info steps[JS_COUNT] = {
	[JS_NONE] = { "build", JAIL_TIER_BASIC, "", "nothing" },
	[JS_AGENT_STDIO] = { "agent stdio", JAIL_TIER_BASIC, "stdin, stdout, stderr that are not network sockets",
			     "nothing" },
	[JS_HANDSHAKE] = { "handshake socketpair", JAIL_TIER_BASIC, "AF_UNIX socketpair", "close it" },
	[JS_CLONE] = { "clone", JAIL_TIER_BASIC, "clone(CLONE_NEWUSER|CLONE_NEWNET) let through by the seccomp filter",
		       "SIGKILL and reap the jail's init (its netns, and the veth with it, go)" },
	[JS_AGENT_USER] = { "agent user", JAIL_TIER_BASIC, "an --outside-user no process runs as", "nothing" },
	[JS_OWN_PROC] = { "own /proc", JAIL_TIER_BASIC, "the container's own /proc", "nothing" },
	[JS_ID_MAPS] = { "uid/gid maps", JAIL_TIER_BASIC, "CAP_SETUID, CAP_SETGID", "nothing (they die with the jail)" },
	[JS_NETLINK] = { "netlink socket", JAIL_TIER_LINK, "NETLINK_ROUTE", "close it" },
	[JS_SUBNET] = { "jail subnet", JAIL_TIER_LINK, "a --subnet the container does not use", "nothing" },
	[JS_VETH] = { "create veth", JAIL_TIER_LINK, "CAP_NET_ADMIN", "delete the host end (the peer goes with it)" },
	[JS_HOST_NO_LL] = { "host end: no IPv6 link-local", JAIL_TIER_LINK, "CAP_NET_ADMIN", "with the veth" },
	[JS_HOST_ADDR] = { "host end: address", JAIL_TIER_LINK, "CAP_NET_ADMIN", "with the veth" },
	[JS_HOST_UP] = { "host end: up", JAIL_TIER_LINK, "CAP_NET_ADMIN", "with the veth" },
	[JS_NFT_SOCKET] = { "nf_tables socket", JAIL_TIER_LINK, "NETLINK_NETFILTER", "close it" },
	[JS_NFT_TABLE] = { "nf_tables table", JAIL_TIER_LINK, "CAP_NET_ADMIN, nf_tables",
			   "delete the table once no process of the jail is left" },
	[JS_PROXY_START] = { "start proxy", JAIL_TIER_PROXY, "the proxy's binary", "SIGKILL and reap it" },
	[JS_PROXY_READY] = { "proxy ready", JAIL_TIER_PROXY, "a proxy listening on the outer end", "SIGKILL and reap it" },
	[JS_JAIL_SIDE] = { "jail side configured", JAIL_TIER_BASIC,
			   "the jail's own netns: lo up, its link end, the hostname", "with the jail's init" },
};

const struct jail_step_info *jail_step(enum jail_step_id id)
{
	if ((unsigned)id >= JS_COUNT)
		id = JS_NONE;
	return &steps[id];
}

enum jail_step_id jail_step_by_name(const char *name)
{
	for (int i = 1; i < JS_COUNT; i++)
		if (strcmp(steps[i].name, name) == 0)
			return (enum jail_step_id)i;
	return JS_NONE;
}
