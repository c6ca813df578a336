/* resolve: the built-in proxy's resolver, the container's own: /etc/hosts
 * first, then the nameservers of /etc/resolv.conf (both read once, when the
 * proxy starts, at most 64 KiB each; JAILINIT_HOSTS and JAILINIT_RESOLV_CONF
 * name other files, for tests). A records only (the jail has no IPv6). A query
 * is a small state machine run by the proxy's event loop, never a blocking
 * call: UDP to each nameserver in turn (the socket connected, so an ICMP
 * refusal moves on at once), TCP when the answer is truncated, a timeout per
 * try (resolv.conf's `timeout`, at most 5 s; `attempts`, at most 3), at most
 * RESOLVE_MAX_ADDRS addresses kept. The names searched are the names asked:
 * `search` and `ndots` do not apply (a proxy's client names the host it
 * wants).
 *
 * And the address policy: where the proxy never connects, whatever a name
 * resolves to (DNS rebinding): loopback 127/8, link-local 169.254/16 (the
 * cloud metadata service), "this network" 0/8, multicast and broadcast, the
 * jail's link subnet, and the synthetic DNS pool 198.19.0.0/16. Only a rule
 * that names the address itself lifts that (the proxy decides). */
#ifndef JAILINIT_RESOLVE_H
#define JAILINIT_RESOLVE_H

#include <stddef.h>
#include <stdint.h>

#include "../base/err.h"

#define RESOLVE_MAX_NS 3
#define RESOLVE_MAX_HOSTS 256     /* IPv4 entries of the hosts file kept */
#define RESOLVE_NAME_MAX 253
#define RESOLVE_MAX_ADDRS 8
#define RESOLVE_FILE_MAX (64 * 1024)
#define RESOLVE_TIMEOUT_MS 2000   /* per try, when resolv.conf says nothing */
#define RESOLVE_TIMEOUT_MAX_MS 5000
#define RESOLVE_ATTEMPTS 2
#define RESOLVE_ATTEMPTS_MAX 3
#define RESOLVE_SYNTH_POOL 0xC6130000u /* 198.19.0.0/16 */

struct resolve_host {
	uint32_t addr; /* host byte order */
	char name[RESOLVE_NAME_MAX + 1]; /* lower case, no trailing dot */
};

struct resolve_conf {
	uint32_t ns[RESOLVE_MAX_NS]; /* host byte order; none: 127.0.0.1 */
	uint16_t ns_port[RESOLVE_MAX_NS];
	int n_ns;
	int timeout_ms;
	int attempts;
	struct resolve_host hosts[RESOLVE_MAX_HOSTS];
	int n_hosts;
};

/* Pure: the text of a resolv.conf (nameserver, options timeout:N
 * attempts:N; IPv6 nameservers are skipped) and of a hosts file (IPv4
 * lines; every name and alias of a line). Parsing the second adds to c. */
void resolve_conf_defaults(struct resolve_conf *c);
void resolve_conf_parse_resolv(struct resolve_conf *c, const char *text, size_t len);
void resolve_conf_parse_hosts(struct resolve_conf *c, const char *text, size_t len);
/* Read both files (a missing file is no error: no hosts, or 127.0.0.1). */
int resolve_conf_load(struct resolve_conf *c, const char *resolv_path, const char *hosts_path, struct ji_err *err);
/* The hosts file's addresses for name (case-insensitive, a trailing dot
 * ignored), at most max; their count. */
int resolve_hosts_lookup(const struct resolve_conf *c, const char *name, uint32_t *addrs, int max);

enum addr_class {
	ADDR_OK = 0,
	ADDR_THIS_NET,   /* 0.0.0.0/8 */
	ADDR_LOOPBACK,   /* 127.0.0.0/8 */
	ADDR_LINK_LOCAL, /* 169.254.0.0/16 */
	ADDR_MULTICAST,  /* 224.0.0.0/4 and above: multicast, reserved, broadcast */
	ADDR_JAIL_LINK,  /* the jail's link subnet */
	ADDR_SYNTH_POOL, /* 198.19.0.0/16 */
};
/* Pure. jail_net/jail_prefix: the jail link (host byte order). */
enum addr_class resolve_addr_class(uint32_t addr, uint32_t jail_net, int jail_prefix);
const char *resolve_addr_class_name(enum addr_class c); /* "loopback", ... */

/* One query in flight. The caller polls fd for want_read / want_write
 * (fd may change between calls: UDP gives way to TCP) and calls
 * resolve_step on every event and when deadline_ms has passed. */
struct resolve_query {
	int fd;
	int tcp;
	int ns;          /* index of the nameserver being asked */
	int attempt;     /* round over all nameservers */
	uint16_t id;
	int want_read, want_write;
	long long deadline_ms; /* CLOCK_MONOTONIC ms */
	char name[RESOLVE_NAME_MAX + 1];
	unsigned char *buf;    /* the caller's, for the query and the answer */
	size_t cap, len, sent;
	uint32_t addrs[RESOLVE_MAX_ADDRS];
	int n_addrs;
	int rcode;       /* the last answer's, or -1 */
	int errnum;      /* the last socket error */
};

enum resolve_rc { RESOLVE_WAIT = 0, RESOLVE_DONE = 1, RESOLVE_FAILED = -1 };

/* Start resolving name (already normalized: lower case, no trailing dot);
 * buf (at least 512 bytes; a TCP answer longer than cap fails) stays the
 * query's until it ends. RESOLVE_DONE at once for an address literal or a
 * hosts entry; RESOLVE_FAILED when nothing can be asked. */
enum resolve_rc resolve_start(struct resolve_query *q, const struct resolve_conf *c, const char *name,
			      unsigned char *buf, size_t cap, long long now_ms);
/* An event on q->fd, or now_ms past q->deadline_ms. */
enum resolve_rc resolve_step(struct resolve_query *q, const struct resolve_conf *c, long long now_ms);
/* Close its socket (any state). */
void resolve_end(struct resolve_query *q);
/* A line on why it failed, for the 502 and the log. */
void resolve_why(const struct resolve_query *q, char *out, size_t cap);

#endif
