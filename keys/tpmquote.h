/*
 * TPM2_Quote evidence checked offline: the quote `attest run --tpm-quote`
 * records in internalParameters.tpmQuote (spec/tpm.md). OpenSSL only: no
 * TPM and no tpm2-tss, so `verify` checks quotes on any host and in builds
 * without MLATTEST_WITH_TPM. TPMS_ATTEST is parsed by hand with every
 * length bounded, since its bytes are untrusted.
 */
#ifndef MLATTEST_KEYS_TPMQUOTE_H
#define MLATTEST_KEYS_TPMQUOTE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "keys/keyset.h"
#include "lib/err.h"

#define TPMQUOTE_VERSION 1
#define TPMQUOTE_BINDING "mlattest-quote-v2"
#define TPMQUOTE_BINDING_V1 "mlattest-quote-v1" /* refused: SPEC-TPM-16 */
#define TPMQUOTE_NONCE_LEN 32

/* Ceilings on the recorded fields (decoded bytes). */
#define TPMQUOTE_MAX_ATTEST 1024
#define TPMQUOTE_MAX_SIG 256
#define TPMQUOTE_MAX_PEM 4096

/* PCR indexes 0..23 in one bank. */
#define TPMQUOTE_PCR_COUNT 24
/* Room for the longest canonical selection text and its NUL. */
#define TPMQUOTE_PCRS_TEXT_MAX 96

/* A PCR selection in one bank, e.g. "sha256:0,7,16". */
struct tpmquote_pcrs {
	const char *bank;  /* "sha1", "sha256", "sha384" or "sha512" */
	uint16_t alg;	   /* its TPM_ALG_ID */
	size_t digest_len; /* bytes of one PCR value in the bank */
	uint32_t mask;	   /* bit i set: PCR i selected; never 0 */
};

/*
 * Parses "BANK:I,J,..." (indexes 0..23 in any order, repeats allowed) into
 * *out. Anything else fails with the exit class code and a message naming
 * spec (SPEC-TPM-2).
 */
int tpmquote_pcrs_parse(struct tpmquote_pcrs *out, const char *spec, int code,
			struct err *e);

/*
 * Sets the bank fields of *out (mask 0) for the TPM_ALG_ID alg; -1 when
 * alg is not one of the four banks.
 */
int tpmquote_pcrs_bank(struct tpmquote_pcrs *out, uint16_t alg);

/*
 * Writes the canonical form of s ("sha256:0,7,16": indexes ascending, no
 * repeats) to out, which holds TPMQUOTE_PCRS_TEXT_MAX bytes.
 */
void tpmquote_pcrs_format(char out[TPMQUOTE_PCRS_TEXT_MAX],
			  const struct tpmquote_pcrs *s);

/*
 * The quote nonce for a statement (SPEC-TPM-15): SHA-256 over
 * "mlattest-quote-v2" NUL, then the statement with
 * predicate.buildDefinition.internalParameters.tpmQuote removed, encoded
 * by jansson compact with sorted keys (reals with 17 digits). A statement
 * that is not an object with a predicate object is EXIT_REJECTED.
 */
int tpmquote_nonce(unsigned char out[TPMQUOTE_NONCE_LEN],
		   const json_t *statement, struct err *e);

/*
 * Checks a recorded quote (the internalParameters.tpmQuote object) against
 * the statement that carries it (the whole Statement). In order: the
 * JSON shape (closed, version 1; a "mlattest-quote-v1" binding is refused,
 * SPEC-TPM-16); the signature (DER ECDSA P-256 over
 * SHA-256 of the attest bytes) under a key of trusted_aks, or, when
 * trusted_aks is NULL, under akPublicKey itself (self-consistency only);
 * TPMS_ATTEST magic TPM_GENERATED_VALUE and type TPM_ST_ATTEST_QUOTE; the
 * nonce equals tpmquote_nonce(statement); the quoted PCR
 * selection equals pcrSelection; the quoted PCR digest equals SHA-256 of
 * pcrValues concatenated in selection order; and, when expected_pcrs is
 * not NULL, each of its members ({"16": "<hex>", ...}, a subset of the
 * selection) equals the recorded value.
 *
 * Returns 0 when all hold. A malformed or mismatching quote is
 * EXIT_REJECTED with a message saying which check failed; a malformed
 * expected_pcrs (it comes from the caller's policy) is EXIT_USAGE; out of
 * memory is EXIT_UNDECIDED. Nothing here trusts a length it has not
 * checked.
 */
int tpmquote_verify(const json_t *quote, const json_t *statement,
		    const json_t *expected_pcrs,
		    const struct keyset *trusted_aks, struct err *e);

#endif
