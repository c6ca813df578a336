/* Unit tests of net/nft.c's batch (nft_jail_build): the BEGIN/END framing
 * and sequence numbers, which messages ask for acks, the table's flags, the
 * replace path, the chains' hooks, and the exact bytes of rules compared
 * with what nft itself sends for the same rule (captured from
 * `strace -xx nft -f` of the equivalent ruleset in a scratch netns: the
 * hex strings below). Every buffer size is tried under ASan too. */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>

#include <cmocka.h>

#include "net/nft.h"
#include "net/nl.h"

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the captured bytes below come from a little-endian host"
#endif

/* NFTA_RULE_EXPRESSIONS payload nft sends for
 *   iifname "ji0" ip daddr 10.200.0.1 tcp dport 3128 accept */
static const char nft_input_rule[] =
	"24000180090001006d6574610000000014000280080002000000000608000100"
	"000000013800018008000100636d70002c000280080001000000000108000200"
	"0000000018000380140001006a69300000000000000000000000000024000180"
	"090001006d6574610000000014000280080002000000000f0800010000000001"
	"2c00018008000100636d70002000028008000100000000010800020000000000"
	"0c0003800500010002000000340001800c0001007061796c6f61640024000280"
	"0800010000000001080002000000000108000300000000100800040000000004"
	"2c00018008000100636d70002000028008000100000000010800020000000000"
	"0c000380080001000ac8000124000180090001006d6574610000000014000280"
	"080002000000001008000100000000012c00018008000100636d700020000280"
	"080001000000000108000200000000000c000380050001000600000034000180"
	"0c0001007061796c6f6164002400028008000100000000010800020000000002"
	"080003000000000208000400000000022c00018008000100636d700020000280"
	"080001000000000108000200000000000c000380060001000c38000030000180"
	"0e000100696d6d6564696174650000001c000280080001000000000010000280"
	"0c0002800800010000000001";
/* ... for  iifname "ji0" meta l4proto tcp reject with tcp reset  (input
 * and forward chains) */
static const char nft_reject_tcp_rule[] =
	"24000180090001006d6574610000000014000280080002000000000608000100"
	"000000013800018008000100636d70002c000280080001000000000108000200"
	"0000000018000380140001006a69300000000000000000000000000024000180"
	"090001006d6574610000000014000280080002000000001008000100000000012c"
	"00018008000100636d700020000280080001000000000108000200000000000c"
	"0003800500010006000000240001800b00010072656a65637400001400028008"
	"000100000000010500020000000000";
/* ... for  iifname "ji0" reject with icmpx admin-prohibited */
static const char nft_reject_icmpx_rule[] =
	"24000180090001006d6574610000000014000280080002000000000608000100"
	"000000013800018008000100636d70002c000280080001000000000108000200"
	"0000000018000380140001006a69300000000000000000000000000024000180"
	"0b00010072656a65637400001400028008000100000000020500020003000000";
/* ... for  oifname "ji0" drop  (forward chain) */
static const char nft_forward_rule[] =
	"24000180090001006d6574610000000014000280080002000000000708000100"
	"000000013800018008000100636d70002c000280080001000000000108000200"
	"0000000018000380140001006a69300000000000000000000000000030000180"
	"0e000100696d6d6564696174650000001c000280080001000000000010000280"
	"0c0002800800010000000000";
/* ... for  iifname "ji0" meta l4proto tcp redirect to :3128 */
static const char nft_redirect_rule[] =
	"24000180090001006d6574610000000014000280080002000000000608000100"
	"000000013800018008000100636d70002c000280080001000000000108000200"
	"0000000018000380140001006a69300000000000000000000000000024000180"
	"090001006d657461000000001400028008000200000000100800010000000001"
	"2c00018008000100636d70002000028008000100000000010800020000000000"
	"0c00038005000100060000002c0001800e000100696d6d656469617465000000"
	"1800028008000100000000010c000280060001000c380000240001800a000100"
	"72656469720000001400028008000100000000010800030000000002";

