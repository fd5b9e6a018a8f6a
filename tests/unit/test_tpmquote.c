/*
 * keys/tpmquote: the nonce binding against a known answer computed with
 * printf | sha256sum; PCR selection text; tpmquote_verify on quotes built
 * here byte by byte (TPMS_ATTEST) and signed with a software P-256 key, a
 * valid row beside each malformed or mismatching twin, every truncation
 * of the attest bytes; no input may crash it.
 *
 * With TPMQUOTE_STATEMENT (an in-toto Statement from `attest run
 * --tpm-quote`), TPMQUOTE_AK (the AK's PEM) and TPMQUOTE_OTHER_AK set, only
 * the real-quote cases run: tests/tpm/t_quote.sh takes the quote on swtpm.
 */
#include <check.h>
#include <openssl/evp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "keys/tpmquote.h"
#include "lib/b64.h"
#include "lib/fileio.h"
#include "lib/hex.h"
#include "lib/jsonio.h"
#include "tests/unit/testutil.h"

#define INV "inv-0001"
#define D1 "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03"
#define D2 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
/* printf 'mlattest-quote-v2\0%s' "$(jq -cS . STATEMENT)" | sha256sum, with
 * STATEMENT the one statement_of(subjects_new(), INV) builds. */
#define NONCE_KAT                                                              \
	"00c152187a325c4f46f94cfeeef317f8270ec1409ff799ccf4344b979922ca37"

static json_t *
subjects_new(void)
{
	return json_pack("[{s:s, s:{s:s}}, {s:s, s:{s:s, s:s}}]", "name",
			 "model.bin", "digest", "sha256", D1, "name",
			 "weights/", "digest", "sha256", D2, "dirHash", D1);
}

/* Statements the quote binds are held by the real-quote fixture. */
static const json_t *real_statement(void);

/*
 * A statement carrying subjects and invocation id: the real statement
 * (when the real-quote cases run) with both replaced, else a skeleton.
 */
static json_t *
statement_of(const json_t *subjects, const char *inv)
{
	json_t *st = real_statement() != NULL
			 ? json_deep_copy(real_statement())
			 : json_pack("{s:s, s:{s:{s:{}}}}", "_type",
				     "https://in-toto.io/Statement/v1",
				     "predicate", "runDetails", "metadata");
	json_t *md = json_object_get(
	    json_object_get(json_object_get(st, "predicate"), "runDetails"),
	    "metadata");

	json_object_set_new(st, "subject", json_deep_copy(subjects));
	json_object_set_new(md, "invocationId", json_string(inv));
	return st;
}

static int
nonce_of(unsigned char *n, const json_t *subjects, const char *inv,
	 struct err *e)
{
	json_t *st = statement_of(subjects, inv);
	int rc = tpmquote_nonce(n, st, e);

	json_decref(st);
	return rc;
}

static int
verify_of(const json_t *q, const json_t *subjects, const char *inv,
	  const json_t *want, const struct keyset *ks, struct err *e)
{
	json_t *st = statement_of(subjects, inv);
	int rc = tpmquote_verify(q, st, want, ks, e);

	json_decref(st);
	return rc;
}

START_TEST(test_nonce_known_answer)
{
	unsigned char n[TPMQUOTE_NONCE_LEN];
	char hex[65];
	struct err e = ERR_INIT;
	json_t *s = subjects_new();

	ck_assert_int_eq(nonce_of(n, s, INV, &e), 0);
	hex_encode(hex, n, sizeof(n));
	ck_assert_str_eq(hex, NONCE_KAT);
	json_decref(s);
}
END_TEST

/* Statements the binding refuses: not an object with a predicate. */
static const char *const bad_statements[] = {
    "[]",
    "{}",
    "{\"predicate\":7}",
    "{\"predicate\":[]}",
};

START_TEST(test_nonce_bad_statements)
{
	unsigned char n[TPMQUOTE_NONCE_LEN];
	struct err e = ERR_INIT;
	json_error_t je;
	json_t *s = json_loads(bad_statements[_i], 0, &je);

	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(tpmquote_nonce(n, s, &e), -EXIT_REJECTED);
	json_decref(s);
}
END_TEST

struct pcrs_row {
	const char *in;
	const char *canon; /* NULL: refused */
};

static const struct pcrs_row pcrs_rows[] = {
    {"sha256:0,7,16", "sha256:0,7,16"},
    {"sha256:16,7,0,7", "sha256:0,7,16"},
    {"sha1:23", "sha1:23"},
    {"sha384:0", "sha384:0"},
    {"sha512:1,2", "sha512:1,2"},
    {"sha256:24", NULL},
    {"sha256:", NULL},
    {"sha256", NULL},
    {"sha256:1,", NULL},
    {"sha256:,1", NULL},
    {"sha256:01", NULL},
    {"sha256:-1", NULL},
    {"sha256:1 ", NULL},
    {"SHA256:1", NULL},
    {"md5:1", NULL},
    {":1", NULL},
    {"sha256:1000000000000000000001", NULL},
};

