/* gen_agent_filter: makes the agent's seccomp filter at build time.
 *
 * The rules below are the agent's filter (docs/seccomp.md has the list and
 * the reason for every entry: keep the two in step). libseccomp builds the
 * BPF program from them (seccomp_export_bpf, never written by hand) and this
 * program prints it as a C header, $(BUILD)/gen/agent_filter_bpf.h, which
 * seccomp/agent_filter.c installs at run time. jailinit itself does not link
 * libseccomp: the filter has no run-time parameter, so building it at every
 * start (about 1.1 ms) bought nothing.
 *
 *   gen_agent_filter > agent_filter_bpf.h
 *
 * Built with the same compiler as jailinit ($(CC), musl, static) against the
 * pinned libseccomp (mk/deps.mk), and run on the build machine: the native
 * architecture of the generator is the one of the filter. The output depends
 * only on the rules and on libseccomp's version, not on the build machine's
 * kernel (API level 3 is set, so the bad-architecture action is always
 * SECCOMP_RET_KILL_PROCESS; kernels before 4.14 treat that unknown action as
 * a kill of the thread). Running it twice gives the same bytes; the
 * integration tests check that against the header the binary was built with.
 *
 * One filter, default allow, native architecture only (any other
 * architecture — i386 through int 0x80, x32 through the x32 syscall bit —
 * kills the process: libseccomp's bad-architecture action), EPERM for what
 * is denied (ENOSYS for clone3, so libc falls back to clone, whose flags a
 * filter can see). Arguments are compared as the kernel will read them:
 * where the kernel truncates an int, a value with high bits set is either
 * refused as a whole or checked through a 32-bit mask, never let through.
 * Exits 0, or 1 with the reason on stderr (and no header on stdout). */
#include <errno.h>
#include <linux/filter.h>
#include <linux/netlink.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <seccomp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bpfgen_out.h"

#ifndef CLONE_NEWCGROUP
#define CLONE_NEWCGROUP 0x02000000
#endif

/* Newer than libseccomp 2.5.4's syscall table: added by number, only where
 * the number is known (x86_64 here). */
#if defined(__x86_64__) && !defined(__ILP32__)
#define NR_OPEN_TREE_ATTR 467 /* Linux 6.15 */
#endif

#define SOCK_TYPE_MASK 0xf /* include/linux/net.h, not in the uapi */

/* Denied outright, whatever the arguments. */
static const struct {
	int nr;
	const char *name;
} deny_all[] = {
#define D(sys) { SCMP_SYS(sys), #sys }
	/* namespaces (clone is filtered by flags below) */
	D(unshare), D(setns),
	/* the mount family */
	D(mount), D(umount2), D(pivot_root), D(chroot), D(move_mount), D(open_tree), D(fsopen),
	D(fsconfig), D(fsmount), D(fspick), D(mount_setattr),
	/* other processes */
	D(ptrace), D(process_vm_readv), D(process_vm_writev), D(kcmp), D(pidfd_getfd),
	/* kernel attack surface reachable without a capability */
	D(bpf), D(perf_event_open), D(userfaultfd), D(io_uring_setup), D(io_uring_enter),
	D(io_uring_register), D(keyctl), D(add_key), D(request_key),
	/* the machine, not the jail (refused without init-namespace capabilities
	 * anyway; the filter makes the answer independent of them) */
	D(kexec_load), D(kexec_file_load), D(init_module), D(finit_module), D(delete_module),
	D(reboot), D(swapon), D(swapoff), D(acct), D(syslog), D(settimeofday), D(clock_settime),
	D(quotactl), D(quotactl_fd), D(lookup_dcookie), D(vhangup),
	D(open_by_handle_at), D(sethostname), D(setdomainname),
	/* old ABIs and raw hardware access */
	D(iopl), D(ioperm), D(modify_ldt), D(uselib),
#undef D
#ifdef NR_OPEN_TREE_ATTR
	{ NR_OPEN_TREE_ATTR, "open_tree_attr" },
#endif
};

/* clone: any new-namespace flag. (CLONE_NEWTIME shares its bit with the exit
 * signal in clone's flags and exists only for clone3 and unshare.) */
static const unsigned long clone_ns_flags[] = {
	CLONE_NEWNS, CLONE_NEWCGROUP, CLONE_NEWUTS, CLONE_NEWIPC,
	CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET,
};

/* personality: the flags that weaken exploit mitigations of whatever the
 * agent runs next. The query value 0xffffffff stays allowed. */