#define NFT_MSG(m) ((NFNL_SUBSYS_NFTABLES << 8) | (m))

struct batch {
	uint32_t storage[2048];
	struct nl_buf b;
	const struct nlmsghdr *msg[64];
	size_t n;
};

static const struct nft_jail_rules base_rules = {
	.table = NFT_JAIL_TABLE,
	.link_name = "ji0",
	.outer_addr = 0x0ac80001, /* 10.200.0.1 */
	.proxy_port = 3128,
};

/* Build and index the messages, checking each one's length. */
static void build(struct batch *t, const struct nft_jail_rules *r, int replace)
{
	size_t off = 0;

	nl_buf_init(&t->b, t->storage, sizeof(t->storage));
	nft_jail_build(&t->b, r, replace);
	assert_false(t->b.overflow);
	t->n = 0;
	while (off < t->b.len) {
		const struct nlmsghdr *h = (const struct nlmsghdr *)((unsigned char *)t->storage + off);

		assert_true(t->b.len - off >= NLMSG_HDRLEN);
		assert_true(h->nlmsg_len >= NLMSG_LENGTH(sizeof(struct nfgenmsg)));
		assert_true(h->nlmsg_len <= t->b.len - off);
		assert_true(t->n < 64);
		t->msg[t->n++] = h;
		off += NLMSG_ALIGN(h->nlmsg_len);
	}
	assert_int_equal(off, t->b.len);
}

static const struct nfgenmsg *gen(const struct nlmsghdr *h)
{
	return NLMSG_DATA(h);
}

/* The attributes after the nfgenmsg. */
static void attrs(const struct nlmsghdr *h, const struct nlattr **tb, uint16_t max)
{
	size_t hdr = NLMSG_LENGTH(NLMSG_ALIGN(sizeof(struct nfgenmsg)));

	assert_int_equal(nl_attr_parse((const unsigned char *)h + hdr, h->nlmsg_len - hdr, tb, max), 0);
}

static uint32_t be32_attr(const struct nlattr *a)
{
	uint32_t v;

	assert_non_null(a);
	assert_int_equal(nl_attr_len(a), 4);
	memcpy(&v, nl_attr_data(a), 4);
	return ntohl(v);
}

static size_t count_type(const struct batch *t, uint16_t type)
{
	size_t i, n = 0;

	for (i = 0; i < t->n; i++)
		n += t->msg[i]->nlmsg_type == type;
	return n;
}

static void unhex(const char *hex, unsigned char *out, size_t *len)
{
	size_t i, n = strlen(hex) / 2;

	for (i = 0; i < n; i++) {
		unsigned v;

		assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
		out[i] = (unsigned char)v;
	}
	*len = n;
}

/* The expressions of the k-th rule of `chain`. */
static const struct nlattr *rule_exprs(const struct batch *t, const char *chain, int k)
{
	size_t i;

	for (i = 0; i < t->n; i++) {
		const struct nlattr *tb[NFTA_RULE_MAX + 1];

		if (t->msg[i]->nlmsg_type != NFT_MSG(NFT_MSG_NEWRULE))
			continue;
		attrs(t->msg[i], tb, NFTA_RULE_MAX);
		assert_non_null(tb[NFTA_RULE_CHAIN]);
		if (strcmp(nl_attr_data(tb[NFTA_RULE_CHAIN]), chain) != 0 || k-- > 0)
			continue;
		assert_string_equal(nl_attr_data(tb[NFTA_RULE_TABLE]), NFT_JAIL_TABLE);
		return tb[NFTA_RULE_EXPRESSIONS];
	}
	fail_msg("no rule %d in chain %s", k, chain);
	return NULL;
}