START_TEST(test_pcrs_parse)
{
	const struct pcrs_row *r = &pcrs_rows[_i];
	char out[TPMQUOTE_PCRS_TEXT_MAX];
	struct tpmquote_pcrs s;
	struct err e = ERR_INIT;
	int rc = tpmquote_pcrs_parse(&s, r->in, EXIT_USAGE, &e);

	if (r->canon == NULL) {
		ck_assert_int_eq(rc, -EXIT_USAGE);
		ck_assert_ptr_nonnull(strstr(e.msg, "BANK:I,J"));
		return;
	}
	ck_assert_int_eq(rc, 0);
	tpmquote_pcrs_format(out, &s);
	ck_assert_str_eq(out, r->canon);
}
END_TEST

START_TEST(test_pcrs_format_longest)
{
	char out[TPMQUOTE_PCRS_TEXT_MAX];
	struct tpmquote_pcrs s;
	struct err e = ERR_INIT;
	const char *all = "sha512:0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,"
			  "18,19,20,21,22,23";

	ck_assert_int_eq(tpmquote_pcrs_parse(&s, all, EXIT_USAGE, &e), 0);
	tpmquote_pcrs_format(out, &s);
	ck_assert_str_eq(out, all);
}
END_TEST

/* ---- quotes built here ---- */

/* The fields of a TPMS_ATTEST, to be serialised by attest_bytes. */
struct params {
	uint32_t magic;
	uint16_t type;
	size_t namelen;
	unsigned char nonce[80];
	size_t noncelen;
	uint32_t count;
	uint16_t hash;
	uint8_t selsize;
	unsigned char sel[8];
	unsigned char digest[80];
	size_t digestlen;
	size_t trailing;
};

/* PCR i holds 32 bytes of value i + 1 in the fixture. */
static const unsigned fixture_pcrs[] = {0, 7, 16};

static void
pcr_value(unsigned char v[32], unsigned i)
{
	memset(v, (int)i + 1, 32);
}

static void
params_default(struct params *p)
{
	unsigned char vals[3 * 32];
	unsigned int dlen;
	struct err e = ERR_INIT;
	json_t *s = subjects_new();
	size_t i;

	memset(p, 0, sizeof(*p));
	p->magic = 0xff544347;
	p->type = 0x8018;
	p->namelen = 34;
	p->noncelen = 32;
	ck_assert_int_eq(nonce_of(p->nonce, s, INV, &e), 0);
	json_decref(s);
	p->count = 1;
	p->hash = 0x000b;
	p->selsize = 3;
	p->sel[0] = 0x81; /* 0, 7 */
	p->sel[2] = 0x01; /* 16 */
	for (i = 0; i < 3; i++)
		pcr_value(vals + 32 * i, fixture_pcrs[i]);
	ck_assert_int_eq(EVP_Digest(vals, sizeof(vals), p->digest, &dlen,
				    EVP_sha256(), NULL),
			 1);
	p->digestlen = dlen;
}

static void
put(unsigned char *b, size_t *n, uint64_t v, size_t len)
{
	while (len-- > 0)
		b[(*n)++] = (unsigned char)(v >> (8 * len));
}

static size_t
attest_bytes(unsigned char *b, const struct params *p)
{
	size_t n = 0, i;

	put(b, &n, p->magic, 4);
	put(b, &n, p->type, 2);
	put(b, &n, p->namelen, 2);
	for (i = 0; i < p->namelen; i++)
		b[n++] = (unsigned char)i;
	put(b, &n, p->noncelen, 2);
	memcpy(b + n, p->nonce, p->noncelen);
	n += p->noncelen;
	put(b, &n, 0x1122334455667788ull, 8); /* clock */
	put(b, &n, 1, 4);		      /* resetCount */
	put(b, &n, 0, 4);		      /* restartCount */
	put(b, &n, 1, 1);		      /* safe */
	put(b, &n, 0x20240101, 8);	      /* firmwareVersion */
	put(b, &n, p->count, 4);
	put(b, &n, p->hash, 2);
	put(b, &n, p->selsize, 1);
	memcpy(b + n, p->sel, p->selsize);
	n += p->selsize;
	put(b, &n, p->digestlen, 2);
	memcpy(b + n, p->digest, p->digestlen);
	n += p->digestlen;
	for (i = 0; i < p->trailing; i++)
		b[n++] = 0;
	return n;
}

struct fixture {
	struct key *ak, *other, *ed;
	json_t *subjects;
};

static struct fixture fx;

static void
setup(void)
{
	struct err e = ERR_INIT;

	ck_assert_int_eq(key_generate(&fx.ak, KEY_ECDSA_P256, &e), 0);
	ck_assert_int_eq(key_generate(&fx.other, KEY_ECDSA_P256, &e), 0);
	ck_assert_int_eq(key_generate(&fx.ed, KEY_ED25519, &e), 0);
	fx.subjects = subjects_new();
}

