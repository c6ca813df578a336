/* relay: see relay.h. One direction is a small loop: drain the pipe into
 * the destination first, then refill it from the source; stop at EAGAIN on
 * either side. The pipe is refilled only once empty, so in_pipe is exact
 * and the pipe never needs more than one chunk's room. */
#include "relay.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

void relay_dir_init(struct relay_dir *d, uint64_t limit, int shut_at_end)
{
	d->pipe_r = -1;
	d->pipe_w = -1;
	d->in_pipe = 0;
	d->bytes = 0;
	d->limit = limit;
	d->src_eof = limit == 0;
	d->shut_at_end = (unsigned char)(shut_at_end != 0);
	d->done = 0;
}

int relay_dir_open(struct relay_dir *d)
{
	int p[2];

	if (pipe2(p, O_NONBLOCK | O_CLOEXEC) < 0)
		return -1;
	d->pipe_r = p[0];
	d->pipe_w = p[1];
	return 0;
}

void relay_dir_close(struct relay_dir *d)
{
	if (d->pipe_r >= 0)
		close(d->pipe_r);
	if (d->pipe_w >= 0)
		close(d->pipe_w);
	d->pipe_r = -1;
	d->pipe_w = -1;
	d->in_pipe = 0;
}

enum relay_rc relay_pump(struct relay_dir *d, int src, int dst, int *moved)
{
	const unsigned flags = SPLICE_F_MOVE | SPLICE_F_NONBLOCK;

	if (d->done)
		return RELAY_DONE;
	for (;;) {
		if (d->in_pipe > 0) {
			ssize_t n = splice(d->pipe_r, NULL, dst, NULL, d->in_pipe, flags);

			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				return errno == EAGAIN ? RELAY_AGAIN : RELAY_ERROR;
			d->in_pipe -= (size_t)n;
			d->bytes += (uint64_t)n;
			*moved = 1;
			continue;
		}
		if (d->src_eof) {
			/* ENOTCONN: the peer is gone already; nothing to tell it */
			if (d->shut_at_end && shutdown(dst, SHUT_WR) < 0 && errno != ENOTCONN)
				return RELAY_ERROR;
			d->done = 1;
			return RELAY_DONE;
		}
		size_t want = d->limit < RELAY_CHUNK ? (size_t)d->limit : RELAY_CHUNK;
		ssize_t n = splice(src, NULL, d->pipe_w, NULL, want, flags);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN ? RELAY_AGAIN : RELAY_ERROR;
		if (n == 0) {
			d->src_eof = 1;
			continue;
		}
		d->in_pipe = (size_t)n;
		if (d->limit != RELAY_NO_LIMIT) {
			d->limit -= (uint64_t)n;
			if (d->limit == 0)
				d->src_eof = 1;
		}
		*moved = 1;
	}
}
