/* bpfgen_out: the part every build-time filter generator shares: export
 * the BPF program libseccomp made for a filter (seccomp_export_bpf, through
 * a memfd: libseccomp 2.5 exports only to a file descriptor) and print it
 * as a C header of `static const struct sock_filter NAME_prog[]` with
 * NAME_PROG_LEN. Included by the generators only (static functions); not
 * part of jailinit. */
#ifndef JAILINIT_BPFGEN_OUT_H
#define JAILINIT_BPFGEN_OUT_H

#include <ctype.h>
#include <errno.h>
#include <linux/filter.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static struct sock_filter bpfgen_prog[BPF_MAXINSNS];

static int bpfgen_fail(const char *who, const char *what, const char *name, int e)
{
	fprintf(stderr, "%s: %s%s%s: %s\n", who, what, name ? " " : "", name ? name : "", strerror(e));
	return -1;
}

static int bpfgen_export(const char *who, scmp_filter_ctx ctx, size_t *len)
{
	int fd = memfd_create(who, MFD_CLOEXEC);
	size_t got = 0;
	int rc;

	if (fd < 0)
		return bpfgen_fail(who, "memfd_create", NULL, errno);
	rc = seccomp_export_bpf(ctx, fd);
	if (rc != 0) {
		close(fd);
		return bpfgen_fail(who, "seccomp_export_bpf", NULL, -rc);
	}
	if (lseek(fd, 0, SEEK_SET) != 0) {
		int e = errno;
		close(fd);
		return bpfgen_fail(who, "lseek", NULL, e);
	}
	for (;;) {
		char extra;
		ssize_t n = got < sizeof(bpfgen_prog) ? read(fd, (char *)bpfgen_prog + got, sizeof(bpfgen_prog) - got)
						      : read(fd, &extra, 1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;
			close(fd);
			return bpfgen_fail(who, "read the exported program", NULL, e);
		}
		if (n == 0)
			break;
		if (got == sizeof(bpfgen_prog)) {
			close(fd);
			return bpfgen_fail(who, "the exported program", "is longer than BPF_MAXINSNS", E2BIG);
		}
		got += (size_t)n;
	}
	close(fd);
	if (got == 0 || got % sizeof(bpfgen_prog[0]) != 0)
		return bpfgen_fail(who, "the exported program", "is not whole instructions", EPROTO);
	*len = got / sizeof(bpfgen_prog[0]);
	return 0;
}

/* name: "agent_filter" gives agent_filter_prog, AGENT_FILTER_PROG_LEN and
 * the guard JAILINIT_AGENT_FILTER_BPF_H; what: the comment's second
 * sentence; installer: the file that installs it. */
static int bpfgen_print(const char *who, const char *name, const char *what, const char *installer, size_t len)
{
	const struct scmp_version *v = seccomp_version();
	char upper[64];
	size_t i;

	for (i = 0; name[i] != '\0' && i + 1 < sizeof upper; i++)
		upper[i] = (char)toupper((unsigned char)name[i]);
	upper[i] = '\0';
	if (v == NULL)
		return bpfgen_fail(who, "seccomp_version", NULL, EINVAL);
	printf("/* GENERATED at build time by seccomp/bpfgen/%s.c (the rules\n"
	       " * are there) with libseccomp %u.%u.%u, seccomp_export_bpf: do not edit.\n"
	       " * %s as a classic BPF program for the native\n"
	       " * architecture; %s installs it. docs/seccomp.md. */\n"
	       "#ifndef JAILINIT_%s_BPF_H\n"
	       "#define JAILINIT_%s_BPF_H\n\n"
	       "#include <linux/filter.h>\n\n"
	       "#define %s_PROG_LEN %zu\n\n"
	       "static const struct sock_filter %s_prog[%s_PROG_LEN] = {\n",
	       who, v->major, v->minor, v->micro, what, installer, upper, upper, upper, len, name, upper);
	for (i = 0; i < len; i++)
		printf("\t{ 0x%04x, %3u, %3u, 0x%08x }, /* %zu */\n", (unsigned)bpfgen_prog[i].code,
		       (unsigned)bpfgen_prog[i].jt, (unsigned)bpfgen_prog[i].jf, (unsigned)bpfgen_prog[i].k, i);
	printf("};\n\n#endif\n");
	if (fflush(stdout) != 0 || ferror(stdout))
		return bpfgen_fail(who, "write the header", NULL, errno ? errno : EIO);
	return 0;
}

#endif
