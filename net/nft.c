/* nft: the jail's egress table (see nft.h), encoded the way the kernel's
 * nf_tables expressions expect it (the same bytes `nft --debug=netlink`
 * shows for the equivalent ruleset, see docs/network.md):
 *
 * table inet jailinit {
 *   chain input { type filter hook input priority filter; policy accept;
 *     iifname L ip daddr A tcp dport PROXY accept
 *     iifname L ip daddr A udp dport DNS accept
 *     iifname L ip daddr A tcp dport DNS accept
 *     iifname L meta nfproto ipv6 drop
 *     iifname L meta l4proto tcp reject with tcp reset
 *     iifname L reject with icmpx admin-prohibited }
 *   chain forward { type filter hook forward priority filter; policy accept;
 *     iifname L meta l4proto tcp reject with tcp reset
 *     iifname L reject with icmpx admin-prohibited
 *     oifname L drop }
 *   chain prerouting { type nat hook prerouting priority dstnat; policy accept;
 *     iifname L ip daddr A udp dport 53 redirect to :DNS   (any daddr:
 *     iifname L ip daddr A tcp dport 53 redirect to :DNS    meta nfproto ipv4)
 *     iifname L meta l4proto tcp redirect to :PROXY }
 * }
 *
 * Every value the kernel reads as a u32 (registers, keys, offsets, verdicts,
 * hook numbers, priorities, flags) travels in network byte order, and the
 * attributes come in the order nft sends them, so a rule's bytes are the
 * bytes nft would send for it. */
#include "nft.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <net/if.h>
#include <netinet/in.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_nat.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter_ipv4.h>

/* The largest batch (replace + transparent + DNS) is 4.3 KiB. */
#define NFT_BUF 8192
#define NFT_TYPE(msg) ((uint16_t)((NFNL_SUBSYS_NFTABLES << 8) | (msg)))

struct nft_req {
	struct nl_buf b;
	union {
		unsigned char bytes[NFT_BUF];
		struct nlmsghdr align;
	} storage;
};

static void nft_req_init(struct nft_req *q)
{
	nl_buf_init(&q->b, q->storage.bytes, sizeof(q->storage.bytes));
}

static void nft_msg_start(struct nl_buf *b, uint16_t type, uint16_t flags, uint8_t family, uint16_t res_id)
{
	struct nfgenmsg *g;

	nl_msg_start(b, type, flags);
	g = nl_put_extra(b, sizeof(*g));
	if (g == NULL)
		return;
	g->nfgen_family = family;
	g->version = NFNETLINK_V0;
	g->res_id = htons(res_id);
}

/* A batch is framed by BEGIN/END markers (NFNL_MSG_BATCH_BEGIN/_END)
 * addressed to the nf_tables subsystem; the kernel applies everything
 * between them or nothing. */
static void batch_marker(struct nl_buf *b, uint16_t type)
{
	nft_msg_start(b, type, 0, AF_UNSPEC, NFNL_SUBSYS_NFTABLES);
	nl_msg_end(b);
}

/* ---- tables and chains -------------------------------------------------- */

static uint32_t table_flags(enum nft_table_life life)
{
	switch (life) {
	case NFT_TABLE_OWNED:
		return NFT_TABLE_F_OWNER;
	case NFT_TABLE_OWNED_PERSIST:
		return NFT_TABLE_F_OWNER | NFT_TABLE_F_PERSIST;
	case NFT_TABLE_UNOWNED:
		break;
	}
	return 0;
}

/* The comment `nft list` shows: libnftnl's user data is a list of
 * (type u8, length u8, value) records, and a table's comment is record 0
 * (NFTNL_UDATA_TABLE_COMMENT), a string with its NUL. */
static void table_comment(struct nl_buf *b, uint32_t owner_pid)
{
	unsigned char ud[2 + 32];
	int n = snprintf((char *)ud + 2, sizeof(ud) - 2, "jailinit pid=%u", (unsigned)owner_pid);

	ud[0] = 0;
	ud[1] = (unsigned char)(n + 1);
	nl_put(b, NFTA_TABLE_USERDATA, ud, 2 + (size_t)n + 1);
}

