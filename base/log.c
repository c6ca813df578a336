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
#include "utf8.h"

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

static size_t room_in(const struct buf *b)
{
	/* Keep one byte for the newline that ends every message. */
	return sizeof(b->data) - 1 - b->len;
}

static void put_raw(struct buf *b, const char *s, size_t n)
{
	if (n > room_in(b))
		n = room_in(b);
	memcpy(b->data + b->len, s, n);
	b->len += n;
}

static void put_str(struct buf *b, const char *s)
{
	put_raw(b, s, strlen(s));
}

/* A JSON string, cut (at a whole character) so that reserve bytes stay
 * free for what must follow it: the line is valid JSON however long. */
static void put_json_str(struct buf *b, const char *s, size_t reserve)
{
	char esc[7];
	size_t n = strlen(s), used;

	put_raw(b, "\"", 1);
	while (n > 0) {
		size_t len = json_escape_char(s, n, 0, esc, &used);
		if (len + 1 + reserve > room_in(b))
			break;
		put_raw(b, esc, len);
		s += used;
		n -= used;
	}
	put_raw(b, "\"", 1);
}

/* Text: every message is one line, whatever a value in it holds (a bad
 * option's value, a name from the agent): a newline is written as \n;
 * other C0 controls but tab, DEL, C1 controls and bytes that are not
 * UTF-8 as \xNN. Terminals see no control sequence from a value. */
static size_t text_escape_char(const char *s, size_t n, char out[9], size_t *used)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *u = (const unsigned char *)s;
	size_t len = utf8_sequence_len(u, n), k = 0;

	*used = len ? len : 1;
	if (u[0] == '\n') {
		memcpy(out, "\\n", 3);
		return 2;
	}
	if (len > 1 && !utf8_is_c1(u, len)) {
		memcpy(out, s, len);
		out[len] = '\0';
		return len;
	}
	if (len == 1 && (u[0] == '\t' || (u[0] >= 0x20 && u[0] != 0x7f))) {
		out[0] = s[0];
		out[1] = '\0';
		return 1;
	}
	for (size_t i = 0; i < *used; i++) {
		out[k++] = '\\';
		out[k++] = 'x';
		out[k++] = hex[u[i] >> 4];
		out[k++] = hex[u[i] & 15];
	}
	out[k] = '\0';
	return k;
}

static void put_text_str(struct buf *b, const char *s)
{
	char esc[9];
	size_t n = strlen(s), used;

	while (n > 0) {
		size_t len = text_escape_char(s, n, esc, &used);
		if (len > room_in(b))
			break;
		put_raw(b, esc, len);
		s += used;
		n -= used;
	}
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
		put_json_str(&b, msg, 1);
		put_str(&b, "}");
	} else {
		put_text_str(&b, msg);
	}
	emit(&b);
}

void log_text_block(enum log_level level, const char *text)
{
	if (!log_enabled(level) || text == NULL)
		return;
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
			b.len = 0;
			if (log_fmt == LOG_JSON) {
				start(&b, level);
				put_json_str(&b, msg, 1);
				put_str(&b, "}");
			} else {
				put_text_str(&b, msg); /* a block's lines are its own, no prefix */
			}
			emit(&b);
		} else if (log_fmt != LOG_JSON) {
			(void)log_write_all(STDERR_FILENO, "\n", 1); /* an empty line of the block */
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
	if (log_fmt == LOG_JSON) {
		/* The fields after msg first, so that a long msg is cut for them. */
		struct buf tail = { .len = 0 };
		if (e->step[0] != '\0') {
			put_str(&tail, ",\"step\":");
			put_json_str(&tail, e->step, 0);
		}
		if (e->errnum != 0) {
			(void)snprintf(num, sizeof(num), "%d", e->errnum);
			put_str(&tail, ",\"errno\":");
			put_str(&tail, num);
			put_str(&tail, ",\"errno_name\":");
			put_json_str(&tail, ji_errno_name(e->errnum), 0);
		}
		put_str(&tail, "}");
		start(&b, LOG_ERROR);
		put_json_str(&b, msg, tail.len);
		put_raw(&b, tail.data, tail.len);
	} else {
		start(&b, LOG_ERROR);
		put_text_str(&b, msg);
	}
	emit(&b);
}
