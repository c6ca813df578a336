#include "inner.h"

#include <arpa/inet.h>
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "../base/fds.h"
#include "../base/fileio.h"
#include "../landlock/landlock.h"
#include "../net/nl.h"
#include "../net/rtnl.h"
#include "../seccomp/agent_filter.h"
#include "handshake.h"
#include "../base/log.h"
#include "privdrop.h"
#include "../supervise/spawn.h"
#include "../supervise/supervise.h"

static int configure_network(const struct jail_plan *p, struct ji_err *err)
{
	struct nl_sock s;
	if (nl_open(&s, NETLINK_ROUTE, err) < 0)
		return ji_context(err, "jail side");
	int rc = -1;
	/* lo is always ifindex 1 in a new netns (LOOPBACK_IFINDEX). */
	if (rtnl_link_up(&s, 1, err) < 0)
		goto out;
	if (p->link) {
		int idx = rtnl_link_index(&s, p->jail_if, err);
		if (idx < 0 || rtnl_link_ipv6_addrgen_off(&s, idx, err) < 0 ||
		    rtnl_addr_add4(&s, idx, p->jail_addr, p->prefix, err) < 0 || rtnl_link_up(&s, idx, err) < 0 ||
		    rtnl_route_default4(&s, idx, p->outer_addr, err) < 0)
			goto out;
	}
	rc = 0;
out:
	nl_close(&s);
	return rc < 0 ? ji_context(err, "jail side") : 0;
}

static int set_proxy_env(const struct jail_plan *p, struct ji_err *err)
{
	char url[64];
	struct in_addr a = { .s_addr = htonl(p->outer_addr) };
	char ip[INET_ADDRSTRLEN];
	if (!inet_ntop(AF_INET, &a, ip, sizeof ip))
		return ji_fail(err, "agent environment", errno, "address");
	snprintf(url, sizeof url, "http://%s:%u", ip, p->proxy_port);
	static const char *const set[] = { "HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy" };
	for (size_t i = 0; i < sizeof set / sizeof set[0]; i++)
		if (setenv(set[i], url, 1) < 0)
			return ji_fail(err, "agent environment", errno, "setenv %s", set[i]);
	if (unsetenv("NO_PROXY") < 0 || unsetenv("no_proxy") < 0)
		return ji_fail(err, "agent environment", errno, "unsetenv NO_PROXY");
	return 0;
}

/* No descriptor is passed into the jail (confine_agent), so a socket
 * activation's variables would name descriptors the agent does not have. */
static int drop_fd_passing_env(struct ji_err *err)
{
	static const char *const vars[] = { "LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES" };
	for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++)
		if (unsetenv(vars[i]) < 0)
			return ji_fail(err, "agent environment", errno, "unsetenv %s", vars[i]);
	return 0;
}

/* Without a PID namespace: the outer, as seen after its go. */
static pid_t outer_pid;

/* The Landlock domain the kernel offers (signal and abstract-socket scoping
 * from ABI 6): nothing on older kernels, where a PID namespace (or, without
 * one, a uid of the agent's own) is what keeps its signals in (the outer
 * says so at the start). */
static int confine_landlock(struct ji_err *err)
{
	struct landlock_policy pol = landlock_agent_policy(landlock_abi());
	return landlock_apply(&pol, err);
}

/* The agent is the OOM killer's first choice, not the proxy or jailinit
 * (an agent that eats memory must not get the proxy killed). Raising needs
 * no capability; it is done before the id change, while /proc/self is still
 * ours to write. (Lowering it again, to jailinit's own value at most, is
 * the kernel's to allow: its floor only moves with CAP_SYS_RESOURCE of the
 * host.) */
static int raise_oom_score(struct ji_err *err)
{
	if (write_text_file("/proc/self/oom_score_adj", "1000") < 0)
		return ji_fail(err, "agent oom_score_adj", errno, "writing 1000 to /proc/self/oom_score_adj");
	return 0;
}

/* The last steps before the agent's exec, in the agent's own process. */
/* The image's HOME is usually root's, which the agent (nobody to the
 * container's files, whatever its --user) cannot write: npm, git and pip
 * fail or warn there. Then HOME is /tmp (the agent's ids are in effect
 * here, so access() asks for them); a HOME it can write is kept. */
static void keep_a_writable_home(void)
{
	const char *home = getenv("HOME");
	if (home != NULL && *home && access(home, W_OK | X_OK) == 0)
		return;
	if (access("/tmp", W_OK | X_OK) != 0)
		return; /* nowhere better: the image's, as it is */
	log_msg(LOG_INFO, "HOME=%s is not writable by the agent: HOME=/tmp", home ? home : "(unset)");
	(void)setenv("HOME", "/tmp", 1);
}

