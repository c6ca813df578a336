/* rtnl: the rtnetlink requests the jail needs, one function per request,
 * each a client of nl. Creates a veth with its peer placed straight into
 * another process's netns, sets IPv6 address generation off, addresses,
 * brings links up, adds a default route. */
#ifndef JAILINIT_RTNL_H
#define JAILINIT_RTNL_H

#include <stdint.h>
#include <sys/types.h>

#include "nl.h"

/* Interface index by name, or -1 with err (ENODEV). */
int rtnl_link_index(struct nl_sock *s, const char *name, struct ji_err *err);
/* One RTM_NEWLINK: veth `name` here, its peer `peer_name` created directly in
 * the netns of process peer_ns_pid (IFLA_NET_NS_PID). Both ends down.
 * Returns the ifindex of `name` (> 0; from the kernel's echo of the new link,
 * no extra round trip) or -1 with err. */
int rtnl_veth_create(struct nl_sock *s, const char *name, const char *peer_name, pid_t peer_ns_pid,
		     struct ji_err *err);
int rtnl_link_delete(struct nl_sock *s, int ifindex, struct ji_err *err);
/* IFLA_INET6_ADDR_GEN_MODE = NONE: no IPv6 link-local address. Must be a
 * separate change before the link goes up (refused inside RTM_NEWLINK).
 * Succeeds when the kernel has no IPv6 for the link (EAFNOSUPPORT). */
int rtnl_link_ipv6_addrgen_off(struct nl_sock *s, int ifindex, struct ji_err *err);
int rtnl_link_up(struct nl_sock *s, int ifindex, struct ji_err *err);
/* IPv4 address (host byte order) with prefix length; peer for point-to-point
 * is implied by the prefix. */
int rtnl_addr_add4(struct nl_sock *s, int ifindex, uint32_t addr, int prefix, struct ji_err *err);
/* Default IPv4 route via gateway (host byte order) on ifindex. */
int rtnl_route_default4(struct nl_sock *s, int ifindex, uint32_t gateway, struct ji_err *err);

/* An IPv4 address found on a link of this netns. */
struct rtnl_addr4 {
	uint32_t addr; /* host byte order */
	int prefix;
	int ifindex;
};

/* Is any IPv4 address of this netns in a subnet that overlaps net/prefix
 * (host byte order)? 1 with *found filled, 0 when none, -1 with err. (A
 * jail link whose subnet the container already uses would route the
 * proxy's replies elsewhere.) */
int rtnl_addr4_overlap(struct nl_sock *s, uint32_t net, int prefix, struct rtnl_addr4 *found, struct ji_err *err);

#endif
