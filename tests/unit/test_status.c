/* Unit tests of exit status mapping (supervise.c, spawn.c) and of error
 * values (err.c): the numbers a user's script sees. */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <grp.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/err.h"
#include "init/options.h"
#include "supervise/spawn.h"
#include "supervise/supervise.h"

/* Real wait statuses from real children, not hand-built bit patterns. */
static int status_of_exit(int code)
{
	int st;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0)
		_exit(code);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	return st;
}

static int status_of_signal(int sig)
{
	int st;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		signal(sig, SIG_DFL);
		raise(sig);
		pause();
		_exit(0);
	}
	/* raise can only fail for an invalid signal; then the child lives. */
	assert_int_equal(waitpid(pid, &st, 0), pid);
	return st;
}

static void test_exit_codes_pass_through(void **state)
{
	assert_int_equal(status_to_exit_code(status_of_exit(0)), 0);
	assert_int_equal(status_to_exit_code(status_of_exit(1)), 1);
	assert_int_equal(status_to_exit_code(status_of_exit(3)), 3);
	assert_int_equal(status_to_exit_code(status_of_exit(127)), 127);
	assert_int_equal(status_to_exit_code(status_of_exit(255)), 255);
	assert_int_equal(status_to_exit_code(status_of_exit(256 + 7)), 7); /* the kernel keeps 8 bits */
}

static void test_signals_give_128_plus_n(void **state)
{
	assert_int_equal(status_to_exit_code(status_of_signal(SIGTERM)), 128 + SIGTERM);
	assert_int_equal(status_to_exit_code(status_of_signal(SIGKILL)), 137);
	assert_int_equal(status_to_exit_code(status_of_signal(SIGINT)), 130);
	assert_int_equal(status_to_exit_code(status_of_signal(SIGUSR1)), 128 + SIGUSR1);
	assert_int_equal(status_to_exit_code(status_of_signal(SIGRTMAX)), 128 + SIGRTMAX);
}

static void test_exit_zero_maps_only_listed_codes(void **state)
{
	struct options o;
	struct ji_err err;
	char *argv[] = { "jailinit", "-e", "143", "-e", "2", "cmd", NULL };
	char *env[] = { NULL };

	assert_int_equal(options_parse(&o, 6, argv, env, &err), 0);
	/* killed by SIGTERM (143) and exit 2 become 0; exit 3 stays 3 */
	assert_true(options_exit_is_zero(&o, status_to_exit_code(status_of_signal(SIGTERM))));
	assert_true(options_exit_is_zero(&o, status_to_exit_code(status_of_exit(2))));
	assert_false(options_exit_is_zero(&o, status_to_exit_code(status_of_exit(3))));
	assert_false(options_exit_is_zero(&o, status_to_exit_code(status_of_signal(SIGINT))));
}

static void test_exec_error_codes(void **state)
{
	assert_int_equal(exec_errno_exit_code(ENOENT), 127);
	assert_int_equal(exec_errno_exit_code(EACCES), 126);
	assert_int_equal(exec_errno_exit_code(ENOEXEC), 126);
	assert_int_equal(exec_errno_exit_code(EPERM), 126);
}

static void test_spawn_reports_exec_failure_in_parent(void **state)
{
	struct ji_err err;
	char *missing[] = { "/nonexistent/jailinit-test-binary", NULL };
	char path[] = "/tmp/jailinit-test-XXXXXX";
	char *not_exec[] = { path, NULL };
	int fd = mkstemp(path); /* mode 0600: no execute bit, even for root */
	pid_t pid;

	assert_true(fd >= 0);
	assert_int_equal(close(fd), 0);

	memset(&err, 0, sizeof(err));
	pid = spawn_command(missing, &err);
	assert_int_equal(pid, -1);
	assert_int_equal(err.errnum, ENOENT);
	assert_int_equal(err.exit_code, 127);
	assert_non_null(strstr(err.detail, "'/nonexistent/jailinit-test-binary'"));

	memset(&err, 0, sizeof(err));
	pid = spawn_command(not_exec, &err);
	assert_int_equal(pid, -1);
	assert_int_equal(err.errnum, EACCES);
	assert_int_equal(err.exit_code, 126);
	assert_int_equal(unlink(path), 0);
	/* the failed child was reaped by spawn_command itself */
	assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
	assert_int_equal(errno, ECHILD);
}

/* spawn_exec's PATH search, run in a child as uid 65534 (root searches
 * every directory): returns the exit code the init would use. */
static int exec_in_path_as_nobody(const char *path_env, const char *cmd)
{
	int st;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		char *argv[] = { (char *)cmd, NULL };

		if (geteuid() == 0 && (setgroups(0, NULL) != 0 || setresgid(65534, 65534, 65534) != 0 ||
				       setresuid(65534, 65534, 65534) != 0))
			_exit(99);
		if (setenv("PATH", path_env, 1) != 0)
			_exit(98);
		_exit(exec_errno_exit_code(spawn_exec(argv)));
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	return WEXITSTATUS(st);
}

static void make_file(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_true(fputs(text, f) >= 0);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, mode), 0);
}

/* Like execvp, the whole PATH is searched; unlike musl's and glibc's
 * execvp, a directory that cannot be searched does not make a command that
 * is nowhere 126 (EACCES): 127 when not found, 126 only when found but not
 * executable. */
static char path_dir[] = "/tmp/jailinit-path-XXXXXX";

