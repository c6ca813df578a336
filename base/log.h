/* log: one place that writes jailinit's own messages to stderr, as text
 * ("jailinit: ...") or one JSON object per line. Never touches the child's
 * stdio. Safe to call between fork and exec (no allocation, one write). */
#ifndef JAILINIT_LOG_H
#define JAILINIT_LOG_H

#include <stddef.h>

#include "err.h"

enum log_format { LOG_TEXT = 0, LOG_JSON = 1 };
enum log_level { LOG_ERROR = 0, LOG_WARN = 1, LOG_INFO = 2, LOG_DEBUG = 3, LOG_TRACE = 4 };

/* verbosity: messages with level <= LOG_WARN + verbosity are written
 * (so -v shows info, -vv debug, -vvv trace). */
void log_setup(enum log_format format, int verbosity);
int log_enabled(enum log_level level);
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A block of preformatted lines (a report): as it is in text mode, one
 * JSON object per non-empty line ({"level", "msg"}) in JSON mode. */
void log_text_block(enum log_level level, const char *text);
/* Report an error value: step, errno (name and text) and detail. */
void log_err(const struct ji_err *e);
/* write(2) all of s to fd, EINTR retried: the loop behind every message,
 * and behind main's --help and --version on stdout. 0, or -1 when the fd
 * is closed or broken. */
int log_write_all(int fd, const char *s, size_t len);

#endif
