/* synth: the synthetic addresses the jail's DNS gives to the names the
 * rules allow, one per name, stable for the run, from 198.19.0.0/16 (RFC
 * 2544's benchmarking range, its upper half: never a real destination; the
 * jail's link takes its addresses from the lower half). A connection to one of them
 * is mapped back to its name, so the name decides, never the address.
 * The map lives in memory jailinit shares with every start of its proxy
 * (a restarted proxy knows what the one before it gave out). Pure: no
 * I/O, no allocation; at most SYNTH_MAX names, then none. */
#ifndef JAILINIT_SYNTH_H
#define JAILINIT_SYNTH_H

#include <stdint.h>

#include "dns_msg.h"

#define SYNTH_NET 0xc6130000u  /* 198.19.0.0 */
#define SYNTH_MASK 0xffff0000u /* /16 */
#define SYNTH_MAX 4096
#define SYNTH_SLOTS 8192       /* the hash's slots: twice the names, a power of two */

struct synth_map {
	uint32_t n;
	uint16_t slot[SYNTH_SLOTS];          /* 1 + the name's index; 0: empty */
	char name[SYNTH_MAX][DNS_NAME_MAX + 1];
};

/* The address for name (lower case, as dns_msg reads it), given out now if
 * it has none yet; 0 when the map is full. */
uint32_t synth_addr_for(struct synth_map *m, const char *name);

/* The name given addr, or NULL when addr is not one the map gave out. */
const char *synth_name_of(const struct synth_map *m, uint32_t addr);

/* 1 when addr is in the pool (given out or not). */
int synth_in_pool(uint32_t addr);

#endif