static int remove_path_dir(void **state)
{
	char cmd[64];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", path_dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_exec_searches_the_whole_path(void **state)
{
	char *dir = path_dir;
	char locked[64], first[64], second[64], path[256], f[128];

	assert_non_null(mkdtemp(dir));
	assert_int_equal(chmod(dir, 0755), 0);
	snprintf(locked, sizeof locked, "%s/locked", dir);
	snprintf(first, sizeof first, "%s/first", dir);
	snprintf(second, sizeof second, "%s/second", dir);
	assert_int_equal(mkdir(locked, 0), 0); /* unsearchable for uid 65534 */
	assert_int_equal(mkdir(first, 0755), 0);
	assert_int_equal(mkdir(second, 0755), 0);
	snprintf(f, sizeof f, "%s/tool", first);
	make_file(f, "#!/bin/sh\nexit 3\n", 0644); /* found, not executable */
	snprintf(f, sizeof f, "%s/tool", second);
	make_file(f, "#!/bin/sh\nexit 7\n", 0755);
	snprintf(f, sizeof f, "%s/onlyhere", first);
	make_file(f, "#!/bin/sh\nexit 0\n", 0644);

	/* not anywhere, an unsearchable directory first: 127, not 126 */
	snprintf(path, sizeof path, "%s:%s", locked, second);
	assert_int_equal(exec_in_path_as_nobody(path, "jailinit-no-such-tool"), 127);
	/* an EACCES earlier hides no later match (execvp does the same) */
	snprintf(path, sizeof path, "%s:%s:%s", locked, first, second);
	assert_int_equal(exec_in_path_as_nobody(path, "tool"), 7);
	/* found but not executable, nowhere else: 126 */
	snprintf(path, sizeof path, "%s:%s:%s", locked, first, second);
	assert_int_equal(exec_in_path_as_nobody(path, "onlyhere"), 126);
	/* a lone missing directory: 127 */
	assert_int_equal(exec_in_path_as_nobody("/jailinit-nonexistent-dir", "tool"), 127);
}

static void test_spawn_runs_the_command(void **state)
{
	struct ji_err err;
	char *argv[] = { "sh", "-c", "exit 42", NULL };
	int st;
	pid_t pid = spawn_command(argv, &err);

	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_int_equal(status_to_exit_code(st), 42);
}

static void test_err_values(void **state)
{
	struct ji_err e;

	assert_int_equal(ji_fail(&e, "create veth", EPERM, "peer %s", "ji1"), -1);
	assert_string_equal(e.step, "create veth");
	assert_int_equal(e.errnum, EPERM);
	assert_int_equal(e.exit_code, 0);
	assert_string_equal(e.detail, "peer ji1");
	assert_int_equal(ji_context(&e, "setting up the jail"), -1);
	assert_string_equal(e.detail, "setting up the jail: peer ji1");
	assert_int_equal(ji_fail(&e, "x", 0, NULL), -1);
	assert_string_equal(e.detail, "");
	ji_context(&e, "ctx");
	assert_string_equal(e.detail, "ctx");
	assert_int_equal(ji_fail(NULL, "x", 1, "y"), -1);

	/* context on a full detail: truncated, still terminated */
	memset(e.detail, 'a', sizeof(e.detail) - 1);
	e.detail[sizeof(e.detail) - 1] = '\0';
	ji_context(&e, "ctx");
	assert_int_equal(strlen(e.detail), sizeof(e.detail) - 1);
	assert_memory_equal(e.detail, "ctx: aaa", 8);
	char longctx[400];
	memset(longctx, 'c', sizeof(longctx) - 1);
	longctx[sizeof(longctx) - 1] = '\0';
	ji_context(&e, longctx);
	assert_int_equal(strlen(e.detail), sizeof(e.detail) - 1);
}

static void test_errno_names(void **state)
{
	assert_string_equal(ji_errno_name(EPERM), "EPERM");
	assert_string_equal(ji_errno_name(ENOENT), "ENOENT");
	assert_string_equal(ji_errno_name(EPROTONOSUPPORT), "EPROTONOSUPPORT");
	assert_string_equal(ji_errno_name(EOPNOTSUPP), "EOPNOTSUPP");
	assert_string_equal(ji_errno_name(ENOSPC), "ENOSPC");
	assert_string_equal(ji_errno_name(0), "E?");
	assert_string_equal(ji_errno_name(99999), "E?");
}

static void test_errno_forbidden(void **state)
{
	assert_true(ji_errno_is_forbidden(EPERM));
	assert_true(ji_errno_is_forbidden(EACCES));
	assert_true(ji_errno_is_forbidden(ENOSPC));
	assert_true(ji_errno_is_forbidden(ENOSYS));
	assert_true(ji_errno_is_forbidden(EOPNOTSUPP));
	assert_true(ji_errno_is_forbidden(EPROTONOSUPPORT));
	assert_false(ji_errno_is_forbidden(EINVAL));
	assert_false(ji_errno_is_forbidden(ENOMEM));
	assert_false(ji_errno_is_forbidden(EEXIST));
	assert_false(ji_errno_is_forbidden(0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exit_codes_pass_through),
		cmocka_unit_test(test_signals_give_128_plus_n),
		cmocka_unit_test(test_exit_zero_maps_only_listed_codes),
		cmocka_unit_test(test_exec_error_codes),
		cmocka_unit_test(test_spawn_reports_exec_failure_in_parent),
		cmocka_unit_test_teardown(test_exec_searches_the_whole_path, remove_path_dir),
		cmocka_unit_test(test_spawn_runs_the_command),
		cmocka_unit_test(test_err_values),
		cmocka_unit_test(test_errno_names),
		cmocka_unit_test(test_errno_forbidden),
	};

	return cmocka_run_group_tests_name("status", tests, NULL, NULL);
}
