/* rtnl: the rtnetlink requests the jail needs (see rtnl.h). One function per
 * request: build it with nl, send it, keep the kernel's errno. */
#include "rtnl.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <net/if.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>

/* Every request here is a few hundred bytes. */
#define RTNL_BUF 1024

struct rtnl_req {
	struct nl_buf b;
	union {
		unsigned char bytes[RTNL_BUF];
		struct nlmsghdr align;
	} storage;
};

static void rtnl_req_init(struct rtnl_req *r)
{
	nl_buf_init(&r->b, r->storage.bytes, sizeof(r->storage.bytes));
}

static int check_ifname(const char *name, const char *step, struct ji_err *err)
{
	if (name == NULL || name[0] == '\0' || strnlen(name, IFNAMSIZ) >= IFNAMSIZ)
		return ji_fail(err, step, EINVAL, "interface name \"%.*s\" is empty or longer than %d bytes",
			       IFNAMSIZ, name ? name : "", IFNAMSIZ - 1);
	return 0;
}

static int check_ifindex(int ifindex, const char *step, struct ji_err *err)
{
	if (ifindex <= 0)
		return ji_fail(err, step, EINVAL, "ifindex %d", ifindex);
	return 0;
}

static void put_ifinfomsg(struct nl_buf *b, int ifindex, unsigned flags, unsigned change)
{
	struct ifinfomsg *ifi = nl_put_extra(b, sizeof(*ifi));

	if (ifi == NULL)
		return;
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	ifi->ifi_flags = flags;
	ifi->ifi_change = change;
}

/* ---- rtnl_link_index ---------------------------------------------------- */

struct link_reply {
	const char *name; /* the reply must be about this link */
	int ifindex;      /* 0 until found */
};

/* Reads an RTM_NEWLINK: the ifindex of the link named ctx->name. */
static int link_reply_cb(const struct nlmsghdr *h, void *ctx)
{
	struct link_reply *lr = ctx;
	const struct ifinfomsg *ifi;
	const struct nlattr *tb[IFLA_IFNAME + 1];
	size_t n;

	if (h->nlmsg_type != RTM_NEWLINK)
		return 0;
	if (nl_msg_parse(h, sizeof(*ifi), tb, IFLA_IFNAME) < 0)
		return -1;
	ifi = NLMSG_DATA(h);
	if (tb[IFLA_IFNAME] == NULL)
		return 0;
	n = nl_attr_len(tb[IFLA_IFNAME]);
	if (n == 0 || n > IFNAMSIZ || strnlen(nl_attr_data(tb[IFLA_IFNAME]), n) != strlen(lr->name) ||
	    memcmp(nl_attr_data(tb[IFLA_IFNAME]), lr->name, strlen(lr->name)) != 0)
		return 0;
	if (ifi->ifi_index <= 0) {
		errno = EPROTO;
		return -1;
	}
	lr->ifindex = ifi->ifi_index;
	return 0;
}

