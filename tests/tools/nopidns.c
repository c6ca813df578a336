/* nopidns: a runtime that allows the jail's two namespaces and no more.
 * Loads a seccomp filter (allow by default) that refuses clone with
 * CLONE_NEWPID, CLONE_NEWUTS or CLONE_NEWIPC (EPERM) and clone3 (ENOSYS, as
 * Docker's profile does), then execs COMMAND under it. jailinit then builds
 * its jail with CLONE_NEWUSER|CLONE_NEWNET only: no PID namespace, no UTS.
 *
 *   nopidns COMMAND [ARG...]
 *
 * Sets no_new_privs (needed to load a filter). Exits 64 on usage errors, 70
 * when the filter cannot be loaded, 127 when exec fails. */
#include <errno.h>
#include <sched.h>
#include <seccomp.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: nopidns COMMAND [ARG...]\n");
		return 64;
	}
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	if (!ctx)
		return 70;
	static const uint64_t bits[] = { CLONE_NEWPID, CLONE_NEWUTS, CLONE_NEWIPC };
	int rc = 0;
	for (size_t i = 0; i < sizeof bits / sizeof bits[0] && rc == 0; i++)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1,
				      SCMP_A0(SCMP_CMP_MASKED_EQ, bits[i], bits[i]));
	if (rc == 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
	if (rc == 0 && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		rc = -1;
	if (rc == 0)
		rc = seccomp_load(ctx);
	seccomp_release(ctx);
	if (rc != 0) {
		fprintf(stderr, "nopidns: cannot load the filter\n");
		return 70;
	}
	execvp(argv[1], argv + 1);
	perror("nopidns: exec");
	return 127;
}