static int confine_agent(void *ctx, struct ji_err *err)
{
	const struct jail_plan *p = ctx;
	/* Nothing jailinit was started with reaches the agent but stdin,
	 * stdout and stderr (which the outer checked): an inherited socket
	 * keeps the container's network namespace. Marked, not closed: our
	 * own handshake descriptors are needed until the exec. */
	if (fds_cloexec_from(3, err) < 0)
		return -1;
	if (raise_oom_score(err) < 0)
		return -1;
	if (privdrop_all(p->agent_uid, p->agent_gid, err) < 0)
		return -1;
	keep_a_writable_home();
	/* The id change cleared the parent-death signal: without a PID
	 * namespace the agent's parent is the outer, and the agent must not
	 * outlive it. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
		return ji_fail(err, "parent-death signal", errno, "for the agent");
	if (outer_pid && getppid() != outer_pid)
		return ji_fail(err, "parent-death signal", ESRCH, "jailinit died while the agent started");
	/* After no_new_privs (privdrop_all), which landlock_restrict_self
	 * needs; before the seccomp filter. */
	if (confine_landlock(err) < 0)
		return -1;
	if (p->seccomp && agent_filter_load(err) < 0)
		return -1;
	return 0;
}

static __attribute__((noreturn)) void fail(int sock, struct ji_err *err)
{
	hs_send(sock, HS_FAILED, err);
	_exit(EXIT_SETUP);
}

void inner_main(const struct jail_plan *p, int sock, unsigned long ns_flags, int trial, int take_terminal)
{
	struct ji_err err = { 0 };
	struct hs_msg m;

	/* If the outer dies, so does the jail (and with it the veth). Had it
	 * died before this line, the handshake below reads EOF. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
		_exit(EXIT_SETUP);
	if (hs_recv(sock, &m) != 0 || m.stage != HS_MAPS_WRITTEN)
		_exit(EXIT_SETUP);

	if (configure_network(p, &err) < 0)
		fail(sock, &err);
	if (p->hostname && !(ns_flags & CLONE_NEWUTS)) {
		ji_fail(&err, "set hostname", EPERM, "--hostname needs a UTS namespace, which this runtime refuses");
		fail(sock, &err);
	}
	if (p->hostname && sethostname(p->hostname, strlen(p->hostname)) < 0) {
		ji_fail(&err, "set hostname", errno, "--hostname %s", p->hostname);
		fail(sock, &err);
	}
	if (p->proxy_env && set_proxy_env(p, &err) < 0)
		fail(sock, &err);
	if (drop_fd_passing_env(&err) < 0)
		fail(sock, &err);

	/* Everything up to the agent's exec is done ahead, while the outer
	 * finishes the table and the proxy: only the exec waits for the go. */
	struct spawn_gate agent;
	if (!trial && (ns_flags & CLONE_NEWPID)) {
		/* The agent is our child; we stay the jail's PID 1, in a group
		 * of our own, which takes the foreground when the outer had it
		 * (SIGTTOU is blocked: this cannot stop us), so that the agent
		 * takes it from us in turn (spawn's child setup). */
		setpgid(0, 0);
		if (take_terminal)
			(void)tcsetpgrp(STDIN_FILENO, getpgrp());
		/* The loop's descriptors before the agent exists (and not the
		 * outer's, inherited through the clone). */
		if (supervise_prepare() != 0) {
			ji_fail(&err, "supervise", errno, "making the jail init's loop descriptors");
			fail(sock, &err);
		}
		if (spawn_gated_start(&agent, p->command, confine_agent, (void *)p, &err) < 0)
			fail(sock, &err);
	} else if (!trial) {
		/* No PID namespace: we become the agent; the outer supervises. */
		outer_pid = getppid();
		spawn_child_setup();
		if (confine_agent((void *)p, &err) < 0)
			fail(sock, &err);
	}
	if (hs_send(sock, HS_CONFIGURED, NULL) < 0)
		_exit(EXIT_SETUP);
	if (hs_recv(sock, &m) != 0 || m.stage != HS_GO)
		_exit(EXIT_SETUP);
	if (trial)
		_exit(0);

	if (!(ns_flags & CLONE_NEWPID)) {
		int e = spawn_exec(p->command);
		ji_fail(&err, "exec agent", e, "cannot execute '%s'", p->command[0]);
		err.exit_code = exec_errno_exit_code(e);
		fail(sock, &err);
	}
	pid_t agent_pid = spawn_gated_open(&agent, &err);
	if (agent_pid < 0)
		fail(sock, &err);
	hs_send(sock, HS_RUNNING, NULL);
	close(sock);

	struct supervise_config cfg = {
		.kill_group = p->kill_group,
		.warn_reaped = p->warn_reaped,
		.grace_ms = p->grace_ms,
	};
	int forced = 0;
	int status = supervise_run(&cfg, agent_pid, &forced);
	if (status < 0) {
		ji_fail(&err, "supervise the agent", errno, "in the jail");
		log_err(&err);
		_exit(EXIT_SETUP);
	}
	_exit(status_to_exit_code(status));
}
