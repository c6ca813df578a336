/* agent_filter: the seccomp filter the agent runs under. It denies, with
 * EPERM, what would let an agent reach around the jail: new namespaces and
 * setns, the mount family, pivot_root/chroot, ptrace and process_vm_*, bpf,
 * perf_event_open, the keyctl family, kexec and modules, raw and packet
 * sockets, netlink other than NETLINK_ROUTE, and the rest listed, each with
 * its reason, in docs/seccomp.md. Load it last, after privileges are
 * dropped.
 *
 * The program is made by libseccomp at build time, not at run time: the
 * rules are in seccomp/bpfgen/gen_agent_filter.c, which the build links
 * against the pinned libseccomp and runs to write the BPF program into
 * $(BUILD)/gen/agent_filter_bpf.h. jailinit does not link libseccomp, and
 * installing the filter costs only the kernel's check (about 0.1 ms). */
#ifndef JAILINIT_AGENT_FILTER_H
#define JAILINIT_AGENT_FILTER_H

#include "../base/err.h"

/* Installs the filter (seccomp(SECCOMP_SET_MODE_FILTER, 0, ...)). Requires
 * no_new_privs (set by privdrop): without it, and without CAP_SYS_ADMIN,
 * fails with EACCES and says so. Returns 0 or -1 with err. */
int agent_filter_load(struct ji_err *err);

#endif
