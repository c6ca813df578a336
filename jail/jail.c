#include "../base/clock.h"
#include "jail.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../net/nft.h"
#include "../net/nl.h"
#include "../net/rtnl.h"
#include "handshake.h"
#include "inner.h"
#include "jail_plan.h"
#include "../base/fds.h"
#include "../base/log.h"
#include "../base/nsclone.h"
#include "../base/procfs.h"
#include "../landlock/landlock.h"
#include "proxy.h"
#include "../egress/policy.h"
#include "../egress/proxy.h"
#include "../supervise/spawn.h"
#include "../supervise/supervise.h"

/* What has been built so far; teardown undoes exactly that, in reverse. */
struct jail_state {
	const struct jail_plan *p;
	struct jail_trial *trial; /* non-NULL: record each step (jail_trial) */
	int sock;                 /* outer end of the handshake */
	pid_t inner;
	unsigned long ns_flags;
	struct nl_sock rtnl;
	struct nl_sock nfnl;
	int host_ifindex;
	int table_installed;
	int keep_table;           /* a process of the jail may be left: fail closed */
	struct proxy *proxy;
};

/* -vvv: each step with the time since the previous one, for whoever
 * wonders where a slow start went. */
static void trace_step(const char *name, int rc)
{
	static long long last;
	if (!log_enabled(LOG_TRACE))
		return;
	long long t = clock_mono_us();
	log_msg(LOG_TRACE, "step %s: %s (+%lld us)", name, rc < 0 ? "failed" : "done", last ? t - last : 0);
	last = t;
}

static void record(struct jail_state *s, enum jail_step_id id, const char *name, int rc, const struct ji_err *err)
{
	struct jail_trial *t = s->trial;
	trace_step(name, rc);
	if (!t || t->n_steps >= JAIL_TRIAL_MAX_STEPS)
		return;
	struct jail_step_result *r = &t->steps[t->n_steps++];
	memset(r, 0, sizeof *r);
	r->id = id;
	snprintf(r->name, sizeof r->name, "%s", name);
	r->ran = 1;
	r->ok = rc == 0;
	if (rc < 0) {
		r->errnum = err->errnum;
		snprintf(r->detail, sizeof r->detail, "%s", err->detail);
	}
}

#ifdef JAILINIT_TEST_SEAMS
/* Test builds only: JAILINIT_TEST_FAIL_STEP=NAME makes that step fail with
 * EIO right after it succeeded, so a test can walk every step and see the
 * message, the exit code, and that teardown leaves nothing. */
static int injected_failure(enum jail_step_id id, struct ji_err *err)
{
	const char *want = getenv("JAILINIT_TEST_FAIL_STEP");
	if (!want || jail_step_by_name(want) != id)
		return 0;
	ji_fail(err, jail_step(id)->name, EIO, "injected by JAILINIT_TEST_FAIL_STEP");
	return -1;
}
#else
static inline int injected_failure(enum jail_step_id id, struct ji_err *err)
{
	(void)id;
	(void)err;
	return 0;
}
#endif

/* A stop (docker stop, ^C) that arrived while the jail was being built:
 * the run ends with 128+N and tears down, the agent is not started. A
 * trial (jailinit check) has nothing to stop. */
static int stop_requested(const struct jail_state *s, struct ji_err *err)
{
	int sig = s->trial ? 0 : supervise_stop_pending();
	if (sig == 0)
		return 0;
	ji_fail(err, "stop", 0, "%s arrived during the set-up: nothing was left built and the agent was not started",
		supervise_signal_name(sig));
	err->exit_code = 128 + sig;
	return -1;
}

/* Run one step: on failure the error names it (unless the step named a
 * more precise one itself) and carries its id. */
