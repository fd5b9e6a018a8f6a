/*
 * TPM 2.0 keys and quotes through tpm2-tss ESYS (spec/tpm.md): ECC P-256
 * signing keys created inside the TPM (persistent handle or wrapped blob
 * file, optionally bound to PCR values), software keys sealed to PCRs,
 * and TPM2_Quote evidence. The TPM is always named explicitly by a TCTI
 * string; the tss2 default search is never used. Every call opens its own
 * connection and flushes every transient object and session it made, on
 * every path, before it returns.
 *
 * In builds without MLATTEST_WITH_TPM these functions exist (tpm_none.c)
 * and fail with EXIT_USAGE.
 */
#ifndef MLATTEST_KEYS_TPM_H
#define MLATTEST_KEYS_TPM_H

#include <jansson.h>
#include <stdint.h>

#include "keys/key.h"
#include "lib/err.h"

/* The environment variable naming the TCTI when --tcti is not given. */
#define TPM_TCTI_ENV "MLATTEST_TCTI"
#define TPM_TCTI_MAX 512

/* Persistent handles we accept: the owner range (TPM 2.0 Part 2). */
#define TPM_HANDLE_MIN 0x81000000u
#define TPM_HANDLE_MAX 0x817fffffu

/* Ceilings on our key files and on what may be sealed (MAX_SYM_DATA). */
#define MAX_TPM_FILE_BYTES ((size_t)4096)
#define TPM_SEAL_MAX 128

/* Options of tpm_create: exactly one of handle (non-zero) and out. */
struct tpm_create_opts {
	const char *tcti; /* NULL: refused (the caller reads $MLATTEST_TCTI) */
	uint32_t handle;  /* persist here with EvictControl */
	const char *out;  /* or write a blob file here (0600, never replaced) */
	const char *pcrs; /* NULL, or bind use to these PCRs' current values */
	int restricted;	  /* an attestation key: quotes only, no signing */
};

/*
 * Creates an ECC P-256 signing key under the standard ECC storage primary
 * (SPEC-TPM-1). *keyref (new, free()) is the KEYREF to use it by and *pem
 * (new, free(), *len bytes) its SPKI PEM. A handle already in use, a
 * blob path that exists and a TPM error are reported without leaving
 * anything behind in the TPM.
 */
int tpm_create(char **keyref, char **pem, size_t *len,
	       const struct tpm_create_opts *o, struct err *e);

/*
 * Seals the private key in the PEM file key_path into a data object under
 * the storage primary whose only authorisation is PolicyPCR over pcrs'
 * current values, written to out (0600, never replaced). The key's DER
 * must fit TPM_SEAL_MAX bytes (Ed25519 and ECDSA P-256 do). *pem (new,
 * free()) is the key's SPKI PEM.
 */
int tpm_seal(char **pem, size_t *len, const char *tcti, const char *pcrs,
	     const char *key_path, const char *out, struct err *e);

/*
 * Loads a "tpm:" KEYREF (the whole string) as a private struct key that
 * signs in the TPM (or unseals to sign). tcti NULL is refused (the
 * programs pass --tcti or $MLATTEST_TCTI). The
 * TPM is contacted now, so a missing TPM, a foreign blob or changed PCRs
 * fail here rather than at signing time.
 */
int tpm_key_load(struct key **out, const char *ref, const char *tcti,
		 struct err *e);

/*
 * Takes TPM2_Quote with ak (a key from tpm_key_load: tpm:handle= or
 * tpm:blob=) over the PCRs of pcrs, with qualifyingData the nonce that
 * binds statement (tpmquote_nonce: the whole Statement, its tpmQuote
 * left out), and returns the tpmQuote object for internalParameters
 * (*out new). The result is checked with tpmquote_verify before it is
 * returned; the caller then adds it to statement unchanged otherwise.
 */
int tpm_quote(json_t **out, const struct key *ak, const char *pcrs,
	      const json_t *statement, struct err *e);

/*
 * 0 when key is a restricted TPM key (an attestation key, which signs
 * quotes only), so callers can refuse it before any work is done; 1 for
 * every other key.
 */
int tpm_key_signs_statements(const struct key *key);

#endif
