/*
 * RFC 3161 timestamps over a DSSE signature (spec/timestamps.md). The
 * message imprint is always SHA-256 of the raw signature bytes
 * (SPEC-TSA-1). Requests go through lib/http; tokens are kept as the whole
 * TimeStampResp DER, as Sigstore bundles carry them (SPEC-TSA-2).
 */
#ifndef MLATTEST_LIB_TSA_H
#define MLATTEST_LIB_TSA_H

#include <openssl/x509.h>
#include <stddef.h>

#include "lib/err.h"

#define TSA_MAX_RESP_BYTES ((size_t)64 * 1024)	  /* one TimeStampResp DER */
#define TSA_MAX_TRUST_BYTES ((size_t)1024 * 1024) /* PEM trust file */
#define TSA_MAX_TIMESTAMPS 8			  /* per bundle */
#define TSA_MAX_URL 2048
#define TSA_NONCE_LEN 8
#define TSA_TIME_MAX 32 /* "YYYY-MM-DDTHH:MM:SSZ" and NUL */

struct tsa_trust;

/*
 * Asks the TSA at url (https, or http to a loopback host only) for a
 * timestamp over sig. On success *der (freed with free()) holds the
 * TimeStampResp, checked with tsa_reply_check. A bad URL is EXIT_USAGE;
 * no answer, an HTTP error or a bad reply is EXIT_UNDECIDED.
 */
/*
 * Checks a TSA URL before any work is done: https, or plain http to a
 * loopback host only (*plain set). -EXIT_USAGE otherwise.
 */
int tsa_url_check(int *plain, const char *url, struct err *e);

int tsa_timestamp(unsigned char **der, size_t *len, const char *url,
		  const unsigned char *sig, size_t siglen, struct err *e);

/*
 * Checks a TimeStampResp DER (at most TSA_MAX_RESP_BYTES, no trailing
 * bytes): status granted, a token whose imprint is SHA-256 of sig and,
 * when nonce is not NULL, whose nonce is nonce (big-endian bytes). Does
 * not check the TSA's signature. Malformed input is EXIT_REJECTED.
 */
int tsa_reply_check(const unsigned char *der, size_t len,
		    const unsigned char *sig, size_t siglen,
		    const unsigned char *nonce, size_t noncelen, struct err *e);

/*
 * Loads the trusted TSA certificates (PEM, the root included) from path.
 * Unreadable or empty files are EXIT_UNDECIDED; files larger than
 * TSA_MAX_TRUST_BYTES are EXIT_REJECTED.
 */
int tsa_trust_load(struct tsa_trust **out, const char *path, struct err *e);
/*
 * Trusts the certificates of chain (the TSA's signing certificate, its
 * intermediates and root, as a Sigstore trusted root lists them); chain
 * stays the caller's.
 */
int tsa_trust_chain(struct tsa_trust **out, STACK_OF(X509) * chain,
		    struct err *e);
void tsa_trust_free(struct tsa_trust *t);

/*
 * Verifies a TimeStampResp over sig against t: tsa_reply_check, then the
 * CMS signature by a signer certificate with the timeStamping EKU that
 * chains to t (SPEC-TSA-4). Writes the genTime in UTC to gentime.
 * Anything else is EXIT_REJECTED.
 */
int tsa_verify(char gentime[TSA_TIME_MAX], const struct tsa_trust *t,
	       const unsigned char *der, size_t len, const unsigned char *sig,
	       size_t siglen, struct err *e);

#endif
