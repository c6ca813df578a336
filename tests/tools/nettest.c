/* nettest: a small driver of net/ (rtnl + nft over the raw netlink layer)
 * for integration tests and measurements. One command per call:
 *
 *   nettest index IF                      print IF's ifindex
 *   nettest veth HOST PEER PID            veth HOST here, PEER in PID's netns; print HOST's ifindex
 *   nettest del IF                        delete a link
 *   nettest addrgen-off IF                IPv6 address generation mode NONE
 *   nettest up IF
 *   nettest addr IF A.B.C.D/P
 *   nettest route IF GW                   default route via GW on IF
 *   nettest nft-install --link IF --addr A [--proxy-port P] [--dns-port D]
 *                       [--transparent] [--owned|--persist] [--owner-pid N]
 *                       [--hold] [--table T]
 *                                         --owned: NFT_TABLE_OWNED; --persist:
 *                                         NFT_TABLE_OWNED_PERSIST; --owner-pid:
 *                                         the table's comment; --hold: print
 *                                         "ready" and keep the socket open
 *                                         until stdin closes
 *   nettest nft-delete [--table T]
 *   nettest bench N HOST PEER PID A/P [--proxy-port P] [--dns-port D]
 *                 [--transparent] [--keep]
 *                                         N rounds of: veth + addrgen-off + addr
 *                                         + up + table install; then delete the
 *                                         link and the table; prints timings
 *                                         (and of installing the table once
 *                                         more over the existing one).
 *                                         --keep: round k makes HOSTk, PEERk
 *                                         and table jailinitk and deletes
 *                                         nothing (the namespaces' end does)
 *
 * On failure it prints the error value (step, errno name, detail) on stderr
 * and exits 1; a usage error exits 2. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <net/if.h>
#include <linux/netlink.h>

#include "base/err.h"
#include "net/nft.h"
#include "net/nl.h"
#include "net/rtnl.h"

static int usage(void)
{
	fputs("usage: nettest index|veth|del|addrgen-off|up|addr|route|nft-install|nft-delete|bench ...\n"
	      "       (see the comment at the top of tests/tools/nettest.c)\n",
	      stderr);
	return 2;
}

static int fail(const struct ji_err *e)
{
	fprintf(stderr, "nettest: %s: %s (%s)%s%s\n", e->step[0] ? e->step : "?", ji_errno_name(e->errnum),
		strerror(e->errnum), e->detail[0] ? ": " : "", e->detail);
	return 1;
}

static int parse_u16(const char *s, uint16_t *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || end == s || v > 65535)
		return -1;
	*out = (uint16_t)v;
	return 0;
}

static int parse_u32(const char *s, uint32_t *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || end == s || v > 0xffffffffUL)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

static int parse_addr(const char *s, uint32_t *addr)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		return -1;
	*addr = ntohl(a.s_addr);
	return 0;
}

static int parse_cidr(const char *s, uint32_t *addr, int *prefix)
{
	char buf[32];
	char *slash, *end;
	long p;
	size_t n = strlen(s);

	if (n >= sizeof(buf))
		return -1;
	memcpy(buf, s, n + 1);
	slash = strchr(buf, '/');
	if (slash == NULL)
		return -1;
	*slash = '\0';
	p = strtol(slash + 1, &end, 10);
	if (*end || end == slash + 1 || p < 0 || p > 32)
		return -1;
	*prefix = (int)p;
	return parse_addr(buf, addr);
}

static int open_sock(struct nl_sock *s, int protocol, struct ji_err *e)
{
	return nl_open(s, protocol, e);
}

/* index/del/addrgen-off/up need an ifindex from a name */
static int with_index(struct nl_sock *s, const char *name, struct ji_err *e)
{
	return rtnl_link_index(s, name, e);
}

/* nft-install and bench share their options. */
struct nft_opts {
	struct nft_jail_rules r;
	int hold;
	int keep;
	int have_addr;
};

