/* check_report: the self-check's model, split from its syscalls so it can
 * be unit-tested: facts (what was found) -> report (checks, verdict, tier,
 * fixes for the runtime) -> text or JSON. check.c gathers the facts. */
#ifndef JAILINIT_CHECK_REPORT_H
#define JAILINIT_CHECK_REPORT_H

#include <stdio.h>

#include "../seccomp/probe.h"
#include "caps.h"
#include "../jail/jail.h"
#include "../init/options.h"
#include "runtime.h"

enum trial_state {
	TRIAL_NOT_RUN = 0,   /* the quick form, or --net host */
	TRIAL_UNAVAILABLE,   /* jail_trial reported no steps */
	TRIAL_RAN,
	TRIAL_SKIPPED,       /* the filter refuses the jail's clone: it would stop (or die) there */
	TRIAL_FAILED_TO_RUN, /* no throwaway child for it, or it was lost (trial_errno) */
};

struct check_facts {
	int caps_known;
	int caps_errno;      /* why they could not be read */
	struct caps_sets caps;
	int seccomp_mode;    /* /proc/self/status Seccomp: 0, 1 strict, 2 filter; -1 unknown */
	int seccomp_filters; /* Seccomp_filters; -1 unknown */
	int no_new_privs;    /* -1 unknown */
	int probes_known;
	int probe_errno;     /* why the probes could not run */
	struct probe_result probes[PROBE_COUNT];
	long max_userns;              /* /proc/sys/user/max_user_namespaces; -1 absent */
	int unpriv_userns_clone;      /* kernel.unprivileged_userns_clone (Debian); -1 absent */
	int apparmor_restrict_userns; /* kernel.apparmor_restrict_unprivileged_userns (Ubuntu); -1 absent */
	char lsm_label[64];           /* /proc/self/attr/current, "" when none */
	int landlock_abi;             /* > 0, or -1 with landlock_errno */
	int landlock_errno;
	int netfilter_errno;          /* socket(NETLINK_NETFILTER): 0 ok, -1 not tried */
	long uid;                     /* getuid() */
	int have_runtime;
	struct runtime_info rt;
	enum trial_state trial_state;
	struct jail_trial trial;
	int trial_signal; /* the trial's child was killed by it */
	int trial_errno;
};

/* ok: 1 passed, 0 failed, -1 not tried / not applicable / cannot tell. A
 * failed check with required set is what makes the verdict "not ready". */
struct check_item {
	char name[48];    /* stable identifier, e.g. "cap_net_admin", "filter:clone";
	                     the real steps are "step:" + the step's name */
	int ok;
	int required;
	int errnum;       /* 0: no errno applies */
	char detail[224];
};

struct check_fix {
	const char *runtime; /* "docker", "kubernetes", "ecs", "podman", "sysbox", "oci", "host" */
	const char *kind;    /* "least-privilege", "seed-profile", "runtime", "testing-only",
	                        "host", "option", "unsupported", "none-known" */
	char text[640];      /* exact and copy-pasteable; may span lines */
	char note[224];
};

#define CHECK_MAX_ITEMS (32 + JAIL_TRIAL_MAX_STEPS)
#define CHECK_MAX_FIXES 8

struct check_report {
	int ready;
	const char *tier; /* "full", "reduced", "none" */
	char tier_detail[200];
	int n_items;
	struct check_item items[CHECK_MAX_ITEMS];
	int n_fixes;
	struct check_fix fixes[CHECK_MAX_FIXES];
};

/* Gather with syscalls. full=0: the quick set only (capabilities, the
 * clone/sethostname probes the options need, the userns limits that can
 * refuse the jail alone, the netfilter socket); full=1 also the runtime,
 * Landlock, LSM (AppArmor's userns restriction too) and the real steps
 * (jail_trial). */
#define CHECK_GATHER_NO_TRIAL 2 /* full, but without jail_trial */
void check_gather(const struct options *o, struct check_facts *f, int full);

/* Pure. */
void check_evaluate(const struct options *o, const struct check_facts *f, struct check_report *r);
/* The first failed required check, or NULL. */
const struct check_item *check_first_failure(const struct check_report *r);

/* failures_only: print only failed checks (for check_explain_failure). */
void check_print_text(FILE *out, const struct options *o, const struct check_facts *f,
		      const struct check_report *r, int failures_only);
void check_print_json(FILE *out, const struct options *o, const struct check_facts *f,
		      const struct check_report *r);
/* A JSON string literal with quotes, escaping ", \ and control characters. */
void check_json_string(FILE *out, const char *s);

/* "none", "proxy", ... as the option spells it. */
const char *check_net_name(enum net_mode m);

/* Where the profiles are, relative to a checkout of jailinit. */
#define CHECK_PROFILE_LEAST "docker/seccomp/jailinit-least-privilege.json"
/* The least-privilege profile in OCI form, for containerd/Kubernetes. */
#if defined(__aarch64__)
#define CHECK_PROFILE_OCI_NAME "jailinit-least-privilege.oci-arm64.json"
#else
#define CHECK_PROFILE_OCI_NAME "jailinit-least-privilege.oci-amd64.json"
#endif
#define CHECK_PROFILE_SEED "docker/seccomp/jailinit-seed.json"

/* Shared by the gathering and the evaluation. */
static inline int needs_net_admin(const struct options *o)
{
	return o->net == NET_PROXY || o->net == NET_TRANSPARENT;
}

static inline int probe_refused(const struct check_facts *f, enum probe_id id)
{
	return f->probes_known && f->probes[id].verdict == PROBE_REFUSED;
}

static inline int probe_allowed(const struct check_facts *f, enum probe_id id)
{
	return f->probes_known && f->probes[id].verdict == PROBE_ALLOWED;
}

/* /proc/self/status's Seccomp: 0, 1, 2 (mode >= 0). */
static inline const char *seccomp_mode_name(int mode)
{
	return mode == 0 ? "disabled" : mode == 1 ? "strict" : "filter";
}

#endif