static void
teardown(void)
{
	key_free(fx.ak);
	key_free(fx.other);
	key_free(fx.ed);
	json_decref(fx.subjects);
	memset(&fx, 0, sizeof(fx));
}

static char *
pem_of(const struct key *k)
{
	struct err e = ERR_INIT;
	char *pem = NULL;
	size_t len;

	ck_assert_int_eq(key_public_pem(&pem, &len, k, &e), 0);
	return pem;
}

/* The quote JSON for attest bytes b (n long) signed by signer. */
static json_t *
quote_new(const unsigned char *b, size_t n, const struct key *signer)
{
	struct err e = ERR_INIT;
	unsigned char *sig = NULL, v[32];
	char *ab = b64_encode(b, n), *sb, *pem = pem_of(fx.ak), hex[65];
	json_t *q, *vals = json_object();
	size_t slen, i;
	char k[4];

	ck_assert_int_eq(key_sign(&sig, &slen, signer, b, n, &e), 0);
	sb = b64_encode(sig, slen);
	for (i = 0; i < 3; i++) {
		pcr_value(v, fixture_pcrs[i]);
		hex_encode(hex, v, 32);
		snprintf(k, sizeof(k), "%u", fixture_pcrs[i]);
		json_object_set_new(vals, k, json_string(hex));
	}
	q = json_pack("{s:i, s:s, s:s, s:s, s:s, s:s, s:o}", "version", 1,
		      "nonceBinding", TPMQUOTE_BINDING, "attest", ab,
		      "signature", sb, "akPublicKey", pem, "pcrSelection",
		      "sha256:0,7,16", "pcrValues", vals);
	ck_assert_ptr_nonnull(q);
	free(ab);
	free(sb);
	free(sig);
	free(pem);
	return q;
}

/* Replaces quote[field] with a string. */
static void
set_str(json_t *q, const char *field, const char *v)
{
	json_object_set_new(q, field, json_string(v));
}

/* Flips one bit of base64 field's decoded bytes at byte off. */
static void
flip_b64(json_t *q, const char *field, size_t off)
{
	struct err e = ERR_INIT;
	const char *s = json_string_value(json_object_get(q, field));
	unsigned char *raw = NULL;
	size_t n = 0;
	char *back;

	ck_assert_int_eq(b64_decode(&raw, &n, s, strlen(s), field, &e), 0);
	ck_assert_uint_gt(n, off);
	raw[off] ^= 0x01;
	back = b64_encode(raw, n);
	set_str(q, field, back);
	free(back);
	free(raw);
}

/* Each row: how to spoil the attest bytes (before signing) or the JSON and
 * the arguments (after), the expected result and a message fragment. */
struct ctx {
	struct params p;
	json_t *q;
	const char *inv;
	json_t *subjects;
	json_t *expected;
	struct keyset *trusted;
	const struct key *signer;
};

struct row {
	const char *name;
	void (*before)(struct ctx *);
	void (*after)(struct ctx *);
	int want;
	const char *msg;
};

static void
b_magic(struct ctx *c)
{
	c->p.magic = 0xff544348;
}
static void
b_type(struct ctx *c)
{
	c->p.type = 0x8017;
}
static void
b_name_big(struct ctx *c)
{
	c->p.namelen = 69;
}
static void
b_nonce_big(struct ctx *c)
{
	c->p.noncelen = 65;
}
static void
b_nonce_short(struct ctx *c)
{
	c->p.noncelen = 31;
}
static void
b_nonce_other(struct ctx *c)
{
	c->p.nonce[5] ^= 0x80;
}
static void
b_count0(struct ctx *c)
{
	c->p.count = 0;
}
static void
b_count2(struct ctx *c)
{
	c->p.count = 2;
}
static void
b_count_huge(struct ctx *c)
{
	c->p.count = 0xffffffff;
}
static void
b_selsize(struct ctx *c)
{
	c->p.selsize = 5;
}
static void
b_sel_high(struct ctx *c)
{
	c->p.selsize = 4;
	c->p.sel[3] = 0x01;
}
static void
b_sel_other(struct ctx *c)
{
	c->p.sel[0] = 0x01;
}
static void
b_sel4_ok(struct ctx *c)
{
	c->p.selsize = 4;
}
static void
b_hash_sha1(struct ctx *c)
{
	c->p.hash = 0x0004;
}
static void
b_digest_big(struct ctx *c)
{
	c->p.digestlen = 65;
}
static void
b_digest_other(struct ctx *c)
{
	c->p.digest[0] ^= 1;
}
static void
b_trailing(struct ctx *c)
{
	c->p.trailing = 1;
}
static void
b_other_signer(struct ctx *c)
{
	c->signer = fx.other;
}