static int parse_nft_opts(int argc, char **argv, int i, struct nft_opts *o)
{
	for (; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : "";
		int bad = 0;

		if (!strcmp(a, "--transparent"))
			o->r.transparent = 1;
		else if (!strcmp(a, "--owned"))
			o->r.life = NFT_TABLE_OWNED;
		else if (!strcmp(a, "--persist"))
			o->r.life = NFT_TABLE_OWNED_PERSIST;
		else if (!strcmp(a, "--owner-pid"))
			bad = parse_u32(v, &o->r.owner_pid), i++;
		else if (!strcmp(a, "--hold"))
			o->hold = 1;
		else if (!strcmp(a, "--keep"))
			o->keep = 1;
		else if (!strcmp(a, "--link"))
			o->r.link_name = v, i++;
		else if (!strcmp(a, "--table"))
			o->r.table = v, i++;
		else if (!strcmp(a, "--addr"))
			bad = parse_addr(v, &o->r.outer_addr), o->have_addr = 1, i++;
		else if (!strcmp(a, "--proxy-port"))
			bad = parse_u16(v, &o->r.proxy_port), i++;
		else if (!strcmp(a, "--dns-port"))
			bad = parse_u16(v, &o->r.dns_port), i++;
		else
			bad = -1;
		if (bad < 0 || i >= argc)
			return -1;
	}
	return 0;
}

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void print_stats(const char *what, double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	printf("%-28s median %8.1f us  min %8.1f us  max %8.1f us  (n=%d)\n", what, v[n / 2], v[0], v[n - 1], n);
}

#define BENCH_MAX 10000

/* One jail's outer side, timed step by step, then its teardown. */
static int bench(int argc, char **argv)
{
	enum { T_VETH, T_ADDRGEN, T_ADDR, T_UP, T_NFT, T_SETUP, T_REPLACE, T_DELLINK, T_DELTABLE, T_N };
	static const char *names[T_N] = { "veth (peer in netns)", "ipv6 addrgen off", "address", "link up",
					  "nf_tables table", "total setup", "table over a stale one",
					  "delete link", "delete table" };
	struct nft_opts o = { .r = { .table = NFT_JAIL_TABLE } };
	struct nl_sock rt, nf;
	struct ji_err e = { 0 };
	static double t[T_N][BENCH_MAX];
	uint32_t addr;
	int prefix, n, k, j;
	long pid;

	if (argc < 7 || (n = (int)strtol(argv[2], NULL, 10)) <= 0 || n > BENCH_MAX || parse_cidr(argv[6], &addr, &prefix) < 0 ||
	    (pid = strtol(argv[5], NULL, 10)) <= 0 || parse_nft_opts(argc, argv, 7, &o) < 0)
		return usage();
	o.r.outer_addr = addr;
	if (open_sock(&rt, NETLINK_ROUTE, &e) < 0 || open_sock(&nf, NETLINK_NETFILTER, &e) < 0)
		return fail(&e);
	for (k = 0; k < n; k++) {
		char host[IFNAMSIZ], peer[IFNAMSIZ], table[32];
		double t0, t1;
		int ifindex;

		snprintf(host, sizeof(host), "%s%d", argv[3], o.keep ? k : 0);
		snprintf(peer, sizeof(peer), "%s%d", argv[4], o.keep ? k : 0);
		snprintf(table, sizeof(table), "%s%d", NFT_JAIL_TABLE, o.keep ? k : 0);
		o.r.link_name = host;
		o.r.table = table;
		t0 = now_us();
		ifindex = rtnl_veth_create(&rt, host, peer, (pid_t)pid, &e);

		if (ifindex < 0)
			return fail(&e);
		t1 = now_us();
		t[T_VETH][k] = t1 - t0;
		if (rtnl_link_ipv6_addrgen_off(&rt, ifindex, &e) < 0)
			return fail(&e);
		t[T_ADDRGEN][k] = now_us() - t1;
		t1 = now_us();
		if (rtnl_addr_add4(&rt, ifindex, addr, prefix, &e) < 0)
			return fail(&e);
		t[T_ADDR][k] = now_us() - t1;
		t1 = now_us();
		if (rtnl_link_up(&rt, ifindex, &e) < 0)
			return fail(&e);
		t[T_UP][k] = now_us() - t1;
		t1 = now_us();
		if (nft_jail_install(&nf, &o.r, &e) < 0)
			return fail(&e);
		t[T_NFT][k] = now_us() - t1;
		t[T_SETUP][k] = now_us() - t0;
		if (o.keep) {
			continue;
		}
		t1 = now_us();
		if (nft_jail_install(&nf, &o.r, &e) < 0) /* the slow path: replace */
			return fail(&e);
		t[T_REPLACE][k] = now_us() - t1;
		t1 = now_us();
		if (rtnl_link_delete(&rt, ifindex, &e) < 0)
			return fail(&e);
		t[T_DELLINK][k] = now_us() - t1;
		t1 = now_us();
		if (nft_jail_delete(&nf, o.r.table, &e) < 0)
			return fail(&e);
		t[T_DELTABLE][k] = now_us() - t1;
	}
	for (j = 0; j < (o.keep ? T_REPLACE : T_N); j++)
		print_stats(names[j], t[j], n);
	nl_close(&rt);
	nl_close(&nf);
	return 0;
}

