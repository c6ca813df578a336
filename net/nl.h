/* nl: a small raw netlink layer in the spirit of libmnl. A message builder
 * whose every put is bounds-checked (a full buffer makes the message invalid,
 * never overruns it), nests, batches of several messages in one buffer, and
 * a transport that sends a buffer and reads the kernel's acks, keeping the
 * kernel's errno (and the extended ack text when the kernel gives one). It
 * knows nothing about links, routes or nf_tables. */
#ifndef JAILINIT_NL_H
#define JAILINIT_NL_H

#include <stddef.h>
#include <stdint.h>
#include <linux/netlink.h>

#include "../base/err.h"

struct nl_buf {
	unsigned char *data;
	size_t cap;
	size_t len;      /* bytes used by finished messages + the open one */
	size_t msg_off;  /* offset of the open message's nlmsghdr */
	int overflow;    /* set by any put that did not fit: the buffer is unusable */
	uint32_t seq;    /* next sequence number to hand out */
};

void nl_buf_init(struct nl_buf *b, void *storage, size_t cap);

/* Start a message; returns its header or NULL on overflow. */
struct nlmsghdr *nl_msg_start(struct nl_buf *b, uint16_t type, uint16_t flags);
/* Append a fixed family header (ifinfomsg, nfgenmsg, ...) to the open message. */
void *nl_put_extra(struct nl_buf *b, size_t len);
void nl_put(struct nl_buf *b, uint16_t type, const void *data, size_t len);
void nl_put_u8(struct nl_buf *b, uint16_t type, uint8_t v);
void nl_put_u16(struct nl_buf *b, uint16_t type, uint16_t v);
void nl_put_u32(struct nl_buf *b, uint16_t type, uint32_t v);
void nl_put_be16(struct nl_buf *b, uint16_t type, uint16_t host_order);
void nl_put_be32(struct nl_buf *b, uint16_t type, uint32_t host_order);
void nl_put_str(struct nl_buf *b, uint16_t type, const char *s);
/* Nests: start returns a handle (an offset) to pass to nest_end. */
size_t nl_nest_start(struct nl_buf *b, uint16_t type);
void nl_nest_end(struct nl_buf *b, size_t nest);
/* Close the open message (fixes nlmsg_len). */
void nl_msg_end(struct nl_buf *b);

/* Attribute parsing: fill tb[0..maxtype] with the attributes found in
 * [data, data+len), after checking each one's length; unknown types are
 * skipped. Returns 0 or -1 (EINVAL) on a malformed attribute. */
int nl_attr_parse(const void *data, size_t len, const struct nlattr **tb, uint16_t maxtype);
/* The same over the attributes of message h that follow its family header
 * of `extra` bytes (ifinfomsg, ifaddrmsg, ...). -1 with EPROTO when the
 * message is too short to hold that header. */
int nl_msg_parse(const struct nlmsghdr *h, size_t extra, const struct nlattr **tb, uint16_t maxtype);
const void *nl_attr_data(const struct nlattr *a);
size_t nl_attr_len(const struct nlattr *a);

struct nl_sock {
	int fd;
	uint32_t portid; /* the kernel-assigned port id */
};

/* Open a NETLINK_ROUTE / NETLINK_NETFILTER socket (close-on-exec). */
int nl_open(struct nl_sock *s, int protocol, struct ji_err *err);
void nl_close(struct nl_sock *s);

/* Send every message in the buffer (each must carry NLM_F_ACK or be a batch
 * marker) and read until every acked message has its NLMSG_ERROR. Returns 0
 * or -1 with err->errnum set to the first error the kernel reported and
 * err->step = step. */
int nl_transact(struct nl_sock *s, struct nl_buf *b, const char *step, struct ji_err *err);

/* Send one request (a dump or a get) and call cb for each reply message until
 * NLMSG_DONE / the final ack. cb returns 0 to go on, -1 to stop with error
 * (with errno set; EPROTO when it is 0); the rest of the reply is still read
 * so the socket stays in step. A get is sent with NLM_F_ACK. */
typedef int (*nl_msg_cb)(const struct nlmsghdr *h, void *ctx);
int nl_request(struct nl_sock *s, struct nl_buf *b, nl_msg_cb cb, void *ctx, const char *step,
	       struct ji_err *err);

#endif
