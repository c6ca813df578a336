/* tls_sni: the server name of a TLS ClientHello, as transparent mode peeks
 * at the first bytes of a connection (issue 9). The bytes are the agent's:
 * every length is checked against the ones around it and against the
 * bytes there are; nothing is trusted, nothing is copied but the name. A
 * ClientHello must be whole in its first record (16 KiB: what clients
 * send, post-quantum key shares included). Pure. */
#ifndef JAILINIT_TLS_SNI_H
#define JAILINIT_TLS_SNI_H

#include <stddef.h>

#define TLS_SNI_MAX 253

enum tls_sni_rc {
	TLS_SNI_MORE = 0,  /* a TLS record so far: more bytes are needed */
	TLS_SNI_OK = 1,    /* name holds the host name (lower case, no trailing dot) */
	TLS_SNI_NONE = -1, /* a ClientHello without a host name, or one not whole in its record */
	TLS_SNI_NOT = -2,  /* not a TLS handshake record at all */
	TLS_SNI_BAD = -3,  /* a ClientHello whose lengths do not add up, or a bad name */
};

enum tls_sni_rc tls_sni_parse(const unsigned char *buf, size_t len, char name[TLS_SNI_MAX + 1]);

/* The fatal alert access_denied (49) as a TLS 1.x record: what a refused
 * TLS client is sent before the close, so that it says "access denied". */
extern const unsigned char tls_alert_access_denied[7];

#endif
