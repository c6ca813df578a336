/* gen_proxy_filter: makes the built-in proxy's seccomp filter at build time
 * (egress/, issue 9), the way gen_agent_filter makes the agent's: libseccomp
 * builds the BPF program from the rules below and this program prints it as
 * $(BUILD)/gen/proxy_filter_bpf.h, which seccomp/proxy_filter.c installs.
 *
 *   gen_proxy_filter > proxy_filter_bpf.h
 *
 * The opposite shape of the agent's filter: default KILL, and only what a
 * relay needs once it is set up (its listening socket bound, its files read,
 * its ids dropped) is allowed. Any other system call kills the proxy, which
 * jailinit then restarts and logs: a proxy that was made to do something
 * else has stopped being a proxy. Allowed:
 *   - I/O on descriptors it holds: read, write, readv, writev, close,
 *     splice, pipe2 (a pipe pair per connection), shutdown;
 *   - epoll: epoll_create1, epoll_ctl, epoll_wait, epoll_pwait;
 *   - sockets: accept4; socket for AF_INET stream and datagram only (the
 *     upstream connections and the DNS queries; no other family, no raw
 *     socket, no netlink); connect, getsockopt, setsockopt, getsockname,
 *     getpeername, sendto, recvfrom;
 *   - memory: mmap and mprotect without PROT_EXEC, munmap, madvise, brk;
 *   - time and chance: clock_gettime, gettimeofday, getrandom;
 *   - signals and ends: rt_sigreturn, rt_sigprocmask, restart_syscall,
 *     exit, exit_group, getpid.
 * Native architecture only (any other kills the process). Exits 0, or 1 with
 * the reason on stderr. */
#include <errno.h>
#include <linux/filter.h>
#include <netinet/in.h>
#include <seccomp.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include "bpfgen_out.h"

#define WHO "gen_proxy_filter"
#define SOCK_TYPE_MASK 0xf /* include/linux/net.h, not in the uapi */

static const struct {
	int nr;
	const char *name;
} allow_all[] = {
#define A(sys) { SCMP_SYS(sys), #sys }
	A(read), A(write), A(readv), A(writev), A(close), A(splice), A(pipe2), A(shutdown),
	A(epoll_create1), A(epoll_ctl), A(epoll_wait), A(epoll_pwait),
	A(accept4), A(connect), A(getsockopt), A(setsockopt), A(getsockname), A(getpeername),
	A(sendto), A(recvfrom),
	A(munmap), A(madvise), A(brk),
	A(clock_gettime), A(gettimeofday), A(getrandom),
	A(rt_sigreturn), A(rt_sigprocmask), A(restart_syscall), A(exit), A(exit_group), A(getpid),
#undef A
};

static int allow(scmp_filter_ctx ctx, int nr, const char *name, unsigned n, const struct scmp_arg_cmp *cmp)
{
	int rc = seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, nr, n, cmp);

	if (rc == 0 || nr < 0)
		return 0; /* a call this architecture lacks: nothing to allow */
	return bpfgen_fail(WHO, "rule for", name, -rc);
}

static int build_rules(scmp_filter_ctx ctx)
{
	for (size_t i = 0; i < sizeof(allow_all) / sizeof(allow_all[0]); i++)
		if (allow(ctx, allow_all[i].nr, allow_all[i].name, 0, NULL) != 0)
			return -1;
	/* socket(AF_INET, SOCK_STREAM|SOCK_DGRAM [|NONBLOCK|CLOEXEC], any) */
	static const int types[] = { SOCK_STREAM, SOCK_DGRAM };
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
		struct scmp_arg_cmp c[2] = {
			SCMP_A0(SCMP_CMP_EQ, AF_INET),
			SCMP_A1(SCMP_CMP_MASKED_EQ, SOCK_TYPE_MASK, (scmp_datum_t)types[i]),
		};
		if (allow(ctx, SCMP_SYS(socket), "socket", 2, c) != 0)
			return -1;
	}
	/* no executable memory */
	struct scmp_arg_cmp noexec = SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0);
	if (allow(ctx, SCMP_SYS(mmap), "mmap", 1, &noexec) != 0)
		return -1;
	return allow(ctx, SCMP_SYS(mprotect), "mprotect", 1, &noexec);
}

int main(int argc, char **argv)
{
	scmp_filter_ctx ctx;
	size_t len = 0;
	int rc;

	if (argc != 1) {
		fprintf(stderr, "usage: %s > proxy_filter_bpf.h\n", argv[0]);
		return 64;
	}
	rc = seccomp_api_set(3);
	if (rc != 0) {
		bpfgen_fail(WHO, "seccomp_api_set", "3", -rc);
		return 1;
	}
	ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
	if (ctx == NULL) {
		bpfgen_fail(WHO, "seccomp_init", NULL, ENOMEM);
		return 1;
	}
	rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
	if (rc == 0)
		rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
	if (rc == 0)
		rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
	if (rc != 0)
		rc = bpfgen_fail(WHO, "attribute", NULL, -rc);
	if (rc == 0)
		rc = build_rules(ctx);
	if (rc == 0)
		rc = bpfgen_export(WHO, ctx, &len);
	seccomp_release(ctx);
	if (rc == 0)
		rc = bpfgen_print(WHO, "proxy_filter", "The built-in proxy's seccomp filter", "seccomp/proxy_filter.c",
				  len);
	return rc == 0 ? 0 : 1;
}
