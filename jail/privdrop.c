/* privdrop: see privdrop.h. Order matters and is the point of this file:
 *
 *   1. lock the securebits (no root magic, no uid-change fixups, no keep-caps,
 *      no ambient raise), while CAP_SETPCAP is still held;
 *   2. drop every bit of the bounding set, up to the running kernel's last
 *      capability (probed, not compiled in), also while CAP_SETPCAP is held;
 *   3. clear the ambient set;
 *   4. setgroups(0), setresgid, setresuid (CAP_SETGID/CAP_SETUID still held);
 *   5. empty effective, permitted and inheritable (cap_clear + cap_set_proc):
 *      with SECBIT_NO_SETUID_FIXUP the uid change did not do it for us, and
 *      for uid 0 nothing would have;
 *   6. PR_SET_NO_NEW_PRIVS;
 *   7. read everything back and fail closed if anything is left.
 *
 * Every step that needs a capability runs before the step that removes it. */
#include <errno.h>
#include <grp.h>
#include <linux/securebits.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <unistd.h>

#include "privdrop.h"

/* Bits locked for good: uid 0 gets no capabilities at exec (NOROOT), a uid
 * change never adds or keeps any (NO_SETUID_FIXUP, KEEP_CAPS off), and the
 * ambient set can never be raised again. */
#define PRIVDROP_SECBITS                                                                  \
	(SECBIT_NOROOT | SECBIT_NOROOT_LOCKED | SECBIT_NO_SETUID_FIXUP |                  \
	 SECBIT_NO_SETUID_FIXUP_LOCKED | SECBIT_KEEP_CAPS_LOCKED | SECBIT_NO_CAP_AMBIENT_RAISE | \
	 SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED)

/* The running kernel's CAP_LAST_CAP: PR_CAPBSET_READ (cap_get_bound) fails
 * with EINVAL past it. Probing needs no /proc (the jail may have none of its
 * own) and cannot disagree with the kernel that enforces the sets. */
static int kernel_last_cap(struct ji_err *err)
{
	int c;

	for (c = 0; c < 64; c++) {
		if (cap_get_bound((cap_value_t)c) < 0) {
			if (errno != EINVAL)
				return ji_fail(err, "read the bounding set", errno, "capability %d", c);
			break;
		}
	}
	if (c == 0)
		return ji_fail(err, "read the bounding set", errno, "the kernel reports no capability at all");
	return c - 1;
}

static int lock_securebits(struct ji_err *err)
{
	int cur = prctl(PR_GET_SECUREBITS, 0, 0, 0, 0);

	if (cur < 0)
		return ji_fail(err, "read securebits", errno, NULL);
	if (cap_set_secbits((unsigned)cur | PRIVDROP_SECBITS) != 0)
		return ji_fail(err, "lock securebits", errno, "secbits 0x%x -> 0x%x (needs CAP_SETPCAP)",
			       (unsigned)cur, (unsigned)cur | PRIVDROP_SECBITS);
	return 0;
}

static int drop_bounding(int last, struct ji_err *err)
{
	for (int c = 0; c <= last; c++) {
		if (cap_get_bound((cap_value_t)c) == 0)
			continue; /* already gone (a nested jail, say) */
		if (cap_drop_bound((cap_value_t)c) != 0)
			return ji_fail(err, "clear the bounding set", errno, "capability %d (needs CAP_SETPCAP)",
				       c);
	}
	return 0;
}

/* setgroups(0): in a user namespace whose setgroups file says "deny" (an
 * unprivileged map writer, e.g. `unshare -r`) nobody can change the list;
 * then accept only if the inherited list already grants nothing beyond gid. */
static int clear_groups(gid_t gid, struct ji_err *err)
{
	gid_t list[64];
	int n;

	if (setgroups(0, NULL) == 0)
		return 0;
	if (errno != EPERM)
		return ji_fail(err, "clear supplementary groups", errno, NULL);
	n = getgroups((int)(sizeof(list) / sizeof(list[0])), list);
	if (n < 0)
		return ji_fail(err, "clear supplementary groups", EPERM,
			       "setgroups refused and getgroups failed (%s)", ji_errno_name(errno));
	for (int i = 0; i < n; i++) {
		if (list[i] != gid)
			return ji_fail(err, "clear supplementary groups", EPERM,
				       "setgroups is denied in this user namespace (/proc/self/setgroups)"
				       " and group %u is still held; write the gid_map with setgroups allowed",
				       (unsigned)list[i]);
	}
	return 0;
}

static int switch_ids(uid_t uid, gid_t gid, struct ji_err *err)
{
	if (clear_groups(gid, err) != 0)
		return -1;
	if (setresgid(gid, gid, gid) != 0)
		return ji_fail(err, "set the gid", errno, "gid %u%s", (unsigned)gid,
			       errno == EINVAL ? " is not mapped in this user namespace" : "");
	if (setresuid(uid, uid, uid) != 0)
		return ji_fail(err, "set the uid", errno, "uid %u%s", (unsigned)uid,
			       errno == EINVAL ? " is not mapped in this user namespace" : "");
	return 0;
}

