/* log: jailinit's own messages on stderr (see log.h). Each message is built
 * on the stack and written with one write(2): lines from the init, a forked
 * child and the jail's inner never interleave mid-line, and nothing is
 * buffered that a fork could duplicate. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "fileio.h"
#include "json.h"

static enum log_format log_fmt = LOG_TEXT;
static int log_verbosity = 0;

static const char *const level_names[] = { "error", "warn", "info", "debug", "trace" };

void log_setup(enum log_format format, int verbosity)
{
	log_fmt = format;
	log_verbosity = verbosity;
}

int log_enabled(enum log_level level)
{
	return (int)level <= (int)LOG_WARN + log_verbosity;
}

struct buf {
	char data[1024];
	size_t len;
};

static void put_raw(struct buf *b, const char *s, size_t n)
{
	/* Keep one byte for the newline that ends every message. */
	size_t room = sizeof(b->data) - 1 - b->len;

	if (n > room)
		n = room;
	memcpy(b->data + b->len, s, n);
	b->len += n;
}

static void put_str(struct buf *b, const char *s)
{
	put_raw(b, s, strlen(s));
}

static void put_json_str(struct buf *b, const char *s)
{
	char esc[7];

	put_raw(b, "\"", 1);
	for (; *s != '\0'; s++)
		put_raw(b, esc, json_escape_byte((unsigned char)*s, 0, esc));
	put_raw(b, "\"", 1);
}

int log_write_all(int fd, const char *s, size_t len)
{
	return write_all(fd, s, len);
}

static void emit(struct buf *b)
{
	b->data[b->len++] = '\n';
	/* stderr may be closed or a full pipe: there is nowhere to report
	 * that, so a failed write only ends the attempt. */
	(void)log_write_all(STDERR_FILENO, b->data, b->len);
}

static void start(struct buf *b, enum log_level level)
{
	b->len = 0;
	if (log_fmt == LOG_JSON) {
		put_str(b, "{\"level\":\"");
		put_str(b, level_names[level]);
		put_str(b, "\",\"msg\":");
	} else {
		put_str(b, "jailinit: ");
	}
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	char msg[768];
	struct buf b;
	va_list ap;

	if (!log_enabled(level))
		return;
	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	start(&b, level);
	if (log_fmt == LOG_JSON) {
		put_json_str(&b, msg);
		put_str(&b, "}");
	} else {
		put_str(&b, msg);
	}
	emit(&b);
}

void log_text_block(enum log_level level, const char *text)
{
	if (!log_enabled(level) || text == NULL)
		return;
	if (log_fmt != LOG_JSON) {
		(void)log_write_all(STDERR_FILENO, text, strlen(text));
		return;
	}
	for (const char *line = text; *line;) {
		const char *nl = strchr(line, '\n');
		size_t n = nl ? (size_t)(nl - line) : strlen(line);
		if (n > 0) {
			char msg[768];
			struct buf b;
			if (n >= sizeof msg)
				n = sizeof msg - 1;
			memcpy(msg, line, n);
			msg[n] = '\0';
			start(&b, level);
			put_json_str(&b, msg);
			put_str(&b, "}");
			emit(&b);
		}
		if (!nl)
			break;
		line = nl + 1;
	}
}

/* The human line: "STEP: DETAIL: strerror (ENAME)", each part when present. */
static void format_err(char *out, size_t size, const struct ji_err *e)
{
	const char *step = e->step;
	const char *sep = step[0] != '\0' && e->detail[0] != '\0' ? ": " : "";

	if (e->errnum != 0)
		(void)snprintf(out, size, "%s%s%s%s%s (%s)", step, sep, e->detail,
			       step[0] != '\0' || e->detail[0] != '\0' ? ": " : "",
			       strerror(e->errnum), ji_errno_name(e->errnum));
	else
		(void)snprintf(out, size, "%s%s%s", step, sep, e->detail);
}

void log_err(const struct ji_err *e)
{
	char msg[512];
	char num[16];
	struct buf b;

	if (e == NULL || !log_enabled(LOG_ERROR))
		return;
	format_err(msg, sizeof(msg), e);
	start(&b, LOG_ERROR);
	if (log_fmt == LOG_JSON) {
		put_json_str(&b, msg);
		if (e->step[0] != '\0') {
			put_str(&b, ",\"step\":");
			put_json_str(&b, e->step);
		}
		if (e->errnum != 0) {
			(void)snprintf(num, sizeof(num), "%d", e->errnum);
			put_str(&b, ",\"errno\":");
			put_str(&b, num);
			put_str(&b, ",\"errno_name\":");
			put_json_str(&b, ji_errno_name(e->errnum));
		}
		put_str(&b, "}");
	} else {
		put_str(&b, msg);
	}
	emit(&b);
}
