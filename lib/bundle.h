/*
 * Attestation bundles: `.intoto.jsonl` files (one attestation a line, each
 * a bare DSSE envelope or a Sigstore bundle; blank lines and a missing last
 * newline are fine) and single JSON files holding one envelope or one
 * Sigstore bundle (v0.3; v0.1 and v0.2 media types read too).
 */
#ifndef MLATTEST_LIB_BUNDLE_H
#define MLATTEST_LIB_BUNDLE_H

#include <jansson.h>
#include <stddef.h>

#include "lib/dsse.h"
#include "lib/err.h"

#define SIGSTORE_MEDIA_V03 "application/vnd.dev.sigstore.bundle.v0.3+json"
#define MAX_BUNDLE_ENTRIES 250000
#define MAX_LINE_BYTES ((size_t)64 * 1024 * 1024)
/* SPEC-TSA-5: RFC 3161 timestamps per bundle and DER bytes per timestamp. */
#define BUNDLE_MAX_TIMESTAMPS 8
#define BUNDLE_MAX_TIMESTAMP_BYTES ((size_t)64 * 1024)

enum bundle_format { BUNDLE_DSSE, BUNDLE_SIGSTORE };

/* One attestation as read; bad entries keep the reason they were refused. */
/* One RFC 3161 TimeStampResp (DER) from timestampVerificationData. */
struct bundle_ts {
	unsigned char *der;
	size_t len;
};

struct bundle_entry {
	char src[256]; /* "file:line" for messages */
	size_t line;   /* 1-based line, 0 for a whole file */
	enum bundle_format format;
	struct dsse_envelope *env; /* NULL when bad */
	char *hint;		   /* publicKey.hint, NULL when none */
	struct err error;	   /* code != 0 when the entry is bad */
	const unsigned char *raw;  /* the entry's bytes in the file */
	size_t rawlen;
	struct bundle_ts *ts; /* rfc3161Timestamps, decoded; NULL when none */
	size_t nts;
	/* A Sigstore bundle that needs keyless verification (verify/keyless):
	 * a certificate, a message signature or transparency log entries. */
	int keyless;
	int message; /* it holds a messageSignature (a blob signature) */
};

struct bundle;

/*
 * Reads path ("-" for stdin). Fails with EXIT_UNDECIDED when the file
 * cannot be read, is over MAX_BUNDLE_BYTES or has more than
 * MAX_BUNDLE_ENTRIES entries (good and bad alike; SPEC-POL-9), and
 * EXIT_REJECTED when it has no entry at all. A line that is
 * not valid JSON or not a well-formed envelope or bundle becomes a bad
 * entry (SPEC-BUN-2): callers decide what a bad entry means.
 */
int bundle_read(struct bundle **out, const char *path, struct err *e);

/*
 * The same file read as bundle_read does, and with its ceilings, but one
 * entry at a time: fn sees each entry (bad ones too) and the entry is
 * freed when fn returns, so memory stays that of the file whatever the
 * number of entries. The ceilings are checked before the first fn. Stops
 * at, and returns, the first fn that fails.
 */
typedef int (*bundle_fn)(void *ctx, const struct bundle_entry *ent,
			 struct err *e);
int bundle_each(const char *path, bundle_fn fn, void *ctx, struct err *e);

/* A new bundle with no entries, for bundle_add_object. */
int bundle_new(struct bundle **out, struct err *e);

/*
 * Adds buf (copied; one JSON object: a DSSE envelope or a Sigstore bundle)
 * as one entry named src. Like a line of a file, malformed content
 * becomes a bad entry; fails (EXIT_UNDECIDED) only when out of memory or
 * past MAX_BUNDLE_ENTRIES.
 */
int bundle_add_object(struct bundle *b, const char *src, const void *buf,
		      size_t len, struct err *e);

/*
 * Parses one attestation object (DSSE envelope or Sigstore bundle) into
 * ent->env and ent->hint. Used by bundle_read; src names it in errors.
 */
int bundle_parse_object(struct bundle_entry *ent, const json_t *obj,
			const char *src, struct err *e);

/*
 * Frees what bundle_parse_object put in ent (envelope, hint, timestamps)
 * and leaves it empty; for entries the caller owns.
 */
void bundle_entry_clear(struct bundle_entry *ent);

size_t bundle_count(const struct bundle *b);
const struct bundle_entry *bundle_get(const struct bundle *b, size_t i);
void bundle_free(struct bundle *b);

/*
 * A new Sigstore bundle v0.3 object wrapping env (which must carry exactly
 * one signature) with verificationMaterial.publicKey.hint = hint.
 */
json_t *bundle_sigstore_new(const struct dsse_envelope *env, const char *hint,
			    struct err *e);

/*
 * Sets verificationMaterial.timestampVerificationData.rfc3161Timestamps of
 * the Sigstore bundle b to [{signedTimestamp: base64(der)}] (SPEC-TSA-2).
 */
int bundle_sigstore_set_timestamp(json_t *b, const unsigned char *der,
				  size_t len, struct err *e);

/*
 * Writes one attestation object: to stdout when path is NULL, appended as
 * one line when path ends in ".jsonl", otherwise as the whole file
 * (atomically in both cases, SPEC-OUT-1), replacing an existing file only
 * when replace is set (else EXIT_UNDECIDED "File exists", SPEC-OUT-2).
 */
int bundle_write(const char *path, const json_t *att, int replace,
		 struct err *e);

#endif
