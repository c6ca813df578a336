/* spawn: fork + exec of the supervised command (see spawn.h). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "spawn.h"
#include "supervise.h"

void spawn_child_setup(void)
{
	/* A process group of its own, so that -g and the terminal's job
	 * control address the command and what it starts, never the init. */
	if (setpgid(0, 0) == 0 && isatty(STDIN_FILENO)) {
		/* Fails with ENOTTY when stdin is a terminal but not ours;
		 * then there is no foreground to take, and nothing to do. */
		(void)tcsetpgrp(STDIN_FILENO, getpgrp());
	}
	supervise_child_restore();
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

pid_t spawn_command(char *const argv[], struct ji_err *err)
{
	int fds[2], errnum, status = 0;
	ssize_t n;
	pid_t pid;

	/* Close-on-exec: a successful exec closes the write end, so the
	 * parent reads EOF; a failed one writes its errno. */
	if (pipe2(fds, O_CLOEXEC) != 0)
		goto setup_failed;
	pid = fork();
	if (pid < 0) {
		errnum = errno;
		(void)close(fds[0]);
		(void)close(fds[1]);
		errno = errnum;
		goto setup_failed;
	}
	if (pid == 0) {
		(void)close(fds[0]);
		spawn_child_setup();
		errnum = spawn_exec(argv);
		/* A pipe write of 4 bytes is atomic; if it failed the parent
		 * still sees the exit code, only without the errno. */
		n = write(fds[1], &errnum, sizeof(errnum));
		(void)n;
		_exit(exec_errno_exit_code(errnum));
	}
	(void)close(fds[1]);
	/* Also here, against the race where the init forwards a signal to
	 * the group before the child ran setpgid. Fails harmlessly (EACCES)
	 * once the child has exec'd. */
	(void)setpgid(pid, pid);
	do
		n = read(fds[0], &errnum, sizeof(errnum));
	while (n < 0 && errno == EINTR);
	(void)close(fds[0]);
	if (n == 0)
		return pid;
	if (n != (ssize_t)sizeof(errnum))
		errnum = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	ji_fail(err, "exec", errnum, "cannot execute '%s'", argv[0]);
	if (err != NULL)
		err->exit_code = errnum != 0 ? exec_errno_exit_code(errnum)
			: (WIFEXITED(status) ? WEXITSTATUS(status) : EXIT_CANNOT_EXEC);
	return -1;

setup_failed:
	ji_fail(err, "fork", errno, "cannot start '%s'", argv[0]);
	if (err != NULL)
		err->exit_code = EXIT_SETUP;
	return -1;
}
