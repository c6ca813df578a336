/* utf8: where well-formed UTF-8 starts and ends, for the writers of logs
 * and reports that must not pass on bytes that are not text (a value from
 * the command line or the network may hold anything). Well-formed is RFC
 * 3629: no overlong forms, no surrogates, nothing past U+10FFFF. */
#ifndef JAILINIT_UTF8_H
#define JAILINIT_UTF8_H

#include <stddef.h>

/* The length (1 to 4) of the well-formed sequence at the start of s (n
 * bytes available), or 0 when s[0] starts none: a stray continuation byte,
 * an overlong form, a surrogate, past U+10FFFF, or cut short. */
size_t utf8_sequence_len(const unsigned char *s, size_t n);

/* 1 when the sequence of that length at s is a C1 control (U+0080 to
 * U+009F), which terminals obey like C0 ones. */
int utf8_is_c1(const unsigned char *s, size_t len);

#endif