static const uint32_t personality_bad[] = {
	ADDR_NO_RANDOMIZE, MMAP_PAGE_ZERO, ADDR_COMPAT_LAYOUT,
	READ_IMPLIES_EXEC, ADDR_LIMIT_32BIT, ADDR_LIMIT_3GB,
};

#define PER_QUERY 0xffffffffu
#define BIT31 0x80000000u

struct build {
	scmp_filter_ctx ctx;
};

static int fail(const char *what, const char *name, int e)
{
	fprintf(stderr, "gen_agent_filter: %s%s%s: %s\n", what, name ? " " : "", name ? name : "",
		strerror(e));
	return -1;
}

/* A syscall this architecture lacks (libseccomp's negative pseudo number) is
 * skipped: nothing to deny. Anything else that fails is an error. */
static int rule(struct build *b, uint32_t action, int nr, const char *name, unsigned n,
		const struct scmp_arg_cmp *cmp)
{
	int rc = seccomp_rule_add_array(b->ctx, action, nr, n, cmp);

	if (rc == 0 || nr < 0)
		return 0;
	return fail("rule for", name, -rc);
}

static int rule0(struct build *b, int nr, const char *name)
{
	return rule(b, SCMP_ACT_ERRNO(EPERM), nr, name, 0, NULL);
}

static int rule1(struct build *b, int nr, const char *name, struct scmp_arg_cmp a)
{
	return rule(b, SCMP_ACT_ERRNO(EPERM), nr, name, 1, &a);
}

static int rule2(struct build *b, int nr, const char *name, struct scmp_arg_cmp a, struct scmp_arg_cmp c)
{
	struct scmp_arg_cmp v[2] = { a, c };

	return rule(b, SCMP_ACT_ERRNO(EPERM), nr, name, 2, v);
}

/* socket: families AF_UNIX, AF_INET, AF_INET6 and AF_NETLINK (NETLINK_ROUTE
 * only) are allowed, nothing else; SOCK_RAW and SOCK_PACKET only for netlink
 * (where SOCK_RAW is the normal type). The refused families below AF_NETLINK
 * are matched in aligned blocks (one masked comparison per block) to keep the
 * filter short: 0 | 3 | 4-7 | 8-9 | 11 | 12-15. */
static const struct {
	scmp_datum_t mask, value;
} refused_low_families[] = {
	{ ~(scmp_datum_t)0, AF_UNSPEC }, { ~(scmp_datum_t)0, 3 },  { ~(scmp_datum_t)3, 4 },
	{ ~(scmp_datum_t)1, 8 },         { ~(scmp_datum_t)0, 11 }, { ~(scmp_datum_t)3, 12 },
};

static int socket_rules(struct build *b)
{
	const int nr = SCMP_SYS(socket);

	for (size_t i = 0; i < sizeof(refused_low_families) / sizeof(refused_low_families[0]); i++)
		if (rule1(b, nr, "socket",
			  SCMP_A0(SCMP_CMP_MASKED_EQ, refused_low_families[i].mask, refused_low_families[i].value)) != 0)
			return -1;
	/* everything past AF_NETLINK, and every value with high bits set (the
	 * kernel would truncate it to an int: refuse rather than guess) */
	if (rule1(b, nr, "socket", SCMP_A0(SCMP_CMP_GT, AF_NETLINK)) != 0)
		return -1;
	if (rule2(b, nr, "socket", SCMP_A0(SCMP_CMP_EQ, AF_NETLINK), SCMP_A2(SCMP_CMP_NE, NETLINK_ROUTE)) != 0)
		return -1;
	if (rule2(b, nr, "socket", SCMP_A0(SCMP_CMP_NE, AF_NETLINK),
		  SCMP_A1(SCMP_CMP_MASKED_EQ, SOCK_TYPE_MASK, SOCK_RAW)) != 0)
		return -1;
	if (rule2(b, nr, "socket", SCMP_A0(SCMP_CMP_NE, AF_NETLINK),
		  SCMP_A1(SCMP_CMP_MASKED_EQ, SOCK_TYPE_MASK, SOCK_PACKET)) != 0)
		return -1;
	/* socketpair is only meaningful for AF_UNIX (others create two sockets
	 * of the family and then fail): refuse every other family */
	return rule1(b, SCMP_SYS(socketpair), "socketpair", SCMP_A0(SCMP_CMP_NE, AF_UNIX));
}

