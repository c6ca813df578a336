#include "caps.h"

#include <errno.h>
#include <linux/capability.h>
#include <stdio.h>
#include <string.h>
#include <sys/capability.h>

static const char *const names[] = {
	"CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL", "SETGID", "SETUID",
	"SETPCAP", "LINUX_IMMUTABLE", "NET_BIND_SERVICE", "NET_BROADCAST", "NET_ADMIN", "NET_RAW",
	"IPC_LOCK", "IPC_OWNER", "SYS_MODULE", "SYS_RAWIO", "SYS_CHROOT", "SYS_PTRACE", "SYS_PACCT",
	"SYS_ADMIN", "SYS_BOOT", "SYS_NICE", "SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "MKNOD",
	"LEASE", "AUDIT_WRITE", "AUDIT_CONTROL", "SETFCAP", "MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG",
	"WAKE_ALARM", "BLOCK_SUSPEND", "AUDIT_READ", "PERFMON", "BPF", "CHECKPOINT_RESTORE",
};

const char *caps_name(int cap)
{
	static char buf[16];
	if (cap >= 0 && (size_t)cap < sizeof names / sizeof names[0])
		return names[cap];
	snprintf(buf, sizeof buf, "CAP_%d", cap);
	return buf;
}

size_t caps_format(uint64_t mask, int last_cap, char *buf, size_t cap)
{
	size_t used = 0;
	if (cap == 0)
		return 0;
	buf[0] = '\0';
	for (int i = 0; i <= last_cap && i < 64; i++) {
		if (!(mask & CAPS_BIT(i)))
			continue;
		const char *n = caps_name(i);
		size_t need = strlen(n) + (used ? 1 : 0);
		if (used + need + 4 >= cap) { /* room for "..." and NUL */
			if (used + 4 <= cap - 1) {
				memcpy(buf + used, used ? " ..." : "...", used ? 5 : 4);
				used += used ? 4 : 3;
			}
			return used;
		}
		if (used)
			buf[used++] = ' ';
		memcpy(buf + used, n, strlen(n) + 1);
		used += strlen(n);
	}
	if (!used) {
		snprintf(buf, cap, "none");
		used = strlen(buf);
	}
	return used;
}

int caps_read(struct caps_sets *c, uint64_t which, struct ji_err *err)
{
	memset(c, 0, sizeof *c);
	int last = (int)cap_max_bits() - 1;
	if (last < 0 || last > 63)
		last = CAP_LAST_CAP;
	c->last_cap = last;

	cap_t cur = cap_get_proc();
	if (!cur)
		return ji_fail(err, "capabilities", errno, "cap_get_proc");
	for (int i = 0; i <= last; i++) {
		cap_flag_value_t v;
		if (cap_get_flag(cur, (cap_value_t)i, CAP_EFFECTIVE, &v) == 0 && v == CAP_SET)
			c->effective |= CAPS_BIT(i);
		if (cap_get_flag(cur, (cap_value_t)i, CAP_PERMITTED, &v) == 0 && v == CAP_SET)
			c->permitted |= CAPS_BIT(i);
		if (cap_get_flag(cur, (cap_value_t)i, CAP_INHERITABLE, &v) == 0 && v == CAP_SET)
			c->inheritable |= CAPS_BIT(i);
		if (!(which & CAPS_BIT(i)))
			continue;
		/* cap_get_bound: 1 in the set, 0 not, -1 unknown to the kernel. */
		if (cap_get_bound((cap_value_t)i) == 1)
			c->bounding |= CAPS_BIT(i);
		if (cap_get_ambient((cap_value_t)i) == 1)
			c->ambient |= CAPS_BIT(i);
	}
	if (cap_free(cur) != 0)
		return ji_fail(err, "capabilities", errno, "cap_free");
	return 0;
}