#define STEP(s, id, call)                                                     \
	do {                                                                  \
		int rc_ = (call);                                             \
		if (rc_ == 0)                                                 \
			rc_ = injected_failure((id), err);                    \
		if (rc_ == 0)                                                 \
			rc_ = stop_requested((s), err);                       \
		if (rc_ < 0 && !err->step[0])                                 \
			ji_set_step(err, jail_step(id)->name);                \
		if (rc_ < 0)                                                  \
			err->build_step = (id);                               \
		record((s), (id), jail_step(id)->name, rc_ < 0 ? -1 : 0, err); \
		if (rc_ < 0)                                                  \
			return -1;                                            \
	} while (0)

/* Is any process of this container (its /proc) running as uid, but the
 * jail's own init? Its pid, 0 for none, -1 with errno when /proc cannot be
 * read. /proc/PID belongs to the process's effective uid (root for a
 * non-dumpable one, which a process the agent's uid could own is not). */
static pid_t process_of_uid(uid_t uid, pid_t except)
{
	DIR *d = opendir("/proc");
	if (!d)
		return -1;
	pid_t found = 0;
	struct dirent *e;
	while (!found && (e = readdir(d)) != NULL) {
		char *end;
		long pid = strtol(e->d_name, &end, 10);
		struct stat st;
		if (*end || pid <= 0 || pid == except)
			continue;
		if (fstatat(dirfd(d), e->d_name, &st, 0) == 0 && st.st_uid == uid)
			found = (pid_t)pid;
	}
	closedir(d);
	return found;
}

/* The agent is its --outside-user to every process and file of the
 * container. No other process may run as that uid (the same uid may signal
 * it and write its /proc/PID/oom_score_adj), jailinit and the proxy least
 * of all; without a PID namespace the agent can name their pids too. */
static int check_agent_uid(struct jail_state *s, struct ji_err *err)
{
	const struct jail_plan *p = s->p;
	uid_t init_uid = geteuid();
	uid_t proxy_uid = s->proxy && s->proxy->drop_user ? s->proxy->uid : init_uid;
	if (p->outside_uid == init_uid || (s->proxy && p->outside_uid == proxy_uid)) {
		ji_fail(err, "agent user", EBUSY,
			"--outside-user %u is the uid jailinit%s runs as: the agent could signal %s; choose "
			"ids that nothing else in the container uses",
			(unsigned)p->outside_uid, s->proxy ? " or the proxy" : "", s->proxy ? "them" : "it");
		err->exit_code = EXIT_USAGE;
		return -1;
	}
	/* A trial runs no agent, and may meet the running jail's. */
	if (s->trial)
		return 0;
	pid_t other = process_of_uid(p->outside_uid, s->inner);
	if (other < 0)
		return ji_fail(err, "agent user", errno, "reading /proc for processes of uid %u",
			       (unsigned)p->outside_uid);
	if (other > 0) {
		ji_fail(err, "agent user", EBUSY,
			"process %d already runs as uid %u, the container uid the agent would be "
			"(--outside-user): the agent could signal it; choose another --outside-user",
			(int)other, (unsigned)p->outside_uid);
		err->exit_code = EXIT_USAGE;
		return -1;
	}
	return 0;
}

static const char *family_name(int family)
{
	switch (family) {
	case AF_INET:
		return "AF_INET";
	case AF_INET6:
		return "AF_INET6";
	case AF_NETLINK:
		return "AF_NETLINK";
	case AF_PACKET:
		return "AF_PACKET";
	default:
		return "other than AF_UNIX";
	}
}

/* A TCP, UDP, netlink or packet socket keeps the network namespace it was
 * made in: as the agent's stdin, stdout or stderr it would be a way out of
 * the jail into the container's network (a connected one can be disconnected
 * with connect(AF_UNSPEC) and connected anywhere). Descriptors above 2 are
 * closed at the agent's exec (confine_agent); these three it keeps, so a
 * socket among them must be a unix one. */
