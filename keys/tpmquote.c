/*
 * Offline verification of recorded TPM2_Quote evidence (see tpmquote.h and
 * spec/tpm.md): PCR selection text, the nonce binding, a strict TPMS_ATTEST
 * reader, and the checks in the order the spec gives.
 */
#include "keys/tpmquote.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/b64.h"
#include "lib/hex.h"

/* TPM 2.0 Part 2 constants (tss2 is not needed to read them). */
#define TPM_GENERATED_VALUE 0xff544347u
#define TPM_ST_ATTEST_QUOTE 0x8018u
#define TPM_MAX_NAME 68	     /* sizeof(TPMU_NAME): alg + SHA-512 */
#define TPM_MAX_DATA 64	     /* sizeof(TPMU_HA) */
#define TPM_PCR_SELECT_MAX 4 /* bytes of a pcrSelect bitmap */

static const struct {
	const char *name;
	uint16_t alg;
	size_t len;
} banks[] = {
    {"sha1", 0x0004, 20},
    {"sha256", 0x000b, 32},
    {"sha384", 0x000c, 48},
    {"sha512", 0x000d, 64},
};

/* Parses a decimal PCR index 0..23 at *p (no sign, no leading zeros). */
static int
pcr_index(unsigned *out, const char **p)
{
	const char *s = *p;
	unsigned v = 0;
	size_t n = 0;

	while (s[n] >= '0' && s[n] <= '9' && n < 3)
		v = v * 10 + (unsigned)(s[n++] - '0');
	if (n == 0 || (n > 1 && s[0] == '0') || v >= TPMQUOTE_PCR_COUNT)
		return -1;
	*out = v;
	*p = s + n;
	return 0;
}

int
tpmquote_pcrs_parse(struct tpmquote_pcrs *out, const char *spec, int code,
		    struct err *e)
{
	const char *colon = strchr(spec, ':'), *p;
	size_t i, blen;
	unsigned idx;

	memset(out, 0, sizeof(*out));
	blen = colon != NULL ? (size_t)(colon - spec) : 0;
	for (i = 0; i < sizeof(banks) / sizeof(banks[0]); i++)
		if (strlen(banks[i].name) == blen &&
		    strncmp(banks[i].name, spec, blen) == 0)
			break;
	if (colon == NULL || i == sizeof(banks) / sizeof(banks[0]))
		goto bad;
	out->bank = banks[i].name;
	out->alg = banks[i].alg;
	out->digest_len = banks[i].len;
	/* SPEC-TPM-2 */
	for (p = colon + 1;; p++) {
		if (pcr_index(&idx, &p) != 0)
			goto bad;
		out->mask |= (uint32_t)1 << idx;
		if (*p == '\0')
			return 0;
		if (*p != ',')
			goto bad;
	}
bad:
	return err_set(e, code,
		       "PCR selection \"%.80s\": expected BANK:I,J,... with "
		       "BANK sha1, sha256, sha384 or sha512 and PCR indexes "
		       "0-23 (e.g. sha256:0,7,16)",
		       spec);
}

int
tpmquote_pcrs_bank(struct tpmquote_pcrs *out, uint16_t alg)
{
	size_t i;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < sizeof(banks) / sizeof(banks[0]); i++) {
		if (banks[i].alg != alg)
			continue;
		out->bank = banks[i].name;
		out->alg = alg;
		out->digest_len = banks[i].len;
		return 0;
	}
	return -1;
}

void
tpmquote_pcrs_format(char out[TPMQUOTE_PCRS_TEXT_MAX],
		     const struct tpmquote_pcrs *s)
{
	const char *sep = ":";
	size_t used = strlen(s->bank);
	unsigned i;

	/* 6 + 24 * 3 bytes at most: always fits. */
	memcpy(out, s->bank, used + 1);
	for (i = 0; i < TPMQUOTE_PCR_COUNT; i++) {
		if (!(s->mask & ((uint32_t)1 << i)))
			continue;
		used += (size_t)snprintf(
		    out + used, TPMQUOTE_PCRS_TEXT_MAX - used, "%s%u", sep, i);
		sep = ",";
	}
}