static void
a_missing(struct ctx *c)
{
	json_object_del(c->q, "pcrValues");
}
static void
a_extra(struct ctx *c)
{
	set_str(c->q, "eventLog", "x");
}
static void
a_version(struct ctx *c)
{
	json_object_set_new(c->q, "version", json_integer(2));
}
static void
a_version_str(struct ctx *c)
{
	set_str(c->q, "version", "1");
}
static void
a_binding_v1(struct ctx *c)
{
	set_str(c->q, "nonceBinding", "mlattest-quote-v1");
}
static void
a_binding(struct ctx *c)
{
	set_str(c->q, "nonceBinding", "mlattest-quote-v3");
}
static void
a_attest_b64(struct ctx *c)
{
	set_str(c->q, "attest", "not*base64");
}
static void
a_attest_empty(struct ctx *c)
{
	set_str(c->q, "attest", "");
}
static void
a_attest_huge(struct ctx *c)
{
	char *big = malloc(4001);

	memset(big, 'A', 4000);
	big[4000] = '\0';
	set_str(c->q, "attest", big);
	free(big);
}
static void
a_attest_flip(struct ctx *c)
{
	flip_b64(c->q, "attest", 60);
}
static void
a_sig_flip(struct ctx *c)
{
	flip_b64(c->q, "signature", 20);
}
static void
a_sig_garbage(struct ctx *c)
{
	set_str(c->q, "signature", "AAAA");
}
static void
a_ak_other(struct ctx *c)
{
	char *pem = pem_of(fx.other);

	set_str(c->q, "akPublicKey", pem);
	free(pem);
}
static void
a_ak_ed(struct ctx *c)
{
	char *pem = pem_of(fx.ed);

	set_str(c->q, "akPublicKey", pem);
	free(pem);
}
static void
a_ak_junk(struct ctx *c)
{
	set_str(c->q, "akPublicKey", "-----BEGIN PUBLIC KEY-----\nAAAA\n");
}
static void
a_sel_noncanon(struct ctx *c)
{
	set_str(c->q, "pcrSelection", "sha256:16,0,7");
}
static void
a_sel_bad(struct ctx *c)
{
	set_str(c->q, "pcrSelection", "sha256:0,7,24");
}
static void
a_sel_other(struct ctx *c)
{
	set_str(c->q, "pcrSelection", "sha256:0,7");
}
static void
a_sel_bank(struct ctx *c)
{
	set_str(c->q, "pcrSelection", "sha1:0,7,16");
}
static void
a_val_missing(struct ctx *c)
{
	json_object_del(json_object_get(c->q, "pcrValues"), "7");
}
static void
a_val_extra(struct ctx *c)
{
	json_object_set_new(json_object_get(c->q, "pcrValues"), "8",
			    json_string(D1));
}
static void
a_val_upper(struct ctx *c)
{
	char hex[65];

	snprintf(hex, sizeof(hex), "%s",
		 json_string_value(json_object_get(
		     json_object_get(c->q, "pcrValues"), "16")));
	hex[0] = 'A';
	json_object_set_new(json_object_get(c->q, "pcrValues"), "16",
			    json_string(hex));
}
static void
a_val_short(struct ctx *c)
{
	json_object_set_new(json_object_get(c->q, "pcrValues"), "0",
			    json_string("0101"));
}
static void
a_val_other(struct ctx *c)
{
	json_object_set_new(json_object_get(c->q, "pcrValues"), "16",
			    json_string(D1));
}
static void
a_val_type(struct ctx *c)
{
	json_object_set_new(c->q, "pcrValues", json_array());
}
static void
a_inv_other(struct ctx *c)
{
	c->inv = "inv-0002";
}
static void
a_subject_other(struct ctx *c)
{
	json_object_set_new(
	    json_object_get(json_array_get(c->subjects, 0), "digest"), "sha256",
	    json_string(D2));
}
static void
a_subject_renamed(struct ctx *c)
{
	json_object_set_new(json_array_get(c->subjects, 1), "name",
			    json_string("weights"));
}
static void
a_subject_dropped(struct ctx *c)
{
	json_array_remove(c->subjects, 1);
}
static void
a_trusted_ak(struct ctx *c)
{
	struct err e = ERR_INIT;
	struct key *k = NULL;
	char *pem = pem_of(fx.ak);

	ck_assert_int_eq(keyset_new(&c->trusted, &e), 0);
	ck_assert_int_eq(key_load_public_pem(&k, pem, strlen(pem), "t", &e), 0);
	ck_assert_int_eq(keyset_add(c->trusted, k, &e), 0);
	free(pem);
}
static void
a_trusted_other(struct ctx *c)
{
	struct err e = ERR_INIT;
	struct key *k = NULL;
	char *pem = pem_of(fx.other);

	ck_assert_int_eq(keyset_new(&c->trusted, &e), 0);
	ck_assert_int_eq(key_load_public_pem(&k, pem, strlen(pem), "t", &e), 0);
	ck_assert_int_eq(keyset_add(c->trusted, k, &e), 0);
	free(pem);
}
static void
a_trusted_other_signed(struct ctx *c)
{
	/* Signed by a trusted key, but akPublicKey names another. */
	a_trusted_other(c);
}
/* 64 hex digits of byte b repeated. */
static json_t *
hexfill(unsigned b)
{
	unsigned char v[32];
	char hex[65];

	memset(v, (int)b, sizeof(v));
	hex_encode(hex, v, sizeof(v));
	return json_string(hex);
}
static void
a_expected_ok(struct ctx *c)
{
	c->expected = json_object();
	json_object_set_new(c->expected, "7", hexfill(8));
	json_object_set_new(c->expected, "16", hexfill(17));
}
static void
a_expected_subset_ok(struct ctx *c)
{
	c->expected = json_object();
	json_object_set_new(c->expected, "0", hexfill(1));
}
static void
a_expected_other(struct ctx *c)
{
	c->expected = json_pack("{s:s}", "16", D1);
}
static void
a_expected_unselected(struct ctx *c)
{
	c->expected = json_pack("{s:s}", "8", D1);
}
static void
a_expected_bad_index(struct ctx *c)
{
	c->expected = json_pack("{s:s}", "016", D1);
}
static void
a_expected_bad_hex(struct ctx *c)
{
	c->expected = json_pack("{s:s}", "16", "xyz");
}
static void
a_expected_not_object(struct ctx *c)
{
	c->expected = json_array();
}