static int nft_install(int argc, char **argv)
{
	struct nft_opts o = { .r = { .table = NFT_JAIL_TABLE } };
	struct nl_sock s;
	struct ji_err e = { 0 };
	char c;

	if (parse_nft_opts(argc, argv, 2, &o) < 0 || o.r.link_name == NULL || !o.have_addr)
		return usage();
	if (open_sock(&s, NETLINK_NETFILTER, &e) < 0 || nft_jail_install(&s, &o.r, &e) < 0)
		return fail(&e);
	if (o.hold) {
		/* an owned table lives as long as this socket */
		printf("ready\n");
		fflush(stdout);
		while (read(0, &c, 1) > 0 || errno == EINTR)
			;
	}
	nl_close(&s);
	return 0;
}

int main(int argc, char **argv)
{
	struct nl_sock s;
	struct ji_err e = { 0 };
	const char *cmd;
	int ifindex;

	if (argc < 2)
		return usage();
	cmd = argv[1];
	if (!strcmp(cmd, "nft-install"))
		return nft_install(argc, argv);
	if (!strcmp(cmd, "bench"))
		return bench(argc, argv);
	if (!strcmp(cmd, "nft-delete")) {
		const char *table = NFT_JAIL_TABLE;

		if (argc == 4 && !strcmp(argv[2], "--table"))
			table = argv[3];
		else if (argc != 2)
			return usage();
		if (open_sock(&s, NETLINK_NETFILTER, &e) < 0 || nft_jail_delete(&s, table, &e) < 0)
			return fail(&e);
		return 0;
	}

	if (argc < 3)
		return usage();
	if (open_sock(&s, NETLINK_ROUTE, &e) < 0)
		return fail(&e);
	if (!strcmp(cmd, "veth")) {
		long pid;

		if (argc != 5)
			return usage();
		pid = strtol(argv[4], NULL, 10);
		ifindex = rtnl_veth_create(&s, argv[2], argv[3], (pid_t)pid, &e);
		if (ifindex < 0)
			return fail(&e);
		printf("%d\n", ifindex);
		return 0;
	}
	if (argc != 3 && argc != 4)
		return usage();
	ifindex = with_index(&s, argv[2], &e);
	if (ifindex < 0)
		return fail(&e);
	if (!strcmp(cmd, "index") && argc == 3) {
		printf("%d\n", ifindex);
		return 0;
	}
	if (!strcmp(cmd, "del") && argc == 3)
		return rtnl_link_delete(&s, ifindex, &e) < 0 ? fail(&e) : 0;
	if (!strcmp(cmd, "addrgen-off") && argc == 3)
		return rtnl_link_ipv6_addrgen_off(&s, ifindex, &e) < 0 ? fail(&e) : 0;
	if (!strcmp(cmd, "up") && argc == 3)
		return rtnl_link_up(&s, ifindex, &e) < 0 ? fail(&e) : 0;
	if (!strcmp(cmd, "addr") && argc == 4) {
		uint32_t addr;
		int prefix;

		if (parse_cidr(argv[3], &addr, &prefix) < 0)
			return usage();
		return rtnl_addr_add4(&s, ifindex, addr, prefix, &e) < 0 ? fail(&e) : 0;
	}
	if (!strcmp(cmd, "route") && argc == 4) {
		uint32_t gw;

		if (parse_addr(argv[3], &gw) < 0)
			return usage();
		return rtnl_route_default4(&s, ifindex, gw, &e) < 0 ? fail(&e) : 0;
	}
	return usage();
}
