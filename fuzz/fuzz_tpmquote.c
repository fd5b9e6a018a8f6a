/*
 * Recorded TPM2_Quote evidence (tpmquote_verify) with its hand-written
 * TPMS_ATTEST reader. Input: {"quote":{...}, "subject":[...],
 * "invocationId":"...", "expectedPcrs":{...}, "trusted":bool}. So that the
 * fuzzer gets past the signature, a quote whose akPublicKey is "FUZZ-AK"
 * gets this process's AK, its attest bytes get the right nonce and PCR
 * digest patched in where those fields have the right size, and it is
 * signed. Any other quote is checked as given.
 */
#include "fuzz/fuzz.h"

#include <openssl/evp.h>

#include "keys/key.h"
#include "keys/keyset.h"
#include "keys/tpmquote.h"
#include "lib/b64.h"
#include "lib/hex.h"
#include "lib/jsonio.h"

static struct key *ak;
static struct keyset *trusted;
static char *ak_pem;

static void
setup(void)
{
	struct err e = ERR_INIT;
	struct key *pub = NULL;
	size_t len;

	if (ak != NULL)
		return;
	fuzz_check(key_generate(&ak, KEY_ECDSA_P256, &e) == 0, "AK");
	fuzz_check(key_public_pem(&ak_pem, &len, ak, &e) == 0, "AK PEM");
	fuzz_check(key_load_public_pem(&pub, ak_pem, len, "ak", &e) == 0,
		   "AK public");
	fuzz_check(keyset_new(&trusted, &e) == 0 &&
		       keyset_add(trusted, pub, &e) == 0,
		   "trusted AKs");
}

static unsigned
be16(const unsigned char *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

/* SHA-256 of the recorded PCR values in selection order, when readable. */
static int
pcr_digest(unsigned char out[32], const json_t *quote)
{
	struct err e = ERR_INIT;
	unsigned char vals[TPMQUOTE_PCR_COUNT * 64];
	const json_t *values = json_object_get(quote, "pcrValues");
	const char *sel = jsonio_str(quote, "pcrSelection");
	struct tpmquote_pcrs s;
	unsigned i, n = 0;

	if (sel == NULL || tpmquote_pcrs_parse(&s, sel, EXIT_REJECTED, &e))
		return -1;
	for (i = 0; i < TPMQUOTE_PCR_COUNT; i++) {
		char key[4];
		const char *hex;
		if (!(s.mask & (1u << i)))
			continue;
		snprintf(key, sizeof(key), "%u", i);
		hex = jsonio_str(values, key);
		if (hex == NULL ||
		    hex_decode(vals + n * s.digest_len, s.digest_len, hex))
			return -1;
		n++;
	}
	return EVP_Digest(vals, n * s.digest_len, out, NULL, EVP_sha256(),
			  NULL) == 1
		   ? 0
		   : -1;
}

/* Patches nonce and PCR digest into attest where they fit, and signs. */
static void
forge(json_t *quote, const json_t *statement)
{
	struct err e = ERR_INIT;
	unsigned char *att = NULL, *sig = NULL, nonce[TPMQUOTE_NONCE_LEN];
	unsigned char digest[32];
	const char *b64 = jsonio_str(quote, "attest");
	char *text;
	size_t alen, slen, off;

	json_object_set_new(quote, "akPublicKey", json_string(ak_pem));
	if (b64 == NULL ||
	    b64_decode(&att, &alen, b64, strlen(b64), "attest", &e) != 0)
		return;
	off = 8 + (alen >= 8 ? be16(att + 6) : 0);
	if (alen >= off + 2 + 32 && be16(att + off) == 32 &&
	    tpmquote_nonce(nonce, statement, &e) == 0)
		memcpy(att + off + 2, nonce, 32);
	if (alen >= 34 && be16(att + alen - 34) == 32 &&
	    pcr_digest(digest, quote) == 0)
		memcpy(att + alen - 32, digest, 32);
	text = b64_encode(att, alen);
	if (text != NULL && key_sign(&sig, &slen, ak, att, alen, &e) == 0) {
		json_object_set_new(quote, "attest", json_string(text));
		free(text);
		text = b64_encode(sig, slen);
		if (text != NULL)
			json_object_set_new(quote, "signature",
					    json_string(text));
	}
	free(text);
	free(sig);
	free(att);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct err e = ERR_INIT;
	json_t *in = NULL, *quote, *st;
	const json_t *subjects, *expected;
	const char *invocation, *akpem;
	int rc;

	setup();
	if (jsonio_load_object(&in, data, size, "fuzz", &e) != 0)
		return 0;
	quote = json_object_get(in, "quote");
	subjects = json_object_get(in, "subject");
	invocation = jsonio_str(in, "invocationId");
	expected = json_object_get(in, "expectedPcrs");
	akpem = jsonio_str(quote, "akPublicKey");
	/* The statement the quote binds (SPEC-TPM-15). */
	st = invocation == NULL
		 ? NULL
		 : json_pack("{s:O?, s:{s:{s:{s:s}}}}", "subject", subjects,
			     "predicate", "runDetails", "metadata",
			     "invocationId", invocation);
	if (json_is_object(quote) && akpem != NULL &&
	    strcmp(akpem, "FUZZ-AK") == 0 && st != NULL)
		forge(quote, st);
	if (json_is_object(quote) && st != NULL) {
		rc = tpmquote_verify(
		    quote, st, expected,
		    json_is_true(json_object_get(in, "trusted")) ? trusted
								 : NULL,
		    &e);
		if (rc != 0)
			fuzz_check_err(rc, &e);
	}
	json_decref(st);
	json_decref(in);
	return 0;
}
