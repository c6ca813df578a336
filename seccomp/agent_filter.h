/* agent_filter: the seccomp filter the agent runs under (libseccomp). It
 * denies, with EPERM, what would let an agent reach around the jail: new
 * namespaces and setns, the mount family, pivot_root/chroot, ptrace and
 * process_vm_*, bpf, perf_event_open, the keyctl family, kexec and modules,
 * raw and packet sockets, netlink other than NETLINK_ROUTE, and the rest
 * listed, each with its reason, in docs/seccomp.md. Load it last, after
 * privileges are dropped. */
#ifndef JAILINIT_AGENT_FILTER_H
#define JAILINIT_AGENT_FILTER_H

#include "../init/err.h"

/* Requires no_new_privs (set by privdrop). Returns 0 or -1 with err. */
int agent_filter_load(struct ji_err *err);

/* Optional: build the filter ahead of time (libseccomp's rule database and
 * BPF generation take about a millisecond; installing a built program takes
 * microseconds), e.g. in the inner while it waits for the outer's go.
 * agent_filter_load() then only installs it; without a prepare it builds
 * first. Needs no privilege. Returns 0 or -1 with err. */
int agent_filter_prepare(struct ji_err *err);

#endif
