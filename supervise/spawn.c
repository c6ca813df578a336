/* spawn: vfork + exec of the supervised command (see spawn.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../base/fileio.h"
#include "spawn.h"
#include "supervise.h"

/* Only when the init holds the terminal's foreground does the command
 * take it over: an init started in the background of a shell must not
 * steal the shell's terminal. -1 (ENOTTY) when stdin is no terminal of
 * ours. Asked by the parent before the fork: once the parent has moved the
 * child into a group of its own (spawn_gated_start does, at once), the
 * child cannot tell any more. */
int spawn_holds_terminal(void)
{
	return tcgetpgrp(STDIN_FILENO) == getpgrp();
}

static void child_setup(int foreground)
{
	/* A process group of its own, so that -g and the terminal's job
	 * control address the command and what it starts, never the init. */
	if (setpgid(0, 0) == 0 && foreground) {
		/* SIGTTOU is still blocked here, so this cannot stop us. It
		 * can only fail if the terminal went away meanwhile; the
		 * command then runs without one, as it would anyway. */
		(void)tcsetpgrp(STDIN_FILENO, getpgrp());
	}
	supervise_child_restore();
}

void spawn_child_setup(void)
{
	child_setup(spawn_holds_terminal());
}

void spawn_helper_setup(void)
{
	child_setup(0);
}

/* One PATH entry (len bytes at dir, empty = the current directory) joined
 * with file into buf; -1 when it does not fit. */
static int path_join(char *buf, size_t cap, const char *dir, size_t len, const char *file)
{
	size_t flen = strlen(file);

	if (len + 1 + flen + 1 > cap)
		return -1;
	memcpy(buf, dir, len);
	if (len > 0)
		buf[len++] = '/';
	memcpy(buf + len, file, flen + 1);
	return 0;
}

int spawn_which(const char *file, char *buf, size_t cap)
{
	const char *path = getenv("PATH");
	struct stat st;

	if (path == NULL)
		path = SPAWN_DEFAULT_PATH;
	for (const char *p = path;; p++) {
		const char *end = strchrnul(p, ':');

		if (path_join(buf, cap, p, (size_t)(end - p), file) == 0 && stat(buf, &st) == 0 &&
		    S_ISREG(st.st_mode) && access(buf, X_OK) == 0)
			return 0;
		p = end;
		if (*p == '\0')
			break;
	}
	errno = ENOENT;
	return -1;
}

/* execvp's search of PATH (musl's default PATH when unset; no /bin/sh
 * fallback for ENOEXEC, like musl), with one difference: an EACCES counts
 * as "found but not executable" only when the file is there. A directory
 * that cannot be searched hides nothing: a command found nowhere is ENOENT
 * (127) whatever PATH holds, and EACCES (126) means some entry had it.
 * Runs in a vfork child: stack only, no allocation. */
int spawn_exec(char *const argv[])
{
	extern char **environ;
	const char *file = argv[0], *path, *p;
	char buf[PATH_MAX];
	struct stat st;
	int found_unexecutable = 0;

	if (file == NULL || file[0] == '\0')
		return ENOENT;
	if (strchr(file, '/') != NULL) {
		execve(file, argv, environ);
		return errno;
	}
	if (strlen(file) > NAME_MAX)
		return ENAMETOOLONG;
	path = getenv("PATH");
	if (path == NULL)
		path = SPAWN_DEFAULT_PATH;
	for (p = path;; p++) {
		const char *end = strchrnul(p, ':');

		if (path_join(buf, sizeof buf, p, (size_t)(end - p), file) == 0) {
			execve(buf, argv, environ);
			switch (errno) {
			case EACCES:
				if (stat(buf, &st) == 0)
					found_unexecutable = 1;
				break;
			case ENOENT:
			case ENOTDIR:
			case ESTALE:
			case ENODEV:
			case ETIMEDOUT:
			case ENAMETOOLONG:
				break; /* not here: the next entry */
			default:
				return errno; /* found, and it cannot run (ENOEXEC, ETXTBSY, E2BIG ...) */
			}
		}
		p = end;
		if (*p == '\0')
			break;
	}
	return found_unexecutable ? EACCES : ENOENT;
}

int exec_errno_exit_code(int errnum)
{
	return errnum == ENOENT ? EXIT_NOT_FOUND : EXIT_CANNOT_EXEC;
}

/* vfork, not fork: the child borrows the init's memory until it execs, so
 * no page tables are copied and no page is faulted in twice; that halves
 * the time from our exec to the command's (make bench). It also carries an
 * exec failure to the parent for free: the child stores the errno in the
 * shared memory and _exits, and the parent, resumed only then, reads it.
 * The child touches nothing but its own stack frames, errno and that
 * variable. */
