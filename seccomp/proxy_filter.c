/* proxy_filter: see proxy_filter.h; installs the generated program. */
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "proxy_filter.h"
/* $(BUILD)/gen/proxy_filter_bpf.h: proxy_filter_prog, PROXY_FILTER_PROG_LEN */
#include "proxy_filter_bpf.h"

_Static_assert(PROXY_FILTER_PROG_LEN > 0 && PROXY_FILTER_PROG_LEN <= BPF_MAXINSNS,
	       "the generated program must fit the kernel's limit");

int proxy_filter_load(struct ji_err *err)
{
	struct sock_fprog prog = {
		.len = PROXY_FILTER_PROG_LEN,
		.filter = (struct sock_filter *)proxy_filter_prog,
	};

	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0)
		return ji_fail(err, "load the proxy's seccomp filter", errno, NULL);
	return 0;
}