static int
update(EVP_MD_CTX *ctx, const char *s)
{
	return EVP_DigestUpdate(ctx, s, strlen(s) + 1) == 1 ? 0 : -1;
}

/* The statement without its quote, as bytes the nonce covers. */
static char *
statement_text(const json_t *statement)
{
	json_t *copy = json_deep_copy(statement), *in;
	char *text;

	in = json_object_get(json_object_get(json_object_get(copy, "predicate"),
					     "buildDefinition"),
			     "internalParameters");
	json_object_del(in, "tpmQuote");
	text = copy == NULL ? NULL
			    : json_dumps(copy, JSON_COMPACT | JSON_SORT_KEYS |
						   JSON_REAL_PRECISION(17));
	json_decref(copy);
	return text;
}

int
tpmquote_nonce(unsigned char out[TPMQUOTE_NONCE_LEN], const json_t *statement,
	       struct err *e)
{
	char *text;
	EVP_MD_CTX *ctx = NULL;
	unsigned int n = 0;
	int rc = 0;

	if (!json_is_object(statement) ||
	    !json_is_object(json_object_get(statement, "predicate")))
		return err_set(e, EXIT_REJECTED,
			       "tpmQuote: no statement to bind");
	text = statement_text(statement);
	if (text == NULL)
		return err_set(e, EXIT_UNDECIDED,
			       "tpmQuote: cannot encode the statement");
	ctx = EVP_MD_CTX_new();
	/* SPEC-TPM-15 */
	if (ctx == NULL || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1 ||
	    update(ctx, TPMQUOTE_BINDING) != 0 ||
	    EVP_DigestUpdate(ctx, text, strlen(text)) != 1 ||
	    EVP_DigestFinal_ex(ctx, out, &n) != 1)
		rc = err_ossl(e, EXIT_UNDECIDED, "tpmQuote: SHA-256 failed");
	EVP_MD_CTX_free(ctx);
	free(text);
	return rc;
}

/* A bounded reader over untrusted bytes: every read checks what is left. */
struct rd {
	const unsigned char *p;
	size_t len, off;
};

static int
rd_take(struct rd *r, const unsigned char **out, size_t n)
{
	if (n > r->len - r->off)
		return -1;
	*out = r->p + r->off;
	r->off += n;
	return 0;
}

static int
rd_uint(struct rd *r, uint64_t *out, size_t n)
{
	const unsigned char *b;
	size_t i;

	if (rd_take(r, &b, n) != 0)
		return -1;
	*out = 0;
	for (i = 0; i < n; i++)
		*out = *out << 8 | b[i];
	return 0;
}

/* A TPM2B: 16-bit size (at most max), then that many bytes. */
static int
rd_tpm2b(struct rd *r, const unsigned char **out, size_t *len, size_t max)
{
	uint64_t n;

	if (rd_uint(r, &n, 2) != 0 || n > max)
		return -1;
	*len = (size_t)n;
	return rd_take(r, out, *len);
}

struct quote_info {
	uint64_t magic, type;
	const unsigned char *extra, *digest;
	size_t extralen, digestlen;
	uint64_t hash; /* bank of the one selection */
	uint32_t mask; /* its bitmap */
};

/* Reads TPMS_ATTEST holding a TPMS_QUOTE_INFO; the bytes must end there. */
static int
parse_attest(struct quote_info *q, const unsigned char *buf, size_t len,
	     struct err *e)
{
	struct rd r = {buf, len, 0};
	const unsigned char *skip, *sel;
	size_t n, i;
	uint64_t count, selsize, v;
	const char *what;