static const struct row rows[] = {
    {"valid", NULL, NULL, 0, NULL},
    {"valid with a 4-byte pcrSelect", b_sel4_ok, NULL, 0, NULL},
    {"trusted AK", NULL, a_trusted_ak, 0, NULL},
    {"expected PCRs match", NULL, a_expected_ok, 0, NULL},
    {"expected PCRs, a subset", NULL, a_expected_subset_ok, 0, NULL},
    {"magic", b_magic, NULL, EXIT_REJECTED, "not a TPM-generated quote"},
    {"type certify", b_type, NULL, EXIT_REJECTED, "not a TPM-generated"},
    {"qualifiedSigner too long", b_name_big, NULL, EXIT_REJECTED,
     "qualifiedSigner"},
    {"extraData too long", b_nonce_big, NULL, EXIT_REJECTED, "extraData"},
    {"nonce short", b_nonce_short, NULL, EXIT_REJECTED, "nonce"},
    {"nonce other", b_nonce_other, NULL, EXIT_REJECTED, "nonce"},
    {"selection count 0", b_count0, NULL, EXIT_REJECTED, "pcrSelect.count"},
    {"selection count 2", b_count2, NULL, EXIT_REJECTED, "pcrSelect.count"},
    {"selection count huge", b_count_huge, NULL, EXIT_REJECTED,
     "pcrSelect.count"},
    {"sizeofSelect 5", b_selsize, NULL, EXIT_REJECTED, "pcrSelect"},
    {"PCR 24 selected", b_sel_high, NULL, EXIT_REJECTED, "pcrSelect"},
    {"quote covers other PCRs", b_sel_other, NULL, EXIT_REJECTED, "other PCRs"},
    {"quote covers another bank", b_hash_sha1, NULL, EXIT_REJECTED,
     "other PCRs"},
    {"pcrDigest too long", b_digest_big, NULL, EXIT_REJECTED, "pcrDigest"},
    {"pcrDigest other", b_digest_other, NULL, EXIT_REJECTED, "PCR digest"},
    {"trailing byte", b_trailing, NULL, EXIT_REJECTED, "trailing"},
    {"signed by another key", b_other_signer, NULL, EXIT_REJECTED,
     "does not verify"},
    {"field missing", NULL, a_missing, EXIT_REJECTED, "pcrValues"},
    {"field extra", NULL, a_extra, EXIT_REJECTED, "eventLog"},
    {"version 2", NULL, a_version, EXIT_REJECTED, "version"},
    {"version as string", NULL, a_version_str, EXIT_REJECTED, "tpmQuote"},
    {"nonceBinding other", NULL, a_binding, EXIT_REJECTED, "nonceBinding"},
    {"nonceBinding v1 (SPEC-TPM-16)", NULL, a_binding_v1, EXIT_REJECTED,
     "a mlattest-quote-v1 quote binds only the subjects and the invocation "
     "id and is no longer accepted"},
    {"attest not base64", NULL, a_attest_b64, EXIT_REJECTED, "attest"},
    {"attest empty", NULL, a_attest_empty, EXIT_REJECTED, "attest"},
    {"attest too long", NULL, a_attest_huge, EXIT_REJECTED, "attest"},
    {"attest flipped", NULL, a_attest_flip, EXIT_REJECTED, "signature"},
    {"signature flipped", NULL, a_sig_flip, EXIT_REJECTED, "signature"},
    {"signature garbage", NULL, a_sig_garbage, EXIT_REJECTED, "signature"},
    {"akPublicKey other", NULL, a_ak_other, EXIT_REJECTED, "signature"},
    {"akPublicKey Ed25519", NULL, a_ak_ed, EXIT_REJECTED, "P-256"},
    {"akPublicKey junk", NULL, a_ak_junk, EXIT_REJECTED, "akPublicKey"},
    {"pcrSelection not canonical", NULL, a_sel_noncanon, EXIT_REJECTED,
     "canonical"},
    {"pcrSelection PCR 24", NULL, a_sel_bad, EXIT_REJECTED, "pcrSelection"},
    {"pcrSelection fewer PCRs", NULL, a_sel_other, EXIT_REJECTED, "other PCRs"},
    {"pcrSelection another bank", NULL, a_sel_bank, EXIT_REJECTED,
     "other PCRs"},
    {"pcrValues missing one", NULL, a_val_missing, EXIT_REJECTED, "PCR 7"},
    {"pcrValues extra one", NULL, a_val_extra, EXIT_REJECTED, "outside"},
    {"pcrValues uppercase", NULL, a_val_upper, EXIT_REJECTED, "lowercase"},
    {"pcrValues short", NULL, a_val_short, EXIT_REJECTED, "PCR 0"},
    {"pcrValues other value", NULL, a_val_other, EXIT_REJECTED, "PCR digest"},
    {"pcrValues not an object", NULL, a_val_type, EXIT_REJECTED, "object"},
    {"other invocation", NULL, a_inv_other, EXIT_REJECTED, "nonce"},
    {"other subject digest", NULL, a_subject_other, EXIT_REJECTED, "nonce"},
    {"renamed subject", NULL, a_subject_renamed, EXIT_REJECTED, "nonce"},
    {"dropped subject", NULL, a_subject_dropped, EXIT_REJECTED, "nonce"},
    {"untrusted AK", NULL, a_trusted_other, EXIT_REJECTED, "trusted AK"},
    {"trusted signer, other akPublicKey", b_other_signer,
     a_trusted_other_signed, EXIT_REJECTED, "akPublicKey names"},
    {"expected PCR differs", NULL, a_expected_other, EXIT_REJECTED,
     "PCR 16 is"},
    {"expected PCR not quoted", NULL, a_expected_unselected, EXIT_REJECTED,
     "not in the quoted selection"},
    {"expected PCR bad index", NULL, a_expected_bad_index, EXIT_USAGE,
     "expected PCRs"},
    {"expected PCR bad hex", NULL, a_expected_bad_hex, EXIT_USAGE,
     "expected PCRs"},
    {"expected PCRs not an object", NULL, a_expected_not_object, EXIT_USAGE,
     "expected PCRs"},
};

