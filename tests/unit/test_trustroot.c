/*
 * lib/trustroot: the public-good production root shipped in data/, the
 * conformance suite's staging root (an RSA PKCS#1 CT log key, an Ed25519
 * Rekor v2 key) and bad twins: another media type, a certificate that is
 * not DER, a log id of the wrong length, a window without its start (the
 * key is kept but unusable), windows closed at both ends.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "lib/trustroot.h"
#include "tests/unit/testutil.h"

static struct trustroot *
load_text(const char *text, struct err *e)
{
	struct trustroot *t = NULL;

	trustroot_parse(&t, text, strlen(text), "root", e);
	return t;
}

START_TEST(test_production)
{
	char *path =
	    testutil_join(TEST_VECTORS, "../../data/trusted_root.json");
	struct trustroot *t = NULL;
	struct err e = ERR_INIT;
	const struct trustroot_log *l;
	const struct trustroot_ca *c;
	size_t n;

	ck_assert_msg(trustroot_load(&t, path, &e) == 0, "%s", e.msg);
	l = trustroot_tlogs(t, &n);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(l[0].name, "rekor.sigstore.dev");
	ck_assert_ptr_nonnull(l[0].key);
	ck_assert_ptr_null(l[0].unusable);
	ck_assert_ptr_null(l[1].md); /* Ed25519 */
	ck_assert_ptr_eq(trustroot_find_log(l, n, l[1].id, 32), &l[1]);
	ck_assert_ptr_null(trustroot_find_log(l, n, l[1].id, 31));
	c = trustroot_cas(t, &n);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(sk_X509_num(c[1].chain), 2);
	ck_assert(c[0].valid.has_end);
	trustroot_tsas(t, &n);
	ck_assert_uint_eq(n, 1);
	trustroot_free(t);
	free(path);
}
END_TEST

START_TEST(test_staging)
{
	size_t len, n, i, rsa = 0;
	unsigned char *text = testutil_vector(
	    "sigstore-conformance/bundle-verify/rekor2-happy-path/"
	    "trusted_root.json",
	    &len);
	struct trustroot *t = NULL;
	struct err e = ERR_INIT;
	const struct trustroot_log *l;

	ck_assert_msg(trustroot_parse(&t, text, len, "staging", &e) == 0, "%s",
		      e.msg);
	l = trustroot_ctlogs(t, &n);
	for (i = 0; i < n; i++)
		rsa += l[i].key != NULL &&
		       EVP_PKEY_get_base_id(l[i].key) == EVP_PKEY_RSA;
	ck_assert_uint_eq(rsa, 1);
	trustroot_free(t);
	free(text);
}
END_TEST

#define MEDIA                                                                  \
	"\"mediaType\":\"application/"                                         \
	"vnd.dev.sigstore.trustedroot+json;version=0.1\""
#define KEY                                                                    \
	"\"rawBytes\":\"MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE2G2Y+2tabdTV5BcGi" \
	"BIx0a9fAFwrkBbmLSGtks4L3qX6yYY0zufBnhC8Ur/iy55GhWP/9A/"               \
	"bY2LhC30M9+RYtw"                                                      \
	"==\",\"keyDetails\":\"PKIX_ECDSA_P256_SHA_256\""
#define ID                                                                     \
	"\"logId\":{\"keyId\":\"wNI9atQGlz+VWfO6LRygH4QUfY/"                   \
	"8W4RFwiT5i5WRgB0=\"}"

struct row {
	const char *text;
	int ok;
	const char *why; /* error, or the tlog's unusable reason */
};

static const struct row rows[] = {
    {"{" MEDIA
     ",\"tlogs\":[{\"baseUrl\":\"https://l.example\",\"publicKey\":{" KEY
     ",\"validFor\":{\"start\":\"2021-01-12T11:53:27Z\"}}," ID "}]}",
     1, NULL},
    {"{" MEDIA
     ",\"tlogs\":[{\"baseUrl\":\"https://l.example\",\"publicKey\":{" KEY
     "}," ID "}]}",
     1, "no start"},
    {"{" MEDIA ",\"tlogs\":[{\"baseUrl\":\"https://l.example\",\"publicKey\":{"
     "\"rawBytes\":\"AAAA\"},\"validFor\":{\"start\":\"2021-01-12T11:53:27Z\"}"
     "," ID "}]}",
     1, "cannot be used"},
    {"{\"mediaType\":\"application/json\"}", 0, "mediaType"},
    {"{" MEDIA
     ",\"tlogs\":[{\"baseUrl\":\"https://l.example\",\"publicKey\":{" KEY
     "},\"logId\":{\"keyId\":\"AAAA\"}}]}",
     0, "32 bytes"},
    {"{" MEDIA ",\"tlogs\":[{\"publicKey\":{" KEY "}," ID "}]}", 0, "baseUrl"},
    {"{" MEDIA
     ",\"tlogs\":[{\"baseUrl\":\"https://l.example\",\"publicKey\":{" KEY
     ",\"validFor\":{\"start\":\"yesterday\"}}," ID "}]}",
     0, "RFC 3339"},
    {"{" MEDIA ",\"certificateAuthorities\":[{\"certChain\":{\"certificates\":"
     "[{\"rawBytes\":\"AAAA\"}]}}]}",
     0, "not DER"},
    {"{" MEDIA ",\"certificateAuthorities\":[{\"certChain\":{\"certificates\":"
     "[]}}]}",
     0, "certChain"},
    {"{" MEDIA ",\"tlogs\":{}}", 0, "tlogs"},
    {"[]", 0, "root"},
};

START_TEST(test_rows)
{
	const struct row *r = &rows[_i];
	struct err e = ERR_INIT;
	struct trustroot *t = load_text(r->text, &e);
	const struct trustroot_log *l;
	size_t n;

	if (!r->ok) {
		ck_assert_ptr_null(t);
		ck_assert_msg(strstr(e.msg, r->why) != NULL, "row %d: %s", _i,
			      e.msg);
		return;
	}
	ck_assert_msg(t != NULL, "row %d: %s", _i, e.msg);
	l = trustroot_tlogs(t, &n);
	ck_assert_uint_eq(n, 1);
	if (r->why == NULL)
		ck_assert_ptr_null(l[0].unusable);
	else
		ck_assert_msg(l[0].unusable && strstr(l[0].unusable, r->why),
			      "row %d", _i);
	trustroot_free(t);
}
END_TEST

START_TEST(test_window)
{
	struct trustroot_window w = {100, 200, 1, 1};
	struct trustroot_window open = {100, 0, 1, 0};
	struct trustroot_window nostart = {0, 200, 0, 1};

	ck_assert(trustroot_window_has(&w, 100));
	ck_assert(trustroot_window_has(&w, 200));
	ck_assert(!trustroot_window_has(&w, 99));
	ck_assert(!trustroot_window_has(&w, 201));
	ck_assert(trustroot_window_has(&open, 1000000000));
	ck_assert(!trustroot_window_has(&nostart, 150));
}
END_TEST

static Suite *
trustroot_suite(void)
{
	Suite *s = suite_create("trustroot");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_production);
	tcase_add_test(tc, test_staging);
	tcase_add_loop_test(tc, test_rows, 0, sizeof(rows) / sizeof(rows[0]));
	tcase_add_test(tc, test_window);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return testutil_run(trustroot_suite());
}
