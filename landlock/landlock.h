/* landlock: the agent's Landlock domain, decided by the ABI the running
 * kernel reports (never by the headers: Debian 12's uapi is Linux 6.1's and
 * lacks what came later, defined in landlock.c). Today the domain scopes
 * signals and abstract unix sockets (ABI 6, Linux 6.12): the agent may
 * signal, and connect to abstract sockets of, only processes of its own
 * domain (itself and what it starts), never jailinit, the proxy or another
 * jail's agent, whatever the uid. The policy is meant to grow: issue 10's
 * tier adds TCP connect rules (ABI 4) to the same one ruleset. Includes only
 * base/. */
#ifndef JAILINIT_LANDLOCK_H
#define JAILINIT_LANDLOCK_H

#include <stdint.h>
#include <linux/landlock.h>

#include "../base/err.h"

#define LANDLOCK_ABI_NET 4   /* TCP bind/connect rules, Linux 6.7 */
#define LANDLOCK_ABI_SCOPE 6 /* signal and abstract-socket scoping, Linux 6.12 */

/* What Linux 6.1's uapi lacks, with the later uapi's values. */
#ifndef LANDLOCK_CREATE_RULESET_VERSION
#define LANDLOCK_CREATE_RULESET_VERSION (1U << 0)
#endif
#ifndef LANDLOCK_ACCESS_NET_BIND_TCP
#define LANDLOCK_ACCESS_NET_BIND_TCP (1ULL << 0)    /* ABI 4 */
#define LANDLOCK_ACCESS_NET_CONNECT_TCP (1ULL << 1) /* ABI 4 */
#endif
#ifndef LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET
#define LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET (1ULL << 0) /* ABI 6 */
#define LANDLOCK_SCOPE_SIGNAL (1ULL << 1)               /* ABI 6 */
#endif

/* What a domain restricts; zero fields restrict nothing. (Issue 10 adds
 * handled_access_net and the ports allowed to connect.) */
struct landlock_policy {
	uint64_t scoped; /* LANDLOCK_SCOPE_* */
};

/* The ABI version the kernel reports (landlock_create_ruleset with
 * LANDLOCK_CREATE_RULESET_VERSION), or -1 with errno: ENOSYS (not built in,
 * or a seccomp filter says so), EOPNOTSUPP (disabled at boot), EPERM (a
 * filter refuses it). */
int landlock_abi(void);

/* The agent's policy for this ABI (as landlock_abi returned it): both
 * scopes from ABI 6 on, nothing before. */
struct landlock_policy landlock_agent_policy(int abi);

/* 1 when p restricts nothing (then landlock_apply does nothing). */
int landlock_policy_empty(const struct landlock_policy *p);

/* Put the calling thread (and all it starts) into a new domain with p: one
 * ruleset, landlock_restrict_self. Needs no_new_privs (or CAP_SYS_ADMIN).
 * Step "landlock" on failure. */
int landlock_apply(const struct landlock_policy *p, struct ji_err *err);

#endif