START_TEST(test_verify_rows)
{
	const struct row *r = &rows[_i];
	unsigned char b[600];
	struct err e = ERR_INIT;
	struct ctx c;
	size_t n;
	int rc;

	memset(&c, 0, sizeof(c));
	params_default(&c.p);
	c.inv = INV;
	c.subjects = subjects_new();
	c.signer = fx.ak;
	if (r->before != NULL)
		r->before(&c);
	n = attest_bytes(b, &c.p);
	c.q = quote_new(b, n, c.signer);
	if (r->after != NULL)
		r->after(&c);
	rc = verify_of(c.q, c.subjects, c.inv, c.expected, c.trusted, &e);
	ck_assert_msg(rc == -r->want, "%s: rc %d, want %d (%s)", r->name, rc,
		      -r->want, e.msg);
	if (r->msg != NULL)
		ck_assert_msg(strstr(e.msg, r->msg) != NULL,
			      "%s: message \"%s\" lacks \"%s\"", r->name, e.msg,
			      r->msg);
	json_decref(c.q);
	json_decref(c.subjects);
	json_decref(c.expected);
	keyset_free(c.trusted);
}
END_TEST

/* Every prefix of valid attest bytes, re-signed so the parser sees it. */
START_TEST(test_verify_truncated)
{
	unsigned char b[600];
	struct params p;
	size_t n, cut;

	params_default(&p);
	n = attest_bytes(b, &p);
	for (cut = 1; cut < n; cut++) {
		struct err e = ERR_INIT;
		json_t *q = quote_new(b, cut, fx.ak);
		int rc = verify_of(q, fx.subjects, INV, NULL, NULL, &e);
		ck_assert_msg(rc == -EXIT_REJECTED, "cut %zu: rc %d", cut, rc);
		ck_assert_msg(strstr(e.msg, "TPMS_ATTEST") != NULL ||
				  strstr(e.msg, "TPM-generated") != NULL,
			      "cut %zu: %s", cut, e.msg);
		json_decref(q);
	}
}
END_TEST

/* Non-object quotes and subjects never crash. */
START_TEST(test_verify_not_objects)
{
	struct err e = ERR_INIT;
	json_t *arr = json_array(), *str = json_string("x");

	ck_assert_int_eq(verify_of(arr, fx.subjects, INV, NULL, NULL, &e),
			 -EXIT_REJECTED);
	ck_assert_int_eq(verify_of(str, fx.subjects, INV, NULL, NULL, &e),
			 -EXIT_REJECTED);
	ck_assert_int_eq(verify_of(NULL, fx.subjects, INV, NULL, NULL, &e),
			 -EXIT_REJECTED);
	json_decref(arr);
	json_decref(str);
}
END_TEST

