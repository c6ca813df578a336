/* Unit tests of net/nl.c: the builder never writes past its buffer (each
 * storage is malloc'd at exactly its capacity, so ASan sees any overrun),
 * nests, the attribute parser's length checks, the exact bytes of a small
 * message, and the transport against the kernel with requests that read or
 * are refused (nothing here changes the machine's network state). */
#include <errno.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <linux/if_link.h>
#include <arpa/inet.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/rtnetlink.h>

#include <cmocka.h>

#include "net/nl.h"
#include "net/rtnl.h"

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the expected bytes below are written for a little-endian host"
#endif

/* ---- builder ------------------------------------------------------------ */

static void test_msg_header_and_seq(void **state)
{
	uint32_t storage[64];
	struct nl_buf b;
	struct nlmsghdr *h;

	(void)state;
	nl_buf_init(&b, storage, sizeof(storage));
	h = nl_msg_start(&b, RTM_GETLINK, NLM_F_ACK);
	assert_non_null(h);
	assert_int_equal(h->nlmsg_len, NLMSG_HDRLEN);
	assert_int_equal(h->nlmsg_type, RTM_GETLINK);
	assert_int_equal(h->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK);
	assert_int_equal(h->nlmsg_seq, 1);
	assert_int_equal(h->nlmsg_pid, 0);
	nl_put_u32(&b, IFLA_MTU, 1);
	assert_int_equal(h->nlmsg_len, NLMSG_HDRLEN + 8);
	nl_msg_end(&b);
	h = nl_msg_start(&b, RTM_GETLINK, 0);
	assert_non_null(h);
	assert_int_equal(h->nlmsg_seq, 2);
	assert_int_equal((unsigned char *)h - (unsigned char *)storage, NLMSG_HDRLEN + 8);
	assert_int_equal(b.len, 2 * NLMSG_HDRLEN + 8);
	assert_false(b.overflow);
}

/* RTM_NEWLINK (ack) for ifindex 7: up, IFLA_IFNAME "ji0", IFLA_MTU 1500,
 * IFLA_LINKINFO { IFLA_INFO_KIND "veth" }, as the kernel reads them:
 * little-endian header fields, 4-byte aligned attributes, string NUL
 * included in nla_len but padding not, nests with NLA_F_NESTED. */
static const unsigned char link_msg[] = {
	0x40, 0x00, 0x00, 0x00, 0x10, 0x00, 0x05, 0x00, /* len 64, RTM_NEWLINK, REQUEST|ACK */
	0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* seq 1, pid 0 */
	0x00, 0x00, 0x00, 0x00, 0x07, 0x00, 0x00, 0x00, /* ifinfomsg: AF_UNSPEC, index 7 */
	0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, /* flags IFF_UP, change IFF_UP */
	0x08, 0x00, 0x03, 0x00, 'j',  'i',  '0',  0x00, /* IFLA_IFNAME */
	0x08, 0x00, 0x04, 0x00, 0xdc, 0x05, 0x00, 0x00, /* IFLA_MTU 1500 */
	0x10, 0x00, 0x12, 0x80, 0x09, 0x00, 0x01, 0x00, /* IFLA_LINKINFO{ IFLA_INFO_KIND (len 9) */
	'v',  'e',  't',  'h',  0x00, 0x00, 0x00, 0x00, /* "veth\0" + 3 bytes padding } */
};

static void test_exact_bytes(void **state)
{
	uint32_t storage[32];
	struct nl_buf b;
	struct ifinfomsg *ifi;
	size_t nest;

	(void)state;
	memset(storage, 0xa5, sizeof(storage)); /* padding must come out zeroed */
	nl_buf_init(&b, storage, sizeof(storage));
	assert_non_null(nl_msg_start(&b, RTM_NEWLINK, NLM_F_ACK));
	ifi = nl_put_extra(&b, sizeof(*ifi));
	assert_non_null(ifi);
	ifi->ifi_index = 7;
	ifi->ifi_flags = IFF_UP;
	ifi->ifi_change = IFF_UP;
	nl_put_str(&b, IFLA_IFNAME, "ji0");
	nl_put_u32(&b, IFLA_MTU, 1500);
	nest = nl_nest_start(&b, IFLA_LINKINFO);
	assert_true(nest > 0);
	nl_put_str(&b, IFLA_INFO_KIND, "veth");
	nl_nest_end(&b, nest);
	nl_msg_end(&b);
	assert_false(b.overflow);
	assert_int_equal(b.len, sizeof(link_msg));
	assert_memory_equal(storage, link_msg, sizeof(link_msg));
}

