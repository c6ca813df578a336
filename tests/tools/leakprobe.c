/* leakprobe: what an agent could do with descriptors and signals it should
 * not have, and a server that counts what got through (issue 14's tests).
 * All addresses are IPv4 given on the command line (tests use loopback or
 * the jail link's outer end only).
 *
 *   leakprobe serve ADDR PORT LOG
 *       TCP and UDP on ADDR:PORT; appends one line to LOG per accepted
 *       connection ("accept") and per read or datagram ("tcp DATA",
 *       "udp DATA"); prints "ready" once bound; runs until killed.
 *   leakprobe hold ADDR PORT [--stdin] -- COMMAND [ARG...]
 *       exec COMMAND with, inherited (not close-on-exec): fd 3 a TCP
 *       connection to ADDR:PORT, fd 4 a TCP listener on 127.0.0.1 (any
 *       port), fd 5 an unbound UDP socket; --stdin: the connection on fd 0
 *       too.
 *   leakprobe probe ADDR PORT
 *       for fds 0, 3, 4, 5: a connected stream socket sends "fdN"; an
 *       unconnected or listening one is disconnected (connect AF_UNSPEC),
 *       connected to ADDR:PORT and sends "fdN"; a datagram socket sends "fdN"
 *       to ADDR:PORT. One line each: "fdN sent", "fdN failed ERRNO", "fdN
 *       closed", "fdN not-a-socket".
 *   leakprobe connloop ADDR PORT MARK
 *       connects to ADDR:PORT without end (non-blocking, 256 in flight, the
 *       oldest closed for each new one); creates MARK after the first 256.
 *   leakprobe sleepas UID
 *       setgid+setuid(UID), then sleep until killed (a same-uid neighbour).
 *
 * Exits 2 on usage errors, 1 when a setup step fails. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

static int usage(void)
{
	fputs("usage: leakprobe serve|hold|probe|connloop|sleepas ... (see tests/tools/leakprobe.c)\n", stderr);
	return 2;
}

static int die(const char *what)
{
	fprintf(stderr, "leakprobe: %s: %s\n", what, strerror(errno));
	return 1;
}

static int addr_of(const char *ip, const char *port, struct sockaddr_in *a)
{
	memset(a, 0, sizeof(*a));
	a->sin_family = AF_INET;
	a->sin_port = htons((unsigned short)atoi(port));
	return inet_pton(AF_INET, ip, &a->sin_addr) == 1 ? 0 : -1;
}

static void log_line(int fd, const char *kind, const char *data, ssize_t n)
{
	char line[160];
	if (n > 64)
		n = 64;
	int len = snprintf(line, sizeof(line), "%s %.*s\n", kind, (int)n, data);
	if (write(fd, line, (size_t)len) < 0)
		perror("leakprobe: log");
}

static int serve(const struct sockaddr_in *a, const char *log)
{
	int logfd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	int t = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int u = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int one = 1;
	if (logfd < 0 || t < 0 || u < 0)
		return die("serve: open");
	setsockopt(t, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(t, (const void *)a, sizeof(*a)) < 0 || listen(t, 1024) < 0 || bind(u, (const void *)a, sizeof(*a)) < 0)
		return die("serve: bind");
	printf("ready\n");
	fflush(stdout);
	struct pollfd p[128];
	int n = 2;
	p[0] = (struct pollfd){ .fd = t, .events = POLLIN };
	p[1] = (struct pollfd){ .fd = u, .events = POLLIN };
	for (;;) {
		if (poll(p, (nfds_t)n, -1) < 0 && errno != EINTR)
			return die("serve: poll");
		char buf[256];
		if (p[0].revents & POLLIN) {
			int c = accept4(t, NULL, NULL, SOCK_CLOEXEC);
			if (c >= 0) {
				log_line(logfd, "accept", "", 0);
				if (n < (int)(sizeof(p) / sizeof(p[0])))
					p[n++] = (struct pollfd){ .fd = c, .events = POLLIN };
				else
					close(c);
			}
		}
		if (p[1].revents & POLLIN) {
			ssize_t r = recv(u, buf, sizeof(buf), 0);
			if (r > 0)
				log_line(logfd, "udp", buf, r);
		}
		for (int i = 2; i < n; i++) {
			if (!(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			ssize_t r = recv(p[i].fd, buf, sizeof(buf), 0);
			if (r > 0) {
				log_line(logfd, "tcp", buf, r);
				continue;
			}
			close(p[i].fd);
			p[i--] = p[--n];
		}
	}
}

/* Put a new socket at exactly fd `want`, inheritable. */
static int place(int fd, int want)
{
	if (fd < 0)
		return -1;
	if (fd != want) {
		if (dup2(fd, want) < 0)
			return -1;
		close(fd);
	}
	return 0;
}