/* ---- a real quote taken on swtpm by tests/tpm/t_quote.sh ---- */

struct real {
	json_t *st, *quote, *subjects;
	const char *inv;
	struct keyset *ak, *other;
};

static struct real rq;

static const json_t *
real_statement(void)
{
	return rq.st;
}

static json_t *
load_json(const char *path)
{
	struct err e = ERR_INIT;
	unsigned char *buf = NULL;
	json_t *v = NULL;
	size_t len;

	ck_assert_msg(file_read(&buf, &len, path, MAX_STATEMENT_BYTES, &e) == 0,
		      "%s", e.msg);
	ck_assert_msg(jsonio_load_object(&v, buf, len, path, &e) == 0, "%s",
		      e.msg);
	free(buf);
	return v;
}

static void
real_setup(void)
{
	struct err e = ERR_INIT;

	rq.st = load_json(getenv("TPMQUOTE_STATEMENT"));
	rq.quote = json_deep_copy(json_object_get(
	    json_object_get(json_object_get(json_object_get(rq.st, "predicate"),
					    "buildDefinition"),
			    "internalParameters"),
	    "tpmQuote"));
	ck_assert_ptr_nonnull(rq.quote);
	rq.subjects = json_object_get(rq.st, "subject");
	rq.inv = json_string_value(json_object_get(
	    json_object_get(json_object_get(json_object_get(rq.st, "predicate"),
					    "runDetails"),
			    "metadata"),
	    "invocationId"));
	ck_assert_ptr_nonnull(rq.inv);
	ck_assert_int_eq(keyset_new(&rq.ak, &e), 0);
	ck_assert_int_eq(keyset_new(&rq.other, &e), 0);
	ck_assert_int_eq(keyset_add_file(rq.ak, getenv("TPMQUOTE_AK"), &e), 0);
	ck_assert_int_eq(
	    keyset_add_file(rq.other, getenv("TPMQUOTE_OTHER_AK"), &e), 0);
}

static void
real_teardown(void)
{
	json_decref(rq.st);
	json_decref(rq.quote);
	keyset_free(rq.ak);
	keyset_free(rq.other);
	memset(&rq, 0, sizeof(rq));
}

/* The recorded values as an expected-PCR object. */
static json_t *
real_expected(void)
{
	return json_deep_copy(json_object_get(rq.quote, "pcrValues"));
}

START_TEST(test_real_self)
{
	struct err e = ERR_INIT;

	ck_assert_msg(
	    verify_of(rq.quote, rq.subjects, rq.inv, NULL, NULL, &e) == 0, "%s",
	    e.msg);
}
END_TEST

START_TEST(test_real_trusted_expected)
{
	struct err e = ERR_INIT;
	json_t *want = real_expected();

	ck_assert_msg(
	    verify_of(rq.quote, rq.subjects, rq.inv, want, rq.ak, &e) == 0,
	    "%s", e.msg);
	json_decref(want);
}
END_TEST

static void
real_reject(json_t *q, const json_t *subjects, const char *inv,
	    const json_t *want, const struct keyset *ks, const char *msg)
{
	struct err e = ERR_INIT;
	int rc = verify_of(q, subjects, inv, want, ks, &e);

	ck_assert_msg(rc == -EXIT_REJECTED, "want rejected, rc %d (%s)", rc,
		      e.msg);
	ck_assert_msg(strstr(e.msg, msg) != NULL, "\"%s\" lacks \"%s\"", e.msg,
		      msg);
}

START_TEST(test_real_wrong_nonce)
{
	json_t *s = json_deep_copy(rq.subjects);

	real_reject(rq.quote, rq.subjects, "00000000-0000-4000-8000-0000000000",
		    NULL, rq.ak, "nonce");
	json_object_set_new(json_object_get(json_array_get(s, 0), "digest"),
			    "sha256", json_string(D1));
	real_reject(rq.quote, s, rq.inv, NULL, rq.ak, "nonce");
	json_decref(s);
}
END_TEST

/* SPEC-TPM-15: the quote grafted into a rewritten statement fails. */
static void
graft_reject(const char *path0, const char *path1, const char *path2,
	     json_t *value)
{
	json_t *st = json_deep_copy(rq.st), *at;
	struct err e = ERR_INIT;
	int rc;

	at = json_object_get(json_object_get(st, "predicate"), path0);
	if (path2 != NULL)
		at = json_object_get(at, path1);
	ck_assert_ptr_nonnull(at);
	if (json_is_array(at))
		json_array_append_new(at, value);
	else
		json_object_set_new(at, path2 != NULL ? path2 : path1, value);
	rc = tpmquote_verify(rq.quote, st, NULL, rq.ak, &e);
	ck_assert_msg(rc == -EXIT_REJECTED, "rc %d (%s)", rc, e.msg);
	ck_assert_msg(strstr(e.msg, "tpmQuote: the nonce does not bind this "
				    "statement") != NULL,
		      "%s", e.msg);
	json_decref(st);
}