static void assert_rule_bytes(const struct batch *t, const char *chain, int k, const char *hex)
{
	unsigned char want[1024];
	size_t len;
	const struct nlattr *e = rule_exprs(t, chain, k);

	assert_non_null(e);
	assert_true(e->nla_type & NLA_F_NESTED);
	unhex(hex, want, &len);
	assert_int_equal(nl_attr_len(e), len);
	assert_memory_equal(nl_attr_data(e), want, len);
}

/* ---- tests -------------------------------------------------------------- */

static void test_batch_framing(void **state)
{
	struct batch *t = malloc(sizeof(*t));
	size_t i;

	(void)state;
	assert_non_null(t);
	build(t, &base_rules, 0);
	/* BEGIN ... END, both to the nf_tables subsystem, neither acked */
	assert_true(t->n >= 3);
	assert_int_equal(t->msg[0]->nlmsg_type, NFNL_MSG_BATCH_BEGIN);
	assert_int_equal(t->msg[t->n - 1]->nlmsg_type, NFNL_MSG_BATCH_END);
	for (i = 0; i < t->n; i += t->n - 1) {
		assert_int_equal(t->msg[i]->nlmsg_flags, NLM_F_REQUEST);
		assert_int_equal(gen(t->msg[i])->nfgen_family, AF_UNSPEC);
		assert_int_equal(gen(t->msg[i])->res_id, htons(NFNL_SUBSYS_NFTABLES));
		assert_int_equal(t->msg[i]->nlmsg_len, NLMSG_LENGTH(sizeof(struct nfgenmsg)));
	}
	/* consecutive sequence numbers; every message inside asks for an ack
	 * and is an nf_tables message of the inet family */
	for (i = 0; i < t->n; i++) {
		assert_int_equal(t->msg[i]->nlmsg_seq, t->msg[0]->nlmsg_seq + i);
		assert_int_equal(t->msg[i]->nlmsg_pid, 0);
		if (i == 0 || i == t->n - 1)
			continue;
		assert_true(t->msg[i]->nlmsg_flags & NLM_F_ACK);
		assert_true(t->msg[i]->nlmsg_flags & NLM_F_REQUEST);
		assert_int_equal(t->msg[i]->nlmsg_type >> 8, NFNL_SUBSYS_NFTABLES);
		assert_int_equal(gen(t->msg[i])->nfgen_family, NFPROTO_INET);
		assert_int_equal(gen(t->msg[i])->version, NFNETLINK_V0);
	}
	/* table, input + forward, 4 input rules (proxy, ipv6, tcp reset, icmpx)
	 * + 3 forward (tcp reset, icmpx, oifname drop) */
	assert_int_equal(t->msg[1]->nlmsg_type, NFT_MSG(NFT_MSG_NEWTABLE));
	assert_int_equal(count_type(t, NFT_MSG(NFT_MSG_NEWTABLE)), 1);
	assert_int_equal(count_type(t, NFT_MSG(NFT_MSG_NEWCHAIN)), 2);
	assert_int_equal(count_type(t, NFT_MSG(NFT_MSG_NEWRULE)), 7);
	assert_int_equal(count_type(t, NFT_MSG(NFT_MSG_DELTABLE)), 0);
	assert_int_equal(t->n, 12);
	free(t);
}

static void test_table_flags(void **state)
{
	struct batch *t = malloc(sizeof(*t));
	struct nft_jail_rules r = base_rules;
	const struct nlattr *tb[NFTA_TABLE_MAX + 1];

	(void)state;
	assert_non_null(t);
	build(t, &r, 0);
	assert_int_equal(t->msg[1]->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL);
	attrs(t->msg[1], tb, NFTA_TABLE_MAX);
	assert_string_equal(nl_attr_data(tb[NFTA_TABLE_NAME]), "jailinit");
	assert_int_equal(be32_attr(tb[NFTA_TABLE_FLAGS]), 0);

	assert_null(tb[NFTA_TABLE_USERDATA]);

	r.life = NFT_TABLE_OWNED;
	r.table = "other";
	build(t, &r, 0);
	attrs(t->msg[1], tb, NFTA_TABLE_MAX);
	assert_string_equal(nl_attr_data(tb[NFTA_TABLE_NAME]), "other");
	assert_int_equal(be32_attr(tb[NFTA_TABLE_FLAGS]), NFT_TABLE_F_OWNER);

	r.life = NFT_TABLE_OWNED_PERSIST;
	build(t, &r, 0);
	attrs(t->msg[1], tb, NFTA_TABLE_MAX);
	assert_int_equal(be32_attr(tb[NFTA_TABLE_FLAGS]), NFT_TABLE_F_OWNER | NFT_TABLE_F_PERSIST);
	free(t);
}

