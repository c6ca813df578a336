/* err: error values (see err.h). ji_fail only formats into the caller's
 * struct, so it is safe in a forked child before exec. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "err.h"

int ji_fail(struct ji_err *e, const char *step, int errnum, const char *fmt, ...)
{
	va_list ap;

	if (e == NULL)
		return -1;
	ji_set_step(e, step);
	e->errnum = errnum;
	e->exit_code = 0;
	e->build_step = 0;
	e->detail[0] = '\0';
	if (fmt != NULL) {
		va_start(ap, fmt);
		/* Truncation is acceptable: the detail is for humans. */
		(void)vsnprintf(e->detail, sizeof(e->detail), fmt, ap);
		va_end(ap);
	}
	return -1;
}

void ji_set_step(struct ji_err *e, const char *step)
{
	if (e == NULL || step == e->step)
		return;
	if (step == NULL) {
		e->step[0] = '\0';
		return;
	}
	size_t n = strnlen(step, sizeof e->step - 1);
	memmove(e->step, step, n);
	e->step[n] = '\0';
}

int ji_context(struct ji_err *e, const char *context)
{
	size_t size, clen, dlen;

	if (e == NULL || context == NULL)
		return -1;
	size = sizeof(e->detail);
	clen = strlen(context);
	dlen = strlen(e->detail);
	if (clen > size - 1)
		clen = size - 1;
	if (dlen == 0 || clen + 2 >= size - 1) {
		memcpy(e->detail, context, clen);
		e->detail[clen] = '\0';
		return -1;
	}
	/* "context: detail", the detail's tail cut when it does not fit. */
	if (dlen > size - 1 - clen - 2)
		dlen = size - 1 - clen - 2;
	memmove(e->detail + clen + 2, e->detail, dlen);
	e->detail[clen + 2 + dlen] = '\0';
	memcpy(e->detail, context, clen);
	memcpy(e->detail + clen, ": ", 2);
	return -1;
}

/* Names rather than strerror() text so logs and JSON can be grepped and
 * matched by tools (crun and the kernel docs speak in these names). */
static const struct {
	int num;
	const char *name;
} errno_names[] = {
#define E(x) { x, #x }
	E(EPERM), E(ENOENT), E(ESRCH), E(EINTR), E(EIO), E(ENXIO), E(E2BIG),
	E(ENOEXEC), E(EBADF), E(ECHILD), E(EAGAIN), E(ENOMEM), E(EACCES),
	E(EFAULT), E(EBUSY), E(EEXIST), E(EXDEV), E(ENODEV), E(ENOTDIR),
	E(EISDIR), E(EINVAL), E(ENFILE), E(EMFILE), E(ENOTTY), E(ETXTBSY),
	E(EFBIG), E(ENOSPC), E(ESPIPE), E(EROFS), E(EMLINK), E(EPIPE),
	E(EDOM), E(ERANGE), E(EDEADLK), E(ENAMETOOLONG), E(ENOLCK), E(ENOSYS),
	E(ENOTEMPTY), E(ELOOP), E(ENOMSG), E(EIDRM), E(ENODATA), E(ETIME),
	E(ENOLINK), E(EPROTO), E(EBADMSG), E(EOVERFLOW), E(EILSEQ), E(EUSERS),
	E(ENOTSOCK), E(EDESTADDRREQ), E(EMSGSIZE), E(EPROTOTYPE), E(ENOPROTOOPT),
	E(EPROTONOSUPPORT), E(ESOCKTNOSUPPORT), E(EOPNOTSUPP), E(EPFNOSUPPORT),
	E(EAFNOSUPPORT), E(EADDRINUSE), E(EADDRNOTAVAIL), E(ENETDOWN),
	E(ENETUNREACH), E(ENETRESET), E(ECONNABORTED), E(ECONNRESET),
	E(ENOBUFS), E(EISCONN), E(ENOTCONN), E(ETIMEDOUT), E(ECONNREFUSED),
	E(EHOSTDOWN), E(EHOSTUNREACH), E(EALREADY), E(EINPROGRESS), E(ESTALE),
	E(EDQUOT), E(ECANCELED), E(EOWNERDEAD), E(ENOTRECOVERABLE), E(ERFKILL),
	E(EHWPOISON), E(ENOKEY), E(EKEYEXPIRED), E(EKEYREVOKED), E(EKEYREJECTED),
#undef E
};

const char *ji_errno_name(int errnum)
{
	size_t i;

	for (i = 0; i < sizeof(errno_names) / sizeof(errno_names[0]); i++)
		if (errno_names[i].num == errnum)
			return errno_names[i].name;
	return "E?";
}

int ji_errno_is_forbidden(int errnum)
{
	switch (errnum) {
	case EPERM:           /* missing capability, seccomp's default errno */
	case EACCES:          /* LSM (AppArmor, SELinux), Landlock */
	case ENOSPC:          /* max_user_namespaces reached or 0 */
	case EUSERS:          /* user namespace nesting limit */
	case ENOSYS:          /* seccomp filters that answer ENOSYS (clone3) */
	case EOPNOTSUPP:      /* gVisor: no veth, lo cannot go up */
	case EPROTONOSUPPORT: /* no NETLINK_NETFILTER (gVisor, no nf_tables) */
	case EAFNOSUPPORT:    /* socket family disabled by the runtime */
		return 1;
	default:
		return 0;
	}
}