int rtnl_link_index(struct nl_sock *s, const char *name, struct ji_err *err)
{
	static const char step[] = "look up link";
	struct rtnl_req r;
	struct link_reply lr = { .name = name };

	if (check_ifname(name, step, err) < 0)
		return -1;
	rtnl_req_init(&r);
	nl_msg_start(&r.b, RTM_GETLINK, 0);
	put_ifinfomsg(&r.b, 0, 0, 0);
	nl_put_str(&r.b, IFLA_IFNAME, name);
	nl_put_u32(&r.b, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	if (nl_request(s, &r.b, link_reply_cb, &lr, step, err) < 0)
		return ji_context(err, name);
	if (lr.ifindex <= 0)
		return ji_fail(err, step, ENODEV, "%s: no such link in the reply", name);
	return lr.ifindex;
}

/* ---- rtnl_veth_create --------------------------------------------------- */

int rtnl_veth_create(struct nl_sock *s, const char *name, const char *peer_name, pid_t peer_ns_pid,
		     struct ji_err *err)
{
	static const char step[] = "create veth";
	struct rtnl_req r;
	struct link_reply lr = { .name = name };
	size_t linkinfo, data, peer;

	if (check_ifname(name, step, err) < 0 || check_ifname(peer_name, step, err) < 0)
		return -1;
	if (peer_ns_pid <= 0)
		return ji_fail(err, step, EINVAL, "peer netns pid %d", (int)peer_ns_pid);
	rtnl_req_init(&r);
	/* NLM_F_ECHO: the kernel sends the new link back, with its ifindex,
	 * which saves the look-up round trip. */
	nl_msg_start(&r.b, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK | NLM_F_ECHO);
	put_ifinfomsg(&r.b, 0, 0, 0);
	nl_put_str(&r.b, IFLA_IFNAME, name);
	linkinfo = nl_nest_start(&r.b, IFLA_LINKINFO);
	nl_put_str(&r.b, IFLA_INFO_KIND, "veth");
	data = nl_nest_start(&r.b, IFLA_INFO_DATA);
	/* The peer: an ifinfomsg then its own attributes; born in the netns of
	 * peer_ns_pid, so nothing has to move it later. */
	peer = nl_nest_start(&r.b, VETH_INFO_PEER);
	put_ifinfomsg(&r.b, 0, 0, 0);
	nl_put_str(&r.b, IFLA_IFNAME, peer_name);
	nl_put_u32(&r.b, IFLA_NET_NS_PID, (uint32_t)peer_ns_pid);
	nl_nest_end(&r.b, peer);
	nl_nest_end(&r.b, data);
	nl_nest_end(&r.b, linkinfo);
	if (nl_request(s, &r.b, link_reply_cb, &lr, step, err) < 0) {
		char what[80];

		snprintf(what, sizeof(what), "%s, peer %s in the netns of pid %d", name, peer_name,
			 (int)peer_ns_pid);
		return ji_context(err, what);
	}
	if (lr.ifindex > 0)
		return lr.ifindex;
	/* a kernel that does not echo new links: ask */
	return rtnl_link_index(s, name, err);
}

/* ---- link changes ------------------------------------------------------- */

int rtnl_link_delete(struct nl_sock *s, int ifindex, struct ji_err *err)
{
	static const char step[] = "delete link";
	struct rtnl_req r;

	if (check_ifindex(ifindex, step, err) < 0)
		return -1;
	rtnl_req_init(&r);
	nl_msg_start(&r.b, RTM_DELLINK, NLM_F_ACK);
	put_ifinfomsg(&r.b, ifindex, 0, 0);
	return nl_transact(s, &r.b, step, err);
}

int rtnl_link_ipv6_addrgen_off(struct nl_sock *s, int ifindex, struct ji_err *err)
{
	static const char step[] = "turn off IPv6 address generation";
	struct rtnl_req r;
	size_t spec, inet6;

	if (check_ifindex(ifindex, step, err) < 0)
		return -1;
	rtnl_req_init(&r);
	nl_msg_start(&r.b, RTM_NEWLINK, NLM_F_ACK);
	put_ifinfomsg(&r.b, ifindex, 0, 0);
	spec = nl_nest_start(&r.b, IFLA_AF_SPEC);
	inet6 = nl_nest_start(&r.b, AF_INET6);
	nl_put_u8(&r.b, IFLA_INET6_ADDR_GEN_MODE, IN6_ADDR_GEN_MODE_NONE);
	nl_nest_end(&r.b, inet6);
	nl_nest_end(&r.b, spec);
	if (nl_transact(s, &r.b, step, err) == 0)
		return 0;
	/* The link has no IPv6 at all (a kernel without IPv6): there is no
	 * link-local to prevent, which is the point. */
	if (err != NULL && err->errnum == EAFNOSUPPORT)
		return 0;
	return -1;
}

int rtnl_link_up(struct nl_sock *s, int ifindex, struct ji_err *err)
{
	static const char step[] = "bring link up";
	struct rtnl_req r;

	if (check_ifindex(ifindex, step, err) < 0)
		return -1;
	rtnl_req_init(&r);
	nl_msg_start(&r.b, RTM_NEWLINK, NLM_F_ACK);
	put_ifinfomsg(&r.b, ifindex, IFF_UP, IFF_UP);
	return nl_transact(s, &r.b, step, err);
}

/* ---- addresses and routes ----------------------------------------------- */

int rtnl_addr_add4(struct nl_sock *s, int ifindex, uint32_t addr, int prefix, struct ji_err *err)
{
	static const char step[] = "add address";
	struct rtnl_req r;
	struct ifaddrmsg *ifa;

	if (ifindex <= 0 || prefix < 0 || prefix > 32)
		return ji_fail(err, step, EINVAL, "ifindex %d, prefix /%d", ifindex, prefix);
	rtnl_req_init(&r);
	nl_msg_start(&r.b, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK);
	ifa = nl_put_extra(&r.b, sizeof(*ifa));
	if (ifa != NULL) {
		ifa->ifa_family = AF_INET;
		ifa->ifa_prefixlen = (unsigned char)prefix;
		ifa->ifa_scope = RT_SCOPE_UNIVERSE;
		ifa->ifa_index = (unsigned)ifindex;
	}
	nl_put_be32(&r.b, IFA_LOCAL, addr);
	nl_put_be32(&r.b, IFA_ADDRESS, addr);
	return nl_transact(s, &r.b, step, err);
}

int rtnl_route_default4(struct nl_sock *s, int ifindex, uint32_t gateway, struct ji_err *err)
{
	static const char step[] = "add default route";
	struct rtnl_req r;
	struct rtmsg *rtm;

	if (check_ifindex(ifindex, step, err) < 0)
		return -1;
	rtnl_req_init(&r);
	nl_msg_start(&r.b, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK);
	rtm = nl_put_extra(&r.b, sizeof(*rtm));
	if (rtm != NULL) {
		rtm->rtm_family = AF_INET;
		rtm->rtm_dst_len = 0;
		rtm->rtm_table = RT_TABLE_MAIN;
		rtm->rtm_protocol = RTPROT_STATIC;
		rtm->rtm_scope = RT_SCOPE_UNIVERSE;
		rtm->rtm_type = RTN_UNICAST;
	}
	nl_put_be32(&r.b, RTA_GATEWAY, gateway);
	nl_put_u32(&r.b, RTA_OIF, (uint32_t)ifindex);
	return nl_transact(s, &r.b, step, err);
}

/* ---- rtnl_addr4_overlap ------------------------------------------------- */

struct overlap_scan {
	uint32_t net;
	int prefix;
	struct rtnl_addr4 *found;
	int hit;
};

static uint32_t prefix_mask(int prefix)
{
	return prefix <= 0 ? 0 : prefix >= 32 ? 0xffffffffu : ~((1u << (32 - prefix)) - 1);
}

/* Reads an RTM_NEWADDR of a dump: does its subnet overlap ours? */
static int addr_overlap_cb(const struct nlmsghdr *h, void *ctx)
{
	struct overlap_scan *sc = ctx;
	const struct ifaddrmsg *ifa;
	const struct nlattr *tb[IFA_LOCAL + 1], *a;
	uint32_t be, addr, mask;

	if (h->nlmsg_type != RTM_NEWADDR || sc->hit)
		return 0;
	if (nl_msg_parse(h, sizeof(*ifa), tb, IFA_LOCAL) < 0)
		return -1;
	ifa = NLMSG_DATA(h);
	if (ifa->ifa_family != AF_INET)
		return 0;
	a = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
	if (a == NULL || nl_attr_len(a) != sizeof(be))
		return 0;
	memcpy(&be, nl_attr_data(a), sizeof(be));
	addr = ntohl(be);
	/* Two subnets overlap when they agree under the shorter mask. */
	mask = prefix_mask(ifa->ifa_prefixlen < sc->prefix ? ifa->ifa_prefixlen : sc->prefix);
	if ((addr & mask) != (sc->net & mask))
		return 0;
	sc->hit = 1;
	sc->found->addr = addr;
	sc->found->prefix = ifa->ifa_prefixlen;
	sc->found->ifindex = (int)ifa->ifa_index;
	return 0;
}

int rtnl_addr4_overlap(struct nl_sock *s, uint32_t net, int prefix, struct rtnl_addr4 *found, struct ji_err *err)
{
	static const char step[] = "list addresses";
	struct rtnl_req r;
	struct ifaddrmsg *ifa;
	struct overlap_scan sc = { .net = net, .prefix = prefix, .found = found, .hit = 0 };

	rtnl_req_init(&r);
	nl_msg_start(&r.b, RTM_GETADDR, NLM_F_DUMP);
	ifa = nl_put_extra(&r.b, sizeof(*ifa));
	if (ifa != NULL)
		ifa->ifa_family = AF_INET;
	if (nl_request(s, &r.b, addr_overlap_cb, &sc, step, err) < 0)
		return -1;
	return sc.hit;
}