/* The owner's pid as the comment nft shows: libnftnl's record 0
 * (NFTNL_UDATA_TABLE_COMMENT), length with the NUL, the string. */
static void test_table_comment_names_the_owner(void **state)
{
	struct batch *t = malloc(sizeof(*t));
	struct nft_jail_rules r = base_rules;
	const struct nlattr *tb[NFTA_TABLE_MAX + 1];
	static const char want[] = "\x00\x12jailinit pid=4242";

	(void)state;
	assert_non_null(t);
	r.owner_pid = 4242;
	build(t, &r, 0);
	attrs(t->msg[1], tb, NFTA_TABLE_MAX);
	assert_non_null(tb[NFTA_TABLE_USERDATA]);
	assert_int_equal(nl_attr_len(tb[NFTA_TABLE_USERDATA]), sizeof(want));
	assert_memory_equal(nl_attr_data(tb[NFTA_TABLE_USERDATA]), want, sizeof(want));
	free(t);
}

static void test_replace_deletes_first(void **state)
{
	struct batch *t = malloc(sizeof(*t));
	const struct nlattr *tb[NFTA_TABLE_MAX + 1];

	(void)state;
	assert_non_null(t);
	build(t, &base_rules, 1);
	assert_int_equal(t->msg[0]->nlmsg_type, NFNL_MSG_BATCH_BEGIN);
	assert_int_equal(t->msg[1]->nlmsg_type, NFT_MSG(NFT_MSG_DELTABLE));
	assert_true(t->msg[1]->nlmsg_flags & NLM_F_ACK);
	attrs(t->msg[1], tb, NFTA_TABLE_MAX);
	assert_string_equal(nl_attr_data(tb[NFTA_TABLE_NAME]), "jailinit");
	assert_int_equal(t->msg[2]->nlmsg_type, NFT_MSG(NFT_MSG_NEWTABLE));
	assert_int_equal(t->n, 13);
	free(t);
}

static void test_chain_hooks(void **state)
{
	struct batch *t = malloc(sizeof(*t));
	struct nft_jail_rules r = base_rules;
	static const struct {
		const char *name, *type;
		uint32_t hook;
		int32_t prio;
	} want[] = {
		{ "input", "filter", NF_INET_LOCAL_IN, 0 },
		{ "forward", "filter", NF_INET_FORWARD, 0 },
		{ "prerouting", "nat", NF_INET_PRE_ROUTING, -100 },
	};
	size_t i, c = 0;

	(void)state;
	assert_non_null(t);
	r.transparent = 1;
	r.dns_port = 5353;
	build(t, &r, 0);
	for (i = 0; i < t->n; i++) {
		const struct nlattr *tb[NFTA_CHAIN_MAX + 1], *hk[NFTA_HOOK_MAX + 1];

		if (t->msg[i]->nlmsg_type != NFT_MSG(NFT_MSG_NEWCHAIN))
			continue;
		assert_true(c < 3);
		attrs(t->msg[i], tb, NFTA_CHAIN_MAX);
		assert_string_equal(nl_attr_data(tb[NFTA_CHAIN_TABLE]), "jailinit");
		assert_string_equal(nl_attr_data(tb[NFTA_CHAIN_NAME]), want[c].name);
		assert_string_equal(nl_attr_data(tb[NFTA_CHAIN_TYPE]), want[c].type);
		assert_int_equal(be32_attr(tb[NFTA_CHAIN_POLICY]), NF_ACCEPT);
		assert_non_null(tb[NFTA_CHAIN_HOOK]);
		assert_int_equal(nl_attr_parse(nl_attr_data(tb[NFTA_CHAIN_HOOK]), nl_attr_len(tb[NFTA_CHAIN_HOOK]), hk,
					       NFTA_HOOK_MAX),
				 0);
		assert_int_equal(be32_attr(hk[NFTA_HOOK_HOOKNUM]), want[c].hook);
		assert_int_equal((int32_t)be32_attr(hk[NFTA_HOOK_PRIORITY]), want[c].prio);
		c++;
	}
	assert_int_equal(c, 3);
	/* input: proxy, dns udp, dns tcp, ipv6, tcp reset, icmpx; forward 3;
	 * nat: 2 dns + 1 */
	assert_int_equal(count_type(t, NFT_MSG(NFT_MSG_NEWRULE)), 6 + 3 + 3);
	free(t);
}