	memset(q, 0, sizeof(*q));
	/* SPEC-TPM-7 */
	what = "magic";
	if (rd_uint(&r, &q->magic, 4) != 0)
		goto bad;
	what = "type";
	if (rd_uint(&r, &q->type, 2) != 0)
		goto bad;
	if (q->magic != TPM_GENERATED_VALUE || q->type != TPM_ST_ATTEST_QUOTE)
		return err_set(e, EXIT_REJECTED,
			       "tpmQuote.attest: not a TPM-generated quote "
			       "(magic 0x%08llx, type 0x%04llx; want "
			       "0x%08x, 0x%04x)",
			       (unsigned long long)q->magic,
			       (unsigned long long)q->type, TPM_GENERATED_VALUE,
			       TPM_ST_ATTEST_QUOTE);
	what = "qualifiedSigner";
	if (rd_tpm2b(&r, &skip, &n, TPM_MAX_NAME) != 0)
		goto bad;
	what = "extraData";
	if (rd_tpm2b(&r, &q->extra, &q->extralen, TPM_MAX_DATA) != 0)
		goto bad;
	what = "clockInfo and firmwareVersion";
	if (rd_take(&r, &skip, 8 + 4 + 4 + 1 + 8) != 0)
		goto bad;
	what = "pcrSelect.count";
	if (rd_uint(&r, &count, 4) != 0 || count != 1)
		goto bad;
	what = "pcrSelect";
	if (rd_uint(&r, &q->hash, 2) != 0 || rd_uint(&r, &selsize, 1) != 0 ||
	    selsize > TPM_PCR_SELECT_MAX || rd_take(&r, &sel, selsize) != 0)
		goto bad;
	for (i = 0; i < selsize; i++) {
		v = sel[i];
		if (i * 8 >= TPMQUOTE_PCR_COUNT && v != 0)
			goto bad;
		q->mask |= (uint32_t)v << (8 * i);
	}
	what = "pcrDigest";
	if (rd_tpm2b(&r, &q->digest, &q->digestlen, TPM_MAX_DATA) != 0)
		goto bad;
	what = "end (trailing bytes)";
	if (r.off != r.len)
		goto bad;
	return 0;
bad:
	return err_set(e, EXIT_REJECTED,
		       "tpmQuote.attest: malformed TPMS_ATTEST at %s (byte "
		       "%zu of %zu)",
		       what, r.off, len);
}

/* Decodes base64 field of at most max bytes. */
static int
decode_field(unsigned char **out, size_t *len, const char *b64,
	     const char *what, size_t max, struct err *e)
{
	size_t n = strlen(b64);

	*out = NULL;
	if (n == 0 || n > (max + 2) / 3 * 4)
		return err_set(e, EXIT_REJECTED,
			       "tpmQuote.%s: empty or longer than %zu bytes",
			       what, max);
	return b64_decode_strict(out, len, b64, n, what, e); /* SPEC-ENV-7 */
}

/* SPEC-TPM-14: the signature must verify under a trusted AK (or ak). */
static int
check_signature(const struct key *ak, const struct keyset *trusted,
		const unsigned char *attest, size_t alen,
		const unsigned char *sig, size_t slen, struct err *e)
{
	size_t i;

	if (trusted == NULL) {
		if (key_verify(ak, attest, alen, sig, slen) == 0)
			return 0;
		return err_set(e, EXIT_REJECTED,
			       "tpmQuote: the signature does not verify under "
			       "akPublicKey");
	}
	for (i = 0; i < keyset_count(trusted); i++) {
		const struct key *k = keyset_get(trusted, i);
		if (key_verify(k, attest, alen, sig, slen) != 0)
			continue;
		if (strcmp(key_id(k), key_id(ak)) != 0)
			return err_set(e, EXIT_REJECTED,
				       "tpmQuote: signed by trusted AK %s but "
				       "akPublicKey names %s",
				       key_id(k), key_id(ak));
		return 0;
	}
	return err_set(e, EXIT_REJECTED,
		       "tpmQuote: the signature does not verify under any "
		       "trusted AK (akPublicKey %s)",
		       key_id(ak));
}

/* Reads pcrValues (exactly the selected indexes) into vals, in order. */
static int
read_values(unsigned char *vals, const json_t *obj,
	    const struct tpmquote_pcrs *s, struct err *e)
{
	size_t n = 0;
	unsigned i;
	char key[4];

	if (!json_is_object(obj))
		return err_set(e, EXIT_REJECTED,
			       "tpmQuote.pcrValues: not an object");
	for (i = 0; i < TPMQUOTE_PCR_COUNT; i++) {
		const char *hex;
		if (!(s->mask & ((uint32_t)1 << i)))
			continue;
		snprintf(key, sizeof(key), "%u", i);
		hex = json_string_value(json_object_get(obj, key));
		if (hex == NULL ||
		    strspn(hex, "0123456789abcdef") != strlen(hex) ||
		    hex_decode(vals + n * s->digest_len, s->digest_len, hex) !=
			0)
			return err_set(e, EXIT_REJECTED,
				       "tpmQuote.pcrValues: PCR %u needs %zu "
				       "lowercase hex digits",
				       i, 2 * s->digest_len);
		n++;
	}
	if (json_object_size(obj) != n)
		return err_set(e, EXIT_REJECTED,
			       "tpmQuote.pcrValues: holds PCRs outside "
			       "pcrSelection");
	return 0;
}

