/* Unit tests of what the agent's confinement relies on (issue 14):
 * base/fds.c (every descriptor from N up close-on-exec, by close_range and,
 * with close_range refused by a seccomp filter as a runtime may, by the
 * /proc/self/fd walk; socket families) and landlock/landlock.c (the policy
 * per ABI; on a kernel with ABI 6 a scoped child cannot signal its parent
 * but can signal its own child). Each check that changes the process runs in
 * a forked child. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <seccomp.h>

#include "base/fds.h"
#include "landlock/landlock.h"

#ifndef SYS_close_range
#define SYS_close_range 436
#endif

/* Run fn in a child; its exit code (0 = every check in it held). */
static int in_child(int (*fn)(void))
{
	pid_t pid = fork();
	int st;

	assert_true(pid >= 0);
	if (pid == 0)
		_exit(fn());
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	return WEXITSTATUS(st);
}

/* Three inheritable descriptors, one far up; all must end close-on-exec,
 * 0-2 untouched. Returns 0 or the number of the failed check. */
static int cloexec_all(void)
{
	int fds[4];
	int p[2];

	if (pipe(p) < 0)
		return 10;
	fds[0] = p[0];
	fds[1] = p[1];
	fds[2] = socket(AF_INET, SOCK_DGRAM, 0);
	fds[3] = fcntl(p[0], F_DUPFD, 900);
	if (fds[2] < 0 || fds[3] < 0)
		return 11;
	int before[3];
	for (int i = 0; i < 3; i++)
		before[i] = fcntl(i, F_GETFD);
	if (fds_cloexec_from(3, NULL) < 0)
		return 12;
	for (int i = 0; i < 4; i++)
		if (!(fcntl(fds[i], F_GETFD) & FD_CLOEXEC))
			return 20 + i;
	for (int i = 0; i < 3; i++)
		if (fcntl(i, F_GETFD) != before[i])
			return 30 + i;
	return 0;
}

static void test_cloexec_by_close_range(void **state)
{
	(void)state;
	assert_int_equal(in_child(cloexec_all), 0);
}

/* close_range refused (EPERM) and then missing (ENOSYS), as runtimes'
 * filters and old kernels answer: the /proc/self/fd walk must do it. */
static int refuse_close_range(int errnum)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);

	if (ctx == NULL || seccomp_rule_add(ctx, SCMP_ACT_ERRNO(errnum), SCMP_SYS(close_range), 0) != 0 ||
	    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || seccomp_load(ctx) != 0)
		return -1;
	seccomp_release(ctx);
	return syscall(SYS_close_range, 3U, ~0U, 0U) < 0 && errno == errnum ? 0 : -1;
}

static int cloexec_without_close_range_eperm(void)
{
	return refuse_close_range(EPERM) < 0 ? 40 : cloexec_all();
}

static int cloexec_without_close_range_enosys(void)
{
	return refuse_close_range(ENOSYS) < 0 ? 40 : cloexec_all();
}

static void test_cloexec_by_proc_when_close_range_is_refused(void **state)
{
	(void)state;
	assert_int_equal(in_child(cloexec_without_close_range_eperm), 0);
	assert_int_equal(in_child(cloexec_without_close_range_enosys), 0);
}

static void test_socket_family(void **state)
{
	int p[2], s[2];

	(void)state;
	assert_int_equal(pipe(p), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, s), 0);
	int in = socket(AF_INET, SOCK_STREAM, 0), in6 = socket(AF_INET6, SOCK_DGRAM, 0);
	assert_true(in >= 0 && in6 >= 0);
	assert_int_equal(fd_socket_family(p[0]), 0);
	assert_int_equal(fd_socket_family(s[0]), AF_UNIX);
	assert_int_equal(fd_socket_family(in), AF_INET);
	assert_int_equal(fd_socket_family(in6), AF_INET6);
	close(p[1]);
	assert_int_equal(fd_socket_family(p[1]), -1);
	assert_int_equal(errno, EBADF);
	close(p[0]);
	close(s[0]);
	close(s[1]);
	close(in);
	close(in6);
}

static void test_agent_policy_by_abi(void **state)
{
	(void)state;
	struct landlock_policy p = landlock_agent_policy(-1);
	assert_true(landlock_policy_empty(&p));
	p = landlock_agent_policy(LANDLOCK_ABI_SCOPE - 1);
	assert_true(landlock_policy_empty(&p));
	p = landlock_agent_policy(LANDLOCK_ABI_SCOPE);
	assert_int_equal(p.scoped, LANDLOCK_SCOPE_SIGNAL | LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET);
	p = landlock_agent_policy(LANDLOCK_ABI_SCOPE + 3);
	assert_int_equal(p.scoped, LANDLOCK_SCOPE_SIGNAL | LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET);
	/* an empty policy is applied as nothing, without a syscall */
	struct landlock_policy none = { 0 };
	assert_int_equal(landlock_apply(&none, NULL), 0);
}

/* In the scoped child: the parent (outside the domain) refuses, a child of
 * ours (inside) takes the signal. */
static int scoped_signals(void)
{
	pid_t parent = getppid();

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		return 50;
	struct landlock_policy p = landlock_agent_policy(landlock_abi());
	struct ji_err err = { 0 };
	if (landlock_apply(&p, &err) < 0)
		return 51;
	if (kill(parent, 0) == 0 || errno != EPERM)
		return 52;
	pid_t c = fork();
	if (c == 0) {
		pause();
		_exit(0);
	}
	if (c < 0 || kill(c, SIGKILL) != 0)
		return 53;
	int st;
	if (waitpid(c, &st, 0) != c || !WIFSIGNALED(st))
		return 54;
	return 0;
}

static void test_scoped_agent_cannot_signal_outside(void **state)
{
	(void)state;
	int abi = landlock_abi();
	if (abi < LANDLOCK_ABI_SCOPE) {
		/* The policy is empty then: nothing to try on this kernel. */
		struct landlock_policy p = landlock_agent_policy(abi);
		assert_true(landlock_policy_empty(&p));
		return;
	}
	assert_int_equal(in_child(scoped_signals), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cloexec_by_close_range),
		cmocka_unit_test(test_cloexec_by_proc_when_close_range_is_refused),
		cmocka_unit_test(test_socket_family),
		cmocka_unit_test(test_agent_policy_by_abi),
		cmocka_unit_test(test_scoped_agent_cannot_signal_outside),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
