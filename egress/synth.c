/* synth: see synth.h. */
#include "synth.h"

#include <string.h>

/* FNV-1a: names from the agent, but the table is bounded and a collision
 * costs a probe, never a wrong answer. */
static uint32_t hash(const char *s)
{
	uint32_t h = 2166136261u;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

uint32_t synth_addr_for(struct synth_map *m, const char *name)
{
	size_t len = strlen(name);
	if (len > DNS_NAME_MAX)
		return 0;
	uint32_t i = hash(name) & (SYNTH_SLOTS - 1);
	for (uint32_t probes = 0; probes < SYNTH_SLOTS; probes++, i = (i + 1) & (SYNTH_SLOTS - 1)) {
		uint16_t k = m->slot[i];
		if (k > SYNTH_MAX)
			return 0; /* not a slot this code wrote */
		if (k == 0) {
			if (m->n >= SYNTH_MAX)
				return 0;
			memcpy(m->name[m->n], name, len + 1);
			m->slot[i] = (uint16_t)(m->n + 1);
			m->n++;
			return SYNTH_NET + m->n; /* 198.19.0.1 is the first */
		}
		if (strcmp(m->name[k - 1], name) == 0)
			return SYNTH_NET + k;
	}
	return 0;
}

const char *synth_name_of(const struct synth_map *m, uint32_t addr)
{
	if (!synth_in_pool(addr))
		return NULL;
	uint32_t k = addr - SYNTH_NET;
	return k >= 1 && k <= m->n && k <= SYNTH_MAX ? m->name[k - 1] : NULL;
}

int synth_in_pool(uint32_t addr)
{
	return (addr & SYNTH_MASK) == SYNTH_NET;
}
