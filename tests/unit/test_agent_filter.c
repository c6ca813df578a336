/* Unit tests of privdrop.c, agent_filter.c and the filter program baked at
 * build time (its shape; tests/integration/test_agent_confinement.py checks
 * that it is what libseccomp makes of the rules): every case runs in a forked
 * child (the drop and the filter are one-way), the privileged ones in a user
 * namespace of the child's own, so the test process and the machine keep
 * everything. The child reports one code through its exit status; the
 * parent asserts on it. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/err.h"
#include "jail/privdrop.h"
#include "seccomp/agent_filter.h"
#include "agent_filter_bpf.h" /* $(BUILD)/gen, made by seccomp/bpfgen */

/* Child exit codes: 0 = every check passed, else the number of the failed
 * check (so a failure says which). */
typedef int (*child_fn)(void);

/* Run fn in a child; with userns, the child first moves into a new user
 * namespace (and netns) whose maps (0-65535 -> 0-65535, setgroups allowed)
 * this process writes, the way jailinit's outer does. */
static int run_child(child_fn fn, int userns)
{
	int go[2], ready[2], st;
	char c = 0;
	pid_t pid;

	assert_int_equal(pipe(go), 0);
	assert_int_equal(pipe(ready), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(go[1]);
		close(ready[0]);
		if (userns && unshare(CLONE_NEWUSER | CLONE_NEWNET) != 0)
			_exit(200);
		if (write(ready[1], "r", 1) != 1 || read(go[0], &c, 1) != 1)
			_exit(201);
		_exit(fn());
	}
	close(go[0]);
	close(ready[1]);
	assert_int_equal(read(ready[0], &c, 1), 1);
	if (userns) {
		static const char *const files[] = { "uid_map", "gid_map" };
		for (int i = 0; i < 2; i++) {
			char path[64];
			int fd;

			snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, files[i]);
			fd = open(path, O_WRONLY | O_CLOEXEC);
			assert_true(fd >= 0);
			assert_int_equal(write(fd, "0 0 65536\n", 10), 10);
			close(fd);
		}
	}
	assert_int_equal(write(go[1], "g", 1), 1);
	close(go[1]);
	close(ready[0]);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	if (WIFSIGNALED(st))
		return 1000 + WTERMSIG(st);
	return WEXITSTATUS(st);
}

static int caps_all_empty(void)
{
	cap_t now = cap_get_proc(), none = cap_init();
	int same = now && none && cap_compare(now, none) == 0;
	int last = 0;

	cap_free(now);
	cap_free(none);
	if (!same)
		return 0;
	while (cap_get_bound((cap_value_t)last) >= 0) {
		if (cap_get_bound((cap_value_t)last) != 0 || cap_get_ambient((cap_value_t)last) != 0)
			return 0;
		last++;
	}
	return last > 0;
}

/* ---- privdrop_all ---- */

static int child_privdrop_1000(void)
{
	struct ji_err e = { 0 };
	uid_t r, ef, s;
	gid_t g[4];

	if (privdrop_all(1000, 1001, &e) != 0)
		return 1;
	if (getresuid(&r, &ef, &s) != 0 || r != 1000 || ef != 1000 || s != 1000)
		return 2;
	if (getgid() != 1001 || getegid() != 1001)
		return 3;
	if (getgroups(4, g) != 0)
		return 4;
	if (!caps_all_empty())
		return 5;
	if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1)
		return 6;
	/* nothing can be raised again: setuid back to 0 is refused */
	if (setresuid(0, 0, 0) == 0 || errno != EPERM)
		return 7;
	return 0;
}

static void test_privdrop_all_leaves_nothing(void **state)
{
	(void)state;
	assert_int_equal(run_child(child_privdrop_1000, 1), 0);
}

static int child_privdrop_root(void)
{
	struct ji_err e = { 0 };
	int bits;

	if (privdrop_all(0, 0, &e) != 0)
		return 1;
	if (getuid() != 0 || geteuid() != 0)
		return 2;
	if (!caps_all_empty())
		return 3;
	bits = prctl(PR_GET_SECUREBITS, 0, 0, 0, 0);
	/* NOROOT and its lock: an exec as uid 0 grants nothing */
	if (bits < 0 || !(bits & (1 << 0)) || !(bits & (1 << 1)))
		return 4;
	/* and the securebits cannot be unlocked */
	if (prctl(PR_SET_SECUREBITS, 0, 0, 0, 0) == 0)
		return 5;
	return 0;
}

static void test_privdrop_all_uid0_keeps_no_capability(void **state)
{
	(void)state;
	assert_int_equal(run_child(child_privdrop_root, 1), 0);
}

static int child_privdrop_unmapped(void)
{
	struct ji_err e = { 0 };

	if (privdrop_all(70000, 70000, &e) == 0)
		return 1;
	if (strcmp(e.step, "set the gid") != 0)
		return 2;
	if (e.errnum != EINVAL)
		return 3;
	if (strstr(e.detail, "not mapped") == NULL)
		return 4;
	return 0;
}

static void test_privdrop_all_unmapped_id_names_step_and_errno(void **state)
{
	(void)state;
	assert_int_equal(run_child(child_privdrop_unmapped, 1), 0);
}

/* ---- privdrop_switch_user (the proxy) ---- */

static int child_switch_user(void)
{
	struct ji_err e = { 0 };

	if (privdrop_switch_user(65534, 65534, &e) != 0)
		return 1;
	if (getuid() != 65534 || getgid() != 65534)
		return 2;
	if (!caps_all_empty())
		return 3;
	if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 0)
		return 4; /* the proxy keeps the right to exec helpers normally */
	return 0;
}