START_TEST(test_real_grafted)
{
	struct err e = ERR_INIT;

	/* the genuine statement passes */
	ck_assert_msg(tpmquote_verify(rq.quote, rq.st, NULL, rq.ak, &e) == 0,
		      "%s", e.msg);
	graft_reject("buildDefinition", "internalParameters", "exitStatus",
		     json_integer(1));
	graft_reject("buildDefinition", "resolvedDependencies", NULL,
		     json_pack("{s:s, s:{s:s}}", "uri", "other-dataset",
			       "digest", "sha256", D2));
	graft_reject("runDetails", "builder", "id",
		     json_string("https://example.com/other-builder"));
}
END_TEST

START_TEST(test_real_wrong_pcr_values)
{
	json_t *want = real_expected();
	json_t *q = json_deep_copy(rq.quote);

	json_object_set_new(want, "16", json_string(D1));
	real_reject(rq.quote, rq.subjects, rq.inv, want, rq.ak, "PCR 16 is");
	json_object_set_new(json_object_get(q, "pcrValues"), "16",
			    json_string(D1));
	real_reject(q, rq.subjects, rq.inv, NULL, rq.ak, "PCR digest");
	json_decref(want);
	json_decref(q);
}
END_TEST

START_TEST(test_real_truncated)
{
	struct err e = ERR_INIT;
	json_t *q = json_deep_copy(rq.quote);
	const char *s = json_string_value(json_object_get(q, "attest"));
	unsigned char *raw = NULL;
	size_t n = 0;
	char *back;

	ck_assert_int_eq(b64_decode(&raw, &n, s, strlen(s), "attest", &e), 0);
	back = b64_encode(raw, n - 1);
	set_str(q, "attest", back);
	real_reject(q, rq.subjects, rq.inv, NULL, rq.ak, "signature");
	real_reject(q, rq.subjects, rq.inv, NULL, NULL, "signature");
	free(back);
	free(raw);
	json_decref(q);
}
END_TEST

START_TEST(test_real_flipped_signature)
{
	json_t *q = json_deep_copy(rq.quote);

	flip_b64(q, "signature", 12);
	real_reject(q, rq.subjects, rq.inv, NULL, rq.ak, "signature");
	json_decref(q);
	q = json_deep_copy(rq.quote);
	flip_b64(q, "attest", 40);
	real_reject(q, rq.subjects, rq.inv, NULL, NULL, "signature");
	json_decref(q);
}
END_TEST

START_TEST(test_real_wrong_ak)
{
	json_t *q = json_deep_copy(rq.quote);
	const struct key *other = keyset_get(rq.other, 0);
	char *pem = pem_of(other);

	real_reject(rq.quote, rq.subjects, rq.inv, NULL, rq.other,
		    "under any trusted AK");
	set_str(q, "akPublicKey", pem);
	real_reject(q, rq.subjects, rq.inv, NULL, NULL, "signature");
	real_reject(q, rq.subjects, rq.inv, NULL, rq.ak, "akPublicKey names");
	free(pem);
	json_decref(q);
}
END_TEST

static Suite *
tpmquote_suite(int real)
{
	Suite *s = suite_create("tpmquote");
	TCase *tc;

	if (real) {
		tc = tcase_create("real quote");
		tcase_add_checked_fixture(tc, real_setup, real_teardown);
		tcase_add_test(tc, test_real_self);
		tcase_add_test(tc, test_real_trusted_expected);
		tcase_add_test(tc, test_real_wrong_nonce);
		tcase_add_test(tc, test_real_grafted);
		tcase_add_test(tc, test_real_wrong_pcr_values);
		tcase_add_test(tc, test_real_truncated);
		tcase_add_test(tc, test_real_flipped_signature);
		tcase_add_test(tc, test_real_wrong_ak);
		suite_add_tcase(s, tc);
		return s;
	}
	tc = tcase_create("binding");
	tcase_add_test(tc, test_nonce_known_answer);
	tcase_add_loop_test(tc, test_nonce_bad_statements, 0,
			    sizeof(bad_statements) / sizeof(bad_statements[0]));
	tcase_add_loop_test(tc, test_pcrs_parse, 0,
			    sizeof(pcrs_rows) / sizeof(pcrs_rows[0]));
	tcase_add_test(tc, test_pcrs_format_longest);
	suite_add_tcase(s, tc);
	tc = tcase_create("verify");
	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_verify_rows, 0,
			    sizeof(rows) / sizeof(rows[0]));
	tcase_add_test(tc, test_verify_truncated);
	tcase_add_test(tc, test_verify_not_objects);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	int real = getenv("TPMQUOTE_STATEMENT") != NULL;

	return testutil_run(tpmquote_suite(real));
}