static int check_agent_stdio(struct ji_err *err)
{
	static const char *const names[] = { "stdin", "stdout", "stderr" };
	for (int fd = 0; fd <= 2; fd++) {
		int family = fd_socket_family(fd);
		if (family < 0 && errno == EBADF)
			continue; /* not open: nothing to inherit */
		if (family < 0)
			return ji_fail(err, "agent stdio", errno, "cannot tell what fd %d (%s) is", fd, names[fd]);
		if (family != 0 && family != AF_UNIX) {
			ji_fail(err, "agent stdio", EAFNOSUPPORT,
				"fd %d (%s) is an %s socket: it would reach the container's network from the jail; "
				"give jailinit files, pipes, a terminal or unix sockets as stdio",
				fd, names[fd], family_name(family));
			err->exit_code = EXIT_SETUP;
			return -1;
		}
	}
	return 0;
}

/* The maps are written through /proc/PID: a /proc of another PID namespace
 * would name another process by that number. */
static int check_proc_is_ours(struct ji_err *err)
{
	if (procfs_is_ours())
		return 0;
	return ji_fail(err, "own /proc", ESRCH,
		       "/proc is not this PID namespace's (/proc/self is not pid %d): the jail's id maps cannot be "
		       "written through it; mount the container's own /proc",
		       (int)getpid());
}

static int make_socketpair(struct jail_state *s, int pair[2], struct ji_err *err)
{
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) < 0)
		return ji_fail(err, "handshake socketpair", errno, NULL);
	s->sock = pair[0];
	return 0;
}

static int clone_inner(struct jail_state *s, int inner_sock, int trial, struct ji_err *err)
{
	unsigned long flags = s->p->ns_flags;
	/* Ours to hand on only when we hold it (not when started in the
	 * background of a shell). */
	int take_terminal = !trial && spawn_holds_terminal();
	pid_t pid = ns_clone(flags);
	int full_errno = 0;
	if (pid < 0 && flags != JAIL_NS_MIN) {
		/* The runtime may refuse the PID/UTS/IPC namespaces but allow
		 * the two the jail cannot do without. */
		full_errno = errno;
		flags = JAIL_NS_MIN;
		pid = ns_clone(flags);
	}
	if (pid < 0) {
		int e = errno;
		/* EAGAIN is a count that was full at this moment (71), not a
		 * refusal (77): say which counts, so the reader looks there. */
		if (e == EAGAIN)
			return ji_fail(err, "clone", e,
				       "clone(CLONE_NEWUSER|CLONE_NEWNET): a limit on processes was reached (the "
				       "cgroup's pids.max, RLIMIT_NPROC): a resource of the moment, not a refusal");
		return ji_fail(err, "clone", e,
			       "clone(CLONE_NEWUSER|CLONE_NEWNET%s) refused%s%s",
			       full_errno ? "" : "|CLONE_NEWPID|CLONE_NEWUTS|CLONE_NEWIPC",
			       full_errno ? "; with PID/UTS/IPC namespaces too: " : "",
			       full_errno ? ji_errno_name(full_errno) : "");
	}
	if (pid == 0) {
		close(s->sock);
		inner_main(s->p, inner_sock, flags, trial, take_terminal);
	}
	s->inner = pid;
	s->ns_flags = flags;
	if (!(flags & CLONE_NEWPID))
		/* less than the full jail: said without -v (README's tiers) */
		log_msg(LOG_WARN, "no PID namespace here (%s): the agent runs without one, supervised by this init",
			ji_errno_name(full_errno));
	return 0;
}

/* A host end left by a jail that just ended (its netns dies asynchronously)
 * or by a crashed run takes the name: delete it and create again, once. */