static void test_byte_order_helpers(void **state)
{
	uint32_t storage[16];
	struct nl_buf b;
	const unsigned char *p = (const unsigned char *)storage + NLMSG_HDRLEN;

	(void)state;
	nl_buf_init(&b, storage, sizeof(storage));
	nl_msg_start(&b, 100, 0);
	nl_put_be16(&b, 1, 0x1234);
	nl_put_be32(&b, 2, 0x0a000001);
	nl_put_u8(&b, 3, 0x7f);
	nl_put_u16(&b, 4, 0x1234);
	assert_false(b.overflow);
	assert_memory_equal(p, "\x06\x00\x01\x00\x12\x34\x00\x00", 8);
	assert_memory_equal(p + 8, "\x08\x00\x02\x00\x0a\x00\x00\x01", 8);
	assert_memory_equal(p + 16, "\x05\x00\x03\x00\x7f\x00\x00\x00", 8);
	assert_memory_equal(p + 24, "\x06\x00\x04\x00\x34\x12\x00\x00", 8);
}

/* The same sequence of puts into buffers of every size from 0 to what it
 * needs: each either fits whole or ends in overflow, and never writes past
 * the buffer (exact-size heap storage under ASan). */
static size_t build_sample(struct nl_buf *b)
{
	size_t n1, n2;

	if (nl_msg_start(b, RTM_NEWLINK, NLM_F_ACK) == NULL)
		return 0;
	nl_put_extra(b, sizeof(struct ifinfomsg));
	nl_put_str(b, IFLA_IFNAME, "jailinit0");
	n1 = nl_nest_start(b, IFLA_LINKINFO);
	nl_put_str(b, IFLA_INFO_KIND, "veth");
	n2 = nl_nest_start(b, IFLA_INFO_DATA);
	nl_put(b, 1, "0123456789abcdef", 16);
	nl_nest_end(b, n2);
	nl_nest_end(b, n1);
	nl_msg_end(b);
	nl_msg_start(b, RTM_NEWLINK, NLM_F_ACK);
	nl_put_u32(b, IFLA_MTU, 1400);
	nl_msg_end(b);
	return b->len;
}

static void test_every_capacity(void **state)
{
	uint32_t big[64];
	struct nl_buf b;
	size_t need, cap;

	(void)state;
	nl_buf_init(&b, big, sizeof(big));
	need = build_sample(&b);
	assert_false(b.overflow);
	assert_int_equal(need, 16 + 16 + 16 + 4 + 12 + 4 + 20 + 16 + 8);
	for (cap = 0; cap <= need + 8; cap++) {
		unsigned char *storage = malloc(cap ? cap : 1);

		assert_non_null(storage);
		nl_buf_init(&b, storage, cap);
		build_sample(&b);
		assert_true(b.len <= cap);
		if (cap < need)
			assert_true(b.overflow);
		else
			assert_false(b.overflow);
		free(storage);
	}
}

static void test_overflow_writes_nothing_and_sticks(void **state)
{
	unsigned char storage[64] __attribute__((aligned(4)));
	struct nl_buf b;
	size_t len;

	(void)state;
	memset(storage, 0xee, sizeof(storage));
	nl_buf_init(&b, storage, 24); /* header + one 8-byte attribute */
	assert_non_null(nl_msg_start(&b, RTM_NEWLINK, 0));
	nl_put_u32(&b, IFLA_MTU, 1);
	assert_false(b.overflow);
	len = b.len;
	nl_put_u8(&b, IFLA_OPERSTATE, 1); /* 8 more bytes: does not fit */
	assert_true(b.overflow);
	assert_int_equal(b.len, len);
	for (size_t i = 24; i < sizeof(storage); i++)
		assert_int_equal(storage[i], 0xee);
	/* unusable from now on, even for what would fit */
	nl_buf_init(&b, storage, 24);
	b.overflow = 1;
	assert_null(nl_msg_start(&b, RTM_NEWLINK, 0));
	assert_int_equal(nl_nest_start(&b, IFLA_LINKINFO), 0);
	assert_null(nl_put_extra(&b, 4));
	assert_int_equal(b.len, 0);
}

