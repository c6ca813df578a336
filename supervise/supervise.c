/* supervise: the supervision loop (see supervise.h). Shape: every signal
 * blocked from the start, one signalfd, one blocking read while idle,
 * dispatch (SIGCHLD -> reap, anything else -> forward). Timers exist only
 * during shutdown (the grace period). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../base/clock.h"
#include "../base/log.h"
#include "../base/procfs.h"
#include "supervise.h"

/* The kernel's sigset (64 signals), used through the raw syscalls: libc
 * wrappers refuse to block the signals libc keeps for itself (32-34), and a
 * glibc program's SIGRTMIN is 34, so those must be forwarded too. */
typedef uint64_t ksigset;

/* The kernel's struct sigaction (x86_64, arm64, ...: handler, flags,
 * restorer, mask); no restorer is needed for SIG_DFL and SIG_IGN. */
struct ksigaction {
	void (*handler)(int);
	unsigned long flags;
	void (*restorer)(void);
	ksigset mask;
};

static ksigset original_mask;
static struct ksigaction original_sigchld;
static int signals_blocked, sigchld_changed;

/* supervise_prepare's: the loop's signalfd and the spare descriptors. */
static int prepared_sfd = -1;
static pid_t prepared_by;
static int spare_fd[2] = { -1, -1 };

static int take_spares(void)
{
	for (int i = 0; i < 2; i++)
		if (spare_fd[i] < 0 && (spare_fd[i] = open("/", O_PATH | O_CLOEXEC)) < 0)
			return -1;
	return 0;
}

static void release_spares(void)
{
	for (int i = 0; i < 2; i++) {
		if (spare_fd[i] >= 0)
			(void)close(spare_fd[i]);
		spare_fd[i] = -1;
	}
}

int supervise_prepare(void)
{
	ksigset all = ~(ksigset)0;
	int saved;

	/* Inherited through a fork: the parent's, not to be read here. */
	if (prepared_sfd >= 0)
		(void)close(prepared_sfd);
	release_spares();
	prepared_sfd = (int)syscall(SYS_signalfd4, -1, &all, sizeof(all), SFD_CLOEXEC);
	if (prepared_sfd >= 0 && take_spares() == 0) {
		prepared_by = getpid();
		return 0;
	}
	saved = errno;
	if (prepared_sfd >= 0)
		(void)close(prepared_sfd);
	prepared_sfd = -1;
	release_spares();
	errno = saved;
	return -1;
}

int supervise_stop_pending(void)
{
	static const int stops[] = { SIGTERM, SIGINT, SIGHUP, SIGQUIT };
	ksigset pending = 0;

	if (syscall(SYS_rt_sigpending, &pending, sizeof(pending)) != 0)
		return 0;
	for (size_t i = 0; i < sizeof(stops) / sizeof(stops[0]); i++)
		if (pending & ((ksigset)1 << (stops[i] - 1)))
			return stops[i];
	return 0;
}

const char *supervise_signal_name(int sig)
{
	switch (sig) {
	case SIGTERM: return "SIGTERM";
	case SIGINT: return "SIGINT";
	case SIGHUP: return "SIGHUP";
	case SIGQUIT: return "SIGQUIT";
	case SIGKILL: return "SIGKILL";
	default: return "a signal";
	}
}

int supervise_block_signals(void)
{
	ksigset all = ~(ksigset)0;

	if (syscall(SYS_rt_sigprocmask, SIG_BLOCK, &all, &original_mask, sizeof(ksigset)) != 0)
		return -1;
	signals_blocked = 1;
	return supervise_sigchld_default() < 0 ? -1 : 0;
}

int supervise_sigchld_default(void)
{
	struct ksigaction dfl = { .handler = SIG_DFL };

	if (sigchld_changed)
		return 0; /* already ours */
	/* Started with SIGCHLD ignored (or SA_NOCLDWAIT), the kernel would
	 * reap our children itself and we would never see their status. Take
	 * the default for us; a child gets the original back. */
	if (syscall(SYS_rt_sigaction, SIGCHLD, NULL, &original_sigchld, sizeof(ksigset)) != 0)
		return -1;
	if (original_sigchld.handler != SIG_IGN && !(original_sigchld.flags & SA_NOCLDWAIT))
		return 0;
	if (syscall(SYS_rt_sigaction, SIGCHLD, &dfl, NULL, sizeof(ksigset)) != 0)
		return -1;
	sigchld_changed = 1;
	return 1;
}

void supervise_sigchld_restore(void)
{
	if (sigchld_changed)
		(void)syscall(SYS_rt_sigaction, SIGCHLD, &original_sigchld, NULL, sizeof(ksigset));
	sigchld_changed = 0;
}

