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
	/* The defaults are the options' (set_defaults): said once, there. */
	p->prefix = o->subnet_prefix;
	p->subnet = o->subnet;
	/* /31 (RFC 3021) uses both addresses; /30 skips the network address. */
	p->outer_addr = p->prefix == 31 ? p->subnet : p->subnet + 1;
	p->jail_addr = p->outer_addr + 1;
	p->proxy_port = o->proxy_port;
	p->dns_port = o->dns_port;
	p->transparent = o->net == NET_TRANSPARENT;
	p->proxy_env = p->link && o->proxy_port;
	p->hostname = o->hostname;
	p->agent_uid = o->agent_uid;
	p->agent_gid = o->agent_gid;
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
	/* --allow answers the jail's DNS itself unless --dns-port names a
	 * resolver: on a port of the outer end that is not the proxy's. */
	if (p->egress && !o->dns_port) {
		p->egress_dns = 1;
		p->dns_port = p->proxy_port == EGRESS_DNS_PORT ? EGRESS_DNS_PORT + 1 : EGRESS_DNS_PORT;
	}
	p->audit_log = o->audit_log;
	p->log_format = o->log_format;
	p->resolv_conf = o->resolv_conf ? o->resolv_conf : "/etc/resolv.conf";
	p->hosts = o->hosts_file ? o->hosts_file : "/etc/hosts";
	p->egress_conns = o->egress_conns;
	p->egress_header_ms = o->egress_header_ms;
	p->egress_connect_ms = o->egress_connect_ms;
	p->egress_idle_ms = o->egress_idle_ms;
	p->seccomp = o->seccomp;
	p->command = o->command;
	p->kill_group = o->kill_group;
	p->warn_reaped = o->warn_reaped;
	p->grace_ms = o->grace_ms;

	return 0;
}
