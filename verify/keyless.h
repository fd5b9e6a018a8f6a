/*
 * Keyless Sigstore verification (spec/keyless.md): one Sigstore bundle
 * (v0.1 to v0.3) checked offline against a TrustedRoot: the Fulcio
 * certificate chain at a verified signing time, its SCTs, the Rekor v1 or
 * v2 entries (body, signed entry timestamp, inclusion proof to a signed
 * checkpoint), RFC 3161 timestamps, the signature and the signer's
 * identity and OIDC issuer. Managed-key bundles (publicKey) are checked
 * the same way with the caller's keys instead of a certificate.
 */
#ifndef MLATTEST_VERIFY_KEYLESS_H
#define MLATTEST_VERIFY_KEYLESS_H

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stddef.h>
#include <time.h>

#include "lib/err.h"
#include "lib/fulcio.h"
#include "lib/trustroot.h"

#define KEYLESS_MAX_BUNDLE_BYTES ((size_t)32 * 1024 * 1024)
#define KEYLESS_MAX_TLOG 8
#define KEYLESS_MAX_TIMES 16

/* Who may have signed: exact values or full-match POSIX EREs. */
struct keyless_identity {
	const char *identity, *identity_re;
	const char *issuer, *issuer_re;
};

struct keyless_opts {
	const struct trustroot *root;	    /* required for Fulcio/Rekor */
	const struct keyless_identity *who; /* NULL: certificates refused */
	EVP_PKEY *const *keys;		    /* managed keys, borrowed */
	size_t nkeys;
	/* SHA-256 of the artifact, for messageSignature bundles; NULL when
	 * no artifact was given. */
	const unsigned char *digest;
	/* model_signing's certificate method: the leaf chains to these at
	 * the current time; no log, SCT or identity is required. */
	STACK_OF(X509) * anchors;
	/* Accept any identity and issuer: the caller matches r->names
	 * itself (keyless_identity_matches), e.g. against a policy's
	 * several identities. */
	int any_identity;
};

#define KEYLESS_OPTS_INIT                                                      \
	{                                                                      \
		NULL, NULL, NULL, 0, NULL, NULL, 0                             \
	}

struct keyless_result {
	int message; /* a messageSignature bundle (else DSSE) */
	char payload_type[256];
	unsigned char *payload; /* DSSE payload, verified; free() */
	size_t payloadlen;
	char identity[FULCIO_MAX_NAME], issuer[FULCIO_MAX_NAME];
	int keyed;		   /* signed by one of opts.keys */
	struct fulcio_names names; /* every SAN and the issuer */
	time_t times[KEYLESS_MAX_TIMES];
	size_t ntimes;
	size_t nentries; /* verified tlog entries */
};

/*
 * Verifies the bundle in buf (len bytes, named src in messages) under o.
 * Everything the bundle fails is EXIT_REJECTED with a reason naming the
 * check; out of memory is EXIT_UNDECIDED. On success *r holds what was
 * verified (free with keyless_result_clear, also after a failure).
 */
int keyless_verify(struct keyless_result *r, const struct keyless_opts *o,
		   const void *buf, size_t len, const char *src, struct err *e);

void keyless_result_clear(struct keyless_result *r);

/*
 * 1 when a SAN of the verified certificate in r matches w's identity and
 * its issuer w's issuer (SPEC-KL-10), 0 when not or r has no certificate,
 * -1 when a regexp of w does not compile.
 */
int keyless_identity_matches(const struct keyless_identity *w,
			     const struct keyless_result *r);

/*
 * Usage checks of an identity from options: at most one of the exact and
 * regexp forms each, an issuer whenever an identity is named, regexps
 * that compile. EXIT_USAGE otherwise.
 */
int keyless_opts_check(const struct keyless_identity *w, struct err *e);

/*
 * The public keys of the n PEM files at paths, for managed-key bundles
 * (*out new; free each with EVP_PKEY_free, then the array with free()).
 * Files without an SPKI public key are skipped (keys/ reports them).
 */
int keyless_keys(EVP_PKEY ***out, size_t *nout, const char *const *paths,
		 size_t n, struct err *e);

/*
 * The path of the trusted root installed with the program:
 * <directory of the executable>/../share/mlattest/trusted_root.json
 * (SPEC-KL-2). EXIT_UNDECIDED when it cannot be named.
 */
int keyless_default_root(char *out, size_t outlen, struct err *e);

/*
 * Named identities of a policy, each with its trusted root (a root file
 * named by several identities is loaded once). Slots are the caller's
 * key indices, at most KEYLESS_MAX_IDS of them.
 */
#define KEYLESS_MAX_IDS 64
struct keyless_idset;

int keyless_idset_new(struct keyless_idset **out, struct err *e);
void keyless_idset_free(struct keyless_idset *s);

/*
 * Adds identity w (copied) as slot, trusted under the TrustedRoot at
 * root_path (NULL: the installed default). A root that cannot be loaded
 * is EXIT_UNDECIDED; a regexp that does not compile EXIT_USAGE.
 */
int keyless_idset_add(struct keyless_idset *s, size_t slot,
		      const struct keyless_identity *w, const char *root_path,
		      struct err *e);

size_t keyless_idset_count(const struct keyless_idset *s);

/*
 * Verifies one Sigstore bundle (buf, len) under every trusted root of s,
 * once each, and sets signed_by[slot] = 1 for every identity whose root
 * verified it and whose SAN and issuer match (SPEC-KL-10). On success
 * *r holds the verified content (keyless_result_clear it); when no
 * identity signed it the last reason is in e and EXIT_REJECTED returned.
 */
int keyless_idset_verify(unsigned char *signed_by, struct keyless_result *r,
			 const struct keyless_idset *s, const void *buf,
			 size_t len, const char *src, struct err *e);

#endif
