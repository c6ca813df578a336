/* steps: the jail's build steps as data. One table says, for each step, its
 * name (what errors, the -vvv trace and `jailinit check` call it), what it
 * needs from the container, which tier of the jail it belongs to and what
 * undoes it; the build records step ids, and the self-check's verdict is
 * computed from those ids, never from the names. */
#ifndef JAILINIT_STEPS_H
#define JAILINIT_STEPS_H

enum jail_step_id {
	JS_NONE = 0,
	JS_AGENT_STDIO,
	JS_HANDSHAKE,
	JS_CLONE,
	JS_AGENT_USER,
	JS_OWN_PROC,
	JS_ID_MAPS,
	JS_NETLINK,
	JS_SUBNET,
	JS_VETH,
	JS_HOST_NO_LL,
	JS_HOST_ADDR,
	JS_HOST_UP,
	JS_NFT_SOCKET,
	JS_NFT_TABLE,
	JS_PROXY_START,
	JS_PROXY_READY,
	JS_JAIL_SIDE, /* everything the jail's init does on its side: lo, its link end, hostname */
	JS_COUNT
};

enum jail_tier {
	JAIL_TIER_BASIC, /* without it there is no jail at all, not even --net none */
	JAIL_TIER_LINK,  /* the link and its rules: without it, --net none only */
	JAIL_TIER_PROXY, /* the proxy: the jail is built, its way out is not */
};

struct jail_step_info {
	const char *name;
	enum jail_tier tier;
	const char *needs; /* from the container */
	const char *undo;  /* what teardown does, or "nothing" */
};

/* The entry for id; JS_NONE and ids out of range give a "build" entry of
 * the basic tier. */
const struct jail_step_info *jail_step(enum jail_step_id id);

/* For the test seam (JAILINIT_TEST_SEAMS builds only): the id named by
 * name, JS_NONE when none is. */
enum jail_step_id jail_step_by_name(const char *name);

#endif