static int create_veth(struct jail_state *s, struct ji_err *err)
{
	const struct jail_plan *p = s->p;
	int idx = rtnl_veth_create(&s->rtnl, p->host_if, p->jail_if, s->inner, err);
	if (idx < 0 && err->errnum == EEXIST) {
		struct ji_err stale = { 0 };
		int old = rtnl_link_index(&s->rtnl, p->host_if, &stale);
		if (old > 0 && rtnl_link_delete(&s->rtnl, old, &stale) == 0) {
			log_msg(LOG_INFO, "replaced a stale %s", p->host_if);
			memset(err, 0, sizeof *err);
			idx = rtnl_veth_create(&s->rtnl, p->host_if, p->jail_if, s->inner, err);
		}
	}
	if (idx < 0)
		return -1;
	s->host_ifindex = idx;
	return 0;
}

/* The container must not already use the jail link's subnet: the proxy's
 * replies would follow the container's route, not the link. (A trial may
 * meet the running jail's own link, which is no conflict.) */
static int check_subnet_free(struct jail_state *s, struct ji_err *err)
{
	const struct jail_plan *p = s->p;
	struct rtnl_addr4 f;
	int rc = rtnl_addr4_overlap(&s->rtnl, p->subnet, p->prefix, &f, err);
	if (rc < 0 && err->errnum == EAGAIN) /* the list changed under the dump: once more */
		rc = rtnl_addr4_overlap(&s->rtnl, p->subnet, p->prefix, &f, err);
	if (rc <= 0)
		return rc;
	char name[IF_NAMESIZE] = "?";
	if (!if_indextoname((unsigned)f.ifindex, name))
		snprintf(name, sizeof name, "#%d", f.ifindex);
	/* Our own link: a jail that just ended (its netns dies asynchronously)
	 * or, for a trial, the running jail's. create_veth replaces the first. */
	if (strcmp(name, JAIL_HOST_IF) == 0)
		return 0;
	struct in_addr a = { .s_addr = htonl(f.addr) }, n = { .s_addr = htonl(p->subnet) };
	char have[INET_ADDRSTRLEN], want[INET_ADDRSTRLEN];
	inet_ntop(AF_INET, &a, have, sizeof have);
	inet_ntop(AF_INET, &n, want, sizeof want);
	return ji_fail(err, "jail subnet", EADDRINUSE,
		       "%s/%d overlaps %s/%d on %s in this container; choose another --subnet", want, p->prefix,
		       have, f.prefix, name);
}

static int build_host_link(struct jail_state *s, struct ji_err *err)
{
	const struct jail_plan *p = s->p;
	STEP(s, JS_NETLINK, nl_open(&s->rtnl, NETLINK_ROUTE, err));
	STEP(s, JS_SUBNET, check_subnet_free(s, err));
	STEP(s, JS_VETH, create_veth(s, err));
	int idx = s->host_ifindex;
	STEP(s, JS_HOST_NO_LL, rtnl_link_ipv6_addrgen_off(&s->rtnl, idx, err));
	STEP(s, JS_HOST_ADDR, rtnl_addr_add4(&s->rtnl, idx, p->outer_addr, p->prefix, err));
	STEP(s, JS_HOST_UP, rtnl_link_up(&s->rtnl, idx, err));
	return 0;
}

/* Marked as built inside the step, so that a failure found after it (or
 * injected by a test) still has teardown delete it. */
static int install_table(struct jail_state *s, const struct nft_jail_rules *rules, struct ji_err *err)
{
	if (nft_jail_install(&s->nfnl, rules, err) < 0)
		return -1;
	s->table_installed = 1;
	return 0;
}

static int build_table(struct jail_state *s, struct ji_err *err)
{
	const struct jail_plan *p = s->p;
	struct nft_jail_rules rules = {
		.table = p->table,
		.link_name = p->host_if,
		.outer_addr = p->outer_addr,
		.proxy_port = p->proxy_port,
		.dns_port = p->dns_port,
		.dns_any_daddr = p->egress_dns,
		.transparent = p->transparent,
		/* The table must outlive every process of the jail: a SIGKILLed
		 * outer's socket closes before the jail's init gets its
		 * parent-death signal, and an owned table would go with it, a
		 * window of milliseconds with no rules. So it stays when we
		 * die (fail closed: nothing from the link gets out), teardown
		 * deletes it once the jail is reaped, and the next run
		 * replaces one left by a SIGKILL. The comment names our pid,
		 * for whoever cleans up. A trial runs no agent: its table may
		 * go with its socket, so a killed check leaves nothing. */
		.life = s->trial ? NFT_TABLE_OWNED : NFT_TABLE_OWNED_PERSIST,
		.owner_pid = (uint32_t)getpid(),
	};
	STEP(s, JS_NFT_SOCKET, nl_open(&s->nfnl, NETLINK_NETFILTER, err));
	STEP(s, JS_NFT_TABLE, install_table(s, &rules, err));
	return 0;
}

