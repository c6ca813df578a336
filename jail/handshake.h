/* handshake: the named, ordered stages between the outer and the inner over
 * a SOCK_SEQPACKET socketpair (one message = one stage; EOF = the peer died,
 * or the inner exec'd the agent, its end being close-on-exec):
 *   outer -> inner  HS_MAPS_WRITTEN  id maps written, link placed in the jail
 *                                    (the outer goes on with the table and
 *                                    the proxy meanwhile)
 *   inner -> outer  HS_CONFIGURED    jail side configured (or HS_FAILED + error)
 *   outer -> inner  HS_GO            run the agent
 *   inner -> outer  EOF on exec      (or HS_FAILED + error: exec or drop failed) */
#ifndef JAILINIT_HANDSHAKE_H
#define JAILINIT_HANDSHAKE_H

#include <stdint.h>

#include "../base/err.h"

enum hs_stage { HS_MAPS_WRITTEN = 1, HS_CONFIGURED, HS_GO, HS_FAILED, HS_RUNNING };

struct hs_msg {
	uint32_t stage;
	int32_t errnum;
	int32_t exit_code;
	char step[JI_STEP_MAX];
	char detail[192];
};

/* Send a stage; e (may be NULL) travels with HS_FAILED. 0 or -1 with errno. */
int hs_send(int fd, enum hs_stage stage, const struct ji_err *e);
/* Receive one stage: 0, 1 on EOF, -1 with errno. */
int hs_recv(int fd, struct hs_msg *m);
/* Turn a received HS_FAILED into an error value; the step name is kept in m. */
int hs_to_err(const struct hs_msg *m, struct ji_err *err);

#endif
