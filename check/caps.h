/* caps: this process's capability sets (effective, permitted, inheritable,
 * bounding, ambient) read with libcap into plain bitmasks, and their names,
 * so the self-check can report them and reason about them without libcap
 * types leaking out. */
#ifndef JAILINIT_CAPS_H
#define JAILINIT_CAPS_H

#include <stddef.h>
#include <stdint.h>

#include "../base/err.h"

struct caps_sets {
	uint64_t effective, permitted, inheritable, bounding, ambient;
	int last_cap; /* highest capability number the running kernel knows */
};

#define CAPS_BIT(cap) (UINT64_C(1) << (cap))

/* Read the sets of this process. The bounding and ambient sets cost a
 * prctl per capability: they are read only for the capabilities in
 * which (CAPS_ALL for all). Returns 0 or -1 with err. */
#define CAPS_ALL (~UINT64_C(0))
int caps_read(struct caps_sets *c, uint64_t which, struct ji_err *err);

/* "NET_ADMIN" for CAP_NET_ADMIN; "CAP_41" style for unknown numbers (into a
 * static buffer, so only for one call at a time). Never NULL. */
const char *caps_name(int cap);

/* Space-separated names of the bits in mask (0..last_cap) into buf; "none"
 * when empty. Returns the length written (truncated with "..." if needed). */
size_t caps_format(uint64_t mask, int last_cap, char *buf, size_t cap);

#endif
