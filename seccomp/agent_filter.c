/* agent_filter: see agent_filter.h. The rules, and the libseccomp calls that
 * turn them into a BPF program, are in seccomp/bpfgen/gen_agent_filter.c,
 * run at build time; the list and the reason for every entry are in
 * docs/seccomp.md. This file only installs the generated program. */
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "agent_filter.h"
/* $(BUILD)/gen/agent_filter_bpf.h: agent_filter_prog, AGENT_FILTER_PROG_LEN */
#include "agent_filter_bpf.h"

_Static_assert(AGENT_FILTER_PROG_LEN > 0 && AGENT_FILTER_PROG_LEN <= BPF_MAXINSNS,
	       "the generated program must fit the kernel's limit");

/* Installs the program exactly as libseccomp's seccomp_load would (no
 * flags: no TSYNC, no log, NNP left to privdrop). */
int agent_filter_load(struct ji_err *err)
{
	struct sock_fprog prog = {
		.len = AGENT_FILTER_PROG_LEN,
		/* the kernel copies the program and never writes to it */
		.filter = (struct sock_filter *)agent_filter_prog,
	};
	long rc;

	rc = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog);
	if (rc != 0 && errno == ENOSYS)
		rc = prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0);
	if (rc != 0) {
		int e = errno;

		if (e == EACCES && prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 0)
			return ji_fail(err, "load the agent's seccomp filter", EACCES,
				       "no_new_privs is not set and the process lacks CAP_SYS_ADMIN:"
				       " drop privileges (privdrop_all) before loading the filter");
		return ji_fail(err, "load the agent's seccomp filter", e, NULL);
	}
	return 0;
}