static int handshake_maps_written(struct jail_state *s, struct ji_err *err)
{
	if (hs_send(s->sock, HS_MAPS_WRITTEN, NULL) < 0)
		return ji_fail(err, "handshake", errno, "telling the jail to configure");
	return 0;
}

static int handshake_configured(struct jail_state *s, struct ji_err *err)
{
	struct hs_msg m;
	int rc = hs_recv(s->sock, &m);
	if (rc < 0)
		return ji_fail(err, "handshake", errno, "waiting for the jail side");
	/* One failure path for the jail side, whoever saw it: the jail's init
	 * (its own step and errno), its death, or the test seam. */
	if (rc == 1)
		ji_fail(err, "jail side", 0, "the jail's init died while configuring");
	else if (m.stage == HS_FAILED)
		hs_to_err(&m, err);
	else if (injected_failure(JS_JAIL_SIDE, err) == 0) {
		record(s, JS_JAIL_SIDE, jail_step(JS_JAIL_SIDE)->name, 0, err);
		return 0;
	}
	err->build_step = JS_JAIL_SIDE;
	record(s, JS_JAIL_SIDE, err->step, -1, err);
	return -1;
}

static int handshake_go(struct jail_state *s, struct ji_err *err)
{
	struct hs_msg m;
	if (hs_send(s->sock, HS_GO, NULL) < 0)
		return ji_fail(err, "handshake", errno, "telling the jail to start the agent");
	int rc = hs_recv(s->sock, &m);
	if (rc < 0)
		return ji_fail(err, "handshake", errno, "waiting for the agent to start");
	if (rc == 0 && m.stage == HS_FAILED)
		return hs_to_err(&m, err);
	/* EOF: the agent was exec'd (our end is close-on-exec) — or, in a
	 * trial, the inner exited; HS_RUNNING: the jail's PID 1 runs it. */
	return 0;
}

/* A proxy that cannot start or never listens is the proxy's failure, not
 * the jail's: the same exit code as one that keeps dying. */
static int start_proxy(struct jail_state *s, struct ji_err *err)
{
	enum jail_step_id id = JS_PROXY_START;
	int rc = proxy_start(s->proxy, 0, err);
	if (rc == 0)
		rc = injected_failure(id, err);
	record(s, id, jail_step(id)->name, rc, err);
	if (rc == 0) {
		id = JS_PROXY_READY;
		rc = proxy_wait_ready(s->proxy, PROXY_READY_TIMEOUT_MS, err);
		if (rc == 0)
			rc = injected_failure(id, err);
		record(s, id, jail_step(id)->name, rc, err);
	}
	if (rc < 0)
		err->build_step = id;
	if (rc < 0 && !err->exit_code) /* a stop keeps its 128+N */
		err->exit_code = EXIT_PROXY_DIED;
	return rc;
}

/* The supervisor leaves what it cannot name (no usable /proc) rather than
 * hang; such a process may be the jail's. */
static int children_left(void)
{
	for (;;) {
		pid_t pid = waitpid(-1, NULL, WNOHANG | __WALL);
		if (pid > 0)
			continue;
		if (pid < 0 && errno == EINTR)
			continue;
		return pid == 0;
	}
}