static void table_add(struct nl_buf *b, const struct nft_jail_rules *r)
{
	/* EXCL: a table left by an earlier run is reported (EEXIST), and
	 * replaced on the slow path, instead of being merged into */
	nft_msg_start(b, NFT_TYPE(NFT_MSG_NEWTABLE), NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK, NFPROTO_INET, 0);
	nl_put_str(b, NFTA_TABLE_NAME, r->table);
	nl_put_be32(b, NFTA_TABLE_FLAGS, table_flags(r->life));
	if (r->owner_pid > 0)
		table_comment(b, r->owner_pid);
	nl_msg_end(b);
}

static void table_del(struct nl_buf *b, const char *table)
{
	nft_msg_start(b, NFT_TYPE(NFT_MSG_DELTABLE), NLM_F_ACK, NFPROTO_INET, 0);
	nl_put_str(b, NFTA_TABLE_NAME, table);
	nl_msg_end(b);
}

static void chain_add(struct nl_buf *b, const char *table, const char *chain, const char *type,
		      uint32_t hooknum, int32_t priority)
{
	size_t hook;

	nft_msg_start(b, NFT_TYPE(NFT_MSG_NEWCHAIN), NLM_F_CREATE | NLM_F_ACK, NFPROTO_INET, 0);
	nl_put_str(b, NFTA_CHAIN_TABLE, table);
	nl_put_str(b, NFTA_CHAIN_NAME, chain);
	hook = nl_nest_start(b, NFTA_CHAIN_HOOK);
	nl_put_be32(b, NFTA_HOOK_HOOKNUM, hooknum);
	nl_put_be32(b, NFTA_HOOK_PRIORITY, (uint32_t)priority);
	nl_nest_end(b, hook);
	nl_put_be32(b, NFTA_CHAIN_POLICY, NF_ACCEPT);
	nl_put_str(b, NFTA_CHAIN_TYPE, type);
	nl_msg_end(b);
}

/* ---- rules and expressions ---------------------------------------------- */

static size_t rule_start(struct nl_buf *b, const char *table, const char *chain)
{
	nft_msg_start(b, NFT_TYPE(NFT_MSG_NEWRULE), NLM_F_CREATE | NLM_F_APPEND | NLM_F_ACK, NFPROTO_INET, 0);
	nl_put_str(b, NFTA_RULE_TABLE, table);
	nl_put_str(b, NFTA_RULE_CHAIN, chain);
	return nl_nest_start(b, NFTA_RULE_EXPRESSIONS);
}

static void rule_end(struct nl_buf *b, size_t exprs)
{
	nl_nest_end(b, exprs);
	nl_msg_end(b);
}

struct expr {
	size_t elem, data;
};

static struct expr expr_start(struct nl_buf *b, const char *name)
{
	struct expr e;

	e.elem = nl_nest_start(b, NFTA_LIST_ELEM);
	nl_put_str(b, NFTA_EXPR_NAME, name);
	e.data = nl_nest_start(b, NFTA_EXPR_DATA);
	return e;
}

static void expr_end(struct nl_buf *b, struct expr e)
{
	nl_nest_end(b, e.data);
	nl_nest_end(b, e.elem);
}

/* [ meta load KEY => reg 1 ] */
static void meta_load(struct nl_buf *b, uint32_t key)
{
	struct expr e = expr_start(b, "meta");

	nl_put_be32(b, NFTA_META_KEY, key);
	nl_put_be32(b, NFTA_META_DREG, NFT_REG_1);
	expr_end(b, e);
}

/* [ payload load LEN @ BASE + OFFSET => reg 1 ] */
static void payload_load(struct nl_buf *b, uint32_t base, uint32_t offset, uint32_t len)
{
	struct expr e = expr_start(b, "payload");

	nl_put_be32(b, NFTA_PAYLOAD_DREG, NFT_REG_1);
	nl_put_be32(b, NFTA_PAYLOAD_BASE, base);
	nl_put_be32(b, NFTA_PAYLOAD_OFFSET, offset);
	nl_put_be32(b, NFTA_PAYLOAD_LEN, len);
	expr_end(b, e);
}

