/* relay: moves the bytes of one direction of a connection from a socket to
 * another, zero copy: splice(2) from the source into a pipe of its own, then
 * from the pipe into the destination, both non-blocking. Nothing passes
 * through user space, and a direction never holds more than its pipe (64 KiB
 * by default). A half-close is passed on: once the source has said EOF and the
 * pipe is drained, the destination gets shutdown(SHUT_WR), and the other
 * direction goes on until it ends too. An optional byte limit stops reading
 * the source after that many bytes (the body of a forwarded HTTP request):
 * what the client sends after it reaches nobody.
 *
 * No epoll here: relay_pump moves what can be moved now and says what it
 * waits for; the caller (egress/proxy) polls both sockets edge-triggered and
 * calls it again on any event. */
#ifndef JAILINIT_RELAY_H
#define JAILINIT_RELAY_H

#include <stddef.h>
#include <stdint.h>

#define RELAY_NO_LIMIT UINT64_MAX
#define RELAY_CHUNK ((size_t)64 * 1024) /* the most one splice call asks for */

struct relay_dir {
	int pipe_r, pipe_w;   /* -1 while closed */
	size_t in_pipe;       /* bytes in the pipe, not yet at the destination */
	uint64_t bytes;       /* bytes delivered to the destination */
	uint64_t limit;       /* bytes still to read from the source */
	unsigned char src_eof;  /* the source said EOF (or the limit is reached) */
	unsigned char shut_at_end; /* shutdown(dst, SHUT_WR) once done */
	unsigned char done;     /* nothing more will move this way */
};

enum relay_rc {
	RELAY_AGAIN = 0, /* waits for the source to be readable or the destination writable */
	RELAY_DONE = 1,  /* this direction is finished (EOF or limit passed on) */
	RELAY_ERROR = -1 /* errno set: a reset, a broken pipe, ... */
};

/* A direction with no pipe yet; limit RELAY_NO_LIMIT for none. */
void relay_dir_init(struct relay_dir *d, uint64_t limit, int shut_at_end);
/* Make its pipe (non-blocking, close-on-exec). 0 or -1 with errno. */
int relay_dir_open(struct relay_dir *d);
void relay_dir_close(struct relay_dir *d);
/* Move bytes from src to dst until neither can go on now. *moved is set
 * when at least one byte moved (the connection is not idle). */
enum relay_rc relay_pump(struct relay_dir *d, int src, int dst, int *moved);

#endif