static void test_misuse_marks_overflow(void **state)
{
	uint32_t storage[64];
	unsigned char odd[40] __attribute__((aligned(4)));
	struct nl_buf b;
	static char huge[70000];

	(void)state;
	nl_buf_init(&b, storage, sizeof(storage));
	nl_put_u32(&b, IFLA_MTU, 1); /* no open message */
	assert_true(b.overflow);

	nl_buf_init(&b, storage, sizeof(storage));
	nl_msg_start(&b, RTM_NEWLINK, 0);
	nl_put(&b, 1, huge, sizeof(huge)); /* larger than nla_len can say */
	assert_true(b.overflow);

	nl_buf_init(&b, odd + 1, sizeof(odd) - 1); /* headers need 4-byte alignment */
	assert_true(b.overflow);

	nl_buf_init(&b, storage, sizeof(storage));
	nl_msg_start(&b, RTM_NEWLINK, 0);
	nl_nest_end(&b, 0); /* a handle from a failed nest_start */
	assert_true(b.overflow);

	nl_buf_init(&b, storage, sizeof(storage));
	nl_msg_start(&b, RTM_NEWLINK, 0);
	nl_put_str(&b, IFLA_IFNAME, NULL);
	assert_true(b.overflow);
}

static void test_nests(void **state)
{
	uint32_t storage[64];
	struct nl_buf b;
	size_t outer, inner;
	const struct nlattr *o, *i, *tb[8], *tb2[8];
	const unsigned char *payload;

	(void)state;
	nl_buf_init(&b, storage, sizeof(storage));
	nl_msg_start(&b, RTM_NEWLINK, 0);
	outer = nl_nest_start(&b, 5);
	nl_put_u32(&b, 1, 42);
	inner = nl_nest_start(&b, 2);
	nl_put_str(&b, 3, "ab");
	nl_nest_end(&b, inner);
	nl_nest_end(&b, outer);
	nl_msg_end(&b);
	assert_false(b.overflow);

	o = (const struct nlattr *)((unsigned char *)storage + outer);
	i = (const struct nlattr *)((unsigned char *)storage + inner);
	assert_int_equal(o->nla_type, 5 | NLA_F_NESTED);
	assert_int_equal(o->nla_len, 4 + 8 + 4 + 8);
	assert_int_equal(i->nla_type, 2 | NLA_F_NESTED);
	assert_int_equal(i->nla_len, 4 + 8);
	assert_int_equal(((struct nlmsghdr *)storage)->nlmsg_len, NLMSG_HDRLEN + o->nla_len);

	payload = (const unsigned char *)storage + NLMSG_HDRLEN;
	assert_int_equal(nl_attr_parse(payload, o->nla_len, tb, 7), 0);
	assert_non_null(tb[5]);
	assert_int_equal(nl_attr_parse(nl_attr_data(tb[5]), nl_attr_len(tb[5]), tb2, 7), 0);
	assert_non_null(tb2[1]);
	assert_non_null(tb2[2]);
	assert_int_equal(nl_attr_len(tb2[1]), 4);
	assert_int_equal(*(const uint32_t *)nl_attr_data(tb2[1]), 42);
}

/* ---- parser ------------------------------------------------------------- */

static void test_parse_good(void **state)
{
	/* type 1 u32, type 9 (beyond maxtype: skipped), type 2 "x" unpadded last */
	static const uint32_t words[] = { 0x00010008, 7, 0x00090005, 0, 0x00020006, 'x' };
	const struct nlattr *tb[4];

	(void)state;
	assert_int_equal(nl_attr_parse(words, 8 + 8 + 6, tb, 3), 0);
	assert_non_null(tb[1]);
	assert_non_null(tb[2]);
	assert_null(tb[3]);
	assert_int_equal(nl_attr_len(tb[2]), 2);
	assert_int_equal(nl_attr_parse(words, 0, tb, 3), 0);
	assert_null(tb[1]);
}

