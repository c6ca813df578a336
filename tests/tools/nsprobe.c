/* nsprobe: tries one namespace-creating syscall the way jailinit would and
 * prints what came back, for the container tests (no jailinit code used).
 *
 *   nsprobe clone|clone3|unshare FLAG[,FLAG...]
 *     FLAG: user net pid uts ipc ns cgroup
 *   nsprobe netlink PROTOCOL        socket(AF_NETLINK, SOCK_RAW, PROTOCOL)
 *     (0 NETLINK_ROUTE, 12 NETLINK_NETFILTER)
 *   nsprobe rtnl-admin lo           an RTM_NEWLINK for lo that changes
 *     nothing: the kernel answers EPERM without CAP_NET_ADMIN over this
 *     netns, 0 with it (what jailinit's rtnetlink steps need)
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
#include <sys/socket.h>
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
	case EPROTONOSUPPORT: return "EPROTONOSUPPORT";
	case EAFNOSUPPORT: return "EAFNOSUPPORT";
	default: return "E?";
	}
}

/* Netlink structures spelled out: no kernel headers needed. */
struct nlhdr { uint32_t len; uint16_t type, flags; uint32_t seq, pid; };
struct ifinfo { uint8_t family, pad; uint16_t type; int32_t index; uint32_t flags, change; };

static int rtnl_admin(void)
{
	struct { struct nlhdr h; struct ifinfo i; } req = {
		.h = { sizeof req, 16 /* RTM_NEWLINK */, 1 | 4 /* REQUEST|ACK */, 1, 0 },
		.i = { .family = 0, .index = 1 /* lo */, .flags = 0, .change = 0 },
	};
	struct { struct nlhdr h; int32_t error; char rest[256]; } ack;
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, 0);
	int e;
	if (fd < 0) {
		e = errno;
		printf("rtnl-admin socket %s %d\n", errname(e), e);
		return 1;
	}
	if (send(fd, &req, sizeof req, 0) < 0 || recv(fd, &ack, sizeof ack, 0) < 0) {
		e = errno;
		printf("rtnl-admin io %s %d\n", errname(e), e);
		return 1;
	}
	close(fd);
	if (ack.h.type != 2 /* NLMSG_ERROR */) {
		printf("rtnl-admin unexpected-reply %u\n", ack.h.type);
		return 1;
	}
	if (ack.error != 0) {
		printf("rtnl-admin %s %d\n", errname(-ack.error), -ack.error);
		return 1;
	}
	printf("rtnl-admin ok\n");
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: nsprobe clone|clone3|unshare FLAG[,FLAG...] "
	                "(FLAG: user net pid uts ipc ns cgroup)\n"
	                "       nsprobe netlink PROTOCOL | rtnl-admin lo\n");
	return 64;
}

int main(int argc, char **argv)
{
	if (argc != 3) return usage();
	if (strcmp(argv[1], "netlink") == 0) {
		int proto = atoi(argv[2]);
		int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, proto);
		if (fd < 0) {
			int e = errno;
			printf("netlink %d %s %d\n", proto, errname(e), e);
			return 1;
		}
		close(fd);
		printf("netlink %d ok\n", proto);
		return 0;
	}
	if (strcmp(argv[1], "rtnl-admin") == 0) return rtnl_admin();
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