void supervise_child_restore(void)
{
	/* Neither can fail with the values the kernel gave us; a child has
	 * nobody to report to anyway. Raw syscalls: this runs in a vfork
	 * child, where libc's own signal bookkeeping must not be touched. */
	if (sigchld_changed)
		(void)syscall(SYS_rt_sigaction, SIGCHLD, &original_sigchld, NULL, sizeof(ksigset));
	if (signals_blocked)
		(void)syscall(SYS_rt_sigprocmask, SIG_SETMASK, &original_mask, NULL, sizeof(ksigset));
}

int status_to_exit_code(int wait_status)
{
	if (WIFEXITED(wait_status))
		return WEXITSTATUS(wait_status);
	if (WIFSIGNALED(wait_status))
		return 128 + WTERMSIG(wait_status);
	return 1;
}

struct sv {
	const struct supervise_config *cfg;
	pid_t self;
	pid_t main_pid;
	int main_status;
	int main_done;
	int forced;        /* exit code asked for by on_reap */
	int no_children;   /* the last waitpid said ECHILD */
	int shutting_down; /* on_reap is not called any more */
	int escalate;      /* SIGTERM/SIGINT during the grace: no more waiting */
	int warned_proc;   /* said once that /proc is not usable */
	int sfd;
};

/* Reap everything that has exited; never blocks. */
static int reap_all(struct sv *s)
{
	for (;;) {
		int st;
		pid_t pid = waitpid(-1, &st, WNOHANG);

		if (pid == 0) {
			s->no_children = 0;
			return 0;
		}
		if (pid < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ECHILD) {
				s->no_children = 1;
				return 0;
			}
			return -1;
		}
		if (pid == s->main_pid) {
			s->main_done = 1;
			s->main_status = st;
			log_msg(LOG_INFO, "main child pid=%d ended, exit code %d", (int)pid, status_to_exit_code(st));
			continue;
		}
		if (s->cfg->warn_reaped)
			log_msg(LOG_WARN, "Reaped zombie process with pid=%d", (int)pid);
		else
			log_msg(LOG_DEBUG, "reaped pid=%d", (int)pid);
		if (!s->shutting_down && s->cfg->on_reap != NULL) {
			int rc = s->cfg->on_reap(s->cfg->ctx, pid, st);

			if (rc > 0 && s->forced == 0) {
				s->forced = rc;
				log_msg(LOG_INFO, "stopping the main child: pid=%d ended (exit code %d)", (int)pid, rc);
			}
		}
	}
}

static void forward(struct sv *s, int sig)
{
	pid_t target = s->cfg->kill_group ? -s->main_pid : s->main_pid;
	int rc;

	if (s->main_done)
		return;
	rc = kill(target, sig);
	/* -g, but the child has left its group (setsid): the child alone. */
	if (rc != 0 && errno == ESRCH && target < 0) {
		target = s->main_pid;
		rc = kill(target, sig);
	}
	if (rc != 0)
		log_msg(LOG_DEBUG, "forwarding signal %d to %s=%d failed (%s)", sig,
			target < 0 ? "pgid" : "pid", (int)s->main_pid, ji_errno_name(errno));
	else
		log_msg(LOG_TRACE, "forwarded signal %d to %s=%d", sig, target < 0 ? "pgid" : "pid",
			(int)s->main_pid);
}

/* Read what is queued on the signalfd (blocking when wait_ms < 0, else at
 * most wait_ms) and dispatch it. In shutdown, SIGTERM/SIGINT escalate and
 * the rest has nobody to go to. */
static int handle_signals(struct sv *s, int wait_ms)
{
	struct signalfd_siginfo si[64];
	int need_reap = 0;
	ssize_t n;
	size_t i;

	if (wait_ms >= 0) {
		struct pollfd pfd = { .fd = s->sfd, .events = POLLIN };
		int rc = poll(&pfd, 1, wait_ms);

		if (rc < 0)
			return errno == EINTR ? 0 : -1;
		if (rc == 0)
			return reap_all(s); /* also catches what raced the scan */
	}
	n = read(s->sfd, si, sizeof(si));
	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 0 : -1;
	for (i = 0; i < (size_t)n / sizeof(si[0]); i++) {
		int sig = (int)si[i].ssi_signo;

		if (sig == SIGCHLD) {
			need_reap = 1;
		} else if (!s->shutting_down) {
			forward(s, sig);
		} else if (sig == SIGTERM || sig == SIGINT) {
			if (!s->escalate)
				log_msg(LOG_WARN, "signal %d during the grace period: killing what is left now", sig);
			s->escalate = 1;
		}
	}
	return need_reap ? reap_all(s) : 0;
}

/* ---- who is left: /proc, for a subreaper and around stop_last ---------- */