/* [ cmp eq reg 1 VALUE ] */
static void cmp_eq(struct nl_buf *b, const void *value, size_t len)
{
	struct expr e = expr_start(b, "cmp");
	size_t data;

	nl_put_be32(b, NFTA_CMP_SREG, NFT_REG_1);
	nl_put_be32(b, NFTA_CMP_OP, NFT_CMP_EQ);
	data = nl_nest_start(b, NFTA_CMP_DATA);
	nl_put(b, NFTA_DATA_VALUE, value, len);
	nl_nest_end(b, data);
	expr_end(b, e);
}

/* [ immediate reg 0 accept|drop ] */
static void verdict(struct nl_buf *b, uint32_t code)
{
	struct expr e = expr_start(b, "immediate");
	size_t data, v;

	nl_put_be32(b, NFTA_IMMEDIATE_DREG, NFT_REG_VERDICT);
	data = nl_nest_start(b, NFTA_IMMEDIATE_DATA);
	v = nl_nest_start(b, NFTA_DATA_VERDICT);
	nl_put_be32(b, NFTA_VERDICT_CODE, code);
	nl_nest_end(b, v);
	nl_nest_end(b, data);
	expr_end(b, e);
}

/* [ immediate reg 1 PORT ] [ redir proto_min reg 1 flags 0x2 ] */
static void redirect(struct nl_buf *b, uint16_t port)
{
	struct expr e = expr_start(b, "immediate");
	uint16_t be_port = htons(port);
	size_t data;

	nl_put_be32(b, NFTA_IMMEDIATE_DREG, NFT_REG_1);
	data = nl_nest_start(b, NFTA_IMMEDIATE_DATA);
	nl_put(b, NFTA_DATA_VALUE, &be_port, sizeof(be_port));
	nl_nest_end(b, data);
	expr_end(b, e);

	e = expr_start(b, "redir");
	nl_put_be32(b, NFTA_REDIR_REG_PROTO_MIN, NFT_REG_1);
	nl_put_be32(b, NFTA_REDIR_FLAGS, NF_NAT_RANGE_PROTO_SPECIFIED);
	expr_end(b, e);
}

/* iifname / oifname NAME: the name zero-padded to IFNAMSIZ, as nft does */
static void match_ifname(struct nl_buf *b, uint32_t key, const char *name)
{
	char padded[IFNAMSIZ];

	memset(padded, 0, sizeof(padded));
	strncpy(padded, name, sizeof(padded) - 1);
	meta_load(b, key);
	cmp_eq(b, padded, sizeof(padded));
}

/* meta nfproto / meta l4proto: one byte */
static void match_meta_u8(struct nl_buf *b, uint32_t key, uint8_t v)
{
	meta_load(b, key);
	cmp_eq(b, &v, sizeof(v));
}

/* ip daddr A (with the "is IPv4" test an inet table needs before it reads
 * an IPv4 header field) */
static void match_ip_daddr(struct nl_buf *b, uint32_t addr)
{
	uint32_t be_addr = htonl(addr);

	match_meta_u8(b, NFT_META_NFPROTO, NFPROTO_IPV4);
	payload_load(b, NFT_PAYLOAD_NETWORK_HEADER, 16, sizeof(be_addr));
	cmp_eq(b, &be_addr, sizeof(be_addr));
}

/* tcp|udp dport P */
static void match_dport(struct nl_buf *b, uint8_t l4proto, uint16_t port)
{
	uint16_t be_port = htons(port);

	match_meta_u8(b, NFT_META_L4PROTO, l4proto);
	payload_load(b, NFT_PAYLOAD_TRANSPORT_HEADER, 2, sizeof(be_port));
	cmp_eq(b, &be_port, sizeof(be_port));
}

/* iifname L ip daddr A PROTO dport P accept */
static void rule_accept_port(struct nl_buf *b, const struct nft_jail_rules *r, uint8_t l4proto, uint16_t port)
{
	size_t x = rule_start(b, r->table, "input");

	match_ifname(b, NFT_META_IIFNAME, r->link_name);
	match_ip_daddr(b, r->outer_addr);
	match_dport(b, l4proto, port);
	verdict(b, NF_ACCEPT);
	rule_end(b, x);
}

/* iifname L [ip daddr A] PROTO dport 53 redirect to :DNS (any address:
 * the jail's DNS answers whatever server the agent's resolv.conf names) */