static int hold(const struct sockaddr_in *a, int on_stdin, char **cmd)
{
	int c = socket(AF_INET, SOCK_STREAM, 0);
	if (c < 0 || connect(c, (const void *)a, sizeof(*a)) < 0)
		return die("hold: connect");
	struct sockaddr_in lo = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int l = socket(AF_INET, SOCK_STREAM, 0);
	if (l < 0 || bind(l, (const void *)&lo, sizeof(lo)) < 0 || listen(l, 4) < 0)
		return die("hold: listen");
	int d = socket(AF_INET, SOCK_DGRAM, 0);
	/* Out of the way of 3..5 first, then into place. */
	int c2 = fcntl(c, F_DUPFD, 10), l2 = fcntl(l, F_DUPFD, 10), d2 = fcntl(d, F_DUPFD, 10);
	close(c);
	close(l);
	close(d);
	if (place(c2, 3) < 0 || place(l2, 4) < 0 || place(d2, 5) < 0)
		return die("hold: dup2");
	if (on_stdin && dup2(3, 0) < 0)
		return die("hold: dup2 stdin");
	execvp(cmd[0], cmd);
	return die("hold: exec");
}

static void probe_fd(int fd, const struct sockaddr_in *a)
{
	char tag[8];
	snprintf(tag, sizeof(tag), "fd%d", fd);
	struct stat st;
	if (fstat(fd, &st) < 0) {
		printf("%s closed\n", tag);
		return;
	}
	if (!S_ISSOCK(st.st_mode)) {
		printf("%s not-a-socket\n", tag);
		return;
	}
	int type = 0;
	socklen_t len = sizeof(type);
	int rc;
	getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len);
	if (type == SOCK_DGRAM) {
		rc = (int)sendto(fd, tag, strlen(tag), 0, (const void *)a, sizeof(*a));
	} else {
		struct sockaddr_in peer;
		socklen_t plen = sizeof(peer);
		rc = 0;
		if (getpeername(fd, (void *)&peer, &plen) < 0) {
			struct sockaddr unspec = { .sa_family = AF_UNSPEC };
			(void)connect(fd, &unspec, sizeof(unspec));
			rc = connect(fd, (const void *)a, sizeof(*a));
		}
		if (rc == 0)
			rc = (int)send(fd, tag, strlen(tag), MSG_NOSIGNAL);
	}
	if (rc < 0)
		printf("%s failed %s\n", tag, strerror(errno));
	else
		printf("%s sent\n", tag);
}

static __attribute__((noreturn)) void connloop(const struct sockaddr_in *a, const char *mark)
{
	enum { RING = 256 };
	int ring[RING];
	unsigned long k = 0;
	for (int i = 0; i < RING; i++)
		ring[i] = -1;
	for (;;) {
		int slot = (int)(k % RING);
		if (ring[slot] >= 0)
			close(ring[slot]);
		ring[slot] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (ring[slot] >= 0)
			(void)connect(ring[slot], (const void *)a, sizeof(*a));
		if (++k == RING) {
			int m = open(mark, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
			if (m >= 0)
				close(m);
		}
	}
}

static __attribute__((noreturn)) void sleepas(const char *uid)
{
	unsigned id = (unsigned)atoi(uid);
	if (setgroups(0, NULL) < 0 || setgid(id) < 0 || setuid(id) < 0)
		exit(die("sleepas"));
	for (;;)
		pause();
}

int main(int argc, char **argv)
{
	struct sockaddr_in a;
	if (argc == 3 && !strcmp(argv[1], "sleepas"))
		sleepas(argv[2]);
	if (argc < 4 || addr_of(argv[2], argv[3], &a) < 0)
		return usage();
	if (!strcmp(argv[1], "serve") && argc == 5)
		return serve(&a, argv[4]);
	if (!strcmp(argv[1], "connloop") && argc == 5)
		connloop(&a, argv[4]);
	if (!strcmp(argv[1], "probe") && argc == 4) {
		static const int fds[] = { 0, 3, 4, 5 };
		for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
			probe_fd(fds[i], &a);
		return 0;
	}
	if (!strcmp(argv[1], "hold")) {
		int i = 4, on_stdin = 0;
		if (i < argc && !strcmp(argv[i], "--stdin"))
			on_stdin = 1, i++;
		if (i + 1 >= argc || strcmp(argv[i], "--"))
			return usage();
		return hold(&a, on_stdin, argv + i + 1);
	}
	return usage();
}
