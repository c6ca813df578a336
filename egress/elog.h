/* elog: the built-in proxy's decision log. One line per decision: a refused
 * request when it is refused, an allowed connection when it closes (with
 * the bytes each way and its duration), and at start one line with the
 * rules in force. Text ("jailinit egress: TIME VERDICT HOST:PORT key=value
 * ...") or one JSON object per line (--log-format=json; the schema is in
 * docs/egress.md), on stderr or the --audit-log file. Each line is built on
 * the stack and written with one write(2). elog_format is pure. */
#ifndef JAILINIT_ELOG_H
#define JAILINIT_ELOG_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "../base/log.h"

#define ELOG_LINE_MAX 2048

struct elog_entry {
	const char *verdict;  /* "allow", "deny" or "error" (allowed, but it failed) */
	const char *method;   /* "CONNECT", "GET", ...; NULL when none was read */
	const char *host;     /* NULL when none was read */
	uint16_t port;
	const char *rule;     /* the rule that decided, as the user wrote it; NULL: none did */
	uint32_t addr;        /* the address connected to, host byte order; 0: none */
	int closed;           /* 1: bytes and duration below are meaningful */
	uint64_t bytes_up;    /* client -> upstream */
	uint64_t bytes_down;  /* upstream -> client */
	long long duration_ms;
	const char *reason;   /* why refused or failed; NULL for an allowed one */
};

/* One line, with its newline, into out; its length. now: CLOCK_REALTIME. */
size_t elog_format(char *out, size_t cap, enum log_format fmt, const struct timespec *now,
		   const struct elog_entry *e);
/* The start line: the rules in force (already formatted, one string each). */
size_t elog_format_rules(char *out, size_t cap, enum log_format fmt, const struct timespec *now,
			 const char *const *allow, int n_allow, const char *const *deny, int n_deny);

/* Where the lines go, and how. */
void elog_setup(int fd, enum log_format fmt);
void elog_write(const struct elog_entry *e);
void elog_write_rules(const char *const *allow, int n_allow, const char *const *deny, int n_deny);

#endif
