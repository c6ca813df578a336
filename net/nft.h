/* nft: the jail's egress rules as one nf_tables `inet` table, built and
 * deleted over raw netlink (a client of nl), in one atomic batch. Enforcement
 * lives outside the jail: input from the jail link is accepted only to the
 * proxy port (and DNS) on the outer end's address, nothing is forwarded from
 * or to it, and in transparent mode every TCP connection from the jail is
 * redirected to the proxy port. What is refused from the jail is refused
 * loudly (TCP reset, ICMP admin-prohibited) so that tools fail at once;
 * IPv6 from the jail link is dropped. */
#ifndef JAILINIT_NFT_H
#define JAILINIT_NFT_H

#include <stdint.h>

#include "nl.h"

#define NFT_JAIL_TABLE "jailinit"

/* How long the table lives. */
enum nft_table_life {
	/* Until someone deletes it: outlives a SIGKILLed creator (fail
	 * closed); the next install replaces it. */
	NFT_TABLE_UNOWNED,
	/* NFT_TABLE_F_OWNER: the kernel deletes it when this socket closes,
	 * on any exit, SIGKILL included (for a trial with no agent in it). */
	NFT_TABLE_OWNED,
	/* NFT_TABLE_F_OWNER|NFT_TABLE_F_PERSIST (Linux 6.9): nobody else may
	 * touch it while this socket is open, and it stays, unowned, when the
	 * socket closes (fail closed). A kernel without PERSIST gets
	 * NFT_TABLE_UNOWNED instead. */
	NFT_TABLE_OWNED_PERSIST,
};

/* Linux 6.1's uapi (Debian 12) has no PERSIST; the kernel refuses flags it
 * does not know with EOPNOTSUPP. */
#ifndef NFT_TABLE_F_PERSIST
#define NFT_TABLE_F_PERSIST 0x4
#endif

struct nft_jail_rules {
	const char *table;       /* table name, normally NFT_JAIL_TABLE */
	const char *link_name;   /* the outer end of the jail's veth */
	uint32_t outer_addr;     /* outer end's IPv4 address, host byte order */
	uint16_t proxy_port;     /* 0: no proxy (nothing accepted) */
	uint16_t dns_port;       /* 0: DNS goes nowhere; else udp+tcp 53 -> this port */
	int dns_any_daddr;       /* redirect port 53 of any address, not only the outer end's */
	int transparent;         /* redirect every TCP connection to proxy_port */
	enum nft_table_life life;
	uint32_t owner_pid;      /* > 0: "jailinit pid=N" as the table's comment
	                            (NFTA_TABLE_USERDATA), for whoever cleans up */
};

/* Install the table (one batch). A table of the same name left by an earlier
 * run is replaced (slow path, only when it exists). NFT_TABLE_OWNED_PERSIST
 * on a kernel without it (EOPNOTSUPP) is installed once more unowned. */
int nft_jail_install(struct nl_sock *s, const struct nft_jail_rules *r, struct ji_err *err);
/* The install batch (BEGIN, [DELTABLE when replace], NEWTABLE, chains,
 * rules, END) built into b without sending it: for tests and docs. The
 * caller checks b->overflow. */
void nft_jail_build(struct nl_buf *b, const struct nft_jail_rules *r, int replace);
/* Delete the table; a missing table is not an error. */
int nft_jail_delete(struct nl_sock *s, const char *table, struct ji_err *err);

#endif
