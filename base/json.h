/* json: the one escaping rule for every JSON string jailinit writes (its
 * log, the self-check's report, the egress audit log): '"' and '\' by a
 * backslash, \n \r \t \b \f by name, the other C0 controls and DEL as
 * \u00XX. Well-formed UTF-8 passes through (C1 controls as \u00XX); a byte
 * that starts no well-formed sequence becomes \ufffd, so what is written
 * is always valid JSON. ascii_only asks for every byte from 0x80 up as
 * \u00XX instead (the audit log: a host name from the network is bytes, not
 * text, and every byte must survive as one). No allocation. */
#ifndef JAILINIT_JSON_H
#define JAILINIT_JSON_H

#include <stddef.h>

/* The JSON form of byte c into out (NUL-terminated); its length, 1 to 6. */
size_t json_escape_byte(unsigned char c, int ascii_only, char out[7]);

/* The JSON form of the character that starts s (n > 0 bytes left) into out
 * (NUL-terminated): its length, 1 to 6; *used is how many bytes of s it
 * took (1 to 4). */
size_t json_escape_char(const char *s, size_t n, int ascii_only, char out[7], size_t *used);

#endif