static pid_t spawn(char *const argv[], int foreground, struct ji_err *err)
{
	volatile int exec_errno = 0;
	int status = 0;
	pid_t pid;

	/* The analyzer's objections are the point here: the parent waits
	 * until the exec, and the child does more than exec right away
	 * (process group, terminal, signal mask), which is safe as above. */
	/* NOLINTBEGIN(clang-analyzer-security.insecureAPI.vfork,clang-analyzer-unix.Vfork) */
	pid = vfork();
	if (pid == 0) {
		child_setup(foreground);
		exec_errno = spawn_exec(argv);
		_exit(exec_errno_exit_code(exec_errno));
	}
	/* NOLINTEND(clang-analyzer-security.insecureAPI.vfork,clang-analyzer-unix.Vfork) */
	if (pid < 0) {
		ji_fail(err, "fork", errno, "cannot start '%s'", argv[0]);
		if (err != NULL)
			err->exit_code = EXIT_SETUP;
		return -1;
	}
	if (exec_errno == 0)
		return pid; /* exec'd: vfork returns only after that */
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	ji_fail(err, "exec", exec_errno, "cannot execute '%s'", argv[0]);
	if (err != NULL)
		err->exit_code = exec_errno_exit_code(exec_errno);
	return -1;
}

pid_t spawn_command(char *const argv[], struct ji_err *err)
{
	return spawn(argv, spawn_holds_terminal(), err);
}

pid_t spawn_background(char *const argv[], struct ji_err *err)
{
	return spawn(argv, 0, err);
}

/* What a child that could not exec sends back. */
struct child_failure {
	int errnum;
	int exit_code;
	char step[JI_STEP_MAX];
	char detail[192];
};

static void fail_setup(struct ji_err *err, int errnum, const char *what, const char *cmd)
{
	ji_fail(err, "fork", errnum, "%s '%s'", what, cmd);
	if (err != NULL)
		err->exit_code = EXIT_SETUP;
}

static void close_pair(int fds[2])
{
	(void)close(fds[0]);
	(void)close(fds[1]);
}

/* In the child: setup, prepare, wait for the gate, exec; any failure goes
 * back through report_fd. Never returns. */
static __attribute__((noreturn)) void gated_child(char *const argv[], spawn_prepare_fn prepare, void *ctx,
						   int gate_fd, int report_fd, int foreground)
{
	struct ji_err child_err = { 0 };
	struct child_failure f;
	char go;
	ssize_t n;

	child_setup(foreground);
	if (prepare(ctx, &child_err) == 0) {
		do
			n = read(gate_fd, &go, 1);
		while (n < 0 && errno == EINTR);
		if (n != 1)
			_exit(EXIT_SETUP); /* the parent gave up: nothing to run */
		int e = spawn_exec(argv);
		ji_fail(&child_err, "exec", e, "cannot execute '%s'", argv[0]);
		child_err.exit_code = exec_errno_exit_code(e);
	}
	memset(&f, 0, sizeof f);
	f.errnum = child_err.errnum;
	f.exit_code = child_err.exit_code ? child_err.exit_code : EXIT_SETUP;
	snprintf(f.step, sizeof f.step, "%s", child_err.step[0] ? child_err.step : "prepare");
	snprintf(f.detail, sizeof f.detail, "%s", child_err.detail);
	(void)write_all(report_fd, &f, sizeof f);
	_exit(f.exit_code);
}

int spawn_gated_start(struct spawn_gate *g, char *const argv[], spawn_prepare_fn prepare, void *ctx,
		      struct ji_err *err)
{
	int gate[2], report[2];
	g->pid = -1;
	g->argv0 = argv[0];
	if (pipe2(gate, O_CLOEXEC) != 0) {
		fail_setup(err, errno, "pipe for", argv[0]);
		return -1;
	}
	if (pipe2(report, O_CLOEXEC) != 0) {
		int e = errno;
		close_pair(gate);
		fail_setup(err, e, "pipe for", argv[0]);
		return -1;
	}
	int foreground = spawn_holds_terminal();
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		close_pair(gate);
		close_pair(report);
		fail_setup(err, e, "cannot start", argv[0]);
		return -1;
	}
	if (pid == 0) {
		(void)close(gate[1]);
		(void)close(report[0]);
		gated_child(argv, prepare, ctx, gate[0], report[1], foreground);
	}
	(void)close(gate[0]);
	(void)close(report[1]);
	(void)setpgid(pid, pid); /* against the race with a group signal */
	g->pid = pid;
	g->gate_fd = gate[1];
	g->report_fd = report[0];
	return 0;
}

pid_t spawn_gated_open(struct spawn_gate *g, struct ji_err *err)
{
	struct child_failure f;
	ssize_t n;
	char go = 1;

	do
		n = write(g->gate_fd, &go, 1);
	while (n < 0 && errno == EINTR);
	(void)close(g->gate_fd);
	/* A failed write means the child is gone: its report says why. */
	do
		n = read(g->report_fd, &f, sizeof f);
	while (n < 0 && errno == EINTR);
	(void)close(g->report_fd);
	if (n == 0)
		return g->pid; /* the report pipe closed on exec */
	while (waitpid(g->pid, NULL, 0) < 0 && errno == EINTR)
		;
	if (n != (ssize_t)sizeof f) {
		ji_fail(err, "exec", EPROTO, "'%s' failed before exec", g->argv0);
		if (err != NULL)
			err->exit_code = EXIT_SETUP;
		return -1;
	}
	char step[sizeof f.step];
	memcpy(step, f.step, sizeof step);
	step[sizeof step - 1] = '\0';
	ji_fail(err, step, f.errnum, "%s", f.detail);
	if (err != NULL)
		err->exit_code = f.exit_code;
	return -1;
}
