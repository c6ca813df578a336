/* fileio: reads a small text file (a /proc or /sys entry) whole into a
 * caller's buffer, NUL-terminated, cut at the buffer's size; EINTR retried,
 * errno kept. The one reader for the modules that look at /proc, and the
 * one write-it-all loop. */
#ifndef JAILINIT_FILEIO_H
#define JAILINIT_FILEIO_H

#include <stddef.h>

/* Returns the length read (cap - 1 at most), or -1 with errno; buf is ""
 * on failure. cap must be at least 1. */
int read_text_file(const char *path, char *buf, size_t cap);

/* Write text to a /proc or /sys file in one write(2), as such files want
 * (a map, a score): 0, or -1 with errno (EIO for a short write). */
int write_text_file(const char *path, const char *text);

/* write(2) all len bytes of buf to fd, EINTR retried. 0, or -1 with errno
 * (EPIPE, EBADF, ...; a write of 0 bytes counts as EIO). Safe between fork
 * and exec. */
int write_all(int fd, const void *buf, size_t len);

#endif
