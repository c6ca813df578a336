#include "landlock.h"

#include <errno.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_landlock_create_ruleset
#define SYS_landlock_create_ruleset 444
#endif
#ifndef SYS_landlock_restrict_self
#define SYS_landlock_restrict_self 446
#endif

/* The ruleset attribute as Linux 6.12 knows it. 6.1's header has only the
 * first field; the kernel takes the size we pass and needs every field it
 * does not know to be zero, so this layout works on every ABI. */
struct ruleset_attr {
	uint64_t handled_access_fs;
	uint64_t handled_access_net; /* ABI 4 */
	uint64_t scoped;             /* ABI 6 */
};

int landlock_abi(void)
{
	long abi = syscall(SYS_landlock_create_ruleset, NULL, 0UL, (unsigned long)LANDLOCK_CREATE_RULESET_VERSION);
	return abi < 0 ? -1 : (int)abi;
}

struct landlock_policy landlock_agent_policy(int abi)
{
	struct landlock_policy p = { 0 };
	if (abi >= LANDLOCK_ABI_SCOPE)
		p.scoped = LANDLOCK_SCOPE_SIGNAL | LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET;
	return p;
}

int landlock_policy_empty(const struct landlock_policy *p)
{
	return p->scoped == 0;
}

int landlock_apply(const struct landlock_policy *p, struct ji_err *err)
{
	if (landlock_policy_empty(p))
		return 0;
	struct ruleset_attr attr;
	memset(&attr, 0, sizeof attr);
	attr.scoped = p->scoped;
	int fd = (int)syscall(SYS_landlock_create_ruleset, &attr, sizeof attr, 0UL);
	if (fd < 0)
		return ji_fail(err, "landlock", errno, "landlock_create_ruleset(scoped 0x%llx)",
			       (unsigned long long)p->scoped);
	long rc = syscall(SYS_landlock_restrict_self, fd, 0UL);
	int saved = errno;
	(void)close(fd);
	if (rc < 0)
		return ji_fail(err, "landlock", saved, "landlock_restrict_self");
	return 0;
}
