/*
 * keys/p11uri: RFC 7512 PKCS#11 URIs. Every accepted row has a refused
 * twin beside it, with the exact message: percent-encoding, duplicate and
 * unknown attributes, pin-value, pin-source forms, missing token or key.
 */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "keys/p11uri.h"
#include "tests/unit/testutil.h"

struct good_row {
	const char *uri;
	const char *token, *object, *module, *pin;
	const char *id; /* hex of the id bytes, NULL: none */
};

static const struct good_row good_rows[] = {
    {"pkcs11:token=ml;object=trainer", "ml", "trainer", "", "", NULL},
    {"PKCS11:token=ml;object=trainer", "ml", "trainer", "", "", NULL},
    {"pkcs11:token=my%20token;object=a%3bb", "my token", "a;b", "", "", NULL},
    {"pkcs11:token=ml;id=%01%aB", "ml", "", "", "", "01ab"},
    {"pkcs11:serial=0123;object=k?module-path=/usr/lib/x.so", "", "k",
     "/usr/lib/x.so", "", NULL},
    {"pkcs11:token=ml;object=k?pin-source=file:/run/pin&module-path=/m.so",
     "ml", "k", "/m.so", "/run/pin", NULL},
    {"pkcs11:token=ml;object=k;type=private", "ml", "k", "", "", NULL},
    {"pkcs11:token=ml;object=k?module-path=%2Fm%3F.so", "ml", "k", "/m?.so", "",
     NULL},
    {"pkcs11:slot-id=3;id=%00", "", "", "", "", "00"},
};

START_TEST(test_good)
{
	const struct good_row *r = &good_rows[_i];
	struct err e = ERR_INIT;
	struct p11uri u;
	char hex[2 * P11URI_ID_MAX + 1] = "";
	size_t i;

	ck_assert_int_eq(p11uri_parse(&u, r->uri, &e), 0);
	ck_assert_str_eq(u.token, r->token);
	ck_assert_str_eq(u.object, r->object);
	ck_assert_str_eq(u.module_path, r->module);
	ck_assert_str_eq(u.pin_source, r->pin);
	ck_assert_int_eq(u.has_id, r->id != NULL);
	for (i = 0; i < u.idlen; i++)
		snprintf(hex + 2 * i, 3, "%02x", u.id[i]);
	if (r->id != NULL)
		ck_assert_str_eq(hex, r->id);
}
END_TEST

struct bad_row {
	const char *uri;
	const char *msg;
};

static const struct bad_row bad_rows[] = {
    {"pkcs11:token=ml;object=k?module-path=/m.so&pin-value=1234",
     "pkcs11 URI: pin-value is refused (a PIN never comes from the command "
     "line); use pin-source=file:FILE or $MLATTEST_PKCS11_PIN"},
    {"pkcs11:token=ml;object=k;pin-value=1234",
     "pkcs11 URI: pin-value is refused (a PIN never comes from the command "
     "line); use pin-source=file:FILE or $MLATTEST_PKCS11_PIN"},
    {"pkcs11:token=ml;object=k;token=other",
     "pkcs11 URI: attribute token given twice"},
    {"pkcs11:token=ml;id=%01;id=%02", "pkcs11 URI: attribute id given twice"},
    {"pkcs11:token=ml;object=k?module-path=/a&module-path=/b",
     "pkcs11 URI: attribute module-path given twice"},
    {"pkcs11:tokn=ml;object=k", "pkcs11 URI: unknown attribute \"tokn\""},
    {"pkcs11:token=ml;object=k?x-vendor=1",
     "pkcs11 URI: unknown attribute \"x-vendor\""},
    {"pkcs11:token=ml;object=a%zzb",
     "pkcs11 URI: bad value for object (percent-encoding, NUL byte or "
     "longer than 255 bytes)"},
    {"pkcs11:token=ml;object=ab%2",
     "pkcs11 URI: bad value for object (percent-encoding, NUL byte or "
     "longer than 255 bytes)"},
    {"pkcs11:token=ml;object=a%00b",
     "pkcs11 URI: bad value for object (percent-encoding, NUL byte or "
     "longer than 255 bytes)"},
    {"pkcs11:token=ml;id=%0", "pkcs11 URI: bad value for id "
			      "(percent-encoding, NUL byte or longer than "
			      "128 bytes)"},
    {"pkcs11:token=ml;object=k?pin-source=/run/pin",
     "pkcs11 URI: pin-source must be file:FILE"},
    {"pkcs11:token=ml;object=k?pin-source=file:",
     "pkcs11 URI: pin-source must be file:FILE"},
    {"pkcs11:token=ml;object=k;module-path=/m.so",
     "pkcs11 URI: module-path belongs in the query (after ?)"},
    {"pkcs11:object=k?token=ml",
     "pkcs11 URI: token belongs in the path (before ?)"},
    {"pkcs11:token=ml;object", "pkcs11 URI: attribute \"object\" is not "
			       "NAME=VALUE"},
    {"pkcs11:token=ml;;object=k", "pkcs11 URI: attribute \"\" is not "
				  "NAME=VALUE"},
    {"pkcs11:token=ml;object=k;type=cert",
     "pkcs11 URI: type=cert: want private or public"},
    {"pkcs11:object=k", "pkcs11 URI: name the token (token=, serial= or "
			"slot-id=)"},
    {"pkcs11:token=ml", "pkcs11 URI: name the key (object= or id=)"},
    {"pkcs11:", "pkcs11 URI: name the token (token=, serial= or slot-id=)"},
    {"pkcs12:token=ml;object=k", "not a pkcs11: URI"},
};

START_TEST(test_bad)
{
	const struct bad_row *r = &bad_rows[_i];
	struct err e = ERR_INIT;
	struct p11uri u;

	ck_assert_int_eq(p11uri_parse(&u, r->uri, &e), -EXIT_USAGE);
	ck_assert_int_eq(e.code, EXIT_USAGE);
	ck_assert_str_eq(e.msg, r->msg);
	ck_assert_str_eq(u.token, ""); /* nothing half-parsed is left */
}
END_TEST

START_TEST(test_too_long)
{
	static char uri[P11URI_MAX + 64];
	struct err e = ERR_INIT;
	struct p11uri u;
	size_t n;

	snprintf(uri, sizeof(uri), "pkcs11:token=ml;object=");
	n = strlen(uri);
	memset(uri + n, 'a', 300);
	uri[n + 300] = '\0';
	ck_assert_int_eq(p11uri_parse(&u, uri, &e), -EXIT_USAGE);
	ck_assert_str_eq(e.msg, "pkcs11 URI: bad value for object "
				"(percent-encoding, NUL byte or longer than "
				"255 bytes)");
	uri[n + 255] = '\0';
	ck_assert_int_eq(p11uri_parse(&u, uri, &e), 0);
	memset(uri + n, 'a', P11URI_MAX);
	uri[n + P11URI_MAX] = '\0';
	ck_assert_int_eq(p11uri_parse(&u, uri, &e), -EXIT_USAGE);
	ck_assert_str_eq(e.msg, "pkcs11 URI: longer than 4096 bytes");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("p11uri");
	TCase *tc = tcase_create("parse");

	tcase_add_loop_test(tc, test_good, 0,
			    sizeof(good_rows) / sizeof(good_rows[0]));
	tcase_add_loop_test(tc, test_bad, 0,
			    sizeof(bad_rows) / sizeof(bad_rows[0]));
	tcase_add_test(tc, test_too_long);
	suite_add_tcase(s, tc);
	return testutil_run(s);
}
