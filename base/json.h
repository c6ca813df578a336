/* json: the one escaping rule for every JSON string jailinit writes (its
 * log, the self-check's report, the egress audit log): '"' and '\' by a
 * backslash, \n \r \t \b \f by name, the other C0 controls and DEL as
 * \u00XX. Bytes from 0x80 up pass through (UTF-8), unless ascii_only asks
 * for them as \u00XX too (the audit log: a host name from the network is
 * bytes, not text, and every byte must survive as one). No allocation. */
#ifndef JAILINIT_JSON_H
#define JAILINIT_JSON_H

#include <stddef.h>

/* The JSON form of byte c into out (NUL-terminated); its length, 1 to 6. */
size_t json_escape_byte(unsigned char c, int ascii_only, char out[7]);

#endif
