/* sigdfl: resets every signal's disposition to the default, then execs.
 *
 *   sigdfl COMMAND [ARG...]
 *
 * For tests that need a default disposition whatever the caller inherited:
 * GNU make, for one, runs its recipes with signals 32 and 33 ignored, and
 * neither glibc nor musl lets a program change those (they are the libcs'
 * own), so this uses the raw rt_sigaction system call. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

struct ksigaction {
	void (*handler)(int);
	unsigned long flags;
	void (*restorer)(void);
	unsigned long long mask;
};

int main(int argc, char **argv)
{
	struct ksigaction dfl;
	int sig;

	if (argc < 2) {
		fprintf(stderr, "usage: sigdfl COMMAND [ARG...]\n");
		return 2;
	}
	memset(&dfl, 0, sizeof(dfl));
	dfl.handler = SIG_DFL;
	for (sig = 1; sig <= 64; sig++) {
		if (sig == SIGKILL || sig == SIGSTOP)
			continue;
		if (syscall(SYS_rt_sigaction, sig, &dfl, NULL, sizeof(dfl.mask)) != 0) {
			perror("sigdfl: rt_sigaction");
			return 2;
		}
	}
	execvp(argv[1], argv + 1);
	perror(argv[1]);
	return 127;
}