static void test_parse_rejects(void **state)
{
	uint32_t words[4];
	const struct nlattr *tb[4];

	(void)state;
	/* a header cut short */
	words[0] = 0x00010008;
	errno = 0;
	assert_int_equal(nl_attr_parse(words, 3, tb, 3), -1);
	assert_int_equal(errno, EINVAL);
	/* nla_len smaller than the header itself */
	words[0] = 0x00010002;
	assert_int_equal(nl_attr_parse(words, 8, tb, 3), -1);
	/* nla_len larger than what is left */
	words[0] = 0x0001000c;
	assert_int_equal(nl_attr_parse(words, 8, tb, 3), -1);
	/* a good attribute followed by a truncated one */
	words[0] = 0x00010008;
	words[1] = 1;
	words[2] = 0x00020010;
	assert_int_equal(nl_attr_parse(words, 16, tb, 3), -1);
	/* trailing bytes that cannot hold a header */
	words[2] = 0;
	assert_int_equal(nl_attr_parse(words, 10, tb, 3), -1);
	/* an empty attribute is fine */
	words[0] = 0x00010004;
	assert_int_equal(nl_attr_parse(words, 4, tb, 3), 0);
	assert_int_equal(nl_attr_len(tb[1]), 0);
}

/* ---- transport refusals before anything is sent --------------------------- */

static void test_transact_refuses_overflow(void **state)
{
	uint32_t storage[8];
	struct nl_buf b;
	struct nl_sock s = { .fd = -1 }; /* any send would fail with EBADF */
	struct ji_err e = { 0 };

	(void)state;
	nl_buf_init(&b, storage, sizeof(storage));
	nl_msg_start(&b, RTM_NEWLINK, NLM_F_ACK);
	nl_put_str(&b, IFLA_IFNAME, "a-name-that-does-not-fit");
	assert_true(b.overflow);
	assert_int_equal(nl_transact(&s, &b, "test step", &e), -1);
	assert_int_equal(e.errnum, EMSGSIZE);
	assert_string_equal(e.step, "test step");
	assert_non_null(strstr(e.detail, "does not fit"));

	memset(&e, 0, sizeof(e));
	assert_int_equal(nl_request(&s, &b, NULL, NULL, "test step", &e), -1);
	assert_int_equal(e.errnum, EMSGSIZE);
}

static void test_transact_refuses_malformed(void **state)
{
	uint32_t storage[32];
	struct nl_buf b;
	struct nl_sock s = { .fd = -1 };
	struct ji_err e = { 0 };
	struct nlmsghdr *h;

	(void)state;
	nl_buf_init(&b, storage, sizeof(storage));
	assert_int_equal(nl_transact(&s, &b, "empty", &e), -1);
	assert_int_equal(e.errnum, EINVAL);

	nl_msg_start(&b, RTM_NEWLINK, NLM_F_ACK);
	h = nl_msg_start(&b, RTM_NEWLINK, NLM_F_ACK);
	h->nlmsg_seq += 5;
	nl_msg_end(&b);
	memset(&e, 0, sizeof(e));
	assert_int_equal(nl_transact(&s, &b, "seq", &e), -1);
	assert_int_equal(e.errnum, EINVAL);
	/* nl_request sends exactly one message */
	memset(&e, 0, sizeof(e));
	assert_int_equal(nl_request(&s, &b, NULL, NULL, "two", &e), -1);
	assert_int_equal(e.errnum, EINVAL);
}

/* ---- transport against the kernel (reads and refused requests only) ----- */

/* Even refused requests go to a network namespace of the test's own. */
static int own_netns(void **state)
{
	static int done;

	(void)state;
	if (!done && unshare(CLONE_NEWNET) < 0)
		return -1;
	done = 1;
	return 0;
}

static void test_kernel_link_index(void **state)
{
	struct nl_sock s;
	struct ji_err e = { 0 };

	(void)state;
	assert_int_equal(nl_open(&s, NETLINK_ROUTE, &e), 0);
	assert_true(s.portid != 0);
	assert_int_equal(rtnl_link_index(&s, "lo", &e), (int)if_nametoindex("lo"));
	/* a missing link: the kernel's errno comes back */
	assert_int_equal(rtnl_link_index(&s, "ji-nosuch0", &e), -1);
	assert_int_equal(e.errnum, ENODEV);
	assert_string_equal(e.step, "look up link");
	/* the socket is still in step afterwards */
	assert_int_equal(rtnl_link_index(&s, "lo", &e), (int)if_nametoindex("lo"));
	nl_close(&s);
	assert_int_equal(s.fd, -1);
}

