/*
 * Sigstore TrustedRoot (protobuf-specs sigstore_trustroot.proto, canonical
 * JSON, media types ...trustedroot+json;version=0.1 and
 * ...trustedroot.v0.2+json): the Fulcio CAs, transparency logs (Rekor),
 * CT logs and timestamp authorities a keyless verification trusts, each
 * with its validity window.
 */
#ifndef MLATTEST_LIB_TRUSTROOT_H
#define MLATTEST_LIB_TRUSTROOT_H

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stddef.h>
#include <time.h>

#include "lib/err.h"

#define TRUSTROOT_MAX_BYTES ((size_t)4 * 1024 * 1024)
#define TRUSTROOT_MAX_ITEMS 64 /* per list */
#define TRUSTROOT_MAX_CHAIN 8  /* certificates per chain */
#define TRUSTROOT_MAX_URL 512
#define TRUSTROOT_ID_LEN 32

/* A validity window; end is unbounded when has_end is 0. */
struct trustroot_window {
	time_t start, end;
	int has_start, has_end;
};

/* A transparency or CT log. key NULL: its key cannot be used (named why
 * in unusable), e.g. a validity window without its start (SPEC-KL-3). */
struct trustroot_log {
	char url[TRUSTROOT_MAX_URL];
	char name[TRUSTROOT_MAX_URL]; /* the URL's host: the note key name */
	unsigned char id[TRUSTROOT_ID_LEN];
	EVP_PKEY *key;
	const EVP_MD *md; /* NULL: pure signature (Ed25519) */
	struct trustroot_window valid;
	const char *unusable;
};

/* A certificate authority or TSA: chain[0] the issuing certificate,
 * the last one the root. */
struct trustroot_ca {
	char url[TRUSTROOT_MAX_URL];
	STACK_OF(X509) * chain;
	struct trustroot_window valid;
};

struct trustroot;

/*
 * Parses a TrustedRoot from len bytes. Malformed JSON, an unknown media
 * type, a bad key or certificate, or lists past the ceilings are
 * EXIT_REJECTED naming src and the field.
 */
int trustroot_parse(struct trustroot **out, const void *buf, size_t len,
		    const char *src, struct err *e);

/* trustroot_parse of a file (at most TRUSTROOT_MAX_BYTES); an unreadable
 * file is EXIT_UNDECIDED. */
int trustroot_load(struct trustroot **out, const char *path, struct err *e);

void trustroot_free(struct trustroot *t);

/* The lists, borrowed; n is set to their lengths. */
const struct trustroot_log *trustroot_tlogs(const struct trustroot *t,
					    size_t *n);
const struct trustroot_log *trustroot_ctlogs(const struct trustroot *t,
					     size_t *n);
const struct trustroot_ca *trustroot_cas(const struct trustroot *t, size_t *n);
const struct trustroot_ca *trustroot_tsas(const struct trustroot *t, size_t *n);

/* The log of list whose id is id (idlen bytes), or NULL. */
const struct trustroot_log *trustroot_find_log(const struct trustroot_log *list,
					       size_t n,
					       const unsigned char *id,
					       size_t idlen);

/* 1 when t is inside w, both ends included (SPEC-KL-3). */
int trustroot_window_has(const struct trustroot_window *w, time_t t);

#endif