/* Position of PCR idx among the selected ones. */
static size_t
slot_of(const struct tpmquote_pcrs *s, unsigned idx)
{
	size_t n = 0;
	unsigned i;

	for (i = 0; i < idx; i++)
		if (s->mask & ((uint32_t)1 << i))
			n++;
	return n;
}

/* SPEC-TPM-9: each expected PCR is selected and has the recorded value. */
static int
check_expected(const json_t *want, const unsigned char *vals,
	       const struct tpmquote_pcrs *s, struct err *e)
{
	unsigned char v[64];
	char got[129];
	const char *k, *p;
	json_t *jv;
	unsigned idx;

	if (!json_is_object(want))
		return err_set(e, EXIT_USAGE,
			       "expected PCRs: not an object of index -> hex");
	json_object_foreach((json_t *)want, k, jv)
	{
		const char *hex = json_string_value(jv);
		p = k;
		if (pcr_index(&idx, &p) != 0 || *p != '\0' || hex == NULL ||
		    hex_decode(v, s->digest_len, hex) != 0)
			return err_set(
			    e, EXIT_USAGE,
			    "expected PCRs: \"%.8s\" needs an index 0-23 and "
			    "%zu hex digits (%s bank)",
			    k, 2 * s->digest_len, s->bank);
		if (!(s->mask & ((uint32_t)1 << idx)))
			return err_set(e, EXIT_REJECTED,
				       "tpmQuote: PCR %u is expected but not "
				       "in the quoted selection",
				       idx);
		if (memcmp(v, vals + slot_of(s, idx) * s->digest_len,
			   s->digest_len) != 0) {
			hex_encode(got, vals + slot_of(s, idx) * s->digest_len,
				   s->digest_len);
			return err_set(e, EXIT_REJECTED,
				       "tpmQuote: PCR %u is %s, expected "
				       "%.128s",
				       idx, got, hex);
		}
	}
	return 0;
}

/* The quote's own claims, after its signature held. */
static int
check_claims(const unsigned char *attest, size_t alen, const json_t *values,
	     const char *selection, const json_t *statement,
	     const json_t *expected, struct err *e)
{
	unsigned char nonce[TPMQUOTE_NONCE_LEN], digest[32];
	unsigned char vals[TPMQUOTE_PCR_COUNT * 64];
	char canon[TPMQUOTE_PCRS_TEXT_MAX];
	struct tpmquote_pcrs s;
	struct quote_info q;
	unsigned int dlen = 0;
	int rc;

	rc = parse_attest(&q, attest, alen, e);
	if (rc != 0)
		return rc;
	rc = tpmquote_nonce(nonce, statement, e);
	if (rc != 0)
		return rc;
	/* SPEC-TPM-8, SPEC-TPM-15 */
	if (q.extralen != sizeof(nonce) ||
	    memcmp(q.extra, nonce, sizeof(nonce)) != 0)
		return err_set(e, EXIT_REJECTED,
			       "tpmQuote: the nonce does not bind this "
			       "statement (quote taken for another statement: "
			       "other subjects, parameters, dependencies, "
			       "builder, exit status or invocation)");
	rc = tpmquote_pcrs_parse(&s, selection, EXIT_REJECTED, e);
	if (rc != 0)
		return err_prefix(e, "tpmQuote.pcrSelection");
	tpmquote_pcrs_format(canon, &s);
	if (strcmp(canon, selection) != 0)
		return err_set(e, EXIT_REJECTED,
			       "tpmQuote.pcrSelection: \"%.80s\" is not in "
			       "canonical form (%s)",
			       selection, canon);
	if (q.hash != s.alg || q.mask != s.mask)
		return err_set(e, EXIT_REJECTED,
			       "tpmQuote: the quote covers other PCRs than "
			       "pcrSelection %s",
			       canon);
	rc = read_values(vals, values, &s, e);
	if (rc != 0)
		return rc;
	if (EVP_Digest(vals, slot_of(&s, TPMQUOTE_PCR_COUNT) * s.digest_len,
		       digest, &dlen, EVP_sha256(), NULL) != 1)
		return err_ossl(e, EXIT_UNDECIDED, "tpmQuote: SHA-256 failed");
	if (q.digestlen != dlen || memcmp(q.digest, digest, dlen) != 0)
		return err_set(e, EXIT_REJECTED,
			       "tpmQuote: pcrValues do not match the quoted "
			       "PCR digest");
	if (expected != NULL)
		return check_expected(expected, vals, &s, e);
	return 0;
}

