/* spawn: vfork + exec of the supervised command (see spawn.h). */
#include <errno.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "spawn.h"
#include "supervise.h"

static void child_setup(int may_take_terminal)
{
	/* Only when the init holds the terminal's foreground does the command
	 * take it over: an init started in the background of a shell must not
	 * steal the shell's terminal. -1 (ENOTTY) when stdin is no terminal of
	 * ours. */
	int foreground = may_take_terminal && tcgetpgrp(STDIN_FILENO) == getpgrp();

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
	child_setup(1);
}

int spawn_exec(char *const argv[])
{
	execvp(argv[0], argv);
	return errno;
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
static pid_t spawn(char *const argv[], int may_take_terminal, struct ji_err *err)
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
		child_setup(may_take_terminal);
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
	return spawn(argv, 1, err);
}

pid_t spawn_background(char *const argv[], struct ji_err *err)
{
	return spawn(argv, 0, err);
}
