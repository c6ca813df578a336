/* proxy_filter: the seccomp filter the built-in proxy (egress/) runs under
 * once it is set up: default kill, only the calls a relay needs (the list
 * and the reasons are in seccomp/bpfgen/gen_proxy_filter.c, which makes the
 * program at build time, and docs/seccomp.md). Needs no_new_privs. */
#ifndef JAILINIT_PROXY_FILTER_H
#define JAILINIT_PROXY_FILTER_H

#include "../base/err.h"

int proxy_filter_load(struct ji_err *err);

#endif