int
tpmquote_verify(const json_t *quote, const json_t *statement,
		const json_t *expected_pcrs, const struct keyset *trusted_aks,
		struct err *e)
{
	const char *binding, *attest_b64, *sig_b64, *pem, *selection;
	unsigned char *attest = NULL, *sig = NULL;
	size_t alen = 0, slen = 0;
	json_t *values = NULL;
	struct key *ak = NULL;
	json_error_t je;
	json_int_t version;
	int rc;

	/* SPEC-TPM-4 */
	if (json_unpack_ex((json_t *)quote, &je, JSON_STRICT,
			   "{s:I, s:s, s:s, s:s, s:s, s:s, s:o}", "version",
			   &version, "nonceBinding", &binding, "attest",
			   &attest_b64, "signature", &sig_b64, "akPublicKey",
			   &pem, "pcrSelection", &selection, "pcrValues",
			   &values) != 0)
		return err_set(e, EXIT_REJECTED, "tpmQuote: %s", je.text);
	/* SPEC-TPM-16: a v1 quote bound only the subjects and the
	 * invocation id, so it could be grafted into another statement. */
	if (strcmp(binding, TPMQUOTE_BINDING_V1) == 0)
		return err_set(e, EXIT_REJECTED,
			       "tpmQuote: a %s quote binds only the subjects "
			       "and the invocation id and is no longer "
			       "accepted; attest the run again with "
			       "attest run --tpm-quote",
			       TPMQUOTE_BINDING_V1);
	if (version != TPMQUOTE_VERSION ||
	    strcmp(binding, TPMQUOTE_BINDING) != 0)
		return err_set(e, EXIT_REJECTED,
			       "tpmQuote: unsupported version or "
			       "nonceBinding (want %d, \"%s\")",
			       TPMQUOTE_VERSION, TPMQUOTE_BINDING);
	if (strlen(pem) > TPMQUOTE_MAX_PEM)
		return err_set(e, EXIT_REJECTED,
			       "tpmQuote.akPublicKey: longer than %d bytes",
			       TPMQUOTE_MAX_PEM);
	rc = decode_field(&attest, &alen, attest_b64, "attest",
			  TPMQUOTE_MAX_ATTEST, e);
	if (rc == 0)
		rc = decode_field(&sig, &slen, sig_b64, "signature",
				  TPMQUOTE_MAX_SIG, e);
	if (rc == 0 && (alen > TPMQUOTE_MAX_ATTEST || slen > TPMQUOTE_MAX_SIG))
		rc = err_set(e, EXIT_REJECTED,
			     "tpmQuote: attest or signature too long");
	if (rc == 0)
		rc = key_load_public_pem(&ak, pem, strlen(pem),
					 "tpmQuote.akPublicKey", e);
	if (rc == 0 && key_get_type(ak) != KEY_ECDSA_P256)
		rc = err_set(e, EXIT_REJECTED,
			     "tpmQuote.akPublicKey: not an ECDSA P-256 key");
	if (rc == 0)
		rc = check_signature(ak, trusted_aks, attest, alen, sig, slen,
				     e);
	if (rc == 0)
		rc = check_claims(attest, alen, values, selection, statement,
				  expected_pcrs, e);
	key_free(ak);
	free(attest);
	free(sig);
	return rc;
}