static void test_kernel_errors_and_ext_ack(void **state)
{
	uint32_t storage[64];
	struct nl_buf b;
	struct nl_sock s;
	struct ji_err e = { 0 };
	struct ifinfomsg *ifi;

	(void)state;
	assert_int_equal(nl_open(&s, NETLINK_ROUTE, &e), 0);

	/* Two refused messages in one buffer (no such ifindex): both are
	 * answered, the first error is kept and names its message. */
	nl_buf_init(&b, storage, sizeof(storage));
	nl_msg_start(&b, RTM_NEWLINK, NLM_F_ACK);
	ifi = nl_put_extra(&b, sizeof(*ifi));
	ifi->ifi_index = 0x7ffffff0;
	nl_msg_start(&b, RTM_DELLINK, NLM_F_ACK);
	ifi = nl_put_extra(&b, sizeof(*ifi));
	ifi->ifi_index = 0x7ffffff1;
	nl_msg_end(&b);
	assert_int_equal(nl_transact(&s, &b, "refused", &e), -1);
	assert_int_equal(e.errnum, ENODEV);
	assert_non_null(strstr(e.detail, "message 1 of 2"));

	/* An attribute the policy refuses: ERANGE/EINVAL, with the kernel's own text
	 * (extended ack) in the detail. */
	nl_buf_init(&b, storage, sizeof(storage));
	nl_msg_start(&b, RTM_NEWLINK, NLM_F_ACK);
	ifi = nl_put_extra(&b, sizeof(*ifi));
	ifi->ifi_index = 0x7ffffff0;
	nl_put_str(&b, IFLA_IFNAME, "a-name-longer-than-ifnamsiz");
	memset(&e, 0, sizeof(e));
	assert_int_equal(nl_transact(&s, &b, "policy", &e), -1);
	print_message("kernel said: %s (%s)\n", ji_errno_name(e.errnum), e.detail);
	assert_true(e.errnum == ERANGE || e.errnum == EINVAL); /* ERANGE since 5.x */
	assert_true(strlen(e.detail) > 0);
	assert_null(strstr(e.detail, "refused by the kernel"));

	/* and the socket still matches answers to requests */
	assert_int_equal(rtnl_link_index(&s, "lo", &e), (int)if_nametoindex("lo"));
	nl_close(&s);
}

/* A batch whose BEGIN names no subsystem: the kernel answers the marker
 * (which asked for no ack) with an error and drops the rest, acks included.
 * The transport must notice and return that error, not wait for acks that
 * will never come. */
static void test_kernel_batch_marker_error(void **state)
{
	uint32_t storage[64];
	struct nl_buf b;
	struct nl_sock s;
	struct ji_err e = { 0 };
	struct nfgenmsg *g;

	(void)state;
	assert_int_equal(nl_open(&s, NETLINK_NETFILTER, &e), 0);
	nl_buf_init(&b, storage, sizeof(storage));
	nl_msg_start(&b, NFNL_MSG_BATCH_BEGIN, 0);
	g = nl_put_extra(&b, sizeof(*g));
	g->res_id = htons(0x55); /* no such subsystem */
	nl_msg_start(&b, (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_NEWTABLE, NLM_F_ACK | NLM_F_CREATE);
	g = nl_put_extra(&b, sizeof(*g));
	g->nfgen_family = NFPROTO_INET;
	nl_put_str(&b, NFTA_TABLE_NAME, "never");
	nl_msg_start(&b, NFNL_MSG_BATCH_END, 0);
	g = nl_put_extra(&b, sizeof(*g));
	g->res_id = htons(0x55);
	nl_msg_end(&b);
	assert_int_equal(nl_transact(&s, &b, "bad batch", &e), -1);
	print_message("kernel said: %s (%s)\n", ji_errno_name(e.errnum), e.detail);
	assert_true(e.errnum != 0 && e.errnum != ETIMEDOUT && e.errnum != EPROTO);
	assert_non_null(strstr(e.detail, "message 1 of 3"));
	nl_close(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_msg_header_and_seq),
		cmocka_unit_test(test_exact_bytes),
		cmocka_unit_test(test_byte_order_helpers),
		cmocka_unit_test(test_every_capacity),
		cmocka_unit_test(test_overflow_writes_nothing_and_sticks),
		cmocka_unit_test(test_misuse_marks_overflow),
		cmocka_unit_test(test_nests),
		cmocka_unit_test(test_parse_good),
		cmocka_unit_test(test_parse_rejects),
		cmocka_unit_test(test_transact_refuses_overflow),
		cmocka_unit_test(test_transact_refuses_malformed),
		cmocka_unit_test_setup(test_kernel_link_index, own_netns),
		cmocka_unit_test_setup(test_kernel_errors_and_ext_ack, own_netns),
		cmocka_unit_test_setup(test_kernel_batch_marker_error, own_netns),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