static void teardown(struct jail_state *s, int failed)
{
	struct ji_err err = { 0 };
	if (s->inner > 0) {
		kill(s->inner, SIGKILL);
		while (waitpid(s->inner, NULL, 0) < 0 && errno == EINTR)
			;
		s->inner = 0;
	}
	if (s->proxy)
		proxy_kill(s->proxy);
	/* Only now that no process of the jail is left. The kernel frees the
	 * table's hooks after an RCU grace period, which the close of nfnl
	 * below waits for (~10-15 ms; an owned table's close waited as long). */
	if (s->table_installed && !s->keep_table && nft_jail_delete(&s->nfnl, s->p->table, &err) < 0)
		log_err(&err);
	s->table_installed = 0;
	if (s->nfnl.fd >= 0)
		nl_close(&s->nfnl);
	/* After a run the veth is left to die with the jail's netns (deleting
	 * it by hand waits ~30 ms for the kernel); after a failed build it is
	 * deleted now, so that nothing half built outlives jailinit. */
	if (failed && s->host_ifindex > 0 && s->rtnl.fd >= 0 &&
	    rtnl_link_delete(&s->rtnl, s->host_ifindex, &err) < 0 && err.errnum != ENODEV)
		log_err(&err);
	s->host_ifindex = 0;
	if (s->rtnl.fd >= 0)
		nl_close(&s->rtnl);
	if (s->sock >= 0)
		close(s->sock);
	s->sock = -1;
}

/* Everything up to the agent's start, in order. On failure the caller
 * tears down what was built. */
static int build(struct jail_state *s, int trial, struct ji_err *err)
{
	int pair[2];
	STEP(s, JS_AGENT_STDIO, check_agent_stdio(err));
	STEP(s, JS_HANDSHAKE, make_socketpair(s, pair, err));
	int rc = clone_inner(s, pair[1], trial, err);
	close(pair[1]);
	STEP(s, JS_CLONE, rc);
	STEP(s, JS_AGENT_USER, check_agent_uid(s, err));
	STEP(s, JS_OWN_PROC, check_proc_is_ours(err));
	struct ns_id_swap uid = { s->p->agent_uid, s->p->outside_uid };
	struct ns_id_swap gid = { s->p->agent_gid, s->p->outside_gid };
	STEP(s, JS_ID_MAPS, ns_write_id_maps_swapped(s->inner, &uid, &gid, err));
	if (s->p->link && build_host_link(s, err) < 0)
		return -1;
	/* The jail side configures itself while the table and the proxy are
	 * made here: only our own code runs in the jail until the go. */
	if (handshake_maps_written(s, err) < 0)
		return -1;
	if (s->p->link && build_table(s, err) < 0)
		return -1;
	if (s->proxy && start_proxy(s, err) < 0)
		return -1;
	if (handshake_configured(s, err) < 0)
		return -1;
	return handshake_go(s, err);
}

static void init_state(struct jail_state *s, const struct jail_plan *p)
{
	memset(s, 0, sizeof *s);
	s->p = p;
	s->sock = -1;
	s->rtnl.fd = -1;
	s->nfnl.fd = -1;
}

/* Without a PID namespace and without Landlock's signal scoping the agent
 * may signal every process of its uid in the container, other jails'
 * agents included: say so, with the fix. */
static void warn_unscoped_signals(const struct jail_plan *p, unsigned long ns_flags)
{
	if (ns_flags & CLONE_NEWPID)
		return;
	int abi = landlock_abi();
	int e = errno;
	struct landlock_policy pol = landlock_agent_policy(abi);
	if (pol.scoped & LANDLOCK_SCOPE_SIGNAL)
		return;
	char why[48];
	if (abi < 0)
		snprintf(why, sizeof why, "Landlock %s", ji_errno_name(e));
	else
		snprintf(why, sizeof why, "Landlock ABI %d, scoping needs %d", abi, LANDLOCK_ABI_SCOPE);
	log_msg(LOG_WARN, "no PID namespace and no signal scoping here (%s): the agent can signal every process "
			  "of uid %u in this container; give each jail a --user of its own",
		why, (unsigned)p->agent_uid);
}

