/* nft: the jail's egress rules as one nf_tables `inet` table, built and
 * deleted over raw netlink (a client of nl), in one atomic batch. Enforcement
 * lives outside the jail: input from the jail link is accepted only to the
 * proxy port (and DNS) on the outer end's address, nothing is forwarded from
 * or to it, and in transparent mode every TCP connection from the jail is
 * redirected to the proxy port. IPv6 from the jail link is dropped. */
#ifndef JAILINIT_NFT_H
#define JAILINIT_NFT_H

#include <stdint.h>

#include "nl.h"

#define NFT_JAIL_TABLE "jailinit"

struct nft_jail_rules {
	const char *table;       /* table name, normally NFT_JAIL_TABLE */
	const char *link_name;   /* the outer end of the jail's veth */
	uint32_t outer_addr;     /* outer end's IPv4 address, host byte order */
	uint16_t proxy_port;     /* 0: no proxy (nothing accepted) */
	uint16_t dns_port;       /* 0: DNS goes nowhere; else udp+tcp 53 -> this port */
	int transparent;         /* redirect every TCP connection to proxy_port */
	int owned;               /* NFT_TABLE_F_OWNER: the kernel deletes the table when
	                            this socket closes, even if jailinit is SIGKILLed */
};

/* Install the table (one batch). A table of the same name left by an earlier
 * run is replaced (slow path, only when it exists). */
int nft_jail_install(struct nl_sock *s, const struct nft_jail_rules *r, struct ji_err *err);
/* The install batch (BEGIN, [DELTABLE when replace], NEWTABLE, chains,
 * rules, END) built into b without sending it: for tests and docs. The
 * caller checks b->overflow. */
void nft_jail_build(struct nl_buf *b, const struct nft_jail_rules *r, int replace);
/* Delete the table; a missing table is not an error. */
int nft_jail_delete(struct nl_sock *s, const char *table, struct ji_err *err);

#endif
