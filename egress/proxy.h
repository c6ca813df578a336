/* proxy: jailinit's own egress proxy, explicit mode (--net proxy with
 * --allow). Run in a process of its own, forked from jailinit as the
 * supervised proxy (jail/proxy.c restarts it, waits for it to listen, and
 * stops the agent when it keeps dying). It binds the outer end's address and
 * port, reads the resolver's files, raises its descriptor limit, then drops
 * to its own uid with no capability and no_new_privs, and loads its own
 * seccomp filter (seccomp/proxy_filter) before it reads a byte from the jail.
 *
 * One thread, one epoll set, non-blocking sockets; per connection: the
 * request header (at most EGRESS_HEADER_MAX bytes, in a buffer taken from a
 * pool only while it is needed), then a relay (egress/relay: splice through a
 * pipe per direction). A connection is:
 *   CONNECT host:port  -> the rules -> resolve -> the address policy ->
 *                         connect -> "200 Connection established" -> relay
 *   GET http://host/.. -> the same checks -> the request in origin form,
 *                         Host set to the checked host, Connection: close,
 *                         hop-by-hop headers dropped -> its body (by
 *                         Content-Length; all of it when chunked) -> the
 *                         answer relayed back; nothing else the client sends
 *                         on that connection is forwarded
 * and a refusal is a 403 whose one-line body names the host, the port and the
 * rule that would allow it. Every decision is logged (egress/elog). The
 * same process answers the jail's DNS (egress/dns_server) when dns_port is
 * set. */
#ifndef JAILINIT_EGRESS_PROXY_H
#define JAILINIT_EGRESS_PROXY_H

#include <stdint.h>
#include <sys/types.h>

#include "../base/log.h"
#include "policy.h"
#include "synth.h"

/* Limits (defaults; JAILINIT_EGRESS_LIMITS overrides, docs/egress.md). */
#define EGRESS_MAX_CONNS 1024       /* at once; fewer when RLIMIT_NOFILE is low */
#define EGRESS_HEADER_MAX 8192      /* a request header larger gets 431 */
#define EGRESS_HEADER_MS 10000      /* from accept to a whole header (slowloris): 408 */
#define EGRESS_CONNECT_MS 10000     /* to connect upstream (each address): 504 */
#define EGRESS_IDLE_MS 300000       /* no byte either way: closed */

struct egress_limits {
	unsigned max_conns;
	unsigned header_ms;
	unsigned connect_ms;
	unsigned idle_ms;
};

struct egress_config {
	uint32_t listen_addr;       /* host byte order */
	uint16_t port;
	uint32_t jail_net;          /* the jail link, never connected to */
	int jail_prefix;
	const struct egress_policy *policy;
	int log_fd;                 /* stderr or --audit-log */
	enum log_format log_format;
	int drop_user;              /* switch to uid/gid (else keep ours: tests as non-root) */
	uid_t uid;
	gid_t gid;
	const char *resolv_conf;    /* /etc/resolv.conf, or JAILINIT_RESOLV_CONF */
	const char *hosts;          /* /etc/hosts, or JAILINIT_HOSTS */
	struct egress_limits limits;
	pid_t parent;               /* jailinit: the proxy dies with it (0: not checked) */
	uint16_t dns_port;          /* the jail's DNS (egress/dns_server) on listen_addr; 0: none */
	int transparent;            /* connections arrive redirected (SO_ORIGINAL_DST) */
	struct synth_map *synth;    /* the names' synthetic addresses, shared with jailinit */
};

void egress_limits_defaults(struct egress_limits *l);
/* "conns=N,header_ms=N,connect_ms=N,idle_ms=N" (any of them) into l; pure.
 * 0, or -1 with err naming the part. */
int egress_limits_parse(struct egress_limits *l, const char *spec, struct ji_err *err);

/* The proxy process's main: set up, then serve until killed. Returns an
 * exit code only when the setup fails (the error is logged). */
int egress_proxy_main(const struct egress_config *cfg);

#endif