static void test_no_nat_chain_without_redirects(void **state)
{
	struct batch *t = malloc(sizeof(*t));
	struct nft_jail_rules r = base_rules;

	(void)state;
	assert_non_null(t);
	r.proxy_port = 0; /* nothing accepted at all */
	build(t, &r, 0);
	assert_int_equal(count_type(t, NFT_MSG(NFT_MSG_NEWCHAIN)), 2);
	/* input: ipv6 drop, tcp reset, icmpx; forward: tcp reset, icmpx, oifname drop */
	assert_int_equal(count_type(t, NFT_MSG(NFT_MSG_NEWRULE)), 3 + 3);
	free(t);
}

static void test_rule_bytes_match_nft(void **state)
{
	struct batch *t = malloc(sizeof(*t));
	struct nft_jail_rules r = base_rules;

	(void)state;
	assert_non_null(t);
	r.transparent = 1;
	build(t, &r, 0);
	assert_rule_bytes(t, "input", 0, nft_input_rule);
	assert_rule_bytes(t, "input", 2, nft_reject_tcp_rule);
	assert_rule_bytes(t, "input", 3, nft_reject_icmpx_rule);
	assert_rule_bytes(t, "forward", 0, nft_reject_tcp_rule);
	assert_rule_bytes(t, "forward", 1, nft_reject_icmpx_rule);
	assert_rule_bytes(t, "forward", 2, nft_forward_rule);
	assert_rule_bytes(t, "prerouting", 0, nft_redirect_rule);
	free(t);
}

static void test_every_capacity(void **state)
{
	struct batch *t = malloc(sizeof(*t));
	struct nft_jail_rules r = base_rules;
	size_t need, cap;

	(void)state;
	assert_non_null(t);
	r.transparent = 1;
	r.dns_port = 53;
	r.life = NFT_TABLE_OWNED_PERSIST;
	r.owner_pid = 4294967295U;
	build(t, &r, 1);
	need = t->b.len;
	for (cap = 0; cap <= need; cap += 1 + cap / 64) {
		unsigned char *storage = malloc(cap ? cap : 1);
		struct nl_buf b;

		assert_non_null(storage);
		nl_buf_init(&b, storage, cap);
		nft_jail_build(&b, &r, 1);
		assert_true(b.len <= cap);
		assert_int_equal(b.overflow, cap < need);
		free(storage);
	}
	free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_batch_framing),
		cmocka_unit_test(test_table_flags),
		cmocka_unit_test(test_table_comment_names_the_owner),
		cmocka_unit_test(test_replace_deletes_first),
		cmocka_unit_test(test_chain_hooks),
		cmocka_unit_test(test_no_nat_chain_without_redirects),
		cmocka_unit_test(test_rule_bytes_match_nft),
		cmocka_unit_test(test_every_capacity),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