static void rule_redirect_dns(struct nl_buf *b, const struct nft_jail_rules *r, uint8_t l4proto)
{
	size_t x = rule_start(b, r->table, "prerouting");

	match_ifname(b, NFT_META_IIFNAME, r->link_name);
	if (!r->dns_any_daddr)
		match_ip_daddr(b, r->outer_addr);
	else
		match_meta_u8(b, NFT_META_NFPROTO, NFPROTO_IPV4);
	match_dport(b, l4proto, 53);
	redirect(b, r->dns_port);
	rule_end(b, x);
}

/* iifname|oifname L drop */
static void rule_drop_link(struct nl_buf *b, const struct nft_jail_rules *r, const char *chain, uint32_t key)
{
	size_t x = rule_start(b, r->table, chain);

	match_ifname(b, key, r->link_name);
	verdict(b, NF_DROP);
	rule_end(b, x);
}

/* [ reject type T code C ] */
static void reject(struct nl_buf *b, uint32_t type, uint8_t code)
{
	struct expr e = expr_start(b, "reject");

	nl_put_be32(b, NFTA_REJECT_TYPE, type);
	nl_put(b, NFTA_REJECT_ICMP_CODE, &code, sizeof(code));
	expr_end(b, e);
}

/* What the jail sends where it may not is refused loudly, so that its
 * tools fail in milliseconds ("connection refused", "host unreachable")
 * instead of waiting out their own timeouts; as closed as a drop:
 *   iifname L meta l4proto tcp reject with tcp reset
 *   iifname L reject with icmpx admin-prohibited */
static void rules_refuse_from_link(struct nl_buf *b, const struct nft_jail_rules *r, const char *chain)
{
	size_t x = rule_start(b, r->table, chain);

	match_ifname(b, NFT_META_IIFNAME, r->link_name);
	match_meta_u8(b, NFT_META_L4PROTO, IPPROTO_TCP);
	reject(b, NFT_REJECT_TCP_RST, 0);
	rule_end(b, x);

	x = rule_start(b, r->table, chain);
	match_ifname(b, NFT_META_IIFNAME, r->link_name);
	reject(b, NFT_REJECT_ICMPX_UNREACH, NFT_REJECT_ICMPX_ADMIN_PROHIBITED);
	rule_end(b, x);
}

void nft_jail_build(struct nl_buf *b, const struct nft_jail_rules *r, int replace)
{
	size_t x;

	batch_marker(b, NFNL_MSG_BATCH_BEGIN);
	if (replace)
		table_del(b, r->table);
	table_add(b, r);

	chain_add(b, r->table, "input", "filter", NF_INET_LOCAL_IN, NF_IP_PRI_FILTER);
	if (r->proxy_port)
		rule_accept_port(b, r, IPPROTO_TCP, r->proxy_port);
	if (r->dns_port) {
		rule_accept_port(b, r, IPPROTO_UDP, r->dns_port);
		rule_accept_port(b, r, IPPROTO_TCP, r->dns_port);
	}
	/* IPv6 has no business on the link (no addresses either); said
	 * explicitly so that `nft list` shows it */
	x = rule_start(b, r->table, "input");
	match_ifname(b, NFT_META_IIFNAME, r->link_name);
	match_meta_u8(b, NFT_META_NFPROTO, NFPROTO_IPV6);
	verdict(b, NF_DROP);
	rule_end(b, x);
	/* everything else from the jail, ICMP included */
	rules_refuse_from_link(b, r, "input");

	/* the jail's link is never a path to anywhere else */
	chain_add(b, r->table, "forward", "filter", NF_INET_FORWARD, NF_IP_PRI_FILTER);
	rules_refuse_from_link(b, r, "forward");
	rule_drop_link(b, r, "forward", NFT_META_OIFNAME);

	if (r->dns_port || r->transparent) {
		chain_add(b, r->table, "prerouting", "nat", NF_INET_PRE_ROUTING, NF_IP_PRI_NAT_DST);
		if (r->dns_port) {
			rule_redirect_dns(b, r, IPPROTO_UDP);
			rule_redirect_dns(b, r, IPPROTO_TCP);
		}
		if (r->transparent) {
			x = rule_start(b, r->table, "prerouting");
			match_ifname(b, NFT_META_IIFNAME, r->link_name);
			match_meta_u8(b, NFT_META_L4PROTO, IPPROTO_TCP);
			redirect(b, r->proxy_port);
			rule_end(b, x);
		}
	}
	batch_marker(b, NFNL_MSG_BATCH_END);
}

