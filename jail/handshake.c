#include "handshake.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

int hs_send(int fd, enum hs_stage stage, const struct ji_err *e)
{
	struct hs_msg m;
	memset(&m, 0, sizeof m);
	m.stage = stage;
	if (e) {
		m.errnum = e->errnum;
		m.exit_code = e->exit_code;
		snprintf(m.step, sizeof m.step, "%s", e->step[0] ? e->step : "jail");
		snprintf(m.detail, sizeof m.detail, "%s", e->detail);
	}
	ssize_t n;
	do
		n = send(fd, &m, sizeof m, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	return 0;
}

int hs_recv(int fd, struct hs_msg *m)
{
	ssize_t n;
	do
		n = recv(fd, m, sizeof *m, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	if (n == 0)
		return 1;
	if ((size_t)n != sizeof *m) {
		errno = EPROTO;
		return -1;
	}
	m->step[sizeof m->step - 1] = '\0';
	m->detail[sizeof m->detail - 1] = '\0';
	return 0;
}

int hs_to_err(const struct hs_msg *m, struct ji_err *err)
{
	char step[sizeof m->step];
	memcpy(step, m->step, sizeof step);
	step[sizeof step - 1] = '\0';
	ji_fail(err, step, m->errnum, "%s", m->detail);
	err->exit_code = m->exit_code;
	return -1;
}
