/* err: errors are values. A failing step fills one struct ji_err with the
 * step's name, the errno and a detail line, and returns -1; callers may add
 * context; only main() prints it (log_err) and picks the exit code. */
#ifndef JAILINIT_ERR_H
#define JAILINIT_ERR_H

#include <stddef.h>

/* Exit codes of jailinit itself (the child's own status passes through). */
enum {
	EXIT_USAGE = 64,      /* bad option or value (EX_USAGE) */
	EXIT_PROXY_DIED = 69, /* the proxy kept dying; agent stopped (EX_UNAVAILABLE) */
	EXIT_SETUP = 71,      /* the jail could not be built for another reason (EX_OSERR) */
	EXIT_FORBIDDEN = 77,  /* the container forbids the jail (EX_NOPERM) */
	EXIT_CANNOT_EXEC = 126,
	EXIT_NOT_FOUND = 127,
};

/* Self-contained: the step's name is copied in, so an error value outlives
 * whatever buffer named its step (a message from the jail's side, say) and
 * a later failure never rewrites an earlier one's text. */
#define JI_STEP_MAX 64
struct ji_err {
	char step[JI_STEP_MAX]; /* the step, e.g. "create veth"; "" when none */
	int errnum;       /* errno of the failure, 0 when none applies */
	int exit_code;    /* suggested exit code, 0 = decide by errnum */
	int build_step;   /* the jail's build step that failed (jail/steps.h), 0: none */
	char detail[192]; /* human detail, may be empty */
};

/* Fill *e (when not NULL) and return -1. fmt may be NULL. */
int ji_fail(struct ji_err *e, const char *step, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Name the step of *e (when not NULL), truncated to JI_STEP_MAX - 1. */
void ji_set_step(struct ji_err *e, const char *step);

/* Prefix the detail with context ("setting up the jail: ..."); returns -1. */
int ji_context(struct ji_err *e, const char *context);

/* Name of an errno value ("EPERM"), or "E?" when unknown; never NULL. */
const char *ji_errno_name(int errnum);

/* True when errnum means the container (caps, seccomp, LSM, limits) forbids
 * the step, rather than a bug or a transient failure. */
int ji_errno_is_forbidden(int errnum);

#endif
