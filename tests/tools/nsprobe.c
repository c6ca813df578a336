/* nsprobe: tries one namespace-creating syscall the way jailinit would and
 * prints what came back, for the container tests (no jailinit code used).
 *
 *   nsprobe clone|clone3|unshare FLAG[,FLAG...]
 *     FLAG: user net pid uts ipc ns cgroup
 *
 * clone is the raw syscall with fork semantics (flags|SIGCHLD, no stack);
 * the child exits 0 at once and is reaped. Prints one line,
 * "<syscall> 0x<flags> ok" or "<syscall> 0x<flags> <ERRNAME> <errno>", and
 * exits 0 when the call worked, 1 when it failed, 64 on usage errors. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef SYS_clone3
#define SYS_clone3 435
#endif

static const struct { const char *name; unsigned long flag; } flags[] = {
	{"user", CLONE_NEWUSER}, {"net", CLONE_NEWNET}, {"pid", CLONE_NEWPID},
	{"uts", CLONE_NEWUTS},   {"ipc", CLONE_NEWIPC}, {"ns", CLONE_NEWNS},
	{"cgroup", CLONE_NEWCGROUP},
};

static const char *errname(int e)
{
	switch (e) {
	case EPERM: return "EPERM";
	case ENOSYS: return "ENOSYS";
	case EINVAL: return "EINVAL";
	case ENOSPC: return "ENOSPC";
	case EACCES: return "EACCES";
	case EUSERS: return "EUSERS";
	case ENOMEM: return "ENOMEM";
	default: return "E?";
	}
}

static int usage(void)
{
	fprintf(stderr, "usage: nsprobe clone|clone3|unshare FLAG[,FLAG...] "
	                "(FLAG: user net pid uts ipc ns cgroup)\n");
	return 64;
}

int main(int argc, char **argv)
{
	if (argc != 3) return usage();
	unsigned long f = 0;
	char *list = argv[2], *tok, *save = NULL;
	for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		size_t i;
		for (i = 0; i < sizeof flags / sizeof flags[0]; i++)
			if (strcmp(tok, flags[i].name) == 0) break;
		if (i == sizeof flags / sizeof flags[0]) return usage();
		f |= flags[i].flag;
	}

	long r;
	if (strcmp(argv[1], "clone") == 0) {
		r = syscall(SYS_clone, f | SIGCHLD, 0, 0, 0, 0);
		if (r == 0) _exit(0);
	} else if (strcmp(argv[1], "clone3") == 0) {
		uint64_t args[11] = {0};
		args[0] = f;          /* flags */
		args[4] = SIGCHLD;    /* exit_signal */
		r = syscall(SYS_clone3, args, sizeof args);
		if (r == 0) _exit(0);
	} else if (strcmp(argv[1], "unshare") == 0) {
		r = syscall(SYS_unshare, f);
	} else {
		return usage();
	}
	int e = errno;
	if (r > 0) {
		int st;
		while (waitpid((pid_t)r, &st, 0) < 0 && errno == EINTR) {}
	}
	if (r < 0) {
		printf("%s 0x%lx %s %d\n", argv[1], f, errname(e), e);
		return 1;
	}
	printf("%s 0x%lx ok\n", argv[1], f);
	return 0;
}
