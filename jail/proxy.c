#include "proxy.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <limits.h>
#include <unistd.h>

#include "../base/log.h"
#include "privdrop.h"
#include "../supervise/spawn.h"
#include "../supervise/supervise.h"

int proxy_init(struct proxy *px, const char *cmdline, uint32_t addr, uint16_t port, struct ji_err *err)
{
	size_t len = strlen(cmdline);
	if (len >= sizeof px->buf)
		return ji_fail(err, "--proxy", E2BIG, "command line longer than %zu bytes", sizeof px->buf - 1);
	memcpy(px->buf, cmdline, len + 1);

	int argc = 0;
	char *save = NULL;
	for (char *tok = strtok_r(px->buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		if (argc == PROXY_MAX_ARGS)
			return ji_fail(err, "--proxy", E2BIG, "more than %d arguments", PROXY_MAX_ARGS);
		px->argv[argc++] = tok;
	}
	px->argv[argc] = NULL;
	if (argc == 0)
		return ji_fail(err, "--proxy", EINVAL, "empty command");
	px->addr = addr;
	px->port = port;
	px->pid = 0;
	px->keep_fd = -1;
	px->exe_fd = -1;
	px->name = px->argv[0];
	return 0;
}

/* Can the agent (uid, gid, no supplementary group, no capability) change
 * what st describes: its bytes (a file), or its entries (a directory; one
 * with the sticky bit, like /tmp, lets nobody replace another's file)? */
static int agent_may_write(const struct stat *st, uid_t uid, gid_t gid)
{
	if (st->st_uid == uid)
		return 1;
	if ((st->st_mode & S_IWGRP) && st->st_gid == gid)
		return 1;
	if (S_ISDIR(st->st_mode) && (st->st_mode & S_ISVTX))
		return 0;
	return (st->st_mode & S_IWOTH) != 0;
}

static int refuse_writable(const char *path, const struct stat *st, const char *what, uid_t uid, gid_t gid,
			   struct ji_err *err)
{
	ji_fail(err, "--proxy", EACCES,
		"%s %s (owner %u, group %u, mode %04o) is writable by the agent's container ids %u:%u: it could "
		"replace the proxy; make it root's, not group- or world-writable",
		what, path, (unsigned)st->st_uid, (unsigned)st->st_gid, (unsigned)(st->st_mode & 07777),
		(unsigned)uid, (unsigned)gid);
	err->exit_code = EXIT_USAGE;
	return -1;
}

int proxy_pin_binary(struct proxy *px, uid_t agent_uid, gid_t agent_gid, struct ji_err *err)
{
	char found[PATH_MAX], real[PATH_MAX];
	const char *name = px->argv[0];
	if (!strchr(name, '/')) {
		if (spawn_which(name, found, sizeof found) < 0)
			goto cannot_exec;
		name = found;
	}
	int fd = open(name, O_PATH | O_CLOEXEC);
	if (fd < 0)
		goto cannot_exec;
	struct stat st;
	if (fstat(fd, &st) < 0) {
		int e = errno;
		close(fd);
		return ji_fail(err, "--proxy", e, "stat '%s'", name);
	}
	if (!S_ISREG(st.st_mode) || access(name, X_OK) < 0) {
		close(fd);
		errno = S_ISDIR(st.st_mode) ? EISDIR : EACCES;
		goto cannot_exec;
	}
	if (agent_may_write(&st, agent_uid, agent_gid)) {
		close(fd);
		return refuse_writable(name, &st, "the proxy binary", agent_uid, agent_gid, err);
	}
	/* Every directory the path goes through once links are resolved. */
	char fdpath[32];
	snprintf(fdpath, sizeof fdpath, "/proc/self/fd/%d", fd);
	ssize_t n = readlink(fdpath, real, sizeof real - 1);
	if (n <= 0 || real[0] != '/') {
		int e = n < 0 ? errno : EINVAL;
		close(fd);
		return ji_fail(err, "--proxy", e, "where '%s' really is (%s)", name, fdpath);
	}
	real[n] = '\0';
	for (char *slash = strrchr(real, '/'); slash; slash = strrchr(real, '/')) {
		*slash = '\0';
		const char *dir = slash == real ? "/" : real;
		struct stat d;
		if (stat(dir, &d) < 0) {
			int e = errno;
			close(fd);
			return ji_fail(err, "--proxy", e, "stat '%s'", dir);
		}
		if (agent_may_write(&d, agent_uid, agent_gid)) {
			close(fd);
			return refuse_writable(dir, &d, "the directory", agent_uid, agent_gid, err);
		}
		if (slash == real)
			break;
	}
	px->exe_fd = fd;
	return 0;

cannot_exec:;
	int e = errno;
	ji_fail(err, "start proxy", e, "cannot execute '%s'", px->argv[0]);
	/* out of descriptors or memory is jailinit's limit, not the proxy's */
	err->exit_code = e == EMFILE || e == ENFILE || e == ENOMEM ? EXIT_SETUP : EXIT_PROXY_DIED;
	return -1;
}

void proxy_init_builtin(struct proxy *px, int (*run)(void *), void *ctx, int keep_fd, uint32_t addr,
			uint16_t port)
{
	memset(px, 0, sizeof *px);
	px->run = run;
	px->run_ctx = ctx;
	px->keep_fd = keep_fd;
	px->addr = addr;
	px->port = port;
	px->exe_fd = -1;
	px->name = "jailinit's own egress proxy";
}

/* Every descriptor from 3 up but keep (which becomes 3): the handshake and
 * netlink sockets of jailinit are no business of the proxy's. */
static int close_all_but(int keep)
{
	int low = 3;

	if (keep >= 0) {
		if (keep != 3 && dup2(keep, 3) < 0)
			return -1;
		low = 4;
	}
	if (syscall(SYS_close_range, (unsigned)low, ~0U, 0) == 0)
		return 0;
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return -1;
	for (rlim_t fd = (rlim_t)low; fd < rl.rlim_cur && fd < 1u << 20; fd++)
		(void)close((int)fd);
	return 0;
}

static void run_builtin(struct proxy *px)
{
	if (close_all_but(px->keep_fd) < 0)
		_exit(EXIT_SETUP);
	_exit(px->run(px->run_ctx));
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

int proxy_start(struct proxy *px, unsigned delay_ms, struct ji_err *err)
{
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid < 0)
		return ji_fail(err, "start proxy", errno, "fork");
	if (pid == 0) {
		struct ji_err child_err = { 0 };
		/* Not a day longer than jailinit, from the first instruction: a
		 * restart sleeps its backoff here, and jailinit may die during it
		 * (issue 16, 1). Set again after every id change (which clears
		 * it), each time checking the parent did not go before it was. */
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
			_exit(EXIT_SETUP);
		/* Its own process group (a signal for the agent's group never
		 * hits it) and the init's signal state, as every child of ours. */
		spawn_helper_setup();
		if (delay_ms)
			sleep_ms(delay_ms);
		if (px->run) {
			/* its ids, capabilities and filter are its own business,
			 * once it listens (it may bind a low port first); after
			 * its id change it sets the parent-death signal again */
			run_builtin(px);
		}
		if (px->drop_user && privdrop_switch_user(px->uid, px->gid, &child_err) < 0) {
			log_err(&child_err);
			_exit(EXIT_SETUP);
		}
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
			_exit(EXIT_SETUP);
		int e;
		if (px->exe_fd >= 0) {
			extern char **environ;
			/* the file checked at start, whatever its path names now */
			syscall(SYS_execveat, px->exe_fd, "", px->argv, environ, AT_EMPTY_PATH);
			e = errno;
		} else {
			e = spawn_exec(px->argv);
		}
		ji_fail(&child_err, "start proxy", e, "cannot execute '%s'", px->argv[0]);
		log_err(&child_err);
		_exit(exec_errno_exit_code(e));
	}
	px->pid = pid;
	log_msg(LOG_INFO, "proxy started: %s (pid %d)", px->name, (int)pid);
	return 0;
}

static const char hexdigits[] = "0123456789abcdefABCDEF";

/* A hexadecimal number of at most 8 digits at s (no blank, sign or 0x
 * before it); its end in *end. 0 or -1. */
static int hex_field(const char *s, const char **end, unsigned long *v)
{
	size_t n = strspn(s, hexdigits);

	if (n == 0 || n > 8)
		return -1;
	*v = strtoul(s, NULL, 16);
	*end = s + n;
	return 0;
}

/* One line of /proc/net/tcp or tcp6:
 *   "  SL: LOCALADDR:PORT REMADDR:PORT ST ..." (all but SL in hex)
 * -> the local address's hex digits (into local, at most cap - 1 of them),
 * the local port and the state. 0, or -1 for the header or anything else. */
static int tcp_table_line(const char *s, char *local, size_t cap, unsigned *port, unsigned *state)
{
	unsigned long v;
	size_t n;

	s += strspn(s, " ");
	n = strspn(s, "0123456789");
	if (n == 0 || s[n] != ':')
		return -1;
	s += n + 1;
	s += strspn(s, " ");
	n = strspn(s, hexdigits);
	if (n == 0 || n >= cap || s[n] != ':')
		return -1;
	memcpy(local, s, n);
	local[n] = '\0';
	s += n + 1;
	if (hex_field(s, &s, &v) != 0 || v > 0xffff || *s != ' ')
		return -1;
	*port = (unsigned)v;
	s += strspn(s, " ");
	n = strspn(s, hexdigits);
	if (n == 0 || s[n] != ':')
		return -1;
	s += n + 1;
	if (hex_field(s, &s, &v) != 0 || *s != ' ')
		return -1;
	s += strspn(s, " ");
	if (hex_field(s, &s, &v) != 0 || v > 0xff)
		return -1;
	*state = (unsigned)v;
	return 0;
}

/* Where the proxy listens on port, from /proc/net/tcp{,6} (this netns):
 * 1 reachable from the jail (any address, or the outer end's), 2 listening
 * but only elsewhere (say, 127.0.0.1), 0 not yet. Reading the table, rather
 * than connecting, leaves no half-made request in the proxy's log. */
static int listening(const char *table, uint32_t addr_be, uint16_t port, int v6)
{
	char buf[8192];
	int fd = open(table, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	char want[9];
	snprintf(want, sizeof want, "%08X", (unsigned)addr_be);
	int found = 0;
	size_t have = 0;
	for (;;) {
		ssize_t n = read(fd, buf + have, sizeof buf - 1 - have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		have += (size_t)n;
		buf[have] = '\0';
		char *line = buf, *nl;
		while ((nl = strchr(line, '\n')) != NULL) {
			*nl = '\0';
			char local[40];
			unsigned lport, state;
			if (tcp_table_line(line, local, sizeof local, &lport, &state) == 0 &&
			    state == 0x0A /* TCP_LISTEN */ && lport == port) {
				size_t len = strlen(local);
				int any = strspn(local, "0") == len;
				/* v4, or v4-mapped in a v6 table: the last 8 digits */
				int exact = v6 ? len >= 16 && strncasecmp(local + len - 16, "0000FFFF", 8) == 0
					       : len >= 8;
				exact = exact && strcasecmp(local + len - 8, want) == 0;
				found = (any || exact) ? 1 : 2;
				if (found == 1)
					break;
			}
			line = nl + 1;
		}
		if (found == 1)
			break;
		have = strlen(line);
		memmove(buf, line, have);
	}
	close(fd);
	return found;
}

int proxy_wait_ready(struct proxy *px, int timeout_ms, struct ji_err *err)
{
	struct timespec start, now;
	clock_gettime(CLOCK_MONOTONIC, &start);
	uint32_t addr_be = htonl(px->addr);
	unsigned pause_ms = 1;
	for (;;) {
		int v4 = listening("/proc/net/tcp", addr_be, px->port, 0);
		int v6 = v4 == 1 ? 1 : listening("/proc/net/tcp6", addr_be, px->port, 1);
		if (v4 == 1 || v6 == 1)
			return 0;
		int status;
		pid_t r = waitpid(px->pid, &status, WNOHANG);
		if (r == px->pid) {
			px->pid = 0;
			/* no errno applies: the proxy's status says it all */
			return ji_fail(err, "proxy ready", 0, "the proxy exited (%s %d) before listening on port %u",
				       WIFSIGNALED(status) ? "signal" : "status",
				       WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status), px->port);
		}
		int stop = supervise_stop_pending();
		if (stop != 0) {
			ji_fail(err, "proxy ready", 0, "%s arrived while waiting for the proxy: the agent was not started",
				supervise_signal_name(stop));
			err->exit_code = 128 + stop;
			return -1;
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		long waited = (now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000;
		if (waited >= timeout_ms) {
			if (v4 == 2 || v6 == 2)
				return ji_fail(err, "proxy ready", EADDRNOTAVAIL,
					       "the proxy listens on port %u, but not on the jail link's address nor on all "
					       "addresses (127.0.0.1 only?); the jail reaches it at the outer end",
					       px->port);
			return ji_fail(err, "proxy ready", ETIMEDOUT, "the proxy did not listen on port %u within %d ms",
				       px->port, timeout_ms);
		}
		sleep_ms(pause_ms);
		if (pause_ms < 50)
			pause_ms *= 2;
	}
}

static long ms_since(const struct timespec *t)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - t->tv_sec) * 1000 + (now.tv_nsec - t->tv_nsec) / 1000000;
}

int proxy_on_reap(void *ctx, pid_t pid, int wait_status)
{
	struct proxy *px = ctx;
	if (pid != px->pid)
		return 0;
	px->pid = 0;
	if (px->stopping)
		return 0;

	if (px->restarts == 0 || ms_since(&px->window_start) > PROXY_RESTART_WINDOW_MS) {
		px->restarts = 0;
		clock_gettime(CLOCK_MONOTONIC, &px->window_start);
	}
	if (px->restarts >= PROXY_MAX_RESTARTS) {
		log_msg(LOG_ERROR, "the proxy died %d times within %d s; stopping the agent (exit %d)",
			px->restarts + 1, PROXY_RESTART_WINDOW_MS / 1000, EXIT_PROXY_DIED);
		px->stopping = 1;
		return EXIT_PROXY_DIED;
	}
	unsigned delay = 100u << px->restarts; /* 100 ms, 200, 400, ... */
	px->restarts++;
	log_msg(LOG_WARN, "the proxy died (%s %d); restarting it in %u ms",
		WIFSIGNALED(wait_status) ? "signal" : "status",
		WIFSIGNALED(wait_status) ? WTERMSIG(wait_status) : WEXITSTATUS(wait_status), delay);
	struct ji_err err = { 0 };
	if (proxy_start(px, delay, &err) < 0) {
		log_err(&err);
		px->stopping = 1;
		return EXIT_PROXY_DIED;
	}
	return 0;
}

void proxy_kill(struct proxy *px)
{
	if (px->pid <= 0)
		return;
	kill(px->pid, SIGKILL);
	while (waitpid(px->pid, NULL, 0) < 0 && errno == EINTR)
		;
	px->pid = 0;
}