struct proc_ent {
	pid_t pid, ppid;
};

static int cmp_pid(const void *a, const void *b)
{
	pid_t x = ((const struct proc_ent *)a)->pid, y = ((const struct proc_ent *)b)->pid;

	return (x > y) - (x < y);
}

/* A decimal pid ending at end (or at the string's end when end is NULL). */
static pid_t parse_pid(const char *s, const char *end)
{
	char *stop;
	long v;

	errno = 0;
	v = strtol(s, &stop, 10);
	if (errno != 0 || stop == s || v < 0 || v > INT32_MAX || (end != NULL ? stop != end : *stop != '\0'))
		return -1;
	return (pid_t)v;
}

static pid_t read_ppid(int procfd, const char *name)
{
	char path[32], buf[512];
	const char *p;
	ssize_t n;
	int fd;

	if ((size_t)snprintf(path, sizeof(path), "%s/stat", name) >= sizeof(path))
		return -1;
	fd = openat(procfd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	(void)close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	/* "pid (comm) S ppid ...": comm may hold ')' and spaces. */
	p = strrchr(buf, ')');
	if (p == NULL || p[1] != ' ' || p[2] == '\0' || p[3] != ' ')
		return -1;
	return parse_pid(p + 4, strchr(p + 4, ' '));
}

/* Every process on this /proc with its parent, sorted by pid. */
static int proc_scan(struct proc_ent **out, size_t *count)
{
	struct proc_ent *v = NULL, *nv;
	size_t n = 0, cap = 0;
	struct dirent *d;
	DIR *dir;

	if (!procfs_is_ours()) {
		errno = ENOENT;
		return -1;
	}
	/* The directory and one stat file at a time: the spares' two slots. */
	release_spares();
	dir = opendir("/proc");
	if (dir == NULL) {
		int saved = errno;
		(void)take_spares();
		errno = saved;
		return -1;
	}
	while ((d = readdir(dir)) != NULL) {
		pid_t pid = parse_pid(d->d_name, NULL), ppid;

		if (pid <= 0)
			continue; /* not a process */
		ppid = read_ppid(dirfd(dir), d->d_name);
		if (ppid < 0)
			continue; /* gone meanwhile */
		if (n == cap) {
			cap = cap ? cap * 2 : 256;
			nv = realloc(v, cap * sizeof(*v));
			if (nv == NULL) {
				free(v);
				(void)closedir(dir);
				(void)take_spares();
				errno = ENOMEM;
				return -1;
			}
			v = nv;
		}
		v[n].pid = pid;
		v[n].ppid = ppid;
		n++;
	}
	(void)closedir(dir);
	(void)take_spares();
	if (n > 0)
		qsort(v, n, sizeof(*v), cmp_pid);
	*out = v;
	*count = n;
	return 0;
}

/* Read afresh each time: an on_reap callback that restarts the proxy may
 * put the new pid into the caller's array. */
static int is_stop_last(const struct sv *s, pid_t pid)
{
	int i;

	for (i = 0; i < s->cfg->n_stop_last; i++)
		if (s->cfg->stop_last[i] == pid)
			return 1;
	return 0;
}

/* 1 when pid descends from the init, not through a stop_last process. */
static int is_ours(const struct sv *s, const struct proc_ent *v, size_t n, pid_t pid, int skip_stop_last)
{
	int depth;

	for (depth = 0; depth < 4096; depth++) {
		struct proc_ent key = { .pid = pid }, *e;

		if (skip_stop_last && is_stop_last(s, pid))
			return 0;
		e = bsearch(&key, v, n, sizeof(*v), cmp_pid);
		if (e == NULL)
			return 0;
		if (e->ppid == s->self)
			return 1;
		if (e->ppid <= 1)
			return 0;
		pid = e->ppid;
	}
	return 0;
}

/* Send sig (followed by SIGCONT with and_cont, so stopped ones see it) to
 * everything the init is responsible for, in one pass over /proc; with
 * skip_stop_last, not to stop_last processes or what they started. Returns
 * how many were signalled (as PID 1 without exceptions: 1 when any). */
static int signal_ours(struct sv *s, int sig, int and_cont, int skip_stop_last)
{
	struct proc_ent *v;
	size_t n, i;
	int count = 0;

	if (s->self == 1 && (!skip_stop_last || s->cfg->n_stop_last == 0)) {
		count = kill(-1, sig) == 0 ? 1 : 0;
		if (and_cont)
			(void)kill(-1, SIGCONT);
		return count;
	}
	if (proc_scan(&v, &n) != 0) {
		/* No /proc: the main child is all we can name. */
		if (!s->warned_proc)
			log_msg(LOG_WARN, "cannot list this PID namespace's processes in /proc (%s): "
				"signalling the main child only", ji_errno_name(errno));
		s->warned_proc = 1;
		if (s->main_done || kill(s->main_pid, sig) != 0)
			return 0;
		if (and_cont)
			(void)kill(s->main_pid, SIGCONT);
		return 1;
	}
	for (i = 0; i < n; i++) {
		if (v[i].pid == s->self || !is_ours(s, v, n, v[i].pid, skip_stop_last) || kill(v[i].pid, sig) != 0)
			continue;
		if (and_cont)
			(void)kill(v[i].pid, SIGCONT);
		count++;
	}
	free(v);
	return count;
}

/* No process left but stop_last ones (and what they started). */
static int others_gone(struct sv *s)
{
	struct proc_ent *v;
	size_t n, i;
	int left = 0;

	if (s->no_children)
		return 1;
	if (proc_scan(&v, &n) != 0)
		return s->main_done; /* cannot tell: the main child is all we know */
	for (i = 0; i < n && !left; i++)
		if (v[i].ppid == s->self && !is_stop_last(s, v[i].pid))
			left = 1;
	free(v);
	return !left;
}

static int all_gone(struct sv *s)
{
	return s->no_children;
}

/* SIGTERM (and SIGCONT, so stopped ones see it), then wait up to the grace
 * period for done(); SIGKILL what is left, until done(). done() is asked
 * once per wake-up (others_gone scans /proc). */
static int stop_phase(struct sv *s, int skip_stop_last, int (*done)(struct sv *))
{
	long long deadline = clock_mono_ms() + s->cfg->grace_ms;
	long long give_up = 0; /* when rounds that reach nobody stop */
	int gone = done(s);

	if (!gone && s->cfg->grace_ms > 0 && !s->escalate) {
		/* Nobody reached is not an error: done() decides what is left. */
		(void)signal_ours(s, SIGTERM, 1, skip_stop_last);
		while (!(gone = done(s)) && !s->escalate) {
			long long left = deadline - clock_mono_ms();

			if (left <= 0)
				break;
			if (handle_signals(s, left > INT32_MAX ? INT32_MAX : (int)left) != 0)
				return -1;
		}
		if (!gone)
			log_msg(LOG_INFO, "grace period over: killing what is left");
	}
	/* Repeated: what was forked between a scan and the kill is caught by
	 * the next round. The 100 ms poll only paces these rounds. Without a
	 * usable /proc a subreaper may have children it cannot name; after
	 * 5 s of rounds that reached nobody it leaves them rather than hang
	 * (5 s on the clock: a signal ends a round's poll early). */
	while (!gone) {
		if (signal_ours(s, SIGKILL, 0, skip_stop_last) > 0 || give_up == 0) {
			give_up = clock_mono_ms() + 5000;
		} else if (clock_mono_ms() >= give_up) {
			log_msg(LOG_WARN, "leaving processes it cannot name (no /proc of this PID namespace)");
			return 0;
		}
		if (handle_signals(s, 100) != 0)
			return -1;
		gone = done(s);
	}
	return 0;
}

/* Two phases: everything but stop_last (the agent side) first; then what is
 * left, stop_last included, with a grace period of its own. */
static int shutdown_all(struct sv *s)
{
	s->shutting_down = 1;
	if (reap_all(s) != 0)
		return -1;
	if (s->no_children)
		return 0;
	log_msg(LOG_INFO, "stopping what is left (grace %d ms)", s->cfg->grace_ms);
	if (s->cfg->n_stop_last > 0 && stop_phase(s, 1, others_gone) != 0)
		return -1;
	return stop_phase(s, 0, all_gone);
}

int supervise_run(const struct supervise_config *cfg, pid_t main_pid, int *forced_exit)
{
	struct sv s = { .cfg = cfg, .self = getpid(), .main_pid = main_pid, .sfd = -1 };
	int rc = 0, saved;

	if (forced_exit != NULL)
		*forced_exit = 0;
	if ((prepared_sfd < 0 || prepared_by != s.self) && supervise_prepare() != 0)
		return -1;
	s.sfd = prepared_sfd;
	prepared_sfd = -1;
	/* What happened before the signalfd existed is queued (blocked). A
	 * forced stop treats the live main child like anything else left. */
	while (rc == 0 && !s.main_done && s.forced == 0)
		rc = handle_signals(&s, -1);
	if (rc == 0)
		rc = shutdown_all(&s);
	saved = errno;
	(void)close(s.sfd);
	release_spares();
	if (forced_exit != NULL)
		*forced_exit = s.forced;
	if (rc != 0 || !s.main_done) {
		errno = rc != 0 ? saved : ECHILD;
		return -1;
	}
	return s.main_status;
}
