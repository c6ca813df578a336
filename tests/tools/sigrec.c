/* sigrec: records every signal it receives, for the supervisor's tests.
 *
 *   sigrec [-o FILE] [-t TAG] [-x SIGNAL] [-i] [-d]
 *
 * Installs a handler for every catchable signal (1-31 but KILL and STOP,
 * and SIGRTMIN..SIGRTMAX), then writes "ready pid=N" and, for each signal
 * handled, its number on a line of its own, to FILE (appending) or stdout.
 * -t TAG: start each line with "TAG " (several recorders, one file, one
 * order of events).  -x SIGNAL: exit 0 after recording SIGNAL.  -i: exit 0 when stdin reaches
 * end of file.  -d: fork; the parent exits 0 once the child (the recorder)
 * is ready, so the recorder becomes an orphan of whoever reaps orphans. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "init/options.h"

static int out_fd = STDOUT_FILENO;
static char tag[32];
static size_t tag_len;
static volatile sig_atomic_t exit_sig, must_exit;

static void put_line(const char *s, size_t n)
{
	/* One write per line, O_APPEND: lines never mix. Nothing to do when
	 * it fails: the test sees the line missing. */
	if (write(out_fd, s, n) < 0)
		return;
}

static void on_signal(int sig)
{
	char buf[48];
	size_t n = tag_len;

	memcpy(buf, tag, tag_len);
	if (sig >= 10)
		buf[n++] = (char)('0' + sig / 10);
	buf[n++] = (char)('0' + sig % 10);
	buf[n++] = '\n';
	put_line(buf, n);
	if (sig == exit_sig)
		must_exit = 1;
}

static int install(void)
{
	struct sigaction sa;
	int sig;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	for (sig = 1; sig <= SIGRTMAX; sig++) {
		if (sig == SIGKILL || sig == SIGSTOP || (sig > 31 && sig < SIGRTMIN))
			continue;
		if (sigaction(sig, &sa, NULL) != 0) {
			perror("sigrec: sigaction");
			return -1;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	int opt, daemonize = 0, until_eof = 0, ready[2];
	char line[64], c;
	sigset_t none;

	while ((opt = getopt(argc, argv, "o:t:x:id")) != -1) {
		switch (opt) {
		case 'o':
			out_fd = open(optarg, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
			if (out_fd < 0) {
				perror(optarg);
				return 2;
			}
			break;
		case 't':
			snprintf(tag, sizeof(tag), "%.30s ", optarg);
			tag_len = strlen(tag);
			break;
		case 'x':
			exit_sig = signal_from_name(optarg);
			if (exit_sig < 0) {
				fprintf(stderr, "sigrec: bad signal %s\n", optarg);
				return 2;
			}
			break;
		case 'i':
			until_eof = 1;
			break;
		case 'd':
			daemonize = 1;
			break;
		default:
			fprintf(stderr, "usage: sigrec [-o FILE] [-t TAG] [-x SIGNAL] [-i] [-d]\n");
			return 2;
		}
	}
	if (daemonize) {
		pid_t pid;

		if (pipe(ready) != 0) {
			perror("sigrec: pipe");
			return 2;
		}
		pid = fork();
		if (pid < 0) {
			perror("sigrec: fork");
			return 2;
		}
		if (pid > 0) {
			close(ready[1]);
			/* EOF or a byte: the recorder is ready (or died). */
			return read(ready[0], &c, 1) == 1 ? 0 : 1;
		}
		close(ready[0]);
	}
	if (install() != 0)
		return 2;
	/* Handlers first, then unblock: whatever we were given blocked is
	 * part of the test (the supervisor must not leave anything blocked). */
	sigemptyset(&none);
	snprintf(line, sizeof(line), "%sready pid=%d\n", tag, (int)getpid());
	put_line(line, strlen(line));
	if (daemonize) {
		if (write(ready[1], "r", 1) != 1)
			return 2;
		close(ready[1]);
	}
	for (;;) {
		if (must_exit)
			return 0;
		if (until_eof) {
			ssize_t n = read(STDIN_FILENO, line, sizeof(line));

			if (n == 0)
				return 0;
		} else {
			sigsuspend(&none);
		}
	}
}