static int clear_sets(struct ji_err *err)
{
	cap_t none = cap_init(); /* cap_init() is already all clear */
	int rc;

	if (none == NULL)
		return ji_fail(err, "clear the capability sets", errno, "cap_init");
	if (cap_clear(none) != 0) {
		int e = errno;
		(void)cap_free(none);
		return ji_fail(err, "clear the capability sets", e, "cap_clear");
	}
	rc = cap_set_proc(none);
	if (rc != 0) {
		int e = errno;
		(void)cap_free(none);
		return ji_fail(err, "clear the capability sets", e, "cap_set_proc");
	}
	(void)cap_free(none);
	return 0;
}

/* Read back ids, groups, every set and the securebits; -1 if anything is
 * left. nnp: also require no_new_privs. */
static int verify(uid_t uid, gid_t gid, int last, int nnp, struct ji_err *err)
{
	uid_t r, e, s;
	gid_t rg, eg, sg;
	gid_t list[8];
	cap_t now, none;
	int n, same, bits;

	if (getresuid(&r, &e, &s) != 0 || getresgid(&rg, &eg, &sg) != 0)
		return ji_fail(err, "verify the privilege drop", errno, "getresuid/getresgid");
	if (r != uid || e != uid || s != uid || rg != gid || eg != gid || sg != gid)
		return ji_fail(err, "verify the privilege drop", EPERM,
			       "ids are %u/%u/%u:%u/%u/%u, wanted %u:%u", (unsigned)r, (unsigned)e,
			       (unsigned)s, (unsigned)rg, (unsigned)eg, (unsigned)sg, (unsigned)uid,
			       (unsigned)gid);
	n = getgroups((int)(sizeof(list) / sizeof(list[0])), list);
	if (n < 0)
		return ji_fail(err, "verify the privilege drop", errno, "getgroups");
	for (int i = 0; i < n; i++)
		if (list[i] != gid)
			return ji_fail(err, "verify the privilege drop", EPERM,
				       "supplementary group %u left", (unsigned)list[i]);

	now = cap_get_proc();
	if (now == NULL)
		return ji_fail(err, "verify the privilege drop", errno, "cap_get_proc");
	none = cap_init();
	if (none == NULL) {
		int en = errno;
		(void)cap_free(now);
		return ji_fail(err, "verify the privilege drop", en, "cap_init");
	}
	same = cap_compare(now, none);
	(void)cap_free(now);
	(void)cap_free(none);
	if (same != 0)
		return ji_fail(err, "verify the privilege drop", EPERM,
			       "effective/permitted/inheritable not empty (cap_compare 0x%x)", (unsigned)same);

	for (int c = 0; c <= last; c++) {
		int b = cap_get_bound((cap_value_t)c);
		int a = cap_get_ambient((cap_value_t)c);

		if (b != 0)
			return ji_fail(err, "verify the privilege drop", b < 0 ? errno : EPERM,
				       "capability %d still in the bounding set", c);
		if (a != 0)
			return ji_fail(err, "verify the privilege drop", a < 0 ? errno : EPERM,
				       "capability %d still in the ambient set", c);
	}
	if (cap_get_bound((cap_value_t)(last + 1)) >= 0)
		return ji_fail(err, "verify the privilege drop", EPERM,
			       "the kernel knows capabilities past %d", last);

	bits = prctl(PR_GET_SECUREBITS, 0, 0, 0, 0);
	if (bits < 0)
		return ji_fail(err, "verify the privilege drop", errno, "PR_GET_SECUREBITS");
	if (((unsigned)bits & PRIVDROP_SECBITS) != PRIVDROP_SECBITS || (bits & SECBIT_KEEP_CAPS) != 0)
		return ji_fail(err, "verify the privilege drop", EPERM, "securebits 0x%x, wanted 0x%x locked",
			       (unsigned)bits, (unsigned)PRIVDROP_SECBITS);

	if (nnp) {
		int v = prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0);
		if (v != 1)
			return ji_fail(err, "verify the privilege drop", v < 0 ? errno : EPERM,
				       "no_new_privs is %d", v);
	}
	return 0;
}

static int drop(uid_t uid, gid_t gid, int nnp, struct ji_err *err)
{
	int last = kernel_last_cap(err);

	if (last < 0)
		return -1;
	if (lock_securebits(err) != 0 || drop_bounding(last, err) != 0)
		return -1;
	if (cap_reset_ambient() != 0)
		return ji_fail(err, "clear the ambient set", errno, NULL);
	if (switch_ids(uid, gid, err) != 0 || clear_sets(err) != 0)
		return -1;
	if (nnp && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		return ji_fail(err, "set no_new_privs", errno, NULL);
	return verify(uid, gid, last, nnp, err);
}

int privdrop_all(uid_t uid, gid_t gid, struct ji_err *err)
{
	return drop(uid, gid, 1, err);
}

/* The proxy: the same drop without no_new_privs (a proxy may exec helpers;
 * with an empty bounding set and NOROOT locked, no exec can give it a
 * capability back anyway). */
int privdrop_switch_user(uid_t uid, gid_t gid, struct ji_err *err)
{
	return drop(uid, gid, 0, err);
}
