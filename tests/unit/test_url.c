/*
 * lib/url: URLs read as libcurl reads them. Hostile rows (user info that
 * hides the real host, numeric host spellings, zone ids, other schemes)
 * beside the accepted URL each one imitates; the loopback decision is made
 * on the host libcurl connects to (SPEC-OCI-13, SPEC-TSA-3).
 */
#include <check.h>
#include <string.h>
#include <strings.h>

#include "lib/tsa.h"
#include "lib/url.h"
#include "tests/unit/testutil.h"

struct url_row {
	const char *url;
	int plain;	  /* the transport asked for */
	int rc;		  /* url_check result */
	const char *host; /* host libcurl connects to, when accepted */
	long port;
	const char *why; /* part of the reason, when refused */
	int tsa;	 /* tsa_url_check accepts it (it picks the
			    transport from the scheme) */
};

static const struct url_row rows[] = {
    /* accepted, and the twins that imitate them */
    {"http://127.0.0.1:8080/tsa", 1, 0, "127.0.0.1", 8080, NULL, 1},
    {"http://127.0.0.1:1@evil.example/", 1, -EXIT_USAGE, NULL, 0, "user info",
     0},
    {"http://127.0.0.1:1@127.0.0.1/", 1, -EXIT_USAGE, NULL, 0, "user info", 0},
    {"http://[::1]:9/x", 1, 0, "[::1]", 9, NULL, 1},
    {"http://[::1]@evil.example/", 1, -EXIT_USAGE, NULL, 0, "user info", 0},
    {"http://[0:0::1]/", 1, 0, "[::1]", 80, NULL, 1},
    {"http://[::1%25lo]/", 1, -EXIT_USAGE, NULL, 0, "zone id", 0},
    {"http://[::ffff:127.0.0.1]/", 1, -EXIT_USAGE, NULL, 0, "loopback", 0},
    {"http://localhost/", 1, 0, "localhost", 80, NULL, 1},
    {"http://LOCALHOST/", 1, 0, "LOCALHOST", 80, NULL, 1},
    {"http://localhost./", 1, -EXIT_USAGE, NULL, 0, "loopback", 0},
    {"http://localhost.evil.example/", 1, -EXIT_USAGE, NULL, 0, "loopback", 0},
    {"http://127.0.0.1.nip.io/", 1, -EXIT_USAGE, NULL, 0, "loopback", 0},
    {"http://127.1/", 1, 0, "127.0.0.1", 80, NULL, 1},
    {"http://0x7f000001/", 1, 0, "127.0.0.1", 80, NULL, 1},
    {"http://012.0.0.1/", 1, -EXIT_USAGE, NULL, 0, "loopback", 0},
    {"http://evil.example\\@127.0.0.1/", 1, -EXIT_USAGE, NULL, 0, "user info",
     0},
    {"http://evil.example#@127.0.0.1/", 1, -EXIT_USAGE, NULL, 0, "loopback", 0},
    {"http://evil.example?@127.0.0.1/", 1, -EXIT_USAGE, NULL, 0, "loopback", 0},
    {"http://127.0.0.1;x@evil.example/", 1, -EXIT_USAGE, NULL, 0, "user info",
     0},
    {"http://:pw@127.0.0.1/", 1, -EXIT_USAGE, NULL, 0, "user info", 0},
    {"http://tsa.example/", 1, -EXIT_USAGE, NULL, 0, "loopback", 0},
    {"https://tsa.example/x?y=1", 0, 0, "tsa.example", 443, NULL, 1},
    {"https://user@tsa.example/", 0, -EXIT_USAGE, NULL, 0, "user info", 0},
    {"https://user:pw@tsa.example/", 0, -EXIT_USAGE, NULL, 0, "user info", 0},
    {"HTTPS://TSA.example/", 0, 0, "TSA.example", 443, NULL, 1},
    {"http://tsa.example/", 0, -EXIT_USAGE, NULL, 0, "expected an https", 0},
    {"https://127.0.0.1/", 1, -EXIT_USAGE, NULL, 0, "expected an http", 1},
    /* not URLs we send anything to */
    {"ftp://127.0.0.1/", 1, -EXIT_USAGE, NULL, 0, "not an http", 0},
    {"file:///etc/passwd", 0, -EXIT_USAGE, NULL, 0, "not an http", 0},
    {"127.0.0.1:80", 1, -EXIT_USAGE, NULL, 0, "malformed", 0},
    {"http://[::1", 1, -EXIT_USAGE, NULL, 0, "malformed", 0},
    {"http://127.0.0.1:99999/", 1, -EXIT_USAGE, NULL, 0, "malformed", 0},
    {"http://a b/", 1, -EXIT_USAGE, NULL, 0, "malformed", 0},
    {"http://a\tb/", 1, -EXIT_USAGE, NULL, 0, "malformed", 0},
    {"http://a\nb/", 1, -EXIT_USAGE, NULL, 0, "malformed", 0},
    {"", 1, -EXIT_USAGE, NULL, 0, "malformed", 0},
};