static int check_table_name(const char *table, const char *step, struct ji_err *err)
{
	if (table == NULL || table[0] == '\0' || strnlen(table, NFT_TABLE_MAXNAMELEN) >= NFT_TABLE_MAXNAMELEN)
		return ji_fail(err, step, EINVAL, "table name is empty or longer than %d bytes",
			       NFT_TABLE_MAXNAMELEN - 1);
	return 0;
}

/* Hand the error up with the table's name in front of the kernel's words. */
static int nft_fail(struct ji_err *err, struct ji_err *e, const char *table)
{
	char what[NFT_TABLE_MAXNAMELEN + 16];

	snprintf(what, sizeof(what), "table inet %s", table);
	ji_context(e, what);
	if (err != NULL)
		*err = *e;
	return -1;
}

/* One install: the fast path, and only when the name is taken the replace
 * batch. The kernel's error is left in *e. */
static int install_or_replace(struct nl_sock *s, const struct nft_jail_rules *r, const char *step,
			      struct ji_err *e)
{
	struct nft_req q;

	nft_req_init(&q);
	nft_jail_build(&q.b, r, 0);
	memset(e, 0, sizeof(*e));
	if (nl_transact(s, &q.b, step, e) == 0)
		return 0;
	if (e->errnum != EEXIST)
		return -1;
	/* Slow path: a table of this name is left from an earlier run.
	 * Delete it and install ours in one batch, so there is no moment
	 * without rules; the deletion waits for an RCU grace period. (A
	 * table still owned by a live socket answers EPERM to both, and
	 * stays.) */
	nft_req_init(&q);
	nft_jail_build(&q.b, r, 1);
	memset(e, 0, sizeof(*e));
	return nl_transact(s, &q.b, "replace stale nf_tables table", e);
}

int nft_jail_install(struct nl_sock *s, const struct nft_jail_rules *r, struct ji_err *err)
{
	static const char step[] = "install nf_tables table";
	struct ji_err e;

	if (check_table_name(r->table, step, err) < 0)
		return -1;
	if (r->link_name == NULL || r->link_name[0] == '\0' || strnlen(r->link_name, IFNAMSIZ) >= IFNAMSIZ)
		return ji_fail(err, step, EINVAL, "link name is empty or longer than %d bytes", IFNAMSIZ - 1);
	if (r->outer_addr == 0)
		return ji_fail(err, step, EINVAL, "no address for the outer end of the link");
	if (r->transparent && r->proxy_port == 0)
		return ji_fail(err, step, EINVAL, "transparent mode needs a proxy port");

	if (install_or_replace(s, r, step, &e) == 0)
		return 0;
	if (e.errnum == EOPNOTSUPP && r->life == NFT_TABLE_OWNED_PERSIST) {
		/* Before Linux 6.9 there is no PERSIST: a table nobody owns
		 * outlives us just the same, only without the kernel keeping
		 * others off it while we live. */
		struct nft_jail_rules unowned = *r;

		unowned.life = NFT_TABLE_UNOWNED;
		if (install_or_replace(s, &unowned, step, &e) == 0)
			return 0;
	}
	return nft_fail(err, &e, r->table);
}

int nft_jail_delete(struct nl_sock *s, const char *table, struct ji_err *err)
{
	static const char step[] = "delete nf_tables table";
	struct nft_req q;
	struct ji_err e;

	if (check_table_name(table, step, err) < 0)
		return -1;
	nft_req_init(&q);
	batch_marker(&q.b, NFNL_MSG_BATCH_BEGIN);
	table_del(&q.b, table);
	batch_marker(&q.b, NFNL_MSG_BATCH_END);
	memset(&e, 0, sizeof(e));
	if (nl_transact(s, &q.b, step, &e) == 0 || e.errnum == ENOENT)
		return 0;
	return nft_fail(err, &e, table);
}
