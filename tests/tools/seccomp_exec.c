/* seccomp_exec: loads a seccomp filter like a container runtime would, then
 * execs a command under it, for the self-check's tests.
 *
 *   seccomp_exec MODE COMMAND [ARG...]
 *     docker  like Docker's default profile without CAP_SYS_ADMIN: clone with
 *             any namespace bit, unshare, setns, mount, sethostname -> EPERM;
 *             clone3 -> ENOSYS
 *     least   like jailinit-least-privilege.json: as docker, but clone with
 *             exactly NEWUSER|NEWNET(|NEWPID|NEWUTS|NEWIPC) allowed
 *     kill    clone with any namespace bit kills the process (SIGSYS)
 *
 * Sets no_new_privs (needed to load a filter). Exits 64 on usage errors, 70
 * when the filter cannot be loaded, 127 when exec fails. */
#include <errno.h>
#include <sched.h>
#include <seccomp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#define NSMASK 0x7E020000ULL /* NEWNS|NEWCGROUP|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET */
#define JAIL_MIN ((uint64_t)(CLONE_NEWUSER | CLONE_NEWNET))
#define JAIL_FULL (JAIL_MIN | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC)

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: seccomp_exec docker|least|kill COMMAND [ARG...]\n");
		return 64;
	}
	const char *mode = argv[1];
	int least = strcmp(mode, "least") == 0, kill = strcmp(mode, "kill") == 0;
	if (!least && !kill && strcmp(mode, "docker") != 0) {
		fprintf(stderr, "seccomp_exec: unknown mode %s\n", mode);
		return 64;
	}
	/* Everything allowed except what is named below, which gets EPERM (or
	 * the kill): a filter with an allow default and deny rules. */
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	if (!ctx)
		return 70;
	uint32_t deny = kill ? SCMP_ACT_KILL_PROCESS : SCMP_ACT_ERRNO(EPERM);
	int rc = 0;
	/* clone: deny when any namespace bit is set, except the jail's exact sets in least mode. */
	static const uint64_t bits[] = {CLONE_NEWNS, CLONE_NEWCGROUP, CLONE_NEWUTS, CLONE_NEWIPC,
					CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET};
	if (!least) {
		for (size_t i = 0; i < sizeof bits / sizeof bits[0] && rc == 0; i++)
			rc = seccomp_rule_add(ctx, deny, SCMP_SYS(clone), 1, SCMP_A0(SCMP_CMP_MASKED_EQ, bits[i], bits[i]));
	} else {
		/* A filter with a deny default is the only way to say "all but
		 * these values" with libseccomp; do that for clone alone by
		 * denying each single bit outside the jail's set, and each jail
		 * subset that is not one of the two. The filter sees the whole
		 * flags word, so a deny of NEWNS|NEWCGROUP bits plus partial
		 * jail sets covers what the least-privilege profile refuses. */
		static const uint64_t outside[] = {CLONE_NEWNS, CLONE_NEWCGROUP};
		for (size_t i = 0; i < 2 && rc == 0; i++)
			rc = seccomp_rule_add(ctx, deny, SCMP_SYS(clone), 1, SCMP_A0(SCMP_CMP_MASKED_EQ, outside[i], outside[i]));
		/* Among the 5 jail bits, every non-empty subset other than MIN and FULL. */
		static const uint64_t jb[] = {CLONE_NEWUSER, CLONE_NEWNET, CLONE_NEWPID, CLONE_NEWUTS, CLONE_NEWIPC};
		for (unsigned s = 1; s < 32 && rc == 0; s++) {
			uint64_t v = 0;
			for (int b = 0; b < 5; b++)
				if (s & (1u << b))
					v |= jb[b];
			if (v == JAIL_MIN || v == JAIL_FULL)
				continue;
			rc = seccomp_rule_add(ctx, deny, SCMP_SYS(clone), 1, SCMP_A0(SCMP_CMP_MASKED_EQ, JAIL_FULL, v));
		}
	}
	if (rc == 0 && !kill) {
		if (seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0) < 0 ||
		    seccomp_rule_add(ctx, deny, SCMP_SYS(unshare), 0) < 0 ||
		    seccomp_rule_add(ctx, deny, SCMP_SYS(setns), 0) < 0 ||
		    seccomp_rule_add(ctx, deny, SCMP_SYS(mount), 0) < 0 ||
		    seccomp_rule_add(ctx, deny, SCMP_SYS(sethostname), 0) < 0)
			rc = -1;
	}
	if (rc < 0) {
		fprintf(stderr, "seccomp_exec: building the filter failed: %s\n", strerror(-rc));
		return 70;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || seccomp_load(ctx) < 0) {
		fprintf(stderr, "seccomp_exec: loading the filter failed\n");
		return 70;
	}
	seccomp_release(ctx);
	execvp(argv[2], argv + 2);
	fprintf(stderr, "seccomp_exec: %s: %s\n", argv[2], strerror(errno));
	return 127;
}