int jail_trial(const struct options *o, struct jail_trial *t)
{
	struct jail_plan plan;
	struct jail_state s;
	struct ji_err err = { 0 };
	memset(t, 0, sizeof *t);
	if (jail_plan_make(o, &plan, &err) < 0)
		return -1;
	/* Names of its own, so a check never disturbs a running jail. */
	snprintf(plan.host_if, sizeof plan.host_if, "jlchk%d", (int)getpid() % 10000000);
	snprintf(plan.table, sizeof plan.table, "jailinit_check_%d", (int)getpid());
	init_state(&s, &plan);
	s.trial = t;
	int rc = build(&s, 1, &err);
	if (rc == 0 && s.inner > 0) {
		int status;
		while (waitpid(s.inner, &status, 0) < 0 && errno == EINTR)
			;
		s.inner = 0;
	}
	t->ns_flags = s.ns_flags;
	teardown(&s, rc < 0);
	return rc;
}

static struct egress_config egress_cfg;

static int run_egress(void *ctx)
{
	return egress_proxy_main(ctx);
}

/* jailinit's own proxy (--allow): its rules, its log (--audit-log is
 * opened here, before any privilege is dropped) and its configuration, for
 * the forked child. */
static int start_egress(const struct jail_plan *p, struct proxy *px, struct ji_err *err)
{
	int log_fd = STDERR_FILENO;
	if (p->audit_log) {
		log_fd = open(p->audit_log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0600);
		if (log_fd < 0)
			return ji_fail(err, "--audit-log", errno, "cannot open '%s'", p->audit_log);
	}
	struct egress_config *c = &egress_cfg;
	memset(c, 0, sizeof *c);
	c->listen_addr = p->outer_addr;
	c->port = p->proxy_port;
	c->jail_net = p->subnet;
	c->jail_prefix = p->prefix;
	c->policy = p->egress_policy;
	c->log_fd = log_fd == STDERR_FILENO ? STDERR_FILENO : 3; /* the child moves it to 3 */
	c->log_format = (enum log_format)p->log_format;
	c->drop_user = p->proxy_drop_user;
	c->uid = p->proxy_uid;
	c->gid = p->proxy_gid;
	c->resolv_conf = p->resolv_conf;
	c->hosts = p->hosts;
	c->parent = getpid();
	c->transparent = p->transparent;
	if (p->egress_dns) {
		/* Shared with every start of the proxy (each a fork of ours):
		 * a restarted proxy maps back what the one before gave out.
		 * Touched only by the proxy, lazily (1 MiB reserved). */
		static struct synth_map *map;
		if (map == NULL) {
			void *m = mmap(NULL, sizeof *map, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
			if (m == MAP_FAILED)
				return ji_fail(err, "jail DNS", errno, "the synthetic address map");
			map = m;
		}
		c->dns_port = p->dns_port;
		c->synth = map;
	}
	egress_limits_defaults(&c->limits);
	if (p->egress_conns)
		c->limits.max_conns = p->egress_conns;
	if (p->egress_header_ms)
		c->limits.header_ms = p->egress_header_ms;
	if (p->egress_connect_ms)
		c->limits.connect_ms = p->egress_connect_ms;
	if (p->egress_idle_ms)
		c->limits.idle_ms = p->egress_idle_ms;
	proxy_init_builtin(px, run_egress, c, log_fd == STDERR_FILENO ? -1 : log_fd, p->outer_addr, p->proxy_port);
	px->drop_user = p->proxy_drop_user;
	px->uid = p->proxy_uid;
	px->gid = p->proxy_gid;
	return 0;
}

int jail_run(const struct jail_plan *plan, struct ji_err *err, int *agent_started)
{
	static struct jail_state s;
	static struct proxy proxy;

	*agent_started = 0;
	init_state(&s, plan);
	/* Before the first child (the proxy, the jail): a descriptor limit
	 * fails the run here, not in the loop with the agent running. */
	if (supervise_prepare() != 0) {
		ji_fail(err, "supervise", errno, "making the supervision loop's descriptors before the jail");
		err->exit_code = EXIT_SETUP;
		return -1;
	}
	if (plan->egress) {
		if (start_egress(plan, &proxy, err) < 0) {
			if (!err->exit_code)
				err->exit_code = EXIT_SETUP;
			return -1;
		}
		s.proxy = &proxy;
	} else if (plan->proxy_cmd) {
		memset(&proxy, 0, sizeof proxy);
		if (proxy_init(&proxy, plan->proxy_cmd, plan->outer_addr, plan->proxy_port, err) < 0) {
			err->exit_code = EXIT_USAGE;
			return -1;
		}
		proxy.drop_user = plan->proxy_drop_user;
		proxy.uid = plan->proxy_uid;
		proxy.gid = plan->proxy_gid;
		if (proxy_pin_binary(&proxy, plan->outside_uid, plan->outside_gid, err) < 0)
			return -1;
		s.proxy = &proxy;
	}

	int built = build(&s, 0, err);
	trace_step("agent started", built);
	if (built < 0) {
		teardown(&s, 1);
		return -1;
	}
	*agent_started = 1;
	/* With -v: a plain start says nothing, as tini's does (an interactive
	 * agent's terminal is its own). Who the agent is: README, and HOME is
	 * made writable for it (jail/inner.c). */
	log_msg(LOG_INFO,
		"jail ready: net=%s, agent uid %u gid %u%s, container uid %u gid %u%s%s",
		plan->link ? (plan->transparent ? "transparent" : "proxy") : "none", (unsigned)plan->agent_uid,
		(unsigned)plan->agent_gid, plan->agent_ids_chosen ? "" : " (the default; --user UID[:GID] to choose)",
		(unsigned)plan->outside_uid, (unsigned)plan->outside_gid,
		(s.ns_flags & CLONE_NEWPID) ? ", PID namespace" : ", no PID namespace",
		plan->seccomp ? "" : ", seccomp OFF");
	if (!plan->seccomp)
		log_msg(LOG_WARN, "--seccomp=off: the agent runs WITHOUT its seccomp filter (explicit opt-out)");
	warn_unscoped_signals(plan, s.ns_flags);
	if (plan->agent_uid == 0)
		log_msg(LOG_INFO, "--user 0: the agent is root of the jail's user namespace, without capabilities, "
				  "and container uid %u: nobody to the container's files and processes",
			(unsigned)plan->outside_uid);

	struct supervise_config cfg = {
		.kill_group = plan->kill_group,
		.warn_reaped = plan->warn_reaped,
		.grace_ms = plan->grace_ms,
		.on_reap = s.proxy ? proxy_on_reap : NULL,
		.ctx = s.proxy,
		/* The agent goes first, then the proxy (its pid changes on restart). */
		.stop_last = s.proxy ? &s.proxy->pid : NULL,
		.n_stop_last = s.proxy ? 1 : 0,
	};
	int forced = 0;
	int status = supervise_run(&cfg, s.inner, &forced);
	int supervise_errno = errno;
	/* The supervisor has reaped everything, the proxy included. */
	s.inner = 0;
	if (s.proxy)
		s.proxy->pid = 0;
	if (children_left()) {
		s.keep_table = 1;
		log_msg(LOG_WARN, "processes of the jail may be left: the nf_tables table %s stays (fail closed); "
				  "the next run replaces it", plan->table);
	}
	teardown(&s, 0);
	if (status < 0) {
		ji_fail(err, "supervise", supervise_errno, NULL);
		err->exit_code = EXIT_SETUP;
		return -1;
	}
	return forced ? forced : status_to_exit_code(status);
}
