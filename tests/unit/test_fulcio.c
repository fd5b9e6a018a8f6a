/*
 * lib/fulcio: identity and issuer of real Fulcio certificates (a GitHub
 * workflow from the conformance suite, an email from model_signing's
 * public-good signature) and how they match: exact, full-match regexps,
 * and the twins that must not match (a prefix, one character off, a
 * regexp that would unanchor the wrapped form).
 */
#include <check.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "lib/b64.h"
#include "lib/fulcio.h"
#include "tests/unit/testutil.h"

#define WF                                                                     \
	"https://github.com/sigstore-conformance/extremely-dangerous-public-"  \
	"oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@"   \
	"refs/heads/main"

static X509 *
cert_of(const char *vector)
{
	size_t len, dlen = 0;
	unsigned char *text = testutil_vector(vector, &len), *der = NULL;
	const unsigned char *p;
	json_error_t je;
	json_t *b = json_loadb((const char *)text, len, 0, &je);
	const char *s = json_string_value(json_object_get(
	    json_object_get(json_object_get(b, "verificationMaterial"),
			    "certificate"),
	    "rawBytes"));
	X509 *x;

	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(b64_decode(&der, &dlen, s, strlen(s), "cert", NULL),
			 0);
	p = der;
	x = d2i_X509(NULL, &p, (long)dlen);
	ck_assert_ptr_nonnull(x);
	free(der);
	free(text);
	json_decref(b);
	return x;
}

START_TEST(test_names)
{
	X509 *x = cert_of("sigstore-conformance/bundle-verify/happy-path-v0.3/"
			  "bundle.sigstore.json");
	X509 *y = cert_of("oms-model-transparency-keyless/v1.1.0-sigstore/"
			  "model.sig");
	struct fulcio_names n;

	ck_assert_int_eq(fulcio_names(&n, x, NULL), 0);
	ck_assert_uint_eq(n.nsans, 1);
	ck_assert_str_eq(n.san[0], WF);
	ck_assert_str_eq(n.issuer,
			 "https://token.actions.githubusercontent.com");
	ck_assert_int_eq(fulcio_names(&n, y, NULL), 0);
	ck_assert_str_eq(n.san[0], "stefanb@us.ibm.com");
	ck_assert_str_eq(n.issuer, "https://sigstore.verify.ibm.com/oauth2");
	X509_free(x);
	X509_free(y);
}
END_TEST

struct row {
	const char *s, *want, *re;
	int match;
};

static const struct row rows[] = {
    {WF, WF, NULL, 1},
    {WF, WF "x", NULL, 0},
    {WF, "https://github.com/sigstore-conformance", NULL, 0},
    {WF, NULL, "https://github\\.com/sigstore-conformance/.*", 1},
    {WF, NULL, "https://github\\.com/sigstore-conformance", 0},
    {WF, NULL, ".*@refs/heads/main", 1},
    {WF, NULL, "@refs/heads/main", 0},
    {WF, NULL, "https://github.com/[^/]+/[^/]+/.github/workflows/.*", 1},
    {"alice@example.com", NULL, "alice@example\\.com", 1},
    {"alice@example.com.evil", NULL, "alice@example\\.com", 0},
    {"xalice@example.com", NULL, "alice@example\\.com", 0},
    {"alice@example.com", NULL, "alice)|(bob", 0},
    {"alice-and-more", NULL, "alice)|(bob", 0},
    {"a", NULL, "a|b", 1},
    {"ab", NULL, "a|b", 0},
    {"", NULL, NULL, 0},
};

START_TEST(test_match)
{
	const struct row *r = &rows[_i];

	ck_assert_int_eq(fulcio_match(r->s, r->want, r->re), r->match);
}
END_TEST

START_TEST(test_bad_regexp)
{
	ck_assert_int_eq(fulcio_match("a", NULL, "(unclosed"), -1);
	ck_assert_int_eq(fulcio_match("a", NULL, "[z-a]"), -1);
}
END_TEST

static Suite *
fulcio_suite(void)
{
	Suite *s = suite_create("fulcio");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_names);
	tcase_add_loop_test(tc, test_match, 0, sizeof(rows) / sizeof(rows[0]));
	tcase_add_test(tc, test_bad_regexp);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return testutil_run(fulcio_suite());
}