START_TEST(test_check)
{
	const struct url_row *r = &rows[_i];
	struct err e = ERR_INIT;
	struct url u;
	int rc = url_check(&u, r->url, r->plain, &e);

	ck_assert_msg(rc == r->rc, "%s: got %d (%s)", r->url, rc, e.msg);
	if (r->rc != 0) {
		ck_assert_msg(strstr(e.msg, r->why) != NULL, "%s: %s", r->url,
			      e.msg);
		return;
	}
	ck_assert_str_eq(u.host, r->host);
	ck_assert_int_eq(u.port, r->port);
	ck_assert_int_eq(u.https, !r->plain);
	ck_assert_int_eq(u.loopback, r->plain);
}
END_TEST

/* The TSA rule: https anywhere, plain http only to loopback. */
START_TEST(test_tsa_urls)
{
	const struct url_row *r = &rows[_i];
	struct err e = ERR_INIT;
	int plain = -1;
	int rc = tsa_url_check(&plain, r->url, &e);

	if (!r->tsa) {
		ck_assert_msg(rc == -EXIT_USAGE, "%s: got %d", r->url, rc);
		ck_assert_msg(strncmp(e.msg, "--tsa: ", 7) == 0, "%s", e.msg);
		return;
	}
	ck_assert_msg(rc == 0, "%s: got %d (%s)", r->url, rc, e.msg);
	ck_assert_int_eq(plain, strncasecmp(r->url, "http:", 5) == 0);
}
END_TEST

START_TEST(test_origin)
{
	struct err e = ERR_INIT;
	struct url a, b;

	ck_assert_int_eq(url_parse(&a, "http://127.0.0.1:5000/v2/x", &e), 0);
	ck_assert_int_eq(url_parse(&b, "http://127.0.0.1:5000/other?q", &e), 0);
	ck_assert(url_same_origin(&a, &b));
	ck_assert_int_eq(url_parse(&b, "http://127.0.0.1:5001/v2/x", &e), 0);
	ck_assert(!url_same_origin(&a, &b));
	ck_assert_int_eq(url_parse(&b, "http://127.0.0.2:5000/v2/x", &e), 0);
	ck_assert(!url_same_origin(&a, &b));
	ck_assert_int_eq(url_parse(&b, "https://127.0.0.1:5000/v2/x", &e), 0);
	ck_assert(!url_same_origin(&a, &b));
	ck_assert_int_eq(url_parse(&a, "https://Reg.Example/v2/", &e), 0);
	ck_assert_int_eq(url_parse(&b, "https://reg.example:443/x", &e), 0);
	ck_assert(url_same_origin(&a, &b));
}
END_TEST

START_TEST(test_too_long)
{
	static char big[URL_MAX + 8];
	struct err e = ERR_INIT;
	struct url u;

	memcpy(big, "https://a.example/", 18);
	memset(big + 18, 'a', sizeof(big) - 19);
	ck_assert_int_eq(url_parse(&u, big, &e), -EXIT_USAGE);
	ck_assert_ptr_nonnull(strstr(e.msg, "longer than"));
	big[URL_MAX] = '\0';
	ck_assert_int_eq(url_parse(&u, big, &e), -EXIT_USAGE);
	big[URL_MAX - 1] = '\0';
	ck_assert_int_eq(url_parse(&u, big, &e), 0);
}
END_TEST

static Suite *
url_suite(void)
{
	Suite *s = suite_create("url");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_check, 0, sizeof(rows) / sizeof(rows[0]));
	tcase_add_loop_test(tc, test_tsa_urls, 0,
			    sizeof(rows) / sizeof(rows[0]));
	tcase_add_test(tc, test_origin);
	tcase_add_test(tc, test_too_long);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return testutil_run(url_suite());
}