/* personality: libseccomp allows one comparison per argument in a rule, so
 * "a bad flag set and not the query 0xffffffff" is spelled as: a bad flag set
 * with bit 31 clear; or bit 31 set with any lower bit clear (only the query
 * has bit 31 and all the rest); or any of the upper 32 bits set. */
static int personality_rules(struct build *b)
{
	const int nr = SCMP_SYS(personality);

	for (size_t i = 0; i < sizeof(personality_bad) / sizeof(personality_bad[0]); i++)
		if (rule1(b, nr, "personality",
			  SCMP_A0(SCMP_CMP_MASKED_EQ, personality_bad[i] | BIT31, personality_bad[i])) != 0)
			return -1;
	for (int k = 0; k < 31; k++)
		if (rule1(b, nr, "personality", SCMP_A0(SCMP_CMP_MASKED_EQ, BIT31 | (1u << k), BIT31)) != 0)
			return -1;
	return rule1(b, nr, "personality", SCMP_A0(SCMP_CMP_GT, PER_QUERY));
}

/* ioctl: pushing input into a terminal (TIOCSTI; TIOCLINUX's selection
 * paste on a VT) runs commands in whatever shell outside the jail reads that
 * terminal next. cmd is an unsigned int to the kernel: compare 32 bits. */
static const unsigned long tty_inject[] = { TIOCSTI, TIOCLINUX };

static int build_rules(struct build *b)
{
	for (size_t i = 0; i < sizeof(deny_all) / sizeof(deny_all[0]); i++)
		if (rule0(b, deny_all[i].nr, deny_all[i].name) != 0)
			return -1;
	for (size_t i = 0; i < sizeof(clone_ns_flags) / sizeof(clone_ns_flags[0]); i++)
		if (rule1(b, SCMP_SYS(clone), "clone",
			  SCMP_A0(SCMP_CMP_MASKED_EQ, clone_ns_flags[i], clone_ns_flags[i])) != 0)
			return -1;
	/* clone3's flags are behind a pointer: ENOSYS makes libc use clone */
	if (rule(b, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), "clone3", 0, NULL) != 0)
		return -1;
	if (socket_rules(b) != 0)
		return -1;
	for (size_t i = 0; i < sizeof(tty_inject) / sizeof(tty_inject[0]); i++)
		if (rule1(b, SCMP_SYS(ioctl), "ioctl", SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, tty_inject[i])) != 0)
			return -1;
	return personality_rules(b);
}

static int set_attr(struct build *b, enum scmp_filter_attr attr, uint32_t value, const char *what)
{
	int rc = seccomp_attr_set(b->ctx, attr, value);

	return rc != 0 ? fail("attribute", what, -rc) : 0;
}

static int build_ctx(struct build *b)
{
	int rc;

	/* API level 3: SECCOMP_RET_KILL_PROCESS whatever the build machine's
	 * kernel says (the program runs elsewhere, on kernels of its own). */
	rc = seccomp_api_set(3);
	if (rc != 0)
		return fail("seccomp_api_set", "3", -rc);
	b->ctx = seccomp_init(SCMP_ACT_ALLOW);
	if (b->ctx == NULL)
		return fail("seccomp_init", NULL, ENOMEM);
	/* NNP and TSYNC are load-time flags, not part of the program: the
	 * installer (agent_filter_load) sets neither, privdrop sets NNP. */
	if (set_attr(b, SCMP_FLTATR_CTL_NNP, 0, "no NNP") != 0 ||
	    set_attr(b, SCMP_FLTATR_CTL_OPTIMIZE, 2, "binary tree") != 0 ||
	    set_attr(b, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS, "bad arch kill process") != 0)
		return -1;
	return build_rules(b);
}

int main(int argc, char **argv)
{
	struct build b = { .ctx = NULL };
	size_t len = 0;
	int rc;

	if (argc != 1) {
		fprintf(stderr, "usage: %s > agent_filter_bpf.h\n", argv[0]);
		return 64;
	}
	rc = build_ctx(&b);
	if (rc == 0)
		rc = bpfgen_export("gen_agent_filter", b.ctx, &len);
	if (b.ctx != NULL)
		seccomp_release(b.ctx);
	if (rc == 0)
		rc = bpfgen_print("gen_agent_filter", "agent_filter", "The agent's seccomp filter",
				  "seccomp/agent_filter.c", len);
	return rc == 0 ? 0 : 1;
}
