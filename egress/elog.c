/* elog: see elog.h. */
#include "elog.h"
#include "../base/json.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

struct line {
	char *p;
	size_t cap, len;
};

static void put(struct line *l, const char *s, size_t n)
{
	/* one byte kept for the newline */
	if (l->len + 1 >= l->cap)
		return;
	size_t room = l->cap - 1 - l->len;
	if (n > room)
		n = room;
	memcpy(l->p + l->len, s, n);
	l->len += n;
}

static void puts_(struct line *l, const char *s)
{
	put(l, s, strlen(s));
}

__attribute__((format(printf, 2, 3))) static void putf(struct line *l, const char *fmt, ...)
{
	char tmp[64];
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (n > 0)
		put(l, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

/* A JSON string; control bytes and anything past ASCII escaped, so a host
 * name from the network cannot break the line. */
static void put_json(struct line *l, const char *s)
{
	char esc[7];

	put(l, "\"", 1);
	for (; *s; s++)
		put(l, esc, json_escape_byte((unsigned char)*s, 1, esc));
	put(l, "\"", 1);
}

/* Text: a value as is when it is one plain word, else quoted with the
 * same escapes as JSON. */
static void put_text(struct line *l, const char *s)
{
	int plain = *s != '\0';
	for (const char *q = s; *q; q++)
		if ((unsigned char)*q <= 0x20 || (unsigned char)*q >= 0x7f || *q == '"' || *q == '\\')
			plain = 0;
	if (plain)
		puts_(l, s);
	else
		put_json(l, s);
}

static void put_time(struct line *l, const struct timespec *now)
{
	struct tm tm;
	time_t t = now->tv_sec;

	gmtime_r(&t, &tm);
	putf(l, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	     tm.tm_min, tm.tm_sec, now->tv_nsec / 1000000);
}

static void put_addr(struct line *l, uint32_t a)
{
	putf(l, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
}

/* key and string value: ,"key":"v" or  key=v */
static void kv(struct line *l, enum log_format fmt, const char *key, const char *v)
{
	if (fmt == LOG_JSON) {
		puts_(l, ",\"");
		puts_(l, key);
		puts_(l, "\":");
		if (v)
			put_json(l, v);
		else
			puts_(l, "null");
	} else if (v) {
		puts_(l, " ");
		puts_(l, key);
		puts_(l, "=");
		put_text(l, v);
	}
}

static void kn(struct line *l, enum log_format fmt, const char *key, unsigned long long v)
{
	if (fmt == LOG_JSON)
		putf(l, ",\"%s\":%llu", key, v);
	else
		putf(l, " %s=%llu", key, v);
}

static size_t finish(struct line *l, enum log_format fmt)
{
	if (fmt == LOG_JSON)
		puts_(l, "}");
	l->p[l->len++] = '\n';
	return l->len;
}

size_t elog_format(char *out, size_t cap, enum log_format fmt, const struct timespec *now,
		   const struct elog_entry *e)
{
	struct line l = { out, cap, 0 };
	const char *host = e->host ? e->host : "";

	if (cap < 2)
		return 0;
	if (fmt == LOG_JSON) {
		puts_(&l, "{\"time\":\"");
		put_time(&l, now);
		puts_(&l, "\",\"event\":\"egress\"");
		kv(&l, fmt, "verdict", e->verdict);
		kv(&l, fmt, "method", e->method);
		kv(&l, fmt, "host", e->host);
		kn(&l, fmt, "port", e->port);
		kv(&l, fmt, "rule", e->rule);
		if (e->addr) {
			puts_(&l, ",\"addr\":\"");
			put_addr(&l, e->addr);
			puts_(&l, "\"");
		} else {
			puts_(&l, ",\"addr\":null");
		}
	} else {
		puts_(&l, "jailinit egress: ");
		put_time(&l, now);
		puts_(&l, " ");
		puts_(&l, e->verdict);
		puts_(&l, " ");
		put_text(&l, *host ? host : "-");
		putf(&l, ":%u", (unsigned)e->port);
		kv(&l, fmt, "method", e->method);
		puts_(&l, " rule=");
		put_text(&l, e->rule ? e->rule : "none");
		if (e->addr) {
			puts_(&l, " addr=");
			put_addr(&l, e->addr);
		}
	}
	if (e->closed) {
		kn(&l, fmt, "bytes_up", e->bytes_up);
		kn(&l, fmt, "bytes_down", e->bytes_down);
		kn(&l, fmt, "duration_ms", (unsigned long long)(e->duration_ms > 0 ? e->duration_ms : 0));
	}
	if (e->reason || fmt == LOG_JSON)
		kv(&l, fmt, "reason", e->reason);
	return finish(&l, fmt);
}

static void list(struct line *l, enum log_format fmt, const char *key, const char *const *r, int n)
{
	if (fmt == LOG_JSON) {
		puts_(l, ",\"");
		puts_(l, key);
		puts_(l, "\":[");
		for (int i = 0; i < n; i++) {
			if (i)
				puts_(l, ",");
			put_json(l, r[i]);
		}
		puts_(l, "]");
		return;
	}
	puts_(l, " ");
	puts_(l, key);
	puts_(l, ":");
	if (n == 0)
		puts_(l, " (none)");
	for (int i = 0; i < n; i++) {
		puts_(l, " ");
		put_text(l, r[i]);
	}
	if (strcmp(key, "allow") == 0)
		puts_(l, ";");
}

size_t elog_format_rules(char *out, size_t cap, enum log_format fmt, const struct timespec *now,
			 const char *const *allow, int n_allow, const char *const *deny, int n_deny)
{
	struct line l = { out, cap, 0 };

	if (cap < 2)
		return 0;
	if (fmt == LOG_JSON) {
		puts_(&l, "{\"time\":\"");
		put_time(&l, now);
		puts_(&l, "\",\"event\":\"rules\"");
	} else {
		puts_(&l, "jailinit egress: ");
		put_time(&l, now);
		puts_(&l, " rules in force:");
	}
	list(&l, fmt, "allow", allow, n_allow);
	list(&l, fmt, "deny", deny, n_deny);
	return finish(&l, fmt);
}

static int elog_fd = 2;
static enum log_format elog_fmt = LOG_TEXT;

void elog_setup(int fd, enum log_format fmt)
{
	elog_fd = fd;
	elog_fmt = fmt;
}

void elog_write(const struct elog_entry *e)
{
	char buf[ELOG_LINE_MAX];
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	size_t n = elog_format(buf, sizeof buf, elog_fmt, &now, e);
	(void)log_write_all(elog_fd, buf, n);
}

void elog_write_rules(const char *const *allow, int n_allow, const char *const *deny, int n_deny)
{
	static char buf[16384]; /* up to a few hundred rules on one line */
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	size_t n = elog_format_rules(buf, sizeof buf, elog_fmt, &now, allow, n_allow, deny, n_deny);
	(void)log_write_all(elog_fd, buf, n);
}
