/* Unit tests of jailinit's own messages (init/log.c): the exact lines a
 * user or a log collector reads on stderr. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/err.h"
#include "base/log.h"
#include "base/utf8.h"

static int saved_stderr = -1;
static int pipe_rd = -1, pipe_wr = -1;

/* Only the log call writes into the pipe: cmocka's own failure messages
 * must still reach the real stderr. */
#define CAPTURE(stmt)                                                   \
	do {                                                            \
		assert_int_equal(dup2(pipe_wr, STDERR_FILENO), STDERR_FILENO); \
		stmt;                                                   \
		assert_int_equal(dup2(saved_stderr, STDERR_FILENO), STDERR_FILENO); \
	} while (0)

static int capture_start(void **state)
{
	int fds[2];

	if (pipe2(fds, O_NONBLOCK) != 0)
		return -1;
	saved_stderr = dup(STDERR_FILENO);
	pipe_rd = fds[0];
	pipe_wr = fds[1];
	return saved_stderr >= 0 ? 0 : -1;
}

static int capture_stop(void **state)
{
	close(saved_stderr);
	close(pipe_rd);
	close(pipe_wr);
	log_setup(LOG_TEXT, 0);
	return 0;
}

static const char *captured(void)
{
	static char buf[4096];
	ssize_t n = read(pipe_rd, buf, sizeof(buf) - 1);

	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

static void test_text_line(void **state)
{
	log_setup(LOG_TEXT, 0);
	CAPTURE(log_msg(LOG_WARN, "grace %d ms", 5000));
	assert_string_equal(captured(), "jailinit: grace 5000 ms\n");
}

static void test_verbosity_filters(void **state)
{
	log_setup(LOG_TEXT, 0);
	CAPTURE(log_msg(LOG_INFO, "hidden"));
	CAPTURE(log_msg(LOG_ERROR, "shown"));
	assert_string_equal(captured(), "jailinit: shown\n");
	assert_false(log_enabled(LOG_INFO));

	log_setup(LOG_TEXT, 2); /* -vv: debug */
	assert_true(log_enabled(LOG_DEBUG));
	assert_false(log_enabled(LOG_TRACE));
	CAPTURE(log_msg(LOG_DEBUG, "d"));
	CAPTURE(log_msg(LOG_TRACE, "t"));
	assert_string_equal(captured(), "jailinit: d\n");

	log_setup(LOG_TEXT, -1); /* TINI_VERBOSITY=0: errors only */
	CAPTURE(log_msg(LOG_WARN, "w"));
	CAPTURE(log_msg(LOG_ERROR, "e"));
	assert_string_equal(captured(), "jailinit: e\n");
}

static void test_json_escapes(void **state)
{
	log_setup(LOG_JSON, 0);
	CAPTURE(log_msg(LOG_WARN, "a \"quoted\" \\ path\nnext\ttab \x01"));
	assert_string_equal(captured(),
			    "{\"level\":\"warn\",\"msg\":\"a \\\"quoted\\\" \\\\ path\\nnext\\ttab \\u0001\"}\n");
}

static void test_err_text(void **state)
{
	struct ji_err e;

	log_setup(LOG_TEXT, 0);
	ji_fail(&e, "exec", ENOENT, "cannot execute '%s'", "agent");
	CAPTURE(log_err(&e));
	assert_string_equal(captured(), "jailinit: exec: cannot execute 'agent': No such file or directory (ENOENT)\n");

	ji_fail(&e, NULL, 0, "unknown option '%s'", "--bogus");
	CAPTURE(log_err(&e));
	assert_string_equal(captured(), "jailinit: unknown option '--bogus'\n");

	ji_fail(&e, "create veth", EPERM, NULL);
	CAPTURE(log_err(&e));
	assert_string_equal(captured(), "jailinit: create veth: Operation not permitted (EPERM)\n");
}

static void test_err_json(void **state)
{
	struct ji_err e;

	log_setup(LOG_JSON, 0);
	ji_fail(&e, "exec", ENOENT, "cannot execute '%s'", "agent");
	CAPTURE(log_err(&e));
	assert_string_equal(captured(),
			    "{\"level\":\"error\",\"msg\":\"exec: cannot execute 'agent': No such file or directory "
			    "(ENOENT)\",\"step\":\"exec\",\"errno\":2,\"errno_name\":\"ENOENT\"}\n");
	ji_fail(&e, "--grace", 0, "'x' is not a number of seconds");
	CAPTURE(log_err(&e));
	assert_string_equal(captured(),
			    "{\"level\":\"error\",\"msg\":\"--grace: 'x' is not a number of seconds\",\"step\":\"--grace\"}\n");
}

static void test_long_message_is_one_terminated_line(void **state)
{
	char big[3000];
	const char *out;

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	log_setup(LOG_TEXT, 0);
	CAPTURE(log_msg(LOG_WARN, "%s", big));
	out = captured();
	assert_true(strlen(out) > 100);
	assert_int_equal(out[strlen(out) - 1], '\n');
	assert_ptr_equal(strchr(out, '\n'), out + strlen(out) - 1);
}

/* Issue 7, 4: an error owns its step's text. The name it was given may be
 * a buffer that is reused (a message from the jail's side): the error keeps
 * what it was told, a second error does not rewrite the first, and a name
 * too long is cut, never overrun. */
static void test_err_owns_its_step(void **state)
{
	(void)state;
	char buf[JI_STEP_MAX * 2];
	struct ji_err first, second;
	snprintf(buf, sizeof buf, "bring link up");
	ji_fail(&first, buf, EPERM, "lo");
	snprintf(buf, sizeof buf, "create veth");
	ji_fail(&second, buf, EEXIST, NULL);
	memset(buf, 'x', sizeof buf - 1);
	buf[sizeof buf - 1] = '\0';
	assert_string_equal(first.step, "bring link up");
	assert_string_equal(second.step, "create veth");
	ji_fail(&first, buf, EIO, NULL);
	assert_int_equal(strlen(first.step), JI_STEP_MAX - 1);
	ji_fail(&first, first.step, EIO, "its own step again"); /* no overlapping copy */
	assert_int_equal(strlen(first.step), JI_STEP_MAX - 1);
	ji_fail(&first, NULL, 0, NULL);
	assert_string_equal(first.step, "");
}

/* Issue 16, 7: a value with a newline must not forge a second line, and
 * nothing a value holds reaches a terminal as a control sequence. */
static void test_text_value_cannot_forge_a_line(void **state)
{
	log_setup(LOG_TEXT, 0);
	CAPTURE(log_msg(LOG_ERROR, "--user: '%s' is not a user", "x\njailinit: jail ready"));
	assert_string_equal(captured(), "jailinit: --user: 'x\\njailinit: jail ready' is not a user\n");
	CAPTURE(log_msg(LOG_ERROR, "v='%s'", "\x1b[2J\r\x7f\ttab"));
	assert_string_equal(captured(), "jailinit: v='\\x1b[2J\\x0d\\x7f\ttab'\n");
	/* UTF-8 passes; bytes that are not UTF-8 and C1 controls do not. */
	CAPTURE(log_msg(LOG_ERROR, "v='%s'", "caf\xc3\xa9 \xff \xc3 \xc2\x9b"));
	assert_string_equal(captured(), "jailinit: v='caf\xc3\xa9 \\xff \\xc3 \\xc2\\x9b'\n");
	struct ji_err e;
	ji_fail(&e, "--hostname", EINVAL, "'%s'", "a\nb");
	CAPTURE(log_err(&e));
	assert_string_equal(captured(), "jailinit: --hostname: 'a\\nb': Invalid argument (EINVAL)\n");
}

static void test_json_is_valid_whatever_the_bytes(void **state)
{
	log_setup(LOG_JSON, 0);
	CAPTURE(log_msg(LOG_WARN, "%s", "caf\xc3\xa9 \xff\xfe \xed\xa0\x80 \xc2\x9b \xf0\x9f\x99\x82"));
	assert_string_equal(captured(), "{\"level\":\"warn\",\"msg\":\"caf\xc3\xa9 \\ufffd\\ufffd "
					"\\ufffd\\ufffd\\ufffd \\u009b \xf0\x9f\x99\x82\"}\n");
}

/* Escapes grow a message up to six times: it is cut at a whole escape and
 * the line still closes (and an error keeps its fields). */
static void test_long_escaped_json_still_closes(void **state)
{
	char big[700];
	struct ji_err e;
	const char *out;

	memset(big, 1, sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	log_setup(LOG_JSON, 0);
	CAPTURE(log_msg(LOG_WARN, "%s", big));
	out = captured();
	size_t len = strlen(out);
	assert_true(len > 900);
	assert_string_equal(out + len - 3, "\"}\n");
	const char *body = strstr(out, "\"msg\":\"") + 7;
	assert_int_equal((size_t)(out + len - 3 - body) % 6, 0); /* whole \u0001 only */

	ji_fail(&e, "--allow", EINVAL, "%.180s", big);
	CAPTURE(log_err(&e));
	out = captured();
	assert_non_null(strstr(out, "\",\"step\":\"--allow\",\"errno\":22,\"errno_name\":\"EINVAL\"}\n"));
}

static void test_utf8_sequences(void **state)
{
	const struct {
		const char *s;
		size_t len;
	} cases[] = {
		{ "a", 1 },           { "\xc3\xa9", 2 },         { "\xe2\x82\xac", 3 },   { "\xf0\x9f\x99\x82", 4 },
		{ "\x80", 0 },        { "\xc0\xaf", 0 },         { "\xc1\xbf", 0 },       { "\xe0\x80\xaf", 0 },
		{ "\xed\xa0\x80", 0 }, { "\xf0\x80\x80\xaf", 0 }, { "\xf4\x90\x80\x80", 0 }, { "\xf5\x80\x80\x80", 0 },
		{ "\xc3", 0 },        { "\xe2\x82", 0 },         { "\xe2\x28\xa1", 0 },   { "\xff", 0 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(utf8_sequence_len((const unsigned char *)cases[i].s, strlen(cases[i].s)), cases[i].len);
	assert_true(utf8_is_c1((const unsigned char *)"\xc2\x80", 2));
	assert_false(utf8_is_c1((const unsigned char *)"\xc2\xa0", 2));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_line),
		cmocka_unit_test(test_verbosity_filters),
		cmocka_unit_test(test_json_escapes),
		cmocka_unit_test(test_err_text),
		cmocka_unit_test(test_err_json),
		cmocka_unit_test(test_err_owns_its_step),
		cmocka_unit_test(test_long_message_is_one_terminated_line),
		cmocka_unit_test(test_text_value_cannot_forge_a_line),
		cmocka_unit_test(test_json_is_valid_whatever_the_bytes),
		cmocka_unit_test(test_long_escaped_json_still_closes),
		cmocka_unit_test(test_utf8_sequences),
	};

	return cmocka_run_group_tests_name("log", tests, capture_start, capture_stop);
}
