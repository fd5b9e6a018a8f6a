/*
 * What a Fulcio certificate says about its signer: the subject
 * alternative name (the identity: URI, email or otherName UTF-8) and the
 * OIDC issuer extension (1.3.6.1.4.1.57264.1.8, a DER UTF8String, or the
 * deprecated 1.3.6.1.4.1.57264.1.1, raw bytes), and how identity policies
 * match them.
 */
#ifndef MLATTEST_LIB_FULCIO_H
#define MLATTEST_LIB_FULCIO_H

#include <openssl/x509.h>

#include "lib/err.h"

#define FULCIO_MAX_NAME 512
#define FULCIO_MAX_SANS 8

struct fulcio_names {
	char san[FULCIO_MAX_SANS][FULCIO_MAX_NAME];
	size_t nsans;
	char issuer[FULCIO_MAX_NAME]; /* "" when the certificate has none */
};

/*
 * Reads the SANs and issuer of x into *out. Values that are empty, hold a
 * NUL byte or are longer than FULCIO_MAX_NAME - 1 are EXIT_REJECTED (never
 * truncated: a truncated name could match what the full one does not).
 */
int fulcio_names(struct fulcio_names *out, X509 *x, struct err *e);

/*
 * 1 when s equals want (want not NULL), or fully matches the POSIX ERE re
 * (anchored at both ends, SPEC-KL-10); 0 when not; -1 when re does not
 * compile. Exactly one of want and re is used: want when not NULL.
 */
int fulcio_match(const char *s, const char *want, const char *re);

#endif
