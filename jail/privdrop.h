/* privdrop: leaves a process with no privilege at all before exec: the
 * given uid/gid (no supplementary groups), every capability set empty
 * (effective, permitted, inheritable, ambient), bounding set cleared,
 * securebits locked so nothing can be regained, and no_new_privs set.
 * Uses libcap. */
#ifndef JAILINIT_PRIVDROP_H
#define JAILINIT_PRIVDROP_H

#include <sys/types.h>

#include "../base/err.h"

/* For the agent, as root of the jail's user namespace. */
int privdrop_all(uid_t uid, gid_t gid, struct ji_err *err);

/* For the proxy (--proxy-user): switch ids; capabilities go with uid 0. */
int privdrop_switch_user(uid_t uid, gid_t gid, struct ji_err *err);

#endif