static void test_switch_user_drops_every_capability(void **state)
{
	(void)state;
	/* as the container's root would: real root, in a child */
	assert_int_equal(run_child(child_switch_user, 0), 0);
}

/* ---- agent_filter_load ---- */

static int child_filter_without_nnp(void)
{
	struct ji_err e = { 0 };

	/* capabilities gone, no_new_privs never set: the order is wrong */
	if (privdrop_switch_user(65534, 65534, &e) != 0)
		return 1;
	if (agent_filter_load(&e) == 0)
		return 2;
	if (strcmp(e.step, "load the agent's seccomp filter") != 0)
		return 3;
	if (e.errnum != EACCES)
		return 4;
	if (strstr(e.detail, "no_new_privs") == NULL)
		return 5;
	return 0;
}

static void test_filter_without_no_new_privs_fails_closed(void **state)
{
	(void)state;
	assert_int_equal(run_child(child_filter_without_nnp, 0), 0);
}

static int child_filter_after_drop(void)
{
	struct ji_err e = { 0 };
	uint64_t args[11] = { 0 };
	int fd;

	if (privdrop_all(1000, 1000, &e) != 0)
		return 1;
	if (agent_filter_load(&e) != 0)
		return 2;
	if (unshare(CLONE_NEWUSER) == 0 || errno != EPERM)
		return 3;
	args[4] = SIGCHLD;
	if (syscall(SYS_clone3, args, sizeof(args)) != -1 || errno != ENOSYS)
		return 4;
	if (socket(AF_PACKET, SOCK_RAW, 0) >= 0 || errno != EPERM)
		return 5;
	if (socket(AF_NETLINK, SOCK_RAW, 12 /* NETLINK_NETFILTER */) >= 0 || errno != EPERM)
		return 6;
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, 0 /* NETLINK_ROUTE */);
	if (fd < 0)
		return 7;
	close(fd);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 8;
	close(fd);
	/* stacking a second filter (a sandbox inside the agent) still works */
	if (agent_filter_load(&e) != 0)
		return 9;
	return 0;
}

static void test_filter_after_drop_refuses_and_allows(void **state)
{
	(void)state;
	assert_int_equal(run_child(child_filter_after_drop, 1), 0);
}

/* ---- the program baked at build time ($(BUILD)/gen/agent_filter_bpf.h) ---- */

static const struct sock_filter *jump_target(size_t i, unsigned off)
{
	assert_true(i + 1 + off < AGENT_FILTER_PROG_LEN);
	return &agent_filter_prog[i + 1 + off];
}

static void test_baked_program_checks_the_architecture_first(void **state)
{
	const struct sock_filter *p = agent_filter_prog;
	int allow = 0, eperm = 0, enosys = 0;

	(void)state;
	assert_true(AGENT_FILTER_PROG_LEN > 2 && AGENT_FILTER_PROG_LEN <= BPF_MAXINSNS);
	/* load seccomp_data.arch; equal to the native one goes on, anything
	 * else reaches a kill of the process */
	assert_int_equal(p[0].code, BPF_LD | BPF_W | BPF_ABS);
	assert_int_equal(p[0].k, offsetof(struct seccomp_data, arch));
	assert_int_equal(p[1].code, BPF_JMP | BPF_JEQ | BPF_K);
#if defined(__x86_64__) && !defined(__ILP32__)
	assert_int_equal(p[1].k, AUDIT_ARCH_X86_64);
#elif defined(__aarch64__)
	assert_int_equal(p[1].k, AUDIT_ARCH_AARCH64);
#endif
	assert_int_equal(p[1].jt, 0);
	assert_int_equal(jump_target(1, p[1].jf)->code, BPF_RET | BPF_K);
	assert_int_equal(jump_target(1, p[1].jf)->k, SECCOMP_RET_KILL_PROCESS);
	/* then the syscall number */
	assert_int_equal(p[2].code, BPF_LD | BPF_W | BPF_ABS);
	assert_int_equal(p[2].k, offsetof(struct seccomp_data, nr));
	/* every jump lands inside the program, which ends with a return */
	for (size_t i = 0; i < AGENT_FILTER_PROG_LEN; i++) {
		if (BPF_CLASS(p[i].code) == BPF_JMP) {
			if (BPF_OP(p[i].code) == BPF_JA)
				(void)jump_target(i, p[i].k);
			else {
				(void)jump_target(i, p[i].jt);
				(void)jump_target(i, p[i].jf);
			}
		}
		if (p[i].code == (BPF_RET | BPF_K)) {
			allow += p[i].k == SECCOMP_RET_ALLOW;
			eperm += p[i].k == (SECCOMP_RET_ERRNO | EPERM);
			enosys += p[i].k == (SECCOMP_RET_ERRNO | ENOSYS);
		}
	}
	assert_int_equal(BPF_CLASS(p[AGENT_FILTER_PROG_LEN - 1].code), BPF_RET);
	assert_true(allow > 0 && eperm > 0 && enosys > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_privdrop_all_leaves_nothing),
		cmocka_unit_test(test_privdrop_all_uid0_keeps_no_capability),
		cmocka_unit_test(test_privdrop_all_unmapped_id_names_step_and_errno),
		cmocka_unit_test(test_switch_user_drops_every_capability),
		cmocka_unit_test(test_filter_without_no_new_privs_fails_closed),
		cmocka_unit_test(test_filter_after_drop_refuses_and_allows),
		cmocka_unit_test(test_baked_program_checks_the_architecture_first),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
