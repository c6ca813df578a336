#include "jail_plan.h"

#include <errno.h>
#include <string.h>

#include "../base/nsclone.h"
#include "../net/nft.h"

int jail_plan_make(const struct options *o, struct jail_plan *p, struct ji_err *err)
{
	memset(p, 0, sizeof *p);
	p->ns_flags = JAIL_NS_FULL;
	p->link = o->net == NET_PROXY || o->net == NET_TRANSPARENT;
	strcpy(p->host_if, JAIL_HOST_IF);
	strcpy(p->jail_if, JAIL_PEER_IF);
	strcpy(p->table, NFT_JAIL_TABLE);
	p->prefix = o->subnet_prefix ? o->subnet_prefix : DEFAULT_SUBNET_PREFIX;
	p->subnet = o->subnet_prefix ? o->subnet : DEFAULT_SUBNET;
	/* /31 (RFC 3021) uses both addresses; /30 skips the network address. */
	p->outer_addr = p->prefix == 31 ? p->subnet : p->subnet + 1;
	p->jail_addr = p->outer_addr + 1;
	p->proxy_port = o->proxy_port;
	p->dns_port = o->dns_port;
	p->transparent = o->net == NET_TRANSPARENT;
	p->proxy_env = p->link && o->proxy_port;
	p->hostname = o->hostname;
	p->agent_uid = o->agent_user_set ? o->agent_uid : DEFAULT_AGENT_ID;
	p->agent_gid = o->agent_user_set ? o->agent_gid : DEFAULT_AGENT_ID;
	p->agent_ids_chosen = o->agent_user_set;
	p->outside_uid = o->outside_uid;
	p->outside_gid = o->outside_gid;
	p->proxy_cmd = o->proxy_cmd;
	p->proxy_drop_user = o->proxy_user_set;
	p->proxy_uid = o->proxy_uid;
	p->proxy_gid = o->proxy_gid;
	p->egress = options_egress(o);
	if (p->egress && !o->proxy_user_set) {
		/* an id of its own: not the agent's, not ours */
		p->proxy_drop_user = 1;
		p->proxy_uid = p->proxy_gid = DEFAULT_EGRESS_UID;
		if (p->proxy_uid == p->outside_uid || p->proxy_gid == p->outside_gid)
			p->proxy_uid = p->proxy_gid = DEFAULT_EGRESS_UID - 1;
	}
	p->seccomp = o->seccomp;
	p->command = o->command;
	p->kill_group = o->kill_group;
	p->warn_reaped = o->warn_reaped;
	p->grace_ms = o->grace_ms;

	if (p->link && !p->proxy_port)
		return ji_fail(err, "plan", EINVAL, "--net %s needs --proxy-port",
			       p->transparent ? "transparent" : "proxy");
	/* The agent is outside_uid to every process outside the jail. */
	if (o->proxy_user_set && (o->proxy_uid == p->outside_uid || o->proxy_gid == p->outside_gid))
		return ji_fail(err, "plan", EINVAL,
			       "--proxy-user %u:%u and the agent's container ids (--outside-user %u:%u) must differ: "
			       "the same uid could signal the proxy or write its /proc",
			       (unsigned)o->proxy_uid, (unsigned)o->proxy_gid, (unsigned)p->outside_uid,
			       (unsigned)p->outside_gid);
	return 0;
}
